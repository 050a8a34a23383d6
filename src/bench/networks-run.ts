/**
 * Full-size network benchmark: runCnn vs onnxruntime-node (same graph through cnnToOnnx) and
 * tfjs-wasm (the same weights as tfjs ops) on MobileNetV2, ResNet-18 and ResNet-50 with seeded
 * random weights, per batch × threads cell. Every cell's outputs are compared before it is timed;
 * a cell whose answers disagree is reported and not timed.
 */
import os from 'node:os';
import { compileCnn, runCnn, type CompiledCnn } from '../cnn/cnn.js';
import { OP, planModel } from '../model/plan.js';
import type { CnnModel } from '../model/types.js';
import { cpuInfo } from '../runtime.js';
import { gflops, timeIt, type Progress, type Timing } from './harness.js';
import { mobileNetV2, resNet18, resNet50 } from './networks.js';
import { ortCnn } from './peers/ort-cnn.js';
import { tfjsGraph } from './peers/tfjs-graph.js';
import { useTfjsBackend, type TfjsBackendInfo } from './peers/tfjs.js';
import type { Runner } from './runner.js';

export const NETWORKS: Record<string, (side: number) => CnnModel> = {
  mobilenetv2: (side) => mobileNetV2(1, side),
  resnet18: (side) => resNet18(1, side),
  resnet50: (side) => resNet50(1, side),
};

export interface NetworksOptions {
  networks?: string[];
  batches?: number[];
  threads?: number[];
  /** timed calls per engine and cell; default 20 at batch 1 and 5 above */
  reps?: number;
  /** input side (square); default 224 */
  size?: number;
  progress?: Progress;
}

/**
 * Agreement of two outputs: max |a − b| against a tolerance of 1e-4 × max |reference| (+ 1e-6).
 * Relative, because random unnormalised residual nets grow their activations layer by layer; 1e-4
 * leaves room for float32 sums taken in a different order (and FMA contraction) over ~50 layers.
 */
export interface Agreement {
  maxAbsDiff: number;
  tolerance: number;
  passed: boolean;
}

export function agree(candidate: Float32Array, reference: Float32Array): Agreement {
  let diff = candidate.length === reference.length ? 0 : Infinity;
  let scale = 0;
  for (let i = 0; i < reference.length; i++) {
    scale = Math.max(scale, Math.abs(reference[i]));
    const d = Math.abs(candidate[i] - reference[i]);
    diff = Number.isNaN(d) ? Infinity : Math.max(diff, d);
  }
  const tolerance = 1e-4 * scale + 1e-6;
  return { maxAbsDiff: diff, tolerance, passed: diff <= tolerance };
}

export interface NetworkRow {
  network: string;
  batch: number;
  threads: number;
  /** multiply-accumulates per call (conv and dense, padding taps included), from the plan */
  macs: number;
  check: Agreement;
  /** tfjs-wasm vs cnn2mlp; null when tfjs could not run the model */
  tfjsCheck: Agreement | null;
  cnn2mlp: Timing | null;
  ort: Timing | null;
  /** tfjs-wasm runs one thread in Node, so threads > 1 rows repeat the 1-thread figure */
  tfjs: Timing | null;
  tfjsThreads: number;
  /** cnn2mlp median / onnxruntime median: ≤ 1 is the target */
  ratio: number | null;
  gflops: number | null;
}

export interface NetworksRun {
  meta: {
    date: string;
    host: string;
    cpu: string;
    isa: string;
    kernels: string[];
    node: string;
    size: number;
    tfjs: TfjsBackendInfo | { error: string };
  };
  /** compileCnn().memory per network */
  memory: Record<string, unknown>;
  rows: NetworkRow[];
}

/** Conv and dense multiply-accumulates of one sample, padding taps included (as stats() counts them). */
export function modelMacs(model: CnnModel): number {
  let macs = 0;
  for (const p of planModel(model).ops) {
    if (p.op === OP.conv2d) macs += p.outH * p.outW * p.kh * p.kw * (p.inC / p.groups) * p.outC;
    else if (p.op === OP.dense) macs += p.inC * p.outC;
  }
  return macs;
}

const input = (n: number) => new Float32Array(n).map((_, i) => Math.sin(i * 0.37));

async function tfjsFor(model: CnnModel, info: NetworksRun['meta']['tfjs'], progress?: Progress): Promise<Runner | null> {
  if ('error' in info) return null;
  try {
    return await tfjsGraph(model);
  } catch (err) {
    progress?.note(`tfjs-wasm skipped for ${model.name}: ${(err as Error).message}`);
    return null;
  }
}

interface CellCtx {
  name: string;
  cnn: CompiledCnn;
  ort: Runner;
  tfjs: Runner | null;
  macs: number;
  reps: number;
}

async function cell(ctx: CellCtx, batch: number, threads: number, tfjsDone: Map<number, [Timing | null, Agreement | null]>): Promise<NetworkRow> {
  const x = input(batch * ctx.cnn.inputSize);
  const run = () => runCnn(ctx.cnn, x, { threads, nonFinite: 'propagate' });
  const check = agree(await run(), await ctx.ort.run(x, batch));
  const timing = { warmup: 1, minReps: ctx.reps, maxReps: ctx.reps, budgetMs: 0 };
  const macs = ctx.macs * batch;
  const row: NetworkRow = { network: ctx.name, batch, threads, macs, check, tfjsCheck: null, cnn2mlp: null, ort: null, tfjs: null, tfjsThreads: 1, ratio: null, gflops: null };
  if (!check.passed) return row;
  row.cnn2mlp = await timeIt(run, timing);
  row.ort = await timeIt(() => ctx.ort.run(x, batch), timing);
  row.ratio = row.cnn2mlp.medianMs / row.ort.medianMs;
  row.gflops = gflops(2 * macs, row.cnn2mlp.medianMs);
  if (ctx.tfjs && !tfjsDone.has(batch)) {
    const tf = ctx.tfjs;
    const tfjsCheck = agree(await tf.run(x, batch), await run());
    tfjsDone.set(batch, [tfjsCheck.passed ? await timeIt(() => tf.run(x, batch), timing) : null, tfjsCheck]);
  }
  [row.tfjs, row.tfjsCheck] = tfjsDone.get(batch) ?? [null, null];
  return row;
}

/** Runs every network × batch × threads cell. */
export async function runNetworks(options: NetworksOptions = {}): Promise<NetworksRun> {
  const names = options.networks ?? Object.keys(NETWORKS);
  for (const n of names) if (!NETWORKS[n]) throw new Error(`unknown network '${n}' (known: ${Object.keys(NETWORKS).join(', ')})`);
  const batches = options.batches ?? [1, 32];
  const threadsList = options.threads ?? [1, 2];
  const size = options.size ?? 224;
  const progress = options.progress;
  progress?.grow(names.length * batches.length * threadsList.length);
  let tfjs: NetworksRun['meta']['tfjs'];
  try {
    tfjs = await useTfjsBackend('wasm');
  } catch (err) {
    tfjs = { error: (err as Error).message };
    progress?.note(`tfjs-wasm unavailable: ${tfjs.error}`);
  }
  const cpu = cpuInfo();
  const run: NetworksRun = {
    meta: { date: new Date().toISOString(), host: os.hostname(), cpu: cpu.brand, isa: cpu.activeIsa, kernels: cpu.kernels, node: process.version, size, tfjs },
    memory: {},
    rows: [],
  };
  for (const name of names) {
    const model = NETWORKS[name](size);
    const cnn = compileCnn(model);
    const tfjsRunner = await tfjsFor(model, tfjs, progress);
    const tfjsDone = new Map<number, [Timing | null, Agreement | null]>();
    run.memory[name] = cnn.memory;
    try {
      for (const threads of threadsList) {
        const ort = await ortCnn(model, threads);
        try {
          for (const batch of batches) {
            const reps = options.reps ?? (batch === 1 ? 20 : 5);
            run.rows.push(await cell({ name, cnn, ort, tfjs: tfjsRunner, macs: modelMacs(model), reps }, batch, threads, tfjsDone));
            progress?.tick(`${name} batch ${batch} threads ${threads}`);
          }
        } finally {
          ort.dispose();
        }
      }
    } finally {
      tfjsRunner?.dispose();
      cnn.dispose();
    }
  }
  return run;
}

const ms = (t: Timing | null | undefined) => (t ? t.medianMs.toFixed(2) : '—');
const msMin = (t: Timing | null) => (t ? `${t.medianMs.toFixed(2)} / ${t.minMs.toFixed(2)}` : '—');

/** The results as a Markdown report. */
export function networksMarkdown(run: NetworksRun): string {
  const m = run.meta;
  const tf = 'error' in m.tfjs ? `unavailable (${m.tfjs.error})` : `tfjs ${m.tfjs.version} wasm: ${m.tfjs.note}, ${m.tfjs.threads} thread(s)`;
  const lines = [
    `# Networks: cnn2mlp runCnn vs onnxruntime-node and tfjs-wasm`,
    ``,
    `${m.date} on ${m.host}: ${m.cpu}, ISA ${m.isa}, Node ${m.node}; input ${m.size} × ${m.size}, seeded random weights.`,
    `Kernels: ${m.kernels.join(', ')}. ${tf}.`,
    ``,
    `Outputs agree (cnn2mlp vs onnxruntime, and tfjs vs cnn2mlp) within 1e-4 × max |output| before any timing; ratio = cnn2mlp median / onnxruntime median (≤ 1: not slower). tfjs-wasm is single-threaded in Node: its 2-thread cells repeat the 1-thread figure.`,
    ``,
    `| network | batch | threads | GMAC | cnn2mlp ms (median / min) | onnxruntime ms (median / min) | tfjs-wasm ms (median) | cnn2mlp / ORT | cnn2mlp GFLOP/s | max abs diff (tol) |`,
    `|---|---|---|---|---|---|---|---|---|---|`,
  ];
  for (const r of run.rows) {
    const diff = `${r.check.maxAbsDiff.toExponential(1)} (${r.check.tolerance.toExponential(1)})${r.check.passed ? '' : ' **FAILED**'}`;
    const tfjsCell = r.tfjsCheck && !r.tfjsCheck.passed ? 'disagrees' : ms(r.tfjs);
    lines.push(`| ${r.network} | ${r.batch} | ${r.threads} | ${(r.macs / 1e9).toFixed(2)} | ${msMin(r.cnn2mlp)} | ${msMin(r.ort)} | ${tfjsCell} | ${r.ratio?.toFixed(2) ?? '—'}× | ${r.gflops?.toFixed(1) ?? '—'} | ${diff} |`);
  }
  lines.push('', `Activation arenas (compileCnn().memory): ${JSON.stringify(run.memory)}`, '');
  return lines.join('\n');
}
