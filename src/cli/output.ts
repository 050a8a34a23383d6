/**
 * How every subcommand talks: results on stdout (JSON alone with --json), progress on stderr
 * (a cli-progress bar on a TTY for any stage past a second, one line per such stage otherwise,
 * nothing with --json), and errors as one line on stderr with a non-zero exit code.
 */
import { createRequire } from 'node:module';
import { Cnn2MlpError } from '../errors.js';

const require = createRequire(import.meta.url);

/** Stages shorter than this show nothing. */
const STAGE_QUIET_MS = 1000;

export interface OutputOptions {
  json?: boolean;
}

/** A progress reporter for `total` steps. */
export interface Progress {
  tick(steps?: number): void;
  stop(): void;
}

export class Output {
  readonly json: boolean;
  constructor(o: OutputOptions = {}) {
    this.json = !!o.json;
  }

  /** A human-readable line on stdout (suppressed with --json). */
  line(text = ''): void {
    if (!this.json) process.stdout.write(text + '\n');
  }

  /** The machine-readable result (printed only with --json). */
  result(value: unknown): void {
    if (this.json) process.stdout.write(toJson(value) + '\n');
  }

  /** A remark for the user on stderr (an estimate, a warning); suppressed with --json. */
  note(text: string): void {
    if (!this.json) process.stderr.write(text + '\n');
  }

  /**
   * Runs one stage of work (load, convert, write …) and returns its value and duration. A stage
   * that lasts over a second shows a bar on a TTY (a percentage when `work` reports progress,
   * elapsed time otherwise) and leaves one line `label: done in 2.3 s` on stderr, TTY or not.
   */
  async stage<T>(label: string, work: (progress: (done: number, total: number) => void) => Promise<T>): Promise<{ value: T; ms: number }> {
    const t0 = performance.now();
    let done = 0;
    let total = 0;
    let bar: import('cli-progress').SingleBar | undefined;
    const tty = !this.json && !!process.stderr.isTTY;
    const timer = tty
      ? setTimeout(() => {
          const { SingleBar, Presets } = require('cli-progress') as typeof import('cli-progress');
          const format = total > 0 ? `${label.padEnd(17)} {bar} {percentage}% | {duration_formatted}` : `${label.padEnd(17)} … {duration_formatted}`;
          bar = new SingleBar({ format, stream: process.stderr, hideCursor: true, clearOnComplete: true, fps: 5 }, Presets.shades_classic);
          bar.start(Math.max(total, 1), total > 0 ? done : 0);
        }, STAGE_QUIET_MS)
      : undefined;
    const progress = (d: number, t: number) => {
      done = d;
      total = t;
      if (bar && t > 0) {
        bar.setTotal(t);
        bar.update(d);
      }
    };
    try {
      return { value: await work(progress), ms: performance.now() - t0 };
    } finally {
      if (timer) clearTimeout(timer);
      bar?.stop();
      const ms = performance.now() - t0;
      if (!this.json && ms >= STAGE_QUIET_MS) process.stderr.write(`${label}: done in ${(ms / 1000).toFixed(1)} s\n`);
    }
  }

  /** Progress over `total` steps on stderr: a bar on a TTY, one plain line at the end otherwise. */
  progress(label: string, total: number): Progress {
    if (this.json || total <= 0) return { tick() {}, stop() {} };
    if (process.stderr.isTTY) {
      const { SingleBar, Presets } = require('cli-progress') as typeof import('cli-progress');
      const bar = new SingleBar(
        { format: `${label.padEnd(17)} {bar} {percentage}% | {value}/{total} | {duration_formatted}`, stream: process.stderr, hideCursor: true, clearOnComplete: true },
        Presets.shades_classic,
      );
      bar.start(total, 0);
      return { tick: (n = 1) => bar.increment(n), stop: () => bar.stop() };
    }
    // not a terminal: one line when the stage is done
    let done = 0;
    const t0 = performance.now();
    return {
      tick(n = 1) {
        done += n;
      },
      stop() {
        process.stderr.write(`${label}: ${done}/${total} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
      },
    };
  }
}

/** JSON with typed arrays as arrays, bigints as numbers (or strings past 2^53) and no NaN surprises. */
export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(
    value,
    (_k, v) => {
      if (typeof v === 'bigint') return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
      if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
      if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
      return v;
    },
    indent,
  );
}

/** A check that ran and failed (verify past tolerance, demo not equivalent): exit code 1, no error code. */
export class CheckFailed extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CheckFailed';
    this.exitCode = exitCode;
  }
}

/** Exit code of a verification in which a reference could not run (and --allow-missing-peers was not given). */
export const EXIT_INCOMPLETE = 3;

/** The exit code and the one stderr line for an error. */
export function describeError(err: unknown): { line: string; exitCode: number } {
  if (err instanceof CheckFailed) return { line: `cnn2mlp: ${firstLine(err.message)}`, exitCode: err.exitCode };
  if (err instanceof Cnn2MlpError) return { line: `cnn2mlp: ${firstLine(err.message)} (${err.code})`, exitCode: 1 };
  const e = err as { message?: string; code?: string };
  const code = typeof e?.code === 'string' ? ` (${e.code})` : '';
  return { line: `cnn2mlp: ${firstLine(e?.message ?? String(err))}${code}`, exitCode: 1 };
}

function firstLine(s: string): string {
  return s.split('\n').find((l) => l.trim().length > 0)?.trim() ?? s;
}

/** Formats an integer with thousands separators: 12,355,840. */
export function int(n: number | bigint): string {
  return typeof n === 'bigint' ? n.toLocaleString('en-US') : Math.round(n).toLocaleString('en-US');
}

/** Formats a byte count: 1.23 MB (decimal units). */
export function bytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)} ${units[i]}`;
}

/** A plain text table: first row is the header; numeric-looking cells right-aligned. */
export function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const num = /^[-+]?[\d,.]+(\s?\S+)?$|^[\d.]+e[-+]\d+$/;
  return rows
    .map((r, i) => {
      const cells = r.map((cell, c) => (i > 0 && c > 0 && num.test(cell) ? cell.padStart(widths[c]) : cell.padEnd(widths[c])));
      const line = cells.join('  ').trimEnd();
      return i === 0 ? `${line}\n${widths.map((w) => '─'.repeat(w)).join('  ')}` : line;
    })
    .join('\n');
}
