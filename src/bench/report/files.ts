/**
 * The report's files: <outDir>/<date>-<host>.json (schema: bench/results.schema.json), the
 * Markdown report beside it and SVG plots (roofline, scaling, crossover). Every file is written
 * to a temporary name and renamed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { renderSvg, rooflineSpec, scalingSpec, crossoverSpec, type RooflinePoint } from '../plots.js';
import { errMsg, limitsAt } from './context.js';
import { renderMarkdown } from './markdown.js';
import type { BenchResults, BenchRun, Skip } from './types.js';

function writeAtomic(file: string, data: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

type Spec = Parameters<typeof renderSvg>[0];

/** The plots the results can draw, by name (a section that did not run draws none). */
function plotSpecs(r: BenchResults): Array<[name: string, spec: Spec]> {
  const specs: Array<[string, Spec]> = [];
  const maxT = Math.max(...r.meta.options.threads);
  const { peak, bandwidth } = limitsAt(r.machine, maxT);
  const roofPts: RooflinePoint[] = r.measurements
    .filter((m) => m.threads === maxT && m.bytes > 0 && m.section !== 'scaling')
    .map((m) => ({ label: m.section === 'crossover' ? `crossover ${m.engine}` : `${m.workload} ${m.engine}`, config: `batch ${m.batch}`, intensity: m.flops / m.bytes, gflops: m.gflops }));
  if (peak && bandwidth && roofPts.length) specs.push(['roofline', rooflineSpec(roofPts, peak / 1e9, bandwidth / 1e9, `Roofline, ${maxT} threads (${r.meta.cpu.brand})`)]);
  if (r.scaling) {
    const pts = r.measurements.filter((m) => m.section === 'scaling').map((m) => ({ n: m.params!.n, engine: m.engine, ms: m.timing.medianMs }));
    if (pts.length) specs.push(['scaling', scalingSpec(pts, r.scaling.slopes, 'Time vs input side n (3-conv net, stride 2)')]);
  }
  if (r.crossover) {
    const pts = r.measurements
      .filter((m) => m.section === 'crossover')
      .map((m) => ({ density: m.params!.density, format: m.engine.endsWith('csr') ? 'CSR' : 'dense', batch: m.batch, ms: m.timing.medianMs }));
    if (pts.length) specs.push(['crossover', crossoverSpec(pts, `Dense vs CSR by density (${r.crossover[0]?.rows}×${r.crossover[0]?.cols})`)]);
  }
  return specs;
}

/**
 * Renders the plots and writes them, the JSON and the Markdown under `outDir`. A plot that cannot
 * be drawn is listed under skipped (in the JSON and the report) instead of failing the run.
 */
export async function writeReport(results: BenchResults, outDir: string): Promise<BenchRun> {
  fs.mkdirSync(outDir, { recursive: true });
  const stamp = results.meta.date.replace(/[:]/g, '').replace(/\..*$/, '').replace('T', '-');
  const base = path.join(outDir, `${stamp}-${results.meta.host.replace(/[^A-Za-z0-9._-]/g, '_')}`);
  const svgs: string[] = [];
  const failed: Skip[] = [];
  for (const [name, spec] of plotSpecs(results)) {
    const file = `${base}-${name}.svg`;
    try {
      writeAtomic(file, await renderSvg(spec));
      svgs.push(file);
    } catch (e) {
      failed.push({ section: 'plots', what: `${name}.svg`, reason: errMsg(e) });
    }
  }
  const final: BenchResults = { ...results, skipped: [...results.skipped, ...failed] };
  const markdown = renderMarkdown(final, svgs.map((s) => path.basename(s)));
  writeAtomic(`${base}.json`, JSON.stringify(final, null, 2));
  writeAtomic(`${base}.md`, markdown);
  return { results: final, summary: markdown, files: { json: `${base}.json`, markdown: `${base}.md`, svgs } };
}
