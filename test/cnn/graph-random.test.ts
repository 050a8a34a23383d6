/**
 * Property: for random graph models (residual adds, branch concatenations, squeeze-excitation
 * products, upsample / crop / transposed-conv detours, fused and unfused activations, both
 * layouts), runCnn matches the independent float64 reference on every ISA the CPU has, at batch 1
 * (one thread), 3 (op by op on two threads) and 9 (sample-major on two threads); tolerance as in
 * graph-support.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileCnn } from '../../src/index.js';
import { randomGraph } from '../support/random-graph.js';
import { checkEveryIsa } from './graph-support.js';

describe('random graph models', () => {
  it('match the float64 reference on every ISA', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), async (seed) => {
        const { model, inputSize } = randomGraph(seed);
        await checkEveryIsa(model, inputSize, seed);
      }),
      { numRuns: 60, seed: 20261207 },
    );
  });

  it('place every tensor in an arena no larger than twice the largest live set', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const c = compileCnn(randomGraph(seed).model);
      expect(c.memory.activationBytesPerSample).toBeGreaterThanOrEqual(c.memory.peakLiveBytesPerSample);
      // greedy-by-size placement wastes little on these graphs; padding to 64-byte offsets adds at most 60 bytes per tensor
      expect(c.memory.activationBytesPerSample).toBeLessThanOrEqual(2 * c.memory.peakLiveBytesPerSample + 64 * 64);
      c.dispose();
    }
  });
});
