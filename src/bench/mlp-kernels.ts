/**
 * MLP kernel benchmark: the seed network's converted layers (stride 2: 80×80×3 → conv 32 → conv 64
 * → conv 64, 3×3 'same'; then dense 6400 → 1024) as random dense and CSR matrices with the exact
 * conversion pattern, at batch 1 and 32 on 1 and all threads, against the machine's measured read
 * bandwidth and FMA peak; onnxruntime-node Gemm on the same dense matrices side by side.
 * Importable: `benchMlpKernels()` returns rows for the report assembler.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { native } from '../native.js';
import { Mlp } from '../mlp/mlp.js';
import { runMlpSync } from '../mlp/run.js';
import { measureMachine, type MachineLimits } from './machine.js';
import { lcgUniform } from '../util/random.js';

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

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function time(fn: () => unknown, reps: number): number {
  fn(); // warm-up: page-in, caches, thread pool
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

async function timeAsync(fn: () => Promise<unknown>, reps: number): Promise<number> {
  await fn();
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    ts.push(performance.now() - t0);
  }
  return median(ts);
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
}

/** Runs the benchmark; a few seconds with quick, a few minutes without. */
export async function benchMlpKernels(options: MlpKernelBenchOptions = {}): Promise<{ machine: MachineLimits; rows: MlpKernelBenchRow[] }> {
  const quick = options.quick ?? false;
  const machine = options.machine ?? (await measureMachine({ quick }));
  const all = machine.cpu.logicalCores;
  const threadList = options.threads ?? [...new Set([1, all])];
  const batches = options.batches ?? [1, 32];
  const reps = quick ? 3 : 5;
  const ortMax = options.ortMaxBytes ?? 2 ** 30;
  const rows: MlpKernelBenchRow[] = [];
  const push = (r: MlpKernelBenchRow) => {
    rows.push(r);
    options.onRow?.(r);
  };
  const limits = (threads: number) => ({
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
        for (const threads of threadList) {
          const ms = time(() => runMlpSync(mlp, x, { threads }), reps);
          const { bw, fma } = limits(threads);
          const gbPerS = info.weightBytes / (ms / 1e3) / 1e9;
          const flops = 2 * info.nnz * batch;
          push({
            impl: 'cnn2mlp', layer: s.layer, format, rows: info.rows, cols: info.cols, nnz: info.nnz, batch, threads,
            isa: machine.cpu.activeIsa, medianMs: ms, bytes: info.weightBytes, gbPerS,
            fracReadBandwidth: (gbPerS * 1e9) / bw, gflops: flops / (ms / 1e3) / 1e9,
            fracFmaPeak: flops / (ms / 1e3) / fma, rssBytes: rss,
          });
        }
      }
      if (format === 'dense') {
        if (info.weightBytes <= ortMax) await ortRows(mlp, s.layer, batches, threadList, reps, limits, push);
        else
          push({
            impl: 'onnxruntime', layer: s.layer, format, rows: info.rows, cols: info.cols, nnz: info.nnz, batch: 0, threads: 0, isa: 'mlas',
            medianMs: NaN, bytes: info.weightBytes, gbPerS: NaN, fracReadBandwidth: NaN, gflops: NaN, fracFmaPeak: NaN, rssBytes: NaN,
            note: `skipped: ${(info.weightBytes / 2 ** 30).toFixed(1)} GiB matrix above ortMaxBytes (ORT keeps a second, prepacked copy)`,
          });
      }
      mlp.dispose();
    }
  }
  return { machine, rows };
}

/** One Gemm (transB = 1, W [rows, cols] row-major as cnn2mlp stores it) with external weight data. */
async function ortRows(
  mlp: Mlp,
  layer: string,
  batches: number[],
  threadList: number[],
  reps: number,
  limits: (t: number) => { bw: number; fma: number },
  push: (r: MlpKernelBenchRow) => void,
): Promise<void> {
  const { default: onnxProto } = await import('onnx-proto');
  const { onnx } = onnxProto;
  const ort = await import('onnxruntime-node');
  const { rows, cols, nnz } = mlp.layers[0];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnn2mlp-ortk-'));
  try {
    const fd = fs.openSync(path.join(dir, 'w.bin'), 'w');
    const block = Math.max(1, Math.floor((64 << 20) / (4 * cols)));
    for (let r = 0; r < rows; r += block) {
      const chunk = native().mlpReadRows(mlp.handle, 0, r, Math.min(block, rows - r)) as Float32Array;
      fs.writeSync(fd, new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    }
    fs.closeSync(fd);
    const bias = native().mlpReadBias(mlp.handle, 0);
    const F = onnx.TensorProto.DataType.FLOAT;
    const model = onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        name: 'gemm',
        node: [{ opType: 'Gemm', input: ['X', 'W', 'B'], output: ['Y'], attribute: [{ name: 'transB', type: onnx.AttributeProto.AttributeType.INT, i: 1 }] }],
        initializer: [
          {
            name: 'W', dataType: F, dims: [rows, cols], dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
            externalData: [{ key: 'location', value: 'w.bin' }, { key: 'offset', value: '0' }, { key: 'length', value: String(rows * cols * 4) }],
          },
          { name: 'B', dataType: F, dims: [rows], floatData: Array.from(bias) },
        ],
        input: [{ name: 'X', type: { tensorType: { elemType: F, shape: { dim: [{ dimParam: 'N' }, { dimValue: cols }] } } } }],
        output: [{ name: 'Y', type: { tensorType: { elemType: F, shape: { dim: [{ dimParam: 'N' }, { dimValue: rows }] } } } }],
      },
    });
    fs.writeFileSync(path.join(dir, 'm.onnx'), onnx.ModelProto.encode(model).finish());
    for (const threads of threadList) {
      const session = await ort.InferenceSession.create(path.join(dir, 'm.onnx'), { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
      const rss = native().residentBytes();
      try {
        for (const batch of batches) {
          const x = lcgUniform(batch * cols, batch);
          const feeds = { X: new ort.Tensor('float32', x, [batch, cols]) };
          const ms = await timeAsync(() => session.run(feeds), reps);
          const { bw, fma } = limits(threads);
          const gbPerS = (rows * cols * 4) / (ms / 1e3) / 1e9;
          const flops = 2 * nnz * batch;
          push({
            impl: 'onnxruntime', layer, format: 'dense', rows, cols, nnz, batch, threads, isa: 'mlas', medianMs: ms, bytes: rows * cols * 4, gbPerS,
            fracReadBandwidth: (gbPerS * 1e9) / bw, gflops: flops / (ms / 1e3) / 1e9, fracFmaPeak: flops / (ms / 1e3) / fma, rssBytes: rss,
            note: 'Gemm transB=1; RSS includes cnn2mlp’s copy plus ORT’s (prepacked) weights',
          });
        }
      } finally {
        await session.release();
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Fixed-width text table of the rows. */
export function formatMlpKernelRows(machine: MachineLimits, rows: MlpKernelBenchRow[]): string {
  const g = (v: number, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : '—');
  const head =
    `machine: ${machine.cpu.brand} (${machine.cpu.logicalCores} threads, ${machine.cpu.activeIsa}); read bandwidth ` +
    `${g(machine.readBandwidth.threads1 / 1e9, 1)} GB/s (1 thread) / ${g(machine.readBandwidth.threadsAll / 1e9, 1)} GB/s (all); FMA peak ` +
    `${g(machine.fmaPeak.threads1 / 1e9, 0)} / ${g(machine.fmaPeak.threadsAll / 1e9, 0)} GFLOP/s`;
  const lines = rows.map((r) =>
    [
      r.impl.padEnd(11), r.layer.padEnd(19), r.format.padEnd(5), `${r.rows}×${r.cols}`.padEnd(12), String(r.nnz).padStart(10),
      String(r.batch).padStart(3), String(r.threads).padStart(2), g(r.medianMs, 2).padStart(9), g(r.gbPerS).padStart(7),
      g(100 * r.fracReadBandwidth, 0).padStart(5) + '%', g(r.gflops, 1).padStart(7), g(100 * r.fracFmaPeak, 0).padStart(5) + '%',
      g(r.rssBytes / 2 ** 20, 0).padStart(7), r.note ?? '',
    ].join(' '),
  );
  return [head, 'impl        layer               fmt   shape               nnz   b  t    ms       GB/s  %bw   GFLOP/s %fma  RSS MiB', ...lines].join('\n');
}
