/**
 * MLP kernel benchmark: the seed network's converted layers (stride 2: 80×80×3 → conv 32 → conv 64
 * → conv 64, 3×3 'same'; then dense 6400 → 1024) as random dense and CSR matrices with the exact
 * conversion pattern, at batch 1 and 32 on 1 and all threads, against the machine's measured read
 * bandwidth and FMA peak; onnxruntime-node Gemm on the same dense matrices side by side.
 * Importable: `benchMlpKernels()` returns rows for the report assembler.
 */
import fs from 'node:fs';
import path from 'node:path';
import { native } from '../native.js';
import { Mlp } from '../mlp/mlp.js';
import { runMlpSync } from '../mlp/run.js';
import { measureMachine, type MachineLimits } from '../machine.js';
import { lcgUniform } from '../util/random.js';
import { timeIt } from './harness.js';
import { fixed, fmtMiB } from './format.js';
import { kernelFor, kernelsInUse } from './kernels.js';
import { streamedLayers } from './engines.js';
import { onnxMlp } from './peers/onnx-mlp.js';

export interface MlpKernelBenchRow {
  impl: 'cnn2mlp' | 'onnxruntime';
  /** seed layer it models, e.g. 'conv1 (stride 2)' */
  layer: string;
  format: 'dense' | 'csr';
  rows: number;
  cols: number;
  /** stored entries (dense: rows × cols) */
  nnz: number;
  batch: number;
  threads: number;
  /** kernel family (cnn2mlp) or 'mlas' (onnxruntime) */
  isa: string;
  /** registry name of the cnn2mlp kernel timed, when the addon lists its kernels */
  kernel?: string;
  medianMs: number;
  /** weight bytes streamed per run: dense rows·ld·4; CSR values + indices + row pointers */
  bytes: number;
  gbPerS: number;
  /** gbPerS / measured read bandwidth at this thread count */
  fracReadBandwidth: number;
  /** 2 · nnz · batch / time */
  gflops: number;
  fracFmaPeak: number;
  /** process RSS after building this implementation's copy of the matrix (bytes) */
  rssBytes: number;
  note?: string;
}

interface Shape {
  layer: string;
  H: number;
  W: number;
  cin: number;
  cout: number;
  k: number;
  stride: number;
  dense: boolean;
  csr: boolean;
}

/** Seed stride-2 shapes; dense conv2 (5.2 GB) only with `big`. */
function shapes(quick: boolean, big: boolean): Shape[] {
  if (quick)
    return [
      { layer: 'conv3 (stride 2)', H: 20, W: 20, cin: 64, cout: 64, k: 3, stride: 2, dense: false, csr: true },
      { layer: 'conv3 at 1/4 width', H: 20, W: 20, cin: 16, cout: 64, k: 3, stride: 2, dense: true, csr: false },
      { layer: 'dense1', H: 1, W: 1, cin: 6400, cout: 1024, k: 1, stride: 1, dense: true, csr: false },
    ];
  return [
    { layer: 'conv1 (stride 2)', H: 80, W: 80, cin: 3, cout: 32, k: 3, stride: 2, dense: true, csr: true },
    { layer: 'conv2 (stride 2)', H: 40, W: 40, cin: 32, cout: 64, k: 3, stride: 2, dense: big, csr: true },
    { layer: 'conv3 (stride 2)', H: 20, W: 20, cin: 64, cout: 64, k: 3, stride: 2, dense: true, csr: true },
    { layer: 'dense1', H: 1, W: 1, cin: 6400, cout: 1024, k: 1, stride: 1, dense: true, csr: false },
  ];
}

export interface MlpKernelBenchOptions {
  quick?: boolean;
  /** also run the 5.2 GB dense conv2 layer */
  big?: boolean;
  /** thread counts (default 1 and all logical cores) */
  threads?: number[];
  batches?: number[];
  /** skip onnxruntime on dense matrices larger than this (default 1 GiB; ORT keeps a packed copy) */
  ortMaxBytes?: number;
  machine?: MachineLimits;
  onRow?: (row: MlpKernelBenchRow) => void;
  /** also write { machine, rows } as JSON here */
  outFile?: string;
}

type Limits = (threads: number) => { bw: number; fma: number };

/** Median ms of `reps` timed calls after one warm-up (page-in, caches, thread pool). */
async function medianMs(fn: () => unknown, reps: number): Promise<number> {
  return (await timeIt(fn, { warmup: 1, minReps: reps, maxReps: reps, budgetMs: 0 })).medianMs;
}

/** A row's throughputs and fractions of the machine limits from its median time. */
function rates(ms: number, bytes: number, nnz: number, batch: number, limits: { bw: number; fma: number }) {
  const gbPerS = bytes / (ms / 1e3) / 1e9;
  const flops = 2 * nnz * batch;
  return { medianMs: ms, bytes, gbPerS, fracReadBandwidth: (gbPerS * 1e9) / limits.bw, gflops: flops / (ms / 1e3) / 1e9, fracFmaPeak: flops / (ms / 1e3) / limits.fma };
}

/** Runs the benchmark; a few seconds with quick, a few minutes without. */
export async function benchMlpKernels(options: MlpKernelBenchOptions = {}): Promise<{ machine: MachineLimits; rows: MlpKernelBenchRow[] }> {
  const quick = options.quick ?? false;
  const machine = options.machine ?? (await measureMachine({ quick }));
  const threadList = options.threads ?? [...new Set([1, machine.cpu.logicalCores])];
  const batches = options.batches ?? [1, 32];
  const reps = quick ? 3 : 5;
  const ortMax = options.ortMaxBytes ?? 2 ** 30;
  const kernels = kernelsInUse();
  const rows: MlpKernelBenchRow[] = [];
  const push = (r: MlpKernelBenchRow) => {
    rows.push(r);
    options.onRow?.(r);
  };
  const limits: Limits = (threads) => ({
    bw: threads === 1 ? machine.readBandwidth.threads1 : machine.readBandwidth.threadsAll,
    fma: threads === 1 ? machine.fmaPeak.threads1 : machine.fmaPeak.threadsAll,
  });
  let seed = 1;
  for (const s of shapes(quick, options.big ?? false)) {
    const formats = [...(s.dense ? (['dense'] as const) : []), ...(s.csr ? (['csr'] as const) : [])];
    for (const format of formats) {
      const handle = await native().benchRandomConvMlp(s.H, s.W, s.cin, s.cout, s.k, s.stride, format === 'csr', seed++);
      const mlp = new Mlp(handle, { layout: 'NHWC', inputShape: [s.H, s.W, s.cin], outputShape: [s.cout] });
      const info = mlp.layers[0];
      const rss = native().residentBytes();
      for (const batch of batches) {
        const x = lcgUniform(batch * mlp.inputSize, seed++);
        const kernel = kernelFor(format === 'dense' ? 'mlp-dense' : 'mlp-csr', batch, kernels);
        for (const threads of threadList) {
          const ms = await medianMs(() => runMlpSync(mlp, x, { threads }), reps);
          const base = { impl: 'cnn2mlp', layer: s.layer, format, rows: info.rows, cols: info.cols, nnz: info.nnz, batch, threads, isa: machine.cpu.activeIsa } as const;
          push({ ...base, ...(kernel ? { kernel } : {}), ...rates(ms, info.weightBytes, info.nnz, batch, limits(threads)), rssBytes: rss });
        }
      }
      if (format === 'dense') await ortRows(mlp, s.layer, { batches, threadList, reps, ortMax }, limits, push);
      mlp.dispose();
    }
  }
  const result = { machine, rows };
  if (options.outFile) writeJson(options.outFile, result);
  return result;
}

function writeJson(file: string, data: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(data, null, 2));
  fs.renameSync(tmp, file);
}

/** onnxruntime-node Gemm (transB = 1, external weight data) on the same matrix, or a row saying why not. */
async function ortRows(
  mlp: Mlp,
  layer: string,
  o: { batches: number[]; threadList: number[]; reps: number; ortMax: number },
  limits: Limits,
  push: (r: MlpKernelBenchRow) => void,
): Promise<void> {
  const { rows, cols, nnz, weightBytes } = mlp.layers[0];
  const base = { impl: 'onnxruntime', layer, format: 'dense', rows, cols, nnz, isa: 'mlas' } as const;
  if (weightBytes > o.ortMax) {
    const note = `skipped: ${(weightBytes / 2 ** 30).toFixed(1)} GiB matrix above ortMaxBytes (ORT keeps a second, prepacked copy)`;
    push({ ...base, batch: 0, threads: 0, medianMs: NaN, bytes: weightBytes, gbPerS: NaN, fracReadBandwidth: NaN, gflops: NaN, fracFmaPeak: NaN, rssBytes: NaN, note });
    return;
  }
  const layers = streamedLayers(mlp);
  for (const threads of o.threadList) {
    const runner = await onnxMlp(layers, threads);
    const rss = native().residentBytes();
    try {
      for (const batch of o.batches) {
        const x = lcgUniform(batch * cols, batch);
        const ms = await medianMs(() => runner.run(x, batch), o.reps);
        const note = 'Gemm transB=1; RSS includes cnn2mlp’s copy plus ORT’s (prepacked) weights';
        push({ ...base, batch, threads, ...rates(ms, rows * cols * 4, nnz, batch, limits(threads)), rssBytes: rss, note });
      }
    } finally {
      runner.dispose();
    }
  }
}

/** Fixed-width text table of the rows. */
export function formatMlpKernelRows(machine: MachineLimits, rows: MlpKernelBenchRow[]): string {
  const g = fixed;
  const head =
    `machine: ${machine.cpu.brand} (${machine.cpu.logicalCores} threads, ${machine.cpu.activeIsa}); read bandwidth ` +
    `${g(machine.readBandwidth.threads1 / 1e9, 1)} GB/s (1 thread) / ${g(machine.readBandwidth.threadsAll / 1e9, 1)} GB/s (all, ` +
    `${fmtMiB(machine.bandwidthBytes)} buffer); FMA peak ` +
    `${g(machine.fmaPeak.threads1 / 1e9, 0)} / ${g(machine.fmaPeak.threadsAll / 1e9, 0)} GFLOP/s`;
  const lines = rows.map((r) =>
    [
      r.impl.padEnd(11), r.layer.padEnd(19), r.format.padEnd(5), `${r.rows}×${r.cols}`.padEnd(12), String(r.nnz).padStart(10),
      String(r.batch).padStart(3), String(r.threads).padStart(2), g(r.medianMs, 2).padStart(9), g(r.gbPerS).padStart(7),
      g(100 * r.fracReadBandwidth, 0).padStart(5) + '%', g(r.gflops, 1).padStart(7), g(100 * r.fracFmaPeak, 0).padStart(5) + '%',
      g(r.rssBytes / 2 ** 20, 0).padStart(7), r.kernel ?? r.note ?? '',
    ].join(' '),
  );
  return [head, 'impl        layer               fmt   shape               nnz   b  t    ms       GB/s  %bw   GFLOP/s %fma  RSS MiB  kernel / note', ...lines].join('\n');
}
