/**
 * Every convolution kernel family the CPU can run (scalar f32_conv2d_nhwc_1x1__ref, AVX2, AVX-512),
 * through runCnn, against the independent reference CNN, on the shapes where tiling goes wrong:
 * channel tails (cout < 16, 17, 33, 70), cin = 1, kernels larger than the input (all taps of some
 * pixels in padding), stride > kernel, 1×1, dilation with stride, groups (blocked, and few-channel
 * groups on the gathering kernel), depthwise (multiplier 1 with tails, multiplier 2), rows wider
 * than the register tile and
 * dense layers (run by the same kernel over the batch) with batch sizes around the tile width.
 *
 * Each kernel, the scalar one included, is checked against the independent float64 reference CNN
 * (test/support/reference-cnn.ts) twice: on random weights within the per-output bound a float32
 * sum of those very products must meet (γ(K + 1)·Σ|w·x|, test/support/tolerance.ts), and on
 * dyadic weights and inputs (test/support/mlp-reference.ts), which any correct kernel sums exactly:
 * there every output must be bit-exact, so one dropped tap or a relative error of 1e-7 shows.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { compileCnn, runCnnSync, setIsa, type CnnModel, type Activation, type Padding } from '../../src/index.js';
import fc from 'fast-check';
import { arbCnnModel, mulberry32, randomInput, sampleSize, seededUniform } from '../support/random-cnn.js';
import { dyadic } from '../support/mlp-reference.js';
import { referenceCnn } from '../support/reference-cnn.js';
import { ALL_ISAS, isaMissing, skipUnlessIsa } from '../support/skips.js';
import { assertWithin } from '../support/tolerance.js';

interface ConvCase {
  name: string;
  h: number;
  w: number;
  c: number;
  filters: number;
  k: [number, number];
  s?: [number, number];
  d?: [number, number];
  padding?: Padding;
  groups?: number;
  act?: Activation;
  batch?: number;
}

const cases: ConvCase[] = [
  { name: 'cout 5 (< 16)', h: 9, w: 11, c: 3, filters: 5, k: [3, 3], padding: 'same' },
  { name: 'cout 17', h: 8, w: 13, c: 4, filters: 17, k: [3, 3], padding: 'same', act: 'relu' },
  { name: 'cout 33, 3 blocks', h: 7, w: 23, c: 6, filters: 33, k: [3, 2], padding: 'valid', act: { type: 'leakyRelu', alpha: 0.1 } },
  { name: 'cout 70, wide row', h: 5, w: 41, c: 8, filters: 70, k: [3, 3], padding: 'same', act: { type: 'clip', min: -0.3, max: 0.4 } },
  { name: 'cin 1', h: 12, w: 12, c: 1, filters: 16, k: [5, 5], padding: 'same', act: 'sigmoid' },
  { name: 'kernel larger than input', h: 3, w: 2, c: 2, filters: 9, k: [7, 6], padding: [3, 3, 3, 2] },
  { name: 'kernel larger than input, same', h: 2, w: 3, c: 3, filters: 20, k: [7, 7], padding: 'same' },
  { name: 'stride > kernel', h: 17, w: 19, c: 5, filters: 18, k: [2, 1], s: [4, 3], padding: 'valid' },
  { name: '1×1', h: 6, w: 30, c: 24, filters: 48, k: [1, 1], act: 'tanh' },
  { name: 'dilation with stride', h: 15, w: 16, c: 3, filters: 12, k: [3, 3], s: [2, 2], d: [2, 3], padding: 'sameLower' },
  { name: 'grouped, 17 per group', h: 7, w: 9, c: 6, filters: 34, k: [3, 3], groups: 2, padding: 'same' },
  { name: 'depthwise ×1, C 20', h: 9, w: 9, c: 20, filters: 20, k: [3, 3], groups: 20, padding: 'same', act: 'relu' },
  { name: 'depthwise ×1, C 70, strided', h: 11, w: 13, c: 70, filters: 70, k: [5, 3], s: [2, 2], groups: 70, padding: [2, 1, 0, 3] },
  { name: 'depthwise ×2', h: 8, w: 7, c: 5, filters: 10, k: [3, 3], groups: 5, padding: 'same', act: 'elu' },
  { name: 'depthwise ×2, 48 channels, strided', h: 9, w: 10, c: 24, filters: 48, k: [3, 3], s: [2, 2], groups: 24, padding: 'same', act: 'relu' },
  { name: 'groups 4 × (2 in, 3 out): gathering kernel', h: 7, w: 8, c: 8, filters: 12, k: [3, 2], groups: 4, padding: [1, 0, 2, 1], act: { type: 'leakyRelu', alpha: 0.3 } },
  { name: 'narrow output: tiles wrap rows (3×3 out, no padding)', h: 9, w: 9, c: 16, filters: 64, k: [3, 3], s: [3, 3], padding: 'valid' },
  { name: 'narrow output with padding: wrapped tiles mix border and interior', h: 5, w: 4, c: 7, filters: 40, k: [3, 3], s: [2, 1], padding: [1, 2, 2, 1] },
  { name: 'one output column', h: 13, w: 3, c: 4, filters: 20, k: [3, 3], padding: 'valid', act: 'relu6' },
  // cin >= 16: whole ranges tile evenly, a tile is checked when any of its pixels is a border one
  { name: 'cin 20, narrow padded output: tiles mix border and interior', h: 5, w: 4, c: 20, filters: 40, k: [3, 3], s: [2, 1], padding: [1, 2, 2, 1] },
  { name: 'cin 32, stride 2 same (seed conv2 shape, smaller)', h: 14, w: 12, c: 32, filters: 64, k: [3, 3], s: [2, 2], padding: 'same', act: 'relu', batch: 3 },
  { name: 'cin 16, kernel larger than input', h: 3, w: 4, c: 16, filters: 17, k: [5, 7], padding: 'same', act: 'elu' },
  { name: 'seed layer (stride 3, 64 ch)', h: 27, w: 27, c: 32, filters: 64, k: [3, 3], s: [3, 3], padding: 'same', act: 'relu', batch: 3 },
];

function convModel(t: ConvCase, seed: number): CnnModel {
  const groups = t.groups ?? 1;
  const K = t.k[0] * t.k[1] * (t.c / groups);
  return {
    layout: 'NHWC',
    inputShape: [t.h, t.w, t.c],
    layers: [
      {
        type: 'conv2d',
        filters: t.filters,
        kernelSize: t.k,
        strides: t.s,
        dilation: t.d,
        padding: t.padding,
        groups,
        weights: seededUniform(K * t.filters, seed, -1 / Math.sqrt(K), 1 / Math.sqrt(K)),
        bias: seededUniform(t.filters, seed + 1, -0.5, 0.5),
        activation: t.act,
      },
    ],
  };
}

function denseModel(inputs: number, units: number, seed: number): CnnModel {
  return {
    layout: 'NHWC',
    inputShape: [inputs],
    layers: [{ type: 'dense', units, weights: seededUniform(inputs * units, seed, -0.2, 0.2), bias: seededUniform(units, seed + 1), activation: 'relu' }],
  };
}

/** The same model with weights, bias and input on the dyadic grid and no activation: exact sums. */
function dyadicModel(model: CnnModel, seed: number): CnnModel {
  const rand = mulberry32(seed);
  return {
    ...model,
    layers: model.layers.map((l) =>
      l.type === 'conv2d' || l.type === 'dense'
        ? { ...l, weights: dyadic(rand, l.weights.length), bias: l.bias && dyadic(rand, l.bias.length).map((v) => v / 8), activation: 'linear' }
        : l,
    ),
  };
}

function compare(model: CnnModel, batch: number, isa: 'avx2' | 'avx512' | 'scalar') {
  setIsa(isa);
  const cnn = compileCnn(model);
  try {
    const x = randomInput(cnn.inputSize, batch, 99);
    const ref = referenceCnn(model, x, batch);
    assertWithin(runCnnSync(cnn, x, { threads: 2 }), ref.y, ref.tol32, `${isa} kernel`);
  } finally {
    cnn.dispose();
  }
  const exact = dyadicModel(model, batch);
  const dcnn = compileCnn(exact);
  try {
    const x = dyadic(mulberry32(7), dcnn.inputSize * batch);
    const want = referenceCnn(exact, x, batch).y;
    const got = runCnnSync(dcnn, x, { threads: 2 });
    const at = got.findIndex((v, i) => v !== want[i]);
    expect(at, `${isa} kernel, dyadic data: output ${at} is ${got[at]}, exactly ${want[at]}`).toBe(-1);
  } finally {
    dcnn.dispose();
  }
}


describe.each(ALL_ISAS)('%s conv kernels match the reference CNN', (isa) => {
  skipUnlessIsa(isa);
  afterAll(() => {
    setIsa('auto');
  });
  it.each(cases)('$name', (t) => {
    compare(convModel(t, t.h * 31 + t.filters), t.batch ?? 2, isa);
  });
  it.each([1, 5, 7, 14, 15, 29])('dense 300 → 70 over batch %i', (batch) => {
    compare(denseModel(300, 70, batch), batch, isa);
  });
});


// runCnn runs the ops before the first dense one sample-major (each sample through all of them on
// one thread) once batch >= 4 × threads, and op-major (each op over the whole batch, pixels split
// across threads) below that. Batch 1 is always op-major, so running each sample alone is an
// independent check of the sample-major path's buffer handling (ping-pong scratch, NCHW
// transposes, a final op writing the caller's output, dense ops after the prefix).
describe('sample-major batches match sample-by-sample runs', () => {
  afterAll(() => {
    setIsa('auto');
  });
  function perSample(cnn: ReturnType<typeof compileCnn>, x: Float32Array, batch: number): Float32Array {
    const out = new Float32Array(batch * cnn.outputSize);
    for (let n = 0; n < batch; n++)
      out.set(runCnnSync(cnn, x.subarray(n * cnn.inputSize, (n + 1) * cnn.inputSize), { threads: 2 }), n * cnn.outputSize);
    return out;
  }
  // The scalar reference kernel accumulates each output in double in a fixed order, whatever the
  // pixel chunking, and the other ops are per sample: the two paths must agree bit for bit.
  it('scalar kernels: identical results (random models, batch 8–11, threads 1 and 2)', () => {
    fc.assert(
      fc.property(arbCnnModel, fc.integer({ min: 8, max: 11 }), fc.constantFrom(1, 2), fc.integer({ min: 0, max: 1e6 }), (model, batch, threads, seed) => {
        const cnn = compileCnn(model);
        try {
          setIsa('scalar');
          const x = randomInput(sampleSize(model), batch, seed);
          const got = runCnnSync(cnn, x, { threads });
          const want = perSample(cnn, x, batch);
          expect(Array.from(got)).toEqual(Array.from(want));
        } finally {
          cnn.dispose();
        }
      }),
      { numRuns: 25, seed: 2026 },
    );
  });
  // SIMD kernels on the whole batch against the reference CNN, within its per-output bounds.
  it.for(['avx2', 'avx512'] as const)('%s kernels, seed-like network (stride 3, batch 9, threads 2)', (isa, ctx) => {
    ctx.skip(!!isaMissing(isa), isaMissing(isa));
    const model: CnnModel = {
      layout: 'NCHW',
      inputShape: [3, 20, 20],
      layers: [
        { type: 'conv2d', filters: 32, kernelSize: [3, 3], strides: [3, 3], padding: 'same', weights: seededUniform(27 * 32, 1, -0.47, 0.47), bias: seededUniform(32, 2, -0.05, 0.05), activation: 'relu' },
        { type: 'conv2d', filters: 64, kernelSize: [3, 3], strides: [2, 2], padding: 'same', weights: seededUniform(288 * 64, 3, -0.14, 0.14), bias: seededUniform(64, 4, -0.05, 0.05), activation: 'relu' },
        { type: 'maxPool2d', poolSize: [2, 2] },
        { type: 'flatten' },
        { type: 'dense', units: 40, weights: seededUniform(256 * 40, 5, -0.15, 0.15), bias: seededUniform(40, 6, -0.05, 0.05), activation: 'relu' },
        { type: 'dense', units: 7, weights: seededUniform(40 * 7, 7, -0.6, 0.6), bias: seededUniform(7, 8, -0.05, 0.05), activation: 'softmax' },
      ],
    };
    const cnn = compileCnn(model);
    try {
      const batch = 9;
      const x = randomInput(cnn.inputSize, batch, 5);
      const ref = referenceCnn(model, x, batch);
      const want = ref.y;
      setIsa(isa);
      const got = runCnnSync(cnn, x, { threads: 2 });
      // The outputs must depend on the sample (else a sample mix-up would pass): neighbours differ.
      let spread = 0;
      for (let i = 0; i < (batch - 1) * cnn.outputSize; i++) spread = Math.max(spread, Math.abs(want[i + cnn.outputSize] - want[i]));
      expect(spread).toBeGreaterThan(0.01);
      assertWithin(got, want, ref.tol32, `${isa}, sample-major`);
    } finally {
      cnn.dispose();
    }
  });
});
