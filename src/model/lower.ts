/**
 * One layer → one op draft: every field checked against the shapes of the tensors it reads, every
 * shape and pad resolved. Fusion and wiring are the planner's (plan.ts); this file knows one layer.
 */
import { describe } from '../errors.js';
import { fail, floatArray, isPositiveInt, LINEAR, MAX_DIM, pair, poolOrConvAxis, resolveActivation } from './checks.js';
import { COORDINATE_MODES, FLAG_BILINEAR, FLAG_COUNT_INCLUDE_PAD, FLAG_FLATTEN_CHW, NEAREST_MODES, OP, type OpCode, type PlanOp } from './ops.js';
import { firstEmptyWindow } from './window.js';
import type { Conv2dTransposeLayer, Layer, Layout, Shape } from './types.js';

export type OpDraft = Omit<PlanOp, 'outH' | 'outW' | 'outC' | 'outShape' | 'inputs' | 'residual' | 'outOffset' | 'layerIndex' | 'layerName'>;

export interface Lowered {
  draft: OpDraft;
  out: Shape;
  /** multiply: the per-channel or scalar operand came first; the planner swaps the inputs */
  swapInputs?: boolean;
}

export const SUPPORTED_LAYERS =
  'conv2d, conv2dTranspose, dense, flatten, maxPool2d, avgPool2d, globalAvgPool2d, globalMaxPool2d, batchNorm, scaleShift, zeroPad2d, cropping2d, upsample2d, activation, prelu, add, multiply, concat';

export function shapeSize(s: Shape): number {
  return s.kind === 'vector' ? s.n : s.h * s.w * s.c;
}

/** (h, w, c); a vector [n] is 1 × 1 × n. */
export function dims(s: Shape): [number, number, number] {
  return s.kind === 'vector' ? [1, 1, s.n] : [s.h, s.w, s.c];
}

const spatial = (h: number, w: number, c: number): Shape => ({ kind: 'spatial', h, w, c });
const fmt = (s: Shape) => (s.kind === 'vector' ? `[${s.n}]` : `${s.h}×${s.w}×${s.c}`);

function base(ins: Shape[]): OpDraft {
  const [h, w, c] = dims(ins[0]);
  return {
    op: OP.activation,
    inH: h,
    inW: w,
    inC: c,
    kh: 1,
    kw: 1,
    sh: 1,
    sw: 1,
    dh: 1,
    dw: 1,
    pads: [0, 0, 0, 0],
    groups: 1,
    activation: LINEAR,
    weights: -1,
    bias: -1,
    flags: 0,
    coordinateMode: 0,
    nearestMode: 0,
  };
}

type AddTensor = (t: Float32Array) => number;

function needSpatial(s: Shape, where: string): void {
  if (s.kind !== 'spatial') fail(where, `needs a spatial (H, W, C) input but receives a vector of ${s.n}; it cannot follow flatten, dense or a global pool`);
}

type ConvLike = Extract<Layer, { type: 'conv2d' }> | Conv2dTransposeLayer;

/** What conv2d and conv2dTranspose check alike: filters, groups against the channels, and the window. */
function convWindow(layer: ConvLike, c: number, where: string) {
  const groups = layer.groups ?? 1;
  if (!isPositiveInt(layer.filters)) fail(where, `Expected filters to be a positive integer but received ${describe(layer.filters)}`);
  if (!isPositiveInt(groups)) fail(where, `Expected groups to be a positive integer but received ${describe(groups)}`);
  if (c % groups !== 0) fail(where, `input channels (${c}) are not divisible by groups (${groups})`);
  if (layer.filters % groups !== 0) fail(where, `filters (${layer.filters}) are not divisible by groups (${groups})`);
  if (layer.kernelSize === undefined) fail(where, 'kernelSize is required');
  return {
    groups,
    k: pair(layer.kernelSize, [0, 0], where, 'kernelSize'),
    s: pair(layer.strides, [1, 1], where, 'strides'),
    d: pair(layer.dilation, [1, 1], where, 'dilation'),
  };
}

/** The op record of either convolution: window, pads [top, bottom, left, right], activation, tensors. */
function convDraft(op: OpCode, layer: ConvLike, win: ReturnType<typeof convWindow>, pads: OpDraft['pads'], weights: Float32Array, where: string, ins: Shape[], add: AddTensor): OpDraft {
  const bias = layer.bias === undefined ? undefined : floatArray(layer.bias, layer.filters, where, 'bias');
  return {
    ...base(ins),
    op,
    kh: win.k[0],
    kw: win.k[1],
    sh: win.s[0],
    sw: win.s[1],
    dh: win.d[0],
    dw: win.d[1],
    pads,
    groups: win.groups,
    activation: resolveActivation(layer.activation, where),
    weights: add(weights),
    bias: bias ? add(bias) : -1,
  };
}

function conv(layer: Extract<Layer, { type: 'conv2d' }>, where: string, ins: Shape[], add: AddTensor): Lowered {
  const [h, w, c] = dims(ins[0]); // a vector [C] is a 1 × 1 × C image here (1×1 convs after a global pool)
  const win = convWindow(layer, c, where);
  const { k, s, d } = win;
  const pad = layer.padding ?? 'valid';
  const ah = poolOrConvAxis(h, k[0], s[0], d[0], pad, 0, false, where);
  const aw = poolOrConvAxis(w, k[1], s[1], d[1], pad, 1, false, where);
  const weights = floatArray(layer.weights, k[0] * k[1] * (c / win.groups) * layer.filters, where, 'weights ([kh, kw, inChannels/groups, filters])');
  const draft = convDraft(OP.conv2d, layer, win, [ah.before, ah.after, aw.before, aw.after], weights, where, ins, add);
  return { draft, out: spatial(ah.out, aw.out, layer.filters) };
}

/** Output length and the pixels cropped at the start, along one axis of a transposed convolution. */
function transposeAxis(layer: Conv2dTransposeLayer, size: number, k: number, s: number, d: number, op: number | undefined, axis: 0 | 1, where: string) {
  const span = d * (k - 1) + 1;
  const full = (size - 1) * s + span;
  const pad = layer.padding ?? 'valid';
  let out: number;
  let before = 0;
  if (pad === 'valid') {
    out = op === undefined ? size * s + Math.max(span - s, 0) : full + op;
  } else if (pad === 'same') {
    out = op === undefined ? size * s : full - 2 * Math.floor(span / 2) + op;
    before = Math.floor(Math.max(full - out, 0) / 2);
  } else {
    if (!Array.isArray(pad) || pad.length !== 4 || !pad.every((p) => Number.isInteger(p) && p >= 0 && p <= MAX_DIM))
      fail(where, `Expected padding to be 'same', 'valid' or [top, bottom, left, right] of integers ≥ 0 but received ${describe(pad)}`);
    before = pad[axis * 2];
    out = full - before - pad[axis * 2 + 1] + (op ?? 0);
  }
  if (out < 1) fail(where, `its output ${axis === 0 ? 'height' : 'width'} would be ${out}; reduce the padding`);
  return { out, before };
}

function convTranspose(layer: Conv2dTransposeLayer, where: string, ins: Shape[], add: AddTensor): Lowered {
  needSpatial(ins[0], where);
  const [h, w, c] = dims(ins[0]);
  const win = convWindow(layer, c, where);
  const { k, s, d } = win;
  const op = layer.outputPadding === undefined ? undefined : pair(layer.outputPadding, [0, 0], where, 'outputPadding', 0);
  if (op && (op[0] >= Math.max(s[0], d[0]) || op[1] >= Math.max(s[1], d[1])))
    fail(where, `outputPadding ${describe(layer.outputPadding)} must be smaller than the stride or the dilation along each axis`);
  const ah = transposeAxis(layer, h, k[0], s[0], d[0], op?.[0], 0, where);
  const aw = transposeAxis(layer, w, k[1], s[1], d[1], op?.[1], 1, where);
  const weights = floatArray(layer.weights, k[0] * k[1] * (layer.filters / win.groups) * c, where, 'weights ([kh, kw, filters/groups, inChannels])');
  const draft = convDraft(OP.conv2dTranspose, layer, win, [ah.before, 0, aw.before, 0], weights, where, ins, add);
  return { draft, out: spatial(ah.out, aw.out, layer.filters) };
}

function pool(layer: Extract<Layer, { type: 'maxPool2d' | 'avgPool2d' }>, where: string, ins: Shape[]): Lowered {
  needSpatial(ins[0], where);
  const [h, w, c] = dims(ins[0]);
  if (layer.poolSize === undefined) fail(where, 'poolSize is required');
  const k = pair(layer.poolSize, [0, 0], where, 'poolSize');
  const s = pair(layer.strides, k, where, 'strides');
  const d = pair(layer.dilation, [1, 1], where, 'dilation');
  const pad = layer.padding ?? 'valid';
  const ceil = layer.ceilMode === true;
  const ah = poolOrConvAxis(h, k[0], s[0], d[0], pad, 0, ceil, where);
  const aw = poolOrConvAxis(w, k[1], s[1], d[1], pad, 1, ceil, where);
  const emptyH = firstEmptyWindow({ size: h, out: ah.out, kernel: k[0], stride: s[0], dilation: d[0], before: ah.before });
  const emptyW = firstEmptyWindow({ size: w, out: aw.out, kernel: k[1], stride: s[1], dilation: d[1], before: aw.before });
  if (emptyH >= 0 || emptyW >= 0)
    fail(where, `the window at output ${emptyH >= 0 ? `row ${emptyH}` : `column ${emptyW}`} holds only padding (no input pixel to pool); use less padding or no dilation`);
  const draft: OpDraft = {
    ...base(ins),
    op: layer.type === 'maxPool2d' ? OP.maxPool2d : OP.avgPool2d,
    kh: k[0],
    kw: k[1],
    sh: s[0],
    sw: s[1],
    dh: d[0],
    dw: d[1],
    pads: [ah.before, ah.after, aw.before, aw.after],
    flags: layer.type === 'avgPool2d' && layer.countIncludePad ? FLAG_COUNT_INCLUDE_PAD : 0,
  };
  return { draft, out: spatial(ah.out, aw.out, c) };
}

/** A per-channel array of length c, from a given array of length c or 1 (or `def` when absent). */
function perChannel(v: unknown, c: number, def: number, where: string, field: string): Float32Array {
  if (v === undefined) return new Float32Array(c).fill(def);
  if (!(v instanceof Float32Array) || (v.length !== 1 && v.length !== c))
    fail(where, `Expected ${field} to be a Float32Array of length 1 or ${c} but received ${describe(v)}`);
  const a = floatArray(v, v.length, where, field);
  return a.length === c ? a : new Float32Array(c).fill(a[0]);
}

function batchNorm(layer: Extract<Layer, { type: 'batchNorm' }>, where: string, ins: Shape[], add: AddTensor): Lowered {
  const c = dims(ins[0])[2];
  const eps = layer.epsilon ?? 1e-3;
  if (typeof eps !== 'number' || !(eps >= 0) || !Number.isFinite(eps)) fail(where, `Expected epsilon to be a finite number ≥ 0 but received ${describe(eps)}`);
  const mean = floatArray(layer.mean, c, where, 'mean');
  const variance = floatArray(layer.variance, c, where, 'variance');
  const gamma = layer.gamma === undefined ? undefined : floatArray(layer.gamma, c, where, 'gamma');
  const beta = layer.beta === undefined ? undefined : floatArray(layer.beta, c, where, 'beta');
  const scale = new Float32Array(c);
  const shift = new Float32Array(c);
  for (let j = 0; j < c; j++) {
    if (variance[j] + eps <= 0) fail(where, `variance[${j}] + epsilon is ${variance[j] + eps}; it must be > 0`);
    const sc = (gamma ? gamma[j] : 1) / Math.sqrt(variance[j] + eps);
    scale[j] = sc;
    shift[j] = (beta ? beta[j] : 0) - mean[j] * sc;
  }
  return { draft: { ...base(ins), op: OP.batchNorm, weights: add(scale), bias: add(shift) }, out: ins[0] };
}

function multiInput(layer: Extract<Layer, { type: 'add' | 'multiply' | 'concat' }>, where: string, ins: Shape[]): Lowered {
  const d = ins.map(dims);
  const same = (a: number[], b: number[]) => a[0] === b[0] && a[1] === b[1] && a[2] === b[2];
  if (layer.type === 'add') {
    const bad = d.findIndex((x) => !same(x, d[0]));
    if (bad >= 0) fail(where, `input ${bad} has shape ${fmt(ins[bad])} but input 0 has ${fmt(ins[0])}; add needs inputs of one shape`);
    return { draft: { ...base(ins), op: OP.add, activation: resolveActivation(layer.activation, where) }, out: ins[0] };
  }
  if (layer.type === 'multiply') {
    const small = (x: number[], full: number[]) => x[0] === 1 && x[1] === 1 && (x[2] === full[2] || x[2] === 1);
    if (same(d[0], d[1]) || small(d[1], d[0])) return { draft: { ...base(ins), op: OP.multiply }, out: ins[0] };
    if (small(d[0], d[1])) return { draft: { ...base([ins[1]]), op: OP.multiply }, out: ins[1], swapInputs: true };
    fail(where, `inputs of shapes ${fmt(ins[0])} and ${fmt(ins[1])} do not broadcast; multiply needs one shape, or one input 1×1×C (per channel) or 1×1×1`);
  }
  const bad = d.findIndex((x) => x[0] !== d[0][0] || x[1] !== d[0][1]);
  if (bad >= 0) fail(where, `input ${bad} is ${fmt(ins[bad])} but input 0 is ${fmt(ins[0])}; concat joins channels and needs one spatial size`);
  const c = d.reduce((s, x) => s + x[2], 0);
  const out: Shape = ins.every((s) => s.kind === 'vector') ? { kind: 'vector', n: c } : spatial(d[0][0], d[0][1], c);
  return { draft: { ...base(ins), op: OP.concat }, out };
}

function upsample(layer: Extract<Layer, { type: 'upsample2d' }>, where: string, ins: Shape[]): Lowered {
  needSpatial(ins[0], where);
  const [h, w, c] = dims(ins[0]);
  if (layer.size === undefined) fail(where, 'size is required ([factorH, factorW])');
  const f = pair(layer.size, [1, 1], where, 'size');
  if (layer.mode !== 'nearest' && layer.mode !== 'bilinear') fail(where, `Expected mode 'nearest' or 'bilinear' but received ${describe(layer.mode)}`);
  const cm = layer.coordinateMode ?? (layer.mode === 'nearest' ? 'asymmetric' : 'halfPixel');
  const nm = layer.nearestMode ?? 'floor';
  const ci = COORDINATE_MODES.indexOf(cm);
  const ni = NEAREST_MODES.indexOf(nm);
  if (ci < 0) fail(where, `Expected coordinateMode to be one of ${COORDINATE_MODES.join(', ')} but received ${describe(cm)}`);
  if (ni < 0) fail(where, `Expected nearestMode to be one of ${NEAREST_MODES.join(', ')} but received ${describe(nm)}`);
  const flags = layer.mode === 'bilinear' ? FLAG_BILINEAR : 0;
  return { draft: { ...base(ins), op: OP.upsample2d, sh: f[0], sw: f[1], flags, coordinateMode: ci, nearestMode: ni }, out: spatial(h * f[0], w * f[1], c) };
}

function crop(layer: Extract<Layer, { type: 'cropping2d' }>, where: string, ins: Shape[]): Lowered {
  needSpatial(ins[0], where);
  const [h, w, c] = dims(ins[0]);
  const p = layer.cropping;
  if (!Array.isArray(p) || p.length !== 4 || !p.every((x) => Number.isInteger(x) && x >= 0 && x <= MAX_DIM))
    fail(where, `Expected cropping to be [top, bottom, left, right] of integers ≥ 0 but received ${describe(p)}`);
  if (p[0] + p[1] >= h || p[2] + p[3] >= w) fail(where, `cropping [${p.join(', ')}] leaves nothing of its ${h}×${w} input`);
  return { draft: { ...base(ins), op: OP.cropping2d, pads: [p[0], p[1], p[2], p[3]] }, out: spatial(h - p[0] - p[1], w - p[2] - p[3], c) };
}

/** Lowers one layer reading tensors of shapes `ins` (the graph has checked their number). */
export function lowerLayer(layer: Layer, where: string, ins: Shape[], layout: Layout, add: AddTensor): Lowered {
  const s = ins[0];
  const [h, w, c] = dims(s);
  switch (layer.type) {
    case 'conv2d':
      return conv(layer, where, ins, add);
    case 'conv2dTranspose':
      return convTranspose(layer, where, ins, add);
    case 'dense': {
      if (s.kind !== 'vector') fail(where, `needs a vector input but receives a spatial tensor ${h}×${w}×${c}; add a flatten layer before it`);
      if (!isPositiveInt(layer.units)) fail(where, `Expected units to be a positive integer but received ${describe(layer.units)}`);
      const weights = floatArray(layer.weights, c * layer.units, where, `weights ([${c}, ${layer.units}])`);
      const bias = layer.bias === undefined ? undefined : floatArray(layer.bias, layer.units, where, 'bias');
      const draft = { ...base(ins), op: OP.dense, activation: resolveActivation(layer.activation, where), weights: add(weights), bias: bias ? add(bias) : -1 };
      return { draft, out: { kind: 'vector', n: layer.units } };
    }
    case 'flatten':
      return { draft: { ...base(ins), op: OP.flatten, flags: layout === 'NCHW' ? FLAG_FLATTEN_CHW : 0 }, out: { kind: 'vector', n: h * w * c } };
    case 'maxPool2d':
    case 'avgPool2d':
      return pool(layer, where, ins);
    case 'globalAvgPool2d':
    case 'globalMaxPool2d':
      needSpatial(s, where);
      return { draft: { ...base(ins), op: layer.type === 'globalAvgPool2d' ? OP.globalAvgPool2d : OP.globalMaxPool2d, kh: h, kw: w }, out: { kind: 'vector', n: c } };
    case 'batchNorm':
      return batchNorm(layer, where, ins, add);
    case 'scaleShift': {
      const scale = perChannel(layer.scale, c, 1, where, 'scale');
      const shift = perChannel(layer.shift, c, 0, where, 'shift');
      return { draft: { ...base(ins), op: OP.batchNorm, activation: resolveActivation(layer.activation, where), weights: add(scale), bias: add(shift) }, out: s };
    }
    case 'zeroPad2d': {
      needSpatial(s, where);
      const p = layer.padding;
      if (!Array.isArray(p) || p.length !== 4 || !p.every((x) => Number.isInteger(x) && x >= 0 && x <= MAX_DIM))
        fail(where, `Expected padding to be [top, bottom, left, right] of integers ≥ 0 but received ${describe(p)}`);
      return { draft: { ...base(ins), op: OP.zeroPad2d, pads: [p[0], p[1], p[2], p[3]] }, out: spatial(h + p[0] + p[1], w + p[2] + p[3], c) };
    }
    case 'cropping2d':
      return crop(layer, where, ins);
    case 'upsample2d':
      return upsample(layer, where, ins);
    case 'activation':
      return { draft: { ...base(ins), op: OP.activation, activation: resolveActivation(layer.activation, where) }, out: s };
    case 'prelu': {
      const alpha = perChannel(layer.alpha ?? null, c, 0, where, 'alpha');
      return { draft: { ...base(ins), op: OP.prelu, weights: add(alpha) }, out: s };
    }
    case 'add':
    case 'multiply':
    case 'concat':
      return multiInput(layer, where, ins);
    default:
      fail(where, `unknown layer type ${describe((layer as { type?: unknown }).type)}; supported: ${SUPPORTED_LAYERS}`);
  }
}
