/**
 * Runs a fuzz target in a child process and watches it from outside: a crash (signal or exit
 * code), a case that outlives the per-case deadline (the child announces each case on stdout), a
 * run without a result before the overall timeout, or an RSS above the cap (polled from
 * /proc/<pid>/status) kills the child and is reported as a failure with its stderr tail.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');

export interface ChildResult {
  target: string;
  seed: number;
  cases: number;
  ok: number;
  coded: Record<string, number>;
  /** labels a target returns for its results (the CLI target: 'exit 0', 'exit 1', 'exit 2') */
  outcomes: Record<string, number>;
  failures: { index: number; replay?: string; error?: string }[];
  skipped: string;
  deadlineMs: number;
  slowest: { index: number; ms: number };
  peakRssMb: number;
  maxCaseRssMb: number;
  seconds: number;
}

export interface Outcome {
  result?: ChildResult;
  exit: number | null;
  signal: string | null;
  killedFor?: string;
  peakPolledRssMb: number;
  stderrTail: string;
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** The per-case deadline (ms) unless a caller sets one; ×5 under the sanitizers (scripts/sanitize.sh), which slow everything down. */
export const CASE_DEADLINE_MS = 10_000 * (process.env.CNN2MLP_SANITIZED ? 5 : 1);

export function runFuzzChild(target: string, seed: number, cases: number, opts: { timeoutMs: number; rssCapMb: number; caseDeadlineMs?: number }): Promise<Outcome> {
  const caseDeadline = opts.caseDeadlineMs ?? CASE_DEADLINE_MS;
  const killAfter = Math.round(caseDeadline * 1.5 + 1000);
  return new Promise((resolve) => {
    // --no-expose-wasm keeps tsx's loader on its JS path; the library itself never uses wasm.
    // --expose-gc lets the child collect between cases, so RSS measures what a case holds, not
    // lazily collected garbage of earlier cases; a bounded old space turns a runaway JS heap into a crash.
    const child = spawn(process.execPath, ['--no-expose-wasm', '--expose-gc', '--max-old-space-size=512', '--import', 'tsx', path.join(here, 'child.ts'), target, String(seed), String(cases)], {
      cwd: repoRoot,
      env: { ...process.env, FUZZ_CASE_DEADLINE_MS: String(caseDeadline) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let killedFor: string | undefined;
    let peak = 0;
    let current: { index: number; since: number } | undefined;
    child.stdout.on('data', (d) => {
      out += d;
      // Keep only the unfinished tail of the heartbeats; the result line is kept whole.
      const cut = out.lastIndexOf('\n');
      const beats = [...out.slice(0, cut + 1).matchAll(/^FUZZ-CASE (\d+)$/gm)];
      if (beats.length) current = { index: Number(beats[beats.length - 1][1]), since: Date.now() };
      out = out.slice(0, cut + 1).replace(/^FUZZ-CASE \d+\n/gm, '') + out.slice(cut + 1);
    });
    child.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
    const poll = setInterval(() => {
      const r = rssMb(child.pid!);
      peak = Math.max(peak, r);
      if (r > opts.rssCapMb && !killedFor) {
        killedFor = `RSS ${r.toFixed(0)} MB above the ${opts.rssCapMb} MB cap`;
        child.kill('SIGKILL');
      }
      // A late case that ends is the child's to report (with its time); one that does not end is killed.
      if (current && Date.now() - current.since > killAfter && !killedFor) {
        killedFor = `case ${current.index} ran past the ${caseDeadline} ms per-case deadline (killed after ${killAfter} ms; replay: node --expose-gc --import tsx test/fuzz/child.ts ${target} ${seed} ${cases} ${current.index})`;
        child.kill('SIGKILL');
      }
    }, 25);
    const timer = setTimeout(() => {
      killedFor = `no result after ${opts.timeoutMs} ms (hang?)`;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.on('close', (exit, signal) => {
      clearInterval(poll);
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('FUZZ-RESULT '));
      resolve({ result: line ? (JSON.parse(line.slice(12)) as ChildResult) : undefined, exit, signal, killedFor, peakPolledRssMb: peak, stderrTail: err.slice(-2000) });
    });
  });
}
