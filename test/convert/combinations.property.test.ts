/**
 * Layer kinds in combination, with non-zero constant offsets flowing between them (batch-norm
 * shifts, zero padding, prelu and max-pool recombinations; see test/support/combo-cnn.ts): for
 * every random model, runCnn and both MLP formats match the independent reference CNN within
 * per-output bounds, and stats(model) counts exactly the nonzeros the built CSR matrix stores.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkConvert } from '../support/check-convert.js';
import { MOTIFS, arbComboCase } from '../support/combo-cnn.js';
import { randomInput, sampleSize } from '../support/random-cnn.js';

const SEED = Number(process.env.CNN2MLP_SEED ?? 20261207);

describe('convert, stats and runCnn on layer combinations', () => {
  it('agree with the reference CNN for every motif, both layouts', async () => {
    const seen = new Set<string>();
    let worst = 0;
    console.log(`combinations: fast-check seed ${SEED} (replay with CNN2MLP_SEED=${SEED})`);
    await fc.assert(
      fc.asyncProperty(arbComboCase, async ({ recipe, model, batch, inputSeed }) => {
        const r = await checkConvert(model, randomInput(sampleSize(model), batch, inputSeed), batch);
        worst = Math.max(worst, r.worst);
        for (const m of recipe.motifs) seen.add(MOTIFS[m.motif]);
        seen.add(model.layout);
      }),
      { numRuns: 80, seed: SEED },
    );
    console.log(`combinations: largest error seen is ${worst.toPrecision(3)} of its bound`);
    for (const k of [...MOTIFS, 'NHWC', 'NCHW']) expect(seen.has(k), k).toBe(true);
  });
});
