/**
 * Writing ONNX: `exportOnnx` writes a converted MLP (Gemm per layer, transB=1 on the native
 * row-major [rows, cols] matrices, so rows stream straight out); `cnnToOnnx` writes any CnnModel
 * as an ONNX graph (for validation and the onnxruntime benchmark peer).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Cnn2MlpError, describe } from '../errors.js';
import type { Mlp } from '../mlp/mlp.js';
import { native } from '../native.js';
import { FLAG_COUNT_INCLUDE_PAD, OP, planModel, type PlanOp, type ResolvedActivation } from '../model/plan.js';
import { emitGraphOp, toSpatial } from './onnx-export-graph.js';
import { GraphBuilder, leBytes, type Attr } from './onnx-graph-builder.js';
import type { CnnModel } from '../model/types.js';
import { onnx, type OnnxNs } from './onnx-proto.js';
import { versionedDataName, writeOnnxPair } from './onnx-files.js';

const FLOAT = 1;
const PROTOBUF_LIMIT = 2 ** 31 - 1; // a protobuf message cannot exceed 2 GiB
const INLINE_LIMIT = 1.5 * 2 ** 30; // leave headroom under it for the graph itself

export interface ExportOnnxOptions {
  /**
   * Weight and bias tensors of more than this many bytes go to the external data file beside the
   * model (ONNX external data). Default 1 MiB. 0 puts every weight matrix outside; Infinity keeps
   * all inline (refused above 1.5 GiB: a protobuf cannot exceed 2 GiB).
   */
  externalThreshold?: number;
  /**
   * external data file name, placed in the model's directory; default `<model file name>.data`.
   * Each save inserts a version before the extension (`model.onnx.3f2a9c1b0d4e.data`) and removes
   * the data files of earlier versions once the new model is in place.
   */
  dataFileName?: string;
  /** bytes of weights read from native memory per chunk (default 64 MiB); bounds JS memory use */
  chunkBytes?: number;
  /** graph input / output names (default 'input' / 'output') */
  inputName?: string;
  outputName?: string;
  /**
   * 'model' (default): the graph takes and returns the source model's tensors, `[N, ...inputShape]`
   * and `[N, ...outputShape]` of `mlp.metadata`, with a Reshape at either end where they have more
   * than one dimension, so the file replaces the source model as it is. 'flat': `[N, inputSize]`
   * in and `[N, outputSize]` out, as runMlp takes them.
   */
  shape?: 'model' | 'flat';
}

/** ONNX operator for an activation, appended after `input`; returns the new tensor name. */
function emitActivation(g: GraphBuilder, input: string, a: ResolvedActivation, softmaxAxis: number, out?: string): string {
  switch (a.name) {
    case 'linear':
      return input;
    case 'relu':
      return g.node('Relu', [input], {}, out);
    case 'leakyRelu':
      return g.node('LeakyRelu', [input], { alpha: { f: a.alpha } }, out);
    case 'clip':
    case 'relu6':
      return g.node('Clip', [input, g.scalar(a.min), g.scalar(a.max)], {}, out);
    case 'sigmoid':
      return g.node('Sigmoid', [input], {}, out);
    case 'tanh':
      return g.node('Tanh', [input], {}, out);
    case 'elu':
      return g.node('Elu', [input], { alpha: { f: a.alpha } }, out);
    case 'selu':
      return g.node('Selu', [input], {}, out);
    case 'softplus':
      return g.node('Softplus', [input], {}, out);
    case 'softmax':
      return g.node('Softmax', [input], { axis: { i: softmaxAxis } }, out);
    case 'hardSigmoid':
      return g.node('HardSigmoid', [input], { alpha: { f: a.alpha }, beta: { f: a.beta } }, out);
    case 'hardSwish':
      // HardSwish needs opset 14; x · hardSigmoid(x; 1/6, 1/2) is the same function at opset 13
      return g.node('Mul', [input, g.node('HardSigmoid', [input], { alpha: { f: 1 / 6 }, beta: { f: 0.5 } })], {}, out);
    case 'swish':
      return g.node('Mul', [input, g.node('Sigmoid', [input])], {}, out);
  }
}

function valueInfo(name: string, dims: (number | string)[]): OnnxNs.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
  };
}

function modelBytes(graph: OnnxNs.IGraphProto, opset: number, meta: Record<string, string> = {}): Uint8Array {
  const model: OnnxNs.IModelProto = {
    irVersion: opset >= 19 ? 9 : 7,
    producerName: 'cnn2mlp',
    opsetImport: [{ domain: '', version: opset }],
    graph,
    metadataProps: Object.entries(meta).map(([key, value]) => ({ key, value })),
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

/**
 * Writes `mlp` as a standard ONNX model at `filePath`: per layer a Gemm (transB=1, weights
 * [rows, cols] = [outUnits, inUnits]) and its activation as an ONNX op. Input and output keep the
 * source model's shapes (options.shape; `[N, inputSize]` / `[N, outputSize]` with 'flat'),
 * float32. Weight tensors above `externalThreshold` bytes are streamed from native memory in row
 * chunks into `<model>.<version>.data` (ONNX external data, offsets 4 KiB aligned), so models far
 * beyond 2 GiB export with bounded JS memory. CSR layers are densified chunk by chunk (the file
 * holds the dense matrix: ONNX has no CSR Gemm). Both files are written under temporary names and
 * renamed when complete, the data file under a new versioned name, so a kill at any point leaves
 * the old pair or the new one (onnx-files.ts). Opset 13.
 */
/** The files exportOnnx wrote: the model and, when weights went outside it, its versioned data file. */
export interface OnnxExportFiles {
  model: string;
  data?: string;
}

export async function exportOnnx(mlp: Mlp, filePath: string, options: ExportOnnxOptions = {}): Promise<OnnxExportFiles> {
  const o = onnxExportSettings(mlp, filePath, options);
  const plan = planExternalData(mlp, o.threshold);
  const bytes = mlpGraphBytes(mlp, o, plan.placed);
  const nat = native();
  const writeData = async (fh: fs.promises.FileHandle) => {
    let pos = 0;
    for (const e of plan.ext) {
      pos = e.offset; // gaps before aligned offsets read back as zeros
      const l = mlp.layers[e.layer];
      const step = rowsPerChunk(l, o.chunkBytes);
      for (let r = 0; r < l.rows; r += step) {
        const count = Math.min(step, l.rows - r);
        const chunk = leBytes(denseRows(nat, o.handle, e.layer, l, r, count));
        let off = 0;
        while (off < chunk.length) {
          const { bytesWritten } = await fh.write(chunk, off, chunk.length - off, pos);
          off += bytesWritten;
          pos += bytesWritten;
        }
      }
    }
  };
  try {
    await writeOnnxPair(filePath, bytes, o.dataName, plan.ext.length > 0 ? { dataFile: o.dataFile, write: writeData } : undefined);
  } catch (err) {
    if (err instanceof Cnn2MlpError) throw err;
    throw new Cnn2MlpError('ERR_BAD_FILE', `exportOnnx: cannot write '${filePath}': ${(err as Error).message}`, { cause: err });
  }
  return { model: filePath, ...(plan.ext.length > 0 ? { data: path.join(path.dirname(filePath), o.dataFile) } : {}) };
}

/** exportOnnx's arguments checked (in this order) and resolved to the values the export uses. */
interface OnnxExportSettings {
  threshold: number;
  chunkBytes: number;
  handle: Mlp['handle'];
  dataName: string;
  /** the versioned data file name the model references (see onnx-files.ts) */
  dataFile: string;
  inputName: string;
  outputName: string;
  inDims: number[];
  outDims: number[];
}

function onnxExportSettings(mlp: Mlp, filePath: string, options: ExportOnnxOptions): OnnxExportSettings {
  if (typeof filePath !== 'string' || filePath.length === 0) throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected a file path for exportOnnx's path but received ${describe(filePath)}`);
  if (typeof options !== 'object' || options === null) throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected an options object for exportOnnx's options but received ${describe(options)}`);
  const threshold = options.externalThreshold ?? 2 ** 20;
  if (typeof threshold !== 'number' || !(threshold >= 0)) throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected a number ≥ 0 for options.externalThreshold but received ${describe(threshold)}`);
  const chunkBytes = options.chunkBytes ?? 64 * 2 ** 20;
  if (!Number.isInteger(chunkBytes) || chunkBytes < 1) throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected a positive integer for options.chunkBytes but received ${describe(chunkBytes)}`);
  const handle = mlp.handle; // throws ERR_DISPOSED
  const dataName = options.dataFileName ?? `${path.basename(filePath)}.data`;
  if (dataName !== path.basename(dataName) || dataName === '' || dataName === '.' || dataName === '..')
    throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected a plain file name for options.dataFileName but received ${describe(dataName)}`);
  const dataFile = versionedDataName(dataName);
  const inputName = options.inputName ?? 'input';
  const outputName = options.outputName ?? 'output';
  const shape = options.shape ?? 'model';
  if (shape !== 'model' && shape !== 'flat') throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected 'model' or 'flat' for options.shape but received ${describe(shape)}`);
  const meta = mlp.metadata;
  const modelShape = (dims: readonly number[] | undefined, size: number) => (shape === 'model' && dims && dims.length > 1 && dims.reduce((a, b) => a * b, 1) === size ? [...dims] : [size]);
  const inDims = modelShape(meta?.inputShape, mlp.inputSize);
  const outDims = modelShape(meta?.outputShape, mlp.outputSize);
  return { threshold, chunkBytes, handle, dataName, dataFile, inputName, outputName, inDims, outDims };
}

/** A weight matrix stored in the external data file; biases (rows × 4 bytes) stay inline. */
type ExternalTensor = { layer: number; offset: number; bytes: number };

/** Which weight matrices go outside the model, at which 4 KiB-aligned offsets; refuses an inline part over 1.5 GiB. */
function planExternalData(mlp: Mlp, threshold: number): { ext: ExternalTensor[]; placed: (ExternalTensor | undefined)[] } {
  const ext: ExternalTensor[] = [];
  let dataSize = 0;
  let inlineBytes = 0;
  const place = (layer: number, bytes: number): ExternalTensor | undefined => {
    if (bytes > threshold) {
      dataSize = Math.ceil(dataSize / 4096) * 4096;
      const e = { layer, offset: dataSize, bytes };
      dataSize += bytes;
      ext.push(e);
      return e;
    }
    inlineBytes += bytes;
    return undefined;
  };
  const placed = mlp.layers.map((l, li) => place(li, l.rows * l.cols * 4));
  if (inlineBytes > INLINE_LIMIT)
    throw new Cnn2MlpError('ERR_TOO_LARGE', `exportOnnx: ${inlineBytes} bytes of weights would be stored inside the model, but an ONNX protobuf is limited to 2 GiB; lower options.externalThreshold`);
  return { ext, placed };
}

/** Rows of layer `l` read from native memory at once: within chunkBytes and 2^28 values. */
function rowsPerChunk(l: Mlp['layers'][number], chunkBytes: number): number {
  return Math.max(1, Math.min(l.rows, Math.floor(chunkBytes / Math.max(1, l.cols * 4)), Math.floor(2 ** 28 / Math.max(1, l.cols))));
}

/** The model protobuf: a Gemm and activation per layer, Reshapes at the ends, inline weights read in row chunks. */
function mlpGraphBytes(mlp: Mlp, o: OnnxExportSettings, placed: (ExternalTensor | undefined)[]): Uint8Array {
  const { handle, inputName, outputName, inDims, outDims } = o;
  const nat = native();
  const g = new GraphBuilder();
  let cur = inDims.length > 1 ? g.node('Reshape', [inputName, g.int64s([-1, mlp.inputSize])]) : inputName;
  const n = mlp.layers.length;
  const lastOut = outDims.length > 1 ? g.fresh('flat_output') : outputName;
  mlp.layers.forEach((l, li) => {
    const e = placed[li];
    const wName = `layer${li}_weight`;
    const wProto: OnnxNs.ITensorProto = { name: wName, dims: [l.rows, l.cols], dataType: FLOAT };
    if (e) {
      wProto.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
      wProto.externalData = [
        { key: 'location', value: o.dataFile },
        { key: 'offset', value: String(e.offset) },
        { key: 'length', value: String(e.bytes) },
      ];
    } else {
      // inline (small by construction: ≤ threshold and ≤ 1.5 GiB in all), still read in row chunks
      const all = new Float32Array(l.rows * l.cols);
      const step = rowsPerChunk(l, o.chunkBytes);
      for (let r = 0; r < l.rows; r += step) all.set(denseRows(nat, handle, li, l, r, Math.min(step, l.rows - r)), r * l.cols);
      wProto.rawData = leBytes(all);
    }
    g.inits.push(wProto);
    const bias = nat.mlpReadBias(handle, li);
    const bName = g.floats([l.rows], bias, `layer${li}_bias`);
    const last = li === n - 1;
    const gemmOut = last && l.act === 0 ? lastOut : undefined;
    cur = g.node('Gemm', [cur, wName, bName], { transB: { i: 1 } }, gemmOut);
    const act: ResolvedActivation = { name: l.activation as ResolvedActivation['name'], code: l.act, alpha: l.alpha, beta: 0, min: l.min, max: l.max };
    if (l.act !== 0) cur = emitActivation(g, cur, act, -1, last ? lastOut : undefined);
  });
  if (outDims.length > 1) g.node('Reshape', [cur, g.int64s([-1, ...outDims])], {}, outputName);
  const graph: OnnxNs.IGraphProto = {
    name: mlp.metadata?.source?.name ? String(mlp.metadata.source.name) : 'cnn2mlp_mlp',
    node: g.nodes,
    initializer: g.inits,
    input: [valueInfo(inputName, ['N', ...inDims])],
    output: [valueInfo(outputName, ['N', ...outDims])],
  };
  const bytes = modelBytes(graph, 13, { cnn2mlp_metadata: JSON.stringify(mlp.metadata ?? {}) });
  if (bytes.length > PROTOBUF_LIMIT) throw new Cnn2MlpError('ERR_TOO_LARGE', 'exportOnnx: the model protobuf exceeds 2 GiB; lower options.externalThreshold');
  return bytes;
}

/** Rows [start, start+count) of layer `li` as a dense row-major Float32Array (CSR densified). */
function denseRows(
  nat: ReturnType<typeof native>,
  handle: Mlp['handle'],
  li: number,
  l: Mlp['layers'][number],
  start: number,
  count: number,
): Float32Array {
  const got = nat.mlpReadRows(handle, li, start, count);
  if (got instanceof Float32Array) return got;
  const dense = new Float32Array(count * l.cols);
  for (let r = 0; r < count; r++)
    for (let k = got.rowPtr[r]; k < got.rowPtr[r + 1]; k++) dense[r * l.cols + got.colIdx[k]] = got.values[k];
  return dense;
}

/**
 * A CnnModel as an ONNX model (bytes, opset 13, or 19 when an average pool is dilated). Input is
 * `[N, ...inputShape]` in the model's layout; NHWC models get a Transpose to NCHW at the input
 * (ONNX convolutions are NCHW), back to NHWC before flatten and at a spatial output, so the ONNX
 * model takes and returns exactly what runCnn does. Pads are the resolved explicit pads of planModel.
 * Weights are stored inline (raw_data): meant for CNNs, which are small.
 */
export function cnnToOnnx(model: CnnModel, options: { inputName?: string; outputName?: string } = {}): Uint8Array {
  const plan = planModel(model);
  const g = new GraphBuilder();
  const inputName = options.inputName ?? 'input';
  const outputName = options.outputName ?? 'output';
  const nhwc = model.layout === 'NHWC';
  let cur = inputName;
  let spatial = plan.inputShape.kind === 'spatial';
  if (spatial && nhwc) cur = g.node('Transpose', [cur], { perm: { ints: [0, 3, 1, 2] } });
  let opset = 13;
  const T = plan.tensors;
  // Graphs: each value's ONNX tensor name and whether it is 4-D (N, C, H, W) or 2-D (N, C).
  const names = [cur];
  const spatialOf = [spatial];
  for (const op of plan.ops) {
    cur = names[op.inputs[0]];
    spatial = spatialOf[op.inputs[0]];
    if (op.op === OP.conv2d && !spatial) cur = toSpatial(g, cur);
    const pads = [op.pads[0], op.pads[2], op.pads[1], op.pads[3]]; // ONNX: h_begin, w_begin, h_end, w_end
    switch (op.op) {
      case OP.conv2d:
        cur = emitConv(g, op, cur, T, pads);
        spatial = true;
        if (op.residual >= 0) cur = g.node('Add', [cur, spatialOf[op.residual] ? names[op.residual] : toSpatial(g, names[op.residual])]);
        break;
      case OP.dense:
        cur = g.node('Gemm', [cur, g.floats([op.inC, op.outC], T[op.weights]), ...(op.bias >= 0 ? [g.floats([op.outC], T[op.bias], 'b')] : [])]);
        break;
      case OP.maxPool2d:
      case OP.avgPool2d:
        cur = emitPool(g, op, cur, pads);
        if (op.op === OP.avgPool2d && (op.dh !== 1 || op.dw !== 1)) opset = 19;
        break;
      case OP.globalAvgPool2d:
      case OP.globalMaxPool2d:
        cur = g.node('Flatten', [g.node(op.op === OP.globalAvgPool2d ? 'GlobalAveragePool' : 'GlobalMaxPool', [cur])]);
        spatial = false;
        break;
      case OP.batchNorm: {
        // plan folds batch norm to y = x·scale + shift: BatchNormalization with mean 0, var 1, epsilon 0
        const c = op.inC;
        cur = g.node('BatchNormalization', [cur, g.floats([c], T[op.weights]), g.floats([c], T[op.bias]), g.floats([c], new Float32Array(c)), g.floats([c], new Float32Array(c).fill(1))], { epsilon: { f: 0 } });
        break;
      }
      case OP.zeroPad2d:
        cur = g.node('Pad', [cur, g.int64s([0, 0, op.pads[0], op.pads[2], 0, 0, op.pads[1], op.pads[3]])]);
        break;
      case OP.prelu:
        cur = g.node('PRelu', [cur, spatial ? g.floats([op.inC, 1, 1], T[op.weights]) : g.floats([op.inC], T[op.weights])]);
        break;
      case OP.flatten:
        if (spatial && nhwc) cur = g.node('Transpose', [cur], { perm: { ints: [0, 2, 3, 1] } });
        cur = g.node('Flatten', [cur]);
        spatial = false;
        break;
      case OP.activation:
        break;
      default:
        ({ cur, spatial } = emitGraphOp(g, op, cur, op.inputs.map((v) => ({ name: names[v], spatial: spatialOf[v] })), T));
    }
    cur = emitActivation(g, cur, op.activation, spatial ? 1 : -1);
    names.push(cur);
    spatialOf.push(spatial);
  }
  if (spatial && nhwc) cur = g.node('Transpose', [cur], { perm: { ints: [0, 2, 3, 1] } });
  cur = g.node('Identity', [cur], {}, outputName);
  const outDims = plan.outputShape.kind === 'vector' ? [plan.outputShape.n] : nhwc ? [plan.outputShape.h, plan.outputShape.w, plan.outputShape.c] : [plan.outputShape.c, plan.outputShape.h, plan.outputShape.w];
  return modelBytes(
    { name: model.name ?? 'cnn2mlp_cnn', node: g.nodes, initializer: g.inits, input: [valueInfo(inputName, ['N', ...model.inputShape])], output: [valueInfo(outputName, ['N', ...outDims])] },
    opset,
  );
}

/** A conv2d as an ONNX Conv: HWIO weights transposed to OIHW (ONNX convolutions are NCHW). */
function emitConv(g: GraphBuilder, op: PlanOp, cur: string, T: Float32Array[], pads: number[]): string {
  const cig = op.inC / op.groups;
  const w = T[op.weights];
  const oihw = new Float32Array(w.length);
  for (let o = 0; o < op.outC; o++)
    for (let i = 0; i < cig; i++)
      for (let y = 0; y < op.kh; y++) for (let x = 0; x < op.kw; x++) oihw[((o * cig + i) * op.kh + y) * op.kw + x] = w[((y * op.kw + x) * cig + i) * op.outC + o];
  const inputs = [cur, g.floats([op.outC, cig, op.kh, op.kw], oihw)];
  if (op.bias >= 0) inputs.push(g.floats([op.outC], T[op.bias], 'b'));
  return g.node('Conv', inputs, {
    kernel_shape: { ints: [op.kh, op.kw] },
    strides: { ints: [op.sh, op.sw] },
    dilations: { ints: [op.dh, op.dw] },
    pads: { ints: pads },
    group: { i: op.groups },
  });
}

/** A max or average pool; ceil_mode where the planned output size needs it. A dilated average pool needs opset 19. */
function emitPool(g: GraphBuilder, op: PlanOp, cur: string, pads: number[]): string {
  const floorOut = (size: number, k: number, s: number, d: number, a: number, b: number) => Math.floor((size + a + b - (d * (k - 1) + 1)) / s) + 1;
  const ceil = floorOut(op.inH, op.kh, op.sh, op.dh, op.pads[0], op.pads[1]) !== op.outH || floorOut(op.inW, op.kw, op.sw, op.dw, op.pads[2], op.pads[3]) !== op.outW;
  const attrs: Record<string, Attr> = { kernel_shape: { ints: [op.kh, op.kw] }, strides: { ints: [op.sh, op.sw] }, pads: { ints: pads }, ceil_mode: { i: ceil ? 1 : 0 } };
  if (op.dh !== 1 || op.dw !== 1) attrs.dilations = { ints: [op.dh, op.dw] };
  if (op.op === OP.avgPool2d) attrs.count_include_pad = { i: op.flags & FLAG_COUNT_INCLUDE_PAD ? 1 : 0 };
  return g.node(op.op === OP.maxPool2d ? 'MaxPool' : 'AveragePool', [cur], attrs);
}
