/** Shared comparison helpers for format tests. */
import { expect } from 'vitest';
import * as ort from 'onnxruntime-node';
import type { CnnModel } from '../../src/model/types.js';
import { checkConvert } from './check-convert.js';
import { referenceCnn } from './reference-cnn.js';
import { assertWithin } from './tolerance.js';

/** Runs ONNX bytes (or a model path) in onnxruntime-node on one float32 input. */
export async function runOrt(bytes: Uint8Array | string, input: Float32Array, dims: number[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes as Uint8Array);
  try {
    const res = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', input, dims) });
    return res[session.outputNames[0]].data as Float32Array;
  } finally {
    await session.release();
  }
}

/**
 * Fixed tolerance for MLP-vs-MLP comparisons that have no reference with bounds (exported files
 * against runMlp). Inputs and weights here are in [-1, 1], rows have K ≤ 128 terms and graphs chain
 * at most three: a float32 sum errs by ≤ γ(K + 1)·Σ|terms| ≈ 8e-6·40 ≈ 3e-4 at worst, ~1e-5 in
 * practice; atol 1e-4 + rtol 1e-4 still sits far below the O(1e-2) change of a wrong index or
 * default. Comparisons with a CNN use the per-output bounds below instead.
 */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol = 1e-4, rtol = 1e-4): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  let at = -1;
  for (let k = 0; k < expected.length; k++) {
    const err = Math.abs(actual[k] - expected[k]) - (atol + rtol * Math.abs(expected[k]));
    if (!(err <= worst)) {
      worst = Number.isNaN(err) ? Infinity : err;
      at = k;
    }
  }
  if (at >= 0) expect.fail(`element ${at}: ${actual[at]} vs ${expected[at]} (exceeds tolerance by ${worst})`);
}

/** A float32 implementation's output (onnxruntime, tfjs, runCnn) within the reference CNN's per-output bound. */
export function expectNearReference(actual: ArrayLike<number>, model: CnnModel, input: Float32Array, batch: number, what: string): void {
  const ref = referenceCnn(model, input, batch);
  assertWithin(actual, ref.y, ref.tol32.map((t, i) => t + ref.tolParams[i] + 1e-12 * Math.abs(ref.y[i])), what);
}

/** Two models compute the same function (a model and its export read back): float32-stored parameters aside. */
export function expectSameFunction(a: CnnModel, b: CnnModel, input: Float32Array, batch: number, what: string): void {
  const ra = referenceCnn(a, input, batch);
  const rb = referenceCnn(b, input, batch);
  assertWithin(rb.y, ra.y, ra.tolParams.map((t, i) => t + rb.tolParams[i] + 1e-12 * (1 + Math.abs(ra.y[i]))), what);
}

/**
 * A loaded model against a peer's output for it (`expected`, from onnxruntime or tfjs): the peer
 * is within the reference CNN's bound, and runCnn and convert → runMlp (dense and CSR) are within
 * theirs (test/support/check-convert.ts).
 */
export async function expectAllAgree(model: CnnModel, input: Float32Array, batch: number, expected: ArrayLike<number>): Promise<void> {
  expectNearReference(expected, model, input, batch, 'the peer');
  await checkConvert(model, input, batch);
}
