import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkConvert } from '../support/check-convert.js';
import { arbCnnCase, randomInput, sampleSize } from '../support/random-cnn.js';

/**
 * Tolerances are per output, from the reference's and the stored MLP's own reductions
 * (test/support/check-convert.ts, test/support/tolerance.ts): a dropped tap, a wrong sign in a
 * recombination or a 1e-5 relative error in a composed weight exceeds them.
 */
describe('convert: MLP(x) == CNN(x) for random CNNs', () => {
  it('holds for every layer kind, both layouts, dense, csr, rcsr and auto', async () => {
    const seen = new Set<string>();
    let worst = 0;
    await fc.assert(
      fc.asyncProperty(arbCnnCase, async ({ model, batch, inputSeed }) => {
        // run-CSR and auto alternate between cases (each case already builds three MLPs)
        const formats = ['dense', 'csr', inputSeed % 2 ? 'rcsr' : 'auto'] as const;
        worst = Math.max(worst, (await checkConvert(model, randomInput(sampleSize(model), batch, inputSeed), batch, { formats: [...formats] })).worst);
        seen.add(model.layout);
        if (batch > 1) seen.add('batch>1');
        for (const l of model.layers) {
          seen.add(l.type);
          if (l.type === 'conv2d' && (l.groups ?? 1) > 1) seen.add('groups');
          if (l.type === 'conv2d' && (l.dilation?.[0] ?? 1) > 1) seen.add('dilation');
          if (l.type === 'avgPool2d' && l.countIncludePad) seen.add('countIncludePad');
          if ((l.type === 'avgPool2d' || l.type === 'maxPool2d') && l.ceilMode) seen.add('ceilMode');
        }
      }),
      { numRuns: 150, seed: 20261125 },
    );
    // The run really covered what it claims to (fixed seed, so this is deterministic).
    for (const k of ['NHWC', 'NCHW', 'batch>1', 'conv2d', 'groups', 'dilation', 'maxPool2d', 'avgPool2d', 'countIncludePad', 'ceilMode', 'globalMaxPool2d', 'globalAvgPool2d', 'batchNorm', 'zeroPad2d', 'prelu', 'activation', 'flatten', 'dense'])
      expect(seen.has(k), k).toBe(true);
    console.log(`convert.property: largest error seen is ${worst.toPrecision(3)} of its bound`);
  });
});
