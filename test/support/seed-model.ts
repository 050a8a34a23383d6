/**
 * The seed study's network (until src/model/seed.ts lands from the `cnn` branch): 80×80×3 input,
 * three 3×3 convs with 32/64/64 filters and ReLU, strided ('same' by default), then flatten,
 * dense 1024 (ReLU) and dense 29 (softmax). Weights are seeded uniform values.
 */
import type { CnnModel, Layer, Padding } from '../../src/model/types.js';
import { seededUniform } from './random-cnn.js';

export function seedModel(stride: number, opts: { padding?: Padding; dense?: boolean; layout?: 'NHWC' | 'NCHW' } = {}): CnnModel {
  const padding = opts.padding ?? 'same';
  const layers: Layer[] = [];
  let c = 3;
  let h = 80;
  let seed = 1;
  for (const f of [32, 64, 64]) {
    const s = Math.sqrt(6 / (9 * c));
    layers.push({ type: 'conv2d', filters: f, kernelSize: [3, 3], strides: [stride, stride], padding, weights: seededUniform(9 * c * f, seed++, -s, s), bias: seededUniform(f, seed++, -0.1, 0.1), activation: 'relu' });
    h = padding === 'valid' ? Math.floor((h - 3) / stride) + 1 : Math.ceil(h / stride);
    c = f;
  }
  if (opts.dense !== false) {
    const n = h * h * c;
    layers.push({ type: 'flatten' });
    layers.push({ type: 'dense', units: 1024, weights: seededUniform(n * 1024, seed++, -Math.sqrt(6 / n), Math.sqrt(6 / n)), bias: seededUniform(1024, seed++, -0.1, 0.1), activation: 'relu' });
    layers.push({ type: 'dense', units: 29, weights: seededUniform(1024 * 29, seed++, -0.08, 0.08), bias: seededUniform(29, seed++, -0.1, 0.1), activation: 'softmax' });
  }
  return { name: `seed-stride${stride}`, layout: opts.layout ?? 'NHWC', inputShape: opts.layout === 'NCHW' ? [3, 80, 80] : [80, 80, 3], layers };
}
