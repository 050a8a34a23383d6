/** Builds small ONNX models for tests with the protobuf schema (onnx-proto), one node at a time. */
import { onnx, type OnnxNs } from '../../src/formats/onnx-proto.js';

export type AttrValue = { f: number } | { i: number } | { ints: number[] } | { floats: number[] } | { s: string };
export const f = (v: number): AttrValue => ({ f: v });
export const i = (v: number): AttrValue => ({ i: v });
export const ints = (v: number[]): AttrValue => ({ ints: v });
export const s = (v: string): AttrValue => ({ s: v });

export function attribute(name: string, v: AttrValue): OnnxNs.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if ('f' in v) return { name, type: T.FLOAT, f: v.f };
  if ('i' in v) return { name, type: T.INT, i: v.i };
  if ('ints' in v) return { name, type: T.INTS, ints: v.ints };
  if ('floats' in v) return { name, type: T.FLOATS, floats: v.floats };
  return { name, type: T.STRING, s: Buffer.from(v.s) };
}

/** Seeded uniform values in [-scale, scale). */
export function rand(n: number, seed: number, scale = 1): Float32Array {
  let st = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    st ^= st << 13;
    st ^= st >>> 17;
    st ^= st << 5;
    out[k] = ((st >>> 0) / 2 ** 32 * 2 - 1) * scale;
  }
  return out;
}

export interface TensorOpts {
  /** store as raw_data (little-endian) instead of float_data / int64_data */
  raw?: boolean;
  dataType?: number;
}

export function tensorProto(name: string, dims: number[], data: Float32Array | number[], opts: TensorOpts = {}): OnnxNs.ITensorProto {
  const isFloat = data instanceof Float32Array;
  const dataType = opts.dataType ?? (isFloat ? 1 : 7);
  const t: OnnxNs.ITensorProto = { name, dims, dataType };
  if (opts.raw) {
    if (isFloat) t.rawData = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    else {
      const b = Buffer.alloc(data.length * 8);
      data.forEach((v, k) => b.writeBigInt64LE(BigInt(v), k * 8));
      t.rawData = b;
    }
  } else if (isFloat) t.floatData = Array.from(data);
  else t.int64Data = data;
  return t;
}

/** A chain graph under construction: every op reads the previous op's output plus constants. */
export class ChainBuilder {
  nodes: OnnxNs.INodeProto[] = [];
  inits: OnnxNs.ITensorProto[] = [];
  cur = 'x';
  private k = 0;
  constructor(
    public inDims: number[],
    public opset = 13,
  ) {}

  /** Adds an initializer; returns its name. */
  init(dims: number[], data: Float32Array | number[], opts: TensorOpts = {}): string {
    const name = `c${this.k++}`;
    this.inits.push(tensorProto(name, dims, data, opts));
    return name;
  }

  /** Adds a Constant node holding the tensor (how many exporters store shapes and clip bounds); returns its output. */
  constNode(dims: number[], data: Float32Array | number[], opts: TensorOpts = {}): string {
    const name = `k${this.k++}`;
    const T = onnx.AttributeProto.AttributeType;
    this.nodes.push({ name: `Constant_${name}`, opType: 'Constant', input: [], output: [name], attribute: [{ name: 'value', type: T.TENSOR, t: tensorProto(name, dims, data, opts) }] });
    return name;
  }

  /** Adds `opType(cur, ...consts)`; '' leaves an optional input empty. */
  op(opType: string, consts: string[] = [], attrs: Record<string, AttrValue> = {}, extraOutputs = 0): this {
    const out = `t${this.k++}`;
    const outputs = [out];
    for (let e = 0; e < extraOutputs; e++) outputs.push(`${out}_extra${e}`);
    this.nodes.push({
      name: `${opType}_${this.k}`,
      opType,
      input: [this.cur, ...consts],
      output: outputs,
      attribute: Object.entries(attrs).map(([n, v]) => attribute(n, v)),
    });
    this.cur = out;
    return this;
  }

  model(outDims?: (number | string)[]): OnnxNs.IModelProto {
    const vi = (name: string, dims: (number | string)[]): OnnxNs.IValueInfoProto => ({
      name,
      type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
    });
    return {
      irVersion: this.opset >= 21 ? 10 : this.opset >= 15 ? 8 : this.opset >= 13 ? 7 : this.opset >= 11 ? 6 : this.opset >= 9 ? 4 : 3,
      producerName: 'cnn2mlp-tests',
      opsetImport: [{ domain: '', version: this.opset }],
      graph: {
        name: 'test',
        node: this.nodes,
        initializer: this.inits,
        input: [vi('x', ['N', ...this.inDims.slice(1)])],
        output: [{ name: this.cur, ...(outDims ? vi(this.cur, outDims) : { type: { tensorType: { elemType: 1 } } }) }],
      },
    };
  }

  bytes(): Uint8Array {
    return onnx.ModelProto.encode(onnx.ModelProto.create(this.model())).finish();
  }
}
