/**
 * Start-up cost of the package: each sample is a fresh `node` process (nothing cached in V8 or the
 * module map), so it is what a user's script pays. Variants, interleaved round by round so that
 * load from other processes hits all of them alike:
 * - `bare`: node starting an empty ES module script (the floor no package can go below);
 * - `import`: `await import(entry)` timed with performance.now() and process.cpuUsage();
 * - `run`: the import, then the stride-3 seed CNN built and run once at batch 1 (runCnn), the
 *   process's uptime taken just before it exits;
 * - `require` (optional): the CommonJS twin loaded with require().
 * Figures are medians over rounds; CPU time is less sensitive to other processes than wall time.
 */
import { spawnSync } from 'node:child_process';
import { quantile } from './harness.js';

export type StartupVariant = 'bare' | 'import' | 'run' | 'require';

/** One package build to measure: its ES entry (and CommonJS entry for 'require'). */
export interface StartupEntry {
  label: string;
  /** absolute path of dist/index.js */
  esm: string;
  /** absolute path of dist/index.cjs */
  cjs?: string;
}

/** What one child process reports (ms). */
export interface StartupSample {
  /** wall time around the import/require call (0 for bare) */
  loadMs: number;
  /** CPU time (user + system) spent in that call */
  loadCpuMs: number;
  /** seedNetwork({ stride: 3 })'s wall time: building the model's 0.65 M He-normal weights ('run' only) */
  modelMs: number;
  /** runCnn's wall time: compile (addon load, checks, weight packing) and one run ('run' only) */
  runMs: number;
  /** process.uptime() just before exiting */
  uptimeMs: number;
  /** CPU time of the whole process so far */
  cpuMs: number;
  /** wall time the parent saw from spawn to exit */
  spawnMs: number;
}

export interface StartupRow {
  entry: string;
  variant: StartupVariant;
  samples: number;
  median: Omit<StartupSample, 'spawnMs'> & { spawnMs: number };
  p10: StartupSample;
  p90: StartupSample;
}

// Children print one JSON line; ENTRY is the module to load.
const CHILD_ESM = `
const c0 = process.cpuUsage(), t0 = performance.now();
const m = process.env.VARIANT === 'bare' ? null : await import(process.env.ENTRY);
const t1 = performance.now(), c1 = process.cpuUsage(c0);
let runMs = 0, modelMs = 0;
if (process.env.VARIANT === 'run') {
  const m0 = performance.now();
  const model = m.seedNetwork({ stride: 3, seed: 1 });
  modelMs = performance.now() - m0;
  const x = new Float32Array(80 * 80 * 3).fill(0.5);
  const r0 = performance.now();
  const y = await m.runCnn(model, x);
  runMs = performance.now() - r0;
  if (y.length !== 29) throw new Error('unexpected output length ' + y.length);
}
const c = process.cpuUsage();
console.log(JSON.stringify({ loadMs: t1 - t0, loadCpuMs: (c1.user + c1.system) / 1e3, modelMs, runMs,
  uptimeMs: process.uptime() * 1e3, cpuMs: (c.user + c.system) / 1e3 }));
`;
const CHILD_CJS = `
const c0 = process.cpuUsage(), t0 = performance.now();
require(process.env.ENTRY);
const t1 = performance.now(), c1 = process.cpuUsage(c0), c = process.cpuUsage();
console.log(JSON.stringify({ loadMs: t1 - t0, loadCpuMs: (c1.user + c1.system) / 1e3, modelMs: 0, runMs: 0,
  uptimeMs: process.uptime() * 1e3, cpuMs: (c.user + c.system) / 1e3 }));
`;

function sampleOnce(variant: StartupVariant, entry: StartupEntry): StartupSample {
  const cjs = variant === 'require';
  const target = cjs ? entry.cjs : entry.esm;
  if (!target && variant !== 'bare') throw new Error(`${entry.label}: no CommonJS entry for 'require'`);
  const args = cjs ? ['-e', CHILD_CJS] : ['--input-type=module', '-e', CHILD_ESM];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, {
    env: { ...process.env, ENTRY: cjs || !target ? target : new URL(`file://${target}`).href, VARIANT: variant },
    encoding: 'utf8',
  });
  const spawnMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${entry.label} ${variant}: child exited ${r.status}: ${r.stderr}`);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  return { ...(JSON.parse(line) as Omit<StartupSample, 'spawnMs'>), spawnMs };
}

function stat(samples: StartupSample[], q: number): StartupSample {
  const keys = Object.keys(samples[0]) as (keyof StartupSample)[];
  return Object.fromEntries(keys.map((k) => [k, quantile(samples.map((s) => s[k]).sort((a, b) => a - b), q)])) as unknown as StartupSample;
}

/** Runs `rounds` rounds; each round spawns one process per (entry, variant), bare once. */
export function measureStartup(entries: StartupEntry[], variants: StartupVariant[], rounds: number): StartupRow[] {
  const cells: { entry: StartupEntry; variant: StartupVariant; samples: StartupSample[] }[] = [];
  if (variants.includes('bare')) cells.push({ entry: { label: 'node', esm: '' }, variant: 'bare', samples: [] });
  for (const entry of entries) for (const v of variants) if (v !== 'bare') cells.push({ entry, variant: v, samples: [] });
  // one untimed round: the files into the page cache
  for (const c of cells) sampleOnce(c.variant, c.entry);
  for (let r = 0; r < rounds; r++) for (const c of cells) c.samples.push(sampleOnce(c.variant, c.entry));
  return cells.map((c) => ({
    entry: c.entry.label,
    variant: c.variant,
    samples: c.samples.length,
    median: stat(c.samples, 0.5),
    p10: stat(c.samples, 0.1),
    p90: stat(c.samples, 0.9),
  }));
}

const f = (v: number) => v.toFixed(1);

/** Markdown table of the medians (p10–p90 of the load wall time in brackets). */
export function startupReport(rows: StartupRow[]): string {
  const out = [
    '| entry | variant | load ms (p10–p90) | load CPU ms | seedNetwork ms | runCnn ms | uptime at exit ms | process CPU ms | spawn→exit ms |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    const m = r.median;
    out.push(
      `| ${r.entry} | ${r.variant} | ${f(m.loadMs)} (${f(r.p10.loadMs)}–${f(r.p90.loadMs)}) | ${f(m.loadCpuMs)} | ${f(m.modelMs)} | ${f(m.runMs)} | ${f(m.uptimeMs)} | ${f(m.cpuMs)} | ${f(m.spawnMs)} |`,
    );
  }
  return out.join('\n');
}
