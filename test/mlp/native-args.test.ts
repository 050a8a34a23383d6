// The C++ side re-validates what TS already checked: direct addon calls with bad lengths, batch,
// threads, handle kinds and aliasing must throw JS errors (never crash); probes reject bad ranges.
import { describe, expect, it } from 'vitest';
import { native } from '../../src/native.js';
import { mlpFromLayers } from '../../src/mlp/layers.js';
import { randomDense } from '../support/mlp-reference.js';
import { mulberry32 } from '../../src/util/random.js';

describe('native MLP argument checks', () => {
  it('mlpRunSync / mlpRun reject bad lengths, batch, threads, handles and aliasing', async () => {
    const n = native();
    using mlp = mlpFromLayers(8, [randomDense(mulberry32(1), 3, 8)]);
    const h = mlp.handle;
    const x = new Float32Array(16);
    const y = new Float32Array(6);
    expect(() => n.mlpRunSync(h, x, 2, 1, y)).not.toThrow();
    expect(() => n.mlpRunSync(h, x, 3, 1, y)).toThrow(/input of batch × inputSize = 24/);
    expect(() => n.mlpRunSync(h, x, 2, 1, new Float32Array(5))).toThrow(/output of batch × outputSize = 6/);
    expect(() => n.mlpRunSync(h, x, 0, 1, y)).toThrow(RangeError);
    expect(() => n.mlpRunSync(h, x, 2, 0, y)).toThrow(/threads/);
    expect(() => n.mlpRunSync(h, x, 2, 257, y)).toThrow(/threads/);
    expect(() => n.mlpRunSync(h, x, 2.5, 1, y)).toThrow(RangeError);
    expect(() => n.mlpRunSync({} as never, x, 2, 1, y)).toThrow(TypeError);
    expect(() => n.mlpRunSync(h, new Float64Array(16) as never, 2, 1, y)).toThrow(TypeError);
    const shared = new Float32Array(30);
    expect(() => n.mlpRunSync(h, shared.subarray(0, 16), 2, 1, shared.subarray(10, 16))).toThrow(/share memory/);
    expect(() => n.mlpRun(h, x, 3, 1, y)).toThrow(RangeError);
    await expect(n.mlpRun(h, x, 2, 2, y)).resolves.toBeUndefined();
  });

  it('firstNonFinite finds NaN and ±Infinity anywhere (block edges included), not extremes', () => {
    const n = native();
    expect(n.firstNonFinite(new Float32Array(0))).toBe(-1);
    const x = new Float32Array(10000).fill(1);
    x[3] = 3.4028234663852886e38; // largest float
    x[5] = -1e-45; // denormal
    expect(n.firstNonFinite(x)).toBe(-1);
    for (const at of [0, 4095, 4096, 8191, 9999])
      for (const v of [NaN, Infinity, -Infinity]) {
        const y = x.slice();
        y[at] = v;
        y[9999] = at === 9999 ? v : NaN; // a later one must not win
        expect(n.firstNonFinite(y)).toBe(at);
      }
    expect(() => n.firstNonFinite(new Float64Array(3) as never)).toThrow(TypeError);
  });

  it('probes validate their ranges and return positive rates', async () => {
    const n = native();
    expect(() => n.probeReadBandwidth(1000, 1, 1)).toThrow(RangeError);
    expect(() => n.probeReadBandwidth(1 << 24, 0, 1)).toThrow(RangeError);
    expect(() => n.probeFmaPeak(1, 0)).toThrow(RangeError);
    expect(() => n.probeFmaPeak(1, 61)).toThrow(RangeError);
    const bw = await n.probeReadBandwidth(1 << 24, 1, 2);
    const fma = await n.probeFmaPeak(1, 0.05);
    // Any working machine reads faster than 100 MB/s and does more than 100 MFLOP/s.
    expect(bw).toBeGreaterThan(1e8);
    expect(fma).toBeGreaterThan(1e8);
  });
});
