// End to end: the seed network (stride 3) → convert (CSR) → runMlp agrees with runCnn (the direct
// convolution kernel, an independent implementation), and survives saveMlp/loadMlp bit-exactly.
// Tolerance: both sides are float32 with different summation orders. Per layer the worst case is
// (K + 2)·eps·Σ|w·x| with K ≤ 576 (3·3·64 taps, and the 576-input dense layer): ≈ 3.5e-5 relative
// to the layer's magnitude; He-scaled weights keep magnitudes O(1) over 5 layers, so logits agree
// to ~2e-4 (the outputs are linear logits of magnitude ~1). We allow 5e-4 absolute — far below a
// wrong tap or permutation, which moves outputs by O(0.1).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { convert, loadMlp, runCnnSync, runMlp, runMlpSync, saveMlp, seedNetwork } from '../../src/index.js';

describe('seed network as an MLP', () => {
  it('runMlp(convert(seed, csr)) matches runCnn and round-trips through the MLP file', async () => {
    const model = seedNetwork({ stride: 3, seed: 42 });
    using mlp = await convert(model, { format: 'csr' });
    expect(mlp.inputSize).toBe(80 * 80 * 3);
    expect(mlp.outputSize).toBe(29);
    const batch = 3;
    const x = new Float32Array(batch * mlp.inputSize);
    let s = 7;
    for (let i = 0; i < x.length; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      x[i] = s / 2 ** 32;
    }
    const want = runCnnSync(model, x);
    const got = await runMlp(mlp, x);
    expect(got.length).toBe(want.length);
    for (let i = 0; i < got.length; i++) expect(Math.abs(got[i] - want[i]), `output ${i}`).toBeLessThanOrEqual(5e-4);
    // Batch 1 takes the SpMV path (gathers, two accumulators: a different summation order).
    const one = runMlpSync(mlp, x.subarray(0, mlp.inputSize));
    for (let i = 0; i < one.length; i++) expect(Math.abs(one[i] - want[i]), `batch-1 output ${i}`).toBeLessThanOrEqual(5e-4);
    const dir = mkdtempSync(path.join(tmpdir(), 'cnn2mlp-seed-'));
    try {
      await saveMlp(mlp, path.join(dir, 'seed.c2m'));
      using back = await loadMlp(path.join(dir, 'seed.c2m'));
      expect(back.metadata).toEqual(mlp.metadata);
      expect(runMlpSync(back, x, { threads: 1 })).toEqual(runMlpSync(mlp, x, { threads: 1 }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
