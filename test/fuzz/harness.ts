/**
 * Runs a fuzz target in a child process and watches it from outside: a crash (signal or exit
 * code), a hang (no result before the deadline) or an RSS above the cap (polled from
 * /proc/<pid>/status, the child is killed) is reported as a failure with the child's stderr tail.
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
  failures: { index: number; replay?: string; error?: string }[];
  skipped: string;
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

export function runFuzzChild(target: string, seed: number, cases: number, opts: { timeoutMs: number; rssCapMb: number }): Promise<Outcome> {
  return new Promise((resolve) => {
    // --no-expose-wasm keeps tsx's loader on its JS path; the library itself never uses wasm.
    // --expose-gc lets the child collect between cases, so RSS measures what a case holds, not
    // lazily collected garbage of earlier cases; a bounded old space turns a runaway JS heap into a crash.
    const child = spawn(process.execPath, ['--no-expose-wasm', '--expose-gc', '--max-old-space-size=512', '--import', 'tsx', path.join(here, 'child.ts'), target, String(seed), String(cases)], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let killedFor: string | undefined;
    let peak = 0;
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
    const poll = setInterval(() => {
      const r = rssMb(child.pid!);
      peak = Math.max(peak, r);
      if (r > opts.rssCapMb && !killedFor) {
        killedFor = `RSS ${r.toFixed(0)} MB above the ${opts.rssCapMb} MB cap`;
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
