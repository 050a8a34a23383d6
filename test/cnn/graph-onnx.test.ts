/**
 * Graph models exported by cnnToOnnx and run by onnxruntime-node (a third, independent
 * implementation: its own Resize, ConvTranspose, Sum/Mul/Concat kernels) agree with runCnn:
 * random graph models, and every upsample mode and transposed-conv configuration the op tests use.
 * Tolerance as in graph-support.ts, with the ORT result as the reference.
 */
import { describe, it } from 'vitest';
import { cnnToOnnx, runCnnSync, type CnnModel } from '../../src/index.js';
import { runOrt } from '../support/compare.js';
import { randomGraph } from '../support/random-graph.js';
import { expectNear, rand } from './graph-support.js';

async function expectOrt(model: CnnModel, inputSize: number, seed: number) {
  const batch = 2;
  const x = rand(batch * inputSize, seed);
  const want = await runOrt(cnnToOnnx(model), x, [batch, ...model.inputShape]);
  expectNear(runCnnSync(model, x), want, model, 'runCnn vs onnxruntime');
}

describe('graph models through ONNX Runtime', () => {
  it('random graph models', async () => {
    for (let seed = 1; seed <= 25; seed++) {
      const { model, inputSize } = randomGraph(seed * 104729);
      await expectOrt(model, inputSize, seed);
    }
  });

  it('upsample2d: every mode ONNX Resize has', async () => {
    for (const mode of ['nearest', 'bilinear'] as const)
      for (const coordinateMode of ['asymmetric', 'halfPixel', 'pytorchHalfPixel', 'alignCorners'] as const)
        for (const nearestMode of mode === 'nearest' ? (['floor', 'roundPreferFloor', 'roundPreferCeil', 'ceil'] as const) : (['floor'] as const)) {
          const model: CnnModel = { layout: 'NCHW', inputShape: [2, 3, 4], layers: [{ type: 'upsample2d', size: [3, 2], mode, coordinateMode, nearestMode }] };
          await expectOrt(model, 24, 3);
        }
  });

  it('conv2dTranspose: strides, pads, output padding, dilation, groups', async () => {
    const cases: [number, number, 'same' | 'valid' | [number, number, number, number], [number, number] | undefined, number, number][] = [
      [3, 2, 'same', undefined, 1, 1],
      [1, 3, 'valid', undefined, 1, 1],
      [3, 2, [1, 1, 1, 1], [1, 1], 1, 1],
      [4, 2, [1, 0, 2, 1], [1, 0], 1, 1],
      [3, 1, 'valid', undefined, 2, 1],
      [3, 2, [0, 1, 1, 0], undefined, 1, 2],
    ];
    for (const [k, s, padding, outputPadding, d, groups] of cases) {
      const model: CnnModel = {
        layout: 'NHWC',
        inputShape: [4, 3, 4],
        layers: [{ type: 'conv2dTranspose', filters: 6, kernelSize: [k, k], strides: [s, s], padding, outputPadding, dilation: [d, d], groups, weights: rand(k * k * (6 / groups) * 4, k, 0.5), bias: rand(6, 2, 0.1) }],
      };
      await expectOrt(model, 48, k + s);
    }
  });
});
