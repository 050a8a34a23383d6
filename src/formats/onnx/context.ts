/** What an op mapper sees of one node: its attributes, its operands (constant or data) and the layer builder. */
import type { Padding } from '../../model/types.js';
import { poolOrConvAxis } from '../../model/plan.js';
import { noPerm, type Const, type Data, type LayerBuilder, type Value } from './builder.js';
import { Attrs, bad, MAX_DIM, unsupported, type NodeProto, type Tensor } from './tensor.js';

export class OpCtx {
  readonly a: Attrs;
  constructor(
    readonly node: NodeProto,
    readonly where: string,
    readonly opset: number,
    readonly ins: (Value | undefined)[],
    readonly b: LayerBuilder,
  ) {
    this.a = new Attrs(node, where);
  }

  get op(): string {
    return this.node.opType ?? '';
  }
  /** the name for the layer this node emits: its first output tensor */
  get out(): string {
    return this.node.output?.[0] ?? '';
  }
  /** input k as a data tensor (not transposed) */
  data(k: number): Data {
    const v = this.ins[k];
    if (!v || v.kind !== 'data') throw unsupported(`${this.where}: input ${k} must be the data tensor (computed from the graph input)`);
    return noPerm(v, this.where);
  }
  /** input k as a constant (initializer, Constant node or a folded subgraph) */
  constant(k: number, what: string): Tensor {
    const v = this.ins[k];
    if (!v) throw bad(`${this.where}: the ${what} input is missing`);
    if (v.kind !== 'const') throw unsupported(`${this.where}: the ${what} must be a constant (initializer, Constant node or folded subgraph); here it is computed from the data`);
    return v.t;
  }
  optConstant(k: number, what: string): Tensor | undefined {
    return this.ins[k] ? this.constant(k, what) : undefined;
  }
  floats(t: Tensor): Float32Array {
    if (!(t.data instanceof Float32Array)) throw unsupported(`${this.where}: tensor '${t.name}' must be FLOAT`);
    return t.data;
  }
  /** the data operand and the constant operand of a binary op, in either order */
  dataAndConst(): { d: Data; c: Tensor; constFirst: boolean } | undefined {
    const [x, y] = this.ins;
    if (x?.kind === 'data' && y?.kind === 'const') return { d: x, c: y.t, constFirst: false };
    if (x?.kind === 'const' && y?.kind === 'data') return { d: y, c: x.t, constFirst: true };
    return undefined;
  }
}

export const constValue = (t: Tensor): Const => ({ kind: 'const', t });

/** Per-axis window attributes (kernel, strides, dilations) for a 1-D or 2-D op, as pairs with height first. */
export function windowPair(c: OpCtx, name: string, spatialRank: number, def: number): [number, number] {
  const v = c.a.ints(name);
  if (!v) return [def, def];
  if (v.length !== spatialRank) throw unsupported(`${c.where}: ${name} has ${v.length} values for a ${spatialRank}-D op; cnn2mlp runs 1-D and 2-D ops`);
  if (v.some((x) => x < 1 || x > MAX_DIM)) throw bad(`${c.where}: ${name} [${v.join(', ')}] must be integers ≥ 1`);
  return spatialRank === 1 ? [1, v[0]] : [v[0], v[1]];
}

/** ONNX auto_pad + pads → CnnModel padding; ONNX pads are [x1_begin, x2_begin, x1_end, x2_end]. */
export function paddingOf(c: OpCtx, spatialRank: number): Padding {
  const auto = c.a.string('auto_pad', 'NOTSET');
  switch (auto) {
    case 'SAME_UPPER':
      return 'same';
    case 'SAME_LOWER':
      return 'sameLower';
    case 'VALID':
      return 'valid';
    case 'NOTSET':
    case '': {
      const p = c.a.ints('pads') ?? new Array<number>(2 * spatialRank).fill(0);
      if (p.length !== 2 * spatialRank) throw unsupported(`${c.where}: pads has ${p.length} values for a ${spatialRank}-D op`);
      if (p.some((x) => x < 0 || x > MAX_DIM)) throw bad(`${c.where}: pads [${p.join(', ')}] must be integers ≥ 0`);
      return spatialRank === 1 ? [0, 0, p[0], p[1]] : [p[0], p[2], p[1], p[3]];
    }
    default:
      throw bad(`${c.where}: unknown auto_pad '${auto}'`);
  }
}

/** Output [C, H, W] (or [C, L]) dims of a window op. */
export function windowOut(
  dims: number[],
  k: [number, number],
  st: [number, number],
  d: [number, number],
  pad: Padding,
  ceil: boolean,
  where: string,
  channels: number,
): number[] {
  const h = dims.length === 3 ? dims[1] : 1;
  const w = dims[dims.length - 1];
  const oh = poolOrConvAxis(h, k[0], st[0], d[0], pad, 0, ceil, where).out;
  const ow = poolOrConvAxis(w, k[1], st[1], d[1], pad, 1, ceil, where).out;
  return dims.length === 3 ? [channels, oh, ow] : [channels, ow];
}

/** The spatial rank (1 or 2) of a data tensor that a window op reads. */
export function windowRank(d: Data, where: string): 1 | 2 {
  if (d.dims.length === 3) return 2;
  if (d.dims.length === 2) return 1;
  throw unsupported(`${where} needs a [N, C, H, W] or [N, C, L] input but receives [N, ${d.dims.join(', ')}]`);
}
