// precision 'bf16' end to end on the seed network at stride 3 with format 'auto' (dense head, run-CSR
// convolutions, both rounded to bf16) and 'csr' (stays fp32): which layers hold bf16 and their bytes, the stored weights being exactly the fp32
// weights rounded to nearest even, runMlp running those weights (batch 1: GEMV, batch 5: GEMM),
// the difference from the fp32 MLP within the bound the rounding allows, and what is refused.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convert, loadMlp, runMlp, saveMlp, stats, type Mlp } from '../../src/index.js';
import { native } from '../../src/native.js';
import { roundBf16 } from '../support/kernel-cases.js';
import { randomInput } from '../support/random-cnn.js';
import { evalStored, readMlp, type ReadLayer } from '../support/stored-mlp.js';
import { seedModel } from '../support/seed-model.js';

const dir = mkdtempSync(path.join(tmpdir(), 'cnn2mlp-bf16-'));
const model = seedModel(3);
let f32: Mlp, bf16: Mlp;

beforeAll(async () => {
  f32 = await convert(model, { format: 'auto' });
  bf16 = await convert(model, { format: 'auto', precision: 'bf16' });
});
afterAll(() => {
  for (const m of [f32, bf16]) m?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** Largest relative error of bf16 round to nearest: half an ulp of an 8-bit significand. */
const BF16_REL = 2 ** -9;

/**
 * Per output, a first-order bound on |bf16 MLP − fp32 MLP| in exact arithmetic: per layer
 * z' − z = W'(x' − x) + (W' − W)x, so |Δz_r| ≤ Σ|W'_rk|·Δx_k + 2^-9·Σ|W_rk·x_k|; every activation
 * relu changes its output by at most its input's change; softmax as below.
 */
function bf16Bound(ref: ReadLayer[], rounded: ReadLayer[], input: Float32Array, batch: number): Float64Array {
  const inSize = ref[0].cols;
  const outSize = ref[ref.length - 1].rows;
  const bound = new Float64Array(batch * outSize);
  for (let b = 0; b < batch; b++) {
    let x: ArrayLike<number> = Float64Array.from(input.subarray(b * inSize, (b + 1) * inSize));
    let dx = new Float64Array(inSize);
    for (let li = 0; li < ref.length; li++) {
      const l = ref[li],
        w2 = rounded[li].values;
      const dz = new Float64Array(l.rows);
      for (let r = 0; r < l.rows; r++) {
        let e = 0;
        for (let j = l.rowPtr[r]; j < l.rowPtr[r + 1]; j++) e += Math.abs(w2[j]) * dx[l.colIdx[j]] + BF16_REL * Math.abs(l.values[j] * x[l.colIdx[j]]);
        dz[r] = e;
      }
      x = evalStored([l], x, 1).y;
      // softmax: Δp_i ≈ p_i·(Δz_i − Σ_j p_j·Δz_j), so |Δp_i| ≤ 2·p_i·max|Δz| (with margin for first order)
      const E = Math.max(...dz);
      dx = l.act.type === 'softmax' ? Float64Array.from(x, (p) => 2.01 * p * E) : dz;
    }
    bound.set(dx, b * outSize);
  }
  return bound;
}

/** roundBf16 over an array (its bit arithmetic in place; the rare result past the bf16 range through roundBf16). */
function roundAll(v: Float32Array): Float32Array {
  const out = Float32Array.from(v);
  const u = new Uint32Array(out.buffer);
  for (let i = 0; i < u.length; i++) {
    const r = (((u[i] + 0x7fff + ((u[i] >>> 16) & 1)) >>> 16) << 16) >>> 0;
    if ((r & 0x7f800000) === 0x7f800000) out[i] = roundBf16(v[i]);
    else u[i] = r;
  }
  return out;
}

describe("convert(model, { precision: 'bf16' })", () => {
  it('stores the dense and run-CSR layers as bf16 (2 bytes a weight), CSR layers as fp32, and stats() says which', async () => {
    expect(bf16.layers.map((l) => l.format)).toEqual(f32.layers.map((l) => l.format));
    bf16.layers.forEach((l, li) => {
      expect(l.precision, `layer ${li}`).toBe('bf16');
      expect(l.weightBytes).toBe(l.format === 'dense' ? l.rows * l.ld * 2 : f32.layers[li].weightBytes - 2 * l.nnz);
    });
    expect(bf16.layers.map((l) => l.format)).toContain('dense');
    expect(bf16.layers.map((l) => l.format)).toContain('rcsr');
    const csr = await convert(model, { format: 'csr', precision: 'bf16' });
    try {
      expect(csr.layers.map((l) => l.precision)).toEqual(csr.layers.map(() => 'f32'));
    } finally {
      csr.dispose();
    }
    expect(stats(bf16).layers.map((l) => l.precision)).toEqual(bf16.layers.map((l) => l.precision));
    expect(stats(bf16).totals.bytes).toBeLessThan(stats(f32).totals.bytes);
  });

  it('stores exactly the fp32 weights rounded to nearest even', () => {
    const a = readMlp(f32), b = readMlp(bf16);
    for (let li = 0; li < a.length; li++) {
      expect(Buffer.from(b[li].colIdx.buffer).equals(Buffer.from(a[li].colIdx.buffer)), `layer ${li}: same columns`).toBe(true);
      const rounded = roundAll(a[li].values);
      for (let j = 0; j < a[li].values.length; j++) {
        const want = rounded[j];
        if (b[li].values[j] !== want) expect.fail(`layer ${li} weight ${j}: ${b[li].values[j]}, expected ${want}`);
      }
      expect(Array.from(b[li].bias)).toEqual(Array.from(a[li].bias));
    }
  });

  it('runMlp runs the stored bf16 weights, and differs from fp32 within the rounding bound (batch 1 and 5)', async () => {
    const ref = readMlp(f32), rounded = readMlp(bf16);
    let worst = 0, differs = 0, maxDiff = 0;
    for (const batch of [1, 5]) {
      const x = randomInput(bf16.inputSize, batch, 40 + batch);
      const got = await runMlp(bf16, x);
      const full = await runMlp(f32, x);
      // a float32 evaluation of the stored bf16 weights (tol32: the float32 rounding bound of stored-mlp.ts)
      const b = evalStored(rounded, x, batch), f = evalStored(ref, x, batch);
      for (let i = 0; i < got.length; i++)
        if (!(Math.abs(got[i] - b.y[i]) <= b.tol32[i])) expect.fail(`batch ${batch} output ${i}: ${got[i]} vs ${b.y[i]} ± ${b.tol32[i]} (bf16 weights in float64)`);
      // |bf16 run − fp32 run| ≤ both runs' float32 error + the rounding bound between their exact values
      const bound = bf16Bound(ref, rounded, x, batch);
      for (let i = 0; i < got.length; i++) {
        const d = Math.abs(got[i] - full[i]);
        const tol = bound[i] + b.tol32[i] + f.tol32[i];
        if (!(d <= tol)) expect.fail(`batch ${batch} output ${i}: bf16 ${got[i]} vs fp32 ${full[i]}, bound ${tol}`);
        worst = Math.max(worst, d / tol);
        maxDiff = Math.max(maxDiff, d);
        if (d > 0) differs++;
      }
    }
    expect(differs, 'the bf16 weights change some output').toBeGreaterThan(0);
    console.log(`bf16 vs fp32 on seed stride 3: max |difference| ${maxDiff.toExponential(2)}, worst difference / bound ${worst.toExponential(2)}`);
  });

  it('refuses an unknown precision', async () => {
    await expect(convert(model, { format: 'auto', precision: 'fp8' as 'bf16' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
  });

  it('saveMlp / loadMlp keep the bf16 layers: same precisions, same outputs to the bit', async () => {
    const file = path.join(dir, 'a.c2m');
    await saveMlp(bf16, file);
    using back = await loadMlp(file);
    // the builder's candidate sizes are not stored (-1 after a load); everything else is the same
    const layers = (m: Mlp) => m.layers.map((l) => ({ ...l, candidateBytes: [] }));
    expect(layers(back)).toEqual(layers(bf16));
    expect(back.metadata).toEqual(bf16.metadata);
    for (const batch of [1, 3]) {
      const x = randomInput(bf16.inputSize, batch, 70 + batch);
      expect(await runMlp(back, x)).toEqual(await runMlp(bf16, x));
    }
  });
});

describe('bf16 rounding (native roundToBf16)', () => {
  it('rounds to nearest, ties to even, as the JS reference does', () => {
    const tie = [1 + 2 ** -8, 1 + 3 * 2 ** -8, -(1 + 2 ** -8), 1 + 2 ** -8 + 2 ** -20, 3.4e38, -3.4e38, 1e-40, 0];
    const vals = new Float32Array([...tie, ...randomInput(8, 1, 3)]);
    const ld = 16;
    const n = vals.length;
    // y_r = W_r · e_0 with W_r = [v_r, 0, ...]: the bf16 reference GEMV returns the stored weight
    const W = new Float32Array(n * ld);
    vals.forEach((v, r) => (W[r * ld] = v));
    const x = new Float32Array(ld);
    x[0] = 1;
    const y = native().kernelRun('bf16_gemv_dense_1x1__ref', { W, rows: n, ld, x, bias: new Float32Array(n), chunk: n }) as Float32Array;
    expect(Array.from(y)).toEqual(Array.from(vals, (v) => roundBf16(v)));
    expect(y[0]).toBe(1);
    expect(y[1]).toBe(1 + 2 ** -6);
    expect(y[3]).toBe(1 + 2 ** -7);
    expect(y[4]).toBe(3.3895313892515355e38); // beyond the bf16 range: the largest finite bf16
  });
});
