/**
 * runCnn against an independent reference: the same random model rebuilt from tfjs ops
 * (test/support/tfjs-reference.ts; a naive TS pooling loop where tfjs cannot express the case).
 *
 * Tolerance: every value is a float32 sum of at most K = max(kh·kw·cin/groups, dense inputs)
 * products, in a different order in each implementation; the rounding error of such a sum is
 * about sqrt(K)·eps·Σ|w·x| (random-walk accumulation), and with the He-scaled weights of the
 * generator Σ|w·x| stays within a small factor of the typical activation size, so we bound
 *   max|runCnn − tfjs| ≤ 4 · sqrt(K) · eps32 · depth · max(1, max|tfjs|)
 * where depth = number of layers (errors of successive layers add, each passed on with gain ~1
 * under He scaling) and eps32 = 2^-23. Over 1500 random cases the worst observed ratio to this
 * bound (with constant 8) was 0.12, so constant 4 leaves a 2× margin. Transcendental activations differ by a few ulps between
 * libm and tfjs, well inside this bound.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCnn, runCnnSync, setIsa, cpuInfo } from '../../src/index.js';
import { arbCnnCase, randomInput, sampleSize } from '../support/random-cnn.js';
import { maxReduction, tfjsPredict, tfReady } from '../support/tfjs-reference.js';

const EPS32 = 2 ** -23;

function check(model: Parameters<typeof tfjsPredict>[0], got: Float32Array, want: Float32Array) {
  expect(got.length).toBe(want.length);
  let maxRef = 0;
  let maxDiff = 0;
  for (let i = 0; i < want.length; i++) {
    maxRef = Math.max(maxRef, Math.abs(want[i]));
    maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
  }
  const tol = 4 * Math.sqrt(maxReduction(model)) * EPS32 * model.layers.length * Math.max(1, maxRef);
  expect(Number.isFinite(maxRef)).toBe(true);
  expect(maxDiff).toBeLessThanOrEqual(tol);
}

describe('runCnn matches tfjs on random models', () => {
  beforeAll(async () => {
    await tfReady();
  });

  it('with the best ISA (async, 2 threads)', async () => {
    await fc.assert(
      fc.asyncProperty(arbCnnCase, async ({ model, batch, inputSeed }) => {
        const x = randomInput(sampleSize(model), batch, inputSeed);
        const want = tfjsPredict(model, x, batch);
        const got = await runCnn(model, x, { threads: 2 });
        check(model, got, want);
      }),
      { numRuns: 300 },
    );
  });

  it('with every ISA the CPU supports (sync, 1 thread)', () => {
    try {
      for (const isa of cpuInfo().supportedIsas) {
        setIsa(isa);
        fc.assert(
          fc.property(arbCnnCase, ({ model, batch, inputSeed }) => {
            const x = randomInput(sampleSize(model), batch, inputSeed);
            check(model, runCnnSync(model, x, { threads: 1 }), tfjsPredict(model, x, batch));
          }),
          { numRuns: 40, seed: 7 },
        );
      }
    } finally {
      setIsa('auto');
    }
  });
});
