/**
 * Constant folding: evaluates a node whose inputs are all constants at load time — the shape
 * arithmetic exporters write (Shape → Gather → Unsqueeze → Concat → Reshape), Cast, Slice, and
 * elementwise maths on weights. Float results are rounded to float32 after each op, as a float32
 * runtime would compute them. Integer entries marked as the batch size survive only ops that move
 * values without computing on them.
 */
import { axesOf } from './opset.js';
import { Attrs, bad, unsupported, type NodeProto, type Tensor } from './tensor.js';

/** Ops `fold` evaluates when every input is constant. */
export const FOLDABLE = new Set([
  'Identity', 'Cast', 'Shape', 'Size', 'Gather', 'Unsqueeze', 'Squeeze', 'Concat', 'Reshape', 'Flatten', 'Slice',
  'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Min', 'Max', 'Neg', 'Abs', 'Sqrt', 'Reciprocal', 'Floor', 'Ceil', 'Exp',
  'ConstantOfShape', 'Range', 'Transpose', 'Expand', 'Dropout',
]);

const FLOAT_TYPES = new Set([1, 10, 11, 16]);
const count = (dims: number[]) => dims.reduce((a, b) => a * b, 1);
const isFloat = (t: Tensor) => t.data instanceof Float32Array;
const ints = (t: Tensor) => Array.from(t.data as ArrayLike<number>);
// Folded constants are shape vectors and weights (4M elements = a 16 MB tensor); a larger result is a folding bomb (a
// Shape/Concat loop, a ConstantOfShape of 1e12) that would exhaust the heap before it failed.
const MAX_FOLD_ELEMENTS = 1 << 22;

const dimsText = (dims: number[]) => (dims.length > 8 ? `${dims.slice(0, 8).join(', ')}, … (${dims.length} dims)` : dims.join(', '));

/** The dims of a folded result, checked before anything is allocated for it. */
function outDims(dims: number[], where: string): number[] {
  if (dims.some((d) => Number.isNaN(d))) throw unsupported(`${where}: folded shape [${dimsText(dims)}] depends on the batch size`);
  if (!dims.every((d) => Number.isInteger(d) && d >= 0)) throw bad(`${where}: folded shape [${dimsText(dims)}] has a dimension that is not an integer ≥ 0`);
  const n = count(dims);
  if (n > MAX_FOLD_ELEMENTS) throw unsupported(`${where}: folding gives ${n} elements (dims [${dimsText(dims)}]); cnn2mlp folds constants of up to ${MAX_FOLD_ELEMENTS} elements`);
  return dims;
}

function make(name: string, dims: number[], values: ArrayLike<number>, float: boolean, batch?: boolean[]): Tensor {
  const data = float ? Float32Array.from(values) : Array.from(values);
  return batch && batch.some(Boolean) ? { name, dims, data, batch } : { name, dims, data };
}

/** Row-major strides. */
function strides(dims: number[]): number[] {
  const s = new Array<number>(dims.length).fill(1);
  for (let k = dims.length - 2; k >= 0; k--) s[k] = s[k + 1] * dims[k + 1];
  return s;
}

/** Gathers t's values at the flat indices idx (keeping batch marks). */
function pick(t: Tensor, name: string, dims: number[], idx: number[]): Tensor {
  const src = t.data as ArrayLike<number>;
  return make(name, dims, idx.map((i) => src[i]), isFloat(t), t.batch ? idx.map((i) => t.batch![i]) : undefined);
}

/** numpy broadcasting of two shapes */
function broadcastShape(a: number[], b: number[], where: string): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let k = 0; k < r; k++) {
    const x = a[a.length - r + k] ?? 1;
    const y = b[b.length - r + k] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw unsupported(`${where}: shapes [${a.join(', ')}] and [${b.join(', ')}] do not broadcast`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** Flat source index in `dims` for each position of the broadcast shape `out`. */
function broadcastIndex(dims: number[], out: number[]): number[] {
  const st = strides(dims);
  const pad = out.length - dims.length;
  const res: number[] = [];
  const pos = new Array<number>(out.length).fill(0);
  for (let n = 0; n < count(out); n++) {
    let i = 0;
    for (let k = 0; k < dims.length; k++) i += dims[k] === 1 ? 0 : pos[pad + k] * st[k];
    res.push(i);
    for (let k = out.length - 1; k >= 0 && ++pos[k] === out[k]; k--) pos[k] = 0;
  }
  return res;
}

const BINARY: Record<string, (x: number, y: number, float: boolean) => number> = {
  Add: (x, y) => x + y,
  Sub: (x, y) => x - y,
  Mul: (x, y) => x * y,
  Div: (x, y, f) => (f ? x / y : Math.trunc(x / y)),
  Pow: (x, y) => x ** y,
  Min: (x, y) => Math.min(x, y),
  Max: (x, y) => Math.max(x, y),
};
const UNARY: Record<string, (x: number) => number> = {
  Neg: (x) => -x,
  Abs: Math.abs,
  Sqrt: Math.sqrt,
  Reciprocal: (x) => 1 / x,
  Floor: Math.floor,
  Ceil: Math.ceil,
  Exp: Math.exp,
};

function binary(op: string, a: Tensor, b: Tensor, name: string, where: string): Tensor {
  const dims = outDims(broadcastShape(a.dims, b.dims, where), where);
  const ia = broadcastIndex(a.dims, dims);
  const ib = broadcastIndex(b.dims, dims);
  const float = isFloat(a) || isFloat(b);
  const A = a.data as ArrayLike<number>;
  const B = b.data as ArrayLike<number>;
  const f = BINARY[op];
  // x·1, x+0 keep a batch mark; anything else computes on the unknown batch and loses it
  const keep = (k: number, side: Tensor, other: ArrayLike<number>, oi: number) =>
    side.batch?.[k] === true && ((op === 'Mul' && other[oi] === 1) || ((op === 'Add' || op === 'Sub') && other[oi] === 0));
  const batch = dims.length ? ia.map((i, k) => keep(i, a, B, ib[k]) || (op !== 'Sub' && keep(ib[k], b, A, i))) : undefined;
  return make(name, dims, ia.map((i, k) => f(A[i], B[ib[k]], float)), float, batch);
}

function slice(t: Tensor, starts: number[], ends: number[], axes: number[], steps: number[], name: string): Tensor {
  const dims = [...t.dims];
  const ranges = dims.map((d) => ({ start: 0, step: 1, n: d }));
  axes.forEach((ax0, k) => {
    const ax = ax0 < 0 ? ax0 + dims.length : ax0;
    const d = t.dims[ax];
    const step = steps[k] ?? 1;
    const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
    let s = starts[k] < 0 ? starts[k] + d : starts[k];
    let e = ends[k] < 0 ? ends[k] + d : ends[k];
    s = step > 0 ? clamp(s, 0, d) : clamp(s, -1, d - 1);
    e = step > 0 ? clamp(e, 0, d) : clamp(e, -1, d - 1);
    const n = Math.max(0, Math.ceil((e - s) / step));
    ranges[ax] = { start: s, step, n };
    dims[ax] = n;
  });
  const st = strides(t.dims);
  const idx: number[] = [];
  const pos = new Array<number>(dims.length).fill(0);
  for (let n = 0; n < count(dims); n++) {
    idx.push(pos.reduce((acc, p, k) => acc + (ranges[k].start + p * ranges[k].step) * st[k], 0));
    for (let k = dims.length - 1; k >= 0 && ++pos[k] === dims[k]; k--) pos[k] = 0;
  }
  return pick(t, name, dims, idx);
}

function reshapeDims(t: Tensor, target: Tensor, allowZero: boolean, where: string): number[] {
  const tv = ints(target);
  if (target.batch?.some(Boolean) || tv.some((v) => Number.isNaN(v))) throw unsupported(`${where}: a constant reshaped by the batch size`);
  const out = tv.map((v, k) => (v === 0 && !allowZero ? t.dims[k] : v));
  const known = count(out.filter((v) => v !== -1));
  const n = count(t.dims);
  return out.map((v) => (v === -1 ? n / known : v));
}

function gather(t: Tensor, idx: Tensor, axis0: number, name: string, where: string): Tensor {
  const axis = axis0 < 0 ? axis0 + t.dims.length : axis0;
  const dims = outDims([...t.dims.slice(0, axis), ...idx.dims, ...t.dims.slice(axis + 1)], where);
  const iv = ints(idx).map((i) => (i < 0 ? i + t.dims[axis] : i));
  const outer = count(t.dims.slice(0, axis));
  const inner = count(t.dims.slice(axis + 1));
  const flat: number[] = [];
  for (let o = 0; o < outer; o++) for (const i of iv) for (let k = 0; k < inner; k++) flat.push((o * t.dims[axis] + i) * inner + k);
  return pick(t, name, dims, flat);
}

function concat(parts: Tensor[], axis0: number, name: string, where: string): Tensor {
  const axis = axis0 < 0 ? axis0 + parts[0].dims.length : axis0;
  const dims = [...parts[0].dims];
  dims[axis] = parts.reduce((sum, p) => sum + p.dims[axis], 0);
  outDims(dims, where);
  const outer = count(parts[0].dims.slice(0, axis));
  const vals: number[] = [];
  const batch: boolean[] = [];
  for (let o = 0; o < outer; o++)
    for (const p of parts) {
      const inner = count(p.dims.slice(axis));
      for (let k = 0; k < inner; k++) {
        vals.push((p.data as ArrayLike<number>)[o * inner + k]);
        batch.push(p.batch?.[o * inner + k] === true);
      }
    }
  return make(name, dims, vals, parts.some(isFloat), batch);
}

function transpose(t: Tensor, perm: number[], name: string, where: string): Tensor {
  const dims = outDims(perm.map((p) => t.dims[p]), where);
  const st = strides(t.dims);
  const idx: number[] = [];
  const pos = new Array<number>(dims.length).fill(0);
  for (let n = 0; n < count(dims); n++) {
    idx.push(pos.reduce((acc, p, k) => acc + p * st[perm[k]], 0));
    for (let k = dims.length - 1; k >= 0 && ++pos[k] === dims[k]; k--) pos[k] = 0;
  }
  return pick(t, name, dims, idx);
}

function shapeOf(t: Tensor, a: Attrs, name: string): Tensor {
  const r = t.dims.length;
  const clamp = (v: number) => Math.max(0, Math.min(r, v < 0 ? v + r : v));
  const dims = t.dims.slice(clamp(a.int('start', 0)), clamp(a.has('end') ? a.int('end', r) : r));
  return make(name, [dims.length], dims, false);
}

function constantOfShape(shape: Tensor, a: Attrs, name: string, where: string): Tensor {
  const dims = outDims(ints(shape), where);
  const v = a.tensor('value');
  const float = v ? v.dataType === 1 || v.dataType === 11 : true;
  const raw = v?.rawData && v.rawData.length >= 4 ? new DataView(v.rawData.buffer, v.rawData.byteOffset).getFloat32(0, true) : 0;
  const fill = v ? Number(v.floatData?.[0] ?? v.int64Data?.[0] ?? v.int32Data?.[0] ?? raw) : 0;
  return make(name, dims, new Array(count(dims)).fill(fill), float);
}

/** Evaluates one node on constant inputs. `ins` holds undefined for omitted optional inputs. */
export function fold(node: NodeProto, opset: number, a: Attrs, ins: (Tensor | undefined)[], where: string): Tensor[] {
  const op = node.opType ?? '';
  const name = node.output?.[0] ?? '';
  const need = BINARY[op] || op === 'Gather' || op === 'Expand' || (op === 'Reshape' && opset >= 5) ? 2 : op === 'Range' || (op === 'Slice' && opset >= 10) ? 3 : 1;
  if (ins.length < need || ins.slice(0, need).some((t) => !t)) throw bad(`${where}: ${op} needs ${need} input(s) but has ${ins.filter(Boolean).length}`);
  const x = ins[0]!;
  if (BINARY[op]) return [binary(op, x, ins[1]!, name, where)];
  if (UNARY[op]) return [make(name, x.dims, ints(x).map(UNARY[op]), isFloat(x))];
  switch (op) {
    case 'Identity':
    case 'Dropout':
      return [{ ...x, name }];
    case 'Cast': {
      const float = FLOAT_TYPES.has(a.has('to') ? a.intOrName('to') : 1);
      return [make(name, x.dims, float ? ints(x) : ints(x).map(Math.trunc), float, x.batch)];
    }
    case 'Shape':
      return [shapeOf(x, a, name)];
    case 'Size':
      return [make(name, [], [count(x.dims)], false)];
    case 'Gather':
      return [gather(x, ins[1]!, a.int('axis', 0), name, where)];
    case 'Unsqueeze': {
      const axes = axesOf(node, opset, 13, a, ins[1], where) ?? [];
      const r = x.dims.length + axes.length;
      const norm = axes.map((v) => (v < 0 ? v + r : v));
      const dims: number[] = [];
      for (let k = 0, j = 0; k < r; k++) dims.push(norm.includes(k) ? 1 : x.dims[j++]);
      return [{ ...x, name, dims }];
    }
    case 'Squeeze': {
      const norm = axesOf(node, opset, 13, a, ins[1], where)?.map((v) => (v < 0 ? v + x.dims.length : v));
      return [{ ...x, name, dims: x.dims.filter((d, k) => (norm ? !norm.includes(k) : d !== 1)) }];
    }
    case 'Concat':
      return [concat(ins.filter((t): t is Tensor => t !== undefined), a.int('axis', opset < 4 ? 1 : 0), name, where)];
    case 'Reshape': {
      const target = opset < 5 ? { name: '', dims: [], data: a.ints('shape') ?? [] } : ins[1]!;
      return [{ ...x, name, dims: reshapeDims(x, target, a.int('allowzero', 0) === 1, where) }];
    }
    case 'Flatten': {
      const ax0 = a.int('axis', 1);
      const ax = ax0 < 0 ? ax0 + x.dims.length : ax0;
      return [{ ...x, name, dims: [count(x.dims.slice(0, ax)), count(x.dims.slice(ax))] }];
    }
    case 'Slice': {
      if (opset < 10) {
        const starts = a.bounds('starts') ?? [];
        return [slice(x, starts, a.bounds('ends') ?? [], a.ints('axes') ?? starts.map((_, k) => k), [], name)];
      }
      const starts = ints(ins[1]!);
      return [slice(x, starts, ints(ins[2]!), ins[3] ? ints(ins[3]) : starts.map((_, k) => k), ins[4] ? ints(ins[4]) : [], name)];
    }
    case 'ConstantOfShape':
      return [constantOfShape(x, a, name, where)];
    case 'Range': {
      const [s, l, d] = [ints(x)[0], ints(ins[1]!)[0], ints(ins[2]!)[0]];
      const [n] = outDims([Math.max(Math.ceil((l - s) / d), 0)], where);
      return [make(name, [n], Array.from({ length: n }, (_, k) => s + k * d), isFloat(x))];
    }
    case 'Transpose':
      return [transpose(x, a.ints('perm') ?? x.dims.map((_, k) => x.dims.length - 1 - k), name, where)];
    case 'Expand': {
      const dims = outDims(broadcastShape(x.dims, ints(ins[1]!), where), where);
      return [pick(x, name, dims, broadcastIndex(x.dims, dims))];
    }
    default:
      throw unsupported(`${where}: cannot fold '${op}' on constants`);
  }
}
