/**
 * The benchmark report: in one process run, the machine's limits, the seed's CNN vs dense vs CSR
 * MLP table completed with measured times, each kernel's fraction of the limits (with a roofline),
 * peers on identical work (onnxruntime-node, tfjs wasm and cpu; outputs checked equal before
 * timing), scaling with input side n, and the dense/sparse crossover by density. Each section
 * returns its part of the results; this file runs them in order and joins the parts.
 */
import path from 'node:path';
import { availability } from '../engines.js';
import { resolveContext } from './context.js';
import { crossoverSection } from './crossover.js';
import { writeReport } from './files.js';
import { machineSection } from './machine.js';
import { benchMeta } from './meta.js';
import { scalingSection } from './scaling.js';
import { seedSection } from './seed.js';
import { emptyPart, joinParts, type BenchOptions, type BenchResults, type BenchRun, type Part } from './types.js';

export * from './types.js';
export { SEED_PUBLISHED } from './seed.js';
export { crossoverDensity } from './crossover.js';
export { maxAbsDiff, tolerance } from './context.js';
export { renderMarkdown } from './markdown.js';

/** Runs the benchmarks, writes the JSON, Markdown and SVG files, prints the tables; returns the results. */
export async function runBenchmarks(options: BenchOptions = {}): Promise<BenchRun> {
  const started = process.hrtime.bigint();
  const ctx = resolveContext(options, await availability());
  const outDir = path.resolve(options.outDir ?? path.join('bench', 'results')); // relative to the working directory
  const meta = await benchMeta(ctx);

  ctx.progress.grow(1);
  const limits = await machineSection(ctx.quick);
  for (const s of limits.skipped) ctx.progress.note(`skip ${s.section}/${s.what}: ${s.reason}`);
  ctx.progress.tick('machine limits');
  ctx.machine = limits.machine;

  const parts: Part[] = [{ ...emptyPart(), skipped: limits.skipped }];
  for (const stride of [2, 3] as const) if (ctx.models.includes(stride === 2 ? 'seed2' : 'seed3')) parts.push(await seedSection(ctx, stride));
  const sweep = ctx.models.includes('sweep') ? await scalingSection(ctx) : undefined;
  if (sweep) parts.push(sweep.part);
  const cross = ctx.models.includes('crossover') ? await crossoverSection(ctx) : undefined;
  if (cross) parts.push(cross.part);
  ctx.progress.stop();

  const all = joinParts(...parts);
  const results: BenchResults = {
    schemaVersion: 1,
    meta: { ...meta, peers: [...ctx.tfjs.values()] },
    machine: ctx.machine,
    workloads: all.workloads,
    measurements: all.measurements,
    peerRatios: all.peerRatios,
    scaling: sweep?.scaling ?? null,
    crossover: cross?.crossover ?? null,
    checks: all.checks,
    skipped: all.skipped,
    durationMs: Number(process.hrtime.bigint() - started) / 1e6,
  };
  const run = await writeReport(results, outDir);
  printRun(run, options);
  return run;
}

/** Prints the report (or the JSON) on stdout unless the caller prints it. */
function printRun(run: BenchRun, options: BenchOptions): void {
  if (options.noPrint ?? options.onProgress !== undefined) return;
  if (options.json) process.stdout.write(`${JSON.stringify(run.results)}\n`);
  else process.stdout.write(`${run.summary}\nWrote ${run.files.json}, ${run.files.markdown} and ${run.files.svgs.length} SVG plot(s).\n`);
}
