/**
 * Random valid CnnModels (both layouts, every layer kind) → cnnToOnnx → onnxruntime-node, against
 * the naive float64 reference; NCHW models also → loadOnnx(cnnToOnnx(model)) must compute the same
 * function as the model itself (the loader inverts the exporter).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { cnnToOnnx } from '../../src/formats/onnx-export.js';
import { loadOnnx } from '../../src/formats/onnx.js';
import { OP, planModel } from '../../src/model/plan.js';
import type { CnnModel } from '../../src/model/types.js';
import { naiveCnn } from '../support/naive-cnn.js';
import { arbCnnCase, randomInput, sampleSize } from '../support/random-cnn.js';

/**
 * Tolerance: onnxruntime accumulates in float32; the reference in float64 from the same float32
 * weights. A sum of K ≤ 7·7·12 ≈ 600 terms differs by ≲ sqrt(K)·2^-24·Σ|terms|, and layers pass
 * errors on with O(1) gain (He-scaled weights), so atol 1e-4·(1 + max|y|) + rtol 1e-4 is ample and
 * still far below the O(0.1) change of a wrong tap, pad or permutation.
 */
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  expect(got.length).toBe(want.length);
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  for (let i = 0; i < want.length; i++) {
    const tol = 1e-4 * (1 + scale) + 1e-4 * Math.abs(want[i]);
    if (!(Math.abs(got[i] - want[i]) <= tol)) throw new Error(`${what}: output ${i} is ${got[i]}, expected ${want[i]} (tol ${tol})`);
  }
}

/** onnxruntime refuses pool pads ≥ the (undilated) kernel size, which the ONNX spec and cnn2mlp allow when dilated. */
function ortRefusesPads(model: CnnModel): boolean {
  return planModel(model).ops.some(
    (op) => (op.op === OP.maxPool2d || op.op === OP.avgPool2d) && (Math.max(op.pads[0], op.pads[1]) >= op.kh || Math.max(op.pads[2], op.pads[3]) >= op.kw),
  );
}

describe('cnnToOnnx / loadOnnx on random models', () => {
  it('onnxruntime agrees with the reference; loadOnnx inverts cnnToOnnx', async () => {
    const ran: string[] = [];
    await fc.assert(
      fc.asyncProperty(arbCnnCase, async ({ model, batch, inputSeed }) => {
        fc.pre(!ortRefusesPads(model)); // pool windows wholly in padding: planModel rejects them, random-cnn never makes them
        const bytes = cnnToOnnx(model);
        const input = randomInput(sampleSize(model), batch, inputSeed);
        const want = naiveCnn(model, input, batch);
        // Graph optimisations off: onnxruntime's Pad→MaxPool fusion produces pads ≥ kernel, which its own pool kernel then rejects.
        const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled' });
        try {
          const res = await session.run({ input: new ort.Tensor('float32', input, [batch, ...model.inputShape]) });
          expectClose(res.output.data as Float32Array, want, 'onnxruntime');
        } finally {
          await session.release();
        }
        if (model.layout === 'NCHW') expectClose(naiveCnn(loadOnnx(bytes), input, batch), want, 'loadOnnx(cnnToOnnx(model))');
        ran.push(model.layout);
      }),
      { numRuns: 150, seed: 20261125 },
    );
    // the preconditions skip a few cases; most must run, in both layouts
    expect(ran.length).toBeGreaterThan(120);
    expect(new Set(ran).size).toBe(2);
  });
});
