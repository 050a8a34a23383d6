/**
 * Report section 5: time against the input side n for the CNN and both MLP forms (3-conv net,
 * stride 2, batch 1), with the log-log slope fitted over the upper half of n beside theory.
 */
import type { Mlp } from '../../mlp/mlp.js';
import { seededUniform } from '../../util/random.js';
import { timeIt } from '../harness.js';
import { fmtBytes } from '../format.js';
import { logLogSlope } from '../plots.js';
import { convertModel } from '../engines.js';
import { cnnRunner, mlpRunner, type Runner } from '../runner.js';
import { threeConvNet, workloadCounts, type WorkloadCounts } from '../workloads.js';
import type { CnnModel } from '../../model/types.js';
import { Recorder, errMsg, type BenchContext } from './context.js';
import type { Part, Scaling } from './types.js';

const ENGINES = ['cnn2mlp-cnn', 'cnn2mlp-mlp-csr', 'cnn2mlp-mlp-dense'] as const;
/** Time grows as n² for the CNN and CSR (work per pixel is fixed) and n⁴ for dense (rows × cols). */
const THEORY: Record<(typeof ENGINES)[number], number> = { 'cnn2mlp-cnn': 2, 'cnn2mlp-mlp-csr': 2, 'cnn2mlp-mlp-dense': 4 };

/** A runner for `engine` on `model`, and the MLP it built (the caller disposes both). */
async function prepare(ctx: BenchContext, engine: (typeof ENGINES)[number], model: CnnModel, counts: WorkloadCounts, threads: number): Promise<{ runner: Runner; mlp?: Mlp }> {
  if (engine === 'cnn2mlp-cnn') {
    if (!ctx.avail.cnn) throw new Error('runCnn is not in this build');
    return { runner: cnnRunner(model, threads, { scanInput: false }) };
  }
  if (!ctx.avail.convert || !ctx.avail.mlpRun) throw new Error('convert/runMlp are not in this build');
  const format = engine.endsWith('dense') ? 'dense' : 'csr';
  const denseBytes = counts.stats.dense.totals.bytes;
  if (format === 'dense' && denseBytes > ctx.sweepDenseBudgetBytes)
    throw new Error(`dense MLP ~${fmtBytes(denseBytes)} exceeds the sweep budget ${fmtBytes(ctx.sweepDenseBudgetBytes)}`);
  const mlp = await convertModel(model, format);
  return { runner: mlpRunner(mlp, threads), mlp };
}

/** Slopes of log time against log n over the upper half of the sweep (small n is fixed per-call cost). */
function fitSlopes(pts: Array<{ n: number; engine: string; ms: number }>): Scaling {
  const slopes: Record<string, number> = {};
  for (const e of ENGINES) {
    const p = pts.filter((q) => q.engine === e);
    const upper = p.slice(Math.floor(p.length / 2));
    const s = logLogSlope(upper.map((q) => q.n), upper.map((q) => q.ms));
    if (Number.isFinite(s)) slopes[e] = s;
  }
  return { slopes, theory: { ...THEORY } };
}

export async function scalingSection(ctx: BenchContext): Promise<{ part: Part; scaling: Scaling }> {
  // dense stops at the memory budget; CNN and CSR go on to 256 so their slope is not all overhead
  const sides = ctx.quick ? [8, 12, 16] : [16, 24, 32, 48, 64, 96, 128, 192, 256];
  const t = Math.max(...ctx.threads);
  const rec = new Recorder(ctx);
  ctx.progress.grow(sides.length * ENGINES.length);
  const pts: Array<{ n: number; engine: string; ms: number }> = [];
  for (const n of sides) {
    const model = threeConvNet({ side: n, stride: 2, filters: [8, 16, 16], dense: [10], seed: 11 });
    const counts = workloadCounts(model);
    const x = seededUniform(n * n * 3, n, 0, 1);
    const wl = `sweep-n${n}`;
    let ref: Float32Array | undefined;
    for (const engine of ENGINES) {
      let prepared: { runner: Runner; mlp?: Mlp } | undefined;
      try {
        prepared = await prepare(ctx, engine, model, counts, t);
        const { runner, mlp } = prepared;
        const out = await runner.run(x, 1);
        if (!ref) ref = out;
        else rec.check(wl, engine, 'cnn2mlp-cnn', out, ref, counts.maxFanIn, counts.layers);
        const timing = await timeIt(() => runner.run(x, 1), ctx.timeOpts);
        const bytes = mlp ? mlp.bytes : counts.bytes;
        const flops = 2 * (mlp ? mlp.layers.reduce((s, l) => s + l.nnz, 0) : counts.macs);
        rec.record({ section: 'scaling', workload: wl, engine, batch: 1, threads: t, flops, bytes, timing, params: { n } });
        pts.push({ n, engine, ms: timing.medianMs });
      } catch (e) {
        rec.skip('scaling', `${wl} ${engine}`, errMsg(e));
      } finally {
        prepared?.runner.dispose();
        prepared?.mlp?.dispose();
      }
      ctx.progress.tick(`${wl} ${engine}`);
    }
  }
  return { part: rec.part, scaling: fitSlopes(pts) };
}
