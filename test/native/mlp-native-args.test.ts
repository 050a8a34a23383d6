// The C++ side re-validates what TS already checked: direct addon calls with bad lengths, batch,
// threads, handle kinds and aliasing must throw JS errors (never crash); probes reject bad ranges.
import { describe, expect, it } from 'vitest';
import { native } from '../../src/native.js';
import { mlpFromLayers } from '../../src/mlp/layers.js';
import { randomDense, rng } from '../helpers/mlp-reference.js';

describe('native MLP argument checks', () => {
  it('mlpRunSync / mlpRun reject bad lengths, batch, threads, handles and aliasing', async () => {
    const n = native();
    using mlp = mlpFromLayers(8, [randomDense(rng(1), 3, 8)]);
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
