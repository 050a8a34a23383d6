/**
 * Keras layer classes (as TF.js Layers models store them) → CnnModel layers, NHWC. Each mapper reads
 * the layer's config and weights and the shapes of its inputs ([H, W, C], [L, C] in a 1-D model, or
 * [features]) and emits layers through the builder. Keras kernels are already HWIO / [in, units];
 * Conv1D's [k, in, out] is HWIO with height 1, DepthwiseConv2D's [kh, kw, C, m] is HWIO
 * [kh, kw, 1, C·m], Conv2DTranspose's [kh, kw, out, in] is the CnnModel order as stored.
 */
import type { Activation, Layer, Pair, Padding } from '../../model/types.js';
import { describe } from '../../errors.js';
import type { LayerSpec } from '../graph-tidy.js';
import { bad, isObj, unsupported, type Json } from './weights.js';

export interface TData {
  ref: string;
  /** shape without the batch: [H, W, C], [L, C] (1-D models) or [features] */
  shape: number[];
}

export interface KerasCtx {
  cls: string;
  name: string;
  cfg: Json;
  where: string;
  ins: TData[];
  /** a weight of this layer by parameter name, checked against `shape` */
  weight(param: string, shape: number[]): Float32Array;
  hasWeight(param: string): boolean;
  emit(layer: LayerSpec, ins: TData[], shape: number[], suffix?: string): TData;
}

const MAX_DIM = 1 << 24;

function pairOf(v: unknown, what: string, def?: Pair): Pair {
  if ((v === undefined || v === null) && def) return def;
  const p = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((x) => Number.isInteger(x) && x >= 1 && x <= MAX_DIM)) throw bad(`${what} must be a pair of positive integers but is ${describe(v)}`);
  return [p[0], p[1]];
}
function single(v: unknown, what: string, def?: number): number {
  if ((v === undefined || v === null) && def !== undefined) return def;
  const x = Array.isArray(v) && v.length === 1 ? v[0] : v;
  if (!Number.isInteger(x) || (x as number) < 1 || (x as number) > MAX_DIM) throw bad(`${what} must be a positive integer but is ${describe(v)}`);
  return x as number;
}

const ACTIVATIONS: Record<string, Activation> = {
  relu: 'relu',
  relu6: 'relu6',
  sigmoid: 'sigmoid',
  tanh: 'tanh',
  elu: 'elu',
  selu: 'selu',
  softplus: 'softplus',
  softmax: 'softmax',
  swish: 'swish',
  silu: 'swish',
  hard_sigmoid: { type: 'hardSigmoid', alpha: 0.2, beta: 0.5 },
  hardSigmoid: { type: 'hardSigmoid', alpha: 0.2, beta: 0.5 },
  hard_swish: 'hardSwish',
};

export function activationOf(v: unknown, where: string): Activation | undefined {
  const name = isObj(v) && typeof v.class_name === 'string' ? v.class_name : v;
  if (name === undefined || name === null || name === 'linear') return undefined;
  if (typeof name === 'string' && ACTIVATIONS[name]) return ACTIVATIONS[name];
  throw unsupported(`${where}: activation ${describe(name)} is not supported; supported: linear, ${Object.keys(ACTIVATIONS).join(', ')}`);
}

function channelsLast(c: KerasCtx): void {
  const f = c.cfg.data_format;
  if (f !== undefined && f !== null && f !== 'channels_last') throw unsupported(`${c.where}: data_format ${describe(f)}; only channels_last is supported`);
}

/** The one input as a spatial tensor: [H, W, C], or [L, C] viewed with H = 1. */
function spatialIn(c: KerasCtx, rank: 1 | 2): { d: TData; h: number; w: number; ch: number } {
  const d = c.ins[0];
  if (rank === 2 && d.shape.length === 3) return { d, h: d.shape[0], w: d.shape[1], ch: d.shape[2] };
  if (rank === 1 && d.shape.length === 2) return { d, h: 1, w: d.shape[0], ch: d.shape[1] };
  throw unsupported(`${c.where} needs a ${rank === 2 ? '[H, W, C]' : '[L, C]'} input but receives [${d.shape.join(', ')}]`);
}

const outLen = (n: number, k: number, s: number, d: number, pad: Padding) => (pad === 'same' ? Math.ceil(n / s) : Math.floor((n - (d * (k - 1) + 1)) / s) + 1);

/** Keras padding (and Conv1D's 'causal') for a window op, as CnnModel padding. */
function paddingOf(c: KerasCtx, k: Pair, d: Pair): Padding {
  const p = c.cfg.padding ?? 'valid';
  if (p === 'valid' || p === 'same') return p;
  if (p === 'causal') return [0, 0, d[1] * (k[1] - 1), 0];
  throw unsupported(`${c.where}: padding ${describe(p)}; supported: 'valid', 'same' (and 'causal' for Conv1D)`);
}

function shapeOut(rank: 1 | 2, h: number, w: number, ch: number): number[] {
  return rank === 2 ? [h, w, ch] : [w, ch];
}

function conv(c: KerasCtx, rank: 1 | 2): TData {
  channelsLast(c);
  const { d, h, w, ch } = spatialIn(c, rank);
  const k: Pair = rank === 2 ? pairOf(c.cfg.kernel_size, `${c.where} kernel_size`) : [1, single(c.cfg.kernel_size, `${c.where} kernel_size`)];
  const s: Pair = rank === 2 ? pairOf(c.cfg.strides, `${c.where} strides`, [1, 1]) : [1, single(c.cfg.strides, `${c.where} strides`, 1)];
  const dl: Pair = rank === 2 ? pairOf(c.cfg.dilation_rate, `${c.where} dilation_rate`, [1, 1]) : [1, single(c.cfg.dilation_rate, `${c.where} dilation_rate`, 1)];
  const pad = paddingOf(c, k, dl);
  const activation = activationOf(c.cfg.activation, c.where);
  const useBias = c.cfg.use_bias !== false;
  const filters = c.cfg.filters as number;
  const groups = (c.cfg.groups as number | undefined) ?? 1;
  if (!Number.isInteger(filters) || filters < 1 || !Number.isInteger(groups) || groups < 1 || ch % groups !== 0) throw bad(`${c.where}: filters ${describe(c.cfg.filters)} / groups ${describe(c.cfg.groups)} do not fit ${ch} channels`);
  const kshape = rank === 2 ? [k[0], k[1], ch / groups, filters] : [k[1], ch / groups, filters];
  const weights = c.weight('kernel', kshape);
  const bias = useBias ? c.weight('bias', [filters]) : undefined;
  const oh = Array.isArray(pad) ? h : outLen(h, k[0], s[0], dl[0], pad);
  const ow = Array.isArray(pad) ? Math.floor((w + pad[2] - dl[1] * (k[1] - 1) - 1) / s[1]) + 1 : outLen(w, k[1], s[1], dl[1], pad);
  return c.emit({ type: 'conv2d', filters, kernelSize: k, strides: s, dilation: dl, padding: pad, groups, weights, bias, activation }, [d], shapeOut(rank, oh, ow, filters));
}

function depthwise(c: KerasCtx, separable: boolean): TData {
  channelsLast(c);
  const { d, h, w, ch } = spatialIn(c, 2);
  const k = pairOf(c.cfg.kernel_size, `${c.where} kernel_size`);
  const s = pairOf(c.cfg.strides, `${c.where} strides`, [1, 1]);
  const dl = pairOf(c.cfg.dilation_rate, `${c.where} dilation_rate`, [1, 1]);
  const pad = paddingOf(c, k, dl);
  const mult = (c.cfg.depth_multiplier as number | undefined) ?? 1;
  if (!Number.isInteger(mult) || mult < 1) throw bad(`${c.where}: depth_multiplier ${describe(c.cfg.depth_multiplier)}`);
  const dw = c.weight('depthwise_kernel', [k[0], k[1], ch, mult]);
  const oh = outLen(h, k[0], s[0], dl[0], pad);
  const ow = outLen(w, k[1], s[1], dl[1], pad);
  const useBias = c.cfg.use_bias !== false;
  const activation = activationOf(c.cfg.activation, c.where);
  const spec = { type: 'conv2d' as const, filters: ch * mult, kernelSize: k, strides: s, dilation: dl, padding: pad, groups: ch, weights: dw };
  if (!separable) return c.emit({ ...spec, bias: useBias ? c.weight('bias', [ch * mult]) : undefined, activation }, [d], [oh, ow, ch * mult]);
  const filters = c.cfg.filters as number;
  if (!Number.isInteger(filters) || filters < 1) throw bad(`${c.where}: filters ${describe(c.cfg.filters)}`);
  const mid = c.emit(spec, [d], [oh, ow, ch * mult], '_depthwise');
  const pw = c.weight('pointwise_kernel', [1, 1, ch * mult, filters]);
  return c.emit({ type: 'conv2d', filters, kernelSize: [1, 1], weights: pw, bias: useBias ? c.weight('bias', [filters]) : undefined, activation }, [mid], [oh, ow, filters]);
}

function convTranspose(c: KerasCtx): TData {
  channelsLast(c);
  const { d, h, w, ch } = spatialIn(c, 2);
  const k = pairOf(c.cfg.kernel_size, `${c.where} kernel_size`);
  const s = pairOf(c.cfg.strides, `${c.where} strides`, [1, 1]);
  const dl = pairOf(c.cfg.dilation_rate, `${c.where} dilation_rate`, [1, 1]);
  const pad = c.cfg.padding ?? 'valid';
  if (pad !== 'valid' && pad !== 'same') throw unsupported(`${c.where}: padding ${describe(pad)}`);
  const op = c.cfg.output_padding === undefined || c.cfg.output_padding === null ? undefined : (Array.isArray(c.cfg.output_padding) ? c.cfg.output_padding : [c.cfg.output_padding, c.cfg.output_padding]) as Pair;
  const filters = c.cfg.filters as number;
  if (!Number.isInteger(filters) || filters < 1) throw bad(`${c.where}: filters ${describe(c.cfg.filters)}`);
  const weights = c.weight('kernel', [k[0], k[1], filters, ch]);
  const bias = c.cfg.use_bias !== false ? c.weight('bias', [filters]) : undefined;
  // Keras deconv_output_length
  const len = (n: number, kk: number, st: number, di: number, o: number | undefined) => {
    const span = kk + (kk - 1) * (di - 1);
    if (o === undefined) return pad === 'valid' ? n * st + Math.max(span - st, 0) : n * st;
    return (n - 1) * st + span - (pad === 'same' ? 2 * Math.floor(span / 2) : 0) + o;
  };
  const shape = [len(h, k[0], s[0], dl[0], op?.[0]), len(w, k[1], s[1], dl[1], op?.[1]), filters];
  const spec = { type: 'conv2dTranspose' as const, filters, kernelSize: k, strides: s, dilation: dl, padding: pad as 'same' | 'valid', weights, bias, activation: activationOf(c.cfg.activation, c.where) };
  return c.emit(op ? { ...spec, outputPadding: op } : spec, [d], shape);
}

function pool(c: KerasCtx, rank: 1 | 2, max: boolean): TData {
  channelsLast(c);
  const { d, h, w, ch } = spatialIn(c, rank);
  const k: Pair = rank === 2 ? pairOf(c.cfg.pool_size, `${c.where} pool_size`, [2, 2]) : [1, single(c.cfg.pool_size, `${c.where} pool_size`, 2)];
  const s: Pair = rank === 2 ? pairOf(c.cfg.strides, `${c.where} strides`, k) : [1, single(c.cfg.strides, `${c.where} strides`, k[1])];
  const pad = c.cfg.padding ?? 'valid';
  if (pad !== 'valid' && pad !== 'same') throw unsupported(`${c.where}: padding ${describe(pad)}`);
  const out = shapeOut(rank, outLen(h, k[0], s[0], 1, pad), outLen(w, k[1], s[1], 1, pad), ch);
  return c.emit({ type: max ? 'maxPool2d' : 'avgPool2d', poolSize: k, strides: s, padding: pad }, [d], out);
}

function globalPool(c: KerasCtx, rank: 1 | 2, max: boolean): TData {
  channelsLast(c);
  const { d, ch } = spatialIn(c, rank);
  if (c.cfg.keepdims === true) throw unsupported(`${c.where}: keepdims=true`);
  return c.emit({ type: max ? 'globalMaxPool2d' : 'globalAvgPool2d' }, [d], [ch]);
}

function batchNorm(c: KerasCtx): TData {
  const d = c.ins[0];
  const axis = Array.isArray(c.cfg.axis) && c.cfg.axis.length === 1 ? c.cfg.axis[0] : (c.cfg.axis ?? -1);
  if (axis !== -1 && axis !== d.shape.length) throw unsupported(`${c.where}: axis ${describe(c.cfg.axis)}; only the channel (last) axis is supported`);
  const ch = d.shape[d.shape.length - 1];
  return c.emit(
    {
      type: 'batchNorm',
      gamma: c.cfg.scale !== false ? c.weight('gamma', [ch]) : undefined,
      beta: c.cfg.center !== false ? c.weight('beta', [ch]) : undefined,
      mean: c.weight('moving_mean', [ch]),
      variance: c.weight('moving_variance', [ch]),
      epsilon: typeof c.cfg.epsilon === 'number' ? c.cfg.epsilon : 1e-3,
    },
    [d],
    d.shape,
  );
}

function relu(c: KerasCtx): TData {
  const max = c.cfg.max_value ?? null;
  const slope = (c.cfg.negative_slope as number | undefined) ?? 0;
  const threshold = (c.cfg.threshold as number | undefined) ?? 0;
  if (threshold !== 0 || (slope !== 0 && max !== null)) throw unsupported(`${c.where}: threshold ${threshold} / negative_slope ${slope} with max_value ${max}`);
  if (max !== null && typeof max !== 'number') throw bad(`${c.where}: max_value ${describe(max)}`);
  const a: Activation = max !== null ? { type: 'clip', min: 0, max } : slope !== 0 ? { type: 'leakyRelu', alpha: slope } : 'relu';
  return c.emit({ type: 'activation', activation: a }, [c.ins[0]], c.ins[0].shape);
}

export { channelsLast, conv, depthwise, convTranspose, pool, globalPool, batchNorm, relu, pairOf, single };
