/**
 * loadTfjs against TensorFlow.js itself: tiny models are built and trained for a few steps with
 * @tensorflow/tfjs (CPU backend), saved in Layers format to a temp dir, loaded with loadTfjs, run by
 * the reference CNN (test/support/reference-cnn.ts) and compared with tfjs's own predict().
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { loadTfjs } from '../../src/formats/tfjs.js';
import { expectAllAgree } from '../support/compare.js';
import { rand } from '../support/onnx-builders.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cnn2mlp-tfjs-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Saves `model` as dir/model.json + weight shards (split into `shards` files) the way tfjs-node's file:// handler would. */
export async function saveLayersModel(model: tf.LayersModel, dir: string, shards = 1): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const data = new Uint8Array(Array.isArray(a.weightData) ? tf.io.concatenateArrayBuffers(a.weightData) : (a.weightData as ArrayBuffer));
      const paths: string[] = [];
      const per = Math.ceil(data.length / shards);
      for (let s = 0; s < shards; s++) {
        const p = `group1-shard${s + 1}of${shards}.bin`;
        fs.writeFileSync(path.join(dir, p), data.subarray(s * per, Math.min(data.length, (s + 1) * per)));
        paths.push(p);
      }
      const json = { modelTopology: a.modelTopology, format: a.format, generatedBy: a.generatedBy, convertedBy: null, weightsManifest: [{ paths, weights: a.weightSpecs }] };
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return path.join(dir, 'model.json');
}

/** A few optimiser steps on random data so weights and batch-norm statistics move off their initial values. */
async function trainBriefly(model: tf.LayersModel, inShape: number[], classes: number): Promise<void> {
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
  const n = 16;
  const x = tf.tensor(rand(n * inShape.reduce((a, b) => a * b, 1), 3), [n, ...inShape]);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: n }, (_, k) => k % classes), 'int32'), classes);
  await model.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0 });
  x.dispose();
  y.dispose();
}


// Tolerance: tfjs computes in float32 (sums of ≤ 3·3·8 = 72 terms per conv, 200-term dense) against
// our float64 reference: ~sqrt(K)·6e-8·Σ|terms| ≲ 1e-5 per layer over 4 layers; atol/rtol 1e-4 holds
// with margin and fails on any layout, padding or weight-order mistake.
describe('loadTfjs → naive reference, runCnn, convert → runMlp agree with tfjs predict', () => {
  it('Sequential: Conv2D, DepthwiseConv2D, BatchNormalization, LeakyReLU, ZeroPadding2D, pools, ReLU(max), Activation, Dropout, Flatten, Dense', async () => {
    const inShape = [10, 9, 3];
    const m = tf.sequential();
    m.add(tf.layers.conv2d({ inputShape: inShape, filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }));
    m.add(tf.layers.depthwiseConv2d({ kernelSize: [2, 3], depthMultiplier: 2, padding: 'valid', activation: 'elu' }));
    m.add(tf.layers.batchNormalization());
    m.add(tf.layers.leakyReLU({ alpha: 0.15 }));
    m.add(tf.layers.zeroPadding2d({ padding: [[1, 0], [0, 2]] }));
    m.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 1, padding: 'same' }));
    m.add(tf.layers.averagePooling2d({ poolSize: [2, 2], padding: 'same' }));
    m.add(tf.layers.reLU({ maxValue: 0.8 }));
    m.add(tf.layers.conv2d({ filters: 3, kernelSize: 1, useBias: false, dilationRate: 1 }));
    m.add(tf.layers.activation({ activation: 'tanh' }));
    m.add(tf.layers.dropout({ rate: 0.3 }));
    m.add(tf.layers.flatten());
    m.add(tf.layers.dense({ units: 7, activation: 'selu' }));
    m.add(tf.layers.dense({ units: 3, activation: 'softmax' }));
    await trainBriefly(m, inShape, 3);
    const file = await saveLayersModel(m, path.join(tmp, 'seq'), 3);
    const model = loadTfjs(file);
    expect(model.layout).toBe('NHWC');
    expect(model.inputShape).toEqual(inShape);
    const batch = 3;
    const input = rand(batch * 270, 11);
    const expected = (m.predict(tf.tensor(input, [batch, ...inShape])) as tf.Tensor).dataSync();
    await expectAllAgree(model, input, batch, expected);
  });

  it('functional chain: InputLayer, Conv2D dilated (frozen), GlobalAveragePooling2D, Dense sigmoid; and GlobalMaxPooling2D', async () => {
    for (const gp of ['avg', 'max']) {
      const inp = tf.input({ shape: [7, 7, 2] });
      // tfjs has no gradient for dilated convs: keep that one first and frozen (random init), train the rest
      let t = tf.layers.conv2d({ filters: 4, kernelSize: 2, dilationRate: 2, trainable: false, biasInitializer: 'randomNormal' }).apply(inp) as tf.SymbolicTensor;
      t = tf.layers.conv2d({ filters: 5, kernelSize: 2, activation: 'softplus' }).apply(t) as tf.SymbolicTensor;
      t = (gp === 'avg' ? tf.layers.globalAveragePooling2d({}) : tf.layers.globalMaxPooling2d({})).apply(t) as tf.SymbolicTensor;
      t = tf.layers.dense({ units: 2, activation: 'sigmoid' }).apply(t) as tf.SymbolicTensor;
      const m = tf.model({ inputs: inp, outputs: t });
      await trainBriefly(m, [7, 7, 2], 2);
      const file = await saveLayersModel(m, path.join(tmp, `fn-${gp}`));
      const model = loadTfjs(file);
      const input = rand(2 * 98, 12);
      const expected = (m.predict(tf.tensor(input, [2, 7, 7, 2])) as tf.Tensor).dataSync();
      await expectAllAgree(model, input, 2, expected);
    }
  });
});
