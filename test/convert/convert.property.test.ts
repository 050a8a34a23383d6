import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { convert, runCnn, runMlp } from '../../src/index.js';
import type { CnnModel } from '../../src/model/types.js';
import { readMlp, runMlpRef } from '../support/stored-mlp.js';
import { naiveCnn } from '../support/naive-cnn.js';
import { arbCnnCase, randomInput, sampleSize } from '../support/random-cnn.js';

/**
 * Tolerance. Both references compute in float64 from float32 inputs, so the only differences are
 * (1) every composed MLP weight/bias (conv weight × batch-norm scale × map coefficient, 1/window for
 * avg pools) is rounded once to float32: relative error ≤ 2^-24 per entry, so a row sum of K terms
 * is off by ≤ 2^-24 · Σ|w·x| ≤ 2^-24 · K · max|w·x|; (2) max pooling is evaluated as
 * b + relu(a − b) rather than a compare (exact in float64 up to 1 ulp of the operands). Errors then
 * pass through later layers with gains of O(1) (He-scaled weights). With K ≤ ~1500 and O(1)
 * activations, 2^-24·K ≈ 1e-4 is the worst case for one layer; we allow atol 2e-4 + rtol 2e-4
 * scaled by the output's magnitude — roughly 100× tighter than any real conversion mistake (a
 * wrong tap, sign or permutation changes outputs by O(0.1)).
 */
function expectClose(got: Float64Array, want: Float64Array, what: string) {
  expect(got.length).toBe(want.length);
  let scale = 0;
  for (const v of want) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < want.length; i++) {
    const tol = 2e-4 * (1 + scale) + 2e-4 * Math.abs(want[i]);
    if (!(Math.abs(got[i] - want[i]) <= tol)) throw new Error(`${what}: output ${i} is ${got[i]}, expected ${want[i]} (tol ${tol})`);
  }
}

async function check(model: CnnModel, batch: number, seed: number) {
  const x = randomInput(sampleSize(model), batch, seed);
  const want = naiveCnn(model, x, batch);
  const cnn = Float64Array.from(await runCnn(model, x)); // the native direct-convolution runtime
  // run-CSR and auto alternate between cases (each case already builds three MLPs)
  for (const format of ['dense', 'csr', seed % 2 ? 'rcsr' : 'auto'] as const) {
    const mlp = await convert(model, { format });
    try {
      expect(mlp.inputSize).toBe(sampleSize(model));
      const what = `${format} MLP of ${JSON.stringify(model.layers.map((l) => l.type))}`;
      expectClose(runMlpRef(readMlp(mlp), x, batch), want, `${what} (float64 reference evaluator)`);
      // runMlp accumulates in float32: a row of K ≤ ~600 terms adds ≤ K·2^-24·Σ|w·x| (≈ 4e-5 of
      // the magnitude) per layer on top of the weight rounding above, well inside the same bound.
      const y = Float64Array.from(await runMlp(mlp, x));
      expectClose(y, want, `${what} (runMlp vs naive CNN)`);
      expectClose(y, cnn, `${what} (runMlp vs runCnn)`);
    } finally {
      mlp.dispose();
    }
  }
}

describe('convert: MLP(x) == CNN(x) for random CNNs', () => {
  it('holds for every layer kind, both layouts, dense, csr, rcsr and auto', async () => {
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(arbCnnCase, async ({ model, batch, inputSeed }) => {
        await check(model, batch, inputSeed);
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
  });
});
