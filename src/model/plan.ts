/**
 * Validates a CnnModel and lowers it to a plan: one fixed-size numeric record per op with every
 * shape and pad resolved, plus the list of weight tensors the records point at. The plan is what
 * crosses into C++ (the record layout is op-contract.ts; native/runtime/plan.cc decodes and re-checks it) and what
 * the converter walks. Activation layers fuse into the op before them when that op has none.
 */
import { Cnn2MlpError, describe } from '../errors.js';
import type {
  Activation,
  ActivationName,
  ActivationSpec,
  CnnModel,
  Layer,
  Padding,
  Pair,
  Shape,
} from './types.js';
import { ACT_NAMES, F, FLAG_COUNT_INCLUDE_PAD, FLAG_FLATTEN_CHW, OP, RECORD_SIZE, type OpCode } from './op-contract.js';

export { F, FLAG_COUNT_INCLUDE_PAD, FLAG_FLATTEN_CHW, OP, RECORD_SIZE, type OpCode } from './op-contract.js';

/** Activation codes by every name a model may use (relu6 is clip with [0, 6]); codes from op-contract.ts. */
export const ACT: Record<ActivationName, number> = {
  ...(Object.fromEntries(ACT_NAMES.map((name, code) => [name, code])) as Record<(typeof ACT_NAMES)[number], number>),
  relu6: ACT_NAMES.indexOf('clip'),
};

/** A resolved activation: code and parameters. */
export interface ResolvedActivation {
  name: ActivationName;
  code: number;
  alpha: number;
  min: number;
  max: number;
}

/** One op of the plan, in readable form (the records hold the same numbers). */
export interface PlanOp {
  op: OpCode;
  layerIndex: number;
  layerName: string;
  /** internal shapes: spatial tensors are always (h, w, c); vectors are (1, 1, n) */
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  pads: [number, number, number, number];
  groups: number;
  activation: ResolvedActivation;
  weights: number; // tensor index or -1
  bias: number; // tensor index or -1
  flags: number;
  /** the shape after this op as the model sees it (vector after flatten/dense/global pool) */
  outShape: Shape;
}

export interface Plan {
  layout: CnnModel['layout'];
  inputShape: Shape;
  outputShape: Shape;
  inputSize: number;
  outputSize: number;
  ops: PlanOp[];
  tensors: Float32Array[];
  records: Float64Array;
}

const LINEAR: ResolvedActivation = { name: 'linear', code: 0, alpha: 0, min: 0, max: 0 };
const MAX_DIM = 1 << 24; // no single dimension of a real CNN comes close; rejects absurd inputs early
const MAX_ELEMENTS = 2 ** 31 - 1; // one activation tensor per sample

function fail(where: string, msg: string): never {
  throw new Cnn2MlpError('ERR_INVALID_MODEL', `${where}: ${msg}`);
}

function isPositiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= MAX_DIM;
}

function pair(v: unknown, def: Pair, where: string, field: string, min = 1): Pair {
  if (v === undefined) return def;
  const p = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((x) => Number.isInteger(x) && x >= min && x <= MAX_DIM))
    fail(where, `Expected ${field} to be a pair of integers ≥ ${min} but received ${describe(v)}`);
  return [p[0], p[1]];
}

function floatArray(v: unknown, length: number, where: string, field: string): Float32Array {
  if (!(v instanceof Float32Array))
    fail(where, `Expected ${field} to be a Float32Array of length ${length} but received ${describe(v)}`);
  if (v.length !== length) fail(where, `Expected ${field} to have length ${length} but it has length ${v.length}`);
  for (let i = 0; i < v.length; i++)
    if (!Number.isFinite(v[i])) fail(where, `${field}[${i}] is ${v[i]}; weights must be finite`);
  return v;
}

export function resolveActivation(a: Activation | undefined, where: string): ResolvedActivation {
  if (a === undefined) return LINEAR;
  const spec: ActivationSpec = typeof a === 'string' ? { type: a } : a;
  if (typeof spec !== 'object' || spec === null || typeof spec.type !== 'string' || !(spec.type in ACT))
    fail(where, `unknown activation ${describe(typeof a === 'object' && a ? (a as ActivationSpec).type : a)}; supported: ${Object.keys(ACT).join(', ')}`);
  const num = (x: unknown, d: number, f: string) => {
    if (x === undefined) return d;
    if (typeof x !== 'number' || !Number.isFinite(x)) fail(where, `Expected activation ${f} to be a finite number but received ${describe(x)}`);
    return x;
  };
  switch (spec.type) {
    case 'leakyRelu':
      return { name: 'leakyRelu', code: ACT.leakyRelu, alpha: num(spec.alpha, 0.2, 'alpha'), min: 0, max: 0 };
    case 'elu':
      return { name: 'elu', code: ACT.elu, alpha: num(spec.alpha, 1, 'alpha'), min: 0, max: 0 };
    case 'relu6':
      return { name: 'clip', code: ACT.clip, alpha: 0, min: 0, max: 6 };
    case 'clip': {
      const min = num(spec.min, -Infinity, 'min');
      const max = num(spec.max, Infinity, 'max');
      if (!(min <= max)) fail(where, `clip min ${min} is greater than max ${max}`);
      return { name: 'clip', code: ACT.clip, alpha: 0, min: Math.max(min, -3.4e38), max: Math.min(max, 3.4e38) };
    }
    default:
      return { name: spec.type, code: ACT[spec.type], alpha: 0, min: 0, max: 0 };
  }
}

/** Output size and pads along one axis, following TF/ONNX rules. */
export function poolOrConvAxis(
  size: number,
  kernel: number,
  stride: number,
  dilation: number,
  padding: Padding,
  axis: 0 | 1,
  ceilMode: boolean,
  where: string,
): { out: number; before: number; after: number } {
  const span = dilation * (kernel - 1) + 1;
  if (padding === 'same' || padding === 'sameLower') {
    const out = Math.ceil(size / stride);
    const total = Math.max((out - 1) * stride + span - size, 0);
    const small = Math.floor(total / 2);
    const before = padding === 'same' ? small : total - small;
    return { out, before, after: total - before };
  }
  let before = 0;
  let after = 0;
  if (padding !== 'valid') {
    if (!Array.isArray(padding) || padding.length !== 4 || !padding.every((p) => Number.isInteger(p) && p >= 0 && p <= MAX_DIM))
      fail(where, `Expected padding to be 'same', 'sameLower', 'valid' or [top, bottom, left, right] of integers ≥ 0 but received ${describe(padding)}`);
    before = padding[axis * 2];
    after = padding[axis * 2 + 1];
  }
  const padded = size + before + after;
  if (span > padded)
    fail(where, `the ${axis === 0 ? 'height' : 'width'} window (${kernel} with dilation ${dilation} spans ${span}) is larger than the padded input (${padded})`);
  let out = ceilMode ? Math.ceil((padded - span) / stride) + 1 : Math.floor((padded - span) / stride) + 1;
  // ONNX/PyTorch: a window that would start in the trailing padding is dropped.
  if (ceilMode && (out - 1) * stride >= size + before) out -= 1;
  return { out, before, after };
}

/** First output position along an axis whose (dilated) window touches no input pixel, or -1. */
function windowWithoutInput(size: number, out: number, kernel: number, stride: number, dilation: number, before: number): number {
  for (let o = 0; o < out; o++) {
    const start = o * stride - before;
    let touches = false;
    for (let k = 0; k < kernel && !touches; k++) touches = start + k * dilation >= 0 && start + k * dilation < size;
    if (!touches) return o;
  }
  return -1;
}

function layerName(layer: Layer, i: number): string {
  return `layer ${i} (${typeof layer?.type === 'string' ? layer.type : '?'}${layer?.name ? ` '${layer.name}'` : ''})`;
}

function shapeOf(inputShape: unknown, layout: unknown): Shape {
  if (layout !== 'NHWC' && layout !== 'NCHW') fail('model', `Expected layout 'NHWC' or 'NCHW' but received ${describe(layout)}`);
  if (!Array.isArray(inputShape) || !inputShape.every(isPositiveInt))
    fail('model', `Expected inputShape to be an array of positive integers but received ${describe(inputShape)}`);
  if (inputShape.length === 1) return { kind: 'vector', n: inputShape[0] };
  if (inputShape.length !== 3)
    fail('model', `Expected inputShape of rank 3 (${layout === 'NHWC' ? '[H, W, C]' : '[C, H, W]'}) or 1 ([N]) but received rank ${inputShape.length}`);
  const [a, b, c] = inputShape as number[];
  return layout === 'NHWC' ? { kind: 'spatial', h: a, w: b, c } : { kind: 'spatial', h: b, w: c, c: a };
}

export function shapeSize(s: Shape): number {
  return s.kind === 'vector' ? s.n : s.h * s.w * s.c;
}

/** Shape as the model's layout writes it (for messages and for outputs). */
export function layoutShape(s: Shape, layout: CnnModel['layout']): number[] {
  if (s.kind === 'vector') return [s.n];
  return layout === 'NHWC' ? [s.h, s.w, s.c] : [s.c, s.h, s.w];
}

function dims(s: Shape): [number, number, number] {
  return s.kind === 'vector' ? [1, 1, s.n] : [s.h, s.w, s.c];
}

/** Validates `model` and lowers it to a plan. Throws Cnn2MlpError('ERR_INVALID_MODEL') naming the layer and field. */
export function planModel(model: CnnModel): Plan {
  if (typeof model !== 'object' || model === null) throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected a CnnModel object but received ${describe(model)}`);
  const inputShape = shapeOf(model.inputShape, model.layout);
  if (!Array.isArray(model.layers)) fail('model', `Expected layers to be an array but received ${describe(model.layers)}`);
  if (model.layers.length === 0) fail('model', 'the model has no layers');
  const tensors: Float32Array[] = [];
  const ops: PlanOp[] = [];
  const addTensor = (t: Float32Array) => tensors.push(t) - 1;
  let shape = inputShape;

  model.layers.forEach((layer, i) => {
    const where = layerName(layer, i);
    if (typeof layer !== 'object' || layer === null) fail(`layer ${i}`, `Expected a layer object but received ${describe(layer)}`);
    const [h, w, c] = dims(shape);
    const base = {
      layerIndex: i,
      layerName: where,
      inH: h,
      inW: w,
      inC: c,
      kh: 1,
      kw: 1,
      sh: 1,
      sw: 1,
      dh: 1,
      dw: 1,
      pads: [0, 0, 0, 0] as [number, number, number, number],
      groups: 1,
      activation: LINEAR,
      weights: -1,
      bias: -1,
      flags: 0,
    };
    const needSpatial = () => {
      if (shape.kind !== 'spatial') fail(where, `needs a spatial (H, W, C) input but receives a vector of ${shapeSize(shape)}; it cannot follow flatten, dense or a global pool`);
    };
    const push = (op: Omit<PlanOp, 'outH' | 'outW' | 'outC' | 'outShape'>, out: Shape) => {
      const [oh, ow, oc] = dims(out);
      if (oh * ow * oc > MAX_ELEMENTS) fail(where, `its output has ${oh * ow * oc} elements per sample, more than ${MAX_ELEMENTS}`);
      ops.push({ ...op, outH: oh, outW: ow, outC: oc, outShape: out });
      shape = out;
    };
    switch (layer.type) {
      case 'conv2d': {
        needSpatial();
        const groups = layer.groups ?? 1;
        if (!isPositiveInt(layer.filters)) fail(where, `Expected filters to be a positive integer but received ${describe(layer.filters)}`);
        if (!isPositiveInt(groups)) fail(where, `Expected groups to be a positive integer but received ${describe(groups)}`);
        if (c % groups !== 0) fail(where, `input channels (${c}) are not divisible by groups (${groups})`);
        if (layer.filters % groups !== 0) fail(where, `filters (${layer.filters}) are not divisible by groups (${groups})`);
        const k = pair(layer.kernelSize, [0, 0], where, 'kernelSize');
        if (layer.kernelSize === undefined) fail(where, 'kernelSize is required');
        const s = pair(layer.strides, [1, 1], where, 'strides');
        const d = pair(layer.dilation, [1, 1], where, 'dilation');
        const pad = layer.padding ?? 'valid';
        const ah = poolOrConvAxis(h, k[0], s[0], d[0], pad, 0, false, where);
        const aw = poolOrConvAxis(w, k[1], s[1], d[1], pad, 1, false, where);
        const weights = floatArray(layer.weights, k[0] * k[1] * (c / groups) * layer.filters, where, 'weights ([kh, kw, inChannels/groups, filters])');
        const bias = layer.bias === undefined ? undefined : floatArray(layer.bias, layer.filters, where, 'bias');
        push(
          {
            ...base,
            op: OP.conv2d,
            kh: k[0],
            kw: k[1],
            sh: s[0],
            sw: s[1],
            dh: d[0],
            dw: d[1],
            pads: [ah.before, ah.after, aw.before, aw.after],
            groups,
            activation: resolveActivation(layer.activation, where),
            weights: addTensor(weights),
            bias: bias ? addTensor(bias) : -1,
          },
          { kind: 'spatial', h: ah.out, w: aw.out, c: layer.filters },
        );
        break;
      }
      case 'dense': {
        if (shape.kind !== 'vector') fail(where, `needs a vector input but receives a spatial tensor ${h}×${w}×${c}; add a flatten layer before it`);
        if (!isPositiveInt(layer.units)) fail(where, `Expected units to be a positive integer but received ${describe(layer.units)}`);
        const weights = floatArray(layer.weights, c * layer.units, where, `weights ([${c}, ${layer.units}])`);
        const bias = layer.bias === undefined ? undefined : floatArray(layer.bias, layer.units, where, 'bias');
        push(
          { ...base, op: OP.dense, activation: resolveActivation(layer.activation, where), weights: addTensor(weights), bias: bias ? addTensor(bias) : -1 },
          { kind: 'vector', n: layer.units },
        );
        break;
      }
      case 'flatten':
        push({ ...base, op: OP.flatten, flags: model.layout === 'NCHW' ? FLAG_FLATTEN_CHW : 0 }, { kind: 'vector', n: h * w * c });
        break;
      case 'maxPool2d':
      case 'avgPool2d': {
        needSpatial();
        const k = pair(layer.poolSize, [0, 0], where, 'poolSize');
        if (layer.poolSize === undefined) fail(where, 'poolSize is required');
        const s = pair(layer.strides, k, where, 'strides');
        const d = pair(layer.dilation, [1, 1], where, 'dilation');
        const pad = layer.padding ?? 'valid';
        const ceil = layer.ceilMode === true;
        const ah = poolOrConvAxis(h, k[0], s[0], d[0], pad, 0, ceil, where);
        const aw = poolOrConvAxis(w, k[1], s[1], d[1], pad, 1, ceil, where);
        const emptyH = windowWithoutInput(h, ah.out, k[0], s[0], d[0], ah.before);
        const emptyW = windowWithoutInput(w, aw.out, k[1], s[1], d[1], aw.before);
        if (emptyH >= 0 || emptyW >= 0)
          fail(
            where,
            `the window at output ${emptyH >= 0 ? `row ${emptyH}` : `column ${emptyW}`} holds only padding (no input pixel to pool); use less padding or no dilation`,
          );
        push(
          {
            ...base,
            op: layer.type === 'maxPool2d' ? OP.maxPool2d : OP.avgPool2d,
            kh: k[0],
            kw: k[1],
            sh: s[0],
            sw: s[1],
            dh: d[0],
            dw: d[1],
            pads: [ah.before, ah.after, aw.before, aw.after],
            flags: layer.type === 'avgPool2d' && layer.countIncludePad ? FLAG_COUNT_INCLUDE_PAD : 0,
          },
          { kind: 'spatial', h: ah.out, w: aw.out, c },
        );
        break;
      }
      case 'globalAvgPool2d':
      case 'globalMaxPool2d':
        needSpatial();
        push({ ...base, op: layer.type === 'globalAvgPool2d' ? OP.globalAvgPool2d : OP.globalMaxPool2d, kh: h, kw: w }, { kind: 'vector', n: c });
        break;
      case 'batchNorm': {
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
        push({ ...base, op: OP.batchNorm, weights: addTensor(scale), bias: addTensor(shift) }, shape);
        break;
      }
      case 'zeroPad2d': {
        needSpatial();
        const p = layer.padding;
        if (!Array.isArray(p) || p.length !== 4 || !p.every((x) => Number.isInteger(x) && x >= 0 && x <= MAX_DIM))
          fail(where, `Expected padding to be [top, bottom, left, right] of integers ≥ 0 but received ${describe(p)}`);
        push({ ...base, op: OP.zeroPad2d, pads: [p[0], p[1], p[2], p[3]] }, { kind: 'spatial', h: h + p[0] + p[1], w: w + p[2] + p[3], c });
        break;
      }
      case 'activation': {
        const act = resolveActivation(layer.activation, where);
        const prev = ops[ops.length - 1];
        // Fuse into the op before when it has no activation of its own and can apply one in its epilogue.
        if (prev && prev.activation.code === 0 && prev.op !== OP.flatten && prev.op !== OP.activation) {
          prev.activation = act;
        } else {
          push({ ...base, op: OP.activation, activation: act }, shape);
        }
        break;
      }
      case 'prelu': {
        const alpha = layer.alpha;
        if (!(alpha instanceof Float32Array) || (alpha.length !== 1 && alpha.length !== c))
          fail(where, `Expected alpha to be a Float32Array of length 1 or ${c} but received ${describe(alpha)}`);
        const full = alpha.length === c ? floatArray(alpha, c, where, 'alpha') : new Float32Array(c).fill(floatArray(alpha, 1, where, 'alpha')[0]);
        push({ ...base, op: OP.prelu, weights: addTensor(full) }, shape);
        break;
      }
      default:
        fail(
          where,
          `unknown layer type ${describe((layer as { type?: unknown }).type)}; supported: conv2d, dense, flatten, maxPool2d, avgPool2d, globalAvgPool2d, globalMaxPool2d, batchNorm, zeroPad2d, activation, prelu`,
        );
    }
  });

  ops.forEach((op, i) => {
    if (op.activation.code === ACT.softmax && i !== ops.length - 1)
      fail(op.layerName, 'softmax is only supported as the final activation of the model');
  });

  const records = new Float64Array(ops.length * RECORD_SIZE);
  ops.forEach((op, i) => {
    const r = records.subarray(i * RECORD_SIZE, (i + 1) * RECORD_SIZE);
    r[F.op] = op.op;
    r[F.inH] = op.inH;
    r[F.inW] = op.inW;
    r[F.inC] = op.inC;
    r[F.outH] = op.outH;
    r[F.outW] = op.outW;
    r[F.outC] = op.outC;
    r[F.kh] = op.kh;
    r[F.kw] = op.kw;
    r[F.sh] = op.sh;
    r[F.sw] = op.sw;
    r[F.dh] = op.dh;
    r[F.dw] = op.dw;
    r[F.padTop] = op.pads[0];
    r[F.padBottom] = op.pads[1];
    r[F.padLeft] = op.pads[2];
    r[F.padRight] = op.pads[3];
    r[F.groups] = op.groups;
    r[F.act] = op.activation.code;
    r[F.actAlpha] = op.activation.alpha;
    r[F.actMin] = op.activation.min;
    r[F.actMax] = op.activation.max;
    r[F.weights] = op.weights;
    r[F.bias] = op.bias;
    r[F.flags] = op.flags;
    r[F.layerIndex] = op.layerIndex;
  });

  return {
    layout: model.layout,
    inputShape,
    outputShape: shape,
    inputSize: shapeSize(inputShape),
    outputSize: shapeSize(shape),
    ops,
    tensors,
    records,
  };
}
