import { describe, expect, it } from 'vitest';
import { convert, stats } from '../../src/index.js';
import { native } from '../../src/native.js';
import { seedNetwork } from '../../src/index.js';
import { seedModel } from '../support/seed-model.js';

/** Counts the stored entries of every layer of a built MLP by reading its rows back (independent of stats()). */
function countBuilt(mlp: Awaited<ReturnType<typeof convert>>) {
  return mlp.layers.map((info, li) => {
    let nnz = 0;
    const step = 4096;
    for (let r = 0; r < info.rows; r += step) {
      const n = Math.min(step, info.rows - r);
      const raw = native().mlpReadRows(mlp.handle, li, r, n);
      nnz += raw instanceof Float32Array ? raw.length : raw.colIdx.length;
    }
    return { rows: info.rows, cols: info.cols, nnz };
  });
}

// Hand arithmetic for the seed network ('same' padding; Keras puts the odd pad pixel at the end):
// stride 2: 80→40→20→10; stride 3: 80→27→9→3. MACs = out² · filters · 9 · inChannels.
const HAND = {
  2: {
    convMacs: 40 * 40 * 32 * 27 + 20 * 20 * 64 * 288 + 10 * 10 * 64 * 576, // 12,441,600
    convWeights: 864 + 18432 + 36864, // 56,160 (+160 biases = 56,320)
    // dense Toeplitz sizes: rows = out²·f, cols = in²·c
    denseWeights: 51200 * 19200 + 25600 * 51200 + 6400 * 25600 + 6400 * 1024 + 1024 * 29, // 2,464,183,296
    // CSR: taps that do not land in padding; per axis Σ valid taps = 3·out − (pad after) = 119, 59, 29
    csrNonzeros: 32 * 3 * 119 * 119 + 64 * 32 * 59 * 59 + 64 * 64 * 29 * 29 + 6400 * 1024 + 1024 * 29, // 18,516,576
  },
  3: {
    convMacs: 27 * 27 * 32 * 27 + 9 * 9 * 64 * 288 + 3 * 3 * 64 * 576, // 2,454,624
    convWeights: 56160,
    denseWeights: 23328 * 19200 + 5184 * 23328 + 576 * 5184 + 576 * 1024 + 1024 * 29, // 572,435,456
    // 80 = 27·3 − 1: one pad pixel at the end of the first conv only → Σ valid = 80 per axis; 9 and 3 divide exactly
    csrNonzeros: 32 * 3 * 80 * 80 + 64 * 32 * 27 * 27 + 64 * 64 * 9 * 9 + 576 * 1024 + 1024 * 29, // 3,058,688
  },
} as const;

describe('stats(model) closed forms vs hand arithmetic vs built matrices (seed network)', () => {
  for (const stride of [2, 3] as const) {
    it(`stride ${stride}`, async () => {
      const model = seedNetwork({ stride, seed: 1 });
      const s = stats(model);
      const hand = HAND[stride];
      expect(s.totals.convMacs).toBe(hand.convMacs);
      expect(s.totals.convWeights).toBe(hand.convWeights);
      expect(s.totals.biases - 1024 - 29).toBe(160);
      expect(s.dense.totals.weights).toBe(hand.denseWeights);
      expect(s.csr.totals.nonzeros).toBe(hand.csrNonzeros);
      // Build the CSR MLP and count what it stores, row by row.
      const mlp = await convert(model, { format: 'csr' });
      try {
        const built = countBuilt(mlp);
        expect(built.map((l) => [l.rows, l.cols])).toEqual(s.dense.layers.map((l) => [l.rows, l.cols]));
        expect(built.map((l) => l.nnz)).toEqual(s.csr.layers.map((l) => l.nonzeros));
        expect(built.reduce((a, l) => a + l.rows * l.cols, 0)).toBe(hand.denseWeights);
        const st = stats(mlp);
        expect(st.totals.nonzeros).toBe(hand.csrNonzeros);
        expect(st.totals.bytes).toBe(s.csr.totals.bytes);
        expect(mlp.bytes).toBe(s.csr.totals.bytes);
      } finally {
        mlp.dispose();
      }
    });
  }

  it('dense: a small model built dense stores exactly what stats(model).dense predicts', async () => {
    const model = seedModel(3, { dense: false });
    model.inputShape = [20, 20, 3];
    const s = stats(model);
    const mlp = await convert(model, { format: 'dense' });
    try {
      const built = countBuilt(mlp);
      expect(built.map((l) => l.nnz)).toEqual(s.dense.layers.map((l) => l.weights));
      expect(mlp.bytes).toBe(s.dense.totals.bytes);
    } finally {
      mlp.dispose();
    }
  });
});
