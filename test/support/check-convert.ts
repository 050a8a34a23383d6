/**
 * One conversion check used by the convert tests: a model's MLP (dense and CSR) against the
 * independent reference CNN (test/support/reference-cnn.ts), with per-output bounds:
 *  - the stored MLP evaluated in float64 must match the reference within the rounding of its
 *    stored weights (tolStored) plus the planner's float32 batch-norm constants (tolParams);
 *  - runMlp adds its float32 accumulation (tol32 of the stored rows);
 *  - runCnn must match the reference within a float32 implementation's bound (tol32);
 *  - stats(model) must count exactly what the built matrix stores.
 * Returns the largest |error| / bound seen (so tests can report their headroom) and the built layers.
 */
import { expect } from 'vitest';
import { convert, runCnn, runMlp, stats } from '../../src/index.js';
import type { ConvertFormat } from '../../src/convert/convert.js';
import type { Mlp } from '../../src/mlp/mlp.js';
import type { CnnModel } from '../../src/model/types.js';
import { referenceCnn } from './reference-cnn.js';
import { evalStored, readMlp } from './stored-mlp.js';
import { assertWithin } from './tolerance.js';

export interface CheckOptions {
  formats?: ConvertFormat[];
  runCnn?: boolean;
  stats?: boolean;
}

export interface CheckResult {
  /** the largest |error| / bound over every comparison */
  worst: number;
  /** the MLP layers each format built */
  layers: Partial<Record<ConvertFormat, Mlp['layers']>>;
}

export async function checkConvert(model: CnnModel, x: Float32Array, batch: number, opts: CheckOptions = {}): Promise<CheckResult> {
  const built: CheckResult['layers'] = {};
  const ref = referenceCnn(model, x, batch);
  const what = (s: string) => `${s} of ${JSON.stringify(model.layers.map((l) => l.type))}`;
  let worst = 0;
  const add = (a: Float64Array, b: Float64Array, c?: Float64Array) => a.map((v, i) => v + b[i] + (c ? c[i] : 0) + 1e-12 * Math.abs(ref.y[i]));
  if (opts.runCnn !== false) {
    const got = await runCnn(model, x);
    worst = Math.max(worst, assertWithin(got, ref.y, add(ref.tol32, ref.tolParams.map(() => 0)), what('runCnn')));
  }
  for (const format of opts.formats ?? (['dense', 'csr'] as const)) {
    const mlp = await convert(model, { format });
    try {
      expect(mlp.inputSize * batch).toBe(x.length);
      const layers = readMlp(mlp);
      built[format] = mlp.layers;
      const stored = evalStored(layers, x, batch);
      worst = Math.max(worst, assertWithin(stored.y, ref.y, add(stored.tolStored, ref.tolParams), what(`${format} MLP (float64, stored weights)`)));
      const got = await runMlp(mlp, x);
      worst = Math.max(worst, assertWithin(got, ref.y, add(stored.tol32, stored.tolStored, ref.tolParams), what(`${format} MLP (runMlp)`)));
      if (format === 'csr' && opts.stats !== false) {
        const s = stats(model);
        const nnz = layers.map((l) => l.rowPtr[l.rows]);
        expect(nnz, what('stats(model).csr nonzeros vs the built matrix')).toEqual(s.csr.layers.map((l) => l.nonzeros));
        expect(layers.map((l) => [l.rows, l.cols]), what('stats(model) layer shapes')).toEqual(s.dense.layers.map((l) => [l.rows, l.cols]));
      }
    } finally {
      mlp.dispose();
    }
  }
  return { worst, layers: built };
}
