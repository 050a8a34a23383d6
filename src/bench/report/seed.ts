/**
 * Report section 2 (with its peers, section 4): the seed network as a CNN, a CSR, an 'auto' and a
 * dense MLP, and the dense and 'auto' MLPs with bf16 weights, every batch × thread count timed
 * after an equivalence check against the first engine run (bf16: within the rounding's tolerance).
 */
import { stats } from '../../convert/stats.js';
import type { Mlp } from '../../mlp/mlp.js';
import { seededUniform } from '../../util/random.js';
import { timeIt } from '../harness.js';
import { fmtBytes, fmtMs } from '../format.js';
import { availableMemory, convertModel } from '../engines.js';
import { cnnRunner, mlpRunner, type Runner } from '../runner.js';
import { quickSeedModel, seedModel, workloadCounts } from '../workloads.js';
import { Recorder, errMsg, type BenchContext } from './context.js';
import { cnnPeers, denseMlpPeers } from './peers.js';
import type { Reference, SeedCase, Times } from './seed-case.js';
import type { Part, WorkloadStats } from './types.js';

/** The seed study's published figures (stride not stated; shown beside both strides). */
export const SEED_PUBLISHED = {
  cnn: { macs: 12_355_840, weights: 56_320, ms: '~10 ms (i7)' },
  mlp: { macs: 1_340_228_608, weights: 1_028_130_752, ms: '"likely ~1 s"' },
} as const;

function seedCase(ctx: BenchContext, stride: 2 | 3): SeedCase & { source: string } {
  const { model, source } = ctx.quick ? quickSeedModel(stride) : seedModel(stride, 80);
  const inSize = model.inputShape.reduce((a, b) => a * b, 1);
  const maxBatch = Math.max(...ctx.batches);
  const input = seededUniform(maxBatch * inSize, 7 + stride, 0, 1);
  return { wl: `seed-s${stride}`, stride, model, source, counts: workloadCounts(model), inSize, maxBatch, inputOf: (b) => input.subarray(0, b * inSize) };
}

/** Exact sizes of the CNN and of both conversions (from stats(): nothing is built). */
function seedWorkloads(c: SeedCase, quick: boolean): WorkloadStats[] {
  const s = c.counts.stats;
  const cnnParams = s.totals.weights + s.totals.biases;
  const published = (p: (typeof SEED_PUBLISHED)['cnn' | 'mlp']) => (quick ? undefined : { macs: p.macs, weights: p.weights, ms: p.ms });
  const mlp = (format: 'csr' | 'dense'): WorkloadStats => ({
    workload: c.wl,
    engine: `mlp-${format}`,
    macs: s[format].totals.macs,
    weights: s[format].totals.weights + s[format].totals.biases,
    nonzeros: s[format].totals.nonzeros + s[format].totals.biases,
    bytes: s[format].totals.bytes,
    published: published(SEED_PUBLISHED.mlp),
  });
  return [
    { workload: c.wl, engine: 'cnn', macs: s.totals.macs, weights: cnnParams, nonzeros: cnnParams, bytes: cnnParams * 4, published: published(SEED_PUBLISHED.cnn) },
    mlp('csr'),
    mlp('dense'),
  ];
}

/** runCnn at every batch × thread count; returns the reference output and the times. */
async function timeCnn(ctx: BenchContext, c: SeedCase, rec: Recorder): Promise<{ reference?: Reference; times: Times }> {
  const times: Times = new Map();
  let reference: Reference | undefined;
  ctx.progress.grow(ctx.batches.length * ctx.threads.length);
  if (!ctx.avail.cnn) {
    rec.skip('seed', `${c.wl} cnn2mlp CNN`, ctx.avail.missing.find((m) => m.startsWith('runCnn')) ?? 'runCnn missing');
    for (let i = 0; i < ctx.batches.length * ctx.threads.length; i++) ctx.progress.tick(`${c.wl} cnn (skipped)`);
    return { times };
  }
  for (const t of ctx.threads) {
    let runner: Runner | undefined;
    try {
      runner = cnnRunner(c.model, t, { scanInput: false });
      reference ??= { name: 'cnn2mlp-cnn', out: await runner.run(c.inputOf(c.maxBatch), c.maxBatch) };
      for (const b of ctx.batches) {
        const x = c.inputOf(b);
        const timing = await timeIt(() => runner!.run(x, b), ctx.timeOpts);
        const bytes = c.counts.bytes + c.counts.activationBytes * b;
        rec.record({ section: 'seed', workload: c.wl, engine: 'cnn2mlp-cnn', batch: b, threads: t, flops: 2 * c.counts.macs * b, bytes, timing });
        times.set(`${b}/${t}`, timing.medianMs);
        ctx.progress.tick(`${c.wl} cnn b${b} t${t}`);
      }
    } catch (e) {
      rec.skip('seed', `${c.wl} cnn2mlp CNN t${t}`, errMsg(e));
    } finally {
      runner?.dispose();
    }
  }
  return { reference, times };
}

type MlpForm = 'csr' | 'dense' | 'auto';
type Precision = 'f32' | 'bf16';

/** The report's name of a form: 'mlp-auto', 'mlp-dense-bf16' … (engines are 'cnn2mlp-' + this). */
const formName = (format: MlpForm, precision: Precision) => `mlp-${format}${precision === 'bf16' ? '-bf16' : ''}`;

/**
 * The sizes of a built MLP as a workload row (MACs = stored weights: every one is multiplied
 * once). A dense bf16 MLP counts as the plan's dense one (its nonzeros among the stored weights),
 * with its own bytes.
 */
function builtWorkload(c: SeedCase, mlp: Mlp, format: MlpForm, engine: string): WorkloadStats {
  const s = stats(mlp).totals;
  const d = c.counts.stats.dense.totals;
  if (format === 'dense') return { workload: c.wl, engine, macs: d.macs, weights: d.weights + d.biases, nonzeros: d.nonzeros + d.biases, bytes: s.bytes };
  return { workload: c.wl, engine, macs: s.macs, weights: s.weights + s.biases, nonzeros: s.nonzeros + s.biases, bytes: s.bytes };
}

/**
 * Why `format` cannot run now, or the conversion's byte limit (dense keeps 2 GB and a quarter
 * free; bf16 is rounded from the fp32 MLP, so the build peaks at 1.5 × the fp32 size).
 */
async function mlpBudget(ctx: BenchContext, c: SeedCase, format: MlpForm, precision: Precision): Promise<{ skip?: string; maxBytes?: number }> {
  const a = ctx.avail;
  if (!a.convert || !a.mlpRun) return { skip: a.missing.filter((m) => m.startsWith('convert') || m.startsWith('runMlp')).join('; ') };
  if (format !== 'dense') return {};
  const need = c.counts.stats.dense.totals.bytes * (precision === 'bf16' ? 1.5 : 1);
  const free = await availableMemory();
  if (need > free * 0.75 - 2e9) return { skip: `needs ~${fmtBytes(need)}, only ${fmtBytes(free)} available now` };
  return { maxBytes: free * 0.75 - 2e9 };
}

/** Converts, checks against the reference and times one MLP form; fp32 dense then runs its peers. */
async function timeMlp(ctx: BenchContext, c: SeedCase, rec: Recorder, format: MlpForm, reference?: Reference, precision: Precision = 'f32'): Promise<void> {
  const name = formName(format, precision);
  const engine = `cnn2mlp-${name}`;
  const configs = ctx.batches.length * ctx.threads.length;
  ctx.progress.grow(configs);
  const skip = (why: string) => {
    rec.skip('seed', `${c.wl} ${engine}`, why);
    for (let i = 0; i < configs; i++) ctx.progress.tick(`${c.wl} ${name} (skipped)`);
  };
  const budget = await mlpBudget(ctx, c, format, precision);
  if (budget.skip !== undefined) return skip(budget.skip);
  let mlp: Mlp | undefined;
  try {
    const t0 = process.hrtime.bigint();
    mlp = await convertModel(c.model, format, budget.maxBytes, precision);
    ctx.progress.note(`${c.wl}: convert ${name} took ${fmtMs(Number(process.hrtime.bigint() - t0) / 1e6)} ms, ${fmtBytes(mlp.bytes)}`);
    // precision 'bf16' rounds dense layers only: an MLP without one would repeat the fp32 row
    if (precision === 'bf16' && !mlp.layers.some((l) => l.precision === 'bf16')) return skip(`no layer of the '${format}' MLP is dense, so bf16 changes nothing`);
    const nnz = mlp.layers.reduce((s, l) => s + l.nnz, 0);
    // 'auto' and bf16 have no plan-level size (the builder chooses per layer): their workload rows are the built MLP's
    if (format === 'auto' || precision === 'bf16') rec.workload(builtWorkload(c, mlp, format, name));
    const actBytes = mlp.layers.reduce((s, l) => s + (l.rows + l.cols) * 4, 0);
    const times: Times = new Map();
    let first: Float32Array | undefined;
    for (const t of ctx.threads) {
      const runner = mlpRunner(mlp, t);
      const out = await runner.run(c.inputOf(c.maxBatch), c.maxBatch);
      first ??= out;
      if (reference) rec.check(c.wl, `${engine} t${t}`, reference.name, out, reference.out, c.counts.maxFanIn, c.counts.layers, precision === 'bf16' ? { batch: c.maxBatch } : undefined);
      for (const b of ctx.batches) {
        const x = c.inputOf(b);
        const timing = await timeIt(() => runner.run(x, b), ctx.timeOpts);
        rec.record({ section: 'seed', workload: c.wl, engine, batch: b, threads: t, flops: 2 * nnz * b, bytes: mlp.bytes + actBytes * b, timing });
        times.set(`${b}/${t}`, timing.medianMs);
        ctx.progress.tick(`${c.wl} ${name} b${b} t${t}`);
      }
    }
    if (format === 'dense' && precision === 'f32' && ctx.usePeers && first) await denseMlpPeers(ctx, c, rec, { mlp, out: first, times, nnz, actBytes });
  } catch (e) {
    rec.skip('seed', `${c.wl} ${engine}`, errMsg(e));
  } finally {
    mlp?.dispose();
  }
}

/** The seed table for one stride: CNN, its peers, CSR, auto and dense MLPs (dense with its peers), then auto and dense bf16. */
export async function seedSection(ctx: BenchContext, stride: 2 | 3): Promise<Part> {
  const c = seedCase(ctx, stride);
  ctx.progress.note(`${c.wl}: ${c.source}`);
  const rec = new Recorder(ctx);
  for (const w of seedWorkloads(c, ctx.quick)) rec.workload(w);
  const cnn = await timeCnn(ctx, c, rec);
  const reference = ctx.usePeers ? await cnnPeers(ctx, c, rec, cnn) : cnn.reference;
  await timeMlp(ctx, c, rec, 'csr', reference);
  await timeMlp(ctx, c, rec, 'auto', reference);
  await timeMlp(ctx, c, rec, 'dense', reference);
  await timeMlp(ctx, c, rec, 'auto', reference, 'bf16');
  await timeMlp(ctx, c, rec, 'dense', reference, 'bf16');
  return rec.part;
}
