/** seedNetwork: the 2019 study's architecture, deterministic He-initialised weights, and runCnn on it vs tfjs. */
import { beforeAll, describe, expect, it } from 'vitest';
import { planModel, runCnn, seedNetwork, compileCnn } from '../../src/index.js';
import { randomInput } from '../support/random-cnn.js';
import { tfjsPredict, tfReady } from '../support/tfjs-reference.js';

describe('seedNetwork', () => {
  it.each([
    [2, [40, 20, 10], 6400],
    [3, [27, 9, 3], 576],
  ] as const)('stride %i: 80 → %j, flatten %i, output [29]', (stride, sides, flat) => {
    const plan = planModel(seedNetwork({ stride, seed: 1 }));
    expect(plan.ops.slice(0, 3).map((o) => [o.outH, o.outW, o.outC])).toEqual([
      [sides[0], sides[0], 32],
      [sides[1], sides[1], 64],
      [sides[2], sides[2], 64],
    ]);
    expect(plan.ops[3].outC).toBe(flat);
    expect(plan.outputSize).toBe(29);
    expect(plan.ops.map((o) => o.activation.name)).toEqual(['relu', 'relu', 'relu', 'linear', 'relu', 'linear']);
  });

  it('has the published 56,320 convolution weights and biases', () => {
    const m = seedNetwork({ stride: 2, seed: 3 });
    let n = 0;
    for (const L of m.layers) if (L.type === 'conv2d') n += L.weights.length + (L.bias?.length ?? 0);
    expect(n).toBe(56320);
  });

  it('is deterministic in the seed, and He-scaled', () => {
    const a = seedNetwork({ stride: 3, seed: 42 });
    const b = seedNetwork({ stride: 3, seed: 42 });
    const c = seedNetwork({ stride: 3, seed: 43 });
    const w = (m: typeof a, i: number) => (m.layers[i] as { weights: Float32Array }).weights;
    expect(w(a, 1)).toEqual(w(b, 1));
    expect(w(a, 1)).not.toEqual(w(c, 1));
    // conv2: fanIn 3·3·32 = 288, He std sqrt(2/288) = 0.0833; with 18,432 samples the sample std
    // is within 2 % of it (its relative standard error is 1/sqrt(2n) ≈ 0.5 %).
    const x = w(a, 1);
    let s2 = 0;
    for (const v of x) s2 += v * v;
    expect(Math.sqrt(s2 / x.length)).toBeGreaterThan(Math.sqrt(2 / 288) * 0.98);
    expect(Math.sqrt(s2 / x.length)).toBeLessThan(Math.sqrt(2 / 288) * 1.02);
  });

  it('rejects a stride other than 2 or 3', () => {
    expect(() => seedNetwork({ stride: 4 as 2, seed: 1 })).toThrow(/options.stride/);
  });
});

describe('runCnn on the seed network', () => {
  beforeAll(async () => {
    await tfReady();
  });

  it.each([2, 3] as const)('stride %i matches tfjs (batch 2)', async (stride) => {
    const m = seedNetwork({ stride, seed: 5 });
    const x = randomInput(80 * 80 * 3, 2, 9);
    const want = tfjsPredict(m, x, 2);
    const got = await runCnn(m, x, { threads: 2 });
    let maxRef = 0;
    let maxDiff = 0;
    for (let i = 0; i < want.length; i++) {
      maxRef = Math.max(maxRef, Math.abs(want[i]));
      maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
    }
    // Largest reduction K = 6400 (dense1); 5 weighted layers; same bound as the property test:
    // 4·sqrt(K)·eps32·layers·max(1, max|ref|).
    expect(maxRef).toBeGreaterThan(0.1);
    expect(maxDiff).toBeLessThanOrEqual(4 * Math.sqrt(6400) * 2 ** -23 * 6 * Math.max(1, maxRef));
  });

  it('concurrent runs on one compiled CNN give the sequential results', async () => {
    const cnn = compileCnn(seedNetwork({ stride: 3, seed: 8 }));
    const xs = [1, 2, 3, 4].map((s) => randomInput(cnn.inputSize, s, s));
    const seq: Float32Array[] = [];
    for (const x of xs) seq.push(await runCnn(cnn, x, { threads: 2 }));
    const par = await Promise.all(xs.map((x) => runCnn(cnn, x, { threads: 2 })));
    // same kernels, threads and chunking, so the same summation order: bit-identical unless runs share scratch
    par.forEach((p, i) => expect(p).toEqual(seq[i]));
    cnn.dispose();
  });
});
