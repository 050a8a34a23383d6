/**
 * Reshape-like ONNX ops on data: Flatten (any axis that keeps the batch apart), Reshape (targets
 * folded from constants, the batch entry marked), Squeeze, Unsqueeze, Transpose, Identity, Dropout,
 * and Slice of the spatial axes (a cropping).
 * In NCHW memory these move no values: they re-view the same CnnModel tensor, except that a
 * spatial tensor turning into [N, features] gets a `flatten` layer (so a dense layer can read it).
 */
import { count, spatial, view, type Data, type Value } from './builder.js';
import { OpCtx } from './context.js';
import { axesOf } from './opset.js';
import { bad, unsupported } from './tensor.js';

const show = (dims: number[]) => `[N, ${dims.join(', ')}]`;

/** Re-views x as dims (batch left out), emitting a flatten when a spatial tensor becomes a vector. */
function reshapeTo(c: OpCtx, x: Data, dims: number[]): Value {
  if (count(dims) !== count(x.dims)) throw bad(`${c.where}: cannot reshape ${show(x.dims)} (${count(x.dims)} values per sample) to ${show(dims)}`);
  if (dims.length === 1) return x.vector ? view(x, dims) : c.b.emit({ type: 'flatten' }, [x], c.out, dims, true);
  if (x.vector) {
    // [C] and [C, 1, 1] are one tensor to the runtime; other shapes would need a reshape layer
    if (dims[0] === x.dims[0] && dims.slice(1).every((d) => d === 1)) return view(x, dims);
    throw unsupported(`${c.where}: reshaping the vector ${show(x.dims)} to ${show(dims)} would need a reshape layer (vector → [C, H, W]), which cnn2mlp does not have`);
  }
  if (dims.length > 3) throw unsupported(`${c.where}: a reshape to rank ${dims.length + 1} ${show(dims)}`);
  const from = spatial(x, c.where);
  const to = spatial({ ...x, dims }, c.where);
  if (from.c === to.c && from.h === to.h && from.w === to.w) return view(x, dims);
  throw unsupported(`${c.where}: reshape ${show(x.dims)} → ${show(dims)} regroups the channels or spatial axes; cnn2mlp follows only flattens and unit-axis changes`);
}

function flatten(c: OpCtx): Value {
  const x = c.data(0);
  const r = x.dims.length + 1;
  const ax0 = c.a.int('axis', 1);
  const ax = ax0 < 0 ? ax0 + r : ax0;
  if (ax < 0 || ax > r) throw bad(`${c.where}: axis ${ax0} out of range for rank ${r}`);
  // the output is [prod(dims[0, axis)), prod(dims[axis, r))]: the batch stays apart only if nothing else joins it
  if (ax === 0 || count(x.dims.slice(0, ax - 1)) !== 1)
    throw unsupported(`${c.where}: Flatten axis ${ax0} of ${show(x.dims)} would merge the batch axis with others; cnn2mlp keeps samples apart`);
  return reshapeTo(c, x, [count(x.dims.slice(ax - 1))]);
}

function reshape(c: OpCtx): Value {
  const x = c.data(0);
  const n = count(x.dims);
  let target: number[];
  let batchMarked = false;
  if (c.opset < 5) {
    target = c.a.ints('shape') ?? [];
  } else {
    const t = c.constant(1, 'shape');
    target = Array.from(t.data as ArrayLike<number>);
    batchMarked = t.batch?.[0] === true;
    if (t.batch?.some((m, k) => m && k > 0)) throw unsupported(`${c.where}: a reshape that moves the batch size off axis 0`);
  }
  const allowZero = c.opset >= 14 && c.a.int('allowzero', 0) === 1;
  if (target.length === 0) throw unsupported(`${c.where}: a reshape to a scalar`);
  if (target.slice(1).some((v) => Number.isNaN(v))) throw unsupported(`${c.where}: reshape target [${target.join(', ')}] depends on the batch size off axis 0`);
  // the batch entry: marked as the batch size, 0 (copy), -1 (inferred) or a number taken as the batch
  const first = target[0];
  const rest = target.slice(1).map((v, k) => (v === 0 && !allowZero ? x.dims[k] : v));
  const inferred = rest.filter((v) => v === -1).length;
  if (inferred > 1 || (inferred === 1 && first === -1)) throw unsupported(`${c.where}: reshape target [${target.join(', ')}] leaves more than one axis to infer`);
  const known = count(rest.filter((v) => v !== -1));
  const dims = rest.map((v) => (v === -1 ? n / known : v));
  if (!(batchMarked || Number.isInteger(first)) || count(dims) !== n)
    throw unsupported(`${c.where}: reshape ${show(x.dims)} to [${target.join(', ')}] moves values between samples; cnn2mlp keeps the batch axis`);
  return reshapeTo(c, x, dims);
}

function squeeze(c: OpCtx): Value {
  const x = c.data(0);
  const r = x.dims.length + 1;
  const axes = axesOf(c.node, c.opset, 13, c.a, c.ins[1] ? c.constant(1, 'axes') : undefined, c.where);
  const set = new Set((axes ?? x.dims.map((d, k) => (d === 1 ? k + 1 : -1)).filter((k) => k > 0)).map((a) => (a < 0 ? a + r : a)));
  if (set.has(0)) throw unsupported(`${c.where}: squeezing the batch axis`);
  if ([...set].some((a) => x.dims[a - 1] !== 1)) throw bad(`${c.where}: squeezes axes [${[...set].join(', ')}] of ${show(x.dims)}, not all of length 1`);
  return reshapeTo(c, x, x.dims.filter((_, k) => !set.has(k + 1)));
}

function unsqueeze(c: OpCtx): Value {
  const x = c.data(0);
  const axes = axesOf(c.node, c.opset, 13, c.a, c.ins[1] ? c.constant(1, 'axes') : undefined, c.where) ?? [];
  const r = x.dims.length + 1 + axes.length;
  const set = new Set(axes.map((a) => (a < 0 ? a + r : a)));
  if (set.has(0)) throw unsupported(`${c.where}: a new axis before the batch axis`);
  const full: number[] = [];
  for (let k = 1, j = 0; k < r; k++) full.push(set.has(k) ? 1 : x.dims[j++]);
  return reshapeTo(c, x, full);
}

function transpose(c: OpCtx): Value {
  const v = c.ins[0];
  if (!v || v.kind !== 'data') throw unsupported(`${c.where}: input 0 must be the data tensor`);
  const r = v.dims.length + 1;
  const perm = c.a.ints('perm') ?? Array.from({ length: r }, (_, k) => r - 1 - k);
  if (perm.length !== r || [...perm].sort().some((p, k) => p !== k)) throw bad(`${c.where}: perm [${perm.join(', ')}] is not a permutation of ${r} axes`);
  const composed = v.perm ? perm.map((p) => v.perm![p]) : perm;
  const identity = composed.every((p, k) => p === k);
  if (identity) return { kind: 'data', ref: v.ref, dims: v.dims, vector: v.vector };
  if (composed[0] !== 0) throw unsupported(`${c.where}: Transpose perm [${perm.join(', ')}] moves the batch axis`);
  // moving only axes of length 1 keeps memory order: a plain re-view
  const full = [1, ...v.dims];
  const order = composed.filter((p) => full[p] !== 1);
  if (!v.perm && order.every((p, k) => k === 0 || p > order[k - 1])) return reshapeTo(c, v, composed.slice(1).map((p) => full[p]));
  return { kind: 'data', ref: v.ref, dims: v.dims, vector: v.vector, perm: composed };
}

/** Slice of data along the spatial axes with step 1 → cropping2d. */
function slice(c: OpCtx): Value {
  const x = c.data(0);
  const r = x.dims.length + 1;
  const list = (k: number, attr: string): number[] | undefined =>
    c.opset < 10 ? c.a.ints(attr) : c.ins[k] ? Array.from(c.constant(k, attr).data as ArrayLike<number>) : undefined;
  const starts = list(1, 'starts') ?? [];
  const ends = list(2, 'ends') ?? [];
  const axes = (list(3, 'axes') ?? starts.map((_, k) => k)).map((a) => (a < 0 ? a + r : a));
  const steps = list(4, 'steps') ?? starts.map(() => 1);
  const crop = [0, 0, 0, 0];
  axes.forEach((ax, j) => {
    const len = x.dims[ax - 1];
    const clamp = (v: number) => Math.max(0, Math.min(len, v < 0 ? v + len : v));
    const [b, e] = [clamp(starts[j]), clamp(ends[j])];
    const spatialAxis = r === 4 ? ax - 2 : r === 3 && ax === 2 ? 1 : -1;
    if (steps[j] !== 1 || spatialAxis < 0 || e <= b)
      throw unsupported(`${c.where}: Slice of axis ${ax} (step ${steps[j]}) of [N, ${x.dims.join(', ')}]; cnn2mlp slices only spatial axes with step 1 (a cropping)`);
    crop[spatialAxis * 2] = b;
    crop[spatialAxis * 2 + 1] = len - e;
  });
  const dims = x.dims.map((d, k) => (k === 0 ? d : d - crop[(r === 4 ? k - 1 : 1) * 2] - crop[(r === 4 ? k - 1 : 1) * 2 + 1]));
  if (crop.every((v) => v === 0)) return x;
  return c.b.emit({ type: 'cropping2d', cropping: crop as [number, number, number, number] }, [x], c.out, dims, false);
}

function passThrough(c: OpCtx): Value {
  const v = c.ins[0];
  if (!v) throw bad(`${c.where}: no input`);
  if (c.op === 'Dropout' && c.opset >= 12 && c.ins[2]?.kind === 'const' && (c.ins[2].t.data as ArrayLike<number>)[0])
    throw unsupported(`${c.where}: Dropout with training_mode=true`);
  return v;
}

export const VIEW_OPS: Record<string, (c: OpCtx) => Value> = {
  Flatten: flatten,
  Reshape: reshape,
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Transpose: transpose,
  Slice: slice,
  Identity: passThrough,
  Dropout: passThrough,
};
