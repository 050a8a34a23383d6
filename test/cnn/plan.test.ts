import { describe, expect, it } from 'vitest';
import { planModel } from '../../src/model/plan.js';
import type { CnnModel, Layer } from '../../src/model/types.js';

const pool = (layer: Partial<Layer>, inputShape = [5, 5, 1]): CnnModel => ({
  layout: 'NHWC',
  inputShape,
  layers: [{ type: 'maxPool2d', poolSize: [2, 2], ...layer } as Layer],
});

describe('planModel pooling windows', () => {
  it('sizes outputs by the TF / ONNX rules (floor, ceil mode drops a window starting in the trailing pad)', () => {
    // 5 wide, window 2, stride 2: floor((5-2)/2)+1 = 2; ceil mode: ceil(3/2)+1 = 3 (starts at 4 < 5: kept)
    expect(planModel(pool({ strides: [2, 2] })).outputShape).toEqual({ kind: 'spatial', h: 2, w: 2, c: 1 });
    expect(planModel(pool({ strides: [2, 2], ceilMode: true })).outputShape).toEqual({ kind: 'spatial', h: 3, w: 3, c: 1 });
    // 4 wide, pad 1 each side, window 2, stride 2, ceil: ceil(4/2)+1 = 3, third window starts at 4-1 = 3 < 4: kept
    const p = planModel(pool({ strides: [2, 2], padding: [1, 1, 1, 1], ceilMode: true }, [4, 4, 1]));
    expect(p.outputShape).toEqual({ kind: 'spatial', h: 3, w: 3, c: 1 });
  });

  it('rejects a dilated window that misses every input pixel, naming the position', () => {
    // input 2 wide, pad 2 before, window 2 dilated by 4: window 0 taps -2 and 2, both outside [0, 2)
    const bad = pool({ poolSize: [2, 2], dilation: [4, 4], padding: [2, 2, 0, 0], strides: [1, 1] }, [2, 6, 1]);
    expect(() => planModel(bad)).toThrow(/layer 0 \(maxPool2d\).*row 0 holds only padding/);
  });

  it('accepts a dilated window that reaches the input with one tap', () => {
    // input 3 wide, pad 1 before, window 2 dilated by 2: taps -1 and 1 — one inside
    const ok = pool({ poolSize: [2, 1], dilation: [2, 1], padding: [1, 0, 0, 0], strides: [1, 1] }, [3, 1, 1]);
    expect(planModel(ok).outputShape).toEqual({ kind: 'spatial', h: 2, w: 1, c: 1 });
  });
});
