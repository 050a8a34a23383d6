/**
 * An independent float64 reference CNN, written from the TensorFlow/Keras and ONNX operator specs
 * and sharing no code with src/: every output size, pad and window is derived here from the layer
 * definition. Slow (plain loop nests); for tests only.
 *
 * Besides the value of every output it returns two per-output error bounds (test/support/tolerance.ts):
 *  - `tol32`: how far a correct float32 implementation of the same layers (runCnn, onnxruntime,
 *    tfjs) may be from the exact result, from each reduction's Σ|w·x| and length;
 *  - `tolParams`: how far an exact evaluation may move when the batch-norm scale/shift, epsilon and
 *    activation slopes/bounds are stored once in float32 (what converters and formats do).
 *
 * Tensors live in a map keyed by layer name (`name`, or `#i` for the i-th layer), and a layer
 * reads `inputs` (default: the previous layer), so graph layers slot in as one case each.
 *
 * Semantics, from the specs:
 *  - 'same' (TF SAME, ONNX SAME_UPPER): out = ceil(in / s), total pad = max((out − 1)·s + span − in, 0),
 *    the smaller half before; 'sameLower' puts the larger half before; 'valid' pads nothing; explicit
 *    [top, bottom, left, right]. span = d·(k − 1) + 1. Otherwise out = floor((in + pads − span) / s) + 1,
 *    with ceilMode ceil(…) + 1 minus a last window that would start in the end padding (ONNX/PyTorch).
 *  - conv taps outside the input read 0; max pools ignore them; avg pools divide by the count of
 *    real pixels, or with countIncludePad by the taps inside the padded input (ceil-mode overhang
 *    never counts).
 *  - conv2d weights [kh, kw, cin/groups, filters]; output channel co reads group ⌊co / (filters/groups)⌋.
 *  - flatten reads (h, w, c) for NHWC models and (c, h, w) for NCHW; softmax is over the channel axis.
 */
import type { CnnModel, Layer } from '../../src/model/types.js';
import { U, activate, activationError, dotError, gamma, lipschitz, softmaxWithError, type ActParams } from './tolerance.js';

/** One tensor for one sample: values (h, w, c order; vectors are 1×1×n) and their error bounds. */
interface T {
  h: number;
  w: number;
  c: number;
  vector: boolean;
  y: Float64Array;
  e32: Float64Array;
  ep: Float64Array;
}

const newT = (h: number, w: number, c: number, vector: boolean): T => {
  const n = h * w * c;
  return { h, w, c, vector, y: new Float64Array(n), e32: new Float64Array(n), ep: new Float64Array(n) };
};

function resolveAct(a: unknown): ActParams {
  if (a === undefined) return { type: 'linear', alpha: 0, min: 0, max: 0 };
  const s = (typeof a === 'string' ? { type: a } : a) as { type: string; alpha?: number; beta?: number; min?: number; max?: number };
  if (s.type === 'relu6') return { type: 'clip', alpha: 0, min: 0, max: 6 };
  // Keras leaky ReLU 0.2, ONNX HardSigmoid alpha 0.2 / beta 0.5, ELU 1
  const alpha = s.alpha ?? (s.type === 'leakyRelu' || s.type === 'hardSigmoid' ? 0.2 : 1);
  return { type: s.type, alpha, beta: s.beta ?? 0.5, min: s.min ?? -Infinity, max: s.max ?? Infinity };
}

/** Output size and the pad before, along one axis. */
export function axisWindow(size: number, k: number, s: number, d: number, padding: unknown, axis: 0 | 1, ceilMode = false) {
  const span = d * (k - 1) + 1;
  if (padding === 'same' || padding === 'sameLower') {
    const out = Math.ceil(size / s);
    const total = Math.max((out - 1) * s + span - size, 0);
    const before = padding === 'same' ? Math.floor(total / 2) : Math.ceil(total / 2);
    return { out, before, after: total - before };
  }
  const [before, after] = Array.isArray(padding) ? [padding[2 * axis] as number, padding[2 * axis + 1] as number] : [0, 0];
  const room = size + before + after - span;
  let out = (ceilMode ? Math.ceil(room / s) : Math.floor(room / s)) + 1;
  if (ceilMode && (out - 1) * s >= size + before) out--;
  if (!(out >= 1)) throw new Error(`reference-cnn: window ${span} does not fit ${size} + pads`);
  return { out, before, after };
}

function applyAct(t: T, a: ActParams): void {
  if (a.type === 'softmax') {
    for (let p = 0; p < t.y.length; p += t.c) {
      let E = 0;
      for (let i = p; i < p + t.c; i++) E = Math.max(E, t.ep[i]);
      softmaxWithError(t.y, t.e32, p, t.c);
      // the same first-order argument for the parameter errors
      for (let i = p; i < p + t.c; i++) t.ep[i] = 2.01 * t.y[i] * E;
    }
    return;
  }
  if (a.type === 'linear') return;
  for (let i = 0; i < t.y.length; i++) {
    const v = activate(a, t.y[i]);
    t.e32[i] = activationError(a, v, t.e32[i]);
    // slopes and bounds are stored in float32 by converters and formats: one rounding of the result
    t.ep[i] = lipschitz(a) * t.ep[i] + (a.type === 'leakyRelu' || a.type === 'elu' || a.type === 'clip' || a.type === 'hardSigmoid' ? U * (Math.abs(v) + 1) : 0);
    t.y[i] = v;
  }
}

function conv(x: T, l: Extract<Layer, { type: 'conv2d' }>): T {
  const [kh, kw] = l.kernelSize;
  const [sh, sw] = l.strides ?? [1, 1];
  const [dh, dw] = l.dilation ?? [1, 1];
  const g = l.groups ?? 1;
  const ay = axisWindow(x.h, kh, sh, dh, l.padding ?? 'valid', 0);
  const ax = axisWindow(x.w, kw, sw, dw, l.padding ?? 'valid', 1);
  const F = l.filters;
  const cinG = x.c / g;
  const o = newT(ay.out, ax.out, F, false);
  for (let oy = 0; oy < ay.out; oy++)
    for (let ox = 0; ox < ax.out; ox++)
      for (let co = 0; co < F; co++) {
        const c0 = Math.floor(co / (F / g)) * cinG;
        const b = l.bias ? l.bias[co] : 0;
        let s = b;
        let mag = Math.abs(b);
        let e32 = 0;
        let ep = 0;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh - ay.before + ky * dh;
          if (iy < 0 || iy >= x.h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw - ax.before + kx * dw;
            if (ix < 0 || ix >= x.w) continue;
            for (let ci = 0; ci < cinG; ci++) {
              const wv = l.weights[((ky * kw + kx) * cinG + ci) * F + co];
              const at = (iy * x.w + ix) * x.c + c0 + ci;
              s += wv * x.y[at];
              mag += Math.abs(wv * x.y[at]);
              e32 += Math.abs(wv) * x.e32[at];
              ep += Math.abs(wv) * x.ep[at];
            }
          }
        }
        const i = (oy * ax.out + ox) * F + co;
        o.y[i] = s;
        o.e32[i] = e32 + dotError(kh * kw * cinG, mag);
        o.ep[i] = ep;
      }
  applyAct(o, resolveAct(l.activation));
  return o;
}

function dense(x: T, l: Extract<Layer, { type: 'dense' }>): T {
  const n = x.y.length;
  const o = newT(1, 1, l.units, true);
  for (let u = 0; u < l.units; u++) {
    const b = l.bias ? l.bias[u] : 0;
    let s = b;
    let mag = Math.abs(b);
    let e32 = 0;
    let ep = 0;
    for (let i = 0; i < n; i++) {
      const wv = l.weights[i * l.units + u];
      s += wv * x.y[i];
      mag += Math.abs(wv * x.y[i]);
      e32 += Math.abs(wv) * x.e32[i];
      ep += Math.abs(wv) * x.ep[i];
    }
    o.y[u] = s;
    o.e32[u] = e32 + dotError(n, mag);
    o.ep[u] = ep;
  }
  applyAct(o, resolveAct(l.activation));
  return o;
}

/** Max/avg pool over windows; a global pool is the whole image as one window. */
function pool(x: T, l: Extract<Layer, { type: 'maxPool2d' | 'avgPool2d' | 'globalAvgPool2d' | 'globalMaxPool2d' }>): T {
  const global = l.type === 'globalAvgPool2d' || l.type === 'globalMaxPool2d';
  const isMax = l.type === 'maxPool2d' || l.type === 'globalMaxPool2d';
  const p = l.type === 'maxPool2d' || l.type === 'avgPool2d' ? l : undefined;
  const [kh, kw] = p ? p.poolSize : [x.h, x.w];
  const [sh, sw] = p ? (p.strides ?? p.poolSize) : [1, 1];
  const [dh, dw] = p?.dilation ?? [1, 1];
  const ay = axisWindow(x.h, kh, sh, dh, p?.padding ?? 'valid', 0, p?.ceilMode);
  const ax = axisWindow(x.w, kw, sw, dw, p?.padding ?? 'valid', 1, p?.ceilMode);
  const o = newT(ay.out, ax.out, x.c, global);
  for (let oy = 0; oy < ay.out; oy++)
    for (let ox = 0; ox < ax.out; ox++)
      for (let c = 0; c < x.c; c++) {
        let best = -Infinity;
        let sum = 0;
        let mag = 0;
        let e32 = 0;
        let ep = 0;
        let real = 0;
        let inPadded = 0;
        for (let ky = 0; ky < kh; ky++)
          for (let kx = 0; kx < kw; kx++) {
            const iy = oy * sh - ay.before + ky * dh;
            const ix = ox * sw - ax.before + kx * dw;
            if (iy >= -ay.before && iy < x.h + ay.after && ix >= -ax.before && ix < x.w + ax.after) inPadded++;
            if (iy < 0 || iy >= x.h || ix < 0 || ix >= x.w) continue;
            const at = (iy * x.w + ix) * x.c + c;
            real++;
            best = Math.max(best, x.y[at]);
            sum += x.y[at];
            mag += Math.abs(x.y[at]);
            // a max picks one input: its error is at most the largest in the window
            e32 = isMax ? Math.max(e32, x.e32[at]) : e32 + x.e32[at];
            ep = isMax ? Math.max(ep, x.ep[at]) : ep + x.ep[at];
          }
        if (real === 0) throw new Error('reference-cnn: a pooling window covers only padding');
        const i = (oy * ax.out + ox) * x.c + c;
        if (isMax) {
          o.y[i] = best;
          o.e32[i] = e32;
          o.ep[i] = ep;
        } else {
          const n = p?.countIncludePad ? inPadded : real;
          o.y[i] = sum / n;
          // summing `real` values, then one divide (or a multiply by a rounded 1/n: one more rounding)
          o.e32[i] = e32 / n + gamma(real + 2) * (mag / n);
          o.ep[i] = ep / n;
        }
      }
  return o;
}

function batchNorm(x: T, l: Extract<Layer, { type: 'batchNorm' }>): T {
  const eps = l.epsilon ?? 1e-3;
  const o = newT(x.h, x.w, x.c, x.vector);
  for (let i = 0; i < x.y.length; i++) {
    const c = i % x.c;
    const scale = (l.gamma ? l.gamma[c] : 1) / Math.sqrt(l.variance[c] + eps);
    const beta = l.beta ? l.beta[c] : 0;
    o.y[i] = (x.y[i] - l.mean[c]) * scale + beta;
    // scale and shift = beta − mean·scale each rounded once to float32, then x·scale + shift in float32
    const mag = Math.abs(x.y[i] * scale) + Math.abs(l.mean[c] * scale) + Math.abs(beta);
    o.e32[i] = Math.abs(scale) * x.e32[i] + 4 * U * mag;
    o.ep[i] = Math.abs(scale) * x.ep[i] + 2 * U * mag;
  }
  return o;
}

function zeroPad(x: T, [t, b, l, r]: [number, number, number, number]): T {
  const o = newT(x.h + t + b, x.w + l + r, x.c, false);
  for (let y = 0; y < x.h; y++)
    for (let xx = 0; xx < x.w; xx++)
      for (let c = 0; c < x.c; c++) {
        const from = (y * x.w + xx) * x.c + c;
        const to = ((y + t) * o.w + xx + l) * x.c + c;
        o.y[to] = x.y[from];
        o.e32[to] = x.e32[from];
        o.ep[to] = x.ep[from];
      }
  return o;
}

function prelu(x: T, alpha: Float32Array): T {
  const o = newT(x.h, x.w, x.c, x.vector);
  for (let i = 0; i < x.y.length; i++) {
    const a = alpha.length === 1 ? alpha[0] : alpha[i % x.c];
    const v = x.y[i];
    o.y[i] = v >= 0 ? v : a * v;
    const L = Math.max(1, Math.abs(a));
    o.e32[i] = L * x.e32[i] + U * Math.abs(o.y[i]);
    o.ep[i] = L * x.ep[i];
  }
  return o;
}

/** flatten: a vector in the order the model's layout reads a 3-D tensor. */
function flatten(x: T, layout: string): T {
  const o = newT(1, 1, x.y.length, true);
  for (let p = 0; p < x.h * x.w; p++)
    for (let c = 0; c < x.c; c++) {
      const to = layout === 'NCHW' ? c * x.h * x.w + p : p * x.c + c;
      o.y[to] = x.y[p * x.c + c];
      o.e32[to] = x.e32[p * x.c + c];
      o.ep[to] = x.ep[p * x.c + c];
    }
  return o;
}

function runLayer(l: Layer, xs: T[], model: CnnModel): T {
  const x = xs[0];
  switch (l.type) {
    case 'conv2d': return conv(x, l);
    case 'dense': return dense(x, l);
    case 'maxPool2d':
    case 'avgPool2d':
    case 'globalAvgPool2d':
    case 'globalMaxPool2d': return pool(x, l);
    case 'batchNorm': return batchNorm(x, l);
    case 'zeroPad2d': return zeroPad(x, l.padding);
    case 'prelu': return prelu(x, l.alpha);
    case 'flatten': return flatten(x, model.layout);
    case 'activation': {
      const o = { ...x, y: Float64Array.from(x.y), e32: Float64Array.from(x.e32), ep: Float64Array.from(x.ep) };
      applyAct(o, resolveAct(l.activation));
      return o;
    }
    default: throw new Error(`reference-cnn: layer type ${(l as { type: string }).type} not implemented`);
  }
}

export interface Reference {
  /** batch × output size, in the model's layout */
  y: Float64Array;
  tol32: Float64Array;
  tolParams: Float64Array;
}

/** Evaluates `batch` samples (flat, model layout, like runCnn's input). */
export function referenceCnn(model: CnnModel, input: ArrayLike<number>, batch: number): Reference {
  const graph = model as CnnModel & { inputName?: string; output?: string };
  const inName = graph.inputName ?? 'input';
  const names = model.layers.map((l, i) => l.name ?? `#${i}`);
  const outName = graph.output ?? names[names.length - 1];
  const out: Reference[] = [];
  const shape = model.inputShape;
  const inSize = shape.reduce((a, b) => a * b, 1);
  for (let b = 0; b < batch; b++) {
    const tensors = new Map<string, T>();
    const x = shape.length === 1 ? newT(1, 1, shape[0], true) : model.layout === 'NHWC' ? newT(shape[0], shape[1], shape[2], false) : newT(shape[1], shape[2], shape[0], false);
    for (let i = 0; i < inSize; i++) {
      // NCHW input index i = (c, h, w) → internal (h, w, c)
      const to = model.layout === 'NCHW' && !x.vector ? (i % (x.h * x.w)) * x.c + Math.floor(i / (x.h * x.w)) : i;
      x.y[to] = input[b * inSize + i];
    }
    tensors.set(inName, x);
    model.layers.forEach((l, i) => {
      const from = (l as { inputs?: string[] }).inputs ?? [i === 0 ? inName : names[i - 1]];
      const xs = from.map((n) => {
        const t = tensors.get(n);
        if (!t) throw new Error(`reference-cnn: layer ${names[i]} reads ${n}, which is not computed before it`);
        return t;
      });
      tensors.set(names[i], runLayer(l, xs, model));
    });
    const o = tensors.get(outName)!;
    out.push(toLayout(o, model.layout));
  }
  const n = out[0].y.length;
  const cat = (k: keyof Reference) => {
    const r = new Float64Array(batch * n);
    out.forEach((o, b) => r.set(o[k], b * n));
    return r;
  };
  return { y: cat('y'), tol32: cat('tol32'), tolParams: cat('tolParams') };
}

function toLayout(t: T, layout: string): Reference {
  if (t.vector || layout === 'NHWC') return { y: t.y, tol32: t.e32, tolParams: t.ep };
  const r = { y: new Float64Array(t.y.length), tol32: new Float64Array(t.y.length), tolParams: new Float64Array(t.y.length) };
  for (let p = 0; p < t.h * t.w; p++)
    for (let c = 0; c < t.c; c++) {
      r.y[c * t.h * t.w + p] = t.y[p * t.c + c];
      r.tol32[c * t.h * t.w + p] = t.e32[p * t.c + c];
      r.tolParams[c * t.h * t.w + p] = t.ep[p * t.c + c];
    }
  return r;
}
