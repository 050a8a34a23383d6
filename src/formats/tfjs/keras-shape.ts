/**
 * Keras layers that merge, re-shape or re-sample tensors → CnnModel layers: Add, Subtract, Multiply,
 * Average, Concatenate (channel axis), Flatten, Reshape, ZeroPadding1D/2D, Cropping1D/2D,
 * UpSampling1D/2D, and the activation layers. The table at the end maps every supported class.
 */
import type { Activation } from '../../model/types.js';
import { describe } from '../../errors.js';
import {
  activationOf,
  batchNorm,
  channelsLast,
  conv,
  convTranspose,
  depthwise,
  globalPool,
  pairOf,
  pool,
  relu,
  single,
  type KerasCtx,
  type TData,
} from './keras-layers.js';
import { bad, unsupported } from './weights.js';

const same = (a: number[], b: number[]) => a.length === b.length && a.every((v, k) => v === b[k]);
const count = (s: number[]) => s.reduce((a, b) => a * b, 1);

function sameShapes(c: KerasCtx): number[] {
  const s = c.ins[0].shape;
  if (c.ins.length < 2) throw bad(`${c.where}: a merge layer needs at least two inputs`);
  if (c.ins.some((d) => !same(d.shape, s))) throw unsupported(`${c.where}: inputs of shapes ${c.ins.map((d) => `[${d.shape.join(', ')}]`).join(', ')}; cnn2mlp merges tensors of one shape`);
  return s;
}

function merge(c: KerasCtx): TData {
  const shape = sameShapes(c);
  switch (c.cls) {
    case 'Add':
      return c.emit({ type: 'add' }, c.ins, shape);
    case 'Average': {
      const sum = c.emit({ type: 'add' }, c.ins, shape, '_sum');
      return c.emit({ type: 'scaleShift', scale: Float32Array.of(1 / c.ins.length) }, [sum], shape);
    }
    case 'Subtract': {
      if (c.ins.length !== 2) throw bad(`${c.where}: Subtract takes exactly two inputs`);
      const neg = c.emit({ type: 'scaleShift', scale: Float32Array.of(-1) }, [c.ins[1]], shape, '_negated');
      return c.emit({ type: 'add' }, [c.ins[0], neg], shape);
    }
    case 'Multiply': {
      let acc = c.ins[0];
      for (let k = 1; k < c.ins.length; k++) acc = c.emit({ type: 'multiply' }, [acc, c.ins[k]], shape, k === c.ins.length - 1 ? '' : `_${k}`);
      return acc;
    }
    default:
      throw unsupported(`${c.where}: merge layer ${c.cls}`);
  }
}

function concatenate(c: KerasCtx): TData {
  const r = c.ins[0].shape.length;
  const axis = (c.cfg.axis as number | undefined) ?? -1;
  if (axis !== -1 && axis !== r) throw unsupported(`${c.where}: axis ${axis}; cnn2mlp concatenates along the channel (last) axis`);
  const rest = c.ins[0].shape.slice(0, -1);
  if (c.ins.some((d) => d.shape.length !== r || !same(d.shape.slice(0, -1), rest))) throw bad(`${c.where}: inputs ${c.ins.map((d) => `[${d.shape.join(', ')}]`).join(', ')} differ off the channel axis`);
  return c.emit({ type: 'concat' }, c.ins, [...rest, c.ins.reduce((s, d) => s + d.shape[r - 1], 0)]);
}

function flatten(c: KerasCtx): TData {
  channelsLast(c);
  const d = c.ins[0];
  if (d.shape.length === 1) return d;
  return c.emit({ type: 'flatten' }, [d], [count(d.shape)]);
}

function reshape(c: KerasCtx): TData {
  const d = c.ins[0];
  const raw = c.cfg.target_shape;
  if (!Array.isArray(raw) || !raw.every((v) => Number.isInteger(v))) throw bad(`${c.where}: target_shape ${describe(raw)}`);
  const known = count(raw.filter((v) => v !== -1));
  const target = raw.map((v) => (v === -1 ? count(d.shape) / known : v));
  if (count(target) !== count(d.shape)) throw bad(`${c.where}: cannot reshape [${d.shape.join(', ')}] to [${raw.join(', ')}]`);
  if (same(target, d.shape)) return d;
  if (target.length === 1) return c.emit({ type: 'flatten' }, [d], target);
  throw unsupported(`${c.where}: Reshape [${d.shape.join(', ')}] → [${target.join(', ')}] would need a reshape layer; cnn2mlp follows flattens only`);
}

/** ZeroPadding / Cropping amounts as [top, bottom, left, right]. */
function amounts(c: KerasCtx, key: string, rank: 1 | 2, def: number): [number, number, number, number] {
  const p = c.cfg[key] ?? def;
  let out: number[];
  if (rank === 1) {
    if (typeof p === 'number') out = [0, 0, p, p];
    else if (Array.isArray(p) && p.length === 2) out = [0, 0, p[0], p[1]];
    else throw bad(`${c.where}: ${key} ${describe(p)}`);
  } else if (typeof p === 'number') out = [p, p, p, p];
  else if (Array.isArray(p) && p.length === 2 && p.every((x) => typeof x === 'number')) out = [p[0], p[0], p[1], p[1]];
  else if (Array.isArray(p) && p.length === 2 && p.every((x) => Array.isArray(x) && x.length === 2)) out = [p[0][0], p[0][1], p[1][0], p[1][1]];
  else throw bad(`${c.where}: ${key} ${describe(p)}`);
  if (!out.every((x) => Number.isInteger(x) && x >= 0 && x <= 1 << 24)) throw bad(`${c.where}: ${key} ${describe(p)} must hold integers ≥ 0`);
  return out as [number, number, number, number];
}

function padOrCrop(c: KerasCtx, rank: 1 | 2, crop: boolean): TData {
  channelsLast(c);
  const d = c.ins[0];
  const q = amounts(c, crop ? 'cropping' : 'padding', rank, crop ? 0 : 1);
  const sign = crop ? -1 : 1;
  const [h, w, ch] = rank === 2 ? d.shape : [1, d.shape[0], d.shape[1]];
  const oh = h + sign * (q[0] + q[1]);
  const ow = w + sign * (q[2] + q[3]);
  if (oh < 1 || ow < 1) throw bad(`${c.where}: cropping ${q.join(', ')} removes all of [${d.shape.join(', ')}]`);
  const shape = rank === 2 ? [oh, ow, ch] : [ow, ch];
  return c.emit(crop ? { type: 'cropping2d', cropping: q } : { type: 'zeroPad2d', padding: q }, [d], shape);
}

/** tfjs resizes with resizeNearestNeighbor / resizeBilinear (align_corners and half_pixel_centers off): x_in = x_out / s. */
function upsample(c: KerasCtx, rank: 1 | 2): TData {
  channelsLast(c);
  const d = c.ins[0];
  const size: [number, number] = rank === 2 ? pairOf(c.cfg.size, `${c.where} size`, [2, 2]) : [1, single(c.cfg.size, `${c.where} size`, 2)];
  const interp = c.cfg.interpolation ?? 'nearest';
  if (interp !== 'nearest' && interp !== 'bilinear') throw unsupported(`${c.where}: interpolation ${describe(interp)}; supported: nearest, bilinear`);
  const shape = rank === 2 ? [d.shape[0] * size[0], d.shape[1] * size[1], d.shape[2]] : [d.shape[0] * size[1], d.shape[1]];
  const mode = interp === 'nearest' ? ('nearest' as const) : ('bilinear' as const);
  return c.emit({ type: 'upsample2d', size, mode, coordinateMode: 'asymmetric', ...(mode === 'nearest' ? { nearestMode: 'floor' as const } : {}) }, [d], shape);
}

function activationLayer(c: KerasCtx, a: Activation | undefined): TData {
  const d = c.ins[0];
  if (!a) return d;
  return c.emit({ type: 'activation', activation: a }, [d], d.shape);
}

function prelu(c: KerasCtx): TData {
  const d = c.ins[0];
  const shared = Array.isArray(c.cfg.shared_axes) ? (c.cfg.shared_axes as number[]) : [];
  const ch = d.shape[d.shape.length - 1];
  const all = d.shape.map((_, k) => k + 1).slice(0, -1);
  if (!all.every((a) => shared.includes(a))) throw unsupported(`${c.where}: PReLU with a slope per position (shared_axes ${describe(c.cfg.shared_axes)}); supported: one slope per channel (shared_axes [${all.join(', ')}])`);
  const alpha = c.weight('alpha', [...d.shape.slice(0, -1).map(() => 1), ch]);
  return c.emit({ type: 'prelu', alpha }, [d], d.shape);
}

const pass = (c: KerasCtx) => c.ins[0];

export const KERAS_LAYERS: Record<string, (c: KerasCtx) => TData> = {
  Conv2D: (c) => conv(c, 2),
  Conv1D: (c) => conv(c, 1),
  DepthwiseConv2D: (c) => depthwise(c, false),
  SeparableConv2D: (c) => depthwise(c, true),
  Conv2DTranspose: convTranspose,
  Dense: (c) => {
    const d = c.ins[0];
    if (d.shape.length !== 1) throw unsupported(`${c.where} receives [${d.shape.join(', ')}]; Dense on a spatial tensor (applied per pixel) is not supported, add Flatten before it`);
    const units = c.cfg.units as number;
    if (!Number.isInteger(units) || units < 1) throw bad(`${c.where}: units ${describe(c.cfg.units)}`);
    const bias = c.cfg.use_bias !== false ? c.weight('bias', [units]) : undefined;
    return c.emit({ type: 'dense', units, weights: c.weight('kernel', [d.shape[0], units]), bias, activation: activationOf(c.cfg.activation, c.where) }, [d], [units]);
  },
  MaxPooling2D: (c) => pool(c, 2, true),
  AveragePooling2D: (c) => pool(c, 2, false),
  MaxPooling1D: (c) => pool(c, 1, true),
  AveragePooling1D: (c) => pool(c, 1, false),
  GlobalAveragePooling2D: (c) => globalPool(c, 2, false),
  GlobalMaxPooling2D: (c) => globalPool(c, 2, true),
  GlobalAveragePooling1D: (c) => globalPool(c, 1, false),
  GlobalMaxPooling1D: (c) => globalPool(c, 1, true),
  BatchNormalization: batchNorm,
  Activation: (c) => activationLayer(c, activationOf(c.cfg.activation, c.where)),
  ReLU: relu,
  LeakyReLU: (c) => {
    const alpha = c.cfg.alpha ?? c.cfg.negative_slope ?? 0.3;
    if (typeof alpha !== 'number') throw bad(`${c.where}: alpha ${describe(alpha)}`);
    return activationLayer(c, { type: 'leakyRelu', alpha });
  },
  ELU: (c) => activationLayer(c, { type: 'elu', alpha: typeof c.cfg.alpha === 'number' ? c.cfg.alpha : 1 }),
  Softmax: (c) => {
    const axis = c.cfg.axis ?? -1;
    if (c.ins[0].shape.length !== 1 || (axis !== -1 && axis !== 1 && !(Array.isArray(axis) && axis.length === 1 && (axis[0] === -1 || axis[0] === 1))))
      throw unsupported(`${c.where}: Softmax over axis ${describe(axis)} of [${c.ins[0].shape.join(', ')}]; cnn2mlp's softmax runs over the features of a vector`);
    return activationLayer(c, 'softmax');
  },
  PReLU: prelu,
  Add: merge,
  Subtract: merge,
  Multiply: merge,
  Average: merge,
  Concatenate: concatenate,
  Flatten: flatten,
  Reshape: reshape,
  ZeroPadding2D: (c) => padOrCrop(c, 2, false),
  ZeroPadding1D: (c) => padOrCrop(c, 1, false),
  Cropping2D: (c) => padOrCrop(c, 2, true),
  Cropping1D: (c) => padOrCrop(c, 1, true),
  UpSampling2D: (c) => upsample(c, 2),
  UpSampling1D: (c) => upsample(c, 1),
  Dropout: pass,
  SpatialDropout1D: pass,
  SpatialDropout2D: pass,
  GaussianNoise: pass,
  GaussianDropout: pass,
  AlphaDropout: pass,
};
