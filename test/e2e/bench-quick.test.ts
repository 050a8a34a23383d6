/**
 * The benchmark's quick mode end to end: runs into a temp dir, validates the results file against
 * bench/results.schema.json and checks the numbers are sane and every equivalence check passed.
 * Asserts structure and correctness only, never speed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBenchmarks, type BenchRun } from '../../src/bench/report.js';
import { validate } from '../support/json-schema.js';

const schema = JSON.parse(fs.readFileSync(path.join(__dirname, '../../bench/results.schema.json'), 'utf8'));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnn2mlp-bench-test-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('bench --quick', () => {
  let run: BenchRun;

  it('runs and writes JSON, Markdown and SVG files', async () => {
    run = await runBenchmarks({ quick: true, outDir: dir, silent: true, noPrint: true });
    expect(fs.existsSync(run.files.json)).toBe(true);
    expect(fs.existsSync(run.files.markdown)).toBe(true);
    for (const svg of run.files.svgs) expect(fs.readFileSync(svg, 'utf8')).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(path.basename(run.files.json)).toMatch(/^\d{4}-\d{2}-\d{2}-\d{6}-.+\.json$/);
  }, 120_000);

  it('the results file validates against bench/results.schema.json', () => {
    const onDisk = JSON.parse(fs.readFileSync(run.files.json, 'utf8'));
    expect(validate(schema, onDisk)).toEqual([]);
  });

  it('every measurement is positive and finite, with consistent order statistics', () => {
    const r = run.results;
    expect(r.measurements.length).toBeGreaterThan(0);
    for (const m of r.measurements) {
      const t = m.timing;
      for (const v of [m.flops, m.bytes, m.gflops, m.gbps, t.medianMs, t.minMs, t.p10Ms, t.p90Ms]) {
        expect(Number.isFinite(v)).toBe(true);
        expect(v).toBeGreaterThan(0);
      }
      expect(t.minMs).toBeLessThanOrEqual(t.p10Ms);
      expect(t.p10Ms).toBeLessThanOrEqual(t.medianMs);
      expect(t.medianMs).toBeLessThanOrEqual(t.p90Ms);
      expect(t.p90Ms).toBeLessThanOrEqual(t.maxMs);
    }
  });

  it('all equivalence checks passed, and every piece present was checked against another engine', () => {
    const r = run.results;
    expect(r.checks.length).toBeGreaterThan(0);
    for (const c of r.checks) expect(c, `${c.workload}: ${c.candidate} vs ${c.reference}`).toMatchObject({ passed: true });
    const candidates = new Set(r.checks.map((c) => c.candidate.replace(/ t\d+$/, '')));
    const references = new Set(r.checks.map((c) => c.reference));
    // tfjs wasm vs tfjs cpu (or vs cnn2mlp's CNN when it has landed)
    expect(candidates.has('tfjs-wasm-cnn')).toBe(true);
    if (r.meta.available.cnn) expect(references.has('cnn2mlp-cnn')).toBe(true);
    if (r.meta.available.convert && r.meta.available.mlpRun) {
      expect(candidates.has('cnn2mlp-mlp-csr')).toBe(true);
      expect(candidates.has('cnn2mlp-mlp-dense')).toBe(true);
      expect(candidates.has('ort-mlp-dense')).toBe(true);
    }
    if (r.meta.available.mlpRun) expect(r.checks.some((c) => c.workload.startsWith('crossover'))).toBe(true);
  });

  it('exact counts of the quick seed net match a hand count', () => {
    // 20×20×3, three 3×3 'same' stride-2 convs 8/16/16 → 10×10×8, 5×5×16, 3×3×16; dense 144→64→29
    const macs = 10 * 10 * 8 * 27 + 5 * 5 * 16 * 72 + 3 * 3 * 16 * 144 + 144 * 64 + 64 * 29;
    const cnn = run.results.workloads.find((w) => w.workload === 'seed-s2' && w.engine === 'cnn');
    expect(cnn?.macs).toBe(macs);
  });

  it('a missing piece is reported with a reason, never silently', () => {
    const r = run.results;
    if (!r.meta.available.cnn) expect(r.skipped.some((s) => /cnn2mlp CNN/.test(s.what))).toBe(true);
    if (!r.meta.available.probes) expect(r.machine).toBeNull();
    else expect(r.machine?.fmaPeak.length).toBeGreaterThan(0);
    for (const s of r.skipped) expect(s.reason.length).toBeGreaterThan(0);
  });
});
