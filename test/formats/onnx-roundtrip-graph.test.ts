/**
 * Round trip of graph models through ONNX: random NCHW graph CnnModels (residual adds, concats,
 * squeeze-excitation products, upsampling, cropping, transposed convs, dense heads) written by
 * cnnToOnnx and read back by loadOnnx run like the original in runCnn. The loader never sees the
 * original, only the ONNX graph, so every op mapper, fold and tidy rewrite is on trial.
 * Tolerance: atol 1e-4 + rtol 1e-4 — the two models compute the same ops, except where the loader
 * folds a scale/shift into weights or fuses an activation, which reorders float32 rounding by a
 * few ulps per layer.
 */
import { describe, it } from 'vitest';
import { runCnn } from '../../src/cnn/cnn.js';
import { loadOnnx } from '../../src/formats/onnx.js';
import { cnnToOnnx } from '../../src/formats/onnx-export.js';
import { expectClose } from '../support/compare.js';
import { rand } from '../support/onnx-builders.js';
import { randomGraph } from '../support/random-graph.js';

describe('random graph models: cnnToOnnx → loadOnnx → runCnn equals runCnn', () => {
  it.each(Array.from({ length: 30 }, (_, k) => [2 * k + 1]))('seed %i', async (seed) => {
    const { model, inputSize } = randomGraph(seed * 7919, 'NCHW');
    const loaded = loadOnnx(cnnToOnnx(model));
    const x = rand(2 * inputSize, seed, 1);
    expectClose(await runCnn(loaded, x), await runCnn(model, x));
  });
});
