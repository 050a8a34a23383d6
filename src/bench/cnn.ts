/**
 * CNN benchmark (not a test): the seed network (stride 2 and 3) through runCnn and, in the same
 * process and on the same input, through onnxruntime-node; plus each layer of the seed network
 * alone through runCnn. Reports median wall time, GFLOP/s (2 FLOPs per multiply-accumulate) and
 * the fraction of the measured fp32 FMA peak on the same thread count. Network rows time the
 * public async API (runCnn: input check, output allocation, job thread hop) against
 * onnxruntime-node's async session.run; layer rows time the native run of one layer alone.
 */
import { compileCnn } from '../cnn/cnn.js';
import { native } from '../native.js';
import { stats } from '../convert/stats.js';
import { measureMachine, type MachineLimits } from '../machine.js';
import { planModel, OP } from '../model/plan.js';
import { seedNetwork } from '../model/seed.js';
import type { CnnModel } from '../model/types.js';
import { lcgUniform } from '../util/random.js';
import { timeIt, type TimeOptions } from './harness.js';
import { fixed, pct, table } from './format.js';
import { kernelFor, kernelsInUse } from './kernels.js';
import { cnnRunner } from './runner.js';
import { ortCnn } from './peers/ort-cnn.js';

export interface CnnBenchOptions {
  /** fewer repetitions (a smoke run, figures rougher) */
  quick?: boolean;
  strides?: (2 | 3)[];
  batches?: number[];
  threads?: number[];
}

export interface CnnBenchRow {
  /** 'network' = the whole seed network; 'layer' = one layer of it alone */
  kind: 'network' | 'layer';
  stride: 2 | 3;
  /** layer name for 'layer' rows */
  layer?: string;
  /** registry name of the direct conv kernel, when the addon lists its kernels */
  kernel?: string;
  batch: number;
  threads: number;
  /** multiply-accumulates per batch */
  macs: number;
  /** median wall time of runCnn, ms */
  ms: number;
  /** fastest repetition, ms */
  minMs: number;
  gflops: number;
  /** gflops / measured FMA peak on `threads` threads (null when no peak was measured at that count) */
  peakFraction: number | null;
  /** onnxruntime-node median ms on the same input and threads ('network' rows only) */
  ortMs?: number;
  ortMinMs?: number;
  ortGflops?: number;
  /** ortMs / ms: > 1 means runCnn is faster */
  speedup?: number;
  /** max |runCnn − ort| / max |ort| of the checked outputs */
  ortRelDiff?: number;
}

/** One configuration: what every row of it shares. */
interface Cell {
  stride: 2 | 3;
  batch: number;
  threads: number;
  /** FMA peak at `threads`, FLOP/s (undefined when not measured at that count) */
  peak?: number;
  kernel?: string;
  timeOpts: TimeOptions;
}

/** The minimum is the figure least hurt by a busy machine, so both it and the median are kept. */
function timeOptions(quick: boolean): TimeOptions {
  return { warmup: quick ? 3 : 10, minReps: quick ? 10 : 40, budgetMs: quick ? 200 : 1500, maxReps: 2000 };
}

function peakAt(machine: MachineLimits, threads: number): number | undefined {
  return threads === 1 ? machine.fmaPeak.threads1 : threads === machine.cpu.logicalCores ? machine.fmaPeak.threadsAll : undefined;
}

const rate = (macs: number, ms: number, peak?: number) => ({
  gflops: (2 * macs) / ms / 1e6,
  peakFraction: peak && peak > 0 ? (2 * macs) / (ms / 1e3) / peak : null,
});

/** One layer of `model` as a model of its own, with the input shape that layer sees. */
function layerModel(model: CnnModel, index: number): CnnModel {
  const plan = planModel(model);
  const op = plan.ops.find((o) => o.layerIndex === index)!;
  const inputShape = op.op === OP.dense ? [op.inC] : [op.inH, op.inW, op.inC];
  return { name: `${model.name}/${model.layers[index].name}`, layout: 'NHWC', inputShape, layers: [model.layers[index]] };
}

/** The whole network through runCnn and onnxruntime-node, outputs compared before timing. */
async function networkRow(model: CnnModel, cell: Cell): Promise<CnnBenchRow> {
  const macs = stats(model).totals.macs * cell.batch;
  const cnn = cnnRunner(model, cell.threads);
  const ort = await ortCnn(model, cell.threads);
  try {
    const x = lcgUniform(cell.batch * model.inputShape.reduce((a, b) => a * b, 1), 7);
    const ours = await cnn.run(x, cell.batch);
    const theirs = await ort.run(x, cell.batch);
    let maxDiff = 0;
    let maxRef = 0;
    for (let i = 0; i < theirs.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(ours[i] - theirs[i]));
      maxRef = Math.max(maxRef, Math.abs(theirs[i]));
    }
    // Both are float32 with different summation orders over K ≤ 6400 terms: 1e-4 relative is generous.
    if (theirs.length !== ours.length || !(maxDiff <= 1e-4 * Math.max(1, maxRef)))
      throw new Error(`runCnn and onnxruntime disagree on the stride-${cell.stride} seed network (max diff ${maxDiff}, max |ref| ${maxRef})`);
    const t = await timeIt(() => cnn.run(x, cell.batch), cell.timeOpts);
    const o = await timeIt(() => ort.run(x, cell.batch), cell.timeOpts);
    const { stride, batch, threads, kernel } = cell;
    return {
      kind: 'network', stride, ...(kernel ? { kernel } : {}), batch, threads, macs, ms: t.medianMs, minMs: t.minMs, ...rate(macs, t.medianMs, cell.peak),
      ortMs: o.medianMs, ortMinMs: o.minMs, ortGflops: rate(macs, o.medianMs).gflops, speedup: o.medianMs / t.medianMs, ortRelDiff: maxDiff / Math.max(maxRef, 1e-30),
    };
  } finally {
    ort.dispose();
    cnn.dispose();
  }
}

/**
 * Each conv and dense layer alone, timing the native call only (preallocated output, no input
 * scan, no thread hop): the kernel's own speed, which the % of FMA peak target is about.
 */
async function layerRows(model: CnnModel, cell: Cell): Promise<CnnBenchRow[]> {
  const rows: CnnBenchRow[] = [];
  for (let li = 0; li < model.layers.length; li++) {
    const L = model.layers[li];
    if (L.type !== 'conv2d' && L.type !== 'dense') continue;
    const lm = layerModel(model, li);
    const lc = compileCnn(lm);
    try {
      const lx = lcgUniform(cell.batch * lc.inputSize, 11);
      const ly = new Float32Array(cell.batch * lc.outputSize);
      const macs = stats(lm).totals.macs * cell.batch;
      const n = native();
      const t = await timeIt(() => n.cnnRunSync(lc.handle, lx, cell.batch, cell.threads, ly), cell.timeOpts);
      const kernel = L.type === 'conv2d' ? cell.kernel : undefined;
      const layer = `${L.name} ${lc.inputShape.join('×')}→${lc.outputShape.join('×')}`;
      rows.push({ kind: 'layer', stride: cell.stride, layer, ...(kernel ? { kernel } : {}), batch: cell.batch, threads: cell.threads, macs, ms: t.medianMs, minMs: t.minMs, ...rate(macs, t.medianMs, cell.peak) });
    } finally {
      lc.dispose();
    }
  }
  return rows;
}

/** Runs the benchmark and returns one row per cell. */
export async function benchCnn(options: CnnBenchOptions = {}): Promise<CnnBenchRow[]> {
  const quick = options.quick ?? false;
  const machine = await measureMachine({ quick });
  const kernel = kernelFor('cnn', 1, kernelsInUse());
  const rows: CnnBenchRow[] = [];
  for (const stride of options.strides ?? [2, 3]) {
    const model = seedNetwork({ stride, seed: 2019 });
    for (const batch of options.batches ?? [1, 32])
      for (const threads of options.threads ?? [1, 2]) {
        const cell: Cell = { stride, batch, threads, peak: peakAt(machine, threads), kernel, timeOpts: timeOptions(quick) };
        rows.push(await networkRow(model, cell), ...(await layerRows(model, cell)));
      }
  }
  return rows;
}

/** Markdown table of benchmark rows. */
export function formatCnnBench(rows: CnnBenchRow[]): string {
  const head = ['what', 'stride', 'batch', 'threads', 'runCnn ms (median / min)', 'GFLOP/s', '% FMA peak', 'ORT ms (median / min)', 'ORT GFLOP/s', 'speed-up vs ORT (median / min)', 'kernel'];
  const body = rows.map((r) => [
    r.kind === 'network' ? 'seed network' : `  layer ${r.layer}`,
    String(r.stride),
    String(r.batch),
    String(r.threads),
    `${fixed(r.ms, 3)} / ${fixed(r.minMs, 3)}`,
    fixed(r.gflops, 1),
    pct(r.peakFraction),
    r.ortMs !== undefined ? `${fixed(r.ortMs, 3)} / ${fixed(r.ortMinMs!, 3)}` : '',
    r.ortGflops !== undefined ? fixed(r.ortGflops, 1) : '',
    r.speedup ? `${r.speedup.toFixed(2)}× / ${(r.ortMinMs! / r.minMs).toFixed(2)}×` : '',
    r.kernel ?? '',
  ]);
  return table(head, body);
}

/** The CPU line and the table, as bench/cnn.ts prints them. */
export function cnnBenchReport(rows: CnnBenchRow[]): string {
  const c = native().cpuInfo();
  return `${c.brand} (${c.logicalCores} logical cores), kernels: ${c.activeIsa}\n\n${formatCnnBench(rows)}`;
}
