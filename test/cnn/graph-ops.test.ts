/**
 * Each graph op against the independent float64 reference (test/support/graph-reference.ts) on
 * every ISA, at the edges its definition has: broadcast forms, coordinate and rounding modes,
 * strides below and above the kernel, output padding, groups, 1-D models, both layouts.
 */
import { describe, expect, it } from 'vitest';
import { compileCnn, planModel, type Activation, type CnnModel, type Layer, type Padding } from '../../src/index.js';
import { checkEveryIsa, rand } from './graph-support.js';

const conv = (name: string, cin: number, filters: number, k: number, extra: Partial<Extract<Layer, { type: 'conv2d' }>> = {}, seed = 7): Layer => ({
  type: 'conv2d',
  name,
  filters,
  kernelSize: [k, k],
  padding: 'same',
  weights: rand(k * k * (cin / (extra.groups ?? 1)) * filters, seed, 0.4),
  bias: rand(filters, seed + 1, 0.1),
  ...extra,
});

const size = (m: CnnModel) => m.inputShape.reduce((a, b) => a * b, 1);

describe('add', () => {
  it('sums three branches with an activation (NHWC and NCHW)', async () => {
    for (const layout of ['NHWC', 'NCHW'] as const) {
      const model: CnnModel = {
        layout,
        inputShape: layout === 'NHWC' ? [5, 6, 4] : [4, 5, 6],
        layers: [
          conv('a', 4, 4, 3),
          conv('b', 4, 4, 1, { inputs: ['input'] }, 11),
          { type: 'add', name: 'sum', inputs: ['a', 'b', 'input'], activation: 'relu' },
        ],
      };
      await checkEveryIsa(model, size(model));
    }
  });

  it('fuses conv → add(skip) → relu into the conv, for general, grouped and depthwise convs', async () => {
    const cases: [number, number, Partial<Extract<Layer, { type: 'conv2d' }>>][] = [
      [20, 20, {}], // one 16-block plus a partial one
      [40, 40, { groups: 2 }], // two groups of 20: unit → channel mapping across groups
      [8, 8, { groups: 4 }], // small groups (gathering kernel)
      [24, 24, { groups: 24 }], // depthwise
    ];
    for (const [cin, f, extra] of cases) {
      const model: CnnModel = {
        layout: 'NHWC',
        inputShape: [7, 5, cin],
        layers: [conv('c1', cin, f, 3, { activation: 'relu' }), conv('c2', f, f, 3, extra, 3), { type: 'add', inputs: ['c2', 'c1'] }, { type: 'activation', activation: 'relu6' }],
      };
      const plan = planModel(model);
      expect(plan.ops.length, 'conv, conv+add+relu6').toBe(2);
      expect(plan.ops[1].residual).toBe(1);
      expect(plan.ops[1].activation.name).toBe('clip');
      await checkEveryIsa(model, size(model));
    }
  });

  it('does not fuse when the conv output has another reader', () => {
    const model: CnnModel = {
      layout: 'NHWC',
      inputShape: [4, 4, 3],
      layers: [conv('c1', 3, 3, 3), conv('c2', 3, 3, 3), { type: 'add', name: 's', inputs: ['c2', 'c1'] }, { type: 'add', inputs: ['s', 'c2'], activation: 'relu' }],
    };
    const plan = planModel(model);
    expect(plan.ops.map((o) => o.residual)).toEqual([-1, -1, -1, -1]);
    expect(plan.ops.length).toBe(4);
  });
});

describe('multiply', () => {
  it('elementwise, per channel (squeeze-excitation) and per sample, in either operand order', async () => {
    const se: CnnModel = {
      layout: 'NCHW',
      inputShape: [6, 5, 5],
      layers: [
        conv('x', 6, 6, 3, { activation: 'hardSwish' }),
        { type: 'globalAvgPool2d', name: 'gap' },
        conv('s1', 6, 3, 1, { activation: 'relu', padding: 'valid' }, 21),
        conv('s2', 3, 6, 1, { activation: { type: 'hardSigmoid', alpha: 1 / 6, beta: 0.5 }, padding: 'valid' }, 23),
        { type: 'multiply', name: 'scaled', inputs: ['s2', 'x'] },
        { type: 'multiply', name: 'sq', inputs: ['scaled', 'scaled'] },
        conv('one', 6, 1, 1, { padding: 'valid' }, 31),
        { type: 'globalMaxPool2d', name: 'g1' },
        { type: 'multiply', inputs: ['sq', 'g1'] },
      ],
    };
    await checkEveryIsa(se, size(se));
  });

  it('refuses shapes that do not broadcast, naming both', () => {
    const m: CnnModel = { layout: 'NHWC', inputShape: [4, 4, 3], layers: [conv('a', 3, 2, 1), { type: 'multiply', inputs: ['a', 'input'] }] };
    expect(() => planModel(m)).toThrow(/layer 1 \(multiply\): inputs of shapes 4×4×2 and 4×4×3 do not broadcast/);
  });
});

describe('concat', () => {
  it('joins channels of tensors and of vectors', async () => {
    const model: CnnModel = {
      layout: 'NCHW',
      inputShape: [3, 6, 5],
      layers: [
        conv('a', 3, 5, 3),
        conv('b', 3, 17, 1, { inputs: ['input'] }, 5),
        { type: 'concat', name: 'cat', inputs: ['input', 'a', 'b'] },
        conv('c', 25, 4, 3, {}, 9),
        { type: 'globalAvgPool2d', name: 'g' },
        { type: 'globalMaxPool2d', name: 'm', inputs: ['cat'] },
        { type: 'concat', inputs: ['m', 'g'] },
        { type: 'dense', units: 3, weights: rand(29 * 3, 4), activation: 'softmax' },
      ],
    };
    await checkEveryIsa(model, size(model));
  });
});

describe('scaleShift', () => {
  it('per channel, scalar and one-sided, with an activation', async () => {
    const model: CnnModel = {
      layout: 'NHWC',
      inputShape: [4, 5, 3],
      layers: [
        { type: 'scaleShift', scale: Float32Array.of(1 / 0.229, 1 / 0.224, 1 / 0.225), shift: Float32Array.of(-0.485, -0.456, -0.406) },
        { type: 'scaleShift', scale: Float32Array.of(0.5) },
        { type: 'scaleShift', shift: Float32Array.of(0.25), activation: 'swish' },
        conv('c', 3, 4, 3),
      ],
    };
    await checkEveryIsa(model, size(model));
  });
});

describe('upsample2d', () => {
  const coords = ['asymmetric', 'halfPixel', 'pytorchHalfPixel', 'alignCorners'] as const;
  it('nearest, every coordinate and rounding mode, factors 2 × 3', async () => {
    for (const coordinateMode of coords)
      for (const nearestMode of ['floor', 'roundPreferFloor', 'roundPreferCeil', 'ceil'] as const) {
        const model: CnnModel = { layout: 'NHWC', inputShape: [3, 4, 2], layers: [{ type: 'upsample2d', size: [2, 3], mode: 'nearest', coordinateMode, nearestMode }] };
        await checkEveryIsa(model, size(model));
      }
  });

  it('bilinear, every coordinate mode, after a conv and before one (NCHW)', async () => {
    for (const coordinateMode of coords) {
      const model: CnnModel = {
        layout: 'NCHW',
        inputShape: [2, 3, 4],
        layers: [conv('c', 2, 3, 3), { type: 'upsample2d', size: [3, 2], mode: 'bilinear', coordinateMode }, conv('d', 3, 2, 3, {}, 9)],
      };
      await checkEveryIsa(model, size(model));
    }
  });
});

describe('cropping2d', () => {
  it('removes edges (U-Net skip crop) before a concat', async () => {
    const model: CnnModel = {
      layout: 'NHWC',
      inputShape: [9, 8, 2],
      layers: [
        conv('c', 2, 3, 3, { padding: 'valid' }),
        { type: 'cropping2d', name: 'skip', inputs: ['input'], cropping: [1, 1, 0, 2] },
        { type: 'concat', inputs: ['c', 'skip'] },
      ],
    };
    // c is 7×6, skip is 7×6
    await checkEveryIsa(model, size(model));
  });
});

describe('conv2dTranspose', () => {
  const cases: { k: number; s: number; padding?: 'same' | 'valid' | [number, number, number, number]; op?: [number, number]; d?: number; groups?: number }[] = [
    { k: 3, s: 1, padding: 'same' },
    { k: 3, s: 2, padding: 'same' },
    { k: 2, s: 2, padding: 'valid' },
    { k: 3, s: 2, padding: 'valid' },
    { k: 1, s: 3, padding: 'valid' }, // kernel below stride: gaps and a zero tail
    { k: 2, s: 3, padding: 'same' },
    { k: 3, s: 2, padding: [1, 1, 1, 1], op: [1, 1] }, // PyTorch's usual upsampling block
    { k: 4, s: 2, padding: [1, 0, 2, 1], op: [1, 0] },
    { k: 3, s: 2, padding: 'same', op: [1, 1] },
    { k: 3, s: 1, padding: 'valid', d: 2 },
    { k: 3, s: 2, padding: [0, 1, 1, 0], groups: 2 },
  ];
  it.each(cases)('kernel $k stride $s padding $padding outputPadding $op dilation $d groups $groups', async ({ k, s, padding, op, d, groups }) => {
    const cin = 4;
    const filters = 6;
    const g = groups ?? 1;
    const model: CnnModel = {
      layout: 'NHWC',
      inputShape: [4, 3, cin],
      layers: [
        {
          type: 'conv2dTranspose',
          filters,
          kernelSize: [k, k],
          strides: [s, s],
          padding,
          outputPadding: op,
          dilation: d ? [d, d] : undefined,
          groups: g,
          weights: rand(k * k * (filters / g) * cin, 3 + k, 0.5),
          bias: rand(filters, 5, 0.1),
          activation: 'leakyRelu',
        },
      ],
    };
    await checkEveryIsa(model, size(model));
  });
});

describe('activations', () => {
  const acts: Activation[] = ['hardSwish', 'swish', 'hardSigmoid', { type: 'hardSigmoid', alpha: 1 / 6, beta: 0.5 }];
  it.each(acts)('%o fused into a conv and standalone after an add', async (activation) => {
    const model: CnnModel = {
      layout: 'NHWC',
      inputShape: [4, 4, 3],
      layers: [conv('c', 3, 3, 3, { activation }), { type: 'add', inputs: ['c', 'input'] }, { type: 'activation', activation }],
    };
    await checkEveryIsa(model, size(model));
  });
});

describe('1-D models (spatialRank 1)', () => {
  it.each(['NCHW', 'NHWC'] as const)('conv1d, pools, upsample, residual and a dense head (%s)', async (layout) => {
    const c1 = (name: string, cin: number, f: number, k: number, padding: Padding, extra = {}): Layer => ({
      type: 'conv2d',
      name,
      filters: f,
      kernelSize: [1, k],
      padding,
      weights: rand(k * cin * f, k + f, 0.4),
      bias: rand(f, 2, 0.1),
      ...extra,
    });
    const model: CnnModel = {
      layout,
      spatialRank: 1,
      inputShape: layout === 'NCHW' ? [2, 20] : [20, 2],
      layers: [
        c1('a', 2, 4, 5, [0, 0, 2, 2], { activation: 'relu' }),
        { type: 'maxPool2d', poolSize: [1, 2], name: 'p' },
        c1('b', 4, 4, 3, 'same', { strides: [1, 1] }),
        { type: 'add', inputs: ['b', 'p'], activation: 'relu', name: 'r' },
        { type: 'upsample2d', size: [1, 2], mode: 'nearest', name: 'u' },
        { type: 'avgPool2d', poolSize: [1, 4], strides: [1, 2], padding: 'same' },
        { type: 'batchNorm', mean: rand(4, 1), variance: rand(4, 2).map((v) => v + 1.5), epsilon: 1e-5 },
      ],
    };
    const compiled = compileCnn(model);
    expect(compiled.inputShape).toEqual(layout === 'NCHW' ? [2, 20] : [20, 2]);
    expect(compiled.outputShape).toEqual(layout === 'NCHW' ? [4, 10] : [10, 4]);
    compiled.dispose();
    await checkEveryIsa(model, size(model));
    await checkEveryIsa({ ...model, layers: [...model.layers, { type: 'flatten' }, { type: 'dense', units: 3, weights: rand(120, 9) }] }, size(model));
  });

  it('refuses a layer that makes height > 1', () => {
    const m: CnnModel = { layout: 'NCHW', spatialRank: 1, inputShape: [2, 8], layers: [{ type: 'upsample2d', size: [2, 2], mode: 'nearest' }] };
    expect(() => planModel(m)).toThrow(/layer 0 \(upsample2d\): makes a tensor of height 2 in a 1-D model/);
  });
});
