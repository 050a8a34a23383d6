/**
 * Drives every section of the benchmark report (seed table with CNN, CSR and dense MLPs, peers on
 * the dense MLP, scaling, crossover, plots) with slow JS stand-ins for runCnn/convert/runMlp, so the
 * report's plumbing is tested before and independently of the native kernels. Structure only.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { validate } from '../support/json-schema.js';

vi.mock('../../src/index.js', async (importOriginal) => {
  const orig = (await importOriginal()) as Record<string, unknown>;
  const s = await import('../support/bench-standins.js');
  return { ...orig, convert: s.convert, runMlp: s.runMlp, compileCnn: s.compileCnn, runCnn: s.runCnn };
});

const schema = JSON.parse(fs.readFileSync(path.join(__dirname, '../../bench/results.schema.json'), 'utf8'));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnn2mlp-bench-standin-'));
afterAll(() => {
  if (!process.env.BENCH_KEEP) fs.rmSync(dir, { recursive: true, force: true });
  else console.log(`kept ${dir}`);
});

describe('benchmark report with JS stand-ins for the cnn2mlp pieces', () => {
  it('fills every section, passes every check and validates against the schema', async () => {
    const { runBenchmarks } = await import('../../src/bench/report.js');
    const run = await runBenchmarks({ quick: true, outDir: dir, silent: true, noPrint: true, models: ['seed2', 'sweep', 'crossover'], budgetMs: 5, threads: [1] });
    const r = run.results;
    expect(validate(schema, JSON.parse(fs.readFileSync(run.files.json, 'utf8')))).toEqual([]);
    expect(r.meta.available).toMatchObject({ cnn: true, convert: true, mlpRun: true });
    for (const c of r.checks) expect(c, `${c.workload}: ${c.candidate} vs ${c.reference}`).toMatchObject({ passed: true });
    const engines = new Set(r.measurements.map((m) => m.engine));
    for (const e of ['cnn2mlp-cnn', 'cnn2mlp-mlp-csr', 'cnn2mlp-mlp-dense', 'ort-mlp-dense', 'tfjs-wasm-mlp-dense', 'tfjs-cpu-mlp-dense', 'tfjs-wasm-cnn'])
      expect(engines.has(e), e).toBe(true);
    // exact sizes: the dense MLP stores every entry of the block-Toeplitz matrices
    const dense = r.workloads.find((w) => w.workload === 'seed-s2' && w.engine === 'mlp-dense')!;
    expect(dense.macs).toBe(1200 * 800 + 800 * 400 + 400 * 144 + 144 * 64 + 64 * 29);
    expect(r.peerRatios.some((p) => p.peer === 'ort-mlp-dense')).toBe(true);
    expect(r.scaling?.theory['cnn2mlp-mlp-dense']).toBe(4);
    expect(r.crossover?.length).toBe(2);
    const md = fs.readFileSync(run.files.markdown, 'utf8');
    for (const h of ["## 2. The seed's table", '## 4. Peers', '## 5. Scaling', '## 6. Dense vs CSR']) expect(md).toContain(h);
    expect(run.files.svgs.map((f) => path.basename(f).replace(/^.*-/, ''))).toEqual(expect.arrayContaining(['scaling.svg', 'crossover.svg']));
  }, 120_000);
});
