/**
 * loadOnnx's graph features against onnxruntime-node, on graphs built here: layout round trips,
 * constant subgraphs, Pad with a nonzero value, Gemm with a [1, N] C, Flatten at a later axis,
 * Sum of three tensors, HardSigmoid, Upsample-7's scales attribute, a squeeze-excitation gate,
 * ConvTranspose with output_shape, and the refusals that say what would be needed.
 * Tolerance: expectClose's atol 1e-4 + rtol 1e-4 (reductions of ≤ 72 terms in [-1, 1]: float32
 * reassociation stays below 1e-5; a wrong pad, axis or value moves outputs by ≥ 1e-2).
 */
import Long from 'long';
import { describe, expect, it } from 'vitest';
import { runCnn } from '../../src/cnn/cnn.js';
import { Cnn2MlpError } from '../../src/errors.js';
import { loadOnnx } from '../../src/formats/onnx.js';
import { expectClose, runOrt } from '../support/compare.js';
import { ChainBuilder, f, i, ints, rand, s } from '../support/onnx-builders.js';

const B = 2;

async function agree(g: ChainBuilder): Promise<ReturnType<typeof loadOnnx>> {
  const bytes = g.bytes();
  const model = loadOnnx(bytes);
  const n = g.inDims.slice(1).reduce((a, b) => a * b, 1);
  const x = rand(B * n, 11, 1);
  expectClose(await runCnn(model, x), await runOrt(bytes, x, [B, ...g.inDims.slice(1)]));
  return model;
}

/** Adds a node reading arbitrary tensors; returns its output name. */
function node(g: ChainBuilder, opType: string, input: string[], attrs: Record<string, unknown> = {}): string {
  const out = `n${g.nodes.length}_${opType}`;
  g.nodes.push({ name: out, opType, input, output: [out], attribute: Object.entries(attrs).map(([name, v]) => ({ name, ...(v as object), type: 'ints' in (v as object) ? 7 : 'i' in (v as object) ? 2 : 'f' in (v as object) ? 1 : 3 })) });
  return out;
}

describe('loadOnnx graphs vs onnxruntime', () => {
  it('a Transpose to NHWC and back around elementwise ops vanishes', async () => {
    const g = new ChainBuilder([1, 3, 5, 4]);
    g.op('Conv', [g.init([4, 3, 3, 3], rand(108, 1, 0.5))], { pads: ints([1, 1, 1, 1]) });
    g.op('Transpose', [], { perm: ints([0, 2, 3, 1]) }).op('Relu').op('Mul', [g.init([], Float32Array.of(0.5))]).op('Transpose', [], { perm: ints([0, 3, 1, 2]) });
    g.op('Conv', [g.init([2, 4, 1, 1], rand(8, 2, 0.5))]);
    const model = await agree(g);
    // no transposes left: the Relu stays the file's own node, the ×0.5 after it a scaleShift
    expect(model.layers.map((l) => l.type)).toEqual(['conv2d', 'activation', 'scaleShift', 'conv2d']);
  });

  it('a Transpose that is not undone is refused, naming the node', () => {
    const g = new ChainBuilder([1, 3, 4, 4]);
    g.op('Transpose', [], { perm: ints([0, 2, 3, 1]) }).op('Conv', [g.init([2, 4, 1, 1], rand(8, 3))]);
    expect(() => loadOnnx(g.bytes())).toThrow(/Transpose.*undoes it|transposed by perm/);
  });

  it('constant subgraphs fold: a weight computed as W · 2 − 0.25, a shape from Shape/Gather/Concat', async () => {
    const g = new ChainBuilder([1, 2, 6, 6]);
    const w = node(g, 'Sub', [node(g, 'Mul', [g.init([3, 2, 3, 3], rand(54, 4, 0.5)), g.init([], Float32Array.of(2))]), g.init([], Float32Array.of(0.25))]);
    g.op('Conv', [w]).op('Relu');
    const conv = g.cur;
    const shape = node(g, 'Shape', [conv]);
    const n = node(g, 'Unsqueeze', [node(g, 'Gather', [shape, g.init([], [0])], { axis: i(0) }), g.init([1], [0])]);
    const target = node(g, 'Concat', [n, g.init([1], [-1])], { axis: i(0) });
    g.op('Reshape', [target]).op('Gemm', [g.init([5, 48], rand(240, 5, 0.3)), g.init([1, 5], rand(5, 6))], { transB: i(1) });
    const model = await agree(g);
    expect(model.layers.map((l) => l.type)).toEqual(['conv2d', 'activation', 'flatten', 'dense']);
  });

  it('64-bit ends beyond 2^53 (INT64_MAX, as exporters write "to the end") slice to the end, as attributes and as int64_data', async () => {
    const INT64_MAX = Long.MAX_VALUE as unknown as number; // protobufjs encodes a Long exactly
    const opset9 = new ChainBuilder([1, 3, 4, 4], 9);
    const w9 = node(opset9, 'Slice', [opset9.init([1, 5, 1, 1], rand(5, 21))], { starts: ints([2]), ends: ints([INT64_MAX]), axes: ints([1]) });
    opset9.op('Mul', [w9]);
    await agree(opset9);
    const opset13 = new ChainBuilder([1, 3, 4, 4]);
    const ends = opset13.init([1], [0]);
    opset13.inits[opset13.inits.length - 1].int64Data = [Long.MAX_VALUE as unknown as number];
    opset13.op('Mul', [node(opset13, 'Slice', [opset13.init([1, 5, 1, 1], rand(5, 22)), opset13.init([1], [2]), ends, opset13.init([1], [1])])]);
    await agree(opset13);
  });

  it('a dimension of 2^62 is refused as absurd, not mistaken for the batch size', () => {
    const g = new ChainBuilder([1, 3, 4, 4]);
    const w = g.init([1, 3, 1, 1], rand(3, 23));
    g.inits[g.inits.length - 1].dims = [Long.fromString('4611686018427387904') as unknown as number, 3, 1, 1];
    g.op('Mul', [w]);
    expect(() => loadOnnx(g.bytes())).toThrow(/absurd dimension 4611686018427388\d{3}/);
  });

  it('Pad with a nonzero constant, Flatten at axis 2 of [N, 1, 4, 4], HardSigmoid', async () => {
    const g = new ChainBuilder([1, 1, 4, 4], 11);
    g.op('Pad', [g.init([8], [0, 0, 1, 2, 0, 0, 2, 0]), g.init([], Float32Array.of(1.5))]).op('HardSigmoid', [], { alpha: f(0.3), beta: f(0.4) });
    g.op('Flatten', [], { axis: i(2) });
    await agree(g);
  });

  it('Sum of three tensors and a squeeze-excitation gate (ReduceMean → convs → HardSigmoid · x)', async () => {
    const g = new ChainBuilder([1, 4, 5, 5]);
    g.op('Conv', [g.init([4, 4, 3, 3], rand(144, 7, 0.3))], { pads: ints([1, 1, 1, 1]) });
    const x = g.cur;
    const a = node(g, 'Relu', [x]);
    const b = node(g, 'Sigmoid', [x]);
    const sum = node(g, 'Sum', [x, a, b]);
    const m = node(g, 'ReduceMean', [sum], { axes: ints([2, 3]) });
    const gate = node(g, 'HardSigmoid', [node(g, 'Conv', [m, g.init([4, 4, 1, 1], rand(16, 8))])], { alpha: f(1 / 6), beta: f(0.5) });
    g.nodes.push({ name: 'gate_mul', opType: 'Mul', input: [sum, gate], output: ['y'] });
    g.cur = 'y';
    const model = await agree(g);
    expect(model.layers.map((l) => l.type)).toContain('multiply');
  });

  it('Upsample-7 (scales attribute) and Resize-13 half_pixel bilinear', async () => {
    const g = new ChainBuilder([1, 2, 3, 4], 7);
    g.op('Upsample', [], { mode: s('nearest'), scales: { floats: [1, 1, 2, 3] } });
    await agree(g);
    const h = new ChainBuilder([1, 2, 3, 4], 13);
    h.op('Resize', ['', h.init([4], Float32Array.of(1, 1, 2, 2))], { mode: s('linear'), coordinate_transformation_mode: s('half_pixel') });
    await agree(h);
  });

  it('ConvTranspose with output_shape and SAME_UPPER', async () => {
    const g = new ChainBuilder([1, 3, 4, 4]);
    g.op('ConvTranspose', [g.init([3, 2, 3, 3], rand(54, 9, 0.5)), g.init([2], rand(2, 10))], { strides: ints([2, 2]), output_shape: ints([8, 9]) });
    await agree(g);
    const h = new ChainBuilder([1, 2, 3, 3]);
    h.op('ConvTranspose', [h.init([2, 3, 3, 3], rand(54, 12, 0.5))], { strides: ints([2, 2]), auto_pad: s('SAME_UPPER') });
    await agree(h);
  });

  it('refusals name the node, the op and what is missing', () => {
    const gemm = new ChainBuilder([1, 6]);
    gemm.op('Gemm', [gemm.init([6, 3], rand(18, 1))], { transA: i(1) });
    const err = (() => {
      try {
        loadOnnx(gemm.bytes());
      } catch (e) {
        return e as Cnn2MlpError;
      }
    })();
    expect(err?.code).toBe('ERR_UNSUPPORTED');
    expect(err?.message).toMatch(/Gemm_\d+/);
    expect(err?.message).toMatch(/transA=1/);
    const mm = new ChainBuilder([1, 3, 4, 4]);
    mm.op('Mul', [mm.init([1, 3, 4, 4], rand(48, 2))]);
    expect(() => loadOnnx(mm.bytes())).toThrow(/scalar or one value per channel/);
  });
});
