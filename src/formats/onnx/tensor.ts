/**
 * ONNX tensors and attributes: decoding TensorProto data (inline, raw little-endian or an external
 * file beside the model) and reading node attributes with their ONNX defaults.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Cnn2MlpError } from '../../errors.js';
import { DTYPE_NAMES, onnx, toNum, type OnnxNs } from '../onnx-proto.js';

export type TensorProto = OnnxNs.ITensorProto;
export type NodeProto = OnnxNs.INodeProto;

export const MAX_DIM = 1 << 24;
const LITTLE_ENDIAN = os.endianness() === 'LE';
const MAX_TENSOR_ELEMENTS = 2 ** 32; // 16 GiB of float32: beyond that a "weight" is not a CNN's

/**
 * A constant: float data as Float32Array, integer (and boolean) data as numbers. `batch[k]` marks an
 * integer entry that stands for the batch size, unknown at load (what Shape of a data tensor yields):
 * its value is NaN, and only ops that move values around (Gather, Concat, Unsqueeze…) keep the mark.
 */
export interface Tensor {
  name: string;
  dims: number[];
  data: Float32Array | number[];
  batch?: boolean[];
}

export function bad(msg: string): Cnn2MlpError {
  return new Cnn2MlpError('ERR_BAD_FILE', `ONNX: ${msg}`);
}
export function unsupported(msg: string): Cnn2MlpError {
  return new Cnn2MlpError('ERR_UNSUPPORTED', `ONNX: ${msg}`);
}

export function nodeLabel(n: NodeProto, i: number): string {
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
export interface Ctx {
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

export function decodeTensor(t: TensorProto, ctx: Ctx, what: string): Tensor {
  const name = t.name ?? '';
  const label = `${what} '${name}'`;
  const dims = checkDims(t.dims ?? [], label);
  const count = dims.reduce((a, b) => a * b, 1);
  const dt = t.dataType ?? 0;
  const external = t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL;
  const raw = (): Uint8Array | undefined => {
    if (external) return readExternal(t, count * (dt === 7 || dt === 11 ? 8 : 4), ctx, label);
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
  if (dt === 11) {
    // DOUBLE constants (old exporters' scalars) are rounded to float32 like every weight
    const bytes = raw();
    if (bytes) {
      if (bytes.length !== count * 8) throw bad(`${label} has ${bytes.length} bytes of raw data, but dims [${dims.join(', ')}] need ${count * 8}`);
      const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      return { name, dims, data: Float32Array.from({ length: count }, (_, i) => dv.getFloat64(i * 8, true)) };
    }
    const src = t.doubleData ?? [];
    if (src.length !== count) throw bad(`${label} has ${src.length} double_data values, but dims [${dims.join(', ')}] need ${count}`);
    return { name, dims, data: Float32Array.from(src) };
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
export class Attrs {
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
  /** An integer attribute that opset 1 wrote as a type name (Cast's `to`: "FLOAT"). */
  intOrName(name: string): number {
    const a = this.map.get(name);
    if (a?.s && a.s.length) {
      const key = Buffer.from(a.s).toString('utf8').toUpperCase();
      const code = Object.entries(DTYPE_NAMES).find(([, v]) => v === key)?.[0];
      if (code === undefined) throw bad(`${this.where}: attribute ${name} names an unknown type '${key}'`);
      return Number(code);
    }
    return this.int(name, 0);
  }
  float(name: string, def: number): number {
    const a = this.map.get(name);
    return a ? (a.f ?? 0) : def;
  }
  /** Slice bounds: any 64-bit integer, clamped to ±2^53 (INT64_MAX means "to the end"). */
  bounds(name: string): number[] | undefined {
    const a = this.map.get(name);
    if (!a) return undefined;
    const v = (a.ints ?? []).map(toNum);
    if (!v.every((x) => Number.isInteger(x))) throw bad(`${this.where}: attribute ${name} has a non-integer value`);
    return v.map((x) => Math.max(-Number.MAX_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, x)));
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

