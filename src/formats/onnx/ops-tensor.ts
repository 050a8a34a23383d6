/**
 * ONNX ops without weights → CnnModel layers: activations, elementwise Add/Sub/Mul/Div/Sum (of two
 * data tensors, or of data and a constant → scaleShift), Concat, Resize/Upsample, ReduceMean/Max
 * over the spatial axes, Softmax, and the reshapes (Flatten, Reshape, Squeeze, Unsqueeze,
 * Transpose) that only re-view NCHW memory.
 */
import { SELU_ALPHA, SELU_GAMMA } from '../../model/op-contract.js';
import type { Activation } from '../../model/types.js';
import { count, noPerm, view, type Data, type Value } from './builder.js';
import { OpCtx } from './context.js';
import { globalPool } from './ops-weighted.js';
import { axesOf, clipBounds, resizeParams } from './opset.js';
import { bad, unsupported, type Tensor } from './tensor.js';

// ONNX's Selu defaults are the float32 roundings of the SELU constants.
const ONNX_SELU_ALPHA = Math.fround(SELU_ALPHA);
const ONNX_SELU_GAMMA = Math.fround(SELU_GAMMA);

/** Elementwise ops keep a pending Transpose: they do not care about the layout. */
function activation(c: OpCtx, act: Activation): Value {
  const v = c.ins[0];
  if (!v || v.kind !== 'data') throw unsupported(`${c.where}: input 0 must be the data tensor`);
  const out = c.b.emit({ type: 'activation', activation: act }, [v], c.out, v.dims, v.vector);
  return v.perm ? { ...out, perm: v.perm } : out;
}

function activationOf(c: OpCtx): Activation {
  const a = c.a;
  switch (c.op) {
    case 'Relu':
      return 'relu';
    case 'Sigmoid':
      return 'sigmoid';
    case 'Tanh':
      return 'tanh';
    case 'Softplus':
      return 'softplus';
    case 'HardSwish':
      return 'hardSwish';
    case 'LeakyRelu':
      return { type: 'leakyRelu', alpha: a.float('alpha', 0.01) };
    case 'Elu':
      return { type: 'elu', alpha: a.float('alpha', 1) };
    case 'HardSigmoid':
      return { type: 'hardSigmoid', alpha: a.float('alpha', 0.2), beta: a.float('beta', 0.5) };
    case 'Selu': {
      const alpha = a.float('alpha', ONNX_SELU_ALPHA);
      const gamma = a.float('gamma', ONNX_SELU_GAMMA);
      if (Math.abs(alpha - ONNX_SELU_ALPHA) > 1e-6 || Math.abs(gamma - ONNX_SELU_GAMMA) > 1e-6)
        throw unsupported(`${c.where}: Selu with alpha ${alpha} / gamma ${gamma}; only the standard constants are supported`);
      return 'selu';
    }
    case 'Clip': {
      const opt = (k: number) => (c.ins[k] ? c.constant(k, k === 1 ? 'min' : 'max') : undefined);
      const { min, max } = clipBounds(c.opset, a, opt(1), opt(2));
      return { type: 'clip', min, max };
    }
    default:
      throw unsupported(`${c.where}: not an activation`);
  }
}

function prelu(c: OpCtx): Value {
  const x = c.data(0);
  const slope = c.constant(1, 'slope');
  // before opset 7 a slope of C values is per channel whatever its dims; later it broadcasts like numpy
  const legacy = c.opset < 7 && count(slope.dims) === x.dims[0];
  const alpha = legacy ? c.floats(slope) : perChannel(c, slope, x, 'slope');
  return c.b.emit({ type: 'prelu', alpha }, [x], c.out, x.dims, x.vector);
}

function softmax(c: OpCtx): Value {
  const x = c.data(0);
  const r = x.dims.length + 1;
  const axis0 = c.a.int('axis', c.opset < 13 ? 1 : -1);
  const axis = axis0 < 0 ? axis0 + r : axis0;
  // before opset 13 Softmax flattens from `axis` on; either way it must cover exactly the features
  const overFeatures = c.opset < 13 ? axis === 1 : r === 2 && axis === 1;
  if (!overFeatures || x.dims.slice(1).some((d) => d !== 1))
    throw unsupported(`${c.where}: Softmax over axis ${axis0} of [N, ${x.dims.join(', ')}]; cnn2mlp's softmax runs over the features of [N, features]`);
  return c.b.emit({ type: 'activation', activation: 'softmax' }, [x], c.out, x.dims, x.vector);
}

/**
 * A constant that broadcasts against data [N, ...dims] with one value per channel or one in all:
 * returns it as length C or 1. Anything else (per pixel, per sample) has no CnnModel layer.
 */
function perChannel(c: OpCtx, t: Tensor, x: Data, what: string): Float32Array {
  const v = c.floats(t);
  const r = x.dims.length + 1;
  if (t.dims.length > r) throw unsupported(`${c.where}: ${what} [${t.dims.join(', ')}] has a higher rank than the data [N, ${x.dims.join(', ')}]`);
  const full = [...new Array<number>(r - t.dims.length).fill(1), ...t.dims];
  if (full.every((d) => d === 1)) return v.length === 1 ? v : Float32Array.of(v[0]);
  const ch = x.dims[0];
  if (full[0] === 1 && full[1] === ch && full.slice(2).every((d) => d === 1)) return v;
  // a [features] constant on [N, features] data
  throw unsupported(
    `${c.where}: ${what} of dims [${t.dims.join(', ')}] against data [N, ${x.dims.join(', ')}]; cnn2mlp applies a constant that is a scalar or one value per channel (${ch})`,
  );
}

/** Add/Sub/Mul/Div of data and a constant → scaleShift. */
function withConstant(c: OpCtx, d: Data, t: Tensor, constFirst: boolean): Value {
  const v = perChannel(c, t, d, 'constant');
  const neg = (a: Float32Array) => a.map((x) => -x);
  let spec: { scale?: Float32Array; shift?: Float32Array };
  switch (c.op) {
    case 'Add':
    case 'Sum':
      spec = { shift: v };
      break;
    case 'Sub':
      spec = constFirst ? { scale: Float32Array.of(-1), shift: v } : { shift: neg(v) };
      break;
    case 'Mul':
      spec = { scale: v };
      break;
    case 'Div':
      if (constFirst) throw unsupported(`${c.where}: a constant divided by data (an elementwise reciprocal)`);
      spec = { scale: v.map((x) => 1 / x) };
      break;
    default:
      throw unsupported(`${c.where}: ${c.op} with a constant`);
  }
  const scalarOnly = v.length === 1;
  const out = c.b.emit({ type: 'scaleShift', ...spec }, [d.perm && scalarOnly ? d : noPerm(d, c.where)], c.out, d.dims, d.vector);
  return d.perm ? { ...out, perm: d.perm } : out;
}

/** Opsets before 7 broadcast only with broadcast=1, aligning B at `axis` (or at the end). */
function legacyBroadcast(c: OpCtx): void {
  if (c.opset >= 7 || c.ins.length !== 2) return;
  const [x, y] = c.ins;
  if (c.a.int('broadcast', 0) !== 1 || !x || !y) return;
  const rx = x.kind === 'data' ? x.dims.length + 1 : x.t.dims.length;
  const ax0 = c.a.int('axis', -1);
  if (y.kind !== 'const' || ax0 === -1) return;
  const axis = ax0 < 0 ? ax0 + rx : ax0;
  const dims = [...new Array<number>(axis).fill(1), ...y.t.dims, ...new Array<number>(Math.max(0, rx - axis - y.t.dims.length)).fill(1)];
  c.ins[1] = { kind: 'const', t: { ...y.t, dims } };
}

function elementwise(c: OpCtx): Value {
  legacyBroadcast(c);
  const present = c.ins.filter((v): v is Value => v !== undefined);
  if (present.length === 1 && c.op === 'Sum') return present[0];
  const mixed = present.length === 2 ? c.dataAndConst() : undefined;
  if (mixed) return withConstant(c, mixed.d, mixed.c, mixed.constFirst);
  const data = present.map((v) => {
    if (v.kind !== 'data') throw unsupported(`${c.where}: ${c.op} of ${present.length} operands mixing constants and data`);
    return noPerm(v, c.where);
  });
  if (c.op === 'Add' || c.op === 'Sum') {
    const dims = data[0].dims;
    if (data.some((d) => d.dims.join() !== dims.join() && count(d.dims) !== count(dims)))
      throw unsupported(`${c.where}: Add of [N, ${data.map((d) => d.dims.join(', ')).join('] and [N, ')}]; cnn2mlp adds tensors of one shape (no broadcasting between data tensors)`);
    return c.b.emit({ type: 'add' }, data, c.out, dims, data.every((d) => d.vector));
  }
  if (c.op === 'Mul' && data.length === 2) {
    const [a, b] = data;
    const small = count(a.dims) <= count(b.dims) ? a : b;
    const big = small === a ? b : a;
    const ok = count(small.dims) === count(big.dims) || (small.dims[0] === big.dims[0] && count(small.dims) === small.dims[0]) || count(small.dims) === 1;
    if (!ok) throw unsupported(`${c.where}: Mul of [N, ${a.dims.join(', ')}] and [N, ${b.dims.join(', ')}]; cnn2mlp multiplies equal shapes or a per-channel [N, C, 1, 1] gate`);
    return c.b.emit({ type: 'multiply' }, [a, b], c.out, big.dims, big.vector);
  }
  throw unsupported(`${c.where}: ${c.op} of two data tensors; cnn2mlp adds and multiplies data tensors, and applies Sub/Div only with a constant`);
}

function concat(c: OpCtx): Value {
  const present = c.ins.filter((v): v is Value => v !== undefined);
  if (present.some((v) => v.kind !== 'data')) throw unsupported(`${c.where}: Concat of data with a constant`);
  const data = present.map((v) => noPerm(v as Data, c.where));
  const r = data[0].dims.length + 1;
  const axis0 = c.a.int('axis', c.opset < 4 ? 1 : NaN);
  if (Number.isNaN(axis0)) throw bad(`${c.where}: axis is required`);
  const axis = axis0 < 0 ? axis0 + r : axis0;
  if (axis !== 1) throw unsupported(`${c.where}: Concat along axis ${axis0} of rank ${r}; cnn2mlp concatenates channels (axis 1)`);
  const rest = data[0].dims.slice(1).join();
  if (data.some((d) => d.dims.length + 1 !== r || d.dims.slice(1).join() !== rest)) throw bad(`${c.where}: inputs [${data.map((d) => d.dims.join(', ')).join('], [')}] differ off the channel axis`);
  if (data.length === 1) return data[0];
  const dims = [data.reduce((s, d) => s + d.dims[0], 0), ...data[0].dims.slice(1)];
  return c.b.emit({ type: 'concat' }, data, c.out, dims, data.every((d) => d.vector));
}

function resize(c: OpCtx): Value {
  const x = c.data(0);
  const r = x.dims.length + 1;
  const ins = c.ins.map((v, k) => (v && k > 0 ? c.constant(k, ['', 'scales', 'scales', 'sizes'][k] || 'operand') : undefined));
  if (c.op === 'Resize' && c.opset >= 11) ins[1] = undefined; // roi matters only for tf_crop_and_resize
  const p = resizeParams(c.op, c.opset, c.a, ins, r, c.where);
  if (!p.sizes && !p.scales) throw bad(`${c.where}: ${c.op} has neither scales nor sizes`);
  const full = [1, ...x.dims];
  const factors = full.map((n, k) => {
    const f = p.sizes ? (Number.isNaN(p.sizes[k]) ? 1 : p.sizes[k] / n) : p.scales![k];
    return f;
  });
  if (factors.length !== r) throw bad(`${c.where}: ${factors.length} scales for rank ${r}`);
  if (factors[0] !== 1 || factors[1] !== 1 || factors.some((f) => !Number.isInteger(f) || f < 1) || (r !== 4 && r !== 3))
    throw unsupported(`${c.where}: scale factors [${factors.join(', ')}]; cnn2mlp upsamples the spatial axes of [N, C, H, W] / [N, C, L] by integers ≥ 1`);
  const size: [number, number] = r === 4 ? [factors[2], factors[3]] : [1, factors[2]];
  const dims = x.dims.map((n, k) => n * factors[k + 1]);
  if (size[0] === 1 && size[1] === 1) return x;
  const spec = { type: 'upsample2d' as const, size, mode: p.mode, coordinateMode: p.coordinateMode, ...(p.mode === 'nearest' ? { nearestMode: p.nearestMode } : {}) };
  return c.b.emit(spec, [x], c.out, dims, false);
}

function reduce(c: OpCtx): Value {
  const x = c.data(0);
  const r = x.dims.length + 1;
  const inputSince = c.op === 'ReduceMean' || c.op === 'ReduceMax' ? 18 : 13;
  const axesT = c.ins[1] ? c.constant(1, 'axes') : undefined;
  let axes = axesOf(c.node, c.opset, inputSince, c.a, axesT, c.where);
  if (!axes || axes.length === 0) {
    if (c.opset >= inputSince && c.a.int('noop_with_empty_axes', 0) === 1) return x;
    axes = Array.from({ length: r }, (_, k) => k);
  }
  const set = new Set(axes.map((a) => (a < 0 ? a + r : a)));
  // reducing axes of length 1 is free; what is left must be exactly the spatial axes
  const real = [...set].filter((a) => a === 0 || a === 1 || x.dims[a - 1] !== 1);
  const spatialAxes = x.dims.map((_, k) => k + 1).filter((a) => a >= 2 && x.dims[a - 1] !== 1);
  const keep = c.a.int('keepdims', 1) === 1;
  if (real.includes(0) || real.includes(1) || spatialAxes.some((a) => !set.has(a)))
    throw unsupported(`${c.where}: ${c.op} over axes [${axes.join(', ')}] of [N, ${x.dims.join(', ')}]; cnn2mlp reduces over all spatial axes (a global pool)`);
  const dims = keep ? x.dims.map((v, k) => (set.has(k + 1) ? 1 : v)) : x.dims.filter((_, k) => !set.has(k + 1));
  if (spatialAxes.length === 0) return view(x, dims);
  const g = globalPool(c, x, c.op === 'ReduceMax', true) as Data;
  return view(g, dims);
}

export const TENSOR_OPS: Record<string, (c: OpCtx) => Value> = {
  Relu: (c) => activation(c, activationOf(c)),
  Sigmoid: (c) => activation(c, activationOf(c)),
  Tanh: (c) => activation(c, activationOf(c)),
  Softplus: (c) => activation(c, activationOf(c)),
  HardSwish: (c) => activation(c, activationOf(c)),
  HardSigmoid: (c) => activation(c, activationOf(c)),
  LeakyRelu: (c) => activation(c, activationOf(c)),
  Elu: (c) => activation(c, activationOf(c)),
  Selu: (c) => activation(c, activationOf(c)),
  Clip: (c) => activation(c, activationOf(c)),
  PRelu: prelu,
  Softmax: softmax,
  Add: elementwise,
  Sub: elementwise,
  Mul: elementwise,
  Div: elementwise,
  Sum: elementwise,
  Concat: concat,
  Resize: resize,
  Upsample: resize,
  ReduceMean: reduce,
  ReduceMax: reduce,
};
