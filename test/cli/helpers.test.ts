/** The CLI's pure helpers, against values worked out by hand. */
import { describe, expect, it } from 'vitest';
import { applyOverrides, argmaxRows, parseIntList, topK } from '../../src/cli/models.js';
import { compare } from '../../src/cli/verify.js';
import { Cnn2MlpError } from '../../src/errors.js';
import type { CnnModel } from '../../src/model/types.js';

const model: CnnModel = {
  layout: 'NHWC',
  inputShape: [8, 8, 1],
  layers: [
    { type: 'conv2d', filters: 2, kernelSize: [3, 3], strides: [1, 1], padding: 'same', weights: new Float32Array(18) },
    { type: 'conv2d', filters: 2, kernelSize: [3, 3], padding: 'same', weights: new Float32Array(36) },
    { type: 'flatten' },
  ],
};

describe('CLI helpers', () => {
  it('parses shape lists and rejects non-positive or non-integer values', () => {
    expect(parseIntList('28,28,1', 'x')).toEqual([28, 28, 1]);
    expect(parseIntList('80x80x3', 'x')).toEqual([80, 80, 3]);
    for (const bad of ['', '2,0', '1.5', 'a']) expect(() => parseIntList(bad, '--input-shape')).toThrow(Cnn2MlpError);
  });

  it('overrides strides (one for all, or one per conv) and the input shape without touching the source', () => {
    const one = applyOverrides(model, { strides: '2' });
    expect(one.layers.map((l) => (l.type === 'conv2d' ? l.strides : null))).toEqual([[2, 2], [2, 2], null]);
    const each = applyOverrides(model, { strides: '3,1', inputShape: '9,9,1' });
    expect(each.layers.map((l) => (l.type === 'conv2d' ? l.strides : null))).toEqual([[3, 3], [1, 1], null]);
    expect(each.inputShape).toEqual([9, 9, 1]);
    expect((model.layers[0] as { strides?: number[] }).strides).toEqual([1, 1]); // original unchanged
    expect(() => applyOverrides(model, { strides: '2,2,2' })).toThrow(/Expected 1 or 2 values/);
  });

  it('top-k and argmax break ties towards the lower index', () => {
    const out = Float32Array.from([0.1, 0.5, 0.5, 0.2, /* sample 2 */ 3, -1, 2, 3]);
    expect(Array.from(argmaxRows(out, 2))).toEqual([1, 0]);
    const top = topK(out, 2, 3);
    expect(top[0].map((t) => t.index)).toEqual([1, 2, 3]);
    expect(top[1].map((t) => t.index)).toEqual([0, 3, 2]);
  });

  it('compare counts elements past atol + rtol·|ref|, the max errors and argmax changes', () => {
    const ref = Float32Array.from([1, 2, 0, 4]);
    const x = Float32Array.from([1, 2.5, 0.01, 4]);
    // |Δ| = 0, 0.5, 0.01, 0; bounds with atol 0.02, rtol 0.1: 0.12, 0.22, 0.02, 0.42 → only 0.5 > 0.22 fails
    const c = compare('x', x, ref, 2, 0.02, 0.1);
    expect(c.failures).toBe(1);
    expect(c.maxAbsError).toBeCloseTo(0.5, 6);
    expect(c.maxRelError).toBeCloseTo(0.5 / 4, 6);
    expect(c.argmaxDiffers).toBe(0); // rows [1, 2.5] / [0.01, 4] keep their argmax
    expect(c.ok).toBe(false);
    const nan = compare('nan', Float32Array.from([NaN, 2, 0, 4]), ref, 2, 1, 1);
    expect(nan.failures).toBe(1); // NaN never passes
    expect(nan.maxAbsError).toBeNaN(); // and is reported, not hidden by later finite errors
    expect(compare('y', Float32Array.from([2, 1, 0, 4]), ref, 2, 10, 0).argmaxDiffers).toBe(1);
  });
});
