/**
 * The graph ops tfjs also has, against tfjs (CPU backend) on the same inputs: transposed
 * convolution (tf.conv2dTranspose), resizing (tf.image.resizeNearestNeighbor / resizeBilinear with
 * their alignCorners / halfPixelCenters flags = our alignCorners / halfPixel / asymmetric modes),
 * conv1d (tf.conv1d), and an add + concat + multiply graph. Tolerance as in graph-support.ts, with
 * the float32 tfjs result as the reference.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, it } from 'vitest';
import { runCnnSync, type CnnModel } from '../../src/index.js';
import { tfReady } from '../support/tfjs-reference.js';
import { expectNear, rand } from './graph-support.js';

function expectTf(model: CnnModel, x: Float32Array, want: Float32Array) {
  expectNear(runCnnSync(model, x), want, model, 'runCnn vs tfjs');
}

describe('graph ops match tfjs', () => {
  beforeAll(tfReady);

  it.each([
    { k: 3, s: 2, pad: 'same' as const },
    { k: 3, s: 1, pad: 'same' as const },
    { k: 2, s: 2, pad: 'valid' as const },
    { k: 3, s: 2, pad: 'valid' as const },
    { k: 1, s: 2, pad: 'valid' as const },
    { k: 4, s: 3, pad: 'same' as const },
  ])('conv2dTranspose kernel $k stride $s $pad', ({ k, s, pad }) => {
    const [h, w, cin, f] = [5, 4, 3, 4];
    const weights = rand(k * k * f * cin, 11, 0.5);
    const bias = rand(f, 3, 0.2);
    const model: CnnModel = { layout: 'NHWC', inputShape: [h, w, cin], layers: [{ type: 'conv2dTranspose', filters: f, kernelSize: [k, k], strides: [s, s], padding: pad, weights, bias }] };
    const x = rand(2 * h * w * cin, 5);
    const oh = pad === 'same' ? h * s : h * s + Math.max(k - s, 0);
    const ow = pad === 'same' ? w * s : w * s + Math.max(k - s, 0);
    const want = tf.tidy(() =>
      tf.add(tf.conv2dTranspose(tf.tensor4d(x, [2, h, w, cin]), tf.tensor4d(weights, [k, k, f, cin]), [2, oh, ow, f], [s, s], pad), tf.tensor1d(bias)).dataSync() as Float32Array,
    );
    expectTf(model, x, want);
  });

  it.each([
    ['nearest', 'asymmetric', false, false],
    ['nearest', 'alignCorners', true, false],
    ['bilinear', 'asymmetric', false, false],
    ['bilinear', 'halfPixel', false, true],
    ['bilinear', 'alignCorners', true, false],
  ] as const)('upsample2d %s %s', (mode, coordinateMode, alignCorners, halfPixelCenters) => {
    const [h, w, c] = [3, 5, 2];
    const model: CnnModel = { layout: 'NHWC', inputShape: [h, w, c], layers: [{ type: 'upsample2d', size: [2, 3], mode, coordinateMode, nearestMode: alignCorners ? 'roundPreferCeil' : 'floor' }] };
    const x = rand(2 * h * w * c, 9);
    const want = tf.tidy(() => {
      const t = tf.tensor4d(x, [2, h, w, c]);
      const size: [number, number] = [2 * h, 3 * w];
      return (mode === 'nearest' ? tf.image.resizeNearestNeighbor(t, size, alignCorners, halfPixelCenters) : tf.image.resizeBilinear(t, size, alignCorners, halfPixelCenters)).dataSync() as Float32Array;
    });
    expectTf(model, x, want);
  });

  it('conv1d (spatialRank 1, NHWC [L, C]) with stride and same padding', () => {
    const [L, cin, f, k] = [17, 3, 5, 4];
    const weights = rand(k * cin * f, 21, 0.5);
    const model: CnnModel = { layout: 'NHWC', spatialRank: 1, inputShape: [L, cin], layers: [{ type: 'conv2d', filters: f, kernelSize: [1, k], strides: [1, 2], padding: 'same', weights }] };
    const x = rand(2 * L * cin, 4);
    const want = tf.tidy(() => tf.conv1d(tf.tensor3d(x, [2, L, cin]), tf.tensor3d(weights, [k, cin, f]), 2, 'same').dataSync() as Float32Array);
    expectTf(model, x, want);
  });

  it('add, concat and a per-channel multiply in one graph', () => {
    const [h, w, c] = [4, 3, 2];
    const wa = rand(9 * c * c, 2, 0.5);
    const model: CnnModel = {
      layout: 'NHWC',
      inputShape: [h, w, c],
      layers: [
        { type: 'conv2d', name: 'a', filters: c, kernelSize: [3, 3], padding: 'same', weights: wa },
        { type: 'add', name: 's', inputs: ['a', 'input'], activation: 'relu' },
        { type: 'globalAvgPool2d', name: 'g' },
        { type: 'multiply', name: 'm', inputs: ['g', 'input'] },
        { type: 'concat', inputs: ['s', 'm', 'input'] },
      ],
    };
    const x = rand(2 * h * w * c, 8);
    const want = tf.tidy(() => {
      const t = tf.tensor4d(x, [2, h, w, c]);
      const s = tf.relu(tf.add(tf.conv2d(t, tf.tensor4d(wa, [3, 3, c, c]), 1, 'same'), t));
      const m = tf.mul(tf.mean(s, [1, 2], true), t);
      return tf.concat([s, m, t], 3).dataSync() as Float32Array;
    });
    expectTf(model, x, want);
  });
});
