/**
 * TensorFlow graph ops (as TF.js graph models hold them, NHWC) → CnnModel layers. Convolutions and
 * matmuls take constant filters (HWIO; a depthwise [kh, kw, C, m] is HWIO [kh, kw, 1, C·m]); the
 * fused forms carry their bias and activation in `fused_ops`. Elementwise ops with a constant become
 * scaleShift; between two data tensors Add/AddV2 and Mul become add and multiply.
 */
import type { Activation, Layer, Pair, Padding } from '../../model/types.js';
import { attrBool, attrInts, attrNum, attrStr, attrStrs, type GNode } from './graph-node.js';
import type { LayerSpec } from '../graph-tidy.js';
import { bad, unsupported } from './weights.js';

export interface GConst {
  kind: 'const';
  shape: number[];
  data: Float32Array;
  /** entries standing for the (unknown) batch size */
  batch?: boolean[];
}
export interface GData {
  kind: 'data';
  ref: string;
  /** shape without the batch: [H, W, C], [L, C] or [features] */
  shape: number[];
}
export type GValue = GConst | GData;

export interface GCtx {
  node: GNode;
  where: string;
  ins: GValue[];
  emit(layer: LayerSpec, from: GData[], shape: number[], suffix?: string): GData;
}

const count = (s: number[]) => s.reduce((a, b) => a * b, 1);

function data(c: GCtx, k: number): GData {
  const v = c.ins[k];
  if (!v || v.kind !== 'data') throw unsupported(`${c.where}: input ${k} must be computed from the graph input`);
  return v;
}
function constant(c: GCtx, k: number, what: string): GConst {
  const v = c.ins[k];
  if (!v || v.kind !== 'const') throw unsupported(`${c.where}: the ${what} must be a constant`);
  return v;
}
function nhwc(c: GCtx): void {
  const f = attrStr(c.node, 'data_format');
  if (f !== undefined && f !== 'NHWC') throw unsupported(`${c.where}: data_format ${f}; only NHWC is supported`);
}
function spatial(c: GCtx, d: GData): [number, number, number] {
  if (d.shape.length !== 3) throw unsupported(`${c.where} needs an [N, H, W, C] input but receives [N, ${d.shape.join(', ')}]`);
  return d.shape as [number, number, number];
}
/** NHWC 4-vector attribute (strides, dilations, ksize) → [h, w] */
function hw(c: GCtx, key: string): Pair {
  const v = attrInts(c.node, key) ?? [1, 1, 1, 1];
  if (v.length !== 4 || v[0] !== 1 || v[3] !== 1 || v[1] < 1 || v[2] < 1) throw unsupported(`${c.where}: ${key} [${v.join(', ')}]`);
  return [v[1], v[2]];
}
function paddingOf(c: GCtx): Padding {
  const p = attrStr(c.node, 'padding') ?? 'VALID';
  if (p === 'SAME') return 'same';
  if (p === 'VALID') return 'valid';
  if (p === 'EXPLICIT') {
    const e = attrInts(c.node, 'explicit_paddings') ?? [];
    if (e.length !== 8 || e[0] || e[1] || e[6] || e[7]) throw unsupported(`${c.where}: explicit_paddings [${e.join(', ')}]`);
    return [e[2], e[3], e[4], e[5]];
  }
  throw unsupported(`${c.where}: padding ${p}`);
}
function outLen(n: number, k: number, s: number, d: number, pad: Padding, axis: 0 | 1): number {
  if (pad === 'same') return Math.ceil(n / s);
  const [b, e] = pad === 'valid' || pad === 'sameLower' ? [0, 0] : [pad[axis * 2], pad[axis * 2 + 1]];
  return Math.floor((n + b + e - (d * (k - 1) + 1)) / s) + 1;
}

const ACT: Record<string, Activation> = { Relu: 'relu', Relu6: 'relu6', Sigmoid: 'sigmoid', Tanh: 'tanh', Elu: 'elu', Selu: 'selu', Softplus: 'softplus' };

/** fused_ops of _FusedConv2D / FusedDepthwiseConv2dNative / _FusedMatMul: BiasAdd then at most one activation. */
function fused(c: GCtx, argsFrom: number): { bias?: Float32Array; activation?: Activation } {
  const ops = attrStrs(c.node, 'fused_ops');
  if (ops.length === 0) return {};
  if (ops[0] !== 'BiasAdd' || ops.length > 2) throw unsupported(`${c.where}: fused_ops [${ops.join(', ')}]; supported: BiasAdd then Relu, Relu6, Elu, Sigmoid, Tanh or LeakyRelu`);
  const bias = constant(c, argsFrom, 'bias').data;
  if (ops.length === 1) return { bias };
  const a = ops[1];
  if (a === 'LeakyRelu') return { bias, activation: { type: 'leakyRelu', alpha: attrNum(c.node, 'leakyrelu_alpha', 0.2) } };
  if (!ACT[a]) throw unsupported(`${c.where}: fused activation ${a}`);
  return { bias, activation: ACT[a] };
}

function conv(c: GCtx, depthwise: boolean): GData {
  nhwc(c);
  const x = data(c, 0);
  const [h, w, ch] = spatial(c, x);
  const f = constant(c, 1, 'filter');
  if (f.shape.length !== 4 || f.shape[2] !== (depthwise ? ch : f.shape[2])) throw bad(`${c.where}: filter [${f.shape.join(', ')}] for ${ch} channels`);
  const [kh, kw, fin, fout] = f.shape;
  const filters = depthwise ? ch * fout : fout;
  const groups = depthwise ? ch : ch / fin;
  if (!Number.isInteger(groups)) throw bad(`${c.where}: filter [${f.shape.join(', ')}] does not fit ${ch} channels`);
  const strides = hw(c, 'strides');
  const dilation = hw(c, 'dilations');
  const padding = paddingOf(c);
  const { bias, activation } = fused(c, 2);
  if (bias && bias.length !== filters) throw bad(`${c.where}: bias of ${bias.length} for ${filters} filters`);
  const shape = [outLen(h, kh, strides[0], dilation[0], padding, 0), outLen(w, kw, strides[1], dilation[1], padding, 1), filters];
  return c.emit({ type: 'conv2d', filters, kernelSize: [kh, kw], strides, dilation, padding, groups, weights: f.data, bias, activation }, [x], shape);
}

function matmul(c: GCtx): GData {
  const x = data(c, 0);
  if (x.shape.length !== 1) throw unsupported(`${c.where} needs an [N, features] input but receives [N, ${x.shape.join(', ')}]`);
  if (attrBool(c.node, 'transpose_a')) throw unsupported(`${c.where}: transpose_a`);
  const wt = constant(c, 1, 'weight');
  if (wt.shape.length !== 2) throw bad(`${c.where}: weight of rank ${wt.shape.length}`);
  const tb = attrBool(c.node, 'transpose_b');
  const [K, N] = tb ? [wt.shape[1], wt.shape[0]] : wt.shape;
  if (K !== x.shape[0]) throw bad(`${c.where}: weight [${wt.shape.join(', ')}] for ${x.shape[0]} inputs`);
  const weights = tb ? Float32Array.from({ length: K * N }, (_, i) => wt.data[(i % N) * K + Math.floor(i / N)]) : wt.data;
  const { bias, activation } = fused(c, 2);
  return c.emit({ type: 'dense', units: N, weights, bias, activation }, [x], [N]);
}

/** A constant that is a scalar or one value per channel (the last axis). */
function perChannel(c: GCtx, k: GConst, d: GData): Float32Array {
  const ch = d.shape[d.shape.length - 1];
  if (k.data.length === 1) return k.data;
  if (k.data.length === ch && k.shape[k.shape.length - 1] === ch) return k.data;
  throw unsupported(`${c.where}: a constant of shape [${k.shape.join(', ')}] against [N, ${d.shape.join(', ')}]; supported: a scalar or one value per channel`);
}

function binary(c: GCtx): GData {
  const [a, b] = c.ins;
  const op = c.node.op;
  if (!a || !b) throw bad(`${c.where}: ${op} needs two inputs but reads ${c.ins.length}`);
  if (a.kind === 'data' && b.kind === 'data') {
    if (a.shape.join() !== b.shape.join() && op !== 'Mul') throw unsupported(`${c.where}: ${op} of [N, ${a.shape.join(', ')}] and [N, ${b.shape.join(', ')}]`);
    if (op === 'Add' || op === 'AddV2') return c.emit({ type: 'add' }, [a, b], a.shape);
    if (op === 'Mul') {
      const big = count(a.shape) >= count(b.shape) ? a : b;
      return c.emit({ type: 'multiply' }, [a, b], big.shape);
    }
    throw unsupported(`${c.where}: ${op} of two data tensors`);
  }
  const d = (a.kind === 'data' ? a : b) as GData;
  const k = (a.kind === 'const' ? a : b) as GConst;
  if (d === undefined || k === undefined) throw unsupported(`${c.where}: ${op} of constants only`);
  const v = perChannel(c, k, d);
  const constFirst = a.kind === 'const';
  let spec: { scale?: Float32Array; shift?: Float32Array };
  if (op === 'Add' || op === 'AddV2' || op === 'BiasAdd') spec = { shift: v };
  else if (op === 'Sub') spec = constFirst ? { scale: Float32Array.of(-1), shift: v } : { shift: v.map((x) => -x) };
  else if (op === 'Mul') spec = { scale: v };
  else if (op === 'RealDiv' && !constFirst) spec = { scale: v.map((x) => 1 / x) };
  else throw unsupported(`${c.where}: ${op} with a constant ${constFirst ? 'first' : 'second'}`);
  return c.emit({ type: 'scaleShift', ...spec }, [d], d.shape);
}

function pool(c: GCtx, max: boolean): GData {
  nhwc(c);
  const x = data(c, 0);
  const [h, w, ch] = spatial(c, x);
  const k = hw(c, 'ksize');
  const s = hw(c, 'strides');
  const p = paddingOf(c);
  if (p !== 'same' && p !== 'valid') throw unsupported(`${c.where}: explicit padding on a pool`);
  return c.emit({ type: max ? 'maxPool2d' : 'avgPool2d', poolSize: k, strides: s, padding: p }, [x], [outLen(h, k[0], s[0], 1, p, 0), outLen(w, k[1], s[1], 1, p, 1), ch]);
}

function reduce(c: GCtx, max: boolean): GData {
  const x = data(c, 0);
  const axes = Array.from(constant(c, 1, 'reduction indices').data).map((a) => (a < 0 ? a + x.shape.length + 1 : a));
  const spatialAxes = x.shape.slice(0, -1).map((_, k) => k + 1);
  if (axes.length !== spatialAxes.length || !spatialAxes.every((a) => axes.includes(a))) throw unsupported(`${c.where}: a reduction over axes [${axes.join(', ')}] of [N, ${x.shape.join(', ')}]; cnn2mlp reduces over all spatial axes`);
  const ch = x.shape[x.shape.length - 1];
  const out = c.emit({ type: max ? 'globalMaxPool2d' : 'globalAvgPool2d' }, [x], [ch]);
  return attrBool(c.node, 'keep_dims') ? { ...out, shape: [...spatialAxes.map(() => 1), ch] } : out;
}

function reshape(c: GCtx): GData {
  const x = data(c, 0);
  const t = constant(c, 1, 'shape');
  if (t.batch?.some((m, k) => m && k > 0)) throw unsupported(`${c.where}: a reshape that moves the batch off axis 0`);
  const v = Array.from(t.data);
  const first = v[0];
  if (!(t.batch?.[0] || first === -1 || Number.isInteger(first))) throw unsupported(`${c.where}: reshape to [${v.join(', ')}]`);
  const rest = v.slice(1);
  const n = count(x.shape);
  const known = count(rest.filter((d) => d !== -1));
  const shape = rest.map((d) => (d === -1 ? n / known : d));
  if (count(shape) !== n || shape.some((d) => !Number.isInteger(d))) throw unsupported(`${c.where}: reshape [N, ${x.shape.join(', ')}] to [${v.join(', ')}] moves values between samples`);
  return view(c, x, shape);
}

/** A reshape that keeps NHWC memory order: a flatten to [features], or a unit-axis change of a vector. */
function view(c: GCtx, x: GData, shape: number[]): GData {
  if (shape.join() === x.shape.join()) return x;
  if (shape.length === 1) return x.shape.length === 1 ? x : c.emit({ type: 'flatten' }, [x], shape);
  if (x.shape.length === 1 && shape[shape.length - 1] === x.shape[0]) return { ...x, shape };
  throw unsupported(`${c.where}: reshape [N, ${x.shape.join(', ')}] → [N, ${shape.join(', ')}] would need a reshape layer`);
}

function squeeze(c: GCtx): GData {
  const x = data(c, 0);
  const dims = attrInts(c.node, 'squeeze_dims') ?? attrInts(c.node, 'axis') ?? [];
  const r = x.shape.length + 1;
  const set = new Set((dims.length ? dims : x.shape.map((d, k) => (d === 1 ? k + 1 : -1)).filter((k) => k > 0)).map((a) => (a < 0 ? a + r : a)));
  if (set.has(0)) throw unsupported(`${c.where}: squeezing the batch axis`);
  return view(c, x, x.shape.filter((_, k) => !set.has(k + 1)));
}

function concat(c: GCtx): GData {
  const axisV = constant(c, c.ins.length - 1, 'axis').data[0];
  const parts = c.ins.slice(0, -1).map((_, k) => data(c, k));
  const r = parts[0].shape.length + 1;
  if (axisV !== -1 && axisV !== r - 1) throw unsupported(`${c.where}: ConcatV2 along axis ${axisV}; cnn2mlp concatenates channels (the last axis)`);
  const rest = parts[0].shape.slice(0, -1).join();
  if (parts.some((p) => p.shape.slice(0, -1).join() !== rest)) throw bad(`${c.where}: inputs differ off the channel axis`);
  return c.emit({ type: 'concat' }, parts, [...parts[0].shape.slice(0, -1), parts.reduce((s, p) => s + p.shape[p.shape.length - 1], 0)]);
}

function pad(c: GCtx): GData {
  const x = data(c, 0);
  const [h, w, ch] = spatial(c, x);
  const p = Array.from(constant(c, 1, 'paddings').data);
  const value = c.node.op === 'PadV2' ? constant(c, 2, 'constant value').data[0] : 0;
  if (p.length !== 8 || p[0] || p[1] || p[6] || p[7] || p.some((v) => v < 0)) throw unsupported(`${c.where}: paddings [${p.join(', ')}]; supported: non-negative padding of H and W`);
  if (value !== 0) throw unsupported(`${c.where}: padding with ${value}`);
  const q: [number, number, number, number] = [p[2], p[3], p[4], p[5]];
  return c.emit({ type: 'zeroPad2d', padding: q }, [x], [h + q[0] + q[1], w + q[2] + q[3], ch]);
}

/** TF resize at integer factors: align_corners, half_pixel_centers or neither (x_in = x_out / s). */
function resize(c: GCtx, nearest: boolean): GData {
  const x = data(c, 0);
  const [h, w, ch] = spatial(c, x);
  const [oh, ow] = Array.from(constant(c, 1, 'size').data);
  const size: Pair = [oh / h, ow / w];
  if (!size.every((f) => Number.isInteger(f) && f >= 1)) throw unsupported(`${c.where}: resize [${h}, ${w}] → [${oh}, ${ow}]; cnn2mlp upsamples by integer factors`);
  const align = attrBool(c.node, 'align_corners');
  const half = attrBool(c.node, 'half_pixel_centers');
  const coordinateMode = align ? ('alignCorners' as const) : half ? ('halfPixel' as const) : ('asymmetric' as const);
  // TF nearest: floor(x·scale) plain, round-half-up with align_corners, floor((x + 0.5)·scale) with half pixels,
  // which at integer factors is round-prefer-floor of the half-pixel coordinate
  const nearestMode = align ? ('roundPreferCeil' as const) : half ? ('roundPreferFloor' as const) : ('floor' as const);
  const spec = nearest ? { type: 'upsample2d' as const, size, mode: 'nearest' as const, coordinateMode, nearestMode } : { type: 'upsample2d' as const, size, mode: 'bilinear' as const, coordinateMode };
  return c.emit(spec, [x], [oh, ow, ch]);
}

function activation(c: GCtx): GData {
  const x = data(c, 0);
  const op = c.node.op;
  let a: Activation;
  if (op === 'LeakyRelu') a = { type: 'leakyRelu', alpha: attrNum(c.node, 'alpha', 0.2) };
  else if (op === 'Softmax') {
    if (x.shape.length !== 1) throw unsupported(`${c.where}: Softmax of [N, ${x.shape.join(', ')}]; cnn2mlp's softmax runs over a vector's features`);
    a = 'softmax';
  } else a = ACT[op];
  return c.emit({ type: 'activation', activation: a }, [x], x.shape);
}

export const GRAPH_OPS: Record<string, (c: GCtx) => GValue> = {
  Conv2D: (c) => conv(c, false),
  _FusedConv2D: (c) => conv(c, false),
  DepthwiseConv2dNative: (c) => conv(c, true),
  FusedDepthwiseConv2dNative: (c) => conv(c, true),
  MatMul: matmul,
  _FusedMatMul: matmul,
  BiasAdd: binary,
  Add: binary,
  AddV2: binary,
  Sub: binary,
  Mul: binary,
  RealDiv: binary,
  MaxPool: (c) => pool(c, true),
  AvgPool: (c) => pool(c, false),
  Mean: (c) => reduce(c, false),
  Max: (c) => reduce(c, true),
  Reshape: reshape,
  Squeeze: squeeze,
  ConcatV2: concat,
  Pad: pad,
  PadV2: pad,
  ResizeBilinear: (c) => resize(c, false),
  ResizeNearestNeighbor: (c) => resize(c, true),
  Relu: activation,
  Relu6: activation,
  Sigmoid: activation,
  Tanh: activation,
  Elu: activation,
  Selu: activation,
  Softplus: activation,
  LeakyRelu: activation,
  Softmax: activation,
};
