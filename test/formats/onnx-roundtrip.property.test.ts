/**
 * Random valid CnnModels (both layouts, every layer kind) → cnnToOnnx → onnxruntime-node, against
 * the float64 reference (test/support/reference-cnn.ts); NCHW models also → loadOnnx(cnnToOnnx(model)) must compute the same
 * function as the model itself (the loader inverts the exporter).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { cnnToOnnx } from '../../src/formats/onnx-export.js';
import { loadOnnx } from '../../src/formats/onnx.js';
import { OP, planModel } from '../../src/model/plan.js';
import type { CnnModel } from '../../src/model/types.js';
import { referenceCnn } from '../support/reference-cnn.js';
import { assertWithin } from '../support/tolerance.js';
import { arbCnnCase, randomInput, sampleSize } from '../support/random-cnn.js';

/**
 * Tolerance: per output, the bound a float32 implementation of the same layers must meet
 * (reference-cnn's tol32: γ(K + 1)·Σ|w·x| per reduction, propagated; test/support/tolerance.ts).
 * loadOnnx(cnnToOnnx(model)) holds the same float32 weights (ONNX stores epsilon in float32: the
 * batch-norm constants' rounding, tolParams), so the reference must give the same values.
 */
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
        const ref = referenceCnn(model, input, batch);
        const want = ref.y;
        // Graph optimisations off: onnxruntime's Pad→MaxPool fusion produces pads ≥ kernel, which its own pool kernel then rejects.
        const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled' });
        try {
          const res = await session.run({ input: new ort.Tensor('float32', input, [batch, ...model.inputShape]) });
          assertWithin(res.output.data as Float32Array, want, ref.tol32, 'onnxruntime');
        } finally {
          await session.release();
        }
        if (model.layout === 'NCHW') assertWithin(referenceCnn(loadOnnx(bytes), input, batch).y, want, ref.tolParams.map((t, i) => t + 1e-12 * (1 + Math.abs(want[i]))), 'loadOnnx(cnnToOnnx(model))');
        ran.push(model.layout);
      }),
      { numRuns: 150, seed: 20261125 },
    );
    // the preconditions skip a few cases; most must run, in both layouts
    expect(ran.length).toBeGreaterThan(120);
    expect(new Set(ran).size).toBe(2);
  });
});
