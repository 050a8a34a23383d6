/** Shared comparison helpers for format tests. */
import { expect } from 'vitest';
import * as ort from 'onnxruntime-node';
import { runCnn } from '../../src/cnn/cnn.js';
import { convert } from '../../src/convert/convert.js';
import { runMlp } from '../../src/mlp/run.js';
import type { CnnModel } from '../../src/model/types.js';
import { referenceCnn } from './reference-cnn.js';

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
 * Tolerance: inputs and weights are in [-1, 1]; the largest dot product here has K ≤ 4·4·8 = 128 terms
 * and graphs chain at most three of them. float32 accumulation in onnxruntime against our float64
 * reference differs by ~sqrt(K)·eps32·Σ|terms| ≈ 11·6e-8·40 ≈ 3e-5 at worst; atol 1e-4 + rtol 1e-4 covers it
 * while still catching any wrong index, pad or default (those move results by ≥ 1e-2).
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

/** A loaded model through the naive reference, runCnn, and convert (dense and CSR) → runMlp, each within expectClose's tolerance of `expected`. */
export async function expectAllAgree(model: CnnModel, input: Float32Array, batch: number, expected: ArrayLike<number>): Promise<void> {
  expectClose(referenceCnn(model, input, batch).y, expected);
  expectClose(await runCnn(model, input), expected);
  for (const format of ['dense', 'csr'] as const) {
    const mlp = await convert(model, { format });
    try {
      expectClose(await runMlp(mlp, input), expected);
    } finally {
      mlp.dispose();
    }
  }
}
