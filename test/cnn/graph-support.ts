/**
 * Shared by the graph tests: seeded weights, the tolerance rule, and running one model on every ISA
 * the CPU has (sync batch 1 on one thread, async batch 3 on two) against the float64 reference.
 *
 * Tolerance: a float32 result that sums K products (K = the longest reduction in the model: conv
 * taps × input channels per group, dense inputs, add operands) in some order differs from the exact
 * sum by about sqrt(K)·eps32·Σ|terms| (random-walk rounding); errors of successive layers add with
 * gain ~1 at these weight scales, so we allow
 *   max|runCnn − reference| ≤ 8 · sqrt(K) · eps32 · depth · max(1, max|reference|)
 * (depth = layers). Transcendental activations differ from double libm by a few ulps, inside this.
 */
import { expect } from 'vitest';
import { cpuInfo, runCnn, runCnnSync, setIsa, type CnnModel } from '../../src/index.js';
import { referenceCnn } from '../support/graph-reference.js';

export const EPS32 = 2 ** -23;
export const ISAS = cpuInfo().supportedIsas;

/** Seeded uniform values in [-scale, scale) (xorshift32). */
export function rand(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[k] = (((s >>> 0) / 2 ** 32) * 2 - 1) * scale;
  }
  return out;
}

/** The longest reduction of any layer (for the tolerance). */
export function maxReduction(model: CnnModel, inputChannels: number): number {
  let k = 1;
  for (const l of model.layers) {
    if (l.type === 'conv2d' || l.type === 'conv2dTranspose') k = Math.max(k, l.weights.length / l.filters); // taps × input channels per group
    if (l.type === 'dense') k = Math.max(k, l.weights.length / l.units);
    if (l.type === 'add') k = Math.max(k, l.inputs?.length ?? 2);
  }
  return Math.max(k, inputChannels);
}

/** max |got − want| within the tolerance rule above (want: the float64 reference or a peer runtime's float32 output). */
export function expectNear(got: Float32Array, want: Float64Array | Float32Array, model: CnnModel, what: string): void {
  expect(got.length, what).toBe(want.length);
  let maxRef = 0;
  let maxDiff = 0;
  let at = -1;
  for (let i = 0; i < want.length; i++) {
    maxRef = Math.max(maxRef, Math.abs(want[i]));
    const d = Math.abs(got[i] - want[i]);
    if (!(d <= maxDiff)) (maxDiff = d), (at = i);
  }
  const tol = 8 * Math.sqrt(maxReduction(model, 1)) * EPS32 * model.layers.length * Math.max(1, maxRef);
  expect(Number.isFinite(maxRef), `${what}: reference is finite`).toBe(true);
  expect(maxDiff, `${what}: element ${at} (${got[at]} vs ${want[at]})`).toBeLessThanOrEqual(tol);
}

/**
 * Runs `model` on every ISA against the reference: sync batch 1 on one thread, async batch 3 on two
 * (op by op, each op split over threads) and batch 9 on two (sample-major: each sample through the
 * ops on one thread).
 */
export async function checkEveryIsa(model: CnnModel, inputSize: number, seed = 1): Promise<void> {
  const runs = [1, 3, 9].map((batch) => {
    const x = rand(batch * inputSize, seed + batch);
    return { batch, x, want: referenceCnn(model, x, batch) };
  });
  try {
    for (const isa of ISAS) {
      setIsa(isa);
      for (const { batch, x, want } of runs) {
        const got = batch === 1 ? runCnnSync(model, x, { threads: 1 }) : await runCnn(model, x, { threads: 2 });
        expectNear(got, want, model, `${isa} batch ${batch}`);
      }
    }
  } finally {
    setIsa('auto');
  }
}
