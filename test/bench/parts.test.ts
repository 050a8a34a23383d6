/**
 * The benchmark harness's own pieces, without timing anything: the counts it takes from stats(),
 * the kernel names on rows, the Recorder's derived figures, the formatters and the row schema.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stats } from '../../src/convert/stats.js';
import { fmtBytes, fmtInt, fmtMs, pct, table } from '../../src/bench/format.js';
import { kernelFor, kernelsInUse } from '../../src/bench/kernels.js';
import { threeConvNet, workloadCounts } from '../../src/bench/workloads.js';
import { Recorder, resolveContext } from '../../src/bench/report/context.js';
import { availability } from '../../src/bench/engines.js';
import { summarize } from '../../src/bench/harness.js';
import { joinParts, emptyPart } from '../../src/bench/report/types.js';
import { validate } from '../support/json-schema.js';
import { cpuInfo } from '../../src/runtime.js';

const schema = JSON.parse(fs.readFileSync(path.join(__dirname, '../../bench/results.schema.json'), 'utf8'));

describe('workloadCounts: every figure from stats()', () => {
  // 12×12×3 → three 3×3 'same' stride-2 convs 8/16/16 → 6×6×8, 3×3×16, 2×2×16 → flatten 64 → dense 10
  const model = threeConvNet({ side: 12, stride: 2, filters: [8, 16, 16], dense: [10], seed: 1 });
  const c = workloadCounts(model);
  it('MACs and CNN bytes match a hand count', () => {
    expect(c.macs).toBe(6 * 6 * 8 * 27 + 3 * 3 * 16 * 72 + 2 * 2 * 16 * 144 + 64 * 10);
    const params = 27 * 8 + 8 + 72 * 16 + 16 + 144 * 16 + 16 + 64 * 10 + 10;
    expect(c.bytes).toBe(4 * params);
  });
  it('fan-in, layer count and activation bytes match a hand count', () => {
    expect(c.maxFanIn).toBe(144); // conv3: 3·3·16
    expect(c.layers).toBe(4); // three convs and the dense layer; flatten is folded into the next map
    const rowsCols = [
      [6 * 6 * 8, 12 * 12 * 3],
      [3 * 3 * 16, 6 * 6 * 8],
      [2 * 2 * 16, 3 * 3 * 16],
      [10, 64],
    ];
    expect(c.activationBytes).toBe(rowsCols.reduce((s, [r, k]) => s + (r + k) * 4, 0));
  });
  it('is stats() itself, not a second count', () => {
    expect(c.stats).toEqual(stats(model));
  });
});

describe('kernel names on rows', () => {
  const kernels = new Map([
    ['conv2d', 'f32_conv2d_nhwc_6x16__avx2'],
    ['dwconv2d', 'f32_dwconv2d_nhwc_1x32__avx2'],
    ['gemv', 'f32_gemv_dense_6x1__avx2'],
    ['gemm', 'f32_gemm_dense_6x16__avx2'],
    ['spmv', 'f32_spmv_csr_1x1__avx2'],
    ['spmm', 'f32_spmm_csr_1x32__avx2'],
  ] as const);
  it('batch 1 runs GEMV/SpMV, larger batches GEMM/SpMM, the CNN the direct conv kernel', () => {
    expect(kernelFor('mlp-dense', 1, kernels)).toBe('f32_gemv_dense_6x1__avx2');
    expect(kernelFor('mlp-dense', 4, kernels)).toBe('f32_gemm_dense_6x16__avx2');
    expect(kernelFor('mlp-csr', 1, kernels)).toBe('f32_spmv_csr_1x1__avx2');
    expect(kernelFor('mlp-csr', 32, kernels)).toBe('f32_spmm_csr_1x32__avx2');
    expect(kernelFor('cnn', 1, kernels)).toBe('f32_conv2d_nhwc_6x16__avx2');
  });
  it('no name when the addon lists none', () => {
    expect(kernelFor('mlp-dense', 1, new Map())).toBeUndefined();
  });
  it('every engine of this addon gets the registry name cpuInfo() reports, in the schema\'s form', () => {
    const inUse = kernelsInUse();
    const reported = cpuInfo().kernels;
    for (const [engine, batch] of [['cnn', 1], ['mlp-dense', 1], ['mlp-dense', 4], ['mlp-csr', 1], ['mlp-csr', 4]] as const) {
      const k = kernelFor(engine, batch, inUse);
      expect(reported, `${engine} b${batch}`).toContain(k);
      expect(k).toMatch(new RegExp(schema.$defs.measurement.properties.kernel.pattern));
    }
    expect(kernelFor('mlp-dense', 1, inUse)).toMatch(/^f32_gemv_/);
    expect(kernelFor('mlp-csr', 4, inUse)).toMatch(/^f32_spmm_/);
    for (const batch of [1, 4]) {
      const k = kernelFor('mlp-dense-bf16', batch, inUse);
      expect(k).toMatch(batch === 1 ? /^bf16_gemv_dense_/ : /^bf16_gemm_dense_/);
      expect(k).toMatch(new RegExp(schema.$defs.measurement.properties.kernel.pattern));
    }
  });
});

describe('Recorder', () => {
  it('derives GFLOP/s, GB/s, fractions of the limits and the kernel name; collects a part', async () => {
    const ctx = resolveContext({ quick: true, silent: true }, await availability());
    ctx.machine = { readBandwidth: [{ threads: 1, bytesPerSecond: 20e9 }], fmaPeak: [{ threads: 1, flopsPerSecond: 100e9 }], source: 'test' };
    ctx.kernels = new Map([['gemm', 'f32_gemm_dense_6x16__avx2']]);
    const rec = new Recorder(ctx);
    const timing = summarize([2, 2, 2]);
    const m = rec.record({ section: 'seed', workload: 'w', engine: 'cnn2mlp-mlp-dense', batch: 4, threads: 1, flops: 20e6, bytes: 10e6, timing });
    expect(m.gflops).toBeCloseTo(10, 12); // 20e6 FLOP in 2 ms
    expect(m.gbps).toBeCloseTo(5, 12);
    expect(m.fracPeak).toBeCloseTo(0.1, 12);
    expect(m.fracBandwidth).toBeCloseTo(0.25, 12);
    expect(m.kernel).toBe('f32_gemm_dense_6x16__avx2');
    const peer = rec.record({ section: 'peers', workload: 'w', engine: 'ort-mlp-dense', batch: 4, threads: 2, flops: 1, bytes: 1, timing });
    expect(peer.kernel).toBeUndefined();
    expect(peer.fracPeak).toBeNull(); // no limit measured at 2 threads
    rec.ratio({ workload: 'w', peer: 'ort-mlp-dense', engine: 'cnn2mlp-mlp-dense', batch: 4, threads: 1, peerMs: 4, cnn2mlpMs: 2 });
    expect(rec.part.peerRatios[0].ratio).toBe(0.5);
    expect(rec.check('w', 'a', 'b', new Float32Array([1, 2]), new Float32Array([1, 3]), 16, 1)).toBe(false);
    expect(rec.part.checks[0]).toMatchObject({ passed: false, maxAbsErr: 1 });
    // bf16: the looser tolerance (8·2^-9·layers·(1 + max|ref|), plus the fp32 one) and the argmax count
    expect(rec.check('w', 'h', 'b', new Float32Array([1, 2.05, 3, 1]), new Float32Array([1, 2, 1, 3]), 16, 1, { batch: 2 })).toBe(false);
    expect(rec.part.checks[1]).toMatchObject({ precision: 'bf16', argmaxDiffers: 1, maxAbsErr: 2 });
    expect(rec.check('w', 'h', 'b', new Float32Array([1, 2.04]), new Float32Array([1, 2]), 16, 1, { batch: 1 })).toBe(true);
    expect(rec.part.checks[2].tolerance).toBeCloseTo(8 * 2 ** -9 * 3 + 8 * 4 * 2 ** -23 * 3, 12);
    const joined = joinParts(emptyPart(), rec.part, { ...emptyPart(), skipped: [{ section: 's', what: 'x', reason: 'y' }] });
    expect(joined.measurements).toEqual([m, peer]);
    expect(joined.skipped).toHaveLength(1);
    ctx.progress.stop();
  });
});

describe('formatters', () => {
  it('format numbers, times, bytes and fractions as the tables print them', () => {
    expect(fmtInt(1234567.4)).toBe('1,234,567');
    expect(fmtInt(NaN)).toBe('–');
    expect([fmtMs(123.4), fmtMs(12.345), fmtMs(0.01234), fmtMs(undefined)]).toEqual(['123', '12.35', '0.012', '–']);
    expect([fmtBytes(2.5e9), fmtBytes(5.4e6), fmtBytes(59_508)]).toEqual(['2.50 GB', '5.4 MB', '59.5 kB']);
    expect([pct(0.1234), pct(null)]).toEqual(['12.3%', '–']);
    expect(table(['a', 'b'], [['1', '2']])).toBe('| a | b |\n| --- | --- |\n| 1 | 2 |');
  });
});

describe('results schema: the kernel field', () => {
  const timing = summarize([1, 2, 3]);
  const row = { section: 'seed', workload: 'w', engine: 'cnn2mlp-mlp-dense', batch: 1, threads: 1, flops: 1, bytes: 1, timing, gflops: 1, gbps: 1, fracPeak: null, fracBandwidth: null };
  const refSchema = { $defs: schema.$defs, $ref: '#/$defs/measurement' };
  it('is optional and, when present, a registry name', () => {
    expect(validate(refSchema, row)).toEqual([]);
    expect(validate(refSchema, { ...row, kernel: 'f32_gemm_dense_12x32__avx512' })).toEqual([]);
    expect(validate(refSchema, { ...row, kernel: 'f32_conv2d_nhwc_ref' })[0]).toMatch(/does not match/);
    expect(validate(refSchema, { ...row, kernel: 'avx2' })[0]).toMatch(/does not match/);
  });
});
