/**
 * The benchmark's quick mode end to end: runs into a temp dir, validates the results file against
 * bench/results.schema.json and checks the numbers are sane and every equivalence check passed.
 * Asserts structure and correctness only, never speed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBenchmarks, type BenchRun } from '../../src/bench/report/index.js';
import { validate } from '../support/json-schema.js';
import { cpuInfo } from '../../src/runtime.js';

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

  it('all equivalence checks passed, and every engine was checked against another before timing', () => {
    const r = run.results;
    expect(r.meta.available).toMatchObject({ cnn: true, convert: true, mlpRun: true, probes: true });
    for (const c of r.checks) expect(c, `${c.workload}: ${c.candidate} vs ${c.reference}`).toMatchObject({ passed: true });
    for (const wl of ['seed-s2', 'seed-s3']) {
      const pairs = new Set(r.checks.filter((c) => c.workload === wl).map((c) => `${c.candidate.replace(/ t\d+$/, '')} vs ${c.reference}`));
      for (const p of [
        'tfjs-cpu-cnn vs cnn2mlp-cnn',
        'tfjs-wasm-cnn vs cnn2mlp-cnn',
        'ort-cnn vs cnn2mlp-cnn',
        'cnn2mlp-mlp-csr vs cnn2mlp-cnn',
        'cnn2mlp-mlp-dense vs cnn2mlp-cnn',
        'ort-mlp-dense vs cnn2mlp-mlp-dense',
        'tfjs-wasm-mlp-dense vs cnn2mlp-mlp-dense',
      ])
        expect(pairs.has(p), `${wl}: ${p}`).toBe(true);
      // every timed engine of the workload appears in a check (as candidate or reference)
      const checked = new Set(r.checks.filter((c) => c.workload === wl).flatMap((c) => [c.candidate.replace(/ t\d+$/, ''), c.reference]));
      for (const m of r.measurements.filter((x) => x.workload === wl)) expect(checked.has(m.engine), `${wl} ${m.engine}`).toBe(true);
    }
    expect(r.checks.filter((c) => c.workload.startsWith('crossover')).length).toBe(4);
    expect(r.checks.filter((c) => c.workload.startsWith('sweep')).length).toBe(6);
  });

  it('the tables are complete: seed rows for every batch × threads, peer ratios, slopes, crossover', () => {
    const r = run.results;
    const { batches, threads } = r.meta.options;
    for (const wl of ['seed-s2', 'seed-s3'])
      for (const engine of ['cnn2mlp-cnn', 'cnn2mlp-mlp-csr', 'cnn2mlp-mlp-dense', 'cnn2mlp-mlp-auto', 'cnn2mlp-mlp-dense-bf16', 'cnn2mlp-mlp-auto-bf16'])
        for (const b of batches)
          for (const t of threads) expect(r.measurements.some((m) => m.workload === wl && m.engine === engine && m.batch === b && m.threads === t), `${wl} ${engine} b${b} t${t}`).toBe(true);
    expect(r.peerRatios.length).toBeGreaterThan(0);
    for (const p of r.peerRatios) expect(p.ratio).toBeCloseTo(p.cnn2mlpMs / p.peerMs, 10);
    expect(Object.keys(r.scaling?.slopes ?? {}).sort()).toEqual(['cnn2mlp-cnn', 'cnn2mlp-mlp-csr', 'cnn2mlp-mlp-dense']);
    expect(r.crossover?.map((c) => c.batch)).toEqual([1, 4]);
    expect(r.machine?.fmaPeak.length).toBeGreaterThan(0);
    expect(run.files.svgs.map((f) => f.replace(/^.*-/, '')).sort()).toEqual(['crossover.svg', 'roofline.svg', 'scaling.svg']);
  });

  it('every cnn2mlp row names the kernel that ran it (one the addon reports in use); peer rows name none', () => {
    const inUse = cpuInfo().kernels;
    for (const m of run.results.measurements) {
      if (m.engine.startsWith('cnn2mlp-')) expect(inUse, `${m.workload} ${m.engine} b${m.batch}`).toContain(m.kernel);
      else expect(m.kernel).toBeUndefined();
    }
    // op_layout of the kernel name: format 'auto' runs the seed's convolutions as run-CSR
    const op: Record<string, [string, string]> = {
      'cnn2mlp-cnn': ['conv2d_nhwc', 'conv2d_nhwc'],
      'cnn2mlp-mlp-dense': ['gemv_dense', 'gemm_dense'],
      'cnn2mlp-mlp-csr': ['spmv_csr', 'spmm_csr'],
      'cnn2mlp-mlp-auto': ['spmv_rcsr', 'spmm_rcsr'],
      'cnn2mlp-mlp-dense-bf16': ['gemv_dense', 'gemm_dense'],
      'cnn2mlp-mlp-auto-bf16': ['spmv_rcsr', 'spmm_rcsr'],
    };
    for (const m of run.results.measurements.filter((x) => x.engine.startsWith('cnn2mlp-')))
      expect(m.kernel?.split('_').slice(1, 3).join('_'), `${m.workload} ${m.engine} b${m.batch}`).toBe(op[m.engine][m.batch === 1 ? 0 : 1]);
    for (const m of run.results.measurements.filter((x) => x.engine === 'cnn2mlp-mlp-dense-bf16')) expect(m.kernel).toMatch(/^bf16_/);
  });

  it('bf16 rows: half the dense bytes, checked against the CNN within the bf16 tolerance, and in the sparse-vs-CNN line', () => {
    const r = run.results;
    for (const wl of ['seed-s2', 'seed-s3']) {
      const w = (engine: string) => r.workloads.find((x) => x.workload === wl && x.engine === engine);
      const dense = w('mlp-dense')!, half = w('mlp-dense-bf16')!;
      expect(half.macs).toBe(dense.macs);
      // weights 2 bytes instead of 4, biases still 4: between half and 0.51 of the fp32 bytes
      expect(half.bytes).toBeGreaterThan(dense.bytes / 2);
      expect(half.bytes).toBeLessThan(0.51 * dense.bytes);
      expect(w('mlp-auto-bf16')!.bytes).toBeLessThan(w('mlp-auto')!.bytes);
      const checks = r.checks.filter((c) => c.workload === wl && c.precision === 'bf16');
      expect(checks.map((c) => c.candidate.replace(/ t\d+$/, '')).sort()).toEqual([...new Set(['cnn2mlp-mlp-auto-bf16', 'cnn2mlp-mlp-dense-bf16'])].flatMap((e) => r.meta.options.threads.map(() => e)).sort());
      for (const c of checks) {
        expect(Number.isInteger(c.argmaxDiffers)).toBe(true);
        // the rounding really changed the outputs (a bf16 row that ran fp32 weights would show 0 here)
        expect(c.maxAbsErr).toBeGreaterThan(0);
      }
    }
    const md = fs.readFileSync(run.files.markdown, 'utf8');
    expect(md).toMatch(/Sparse vs CNN, seed-s2 \(format 'auto' MLP ÷ direct CNN\): fp32 b1 t1 [\d.]+×.*; bf16 b1 t1 [\d.]+×/);
    expect(md).toMatch(/\| seed-s3 \| mlp-dense-bf16 \|/);
  });

  it('exact counts of the quick seed net match a hand count', () => {
    // 20×20×3, three 3×3 'same' stride-2 convs 8/16/16 → 10×10×8, 5×5×16, 3×3×16; dense 144→64→29
    const macs = 10 * 10 * 8 * 27 + 5 * 5 * 16 * 72 + 3 * 3 * 16 * 144 + 144 * 64 + 64 * 29;
    const cnn = run.results.workloads.find((w) => w.workload === 'seed-s2' && w.engine === 'cnn');
    expect(cnn?.macs).toBe(macs);
  });

  it('the Markdown report states the machine, versions and commit, and every section', () => {
    const md = fs.readFileSync(run.files.markdown, 'utf8');
    const m = run.results.meta;
    for (const s of [m.cpu.brand, `Node ${m.node}`, m.git.commit.slice(0, 12), 'onnxruntime-node', '@tensorflow/tfjs-backend-wasm', m.cpu.activeIsa])
      expect(md).toContain(s);
    for (const h of ['## 1. Machine limits', "## 2. The seed's table", '## 3. Fraction', '## 4. Peers', '## 5. Scaling', '## 6. Dense vs CSR', '## 7. Equivalence'])
      expect(md).toContain(h);
  });
});
