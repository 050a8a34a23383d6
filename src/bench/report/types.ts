/**
 * The benchmark report's data: its options, and the results document written as JSON
 * (bench/results.schema.json describes the same shape; a test validates one against the other).
 */
import type { Timing } from '../harness.js';
import type { TfjsBackendInfo } from '../peers/tfjs.js';

export type BenchModel = 'seed2' | 'seed3' | 'sweep' | 'crossover';
export const BENCH_MODELS: readonly BenchModel[] = ['seed2', 'seed3', 'sweep', 'crossover'];

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

/** Machine limits, in bytes/s and FLOP/s, at 1 and all threads. */
export interface MeasuredLimits {
  readBandwidth: Array<{ threads: number; bytesPerSecond: number }>;
  fmaPeak: Array<{ threads: number; flopsPerSecond: number }>;
  source: string;
}

/** One timed configuration. Throughputs are per call; `flops` = 2 × MACs × batch. */
export interface Measurement {
  section: 'seed' | 'peers' | 'scaling' | 'crossover';
  workload: string;
  engine: string;
  /** registry name of the native kernel doing the main op (cnn2mlp engines, when the addon lists its kernels) */
  kernel?: string;
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
  /** 'bf16': the candidate's weights are rounded to bf16, so the tolerance is bf16Tolerance() */
  precision?: 'bf16';
  /** bf16 candidates: samples whose argmax differs from the reference's */
  argmaxDiffers?: number;
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

export interface Scaling {
  slopes: Record<string, number>;
  theory: Record<string, number>;
}

export interface Crossover {
  batch: number;
  rows: number;
  cols: number;
  crossoverDensity: number | null;
}

export interface BenchMeta {
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
}

export interface BenchResults {
  schemaVersion: 1;
  meta: BenchMeta;
  machine: MeasuredLimits | null;
  workloads: WorkloadStats[];
  measurements: Measurement[];
  peerRatios: PeerRatio[];
  scaling: Scaling | null;
  crossover: Crossover[] | null;
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

/** What one section adds to the results: its rows, in the order they were measured. */
export interface Part {
  workloads: WorkloadStats[];
  measurements: Measurement[];
  peerRatios: PeerRatio[];
  checks: Check[];
  skipped: Skip[];
}

export const emptyPart = (): Part => ({ workloads: [], measurements: [], peerRatios: [], checks: [], skipped: [] });

/** The parts joined in order. */
export function joinParts(...parts: Part[]): Part {
  const out = emptyPart();
  for (const p of parts) for (const k of Object.keys(out) as Array<keyof Part>) (out[k] as unknown[]).push(...p[k]);
  return out;
}
