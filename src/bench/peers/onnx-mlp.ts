/**
 * onnxruntime-node peer for a dense MLP: the layers written as one ONNX graph of Gemm (transB = 1,
 * so W stays row-major [outputs, inputs] exactly as cnn2mlp stores it) + activation nodes. Weights
 * go to an external-data file next to the model, so the protobuf stays far below its 2 GB limit
 * however large the matrices are; ORT loads the model from its path and maps the data file.
 * Weights are streamed layer by layer through `readRows`, so no single JS array has to hold a
 * multi-GB matrix.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import type { onnx as O } from 'onnx-proto';
import type { Activation } from '../../model/types.js';
import { Cnn2MlpError } from '../../errors.js';
import type { Runner } from '../runner.js';

const { onnx } = onnxProto;

/** One dense layer, read in row blocks: W is [rows = outputs, cols = inputs], y = act(W·x + b). */
export interface StreamedDenseLayer {
  rows: number;
  cols: number;
  /** rows [start, start + count) of W, row-major, count × cols floats */
  readRows(start: number, count: number): Float32Array;
  bias: Float32Array;
  activation: Activation;
}

function activationNodes(a: Activation, input: string, output: string, i: number): O.INodeProto[] {
  const spec = typeof a === 'string' ? { type: a } : a;
  const node = (opType: string, attribute: O.IAttributeProto[] = [], extraInputs: string[] = []): O.INodeProto[] => [
    { opType, input: [input, ...extraInputs], output: [output], name: `act${i}`, attribute },
  ];
  const f = (name: string, v: number): O.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.FLOAT, f: v });
  switch (spec.type) {
    case 'linear':
      return node('Identity');
    case 'relu':
      return node('Relu');
    case 'sigmoid':
      return node('Sigmoid');
    case 'tanh':
      return node('Tanh');
    case 'softplus':
      return node('Softplus');
    case 'selu':
      return node('Selu');
    case 'elu':
      return node('Elu', [f('alpha', spec.alpha ?? 1)]);
    case 'leakyRelu':
      return node('LeakyRelu', [f('alpha', spec.alpha ?? 0.2)]);
    case 'softmax':
      return node('Softmax', [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: -1 }]);
    case 'relu6':
    case 'clip':
      return node('Clip', [], [`clipmin${i}`, `clipmax${i}`]);
    case 'hardSigmoid':
    case 'hardSwish':
    case 'swish':
      throw new Error(`the ONNX MLP peer has no ${spec.type} activation`);
  }
}

function clipBounds(a: Activation): [number, number] | undefined {
  const spec = typeof a === 'string' ? { type: a } : a;
  if (spec.type === 'relu6') return [0, 6];
  if (spec.type === 'clip') return [spec.min ?? -3.4e38, spec.max ?? 3.4e38];
  return undefined;
}

/** Layer i as a Gemm node (transB = 1) on W<i> streamed into the data file at `offset`, then its activation. */
function writeLayer(fd: number, l: StreamedDenseLayer, i: number, last: boolean, offset: number, dataName: string) {
  // W streamed in blocks of ≤ 64 MiB.
  const block = Math.max(1, Math.floor((64 << 20) / (4 * l.cols)));
  for (let r = 0; r < l.rows; r += block) {
    const rowsHere = Math.min(block, l.rows - r);
    const chunk = l.readRows(r, rowsHere);
    fs.writeSync(fd, new Uint8Array(chunk.buffer, chunk.byteOffset, rowsHere * l.cols * 4));
  }
  const F = onnx.TensorProto.DataType.FLOAT;
  const initializer: O.ITensorProto[] = [
    {
      name: `W${i}`,
      dataType: F,
      dims: [l.rows, l.cols],
      dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: [
        { key: 'location', value: dataName },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(l.rows * l.cols * 4) },
      ],
    },
    { name: `B${i}`, dataType: F, dims: [l.rows], floatData: Array.from(l.bias) },
  ];
  const x = i === 0 ? 'X' : `h${i - 1}`;
  const y = last ? 'Y' : `h${i}`;
  const nodes: O.INodeProto[] = [
    { opType: 'Gemm', input: [x, `W${i}`, `B${i}`], output: [`g${i}`], name: `gemm${i}`, attribute: [{ name: 'transB', type: onnx.AttributeProto.AttributeType.INT, i: 1 }] },
  ];
  const cb = clipBounds(l.activation);
  if (cb) {
    initializer.push({ name: `clipmin${i}`, dataType: F, dims: [], floatData: [cb[0]] });
    initializer.push({ name: `clipmax${i}`, dataType: F, dims: [], floatData: [cb[1]] });
  }
  nodes.push(...activationNodes(l.activation, `g${i}`, y, i));
  return { initializer, nodes, bytes: l.rows * l.cols * 4 };
}

/** Writes model.onnx and weights.bin into `dir`; returns the model's path. */
function writeModel(layers: StreamedDenseLayer[], dir: string): string {
  const dataName = 'weights.bin';
  const fd = fs.openSync(path.join(dir, dataName), 'w');
  const initializer: O.ITensorProto[] = [];
  const nodes: O.INodeProto[] = [];
  try {
    let offset = 0;
    layers.forEach((l, i) => {
      const w = writeLayer(fd, l, i, i === layers.length - 1, offset, dataName);
      initializer.push(...w.initializer);
      nodes.push(...w.nodes);
      offset += w.bytes;
    });
  } finally {
    fs.closeSync(fd);
  }
  const vi = (name: string, n: number): O.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimParam: 'N' }, { dimValue: n }] } } },
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'cnn2mlp-bench',
    opsetImport: [{ domain: '', version: 17 }],
    graph: { name: 'mlp', node: nodes, initializer, input: [vi('X', layers[0].cols)], output: [vi('Y', layers[layers.length - 1].rows)] },
  });
  const modelPath = path.join(dir, 'model.onnx');
  fs.writeFileSync(modelPath, onnx.ModelProto.encode(model).finish());
  return modelPath;
}

/**
 * Writes the MLP as model.onnx + weights.bin in a fresh temp directory and opens an ORT session on
 * `threads` intra-op threads. dispose() releases the session and deletes the files.
 */
export async function onnxMlp(layers: StreamedDenseLayer[], threads: number): Promise<Runner & { modelDir: string }> {
  if (layers.length === 0) throw new Cnn2MlpError('ERR_INVALID_ARG', 'onnxMlp: no layers');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnn2mlp-ort-'));
  const ort = await import('onnxruntime-node');
  let session: Awaited<ReturnType<typeof ort.InferenceSession.create>> | undefined;
  try {
    session = await ort.InferenceSession.create(writeModel(layers, dir), {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
    });
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const inSize = layers[0].cols;
  return {
    modelDir: dir,
    async run(input, batch) {
      const out = await session!.run({ X: new ort.Tensor('float32', input, [batch, inSize]) });
      return out.Y.data as Float32Array;
    },
    dispose() {
      void session?.release();
      session = undefined;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
