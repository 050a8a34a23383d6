/**
 * Timing harness for the benchmarks: warm-up, then repetitions until a time budget (or a rep cap)
 * is spent, timed one call at a time with process.hrtime.bigint(). Summaries are order statistics
 * (median, p10/p90, quartiles, min) because a shared machine's noise is one-sided and heavy-tailed:
 * the mean would follow the outliers.
 */
import { SingleBar, Presets } from 'cli-progress';

/** Options for one measurement. Times are milliseconds. */
export interface TimeOptions {
  /** untimed calls before measuring (JIT, page faults, caches, thread-pool spin-up); default 2 */
  warmup?: number;
  /** stop once this much time has been measured; default 1000 ms */
  budgetMs?: number;
  /** at least this many timed calls, even past the budget; default 5 */
  minReps?: number;
  /** at most this many timed calls; default 1000 */
  maxReps?: number;
}

/** Summary of one measurement; every time is in milliseconds per call. */
export interface Timing {
  reps: number;
  warmup: number;
  medianMs: number;
  p10Ms: number;
  p90Ms: number;
  q1Ms: number;
  q3Ms: number;
  minMs: number;
  maxMs: number;
  meanMs: number;
  /** total measured time, ms */
  totalMs: number;
}

/** Linear-interpolated quantile q ∈ [0, 1] of an ascending array (type 7, as R and numpy default). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Order statistics of a list of per-call times (ms). */
export function summarize(samples: readonly number[], warmup = 0): Timing {
  const s = [...samples].sort((a, b) => a - b);
  const total = s.reduce((a, b) => a + b, 0);
  return {
    reps: s.length,
    warmup,
    medianMs: quantile(s, 0.5),
    p10Ms: quantile(s, 0.1),
    p90Ms: quantile(s, 0.9),
    q1Ms: quantile(s, 0.25),
    q3Ms: quantile(s, 0.75),
    minMs: s[0] ?? NaN,
    maxMs: s[s.length - 1] ?? NaN,
    meanMs: s.length ? total / s.length : NaN,
    totalMs: total,
  };
}

const nowNs = () => process.hrtime.bigint();

/**
 * Times `fn` (sync or async): `warmup` untimed calls, then timed calls until `budgetMs` is used up,
 * with at least `minReps` and at most `maxReps`. Each call is timed on its own, so the summary
 * shows the spread, not just an average.
 */
export async function timeIt(fn: () => unknown | Promise<unknown>, options: TimeOptions = {}): Promise<Timing> {
  const warmup = options.warmup ?? 2;
  const budgetNs = BigInt(Math.round((options.budgetMs ?? 1000) * 1e6));
  const minReps = Math.max(1, options.minReps ?? 5);
  const maxReps = Math.max(minReps, options.maxReps ?? 1000);
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  let spent = 0n;
  while (samples.length < maxReps && (samples.length < minReps || spent < budgetNs)) {
    const t0 = nowNs();
    await fn();
    const dt = nowNs() - t0;
    spent += dt;
    samples.push(Number(dt) / 1e6);
  }
  return summarize(samples, warmup);
}

/** Throughput helpers: GFLOP/s for `flops` per call, GB/s for `bytes` per call, at a time in ms. */
export const gflops = (flops: number, ms: number): number => flops / (ms * 1e-3) / 1e9;
export const gbps = (bytes: number, ms: number): number => bytes / (ms * 1e-3) / 1e9;

/**
 * Progress reporting: a cli-progress bar on a TTY, one plain line per step otherwise, and nothing
 * at all in quiet mode (the `--json` mode keeps stdout for the JSON; progress goes to stderr).
 */
export class Progress {
  #bar: SingleBar | undefined;
  #done = 0;
  #total: number;
  readonly #quiet: boolean;
  readonly #stream: NodeJS.WriteStream;
  readonly #onLine: ((line: string) => void) | undefined;

  /** `onLine`: a host (the CLI) takes every progress line instead of a bar or stderr. */
  constructor(total: number, options: { quiet?: boolean; stream?: NodeJS.WriteStream; onLine?: (line: string) => void } = {}) {
    this.#total = total;
    this.#quiet = options.quiet ?? false;
    this.#stream = options.stream ?? process.stderr;
    this.#onLine = options.onLine;
    if (!this.#quiet && !this.#onLine && this.#stream.isTTY) {
      this.#bar = new SingleBar(
        { format: 'bench [{bar}] {value}/{total} {step}', stream: this.#stream, hideCursor: true, clearOnComplete: true },
        Presets.shades_classic,
      );
      this.#bar.start(total, 0, { step: '' });
    }
  }

  /** Adds `n` more steps to the total (sections learn their size as they go). */
  grow(n: number): void {
    this.#total += n;
    this.#bar?.setTotal(this.#total);
  }

  /** Marks one step done with a label. */
  tick(label: string): void {
    this.#done++;
    if (this.#quiet) return;
    if (this.#onLine) this.#onLine(`[${this.#done}/${this.#total}] ${label}`);
    else if (this.#bar) this.#bar.update(this.#done, { step: label });
    else this.#stream.write(`[${this.#done}/${this.#total}] ${label}\n`);
  }

  /** A free-form note (skips, reasons); printed above the bar. */
  note(msg: string): void {
    if (this.#quiet) return;
    if (this.#onLine) this.#onLine(msg);
    else if (this.#bar) {
      this.#bar.stop();
      this.#stream.write(`${msg}\n`);
      this.#bar.start(this.#total, this.#done, { step: '' });
    } else this.#stream.write(`${msg}\n`);
  }

  stop(): void {
    this.#bar?.stop();
    this.#bar = undefined;
  }
}
