/**
 * runCnn against an independent reference: the same random model rebuilt from tfjs ops
 * (test/support/tfjs-reference.ts; a naive TS pooling loop where tfjs cannot express the case).
 *
 * Tolerance: per output, both are float32 implementations of the same layers, so each lies within
 * the reference CNN's bound tol32 of the exact value (test/support/reference-cnn.ts,
 * test/support/tolerance.ts) and they differ by at most twice that.
 *
 * The random cases come from a fixed fast-check seed, printed with the run; CNN2MLP_SEED=<n>
 * replays or varies it.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { runCnn, runCnnSync, setIsa } from '../../src/index.js';
import { arbCnnCase, randomInput, sampleSize } from '../support/random-cnn.js';
import { referenceCnn } from '../support/reference-cnn.js';
import { ALL_ISAS, skipUnlessIsa } from '../support/skips.js';
import { tfjsPredict, tfReady } from '../support/tfjs-reference.js';
import { assertWithin } from '../support/tolerance.js';

const SEED = Number(process.env.CNN2MLP_SEED ?? 20261207);

function check(model: Parameters<typeof tfjsPredict>[0], x: Float32Array, batch: number, got: Float32Array, want: Float32Array, what: string) {
  const ref = referenceCnn(model, x, batch);
  assertWithin(got, want, ref.tol32.map((t, i) => 2 * t + 1e-12 * Math.abs(ref.y[i])), `${what} vs tfjs`);
}

describe('runCnn matches tfjs on random models', () => {
  beforeAll(async () => {
    await tfReady();
  });

  it('with the best ISA (async, 2 threads)', async () => {
    console.log(`cnn-vs-tfjs: fast-check seed ${SEED} (replay with CNN2MLP_SEED=${SEED})`);
    await fc.assert(
      fc.asyncProperty(arbCnnCase, async ({ model, batch, inputSeed }) => {
        const x = randomInput(sampleSize(model), batch, inputSeed);
        const want = tfjsPredict(model, x, batch);
        const got = await runCnn(model, x, { threads: 2 });
        check(model, x, batch, got, want, 'runCnn');
      }),
      { numRuns: 300, seed: SEED },
    );
  });
});

describe.each(ALL_ISAS)('runCnn matches tfjs on random models, %s kernels', (isa) => {
  skipUnlessIsa(isa);
  beforeAll(async () => {
    await tfReady();
  });
  afterAll(() => {
    setIsa('auto');
  });

  it('sync, 1 thread', () => {
    setIsa(isa);
    fc.assert(
      fc.property(arbCnnCase, ({ model, batch, inputSeed }) => {
        const x = randomInput(sampleSize(model), batch, inputSeed);
        check(model, x, batch, runCnnSync(model, x, { threads: 1 }), tfjsPredict(model, x, batch), isa);
      }),
      { numRuns: 40, seed: SEED + 1 },
    );
  });
});
