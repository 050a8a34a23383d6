/**
 * exportOnnx and cnnToOnnx against onnxruntime-node. MLP references are computed here in float64
 * from the same arrays handed to native memory; CNN references by the naive reference CNN.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { cnnToOnnx, exportOnnx } from '../../src/formats/onnx-export.js';
import { loadOnnx } from '../../src/formats/onnx.js';
import { Mlp } from '../../src/mlp/mlp.js';
import { convert } from '../../src/convert/convert.js';
import { runMlp } from '../../src/mlp/run.js';
import { ChainBuilder, i, ints, s } from '../support/onnx-builders.js';
import { native, type NativeLayerInput } from '../../src/native.js';
import type { CnnModel } from '../../src/model/types.js';
import { referenceCnn } from '../support/reference-cnn.js';
import { rand } from '../support/onnx-builders.js';
import { expectClose, expectNearReference, expectSameFunction, runOrt } from '../support/compare.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cnn2mlp-onnx-export-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const ACTS: Record<number, (x: number, l: NativeLayerInput) => number> = {
  0: (x) => x,
  1: (x) => Math.max(0, x),
  2: (x, l) => (x >= 0 ? x : l.alpha! * x),
  3: (x, l) => Math.min(Math.max(x, l.min!), l.max!),
  4: (x) => 1 / (1 + Math.exp(-x)),
  5: (x) => Math.tanh(x),
  6: (x, l) => (x >= 0 ? x : l.alpha! * (Math.exp(x) - 1)),
  7: (x) => 1.0507009873554805 * (x >= 0 ? x : 1.6732632423543772 * (Math.exp(x) - 1)),
  8: (x) => Math.log1p(Math.exp(x)),
};

/** float64 y = act(W·x + b) per layer, W row-major [rows, cols] (dense) or CSR. */
function naiveMlp(layers: NativeLayerInput[], input: Float32Array, batch: number): Float64Array {
  const inSize = layers[0].cols;
  const outSize = layers[layers.length - 1].rows;
  const out = new Float64Array(batch * outSize);
  for (let b = 0; b < batch; b++) {
    let x: Float64Array = Float64Array.from(input.subarray(b * inSize, (b + 1) * inSize));
    for (const l of layers) {
      const y = new Float64Array(l.rows);
      for (let r = 0; r < l.rows; r++) {
        let s = l.bias ? l.bias[r] : 0;
        if (l.format === 0) for (let c = 0; c < l.cols; c++) s += l.values[r * l.cols + c] * x[c];
        else for (let k = l.rowPtr![r]; k < l.rowPtr![r + 1]; k++) s += l.values[k] * x[l.colIdx![k]];
        y[r] = s;
      }
      if (l.act === 9) {
        const m = Math.max(...y);
        let s = 0;
        for (let r = 0; r < y.length; r++) s += y[r] = Math.exp(y[r] - m);
        for (let r = 0; r < y.length; r++) y[r] /= s;
      } else for (let r = 0; r < y.length; r++) y[r] = ACTS[l.act](y[r], l);
      x = y;
    }
    out.set(x, b * outSize);
  }
  return out;
}

function dense(rows: number, cols: number, seed: number, act: number, extra: Partial<NativeLayerInput> = {}): NativeLayerInput {
  return { format: 0, rows, cols, values: rand(rows * cols, seed, 0.4), bias: rand(rows, seed + 1, 0.2), act, ...extra };
}

/** Random CSR with about a third of entries kept, some rows empty. */
function csr(rows: number, cols: number, seed: number, act: number, extra: Partial<NativeLayerInput> = {}): NativeLayerInput {
  const keep = rand(rows * cols, seed + 7);
  const vals = rand(rows * cols, seed, 0.5);
  const rowPtr = new Float64Array(rows + 1);
  const colIdx: number[] = [];
  const values: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++)
      if (r % 5 !== 3 && keep[r * cols + c] > 0.33) {
        colIdx.push(c);
        values.push(vals[r * cols + c]);
      }
    rowPtr[r + 1] = colIdx.length;
  }
  return { format: 1, rows, cols, values: Float32Array.from(values), rowPtr, colIdx: Int32Array.from(colIdx), bias: rand(rows, seed + 1, 0.2), act, ...extra };
}

function makeMlp(layers: NativeLayerInput[]): Mlp {
  const h = native().mlpFromLayers(layers[0].cols, layers);
  return new Mlp(h, { layout: 'NHWC', inputShape: [layers[0].cols], outputShape: [layers[layers.length - 1].rows] });
}

// Tolerance: inner products of ≤ 64 terms of size ≤ 0.4 through ≤ 4 layers; float32 vs float64
// differs by ~sqrt(64)·6e-8·Σ|terms| ≲ 1e-5; atol 1e-4 + rtol 1e-4 leaves margin and still catches
// any transposed or shifted matrix (those change outputs by > 1e-2).
describe('exportOnnx', () => {
  const cases: [string, NativeLayerInput[], number][] = [
    ['dense relu → csr leakyRelu → dense softmax, all external, tiny chunks', [dense(33, 20, 1, 1), csr(17, 33, 2, 2, { alpha: 0.1 }), dense(5, 17, 3, 9)], 0],
    ['clip, sigmoid, tanh, elu, selu, softplus, linear, inline', [dense(16, 12, 4, 3, { min: -0.2, max: 0.3 }), dense(16, 16, 5, 4), csr(16, 16, 6, 5), dense(16, 16, 7, 6, { alpha: 0.7 }), dense(16, 16, 8, 7), dense(16, 16, 9, 8), dense(3, 16, 10, 0)], Infinity],
    ['mixed: first layer external, rest inline', [dense(64, 30, 11, 1), dense(8, 64, 12, 0)], 1024],
  ];
  it.each(cases)('%s', async (_name, layers, externalThreshold) => {
    const mlp = makeMlp(layers);
    const file = path.join(tmp, `mlp-${externalThreshold}.onnx`);
    await exportOnnx(mlp, file, { externalThreshold, chunkBytes: 200 });
    // one versioned data file (model.onnx.<12 hex>.data) when any weight is external
    const dataFiles = fs.readdirSync(tmp).filter((f) => new RegExp(`^${path.basename(file).replace('.', '\\.')}\\.[0-9a-f]{12}\\.data$`).test(f));
    expect(dataFiles.length).toBe(externalThreshold !== Infinity ? 1 : 0);
    expect(fs.readdirSync(tmp).filter((f) => f.includes('.tmp-'))).toEqual([]);
    const batch = 3;
    const input = rand(batch * mlp.inputSize, 77);
    const session = await ort.InferenceSession.create(file);
    expect(session.inputNames).toEqual(['input']);
    expect(session.outputNames).toEqual(['output']);
    const res = await session.run({ input: new ort.Tensor('float32', input, [batch, mlp.inputSize]) });
    await session.release();
    expect(res.output.dims).toEqual([batch, mlp.outputSize]);
    const want = naiveMlp(layers, input, batch);
    expectClose(res.output.data as Float32Array, want);
    // and our own loader reads the exported file back (external data included) as dense layers
    const back = loadOnnx(file);
    expect(back.layers.filter((l) => l.type === 'dense').length).toBe(layers.length);
    expectClose(referenceCnn(back, input, batch).y, want, 1e-6, 1e-6); // same weights; ONNX holds activation parameters in float32
    mlp.dispose();
  });

  it('a converted CNN (ONNX in → convert dense, csr, rcsr and auto → exportOnnx) runs in onnxruntime like runMlp and like the source graph', async () => {
    const g = new ChainBuilder([1, 3, 12, 12]);
    g.op('Conv', [g.init([8, 3, 3, 3], rand(216, 1, 0.4)), g.init([8], rand(8, 2, 0.1))], { strides: ints([2, 2]), auto_pad: s('SAME_UPPER') }).op('Relu');
    g.op('Conv', [g.init([8, 8, 3, 3], rand(576, 3, 0.2))], { pads: ints([1, 1, 1, 1]) }).op('LeakyRelu');
    g.op('MaxPool', [], { kernel_shape: ints([2, 2]), strides: ints([2, 2]) }).op('Flatten');
    g.op('Gemm', [g.init([10, 72], rand(720, 4, 0.2)), g.init([10], rand(10, 5))], { transB: i(1) }).op('Softmax', [], { axis: i(1) });
    const src = g.bytes();
    const batch = 4;
    const input = rand(batch * 432, 8);
    const fromGraph = await runOrt(src, input, [batch, 3, 12, 12]);
    for (const format of ['dense', 'csr', 'rcsr', 'auto'] as const) {
      const mlp = await convert(loadOnnx(src), { format });
      const file = path.join(tmp, `converted-${format}.onnx`);
      await exportOnnx(mlp, file, { externalThreshold: 4096, chunkBytes: 5000 });
      // the exported graph takes the source model's input tensor, as the source graph does
      const exported = await runOrt(file, input, [batch, 3, 12, 12]);
      const ours = await runMlp(mlp, input);
      expectClose(exported, ours);
      expectClose(exported, fromGraph);
      const flatFile = path.join(tmp, `converted-${format}-flat.onnx`);
      await exportOnnx(mlp, flatFile, { shape: 'flat' });
      expectClose(await runOrt(flatFile, input, [batch, mlp.inputSize]), ours);
      mlp.dispose();
    }
  });

  it('refuses a disposed MLP and a bad data file name', async () => {
    const mlp = makeMlp([dense(4, 3, 1, 0)]);
    await expect(exportOnnx(mlp, path.join(tmp, 'x.onnx'), { dataFileName: '../evil.data' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    mlp.dispose();
    await expect(exportOnnx(mlp, path.join(tmp, 'x.onnx'))).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
  });
});

describe('cnnToOnnx', () => {
  const w = (n: number, seed: number) => rand(n, seed, 0.5);
  const nhwc: CnnModel = {
    layout: 'NHWC',
    inputShape: [9, 8, 3],
    layers: [
      { type: 'conv2d', filters: 4, kernelSize: [3, 3], strides: [2, 1], padding: 'same', weights: w(3 * 3 * 3 * 4, 1), bias: w(4, 2), activation: 'relu' },
      { type: 'zeroPad2d', padding: [1, 0, 0, 2] },
      { type: 'conv2d', filters: 4, kernelSize: [3, 3], padding: 'sameLower', groups: 4, weights: w(3 * 3 * 1 * 4, 3), activation: { type: 'leakyRelu', alpha: 0.1 } },
      { type: 'batchNorm', mean: w(4, 4), variance: Float32Array.from(w(4, 5), (v) => Math.abs(v) + 0.1), gamma: w(4, 6), beta: w(4, 7) },
      { type: 'prelu', alpha: w(4, 8) },
      { type: 'maxPool2d', poolSize: [2, 2], strides: [2, 2], padding: [0, 1, 0, 1], ceilMode: true },
      { type: 'avgPool2d', poolSize: [2, 2], strides: [1, 1], padding: [1, 1, 1, 1], countIncludePad: true },
      { type: 'flatten' },
      { type: 'dense', units: 6, weights: w(96 * 6, 9), bias: w(6, 10), activation: { type: 'clip', min: -0.1, max: 0.2 } },
      { type: 'dense', units: 3, weights: w(18, 11), activation: 'softmax' },
    ],
  };
  const nchw: CnnModel = {
    layout: 'NCHW',
    inputShape: [2, 7, 7],
    layers: [
      { type: 'conv2d', filters: 3, kernelSize: [2, 3], dilation: [2, 1], padding: [1, 0, 2, 1], weights: w(2 * 3 * 2 * 3, 12), bias: w(3, 13) },
      { type: 'activation', activation: 'elu' },
      { type: 'avgPool2d', poolSize: [3, 3], strides: [2, 2], padding: 'same' },
      { type: 'activation', activation: 'selu' },
      { type: 'globalMaxPool2d' },
      { type: 'dense', units: 4, weights: w(12, 14), activation: 'tanh' },
    ],
  };
  const spatialOut: CnnModel = {
    layout: 'NHWC',
    inputShape: [5, 5, 2],
    layers: [{ type: 'conv2d', filters: 3, kernelSize: [3, 3], padding: 'same', weights: w(54, 15), activation: 'softmax' }],
  };
  it.each([
    ['NHWC conv/pad/depthwise/bn/prelu/pools/flatten/dense/softmax', nhwc],
    ['NCHW dilated conv, elu, selu, global max pool, tanh', nchw],
    ['NHWC spatial output with channel softmax', spatialOut],
  ] as [string, CnnModel][])('%s runs in onnxruntime like the reference', async (_n, model) => {
    const bytes = cnnToOnnx(model);
    const batch = 2;
    const per = model.inputShape.reduce((a, b) => a * b, 1);
    const input = rand(batch * per, 5);
    expectNearReference(await runOrt(bytes, input, [batch, ...model.inputShape]), model, input, batch, 'onnxruntime');
    if (model.layout === 'NCHW') expectSameFunction(model, loadOnnx(bytes), input, batch, 'loadOnnx(cnnToOnnx(model))');
  });
});
