/**
 * What every report section shares: the resolved options and machine limits (read-only), and a
 * Recorder that collects one section's rows into the Part it returns. Sections never touch the
 * results document; runBenchmarks joins their parts in order.
 */
import { native } from '../../native.js';
import { Progress, gflops, gbps, type TimeOptions } from '../harness.js';
import type { Availability } from '../engines.js';
import { kernelFor, kernelsInUse, type KernelEngine, type KernelOp } from '../kernels.js';
import type { TfjsBackendInfo } from '../peers/tfjs.js';
import { emptyPart, type BenchModel, type BenchOptions, type MeasuredLimits, type Measurement, type Part, type PeerRatio, type WorkloadStats } from './types.js';

export interface BenchContext {
  quick: boolean;
  models: BenchModel[];
  batches: number[];
  threads: number[];
  budgetMs: number;
  usePeers: boolean;
  sweepDenseBudgetBytes: number;
  timeOpts: TimeOptions;
  progress: Progress;
  avail: Availability;
  /** the kernel in use for each op (empty for an addon without the registry) */
  kernels: ReadonlyMap<KernelOp, string>;
  machine: MeasuredLimits | null;
  /** tfjs backends are process-global: what each peer ran on, in first-use order */
  tfjs: Map<'cpu' | 'wasm', TfjsBackendInfo>;
}

/** The options with their defaults filled in; `machine` is set once measured. */
export function resolveContext(options: BenchOptions, avail: Availability): BenchContext {
  const quick = options.quick ?? false;
  const budgetMs = options.budgetMs ?? (quick ? 60 : 1500);
  return {
    quick,
    models: options.models ?? ['seed2', 'seed3', 'sweep', 'crossover'],
    batches: options.batches ?? (quick ? [1, 4] : [1, 32]),
    threads: options.threads ?? [...new Set([1, native().cpuInfo().logicalCores])],
    budgetMs,
    usePeers: options.peers ?? true,
    sweepDenseBudgetBytes: options.sweepDenseBudgetBytes ?? (quick ? 64e6 : 4e9),
    timeOpts: { warmup: quick ? 1 : 2, budgetMs, minReps: quick ? 3 : 5, maxReps: quick ? 50 : 500 },
    progress: new Progress(0, { quiet: options.silent ?? false, onLine: options.onProgress }),
    avail,
    kernels: kernelsInUse(),
    machine: null,
    tfjs: new Map(),
  };
}

/** FMA peak (FLOP/s) and read bandwidth (bytes/s) measured at `threads`, when measured. */
export function limitsAt(machine: MeasuredLimits | null, threads: number): { peak?: number; bandwidth?: number } {
  return {
    peak: machine?.fmaPeak.find((p) => p.threads === threads)?.flopsPerSecond,
    bandwidth: machine?.readBandwidth.find((p) => p.threads === threads)?.bytesPerSecond,
  };
}

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

/**
 * Tolerance for an MLP whose weights were rounded to bf16 against an fp32 evaluation: rounding
 * each weight moves an output by at most u·Σ|w·x| (u = 2^-9, no cancellation assumed), per layer,
 * with Σ|terms| ≤ 8·(1 + max|ref|) as in tolerance(); plus the fp32 reordering tolerance. Loose
 * for a sum of independent roundings, still far below the O(max|ref|) of a wrong weight or index.
 */
export function bf16Tolerance(reference: Float32Array, maxFanIn: number, layers: number): number {
  let m = 0;
  for (const v of reference) m = Math.max(m, Math.abs(v));
  return 8 * 2 ** -9 * layers * (1 + m) + tolerance(reference, maxFanIn, layers);
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

/** Samples (rows of out.length / batch values) whose largest output sits at a different index. */
export function argmaxDiffers(out: Float32Array, ref: Float32Array, batch: number): number {
  const n = ref.length / batch;
  let differ = 0;
  for (let b = 0; b < batch; b++) {
    let i = 0, j = 0;
    for (let k = 1; k < n; k++) {
      if (out[b * n + k] > out[b * n + i]) i = k;
      if (ref[b * n + k] > ref[b * n + j]) j = k;
    }
    if (i !== j) differ++;
  }
  return differ;
}

/** The first line of an error's message. */
export const errMsg = (e: unknown): string => ((e as Error)?.message ?? String(e)).split('\n')[0];

export type MeasurementInput = Omit<Measurement, 'kernel' | 'gflops' | 'gbps' | 'fracPeak' | 'fracBandwidth'>;

const KERNEL_ENGINES: Record<string, KernelEngine> = {
  'cnn2mlp-cnn': 'cnn',
  'cnn2mlp-mlp-dense': 'mlp-dense',
  'cnn2mlp-mlp-csr': 'mlp-csr',
  'cnn2mlp-mlp-auto': 'mlp-auto',
  'cnn2mlp-mlp-dense-bf16': 'mlp-dense-bf16',
  'cnn2mlp-mlp-auto-bf16': 'mlp-auto-bf16',
};

/** Collects one section's rows; `part` is what the section returns. */
export class Recorder {
  readonly part: Part = emptyPart();
  constructor(private readonly ctx: BenchContext) {}

  /** A timed configuration, with its throughputs and fractions of the machine limits. */
  record(m: MeasurementInput): Measurement {
    const g = gflops(m.flops, m.timing.medianMs);
    const b = gbps(m.bytes, m.timing.medianMs);
    const { peak, bandwidth } = limitsAt(this.ctx.machine, m.threads);
    const engine = KERNEL_ENGINES[m.engine];
    const kernel = engine ? kernelFor(engine, m.batch, this.ctx.kernels) : undefined;
    const full: Measurement = {
      ...m,
      ...(kernel ? { kernel } : {}),
      gflops: g,
      gbps: b,
      fracPeak: peak ? (g * 1e9) / peak : null,
      fracBandwidth: bandwidth ? (b * 1e9) / bandwidth : null,
    };
    this.part.measurements.push(full);
    return full;
  }

  /**
   * Compares `out` with `ref` within tolerance() (bf16Tolerance() for an MLP of bf16 weights, which
   * also records how many of the `batch` samples change their argmax); a failure is recorded and
   * noted, not thrown.
   */
  check(workload: string, candidate: string, reference: string, out: Float32Array, ref: Float32Array, fanIn: number, layers: number, bf16?: { batch: number }): boolean {
    const err = maxAbsDiff(out, ref);
    const tol = bf16 ? bf16Tolerance(ref, fanIn, layers) : tolerance(ref, fanIn, layers);
    const passed = err <= tol;
    const approx = bf16 ? { precision: 'bf16' as const, argmaxDiffers: argmaxDiffers(out, ref, bf16.batch) } : {};
    this.part.checks.push({ workload, candidate, reference, maxAbsErr: Number.isFinite(err) ? err : -1, tolerance: tol, passed, ...approx });
    if (!passed) this.ctx.progress.note(`CHECK FAILED ${workload}: ${candidate} vs ${reference}: max |diff| ${err} > ${tol}`);
    return passed;
  }

  skip(section: string, what: string, reason: string): void {
    this.part.skipped.push({ section, what, reason });
    this.ctx.progress.note(`skip ${section}/${what}: ${reason}`);
  }

  /** The peer's time against cnn2mlp's on the same configuration. */
  ratio(p: Omit<PeerRatio, 'ratio'>): void {
    this.part.peerRatios.push({ ...p, ratio: p.cnn2mlpMs / p.peerMs });
  }

  workload(w: WorkloadStats): void {
    this.part.workloads.push(w);
  }
}
