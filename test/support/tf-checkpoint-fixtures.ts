/**
 * The two real TensorFlow checkpoints in the shared fixtures (see their SOURCE.md), and the Keras
 * model's architecture as its training script defines it (Keras defaults: stride 1, 'valid').
 */
import path from 'node:path';
import type { CheckpointArchitecture } from '../../src/index.js';
import { fixtureMissing, sharedFixture } from './shared-fixtures.js';

/** TF 1.5 Estimator (tf.layers names, .meta graph beside it) */
export const TF1 = sharedFixture('tf-checkpoint/mnist-tflayers-estimator');
/** TF 2.1 Keras object-based names, two shards, no graph */
export const TF2 = sharedFixture('tf-checkpoint/mnist-keras-tf2-objectbased');
/** Why the two checkpoint fixtures cannot be used here, or undefined. */
export const CHECKPOINTS_MISSING = fixtureMissing('tf-checkpoint/mnist-tflayers-estimator') ?? fixtureMissing('tf-checkpoint/mnist-keras-tf2-objectbased');
export const TF1_PREFIX = TF1 && path.join(TF1, 'model.ckpt-20000');
export const TF2_PREFIX = TF2 && path.join(TF2, 'training_1', 'cp.ckpt');

export const KERAS_ARCH: CheckpointArchitecture = {
  inputShape: [28, 28, 1],
  layers: [
    { type: 'conv2d', scope: 'layer_with_weights-0', activation: 'relu' },
    { type: 'maxPool2d', poolSize: [2, 2] },
    { type: 'conv2d', scope: 'layer_with_weights-1', activation: 'relu' },
    { type: 'maxPool2d', poolSize: [2, 2] },
    { type: 'flatten' },
    { type: 'dense', scope: 'layer_with_weights-2', activation: 'relu' },
    { type: 'dense', scope: 'layer_with_weights-3', activation: 'softmax' },
  ],
};
