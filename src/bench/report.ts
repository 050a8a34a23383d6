/**
 * The benchmark report (issue #5): in one process run, the machine's limits, the seed's CNN vs
 * dense vs CSR MLP table completed with measured times, each kernel's fraction of the limits (with
 * a roofline), peers on identical work (onnxruntime-node, tfjs wasm and cpu; outputs checked equal
 * before timing), scaling with input side n, and the dense/sparse crossover by density.
 * Writes <outDir>/<date>-<host>.json (schema: bench/results.schema.json), a Markdown report and SVG plots.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { native } from '../native.js';
import type { CnnModel } from '../model/types.js';
import type { Mlp } from '../mlp/mlp.js';
import { Progress, timeIt, gflops, gbps, type Timing, type TimeOptions } from './harness.js';
import { renderSvg, rooflineSpec, scalingSpec, crossoverSpec, logLogSlope, type RooflinePoint } from './plots.js';
import {
  availability,
  availableMemory,
  cnnCounts,
  cnnRunner,
  convertModel,
  denseBytesEstimate,
  denseLayerReader,
  machineLimits,
  mlpFromLayers,
  mlpLayerActivation,
  mlpLayerBias,
  mlpRunner,
  seedModel,
  statsOf,
  threeConvNet,
  type MachineLimits,
  type Runner,
} from './engines.js';
import { seededUniform } from '../util/random.js';
import { tfjsCnn, tfjsMlp, useTfjsBackend, type TfjsBackendInfo } from './peers/tfjs.js';
import { onnxMlp } from './peers/onnx-mlp.js';
import { ortCnn } from './peers/ort-cnn.js';

export type BenchModel = 'seed2' | 'seed3' | 'sweep' | 'crossover';

/** Options of runBenchmarks (also the flags of `bench/run.ts` and `cnn2mlp bench`). */
export interface BenchOptions {
  /** which parts to run; default all: seed stride 2 and 3, the n sweep, the density crossover */
  models?: BenchModel[];
  /** batch sizes for the seed table; default [1, 32] ([1, 4] in quick mode) */
  batches?: number[];
  /** thread counts; default [1, all logical cores] */
  threads?: number[];
  /** CI-sized run: small shapes and short budgets, seconds not minutes */
  quick?: boolean;
  /** only JSON on stdout (progress still goes to stderr unless `silent`) */
  json?: boolean;
  /** no progress output at all */
  silent?: boolean;
  /** where results go; default bench/results/ under the working directory */
  outDir?: string;
  /** run the peers (tfjs, onnxruntime-node); default true */
  peers?: boolean;
  /** measuring budget per configuration, ms; default 1500 (quick 60) */
  budgetMs?: number;
  /** largest dense MLP the sweep converts, bytes; default 4 GB (quick 64 MB) */
  sweepDenseBudgetBytes?: number;
  /** do not print anything on stdout (the caller prints `summary` or `results`); default: true
   *  when `onProgress` is given (a host such as the CLI prints), false otherwise */
  noPrint?: boolean;
  /** progress lines go here instead of a bar / stderr (e.g. the CLI's own output) */
  onProgress?: (line: string) => void;
}

/** One timed configuration. Throughputs are per call; `flops` = 2 × MACs × batch. */
export interface Measurement {
  section: 'seed' | 'peers' | 'scaling' | 'crossover';
  workload: string;
  engine: string;
  batch: number;
  threads: number;
  flops: number;
  bytes: number;
  timing: Timing;
  gflops: number;
  gbps: number;
  fracPeak: number | null;
  fracBandwidth: number | null;
  params?: Record<string, number>;
}

/** Exact sizes of one workload in one engine's representation. */
export interface WorkloadStats {
  workload: string;
  engine: string;
  macs: number;
  weights: number;
  nonzeros: number;
  bytes: number;
  published?: { macs?: number; weights?: number; ms?: string };
}

/** An equivalence check: `candidate` against `reference` on the same input, before timing. */
export interface Check {
  workload: string;
  candidate: string;
  reference: string;
  maxAbsErr: number;
  tolerance: number;
  passed: boolean;
}

export interface Skip {
  section: string;
  what: string;
  reason: string;
}

export interface PeerRatio {
  workload: string;
  peer: string;
  engine: string;
  batch: number;
  threads: number;
  peerMs: number;
  cnn2mlpMs: number;
  /** cnn2mlp median ÷ peer median: below 1, cnn2mlp is faster */
  ratio: number;
}

export interface BenchResults {
  schemaVersion: 1;
  meta: {
    date: string;
    host: string;
    cpu: { brand: string; vendor: string; logicalCores: number; isas: string[]; activeIsa: string };
    memoryBytes: { total: number; availableAtStart: number };
    node: string;
    platform: string;
    versions: Record<string, string>;
    git: { commit: string; dirty: boolean };
    quick: boolean;
    options: { models: BenchModel[]; batches: number[]; threads: number[]; budgetMs: number };
    available: { cnn: boolean; convert: boolean; mlpRun: boolean; probes: boolean; seedNetwork: boolean };
    peers: TfjsBackendInfo[];
    note: string;
  };
  machine: MachineLimits | null;
  workloads: WorkloadStats[];
  measurements: Measurement[];
  peerRatios: PeerRatio[];
  scaling: { slopes: Record<string, number>; theory: Record<string, number> } | null;
  crossover: Array<{ batch: number; rows: number; cols: number; crossoverDensity: number | null }> | null;
  checks: Check[];
  skipped: Skip[];
  durationMs: number;
}

export interface BenchRun {
  results: BenchResults;
  /** the Markdown report (the tables runBenchmarks prints) */
  summary: string;
  files: { json: string; markdown: string; svgs: string[] };
}

/** The seed study's published figures (stride not stated; shown beside both strides). */
export const SEED_PUBLISHED = {
  cnn: { macs: 12_355_840, weights: 56_320, ms: '~10 ms (i7)' },
  mlp: { macs: 1_340_228_608, weights: 1_028_130_752, ms: '"likely ~1 s"' },
} as const;

const EPS32 = 2 ** -23;

/**
 * Tolerance for comparing two float32 evaluations of the same network: each output is a chain of
 * `layers` sums of length ≤ K, and reordered float32 sums differ by ~sqrt(K)·eps·Σ|terms| per
 * layer; Σ|terms| is bounded here by (1 + max|reference|) times a small factor for these
 * He-scaled nets, so 8·sqrt(K)·eps·layers·(1 + max|ref|) leaves room for that factor without
 * hiding a real error (a wrong weight or index moves outputs by O(max|ref|)).
 */
export function tolerance(reference: Float32Array, maxFanIn: number, layers: number): number {
  let m = 0;
  for (const v of reference) m = Math.max(m, Math.abs(v));
  return 8 * Math.sqrt(maxFanIn) * EPS32 * layers * (1 + m);
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

function packageRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
}

function versions(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const out: Record<string, string> = {};
  for (const name of ['onnxruntime-node', '@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', 'vega', 'vega-lite']) {
    try {
      out[name] = (require(`${name}/package.json`) as { version: string }).version;
    } catch {
      // packages whose "exports" hide package.json: find it next to the resolved entry point
      try {
        let dir = path.dirname(require.resolve(name));
        const pkg = (d: string) => {
          try {
            return JSON.parse(fs.readFileSync(path.join(d, 'package.json'), 'utf8')) as { name?: string; version?: string };
          } catch {
            return undefined;
          }
        };
        while (pkg(dir)?.name !== name && dir !== path.dirname(dir)) dir = path.dirname(dir);
        out[name] = pkg(dir)?.version ?? 'unknown';
      } catch {
        out[name] = 'unknown';
      }
    }
  }
  try {
    out.cnn2mlp = (JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    out.cnn2mlp = 'unknown';
  }
  out.napi = process.versions.napi ?? 'unknown';
  out.v8 = process.versions.v8;
  return out;
}

function gitInfo(): { commit: string; dirty: boolean } {
  try {
    const cwd = packageRoot();
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
    return { commit, dirty };
  } catch {
    return { commit: 'unknown', dirty: false };
  }
}

function writeAtomic(file: string, data: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

const fmtInt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const fmtMs = (ms: number | undefined) => (ms === undefined || !Number.isFinite(ms) ? '–' : ms >= 100 ? ms.toFixed(0) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3));
const fmtBytes = (b: number) => (b >= 1e9 ? `${(b / 1e9).toFixed(2)} GB` : b >= 1e6 ? `${(b / 1e6).toFixed(1)} MB` : `${(b / 1e3).toFixed(1)} kB`);
const pct = (f: number | null) => (f === null || !Number.isFinite(f) ? '–' : `${(100 * f).toFixed(1)}%`);

function table(head: string[], rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** Runs the benchmarks, writes the JSON, Markdown and SVG files, prints the tables; returns the results. */
export async function runBenchmarks(options: BenchOptions = {}): Promise<BenchRun> {
  const started = process.hrtime.bigint();
  const quick = options.quick ?? false;
  const cpu = native().cpuInfo();
  const allThreads = cpu.logicalCores;
  const models: BenchModel[] = options.models ?? ['seed2', 'seed3', 'sweep', 'crossover'];
  const batches = options.batches ?? (quick ? [1, 4] : [1, 32]);
  const threads = options.threads ?? [...new Set([1, allThreads])];
  const budgetMs = options.budgetMs ?? (quick ? 60 : 1500);
  const usePeers = options.peers ?? true;
  const outDir = path.resolve(options.outDir ?? path.join('bench', 'results')); // relative to the working directory
  const progress = new Progress(0, { quiet: options.silent ?? false, onLine: options.onProgress });
  const timeOpts: TimeOptions = { warmup: quick ? 1 : 2, budgetMs, minReps: quick ? 3 : 5, maxReps: quick ? 50 : 500 };

  const avail = await availability();
  const memTotal = os.totalmem();
  const results: BenchResults = {
    schemaVersion: 1,
    meta: {
      date: new Date().toISOString(),
      host: os.hostname(),
      cpu: { brand: cpu.brand, vendor: cpu.vendor, logicalCores: cpu.logicalCores, isas: cpu.supportedIsas, activeIsa: cpu.activeIsa },
      memoryBytes: { total: memTotal, availableAtStart: await availableMemory() },
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      versions: versions(),
      git: gitInfo(),
      quick,
      options: { models, batches, threads, budgetMs },
      available: { cnn: avail.cnn, convert: avail.convert, mlpRun: avail.mlpRun, probes: avail.probes, seedNetwork: avail.seedNetwork },
      peers: [],
      note: 'One process run on a shared machine: other jobs may have been running, so figures are noisy; medians and p10/p90 are given for that reason.',
    },
    machine: null,
    workloads: [],
    measurements: [],
    peerRatios: [],
    scaling: null,
    crossover: null,
    checks: [],
    skipped: [],
    durationMs: 0,
  };
  const skip = (section: string, what: string, reason: string) => {
    results.skipped.push({ section, what, reason });
    progress.note(`skip ${section}/${what}: ${reason}`);
  };
  const errMsg = (e: unknown) => ((e as Error)?.message ?? String(e)).split('\n')[0];

  // ---- 1. machine limits ---------------------------------------------------------------------
  progress.grow(1);
  try {
    results.machine = await machineLimits(threads, quick);
  } catch (e) {
    skip('machine', 'read bandwidth and FMA peak', errMsg(e));
  }
  progress.tick('machine limits');
  const peakAt = (t: number) => results.machine?.fmaPeak.find((p) => p.threads === t)?.flopsPerSecond;
  const bwAt = (t: number) => results.machine?.readBandwidth.find((p) => p.threads === t)?.bytesPerSecond;

  const record = (m: Omit<Measurement, 'gflops' | 'gbps' | 'fracPeak' | 'fracBandwidth'>): Measurement => {
    const g = gflops(m.flops, m.timing.medianMs);
    const b = gbps(m.bytes, m.timing.medianMs);
    const pk = peakAt(m.threads);
    const bw = bwAt(m.threads);
    const full: Measurement = { ...m, gflops: g, gbps: b, fracPeak: pk ? (g * 1e9) / pk : null, fracBandwidth: bw ? (b * 1e9) / bw : null };
    results.measurements.push(full);
    return full;
  };
  const check = (workload: string, candidate: string, reference: string, out: Float32Array, ref: Float32Array, fanIn: number, layers: number): boolean => {
    const err = maxAbsDiff(out, ref);
    const tol = tolerance(ref, fanIn, layers);
    const passed = err <= tol;
    results.checks.push({ workload, candidate, reference, maxAbsErr: Number.isFinite(err) ? err : -1, tolerance: tol, passed });
    if (!passed) progress.note(`CHECK FAILED ${workload}: ${candidate} vs ${reference}: max |diff| ${err} > ${tol}`);
    return passed;
  };

  // tfjs backends are process-global: remember what each peer runs on.
  const tfjsInfo: Partial<Record<'cpu' | 'wasm', TfjsBackendInfo>> = {};
  async function tfjsBackend(b: 'cpu' | 'wasm'): Promise<TfjsBackendInfo> {
    const info = await useTfjsBackend(b);
    if (!tfjsInfo[b]) {
      tfjsInfo[b] = info;
      results.meta.peers.push(info);
    }
    return info;
  }

  // ---- 2 + 4. the seed's table and its peers -------------------------------------------------
  for (const stride of [2, 3] as const) {
    if (!models.includes(stride === 2 ? 'seed2' : 'seed3')) continue;
    const side = quick ? 20 : 80;
    const { model, source } = quick
      ? { model: threeConvNet({ side, stride, filters: [8, 16, 16], dense: [64, 29], seed: stride }), source: 'bench threeConvNet() (quick: 20×20×3, 8/16/16 filters, dense 64/29)' }
      : await seedModel(stride, side);
    const wl = `seed-s${stride}`;
    const counts = cnnCounts(model);
    const inSize = side * side * 3;
    const maxBatch = Math.max(...batches);
    const input = seededUniform(maxBatch * inSize, 7 + stride, 0, 1);
    const inputOf = (b: number) => input.subarray(0, b * inSize);
    progress.note(`${wl}: ${source}`);
    // exact counts from stats() (branch convert) when present: the MLP rows then exist even when
    // a conversion is skipped for memory; otherwise from the plan and the built MLPs.
    const st = await statsOf(model).catch(() => undefined);
    const cnnParams = st ? st.cnn.weights + st.cnn.biases : counts.weights;
    results.workloads.push({
      workload: wl,
      engine: 'cnn',
      macs: st ? st.cnn.macs : counts.macs,
      weights: cnnParams,
      nonzeros: cnnParams,
      bytes: cnnParams * 4,
      published: quick ? undefined : { macs: SEED_PUBLISHED.cnn.macs, weights: SEED_PUBLISHED.cnn.weights, ms: SEED_PUBLISHED.cnn.ms },
    });
    if (st)
      for (const format of ['csr', 'dense'] as const)
        results.workloads.push({
          workload: wl,
          engine: `mlp-${format}`,
          macs: st[format].macs,
          weights: st[format].weights + st[format].biases,
          nonzeros: st[format].nonzeros + st[format].biases,
          bytes: st[format].bytes,
          published: quick ? undefined : { macs: SEED_PUBLISHED.mlp.macs, weights: SEED_PUBLISHED.mlp.weights, ms: SEED_PUBLISHED.mlp.ms },
        });
    // activations each op reads and writes, per sample (fp32)
    const actBytes = counts.matrices.reduce((s, m) => s + (m.rows + m.cols) * 4, 0);
    const configs = batches.flatMap((b) => threads.map((t) => [b, t] as const));

    // reference output for the checks: cnn2mlp's CNN if present, else tfjs cpu
    let reference: { name: string; out: Float32Array } | undefined;
    const cnnMs = new Map<string, number>();
    progress.grow(configs.length);
    if (avail.cnn) {
      for (const t of threads) {
        let runner: Runner | undefined;
        try {
          runner = await cnnRunner(model, t);
          if (!reference) reference = { name: 'cnn2mlp-cnn', out: await runner.run(inputOf(maxBatch), maxBatch) };
          for (const b of batches) {
            const x = inputOf(b);
            const timing = await timeIt(() => runner!.run(x, b), timeOpts);
            record({ section: 'seed', workload: wl, engine: 'cnn2mlp-cnn', batch: b, threads: t, flops: 2 * counts.macs * b, bytes: counts.bytes + actBytes * b, timing });
            cnnMs.set(`${b}/${t}`, timing.medianMs);
            progress.tick(`${wl} cnn b${b} t${t}`);
          }
        } catch (e) {
          skip('seed', `${wl} cnn2mlp CNN t${t}`, errMsg(e));
        } finally {
          runner?.dispose();
        }
      }
    } else {
      skip('seed', `${wl} cnn2mlp CNN`, avail.missing.find((m) => m.startsWith('runCnn')) ?? 'runCnn missing');
      for (const _ of configs) progress.tick(`${wl} cnn (skipped)`);
    }

    // CNN peers: tfjs cpu, tfjs wasm (single-threaded), onnxruntime-node (branch cnn's peer)
    if (usePeers) {
      for (const backend of ['cpu', 'wasm'] as const) {
        // tfjs cpu at batch 32 of the full seed takes seconds per call: batch 1 only there.
        const peerBatches = backend === 'cpu' && !quick ? [batches[0]] : batches;
        progress.grow(peerBatches.length);
        let runner: Awaited<ReturnType<typeof tfjsCnn>> | undefined;
        const name = `tfjs-${backend}-cnn`;
        try {
          const info = await tfjsBackend(backend);
          runner = await tfjsCnn(model);
          const out = await runner.run(inputOf(maxBatch), maxBatch);
          if (!reference) reference = { name, out };
          else check(wl, name, reference.name, out, reference.out, counts.maxFanIn, counts.layers);
          for (const b of peerBatches) {
            const x = inputOf(b);
            const timing = await timeIt(() => runner!.run(x, b), timeOpts);
            const m = record({ section: 'peers', workload: wl, engine: name, batch: b, threads: info.threads, flops: 2 * counts.macs * b, bytes: counts.bytes + actBytes * b, timing });
            const mine = cnnMs.get(`${b}/${info.threads}`);
            if (mine !== undefined)
              results.peerRatios.push({ workload: wl, peer: name, engine: 'cnn2mlp-cnn', batch: b, threads: info.threads, peerMs: m.timing.medianMs, cnn2mlpMs: mine, ratio: mine / m.timing.medianMs });
            progress.tick(`${wl} ${name} b${b}`);
          }
        } catch (e) {
          skip('peers', `${wl} ${name}`, errMsg(e));
          for (const _ of peerBatches) progress.tick(`${name} (skipped)`);
        } finally {
          runner?.dispose();
        }
      }
      await ortCnnPeer(model, wl, counts, actBytes);
    }

    // cnn2mlp MLPs: CSR first (small), then dense (may be ~10 GB: convert, time, dispose)
    for (const format of ['csr', 'dense'] as const) {
      const engine = `cnn2mlp-mlp-${format}`;
      progress.grow(configs.length);
      const tickAll = (why: string) => configs.forEach(() => progress.tick(`${wl} ${format} (${why})`));
      if (!avail.convert || !avail.mlpRun) {
        skip('seed', `${wl} ${engine}`, avail.missing.filter((m) => m.startsWith('convert') || m.startsWith('runMlp')).join('; '));
        tickAll('skipped');
        continue;
      }
      let maxBytes: number | undefined;
      if (format === 'dense') {
        const need = st ? st.dense.bytes : denseBytesEstimate(counts);
        const free = await availableMemory();
        // keep 2 GB and a quarter of what is free for everyone else on the machine
        if (need > free * 0.75 - 2e9) {
          skip('seed', `${wl} ${engine}`, `needs ~${fmtBytes(need)}, only ${fmtBytes(free)} available now`);
          tickAll('skipped');
          continue;
        }
        maxBytes = free * 0.75 - 2e9;
      }
      let mlp: Mlp | undefined;
      try {
        const t0 = process.hrtime.bigint();
        mlp = await convertModel(model, format, maxBytes);
        const convertMs = Number(process.hrtime.bigint() - t0) / 1e6;
        progress.note(`${wl}: convert ${format} took ${fmtMs(convertMs)} ms, ${fmtBytes(mlp.bytes)}`);
        const nnz = mlp.layers.reduce((s, l) => s + l.nnz, 0);
        const weights = mlp.layers.reduce((s, l) => s + l.rows * l.cols + l.rows, 0);
        if (!st) results.workloads.push({
          workload: wl,
          engine: `mlp-${format}`,
          macs: nnz,
          weights,
          nonzeros: nnz + mlp.layers.reduce((s, l) => s + l.rows, 0),
          bytes: mlp.bytes,
          published: quick ? undefined : { macs: SEED_PUBLISHED.mlp.macs, weights: SEED_PUBLISHED.mlp.weights, ms: SEED_PUBLISHED.mlp.ms },
        });
        const mlpAct = mlp.layers.reduce((s, l) => s + (l.rows + l.cols) * 4, 0);
        const mlpMs = new Map<string, number>();
        let mlpOut: Float32Array | undefined;
        for (const t of threads) {
          const runner = await mlpRunner(mlp, t);
          const out = await runner.run(inputOf(maxBatch), maxBatch);
          mlpOut ??= out;
          if (reference) check(wl, `${engine} t${t}`, reference.name, out, reference.out, counts.maxFanIn, counts.layers);
          for (const b of batches) {
            const x = inputOf(b);
            const timing = await timeIt(() => runner.run(x, b), timeOpts);
            record({ section: 'seed', workload: wl, engine, batch: b, threads: t, flops: 2 * nnz * b, bytes: mlp.bytes + mlpAct * b, timing });
            mlpMs.set(`${b}/${t}`, timing.medianMs);
            progress.tick(`${wl} ${format} b${b} t${t}`);
          }
        }
        if (format === 'dense' && usePeers && mlpOut) await denseMlpPeers(mlp, wl, mlpOut, counts.maxFanIn, mlpMs, nnz, mlpAct);
      } catch (e) {
        skip('seed', `${wl} ${engine}`, errMsg(e));
      } finally {
        mlp?.dispose();
      }
    }
  }

  async function ortCnnPeer(model: CnnModel, wl: string, counts: ReturnType<typeof cnnCounts>, actBytes: number): Promise<void> {
    const maxBatch = Math.max(...batches);
    const inSize = model.inputShape.reduce((a, b) => a * b, 1);
    const input = seededUniform(maxBatch * inSize, 99, 0, 1);
    for (const t of threads) {
      let session: Runner | undefined;
      try {
        session = await ortCnn(model, t);
        const out = await session.run(input, maxBatch);
        if (avail.cnn) {
          const r = await cnnRunner(model, t);
          try {
            check(wl, `ort-cnn t${t}`, 'cnn2mlp-cnn', out, await r.run(input, maxBatch), counts.maxFanIn, counts.layers);
          } finally {
            r.dispose();
          }
        }
        for (const b of batches) {
          const x = input.subarray(0, b * inSize);
          const timing = await timeIt(() => session!.run(x, b), timeOpts);
          const m = record({ section: 'peers', workload: wl, engine: 'ort-cnn', batch: b, threads: t, flops: 2 * counts.macs * b, bytes: counts.bytes + actBytes * b, timing });
          const mine = results.measurements.find((x) => x.workload === wl && x.engine === 'cnn2mlp-cnn' && x.batch === b && x.threads === t);
          if (mine) results.peerRatios.push({ workload: wl, peer: 'ort-cnn', engine: 'cnn2mlp-cnn', batch: b, threads: t, peerMs: m.timing.medianMs, cnn2mlpMs: mine.timing.medianMs, ratio: mine.timing.medianMs / m.timing.medianMs });
        }
      } catch (e) {
        skip('peers', `${wl} ort-cnn t${t}`, errMsg(e));
      } finally {
        session?.dispose();
      }
    }
  }

  /** ORT (Gemm chain, external data) and tfjs (matMul chain) on the very same dense matrices. */
  async function denseMlpPeers(mlp: Mlp, wl: string, mlpOut: Float32Array, fanIn: number, mlpMs: Map<string, number>, nnz: number, mlpAct: number): Promise<void> {
    const maxBatch = Math.max(...batches);
    const inSize = mlp.inputSize;
    const input = seededUniform(maxBatch * inSize, 7 + (wl.endsWith('2') ? 2 : 3), 0, 1);
    const layers = mlp.layers.map((l, i) => ({ rows: l.rows, cols: l.cols, readRows: denseLayerReader(mlp, i), bias: mlpLayerBias(mlp, i), activation: mlpLayerActivation(mlp, i) }));
    const free = await availableMemory();
    const peerRun = async (name: string, make: (t: number) => Promise<Runner>, peerThreads: number[]) => {
      for (const t of peerThreads) {
        let runner: Runner | undefined;
        try {
          runner = await make(t);
          const out = await runner.run(input, maxBatch);
          check(wl, `${name} t${t}`, 'cnn2mlp-mlp-dense', out, mlpOut, fanIn, mlp.layers.length);
          for (const b of batches) {
            const x = input.subarray(0, b * inSize);
            const timing = await timeIt(() => runner!.run(x, b), timeOpts);
            const m = record({ section: 'peers', workload: wl, engine: name, batch: b, threads: t, flops: 2 * nnz * b, bytes: mlp.bytes + mlpAct * b, timing });
            const mine = mlpMs.get(`${b}/${t}`);
            if (mine !== undefined)
              results.peerRatios.push({ workload: wl, peer: name, engine: 'cnn2mlp-mlp-dense', batch: b, threads: t, peerMs: m.timing.medianMs, cnn2mlpMs: mine, ratio: mine / m.timing.medianMs });
          }
        } catch (e) {
          skip('peers', `${wl} ${name} t${t}`, errMsg(e));
        } finally {
          runner?.dispose();
        }
      }
    };
    // ORT keeps its own copy of the weights (and needs the same again on disk).
    if (mlp.bytes > free * 0.75 - 2e9) skip('peers', `${wl} ort-mlp-dense`, `a second copy of ${fmtBytes(mlp.bytes)} does not fit in ${fmtBytes(free)} available`);
    else await peerRun('ort-mlp-dense', (t) => onnxMlp(layers, t), threads);
    // tfjs: each matrix must fit one JS typed array and (wasm) the 4 GB wasm32 heap with room to spare.
    const largest = Math.max(...mlp.layers.map((l) => l.rows * l.cols * 4));
    if (mlp.bytes > 1.5e9 || largest > 1e9) {
      skip('peers', `${wl} tfjs-mlp-dense`, `${fmtBytes(mlp.bytes)} of weights exceeds the tfjs peers' limits (wasm32 heap ≤ 4 GB; kept ≤ 1.5 GB)`);
      return;
    }
    const withData = () => layers.map((l) => ({ ...l, weights: l.readRows(0, l.rows) }));
    for (const backend of ['wasm', 'cpu'] as const) {
      const info = await tfjsBackend(backend);
      await peerRun(`tfjs-${backend}-mlp-dense`, () => tfjsMlp(withData()), [info.threads]);
    }
  }

  // ---- 5. scaling with the input side n ------------------------------------------------------
  if (models.includes('sweep')) {
    // dense stops at the memory budget; CNN and CSR go on to 256 so their slope is not all overhead
    const sides = quick ? [8, 12, 16] : [16, 24, 32, 48, 64, 96, 128, 192, 256];
    const denseBudget = options.sweepDenseBudgetBytes ?? (quick ? 64e6 : 4e9);
    const t = Math.max(...threads);
    const engines = ['cnn2mlp-cnn', 'cnn2mlp-mlp-csr', 'cnn2mlp-mlp-dense'];
    progress.grow(sides.length * engines.length);
    const pts: Array<{ n: number; engine: string; ms: number }> = [];
    for (const n of sides) {
      const model = threeConvNet({ side: n, stride: 2, filters: [8, 16, 16], dense: [10], seed: 11 });
      const counts = cnnCounts(model);
      const x = seededUniform(n * n * 3, n, 0, 1);
      let ref: Float32Array | undefined;
      const wl = `sweep-n${n}`;
      for (const engine of engines) {
        let runner: Runner | undefined;
        let mlp: Mlp | undefined;
        try {
          if (engine === 'cnn2mlp-cnn') {
            if (!avail.cnn) throw new Error('runCnn is not in this build');
            runner = await cnnRunner(model, t);
          } else {
            if (!avail.convert || !avail.mlpRun) throw new Error('convert/runMlp are not in this build');
            const format = engine.endsWith('dense') ? 'dense' : 'csr';
            if (format === 'dense' && denseBytesEstimate(counts) > denseBudget) throw new Error(`dense MLP ~${fmtBytes(denseBytesEstimate(counts))} exceeds the sweep budget ${fmtBytes(denseBudget)}`);
            mlp = await convertModel(model, format);
            runner = await mlpRunner(mlp, t);
          }
          const out = await runner.run(x, 1);
          if (!ref) ref = out;
          else check(wl, engine, 'cnn2mlp-cnn', out, ref, counts.maxFanIn, counts.layers);
          const timing = await timeIt(() => runner!.run(x, 1), timeOpts);
          const bytes = mlp ? mlp.bytes : counts.bytes;
          const flops = 2 * (mlp ? mlp.layers.reduce((s, l) => s + l.nnz, 0) : counts.macs);
          record({ section: 'scaling', workload: wl, engine, batch: 1, threads: t, flops, bytes, timing, params: { n } });
          pts.push({ n, engine, ms: timing.medianMs });
        } catch (e) {
          skip('scaling', `${wl} ${engine}`, errMsg(e));
        } finally {
          runner?.dispose();
          mlp?.dispose();
        }
        progress.tick(`${wl} ${engine}`);
      }
    }
    const slopes: Record<string, number> = {};
    for (const e of engines) {
      const p = pts.filter((q) => q.engine === e);
      // small n is dominated by fixed per-call costs: fit the upper half of the sweep
      const upper = p.slice(Math.floor(p.length / 2));
      const s = logLogSlope(upper.map((q) => q.n), upper.map((q) => q.ms));
      if (Number.isFinite(s)) slopes[e] = s;
    }
    results.scaling = { slopes, theory: { 'cnn2mlp-cnn': 2, 'cnn2mlp-mlp-csr': 2, 'cnn2mlp-mlp-dense': 4 } };
  }

  // ---- 6. dense vs sparse crossover by density -----------------------------------------------
  if (models.includes('crossover')) {
    const rows = quick ? 256 : 2048;
    const cols = quick ? 512 : 4096;
    const densities = quick ? [1, 0.3, 0.1, 0.03] : [1, 0.7, 0.5, 0.3, 0.2, 0.15, 0.1, 0.07, 0.05, 0.03, 0.02, 0.01, 0.005];
    const t = Math.max(...threads);
    const xBatches = [...new Set([1, quick ? 4 : 32])];
    progress.grow(densities.length * xBatches.length);
    if (!avail.mlpRun) {
      skip('crossover', 'dense vs CSR', avail.missing.find((m) => m.startsWith('runMlp')) ?? 'runMlp missing');
      densities.forEach(() => xBatches.forEach(() => progress.tick('crossover (skipped)')));
    } else {
      const lim = Math.sqrt(6 / cols);
      const full = seededUniform(rows * cols, 4242, -lim, lim);
      const mags = Float32Array.from(full, Math.abs).sort();
      const bias = seededUniform(rows, 4243, -0.05, 0.05);
      const x = seededUniform(Math.max(...xBatches) * cols, 4244, 0, 1);
      const found: Record<number, Array<{ d: number; dense: number; csr: number }>> = {};
      for (const d of densities) {
        // magnitude pruning: keep the largest round(d·N) entries
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
        const nnz = idx.length;
        let dense: Mlp | undefined;
        let csr: Mlp | undefined;
        try {
          dense = await mlpFromLayers(cols, [{ format: 'dense', rows, cols, values: pruned, bias }]);
          csr = await mlpFromLayers(cols, [{ format: 'csr', rows, cols, rowPtr, colIdx: Int32Array.from(idx), values: Float32Array.from(vals), bias }]);
          const rd = await mlpRunner(dense, t);
          const rc = await mlpRunner(csr, t);
          const bMax = Math.max(...xBatches);
          check(`crossover-d${d}`, 'cnn2mlp-mlp-csr', 'cnn2mlp-mlp-dense', await rc.run(x, bMax), await rd.run(x, bMax), cols, 1);
          for (const b of xBatches) {
            const xb = x.subarray(0, b * cols);
            const td = await timeIt(() => rd.run(xb, b), timeOpts);
            const tc = await timeIt(() => rc.run(xb, b), timeOpts);
            const act = (rows + cols) * 4 * b;
            record({ section: 'crossover', workload: `crossover-${rows}x${cols}`, engine: 'cnn2mlp-mlp-dense', batch: b, threads: t, flops: 2 * rows * cols * b, bytes: dense.bytes + act, timing: td, params: { density: d, nnz } });
            record({ section: 'crossover', workload: `crossover-${rows}x${cols}`, engine: 'cnn2mlp-mlp-csr', batch: b, threads: t, flops: 2 * nnz * b, bytes: csr.bytes + act, timing: tc, params: { density: d, nnz } });
            (found[b] ??= []).push({ d, dense: td.medianMs, csr: tc.medianMs });
            progress.tick(`crossover d=${d} b${b}`);
          }
        } catch (e) {
          skip('crossover', `density ${d}`, errMsg(e));
          xBatches.forEach(() => progress.tick('crossover (failed)'));
        } finally {
          dense?.dispose();
          csr?.dispose();
        }
      }
      results.crossover = xBatches.map((b) => ({ batch: b, rows, cols, crossoverDensity: crossoverDensity(found[b] ?? []) }));
    }
  }

  progress.stop();
  results.durationMs = Number(process.hrtime.bigint() - started) / 1e6;

  // ---- files -----------------------------------------------------------------------------------
  fs.mkdirSync(outDir, { recursive: true });
  const stamp = results.meta.date.replace(/[:]/g, '').replace(/\..*$/, '').replace('T', '-');
  const base = path.join(outDir, `${stamp}-${results.meta.host.replace(/[^A-Za-z0-9._-]/g, '_')}`);
  const svgs: string[] = [];
  const plot = async (name: string, spec: Parameters<typeof renderSvg>[0]) => {
    const file = `${base}-${name}.svg`;
    try {
      writeAtomic(file, await renderSvg(spec));
      svgs.push(file);
    } catch (e) {
      results.skipped.push({ section: 'plots', what: `${name}.svg`, reason: errMsg(e) });
    }
  };
  const maxT = Math.max(...threads);
  const peak = peakAt(maxT);
  const bw = bwAt(maxT);
  const roofPts: RooflinePoint[] = results.measurements
    .filter((m) => m.threads === maxT && m.bytes > 0 && m.section !== 'scaling')
    .map((m) => ({ label: m.section === 'crossover' ? `crossover ${m.engine}` : `${m.workload} ${m.engine}`, config: `batch ${m.batch}`, intensity: m.flops / m.bytes, gflops: m.gflops }));
  if (peak && bw && roofPts.length) await plot('roofline', rooflineSpec(roofPts, peak / 1e9, bw / 1e9, `Roofline, ${maxT} threads (${cpu.brand})`));
  if (results.scaling) {
    const pts = results.measurements.filter((m) => m.section === 'scaling').map((m) => ({ n: m.params!.n, engine: m.engine, ms: m.timing.medianMs }));
    if (pts.length) await plot('scaling', scalingSpec(pts, results.scaling.slopes, 'Time vs input side n (3-conv net, stride 2)'));
  }
  if (results.crossover) {
    const pts = results.measurements
      .filter((m) => m.section === 'crossover')
      .map((m) => ({ density: m.params!.density, format: m.engine.endsWith('csr') ? 'CSR' : 'dense', batch: m.batch, ms: m.timing.medianMs }));
    if (pts.length) await plot('crossover', crossoverSpec(pts, `Dense vs CSR by density (${results.crossover[0]?.rows}×${results.crossover[0]?.cols})`));
  }
  const markdown = renderMarkdown(results, svgs.map((s) => path.basename(s)));
  writeAtomic(`${base}.json`, JSON.stringify(results, null, 2));
  writeAtomic(`${base}.md`, markdown);
  const files = { json: `${base}.json`, markdown: `${base}.md`, svgs };
  if (options.noPrint ?? options.onProgress !== undefined) {
    /* the caller prints */
  } else if (options.json) process.stdout.write(`${JSON.stringify(results)}\n`);
  else process.stdout.write(`${markdown}\nWrote ${files.json}, ${files.markdown} and ${svgs.length} SVG plot(s).\n`);
  return { results, summary: markdown, files };
}

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

/** The Markdown report: meta, then one table per section, checks and skips. */
export function renderMarkdown(r: BenchResults, svgNames: string[] = []): string {
  const L: string[] = [];
  const m = r.meta;
  L.push(`# cnn2mlp benchmark — ${m.date}`, '');
  L.push(`- CPU: ${m.cpu.brand} (${m.cpu.vendor}), ${m.cpu.logicalCores} logical cores; ISAs ${m.cpu.isas.join(', ')}; active ${m.cpu.activeIsa}`);
  L.push(`- Memory: ${fmtBytes(m.memoryBytes.total)} total, ${fmtBytes(m.memoryBytes.availableAtStart)} available at start`);
  L.push(`- Node ${m.node} (${m.platform}), cnn2mlp ${m.versions.cnn2mlp}, git ${m.git.commit.slice(0, 12)}${m.git.dirty ? ' (dirty)' : ''}`);
  L.push(`- Peers: ${Object.entries(m.versions).filter(([k]) => k !== 'cnn2mlp' && k !== 'napi' && k !== 'v8').map(([k, v]) => `${k} ${v}`).join(', ')}`);
  for (const p of m.peers) L.push(`- tfjs ${p.backend}: ${p.note}`);
  L.push(`- Mode: ${m.quick ? 'quick (CI-sized shapes)' : 'full'}; batches ${m.options.batches.join(', ')}; threads ${m.options.threads.join(', ')}; budget ${m.options.budgetMs} ms per configuration; run took ${(r.durationMs / 1000).toFixed(1)} s`);
  L.push(`- ${m.note}`, '');

  // Headline: cnn2mlp ÷ peer time ratios, one row per workload × peer, one column per batch × threads.
  if (r.peerRatios.length) {
    const cfgs = [...new Set(r.peerRatios.map((p) => `b${p.batch} t${p.threads}`))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    const keys = [...new Set(r.peerRatios.map((p) => `${p.workload}|${p.engine}|${p.peer}`))];
    L.push('## Headline: cnn2mlp time ÷ peer time (below 1: cnn2mlp faster)', '');
    L.push(
      table(
        ['workload', 'cnn2mlp engine', 'peer', ...cfgs],
        keys.map((k) => {
          const [wl, engine, peer] = k.split('|');
          return [wl, engine, peer, ...cfgs.map((c) => {
            const p = r.peerRatios.find((x) => x.workload === wl && x.engine === engine && x.peer === peer && `b${x.batch} t${x.threads}` === c);
            return p ? p.ratio.toFixed(2) : '–';
          })];
        }),
      ),
      '',
    );
  }

  L.push('## 1. Machine limits', '');
  if (r.machine)
    L.push(
      table(
        ['threads', 'read bandwidth (GB/s)', 'fp32 FMA peak (GFLOP/s)'],
        r.machine.readBandwidth.map((b, i) => [String(b.threads), (b.bytesPerSecond / 1e9).toFixed(1), ((r.machine!.fmaPeak[i]?.flopsPerSecond ?? NaN) / 1e9).toFixed(1)]),
      ),
      '',
    );
  else L.push('Not measured (see Skipped).', '');

  L.push("## 2. The seed's table", '', 'Exact sizes per sample; times are medians (ms per call, whole batch), p10–p90 in the JSON.', '');
  const seedWls = [...new Set(r.workloads.filter((w) => w.workload.startsWith('seed')).map((w) => w.workload))];
  const cfgs = m.options.batches.flatMap((b) => m.options.threads.map((t) => [b, t] as const));
  const engOf: Record<string, string> = { cnn: 'cnn2mlp-cnn', 'mlp-dense': 'cnn2mlp-mlp-dense', 'mlp-csr': 'cnn2mlp-mlp-csr' };
  const rows: string[][] = [];
  for (const wl of seedWls)
    for (const w of r.workloads.filter((x) => x.workload === wl)) {
      const times = cfgs.map(([b, t]) => fmtMs(r.measurements.find((x) => x.workload === wl && x.engine === engOf[w.engine] && x.batch === b && x.threads === t)?.timing.medianMs));
      const pub = w.published ? `${fmtInt(w.published.macs ?? NaN)} MACs, ${fmtInt(w.published.weights ?? NaN)} w, ${w.published.ms}` : '–';
      rows.push([wl, w.engine, fmtInt(w.macs), fmtInt(w.weights), fmtInt(w.nonzeros), fmtBytes(w.bytes), ...times, pub]);
    }
  if (rows.length) L.push(table(['workload', 'form', 'MACs', 'weights', 'nonzeros', 'bytes', ...cfgs.map(([b, t]) => `b${b} t${t} ms`), 'seed published'], rows), '');
  else L.push('No seed workloads run.', '');

  L.push(
    '## 3. Fraction of the limits',
    '',
    'GFLOP/s = 2·MACs·batch / median; GB/s = (weights + activations) bytes / median; AI = FLOP/byte. The read bandwidth is DRAM bandwidth: ' +
      'a working set that stays in cache between calls (the CNNs, the small CSR MLPs) can exceed 100% of it. The limits are measured once at ' +
      'the start, on a shared machine: a peak measured while other jobs ran can be exceeded later.',
    '',
  );
  const fr = r.measurements.filter((x) => x.section === 'seed' || x.section === 'peers');
  if (fr.length)
    L.push(
      table(
        ['workload', 'engine', 'batch', 'threads', 'median ms', 'GFLOP/s', '% FMA peak', 'GB/s', '% read BW', 'AI'],
        fr.map((x) => [x.workload, x.engine, String(x.batch), String(x.threads), fmtMs(x.timing.medianMs), x.gflops.toFixed(2), pct(x.fracPeak), x.gbps.toFixed(2), pct(x.fracBandwidth), (x.flops / x.bytes).toFixed(2)]),
      ),
      '',
    );
  if (svgNames.find((s) => s.endsWith('roofline.svg'))) L.push(`![roofline](${svgNames.find((s) => s.endsWith('roofline.svg'))})`, '');

  L.push('## 4. Peers on identical work', '', 'Same weights and inputs; outputs checked equal (section 7) before timing. ratio = cnn2mlp ms ÷ peer ms (below 1: cnn2mlp faster).', '');
  const peerRows = r.measurements.filter((x) => x.section === 'peers');
  if (peerRows.length)
    L.push(
      table(
        ['workload', 'peer', 'batch', 'threads', 'peer ms (p10–p90)', 'cnn2mlp ms', 'ratio'],
        peerRows.map((x) => {
          const pr = r.peerRatios.find((p) => p.workload === x.workload && p.peer === x.engine && p.batch === x.batch && p.threads === x.threads);
          return [x.workload, x.engine, String(x.batch), String(x.threads), `${fmtMs(x.timing.medianMs)} (${fmtMs(x.timing.p10Ms)}–${fmtMs(x.timing.p90Ms)})`, fmtMs(pr?.cnn2mlpMs), pr ? pr.ratio.toFixed(2) : '–'];
        }),
      ),
      '',
    );
  else L.push('No peers run.', '');

  L.push('## 5. Scaling with input side n', '');
  const sc = r.measurements.filter((x) => x.section === 'scaling');
  if (r.scaling && sc.length) {
    const ns = [...new Set(sc.map((x) => x.params!.n))].sort((a, b) => a - b);
    const engines = Object.keys(r.scaling.theory);
    L.push(table(['n', ...engines.map((e) => `${e} ms`)], ns.map((n) => [String(n), ...engines.map((e) => fmtMs(sc.find((x) => x.params!.n === n && x.engine === e)?.timing.medianMs))])), '');
    L.push(table(['engine', 'fitted slope (upper half of n)', 'theory'], engines.map((e) => [e, r.scaling!.slopes[e]?.toFixed(2) ?? '–', `n^${r.scaling!.theory[e]}`])), '');
    if (svgNames.find((s) => s.endsWith('scaling.svg'))) L.push(`![scaling](${svgNames.find((s) => s.endsWith('scaling.svg'))})`, '');
  } else L.push('Not run (see Skipped).', '');

  L.push('## 6. Dense vs CSR crossover', '');
  const cx = r.measurements.filter((x) => x.section === 'crossover');
  if (r.crossover && cx.length) {
    const ds = [...new Set(cx.map((x) => x.params!.density))].sort((a, b) => b - a);
    const bs = [...new Set(cx.map((x) => x.batch))];
    L.push(
      table(
        ['density', ...bs.flatMap((b) => [`dense b${b} ms`, `CSR b${b} ms`])],
        ds.map((d) => [String(d), ...bs.flatMap((b) => ['dense', 'csr'].map((f) => fmtMs(cx.find((x) => x.params!.density === d && x.batch === b && x.engine.endsWith(f))?.timing.medianMs)))]),
      ),
      '',
    );
    for (const c of r.crossover) L.push(`- ${c.rows}×${c.cols}, batch ${c.batch}: CSR beats dense below density ${c.crossoverDensity === null ? '– (no crossing in the range)' : c.crossoverDensity.toFixed(3)}`);
    L.push('');
    if (svgNames.find((s) => s.endsWith('crossover.svg'))) L.push(`![crossover](${svgNames.find((s) => s.endsWith('crossover.svg'))})`, '');
  } else L.push('Not run (see Skipped).', '');

  L.push('## 7. Equivalence checks', '');
  if (r.checks.length)
    L.push(table(['workload', 'candidate', 'reference', 'max abs diff', 'tolerance', 'passed'], r.checks.map((c) => [c.workload, c.candidate, c.reference, c.maxAbsErr.toExponential(2), c.tolerance.toExponential(2), c.passed ? 'yes' : '**NO**'])), '');
  else L.push('None ran.', '');
  L.push('## Skipped', '');
  if (r.skipped.length) L.push(table(['section', 'what', 'reason'], r.skipped.map((s) => [s.section, s.what, s.reason.replace(/\|/g, '\\|')])), '');
  else L.push('Nothing.', '');
  return L.join('\n');
}
