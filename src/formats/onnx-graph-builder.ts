/**
 * Builds ONNX graph protos: nodes and initializers with fresh names. Internal to the ONNX writers
 * (kept out of the public modules so their declarations do not expose the protobuf types).
 */
import os from 'node:os';
import { onnx, type OnnxNs } from './onnx-proto.js';

const FLOAT = 1;
const INT64 = 7;

export type Attr = { f: number } | { i: number } | { ints: number[] } | { s: string };

/** Accumulates nodes and initializers with fresh names. */
export class GraphBuilder {
  nodes: OnnxNs.INodeProto[] = [];
  inits: OnnxNs.ITensorProto[] = [];
  private k = 0;
  fresh(prefix: string): string {
    return `${prefix}_${this.k++}`;
  }
  node(opType: string, inputs: string[], attrs: Record<string, Attr> = {}, out?: string): string {
    const o = out ?? this.fresh(opType.toLowerCase());
    const T = onnx.AttributeProto.AttributeType;
    this.nodes.push({
      name: this.fresh(opType),
      opType,
      input: inputs,
      output: [o],
      attribute: Object.entries(attrs).map(([name, v]) =>
        'f' in v
          ? { name, type: T.FLOAT, f: v.f }
          : 'i' in v
            ? { name, type: T.INT, i: v.i }
            : 's' in v
              ? { name, type: T.STRING, s: new TextEncoder().encode(v.s) }
              : { name, type: T.INTS, ints: v.ints },
      ),
    });
    return o;
  }
  floats(dims: number[], data: Float32Array, prefix = 'w'): string {
    const name = this.fresh(prefix);
    this.inits.push({ name, dims, dataType: FLOAT, rawData: leBytes(data) });
    return name;
  }
  int64s(values: number[]): string {
    const name = this.fresh('shape');
    this.inits.push({ name, dims: [values.length], dataType: INT64, int64Data: values });
    return name;
  }
  scalar(v: number): string {
    const name = this.fresh('s');
    this.inits.push({ name, dims: [], dataType: FLOAT, floatData: [v] });
    return name;
  }
}

export function leBytes(a: Float32Array): Uint8Array {
  if (os.endianness() === 'LE') return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const out = new Uint8Array(a.length * 4);
  const dv = new DataView(out.buffer);
  a.forEach((v, k) => dv.setFloat32(k * 4, v, true));
  return out;
}

