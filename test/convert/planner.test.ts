/**
 * The planner's bounds: explicit layers (max-pool ReLU stages) cost memory in proportion to the
 * nonzeros they hold, a model too large is refused with its exact estimate before anything large
 * is allocated, and a large dilated max pool converts.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Cnn2MlpError, convert, runCnn, runMlp, stats } from '../../src/index.js';
import type { CnnModel } from '../../src/model/types.js';
import { native } from '../../src/native.js';
import { repoRoot } from '../fuzz/harness.js';
import { randomInput } from '../support/random-cnn.js';

/**
 * ONNX backend case test_MaxPool2d_stride_padding_dilation (exported from PyTorch): input
 * 1 × 1 × 1000 × 1000, kernel 60 × 80, strides 10, dilations 10, pads 10 (top/bottom) and 20
 * (left/right) → output 43 × 25. Each window holds up to 4,800 inputs: 13 ReLU stages.
 */
const onnxMaxPool: CnnModel = {
  layout: 'NCHW',
  inputShape: [1, 1000, 1000],
  layers: [{ type: 'maxPool2d', poolSize: [60, 80], strides: [10, 10], dilation: [10, 10], padding: [10, 10, 20, 20] }],
};

function planChild(side: number, window: number, stride: number, heapMb: number) {
  const child = path.join('test', 'convert', 'planner-memory-child.ts');
  const r = spawnSync(process.execPath, [`--max-old-space-size=${heapMb}`, '--expose-gc', '--import', 'tsx', child, String(side), String(window), String(stride)], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(r.status, r.stderr).toBe(0);
  const line = r.stdout.split('\n').find((l) => l.startsWith('PLAN-MEMORY '));
  return JSON.parse(line!.slice('PLAN-MEMORY '.length));
}

describe('planner: bounded by what it builds', () => {
  it('peak memory of planning grows with the nonzeros stored, within a 48 MB JS heap', () => {
    // 8×8 windows, stride 4: 64 signed values per window → 6 stages, ≈ 4 nonzeros per tap;
    // 154 k taps vs 984 k.
    const small = planChild(200, 8, 4, 48);
    const large = planChild(500, 8, 4, 48);
    for (const r of [small, large]) {
      console.log(`max pool ${r.side}² window ${r.window}²: ${r.taps} taps → ${r.units} units, ${r.nonzeros} nonzeros, ${(r.stored / 1e6).toFixed(1)} MB stored, peak RSS +${(r.peakRise / 1e6).toFixed(1)} MB`);
      // Stored: 4-B column + 8-B value per nonzero, 4-B row pointer + 8-B bias per unit, one more row pointer per layer.
      expect(r.stored).toBe(12 * r.nonzeros + 12 * r.units + 4 * r.layers);
      // The plan itself plus fixed scratch (window values, the map after the stages); no per-unit
      // objects: the 48 MB heap limit would not hold one JS object per tap (tens of millions).
      expect(r.peakRise).toBeLessThan(1.25 * r.stored + 24e6);
      expect(r.heapUsed).toBeLessThan(40e6);
    }
    expect(large.nonzeros / small.nonzeros).toBeGreaterThan(6);
    // peak rise per stored byte stays the same at 6.7× the nonzeros
    expect(large.peakRise / large.stored).toBeLessThan(1.25);
  }, 240_000);

  it('a model whose MLP is too large is refused with its exact estimate, having allocated far less', async () => {
    const est = stats(onnxMaxPool);
    const before = native().residentBytes();
    for (const format of ['dense', 'csr'] as const) {
      const maxBytes = 64e6;
      const err = await convert(onnxMaxPool, { format, maxBytes }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Cnn2MlpError);
      expect((err as Cnn2MlpError).code).toBe('ERR_TOO_LARGE');
      expect((err as Error).message).toContain(`(${est[format].totals.bytes} bytes)`);
    }
    // the CSR estimate is 514 MB; explicit layers stop being stored once past maxBytes
    expect(native().residentBytes() - before).toBeLessThan(160e6);
  }, 120_000);

  it('ONNX test_MaxPool2d_stride_padding_dilation: 1000×1000, 60×80 window, dilation 10 → CSR, equal to runCnn', async () => {
    const st = stats(onnxMaxPool);
    expect(st.csr.layers.length).toBe(13 + 1); // 13 ReLU stages, then the recombination
    const mlp = await convert(onnxMaxPool, { format: 'csr' });
    try {
      expect(mlp.bytes).toBe(st.csr.totals.bytes);
      const x = randomInput(1000 * 1000, 1, 5); // uniform in [-1, 1)
      const [got, want] = await Promise.all([runMlp(mlp, x), runCnn(onnxMaxPool, x)]);
      expect(got.length).toBe(43 * 25);
      // max(a, b) = b + relu(a − b) in float32: every stage rounds sums of values ≤ 4 in
      // magnitude a few times (≤ 2⁻²² each); 13 stages stay well below 1e-5.
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
      expect(worst).toBeLessThan(1e-5);
    } finally {
      mlp.dispose();
    }
  }, 180_000);
});
