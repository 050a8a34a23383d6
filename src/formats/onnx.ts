/**
 * ONNX → CnnModel. Reads a ModelProto with the maintained protobuf schema (onnx-proto / protobufjs),
 * checks that the graph is a single chain from its one input to its one output, and maps each node
 * to a CnnModel layer in NCHW (the graph's own layout). Conv weights are transposed once from
 * OIHW to HWIO, Gemm/MatMul weights to [in, out]; Gemm's alpha/beta are folded into weights/bias.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Cnn2MlpError, describe } from '../errors.js';
import { SELU_ALPHA, SELU_GAMMA } from '../model/op-contract.js';
import { planModel, poolOrConvAxis } from '../model/plan.js';
import type { Activation, CnnModel, Layer, Padding } from '../model/types.js';
import { DTYPE_NAMES, onnx, toNum, type OnnxNs } from './onnx-proto.js';

type TensorProto = OnnxNs.ITensorProto;
type NodeProto = OnnxNs.INodeProto;

/** Ops loadOnnx understands (also listed in its ERR_UNSUPPORTED message). */
export const ONNX_SUPPORTED_OPS = [
  'Conv',
  'Gemm',
  'MatMul',
  'Add',
  'Relu',
  'LeakyRelu',
  'PRelu',
  'Clip',
  'Sigmoid',
  'Tanh',
  'Elu',
  'Selu',
  'Softplus',
  'Softmax',
  'Flatten',
  'Reshape',
  'MaxPool',
  'AveragePool',
  'GlobalAveragePool',
  'GlobalMaxPool',
  'BatchNormalization',
  'Pad',
  'Dropout',
  'Identity',
  'Constant',
] as const;

export const ONNX_MIN_OPSET = 7;
export const ONNX_MAX_OPSET = 21;
const MAX_DIM = 1 << 24;
const LITTLE_ENDIAN = os.endianness() === 'LE';
const MAX_TENSOR_ELEMENTS = 2 ** 32; // 16 GiB of float32: beyond that a "weight" is not a CNN's

/** A decoded initializer: float data as Float32Array, integer data as numbers. */
interface Tensor {
  name: string;
  dims: number[];
  data: Float32Array | number[];
}

function bad(msg: string): Cnn2MlpError {
  return new Cnn2MlpError('ERR_BAD_FILE', `ONNX: ${msg}`);
}
function unsupported(msg: string): Cnn2MlpError {
  return new Cnn2MlpError('ERR_UNSUPPORTED', `ONNX: ${msg}`);
}

function nodeLabel(n: NodeProto, i: number): string {
  return `node ${i} (${n.opType ?? '?'}${n.name ? ` '${n.name}'` : ''})`;
}

/** Checks dims: non-negative integers, sane product. */
function checkDims(raw: unknown[], what: string): number[] {
  const dims = raw.map(toNum);
  let count = 1;
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0) throw bad(`${what} has dimension ${d}; dimensions must be integers ≥ 0 (dims [${dims.join(', ')}])`);
    if (d > MAX_TENSOR_ELEMENTS) throw bad(`${what} has an absurd dimension ${d} (dims [${dims.join(', ')}])`);
    count *= d;
  }
  if (count > MAX_TENSOR_ELEMENTS) throw bad(`${what} has ${count} elements (dims [${dims.join(', ')}]), more than ${MAX_TENSOR_ELEMENTS}`);
  return dims;
}

/** Context for resolving external data files. */
interface Ctx {
  baseDir?: string;
}

function readExternal(t: TensorProto, byteCount: number, ctx: Ctx, what: string): Uint8Array {
  const kv = new Map((t.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
  const location = kv.get('location');
  if (!location) throw bad(`${what} has data_location EXTERNAL but no 'location' entry`);
  if (ctx.baseDir === undefined)
    throw new Cnn2MlpError('ERR_INVALID_ARG', `ONNX: ${what} keeps its data in the external file '${location}'; pass the model's path (not bytes) so the file can be found beside it`);
  const base = path.resolve(ctx.baseDir);
  const file = path.resolve(base, location);
  const rel = path.relative(base, file);
  if (path.isAbsolute(location) || rel.startsWith('..') || path.isAbsolute(rel))
    throw bad(`${what}: external data location '${location}' escapes the model's directory; refusing to read it`);
  const offset = kv.has('offset') ? Number(kv.get('offset')) : 0;
  const length = kv.has('length') ? Number(kv.get('length')) : byteCount;
  if (!Number.isSafeInteger(offset) || offset < 0) throw bad(`${what}: external data offset '${kv.get('offset')}' is not an integer ≥ 0`);
  if (length !== byteCount) throw bad(`${what}: external data length ${kv.get('length')} does not match its dims (${byteCount} bytes expected)`);
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    throw new Cnn2MlpError('ERR_BAD_FILE', `ONNX: ${what}: cannot open external data file '${file}' (${(err as Error).message})`, { cause: err });
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (offset + byteCount > size) throw bad(`${what}: external data file '${file}' has ${size} bytes, but the tensor needs bytes ${offset}..${offset + byteCount}`);
    // Read straight into a Float32Array-sized buffer (one copy of the tensor in memory, not two).
    const out = new Uint8Array(new ArrayBuffer(byteCount));
    let done = 0;
    while (done < byteCount) {
      const n = fs.readSync(fd, out, done, Math.min(byteCount - done, 1 << 30), offset + done);
      if (n <= 0) throw bad(`${what}: unexpected end of external data file '${file}'`);
      done += n;
    }
    return out;
  } finally {
    fs.closeSync(fd);
  }
}

function decodeTensor(t: TensorProto, ctx: Ctx, what: string): Tensor {
  const name = t.name ?? '';
  const label = `${what} '${name}'`;
  const dims = checkDims(t.dims ?? [], label);
  const count = dims.reduce((a, b) => a * b, 1);
  const dt = t.dataType ?? 0;
  const external = t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL;
  const raw = (): Uint8Array | undefined => {
    if (external) return readExternal(t, count * (dt === 7 ? 8 : 4), ctx, label);
    return t.rawData && t.rawData.length > 0 ? t.rawData : undefined;
  };
  if (dt === 1) {
    const bytes = raw();
    if (bytes) {
      if (bytes.length !== count * 4) throw bad(`${label} has ${bytes.length} bytes of raw data, but dims [${dims.join(', ')}] need ${count * 4}`);
      // raw_data is little-endian float32: on little-endian hosts the bytes are used as they are
      // (external data was read into its own aligned buffer), elsewhere DataView swaps them.
      if (LITTLE_ENDIAN) {
        if (external && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return { name, dims, data: new Float32Array(bytes.buffer) };
        const out = new Float32Array(count);
        new Uint8Array(out.buffer).set(bytes);
        return { name, dims, data: out };
      }
      const out = new Float32Array(count);
      const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let i = 0; i < count; i++) out[i] = dv.getFloat32(i * 4, true);
      return { name, dims, data: out };
    }
    const fd = t.floatData ?? [];
    if (fd.length !== count) throw bad(`${label} has ${fd.length} float_data values, but dims [${dims.join(', ')}] need ${count}`);
    return { name, dims, data: Float32Array.from(fd) };
  }
  if (dt === 7 || dt === 6) {
    const width = dt === 7 ? 8 : 4;
    const bytes = raw();
    if (bytes) {
      if (bytes.length !== count * width) throw bad(`${label} has ${bytes.length} bytes of raw data, but dims [${dims.join(', ')}] need ${count * width}`);
      const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const out: number[] = [];
      for (let i = 0; i < count; i++) out.push(width === 8 ? Number(dv.getBigInt64(i * 8, true)) : dv.getInt32(i * 4, true));
      return { name, dims, data: out };
    }
    const src = dt === 7 ? (t.int64Data ?? []) : (t.int32Data ?? []);
    if (src.length !== count) throw bad(`${label} has ${src.length} values, but dims [${dims.join(', ')}] need ${count}`);
    return { name, dims, data: src.map(toNum) };
  }
  const dname = DTYPE_NAMES[dt];
  if (dname === undefined) throw unsupported(`${label} has unknown data type ${dt}; supported: FLOAT (1) for weights, INT64 (7) / INT32 (6) for shapes`);
  throw unsupported(`${label} has data type ${dname} (${dt}); cnn2mlp loads FLOAT (float32) weights and INT64/INT32 shapes only`);
}

/** Attribute accessors with ONNX defaults. */
class Attrs {
  private map = new Map<string, OnnxNs.IAttributeProto>();
  constructor(
    node: NodeProto,
    private where: string,
  ) {
    for (const a of node.attribute ?? []) this.map.set(a.name ?? '', a);
  }
  has(name: string): boolean {
    return this.map.has(name);
  }
  int(name: string, def: number): number {
    const a = this.map.get(name);
    if (!a) return def;
    const v = toNum(a.i);
    if (!Number.isSafeInteger(v)) throw bad(`${this.where}: attribute ${name} is not an integer`);
    return v;
  }
  float(name: string, def: number): number {
    const a = this.map.get(name);
    return a ? (a.f ?? 0) : def;
  }
  ints(name: string): number[] | undefined {
    const a = this.map.get(name);
    if (!a) return undefined;
    const v = (a.ints ?? []).map(toNum);
    if (!v.every((x) => Number.isSafeInteger(x))) throw bad(`${this.where}: attribute ${name} has a non-integer value`);
    return v;
  }
  floats(name: string): number[] | undefined {
    const a = this.map.get(name);
    return a ? (a.floats ?? []) : undefined;
  }
  string(name: string, def: string): string {
    const a = this.map.get(name);
    return a && a.s ? Buffer.from(a.s).toString('utf8') : def;
  }
  tensor(name: string): TensorProto | undefined {
    return this.map.get(name)?.t ?? undefined;
  }
}

type CurShape = { kind: 'spatial'; c: number; h: number; w: number } | { kind: 'vector'; n: number };

function size(s: CurShape): number {
  return s.kind === 'vector' ? s.n : s.c * s.h * s.w;
}

/** Reads an ONNX model (path or bytes) into a CnnModel in NCHW. Throws Cnn2MlpError (ERR_BAD_FILE, ERR_UNSUPPORTED). */
export function loadOnnx(pathOrBytes: string | Uint8Array): CnnModel {
  let bytes: Uint8Array;
  const ctx: Ctx = {};
  if (typeof pathOrBytes === 'string') {
    try {
      bytes = fs.readFileSync(pathOrBytes);
    } catch (err) {
      throw new Cnn2MlpError('ERR_BAD_FILE', `ONNX: cannot read '${pathOrBytes}' (${(err as Error).message})`, { cause: err });
    }
    ctx.baseDir = path.dirname(path.resolve(pathOrBytes));
  } else if (pathOrBytes instanceof Uint8Array) {
    bytes = pathOrBytes;
  } else {
    throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected a file path or a Uint8Array for loadOnnx's model but received ${describe(pathOrBytes)}`);
  }
  let model: OnnxNs.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new Cnn2MlpError('ERR_BAD_FILE', `ONNX: the model is not a valid ONNX protobuf (truncated or corrupted?): ${(err as Error).message}`, { cause: err });
  }
  return modelFromProto(model, ctx);
}

function opsetOf(model: OnnxNs.IModelProto): number {
  const entries = model.opsetImport ?? [];
  if (entries.length === 0) throw bad('the model has no opset_import; cannot tell which operator versions it uses');
  const main = entries.find((e) => !e.domain || e.domain === 'ai.onnx');
  if (!main) throw unsupported(`the model imports only custom operator domains (${entries.map((e) => e.domain).join(', ')})`);
  const v = toNum(main.version);
  if (!(v >= ONNX_MIN_OPSET && v <= ONNX_MAX_OPSET)) throw unsupported(`opset ${v} is not supported; cnn2mlp reads opsets ${ONNX_MIN_OPSET} to ${ONNX_MAX_OPSET}`);
  return v;
}

function modelFromProto(model: OnnxNs.IModelProto, ctx: Ctx): CnnModel {
  const graph = model.graph;
  if (!graph) throw bad('the model has no graph');
  const opset = opsetOf(model);
  const nodes = graph.node ?? [];

  // Constants: initializers and Constant nodes' values, decoded lazily (large weights read once).
  const constProtos = new Map<string, TensorProto>();
  for (const t of graph.initializer ?? []) constProtos.set(t.name ?? '', t);
  const dataNodes: { node: NodeProto; index: number }[] = [];
  nodes.forEach((n, i) => {
    if (n.opType === 'Constant' && (!n.domain || n.domain === 'ai.onnx')) {
      const a = new Attrs(n, nodeLabel(n, i));
      const t = a.tensor('value');
      if (!t) throw unsupported(`${nodeLabel(n, i)}: only Constant nodes with a 'value' tensor are supported`);
      constProtos.set(n.output?.[0] ?? '', { ...t, name: n.output?.[0] ?? '' });
    } else dataNodes.push({ node: n, index: i });
  });
  const decoded = new Map<string, Tensor>();
  const constant = (name: string, where: string): Tensor => {
    const hit = decoded.get(name);
    if (hit) return hit;
    const p = constProtos.get(name);
    if (!p) throw unsupported(`${where}: input '${name}' must be a constant (initializer or Constant node); only chain graphs with constant weights are supported`);
    const t = decodeTensor(p, ctx, 'initializer');
    decoded.set(name, t);
    return t;
  };
  const isConst = (name: string) => constProtos.has(name);

  // The one data input.
  const inputs = (graph.input ?? []).filter((v) => !isConst(v.name ?? ''));
  if (inputs.length !== 1) throw unsupported(`the graph must have exactly one data input; it has ${inputs.length} (${inputs.map((v) => v.name).join(', ')})`);
  const input = inputs[0];
  const tt = input.type?.tensorType;
  if (!tt) throw unsupported(`graph input '${input.name}' is not a tensor`);
  if (tt.elemType !== 1)
    throw unsupported(`graph input '${input.name}' has element type ${DTYPE_NAMES[tt.elemType ?? 0] ?? tt.elemType}; only FLOAT is supported`);
  const inDims = (tt.shape?.dim ?? []).map((d, k) => {
    if (k === 0) return 1; // batch: symbolic or fixed, runs take any batch
    const v = d.dimValue === undefined || d.dimValue === null ? NaN : toNum(d.dimValue);
    if (!(Number.isInteger(v) && v > 0 && v <= MAX_DIM))
      throw bad(`graph input '${input.name}' dimension ${k} is ${d.dimParam ? `symbolic '${d.dimParam}'` : v}; cnn2mlp needs fixed positive sizes (up to ${MAX_DIM}) for all but the batch axis`);
    return v;
  });
  if (inDims.length !== 4 && inDims.length !== 2)
    throw unsupported(`graph input '${input.name}' has rank ${inDims.length}; supported: [N, C, H, W] or [N, features]`);

  // Topological order (Kahn) catches cycles; then require a single chain.
  const producer = new Map<string, number>();
  dataNodes.forEach(({ node }, k) => (node.output ?? []).forEach((o) => o && producer.set(o, k)));
  const dynInputs = dataNodes.map(({ node }) => (node.input ?? []).filter((x) => x !== '' && !isConst(x)));
  const indeg = dynInputs.map((ins) => ins.filter((x) => producer.has(x)).length);
  const queue = indeg.flatMap((d, k) => (d === 0 ? [k] : []));
  let seen = 0;
  while (queue.length) {
    const k = queue.pop()!;
    seen++;
    for (const o of dataNodes[k].node.output ?? [])
      dataNodes.forEach((_, j) => dynInputs[j].forEach((x) => x === o && --indeg[j] === 0 && queue.push(j)));
  }
  if (seen < dataNodes.length) {
    const cyc = dataNodes.filter((_, k) => indeg[k] > 0).map(({ node, index }) => nodeLabel(node, index));
    throw unsupported(`the graph has a cycle through ${cyc.join(', ')}; only feed-forward chains are supported`);
  }
  const consumers = new Map<string, number[]>();
  dynInputs.forEach((ins, k) => {
    if (ins.length !== 1) {
      const { node, index } = dataNodes[k];
      throw unsupported(
        `${nodeLabel(node, index)} has ${ins.length} data inputs (${ins.join(', ') || 'none'}); only chain graphs are supported (every node reads the previous node's output plus constants; no residual or concat branches)`,
      );
    }
    const list = consumers.get(ins[0]) ?? [];
    list.push(k);
    consumers.set(ins[0], list);
  });
  const chain: { node: NodeProto; index: number }[] = [];
  let cur = input.name ?? '';
  for (;;) {
    const next = consumers.get(cur) ?? [];
    if (next.length > 1)
      throw unsupported(
        `tensor '${cur}' feeds ${next.length} nodes (${next.map((k) => nodeLabel(dataNodes[k].node, dataNodes[k].index)).join(', ')}); the graph branches, and only chains are supported`,
      );
    if (next.length === 0) break;
    const item = dataNodes[next[0]];
    chain.push(item);
    cur = item.node.output?.[0] ?? '';
  }
  if (chain.length !== dataNodes.length) {
    const off = dataNodes.filter((d) => !chain.includes(d)).map(({ node, index }) => nodeLabel(node, index));
    throw unsupported(`${off.join(', ')} are not on the chain from input '${input.name}'; the graph branches or is disconnected`);
  }
  const outputs = graph.output ?? [];
  if (outputs.length !== 1 || outputs[0].name !== cur)
    throw unsupported(`the graph must have exactly one output, the last node's '${cur}'; it declares ${outputs.map((o) => `'${o.name}'`).join(', ') || 'none'}`);

  let shape: CurShape = inDims.length === 4 ? { kind: 'spatial', c: inDims[1], h: inDims[2], w: inDims[3] } : { kind: 'vector', n: inDims[1] };
  const inputShape = inDims.slice(1);
  const layers: Layer[] = [];
  for (const { node, index } of chain) {
    const where = nodeLabel(node, index);
    if (node.domain && node.domain !== 'ai.onnx') throw unsupported(`${where} is in custom domain '${node.domain}'; supported: ${ONNX_SUPPORTED_OPS.join(', ')}`);
    shape = translate(node, where, opset, shape, layers, constant, isConst);
  }
  return validated({ name: graph.name || undefined, layout: 'NCHW', inputShape, layers }, 'ONNX');
}

/** Runs planModel once so shape errors (a window larger than its input, non-finite weights…) surface at load time. */
export function validated(model: CnnModel, format: string): CnnModel {
  try {
    planModel(model);
  } catch (err) {
    if (err instanceof Cnn2MlpError) throw new Cnn2MlpError(err.code, `${format}: the model does not describe a runnable CNN: ${err.message}`, { cause: err });
    throw err;
  }
  return model;
}

// ONNX's Selu defaults are the float32 roundings of the SELU constants.
const ONNX_SELU_ALPHA = Math.fround(SELU_ALPHA);
const ONNX_SELU_GAMMA = Math.fround(SELU_GAMMA);

function spatialOnly(shape: CurShape, where: string): { c: number; h: number; w: number } {
  if (shape.kind !== 'spatial') throw unsupported(`${where} needs a 4-D [N, C, H, W] input but receives [N, ${shape.n}]`);
  return shape;
}

/** ONNX auto_pad + pads → CnnModel padding. pads are [h_begin, w_begin, h_end, w_end]. */
function padding(a: Attrs, where: string): Padding {
  const auto = a.string('auto_pad', 'NOTSET');
  switch (auto) {
    case 'SAME_UPPER':
      return 'same';
    case 'SAME_LOWER':
      return 'sameLower';
    case 'VALID':
      return 'valid';
    case 'NOTSET': {
      const p = a.ints('pads') ?? [0, 0, 0, 0];
      if (p.length !== 4) throw unsupported(`${where}: pads has ${p.length} values; only 2-D ops ([h_begin, w_begin, h_end, w_end]) are supported`);
      if (p.some((x) => x < 0 || x > MAX_DIM)) throw bad(`${where}: pads [${p.join(', ')}] must be integers ≥ 0`);
      return [p[0], p[2], p[1], p[3]];
    }
    default:
      throw bad(`${where}: unknown auto_pad '${auto}'`);
  }
}

function pair(a: Attrs, name: string, def: [number, number], where: string): [number, number] {
  const v = a.ints(name);
  if (!v) return def;
  if (v.length !== 2) throw unsupported(`${where}: ${name} has ${v.length} values; only 2-D ops are supported`);
  if (v.some((x) => x < 1 || x > MAX_DIM)) throw bad(`${where}: ${name} [${v.join(', ')}] must be integers ≥ 1`);
  return [v[0], v[1]];
}

function spatialOut(s: { c: number; h: number; w: number }, k: [number, number], st: [number, number], d: [number, number], pad: Padding, ceil: boolean, where: string, c: number): CurShape {
  const h = poolOrConvAxis(s.h, k[0], st[0], d[0], pad, 0, ceil, where).out;
  const w = poolOrConvAxis(s.w, k[1], st[1], d[1], pad, 1, ceil, where).out;
  return { kind: 'spatial', c, h, w };
}

function floats(t: Tensor, where: string): Float32Array {
  if (!(t.data instanceof Float32Array)) throw unsupported(`${where}: tensor '${t.name}' must be FLOAT`);
  return t.data;
}

/** Per-channel constant (shape [C], [1, C], [C, 1, 1], [1, C, 1, 1] or a scalar) → length-C or length-1 array. */
function channelVector(t: Tensor, c: number, where: string, what: string): Float32Array {
  const v = floats(t, where);
  if (v.length === 1) return v;
  const nonUnit = t.dims.filter((d) => d !== 1);
  if (v.length === c && nonUnit.length === 1) return v;
  throw unsupported(`${where}: ${what} '${t.name}' has dims [${t.dims.join(', ')}]; only a scalar or one value per channel (${c}) is supported`);
}

function translate(
  node: NodeProto,
  where: string,
  opset: number,
  shape: CurShape,
  layers: Layer[],
  constant: (name: string, where: string) => Tensor,
  isConst: (name: string) => boolean,
): CurShape {
  const a = new Attrs(node, where);
  const ins = node.input ?? [];
  const optConst = (k: number) => (ins[k] && ins[k] !== '' ? constant(ins[k], where) : undefined);
  const act = (activation: Activation): CurShape => {
    layers.push({ type: 'activation', name: node.name || undefined, activation });
    return shape;
  };
  const name = node.name || undefined;
  switch (node.opType) {
    case 'Identity':
    case 'Dropout':
      return shape;
    case 'Relu':
      return act('relu');
    case 'Sigmoid':
      return act('sigmoid');
    case 'Tanh':
      return act('tanh');
    case 'Softplus':
      return act('softplus');
    case 'LeakyRelu':
      return act({ type: 'leakyRelu', alpha: a.float('alpha', 0.01) });
    case 'Elu':
      return act({ type: 'elu', alpha: a.float('alpha', 1) });
    case 'Selu': {
      const alpha = a.float('alpha', ONNX_SELU_ALPHA);
      const gamma = a.float('gamma', ONNX_SELU_GAMMA);
      if (Math.abs(alpha - ONNX_SELU_ALPHA) > 1e-6 || Math.abs(gamma - ONNX_SELU_GAMMA) > 1e-6)
        throw unsupported(`${where}: Selu with alpha ${alpha} / gamma ${gamma}; only the standard constants are supported`);
      return act('selu');
    }
    case 'Clip': {
      let min = -Infinity;
      let max = Infinity;
      if (opset < 11) {
        min = a.float('min', -Infinity);
        max = a.float('max', Infinity);
      } else {
        const tmin = optConst(1);
        const tmax = optConst(2);
        if (tmin) min = floats(tmin, where)[0];
        if (tmax) max = floats(tmax, where)[0];
      }
      return act({ type: 'clip', min: Math.max(min, -3.4e38), max: Math.min(max, 3.4e38) });
    }
    case 'Softmax': {
      const axis = a.int('axis', opset < 13 ? 1 : -1);
      if (shape.kind !== 'vector' || (axis !== 1 && axis !== -1))
        throw unsupported(`${where}: Softmax is supported only over the features of a [N, features] tensor (axis 1 or -1); got axis ${axis} on ${shape.kind === 'vector' ? '[N, features]' : '[N, C, H, W]'}`);
      return act('softmax');
    }
    case 'PRelu': {
      const slope = constant(ins[1], where);
      const c = shape.kind === 'vector' ? shape.n : shape.c;
      layers.push({ type: 'prelu', name, alpha: channelVector(slope, c, where, 'slope') });
      return shape;
    }
    case 'Flatten': {
      const axis = a.int('axis', 1);
      if (axis !== 1 && !(axis === -1 && shape.kind === 'vector') && !(axis === -3 && shape.kind === 'spatial'))
        throw unsupported(`${where}: Flatten with axis ${axis}; only axis 1 (keep the batch axis) is supported`);
      layers.push({ type: 'flatten', name });
      return { kind: 'vector', n: size(shape) };
    }
    case 'Reshape': {
      const target = constant(ins[1], where).data;
      const t = Array.from(target as ArrayLike<number>);
      const n = size(shape);
      // A flatten: [N|0|-1|1, n|-1] with the batch kept.
      const ok = t.length === 2 && (t[1] === n || (t[1] === -1 && t[0] !== -1)) && (t[0] === 0 || t[0] === 1 || t[0] === -1 || t[1] === n);
      if (!ok) throw unsupported(`${where}: Reshape to [${t.join(', ')}] from ${shape.kind === 'spatial' ? `[N, ${shape.c}, ${shape.h}, ${shape.w}]` : `[N, ${n}]`}; only a flatten to [N, ${n}] is supported`);
      layers.push({ type: 'flatten', name });
      return { kind: 'vector', n };
    }
    case 'Conv': {
      const s = spatialOnly(shape, where);
      const wt = constant(ins[1], where);
      if (wt.dims.length !== 4) throw unsupported(`${where}: weights have rank ${wt.dims.length}; only 2-D convolutions (OIHW weights) are supported`);
      const [o, ig, kh, kw] = wt.dims;
      const group = a.int('group', 1);
      if (group < 1 || s.c % group !== 0 || ig * group !== s.c || o % group !== 0)
        throw bad(`${where}: weights [${wt.dims.join(', ')}] with group ${group} do not fit ${s.c} input channels`);
      const ks = pair(a, 'kernel_shape', [kh, kw], where);
      if (ks[0] !== kh || ks[1] !== kw) throw bad(`${where}: kernel_shape [${ks.join(', ')}] differs from the weights' [${kh}, ${kw}]`);
      const strides = pair(a, 'strides', [1, 1], where);
      const dilation = pair(a, 'dilations', [1, 1], where);
      const pad = padding(a, where);
      const w = floats(wt, where);
      // OIHW → HWIO
      const hwio = new Float32Array(w.length);
      for (let oo = 0; oo < o; oo++)
        for (let ii = 0; ii < ig; ii++)
          for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) hwio[((y * kw + x) * ig + ii) * o + oo] = w[((oo * ig + ii) * kh + y) * kw + x];
      const bt = optConst(2);
      const bias = bt ? floats(bt, where) : undefined;
      if (bias && bias.length !== o) throw bad(`${where}: bias has ${bias.length} values for ${o} filters`);
      layers.push({ type: 'conv2d', name, filters: o, kernelSize: [kh, kw], strides, dilation, padding: pad, groups: group, weights: hwio, bias });
      return spatialOut(s, [kh, kw], strides, dilation, pad, false, where, o);
    }
    case 'MaxPool':
    case 'AveragePool': {
      const s = spatialOnly(shape, where);
      const k = pair(a, 'kernel_shape', [0, 0], where);
      if (!a.has('kernel_shape')) throw bad(`${where}: kernel_shape is required`);
      const strides = pair(a, 'strides', [1, 1], where);
      const dilation = pair(a, 'dilations', [1, 1], where);
      const pad = padding(a, where);
      const ceilMode = a.int('ceil_mode', 0) === 1;
      if (node.output && node.output.length > 1 && node.output[1]) throw unsupported(`${where}: the Indices output of MaxPool is not supported`);
      const isMax = node.opType === 'MaxPool';
      const countIncludePad = !isMax && a.int('count_include_pad', 0) === 1;
      layers.push({ type: isMax ? 'maxPool2d' : 'avgPool2d', name, poolSize: k, strides, dilation, padding: pad, ceilMode, countIncludePad });
      return spatialOut(s, k, strides, dilation, pad, ceilMode, where, s.c);
    }
    case 'GlobalAveragePool':
    case 'GlobalMaxPool': {
      const s = spatialOnly(shape, where);
      layers.push({ type: node.opType === 'GlobalAveragePool' ? 'globalAvgPool2d' : 'globalMaxPool2d', name });
      // [N, C, 1, 1] in ONNX; the same C values in memory as a vector.
      return { kind: 'vector', n: s.c };
    }
    case 'BatchNormalization': {
      if (a.int('training_mode', 0) !== 0) throw unsupported(`${where}: training_mode=1; only inference batch normalisation is supported`);
      if (opset < 9 && a.int('spatial', 1) !== 1) throw unsupported(`${where}: spatial=0 is not supported`);
      const c = shape.kind === 'vector' ? shape.n : shape.c;
      const vec = (k: number, what: string) => {
        const v = floats(constant(ins[k], where), where);
        if (v.length !== c) throw bad(`${where}: ${what} has ${v.length} values for ${c} channels`);
        return v;
      };
      layers.push({
        type: 'batchNorm',
        name,
        gamma: vec(1, 'scale'),
        beta: vec(2, 'B'),
        mean: vec(3, 'input_mean'),
        variance: vec(4, 'input_var'),
        epsilon: a.float('epsilon', 1e-5),
      });
      return shape;
    }
    case 'Pad': {
      const s = spatialOnly(shape, where);
      let pads: number[];
      let value = 0;
      let mode: string;
      if (opset < 11) {
        mode = a.string('mode', 'constant');
        pads = a.ints('pads') ?? a.ints('paddings') ?? [];
        value = a.float('value', 0);
      } else {
        mode = a.string('mode', 'constant');
        pads = Array.from(constant(ins[1], where).data as ArrayLike<number>);
        const cv = optConst(2);
        if (cv) value = floats(cv, where)[0] ?? 0;
        const axesT = optConst(3);
        if (axesT) {
          // opset 18: pads only for the listed axes
          const axes = Array.from(axesT.data as ArrayLike<number>).map((x) => (x < 0 ? x + 4 : x));
          const full = new Array(8).fill(0);
          axes.forEach((ax, j) => {
            full[ax] = pads[j];
            full[ax + 4] = pads[j + axes.length];
          });
          pads = full;
        }
      }
      if (mode !== 'constant' || value !== 0) throw unsupported(`${where}: Pad mode '${mode}' value ${value}; only constant zero padding is supported`);
      if (pads.length !== 8) throw unsupported(`${where}: pads has ${pads.length} values; expected 8 for a 4-D tensor`);
      if (pads.some((p) => p < 0)) throw unsupported(`${where}: negative pads (cropping) [${pads.join(', ')}] are not supported`);
      if (pads[0] || pads[1] || pads[4] || pads[5]) throw unsupported(`${where}: padding the batch or channel axis is not supported`);
      const p: [number, number, number, number] = [pads[2], pads[6], pads[3], pads[7]];
      layers.push({ type: 'zeroPad2d', name, padding: p });
      return { kind: 'spatial', c: s.c, h: s.h + p[0] + p[1], w: s.w + p[2] + p[3] };
    }
    case 'Gemm': {
      if (shape.kind !== 'vector') throw unsupported(`${where}: Gemm needs a [N, features] input; add Flatten before it`);
      if (a.int('transA', 0) !== 0) throw unsupported(`${where}: transA=1 is not supported (the data input must be [N, K])`);
      if (!isConst(ins[1])) throw unsupported(`${where}: B must be a constant weight matrix`);
      const bt = constant(ins[1], where);
      const transB = a.int('transB', 0) === 1;
      if (bt.dims.length !== 2) throw bad(`${where}: B has rank ${bt.dims.length}; expected 2`);
      const [r, c] = bt.dims;
      const K = transB ? c : r;
      const N = transB ? r : c;
      if (K !== shape.n) throw bad(`${where}: B [${r}, ${c}]${transB ? ' (transB)' : ''} expects ${K} inputs but receives ${shape.n}`);
      const alpha = a.float('alpha', 1);
      const beta = a.float('beta', 1);
      const b = floats(bt, where);
      const w = new Float32Array(K * N);
      for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) w[k * N + n] = alpha * (transB ? b[n * K + k] : b[k * N + n]);
      let bias: Float32Array | undefined;
      const ct = optConst(2);
      if (ct) {
        const cv = floats(ct, where);
        if (cv.length !== 1 && cv.length !== N) throw unsupported(`${where}: C has dims [${ct.dims.join(', ')}]; only a scalar or [${N}] bias is supported`);
        bias = new Float32Array(N);
        for (let n = 0; n < N; n++) bias[n] = beta * (cv.length === 1 ? cv[0] : cv[n]);
      }
      layers.push({ type: 'dense', name, units: N, weights: w, bias });
      return { kind: 'vector', n: N };
    }
    case 'MatMul': {
      if (shape.kind !== 'vector') throw unsupported(`${where}: MatMul needs a [N, features] input; add Flatten before it`);
      if (!isConst(ins[1]) || ins[0] === undefined || isConst(ins[0])) throw unsupported(`${where}: only data × constant-weights MatMul is supported`);
      const bt = constant(ins[1], where);
      if (bt.dims.length !== 2 || bt.dims[0] !== shape.n) throw bad(`${where}: B has dims [${bt.dims.join(', ')}]; expected [${shape.n}, units]`);
      const N = bt.dims[1];
      layers.push({ type: 'dense', name, units: N, weights: Float32Array.from(floats(bt, where)) });
      return { kind: 'vector', n: N };
    }
    case 'Add': {
      // A bias after MatMul (or after Conv): fold it into that layer.
      const k = isConst(ins[0]) ? 0 : 1;
      const prev = layers[layers.length - 1];
      const t = constant(ins[k], where);
      if (prev && prev.type === 'dense' && shape.kind === 'vector') {
        const v = floats(t, where);
        if (v.length !== 1 && v.length !== shape.n) throw unsupported(`${where}: Add of dims [${t.dims.join(', ')}] after a dense layer of ${shape.n} units`);
        const bias = prev.bias ? Float32Array.from(prev.bias) : new Float32Array(shape.n);
        for (let n = 0; n < shape.n; n++) bias[n] += v.length === 1 ? v[0] : v[n];
        prev.bias = bias;
        return shape;
      }
      if (prev && prev.type === 'conv2d' && shape.kind === 'spatial') {
        const v = channelVector(t, shape.c, where, 'addend');
        const bias = prev.bias ? Float32Array.from(prev.bias) : new Float32Array(shape.c);
        for (let n = 0; n < shape.c; n++) bias[n] += v.length === 1 ? v[0] : v[n];
        prev.bias = bias;
        return shape;
      }
      throw unsupported(`${where}: Add is supported only as a bias right after MatMul/Gemm or Conv`);
    }
    default:
      throw unsupported(`${where}: operator '${node.opType}' is not supported. Supported: ${ONNX_SUPPORTED_OPS.join(', ')}`);
  }
}
