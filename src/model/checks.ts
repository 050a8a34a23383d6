/**
 * Field checks shared by the layer lowering: integers, pairs, weight arrays, activations and the
 * window arithmetic of convolution and pooling (TF / ONNX rules). Each failure names the layer.
 */
import { Cnn2MlpError, describe } from '../errors.js';
import { native } from '../native.js';
import { ACT, type ResolvedActivation } from './ops.js';
import type { Activation, ActivationSpec, Padding, Pair } from './types.js';

export const LINEAR: ResolvedActivation = { name: 'linear', code: 0, alpha: 0, beta: 0, min: 0, max: 0 };
export const MAX_DIM = 1 << 24; // no single dimension of a real CNN comes close; rejects absurd inputs early
export const MAX_ELEMENTS = 2 ** 31 - 1; // one activation tensor per sample

export function fail(where: string, msg: string): never {
  throw new Cnn2MlpError('ERR_INVALID_MODEL', `${where}: ${msg}`);
}

export function isPositiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= MAX_DIM;
}

export function pair(v: unknown, def: Pair, where: string, field: string, min = 1): Pair {
  if (v === undefined) return def;
  const p = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((x) => Number.isInteger(x) && x >= min && x <= MAX_DIM))
    fail(where, `Expected ${field} to be a pair of integers ≥ ${min} but received ${describe(v)}`);
  return [p[0], p[1]];
}

export function floatArray(v: unknown, length: number, where: string, field: string): Float32Array {
  if (!(v instanceof Float32Array))
    fail(where, `Expected ${field} to be a Float32Array of length ${length} but received ${describe(v)}`);
  if (v.length !== length) fail(where, `Expected ${field} to have length ${length} but it has length ${v.length}`);
  const i = firstNonFinite(v);
  if (i >= 0) fail(where, `${field}[${i}] is ${v[i]}; weights must be finite`);
  return v;
}

// A JS loop over a model's weights runs unoptimised in a fresh process (~30 ns a value, tens of ms
// for a few million): large arrays go to the addon's vectorised scan, which compileCnn loads anyway.
const NATIVE_SCAN_MIN = 4096;

function firstNonFinite(v: Float32Array): number {
  if (v.length >= NATIVE_SCAN_MIN) return native().firstNonFinite(v);
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) return i;
  return -1;
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
      return { ...LINEAR, name: 'leakyRelu', code: ACT.leakyRelu, alpha: num(spec.alpha, 0.2, 'alpha') };
    case 'elu':
      return { ...LINEAR, name: 'elu', code: ACT.elu, alpha: num(spec.alpha, 1, 'alpha') };
    case 'hardSigmoid':
      return { ...LINEAR, name: 'hardSigmoid', code: ACT.hardSigmoid, alpha: num(spec.alpha, 0.2, 'alpha'), beta: num(spec.beta, 0.5, 'beta') };
    case 'relu6':
      return { ...LINEAR, name: 'clip', code: ACT.clip, min: 0, max: 6 };
    case 'clip': {
      const min = num(spec.min, -Infinity, 'min');
      const max = num(spec.max, Infinity, 'max');
      if (!(min <= max)) fail(where, `clip min ${min} is greater than max ${max}`);
      return { ...LINEAR, name: 'clip', code: ACT.clip, min: Math.max(min, -3.4e38), max: Math.min(max, 3.4e38) };
    }
    default:
      return { ...LINEAR, name: spec.type, code: ACT[spec.type] };
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

