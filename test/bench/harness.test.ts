import { describe, expect, it } from 'vitest';
import { quantile, summarize, timeIt, gflops, gbps } from '../../src/bench/harness.js';
import { logLogSlope } from '../../src/bench/plots.js';
import { crossoverDensity, maxAbsDiff, tolerance } from '../../src/bench/report/index.js';
import { validate } from '../support/json-schema.js';

describe('bench harness statistics', () => {
  it('quantiles interpolate linearly (type 7), checked against hand-computed values', () => {
    const s = [1, 2, 3, 4, 10];
    expect(quantile(s, 0.5)).toBe(3);
    expect(quantile(s, 0.25)).toBe(2);
    expect(quantile(s, 0.1)).toBeCloseTo(1.4, 12); // pos 0.4 between 1 and 2
    expect(quantile(s, 0.9)).toBeCloseTo(7.6, 12); // pos 3.6 between 4 and 10
  });
  it('summarize sorts and reports order statistics', () => {
    const t = summarize([5, 1, 3]);
    expect(t).toMatchObject({ reps: 3, medianMs: 3, minMs: 1, maxMs: 5, meanMs: 3, totalMs: 9 });
  });
  it('timeIt honours warm-up, minReps and maxReps', async () => {
    let calls = 0;
    const t = await timeIt(() => void calls++, { warmup: 3, minReps: 7, maxReps: 7, budgetMs: 0 });
    expect(calls).toBe(10);
    expect(t.reps).toBe(7);
    expect(t.warmup).toBe(3);
  });
  it('throughput units: 2e9 FLOP in 1000 ms is 2 GFLOP/s; 1e9 bytes in 500 ms is 2 GB/s', () => {
    expect(gflops(2e9, 1000)).toBeCloseTo(2, 12);
    expect(gbps(1e9, 500)).toBeCloseTo(2, 12);
  });
  it('log-log slope of y = 3·x^2 is 2', () => {
    const xs = [16, 32, 64, 128];
    expect(logLogSlope(xs, xs.map((x) => 3 * x * x))).toBeCloseTo(2, 10);
  });
  it('crossover density is where log(csr/dense) crosses 0, interpolated in log density', () => {
    // csr/dense = d / 0.1: crosses 1 exactly at d = 0.1
    const pts = [0.01, 0.05, 0.2, 1].map((d) => ({ d, dense: 1, csr: d / 0.1 }));
    expect(crossoverDensity(pts)).toBeCloseTo(0.1, 10);
    expect(crossoverDensity(pts.map((p) => ({ ...p, csr: 0.5 })))).toBeNull();
  });
  it('maxAbsDiff sees NaN and length mismatches as infinitely wrong', () => {
    expect(maxAbsDiff(new Float32Array([1, 2]), new Float32Array([1, 2.5]))).toBe(0.5);
    expect(maxAbsDiff(new Float32Array([NaN]), new Float32Array([1]))).toBe(Infinity);
    expect(maxAbsDiff(new Float32Array(2), new Float32Array(3))).toBe(Infinity);
    expect(tolerance(new Float32Array([2]), 100, 1)).toBeCloseTo(8 * 10 * 2 ** -23 * 3, 15);
  });
});

describe('JSON Schema validator (test support)', () => {
  const schema = {
    type: 'object',
    required: ['a', 'm'],
    additionalProperties: false,
    properties: {
      a: { type: 'integer', minimum: 1 },
      m: { oneOf: [{ type: 'null' }, { $ref: '#/$defs/t' }] },
      s: { enum: ['x', 'y'] },
    },
    $defs: { t: { type: 'object', required: ['ms'], properties: { ms: { type: 'number', exclusiveMinimum: 0 } } } },
  };
  it('accepts valid documents', () => {
    expect(validate(schema, { a: 1, m: null })).toEqual([]);
    expect(validate(schema, { a: 2, m: { ms: 0.5 }, s: 'y' })).toEqual([]);
  });
  it('reports each kind of violation', () => {
    expect(validate(schema, { a: 0, m: null })).toEqual(['$.a: 0 < 1']);
    expect(validate(schema, { a: 1.5, m: null })[0]).toMatch(/expected integer/);
    expect(validate(schema, { m: null })).toEqual(["$: missing 'a'"]);
    expect(validate(schema, { a: 1, m: { ms: 0 } })[0]).toMatch(/oneOf/);
    expect(validate(schema, { a: 1, m: null, z: 1 })[0]).toMatch(/no value allowed/);
    expect(validate(schema, { a: 1, m: null, s: 'q' })[0]).toMatch(/not in/);
    expect(validate(schema, { a: Infinity, m: null })[0]).toMatch(/expected integer/);
  });
  it('refuses keywords it does not implement', () => {
    expect(() => validate({ type: 'string', format: 'date' }, 'x')).toThrow(/format/);
  });
});
