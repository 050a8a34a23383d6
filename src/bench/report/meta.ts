/** The report's header: machine, versions, git commit and the resolved options. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { native } from '../../native.js';
import { availableMemory } from '../engines.js';
import type { BenchContext } from './context.js';
import type { BenchMeta } from './types.js';

const PEER_PACKAGES = ['onnxruntime-node', '@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', 'vega', 'vega-lite'];

function packageRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
}

function readPackage(dir: string): { name?: string; version?: string } | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
  } catch {
    return undefined;
  }
}

/** A package's version; for packages whose "exports" hide package.json, found next to the entry point. */
function versionOf(require: NodeRequire, name: string): string {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    try {
      let dir = path.dirname(require.resolve(name));
      while (readPackage(dir)?.name !== name && dir !== path.dirname(dir)) dir = path.dirname(dir);
      return readPackage(dir)?.version ?? 'unknown';
    } catch {
      return 'unknown';
    }
  }
}

function versions(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const out: Record<string, string> = {};
  for (const name of PEER_PACKAGES) out[name] = versionOf(require, name);
  out.cnn2mlp = readPackage(packageRoot())?.version ?? 'unknown';
  out.napi = process.versions.napi ?? 'unknown';
  out.v8 = process.versions.v8;
  return out;
}

function gitInfo(): { commit: string; dirty: boolean } {
  try {
    const cwd = packageRoot();
    const git = (...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return { commit: git('rev-parse', 'HEAD'), dirty: git('status', '--porcelain', '--untracked-files=no') !== '' };
  } catch {
    return { commit: 'unknown', dirty: false };
  }
}

/** The header as of the start of the run; `peers` is filled once the peers have run. */
export async function benchMeta(ctx: BenchContext): Promise<BenchMeta> {
  const cpu = native().cpuInfo();
  const a = ctx.avail;
  return {
    date: new Date().toISOString(),
    host: os.hostname(),
    cpu: { brand: cpu.brand, vendor: cpu.vendor, logicalCores: cpu.logicalCores, isas: cpu.supportedIsas, activeIsa: cpu.activeIsa },
    memoryBytes: { total: os.totalmem(), availableAtStart: await availableMemory() },
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    versions: versions(),
    git: gitInfo(),
    quick: ctx.quick,
    options: { models: ctx.models, batches: ctx.batches, threads: ctx.threads, budgetMs: ctx.budgetMs },
    available: { cnn: a.cnn, convert: a.convert, mlpRun: a.mlpRun, probes: a.probes, seedNetwork: a.seedNetwork },
    peers: [],
    note: 'One process run on a shared machine: other jobs may have been running, so figures are noisy; medians and p10/p90 are given for that reason.',
  };
}
