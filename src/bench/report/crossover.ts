/**
 * Report section 6: dense against CSR on one random matrix pruned by magnitude to a range of
 * densities, at batch 1 and a larger batch; the crossover is the density below which CSR wins.
 */
import type { Mlp } from '../../mlp/mlp.js';
import { seededUniform } from '../../util/random.js';
import { timeIt } from '../harness.js';
import { mlpFromLayers } from '../engines.js';
import { mlpRunner } from '../runner.js';
import { Recorder, errMsg, type BenchContext } from './context.js';
import type { Crossover, Part } from './types.js';

/** Largest density at which CSR is still faster than dense, interpolated in log density; null if never/always. */
export function crossoverDensity(points: Array<{ d: number; dense: number; csr: number }>): number | null {
  const p = [...points].sort((a, b) => a.d - b.d);
  for (let i = 0; i + 1 < p.length; i++) {
    const a = Math.log(p[i].csr / p[i].dense);
    const b = Math.log(p[i + 1].csr / p[i + 1].dense);
    if (a < 0 && b >= 0) {
      const f = a / (a - b);
      return Math.exp(Math.log(p[i].d) + f * (Math.log(p[i + 1].d) - Math.log(p[i].d)));
    }
  }
  return null;
}

/** `full` with all but its round(d·N) largest-magnitude entries zeroed, dense and as CSR. */
function prune(full: Float32Array, mags: Float32Array, rows: number, cols: number, d: number) {
  const keep = Math.round(d * full.length);
  const thr = keep >= full.length ? -1 : mags[full.length - keep - 1];
  const pruned = Float32Array.from(full, (v) => (Math.abs(v) > thr ? v : 0));
  const rowPtr = new Float64Array(rows + 1);
  const idx: number[] = [];
  const vals: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = pruned[r * cols + c];
      if (v !== 0) {
        idx.push(c);
        vals.push(v);
      }
    }
    rowPtr[r + 1] = idx.length;
  }
  return { pruned, rowPtr, colIdx: Int32Array.from(idx), values: Float32Array.from(vals), nnz: idx.length };
}

export async function crossoverSection(ctx: BenchContext): Promise<{ part: Part; crossover: Crossover[] | null }> {
  const rows = ctx.quick ? 256 : 2048;
  const cols = ctx.quick ? 512 : 4096;
  const densities = ctx.quick ? [1, 0.3, 0.1, 0.03] : [1, 0.7, 0.5, 0.3, 0.2, 0.15, 0.1, 0.07, 0.05, 0.03, 0.02, 0.01, 0.005];
  const t = Math.max(...ctx.threads);
  const batches = [...new Set([1, ctx.quick ? 4 : 32])];
  const rec = new Recorder(ctx);
  ctx.progress.grow(densities.length * batches.length);
  if (!ctx.avail.mlpRun) {
    rec.skip('crossover', 'dense vs CSR', ctx.avail.missing.find((m) => m.startsWith('runMlp')) ?? 'runMlp missing');
    densities.forEach(() => batches.forEach(() => ctx.progress.tick('crossover (skipped)')));
    return { part: rec.part, crossover: null };
  }
  const lim = Math.sqrt(6 / cols);
  const full = seededUniform(rows * cols, 4242, -lim, lim);
  const mags = Float32Array.from(full, Math.abs).sort();
  const bias = seededUniform(rows, 4243, -0.05, 0.05);
  const x = seededUniform(Math.max(...batches) * cols, 4244, 0, 1);
  const found: Record<number, Array<{ d: number; dense: number; csr: number }>> = {};
  for (const d of densities) {
    const p = prune(full, mags, rows, cols, d);
    let dense: Mlp | undefined;
    let csr: Mlp | undefined;
    try {
      dense = await mlpFromLayers(cols, [{ format: 'dense', rows, cols, values: p.pruned, bias }]);
      csr = await mlpFromLayers(cols, [{ format: 'csr', rows, cols, rowPtr: p.rowPtr, colIdx: p.colIdx, values: p.values, bias }]);
      const rd = mlpRunner(dense, t);
      const rc = mlpRunner(csr, t);
      const bMax = Math.max(...batches);
      rec.check(`crossover-d${d}`, 'cnn2mlp-mlp-csr', 'cnn2mlp-mlp-dense', await rc.run(x, bMax), await rd.run(x, bMax), cols, 1);
      for (const b of batches) {
        const xb = x.subarray(0, b * cols);
        const td = await timeIt(() => rd.run(xb, b), ctx.timeOpts);
        const tc = await timeIt(() => rc.run(xb, b), ctx.timeOpts);
        const act = (rows + cols) * 4 * b;
        const workload = `crossover-${rows}x${cols}`;
        const params = { density: d, nnz: p.nnz };
        rec.record({ section: 'crossover', workload, engine: 'cnn2mlp-mlp-dense', batch: b, threads: t, flops: 2 * rows * cols * b, bytes: dense.bytes + act, timing: td, params });
        rec.record({ section: 'crossover', workload, engine: 'cnn2mlp-mlp-csr', batch: b, threads: t, flops: 2 * p.nnz * b, bytes: csr.bytes + act, timing: tc, params });
        (found[b] ??= []).push({ d, dense: td.medianMs, csr: tc.medianMs });
        ctx.progress.tick(`crossover d=${d} b${b}`);
      }
    } catch (e) {
      rec.skip('crossover', `density ${d}`, errMsg(e));
      batches.forEach(() => ctx.progress.tick('crossover (failed)'));
    } finally {
      dense?.dispose();
      csr?.dispose();
    }
  }
  return { part: rec.part, crossover: batches.map((b) => ({ batch: b, rows, cols, crossoverDensity: crossoverDensity(found[b] ?? []) })) };
}
