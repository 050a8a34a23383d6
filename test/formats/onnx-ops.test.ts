/**
 * loadOnnx against onnxruntime-node: each graph is built here with the protobuf schema, run by
 * onnxruntime, loaded with loadOnnx and run by the float64 reference CNN (test/support/reference-cnn.ts).
 */
import { describe, expect, it } from 'vitest';
import { loadOnnx } from '../../src/formats/onnx.js';
import { ChainBuilder, f, i, ints, rand, s } from '../support/onnx-builders.js';
import { expectAllAgree, runOrt } from '../support/compare.js';

const B = 2; // batch
type Case = [string, () => ChainBuilder];

const conv = (g: ChainBuilder, cin: number, cout: number, k: [number, number], attrs: Parameters<ChainBuilder['op']>[2] = {}, group = 1, bias = true, seed = 1) => {
  const w = g.init([cout, cin / group, k[0], k[1]], rand((cout * cin * k[0] * k[1]) / group, seed, 0.5), { raw: seed % 2 === 0 });
  const consts = [w];
  if (bias) consts.push(g.init([cout], rand(cout, seed + 100, 0.5)));
  return g.op('Conv', consts, { ...attrs, ...(group !== 1 ? { group: i(group) } : {}) });
};

const cases: Case[] = [
  ['Conv default (valid, stride 1, float_data)', () => conv(new ChainBuilder([1, 3, 7, 6]), 3, 4, [3, 3], {}, 1, true, 1)],
  ['Conv raw_data, explicit asymmetric pads, strides 2×1, no bias', () => conv(new ChainBuilder([1, 3, 8, 7]), 3, 5, [3, 2], { pads: ints([1, 0, 2, 1]), strides: ints([2, 1]) }, 1, false, 2)],
  ['Conv SAME_UPPER stride 2', () => conv(new ChainBuilder([1, 2, 9, 8]), 2, 4, [3, 3], { auto_pad: s('SAME_UPPER'), strides: ints([2, 2]) })],
  ['Conv SAME_LOWER stride 2 (extra pixel before)', () => conv(new ChainBuilder([1, 2, 8, 9]), 2, 3, [4, 4], { auto_pad: s('SAME_LOWER'), strides: ints([2, 2]) }, 1, true, 4)],
  ['Conv VALID dilations 2', () => conv(new ChainBuilder([1, 2, 9, 9]), 2, 3, [3, 3], { auto_pad: s('VALID'), dilations: ints([2, 2]), kernel_shape: ints([3, 3]) })],
  ['Conv NOTSET group 2', () => conv(new ChainBuilder([1, 4, 6, 6]), 4, 6, [3, 3], { auto_pad: s('NOTSET'), pads: ints([1, 1, 1, 1]) }, 2)],
  ['Conv depthwise (group = C)', () => conv(new ChainBuilder([1, 4, 6, 6]), 4, 8, [3, 3], { pads: ints([1, 1, 1, 1]) }, 4, true, 6)],
  ['Gemm transB=1 alpha beta', () => {
    const g = new ChainBuilder([1, 12]);
    return g.op('Gemm', [g.init([5, 12], rand(60, 7)), g.init([5], rand(5, 8))], { transB: i(1), alpha: f(0.7), beta: f(-1.3) });
  }],
  ['Gemm transB=0, scalar C, opset 9', () => {
    const g = new ChainBuilder([1, 6], 9);
    return g.op('Gemm', [g.init([6, 4], rand(24, 9), { raw: true }), g.init([1], rand(1, 10))], { alpha: f(2) });
  }],
  ['Gemm without C (opset 11)', () => {
    const g = new ChainBuilder([1, 6], 11);
    return g.op('Gemm', [g.init([4, 6], rand(24, 11))], { transB: i(1) });
  }],
  ['MatMul + Add', () => {
    const g = new ChainBuilder([1, 10]);
    return g.op('MatMul', [g.init([10, 7], rand(70, 12))]).op('Add', [g.init([7], rand(7, 13))]);
  }],
  ['Relu, LeakyRelu (default alpha 0.01)', () => {
    const g = new ChainBuilder([1, 9]);
    return g.op('MatMul', [g.init([9, 9], rand(81, 14))]).op('LeakyRelu').op('MatMul', [g.init([9, 5], rand(45, 15))]).op('Relu');
  }],
  ['LeakyRelu alpha 0.3, Elu alpha 0.5, Selu, Softplus', () => {
    const g = new ChainBuilder([1, 2, 5, 5]);
    conv(g, 2, 3, [3, 3], {}, 1, true, 16).op('LeakyRelu', [], { alpha: f(0.3) });
    conv(g, 3, 3, [1, 1], {}, 1, true, 17).op('Elu', [], { alpha: f(0.5) });
    conv(g, 3, 3, [1, 1], {}, 1, true, 18).op('Selu');
    return conv(g, 3, 2, [1, 1], {}, 1, true, 19).op('Softplus');
  }],
  ['Elu default, Sigmoid, Tanh', () => {
    const g = new ChainBuilder([1, 8]);
    g.op('Gemm', [g.init([8, 8], rand(64, 20, 2))]).op('Elu');
    g.op('Gemm', [g.init([8, 8], rand(64, 21, 2))]).op('Sigmoid');
    return g.op('Gemm', [g.init([8, 4], rand(32, 22, 2))]).op('Tanh');
  }],
  ['PRelu per channel [C,1,1] and scalar', () => {
    const g = new ChainBuilder([1, 3, 4, 4]);
    conv(g, 3, 4, [3, 3], { pads: ints([1, 1, 1, 1]) }).op('PRelu', [g.init([4, 1, 1], rand(4, 23))]);
    return g.op('PRelu', [g.init([1], Float32Array.of(0.25))]);
  }],
  ['Clip opset 6-style attributes (opset 7), relu6', () => {
    const g = new ChainBuilder([1, 8], 7);
    return g.op('Gemm', [g.init([8, 8], rand(64, 24, 8)), g.init([8], rand(8, 60))]).op('Clip', [], { min: f(0), max: f(6) });
  }],
  ['Clip opset 13 inputs min only, then max only', () => {
    const g = new ChainBuilder([1, 8], 13);
    g.op('Gemm', [g.init([8, 8], rand(64, 25, 4))]).op('Clip', [g.init([], Float32Array.of(-0.5))]);
    return g.op('Clip', ['', g.init([], Float32Array.of(0.75))]);
  }],
  ['Constant nodes: Reshape shape and Clip bounds (opset 12), Constant placed before its consumer', () => {
    const g = new ChainBuilder([1, 2, 3, 3], 12);
    const shape = g.constNode([2], [1, -1], { raw: true });
    conv(g, 2, 2, [2, 2], {}, 1, true, 70).op('Reshape', [shape]);
    return g.op('Clip', [g.constNode([], Float32Array.of(-0.1)), g.constNode([], Float32Array.of(0.2))]);
  }],
  ['Softmax opset 11 (axis default 1)', () => {
    const g = new ChainBuilder([1, 6], 11);
    return g.op('Gemm', [g.init([6, 5], rand(30, 26, 3))]).op('Softmax');
  }],
  ['Softmax opset 13 axis -1 after Flatten of conv', () => {
    const g = new ChainBuilder([1, 2, 4, 4], 13);
    conv(g, 2, 3, [3, 3]).op('Flatten');
    return g.op('Gemm', [g.init([12, 4], rand(48, 27, 2))]).op('Softmax', [], { axis: i(-1) });
  }],
  ['Flatten reads CHW order, then Gemm', () => {
    const g = new ChainBuilder([1, 3, 5, 4]);
    conv(g, 3, 2, [2, 2], {}, 1, true, 28).op('Flatten', [], { axis: i(1) });
    return g.op('Gemm', [g.init([3, 24], rand(72, 29)), g.init([3], rand(3, 30))], { transB: i(1) });
  }],
  ['Reshape [0, -1] and [1, 24] (int64 raw) flatten', () => {
    const g = new ChainBuilder([1, 2, 4, 3]);
    conv(g, 2, 2, [1, 1]).op('Reshape', [g.init([2], [0, -1])]);
    return g.op('MatMul', [g.init([24, 3], rand(72, 31))]).op('Reshape', [g.init([2], [-1, 3], { raw: true })]);
  }],
  ['MaxPool 2×2 default strides 1', () => new ChainBuilder([1, 2, 5, 5]).op('MaxPool', [], { kernel_shape: ints([2, 2]) })],
  ['MaxPool 3×3 stride 2 pads 1 ceil_mode', () => new ChainBuilder([1, 2, 8, 8]).op('MaxPool', [], { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]), ceil_mode: i(1) })],
  // (not SAME with dilations: onnxruntime sizes dilated SAME pools from the undilated kernel, against the spec's ceil(in / stride))
  ['MaxPool dilations 2 pads (opset 12)', () => new ChainBuilder([1, 2, 7, 7], 12).op('MaxPool', [], { kernel_shape: ints([2, 2]), dilations: ints([2, 2]), pads: ints([1, 0, 1, 1]) })],
  ['MaxPool SAME_LOWER stride 2', () => new ChainBuilder([1, 2, 7, 6]).op('MaxPool', [], { kernel_shape: ints([2, 3]), strides: ints([2, 2]), auto_pad: s('SAME_LOWER') })],
  ['AveragePool pads count_include_pad=0', () => new ChainBuilder([1, 2, 6, 6]).op('AveragePool', [], { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) })],
  ['AveragePool pads count_include_pad=1', () => new ChainBuilder([1, 2, 6, 6]).op('AveragePool', [], { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 0, 1, 0]), count_include_pad: i(1) })],
  ['AveragePool ceil_mode, VALID', () => new ChainBuilder([1, 2, 7, 7]).op('AveragePool', [], { kernel_shape: ints([2, 2]), strides: ints([2, 2]), ceil_mode: i(1) }).op('AveragePool', [], { kernel_shape: ints([2, 2]), auto_pad: s('VALID') })],
  ['AveragePool dilations (opset 19)', () => new ChainBuilder([1, 2, 7, 7], 19).op('AveragePool', [], { kernel_shape: ints([2, 2]), dilations: ints([2, 2]) })],
  ['GlobalAveragePool then Flatten', () => conv(new ChainBuilder([1, 2, 5, 5]), 2, 3, [3, 3]).op('GlobalAveragePool').op('Flatten')],
  ['GlobalMaxPool then Gemm', () => {
    const g = conv(new ChainBuilder([1, 2, 5, 5]), 2, 3, [3, 3]).op('GlobalMaxPool').op('Flatten');
    return g.op('Gemm', [g.init([3, 2], rand(6, 32))]);
  }],
  ['BatchNormalization spatial (default epsilon 1e-5) and on features (epsilon 1e-3)', () => {
    const g = new ChainBuilder([1, 3, 4, 4]);
    const bn = (c: number, seed: number, attrs = {}) =>
      g.op('BatchNormalization', [g.init([c], rand(c, seed)), g.init([c], rand(c, seed + 1)), g.init([c], rand(c, seed + 2)), g.init([c], Float32Array.from(rand(c, seed + 3), (v) => Math.abs(v) * 0.01))], attrs);
    bn(3, 33).op('Flatten');
    return bn(48, 40, { epsilon: f(1e-3) });
  }],
  ['Pad opset 7 attributes, then Conv', () => {
    const g = new ChainBuilder([1, 2, 4, 5], 7);
    g.op('Pad', [], { pads: ints([0, 0, 1, 2, 0, 0, 3, 0]), mode: s('constant') });
    return conv(g, 2, 2, [3, 3]);
  }],
  ['Pad opset 13 inputs with constant_value 0', () => {
    const g = new ChainBuilder([1, 2, 4, 5], 13);
    return g.op('Pad', [g.init([8], [0, 0, 2, 1, 0, 0, 0, 1]), g.init([], Float32Array.of(0))]);
  }],
  ['Pad opset 18 with axes', () => {
    const g = new ChainBuilder([1, 2, 4, 5], 18);
    return g.op('Pad', [g.init([4], [1, 2, 0, 3]), '', g.init([2], [2, 3])]);
  }],
  ['Dropout and Identity skipped (opset 12 Dropout with mask output)', () => {
    const g = new ChainBuilder([1, 6], 12);
    return g.op('Dropout', [], {}, 1).op('Identity').op('Gemm', [g.init([6, 3], rand(18, 50))]);
  }],
  ['opset 21 conv + relu + maxpool + flatten + gemm + softmax (the seed shape, small)', () => {
    const g = new ChainBuilder([1, 3, 10, 10], 21);
    conv(g, 3, 4, [3, 3], { auto_pad: s('SAME_UPPER'), strides: ints([2, 2]) }).op('Relu');
    conv(g, 4, 4, [3, 3], { pads: ints([1, 1, 1, 1]) }, 1, true, 9).op('Relu').op('MaxPool', [], { kernel_shape: ints([2, 2]), strides: ints([2, 2]) }).op('Flatten');
    g.op('Gemm', [g.init([8, 16], rand(128, 51)), g.init([8], rand(8, 52))], { transB: i(1) }).op('Relu');
    return g.op('Gemm', [g.init([8, 3], rand(24, 53))]).op('Softmax', [], { axis: i(1) });
  }],
];

describe('loadOnnx → naive reference, runCnn, convert (dense, csr) → runMlp all agree with onnxruntime-node', () => {
  it.each(cases)('%s', async (_name, build) => {
    const g = build();
    const bytes = g.bytes();
    const model = loadOnnx(bytes);
    expect(model.layout).toBe('NCHW');
    const perSample = g.inDims.slice(1).reduce((a, b) => a * b, 1);
    const input = rand(B * perSample, 99, 1);
    const expected = await runOrt(bytes, input, [B, ...g.inDims.slice(1)]);
    await expectAllAgree(model, input, B, expected);
  });
});
