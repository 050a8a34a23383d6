/**
 * runCnn runs small jobs (at most 2^22 multiply-adds) on the calling thread and larger ones on a
 * job thread. Both paths must give the same answer as runCnnSync and as a float64 reference, and a
 * small job's result must be in `out` when its promise settles; the same model crosses the
 * threshold by batch size alone.
 */
import { describe, expect, it } from 'vitest';
import { compileCnn, runCnn, runCnnSync, type CnnModel } from '../../src/index.js';
import { mulberry32 } from '../../src/util/random.js';

function denseModel(inputs: number, units: number, seed: number): CnnModel {
  const rnd = mulberry32(seed);
  const w = Float32Array.from({ length: inputs * units }, () => rnd() - 0.5);
  const b = Float32Array.from({ length: units }, () => rnd() - 0.5);
  return { layout: 'NHWC', inputShape: [inputs], layers: [{ type: 'dense', name: 'd', units, weights: w, bias: b }] };
}

// y = W·x + b in float64; W is [inputs, units] (Keras layout).
function reference(model: CnnModel, x: Float32Array): Float64Array {
  const layer = model.layers[0] as { units: number; weights: Float32Array; bias: Float32Array };
  const inputs = model.inputShape[0], units = layer.units, batch = x.length / inputs;
  const y = new Float64Array(batch * units);
  for (let n = 0; n < batch; n++)
    for (let u = 0; u < units; u++) {
      let s = layer.bias[u];
      for (let i = 0; i < inputs; i++) s += x[n * inputs + i] * layer.weights[i * units + u];
      y[n * units + u] = s;
    }
  return y;
}

function expectClose(got: Float32Array, want: Float64Array, inputs: number): void {
  // float32 dot products of `inputs` terms of magnitude <= 0.25: error <= inputs · 2^-24 · 0.25 per
  // term bound, doubled for slack.
  const tol = 2 * inputs * 2 ** -24 * 0.25 + 1e-7;
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  expect(worst).toBeLessThanOrEqual(tol);
}

describe('runCnn on and off the calling thread', () => {
  const cases = [
    { name: 'a 2 → 3 dense layer at batch 1 (8 multiply-adds: inline)', inputs: 2, units: 3, batch: 1 },
    { name: 'the same layer at batch 600000 (4.8 M: a job thread)', inputs: 2, units: 3, batch: 600000 },
    { name: 'a 2100 → 2000 dense layer at batch 1 (4.2 M, just over 2^22: a job thread)', inputs: 2100, units: 2000, batch: 1 },
    { name: 'a 2000 → 2000 dense layer at batch 1 (4.0 M, just under 2^22: inline)', inputs: 2000, units: 2000, batch: 1 },
  ];
  for (const c of cases)
    it(c.name, async () => {
      const model = denseModel(c.inputs, c.units, c.inputs * 7 + c.batch);
      const compiled = compileCnn(model);
      const rnd = mulberry32(c.batch);
      const x = Float32Array.from({ length: c.inputs * c.batch }, () => rnd() - 0.5);
      for (const threads of [1, 2]) {
        const out = new Float32Array(c.units * c.batch).fill(Number.NaN);
        const pending = runCnn(compiled, x, { threads, out });
        expect(pending).toBeInstanceOf(Promise);
        expect(await pending).toBe(out);
        expectClose(out, reference(model, x), c.inputs);
        const sync = runCnnSync(compiled, x, { threads });
        expect(out.findIndex((v, i) => !Object.is(v, sync[i]))).toBe(-1);
      }
      compiled.dispose();
    });
});
