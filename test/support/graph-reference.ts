/**
 * An independent float64 reference for CnnModel graphs, written from the model contract (the
 * types' documentation, TF/Keras and ONNX operator specs), not from the planner: it resolves the
 * layer graph itself, computes every output size itself, and runs plain loop nests in double.
 * No runtime code from src/ (type imports only). Slow; small models only.
 *
 * Forms chosen to differ from the runtime's: transposed convolution scatters each input pixel into
 * the full output and then crops (the runtime gathers); upsampling computes source coordinates
 * per output pixel on the fly (the runtime uses tables).
 */
import type { Activation, ActivationSpec, CnnModel, Layer, Padding } from '../../src/model/types.js';

/** A tensor of one sample: (h, w, c) with c fastest; vectors have vec = true and h = w = 1. */
export interface T {
  h: number;
  w: number;
  c: number;
  d: Float64Array;
  vec: boolean;
}

const tensor = (h: number, w: number, c: number, vec = false): T => ({ h, w, c, d: new Float64Array(h * w * c), vec });

export function act(a: Activation | undefined, v: number): number {
  if (a === undefined) return v;
  const s: ActivationSpec = typeof a === 'string' ? { type: a } : a;
  const sig = (x: number) => 1 / (1 + Math.exp(-x));
  switch (s.type) {
    case 'relu': return Math.max(v, 0);
    case 'relu6': return Math.min(Math.max(v, 0), 6);
    case 'clip': return Math.min(Math.max(v, s.min ?? -Infinity), s.max ?? Infinity);
    case 'leakyRelu': return v >= 0 ? v : (s.alpha ?? 0.2) * v;
    case 'sigmoid': return sig(v);
    case 'tanh': return Math.tanh(v);
    case 'elu': return v >= 0 ? v : (s.alpha ?? 1) * Math.expm1(v);
    case 'selu': return v >= 0 ? 1.0507009873554805 * v : 1.0507009873554805 * 1.6732632423543772 * Math.expm1(v);
    case 'softplus': return Math.log1p(Math.exp(v));
    case 'hardSigmoid': return Math.min(Math.max((s.alpha ?? 0.2) * v + (s.beta ?? 0.5), 0), 1);
    case 'hardSwish': return (v * Math.min(Math.max(v + 3, 0), 6)) / 6;
    case 'swish': return v * sig(v);
    case 'linear': return v;
    case 'softmax': return v; // applied over the channel axis by applyAct
  }
} // prettier-ignore

function applyAct(t: T, a: Activation | undefined): T {
  const type = typeof a === 'string' ? a : a?.type;
  if (type === 'softmax') {
    for (let p = 0; p < t.h * t.w; p++) {
      const row = t.d.subarray(p * t.c, (p + 1) * t.c);
      const m = Math.max(...row);
      let s = 0;
      for (let k = 0; k < t.c; k++) s += row[k] = Math.exp(row[k] - m);
      for (let k = 0; k < t.c; k++) row[k] /= s;
    }
  } else for (let i = 0; i < t.d.length; i++) t.d[i] = act(a, t.d[i]);
  return t;
}

/** TF/ONNX window geometry along one axis: [out, padBefore]. */
function windowAxis(size: number, k: number, s: number, d: number, pad: Padding | undefined, axis: 0 | 1, ceil = false): [number, number] {
  const span = d * (k - 1) + 1;
  if (pad === 'same' || pad === 'sameLower') {
    const out = Math.ceil(size / s);
    const total = Math.max((out - 1) * s + span - size, 0);
    return [out, pad === 'same' ? Math.floor(total / 2) : Math.ceil(total / 2)];
  }
  const [b, a] = Array.isArray(pad) ? [pad[2 * axis], pad[2 * axis + 1]] : [0, 0];
  let out = (ceil ? Math.ceil : Math.floor)((size + b + a - span) / s) + 1;
  if (ceil && (out - 1) * s >= size + b) out--;
  return [out, b];
}

const pairOf = (p: [number, number] | undefined, d: number): [number, number] => p ?? [d, d];
const at = (t: T, y: number, x: number, c: number) => t.d[(y * t.w + x) * t.c + c];

function conv(l: Extract<Layer, { type: 'conv2d' }>, x: T): T {
  const [kh, kw] = l.kernelSize;
  const [sh, sw] = pairOf(l.strides, 1);
  const [dh, dw] = pairOf(l.dilation, 1);
  const [oh, pt] = windowAxis(x.h, kh, sh, dh, l.padding, 0);
  const [ow, pl] = windowAxis(x.w, kw, sw, dw, l.padding, 1);
  const G = l.groups ?? 1;
  const cinG = x.c / G;
  const coutG = l.filters / G;
  const o = tensor(oh, ow, l.filters);
  for (let oy = 0; oy < oh; oy++)
    for (let ox = 0; ox < ow; ox++)
      for (let co = 0; co < l.filters; co++) {
        const g = Math.floor(co / coutG);
        let s = l.bias ? l.bias[co] : 0;
        for (let ky = 0; ky < kh; ky++)
          for (let kx = 0; kx < kw; kx++) {
            const iy = oy * sh - pt + ky * dh;
            const ix = ox * sw - pl + kx * dw;
            if (iy < 0 || iy >= x.h || ix < 0 || ix >= x.w) continue;
            for (let ci = 0; ci < cinG; ci++) s += at(x, iy, ix, g * cinG + ci) * l.weights[((ky * kw + kx) * cinG + ci) * l.filters + co];
          }
        o.d[(oy * ow + ox) * l.filters + co] = s;
      }
  return applyAct(o, l.activation);
}

/** Scatter form: every input pixel adds its contribution to the full (uncropped) output; then crop. */
function convTranspose(l: Extract<Layer, { type: 'conv2dTranspose' }>, x: T): T {
  const [kh, kw] = l.kernelSize;
  const [sh, sw] = pairOf(l.strides, 1);
  const [dh, dw] = pairOf(l.dilation, 1);
  const G = l.groups ?? 1;
  const F = l.filters;
  const cinG = x.c / G;
  const coutG = F / G;
  const axis = (size: number, k: number, s: number, d: number, op: number | undefined, a: 0 | 1): [number, number] => {
    const span = d * (k - 1) + 1;
    const full = (size - 1) * s + span;
    const pad = l.padding ?? 'valid';
    if (pad === 'valid') return [op === undefined ? size * s + Math.max(span - s, 0) : full + op, 0];
    if (pad === 'same') {
      const out = op === undefined ? size * s : full - 2 * Math.floor(span / 2) + op;
      return [out, Math.floor(Math.max(full - out, 0) / 2)];
    }
    return [full - pad[2 * a] - pad[2 * a + 1] + (op ?? 0), pad[2 * a]];
  };
  const [oh, ct] = axis(x.h, kh, sh, dh, l.outputPadding?.[0], 0);
  const [ow, cl] = axis(x.w, kw, sw, dw, l.outputPadding?.[1], 1);
  const fh = Math.max((x.h - 1) * sh + dh * (kh - 1) + 1, oh + ct);
  const fw = Math.max((x.w - 1) * sw + dw * (kw - 1) + 1, ow + cl);
  const full = tensor(fh, fw, F);
  for (let iy = 0; iy < x.h; iy++)
    for (let ix = 0; ix < x.w; ix++)
      for (let ci = 0; ci < x.c; ci++) {
        const g = Math.floor(ci / cinG);
        const v = at(x, iy, ix, ci);
        for (let ky = 0; ky < kh; ky++)
          for (let kx = 0; kx < kw; kx++)
            for (let o = 0; o < coutG; o++) {
              const w = l.weights[((ky * kw + kx) * coutG + o) * x.c + ci];
              full.d[((iy * sh + ky * dh) * fw + ix * sw + kx * dw) * F + g * coutG + o] += v * w;
            }
      }
  const out = tensor(oh, ow, F);
  for (let y = 0; y < oh; y++)
    for (let xx = 0; xx < ow; xx++)
      for (let c = 0; c < F; c++) out.d[(y * ow + xx) * F + c] = full.d[((y + ct) * fw + xx + cl) * F + c] + (l.bias ? l.bias[c] : 0);
  return applyAct(out, l.activation);
}

function pool(l: Extract<Layer, { type: 'maxPool2d' | 'avgPool2d' }>, x: T): T {
  const [kh, kw] = l.poolSize;
  const [sh, sw] = l.strides ?? l.poolSize;
  const [dh, dw] = pairOf(l.dilation, 1);
  const [oh, pt] = windowAxis(x.h, kh, sh, dh, l.padding, 0, l.ceilMode);
  const [ow, pl] = windowAxis(x.w, kw, sw, dw, l.padding, 1, l.ceilMode);
  if (l.countIncludePad) throw new Error('graph-reference: countIncludePad not modelled');
  const o = tensor(oh, ow, x.c);
  for (let oy = 0; oy < oh; oy++)
    for (let ox = 0; ox < ow; ox++)
      for (let c = 0; c < x.c; c++) {
        let m = -Infinity;
        let s = 0;
        let n = 0;
        for (let ky = 0; ky < kh; ky++)
          for (let kx = 0; kx < kw; kx++) {
            const iy = oy * sh - pt + ky * dh;
            const ix = ox * sw - pl + kx * dw;
            if (iy < 0 || iy >= x.h || ix < 0 || ix >= x.w) continue;
            m = Math.max(m, at(x, iy, ix, c));
            s += at(x, iy, ix, c);
            n++;
          }
        o.d[(oy * ow + ox) * x.c + c] = l.type === 'maxPool2d' ? m : s / n;
      }
  return o;
}

/** ONNX Resize source coordinate and rounding, per output index. */
function source(x: number, s: number, inLen: number, mode: string): number {
  const out = inLen * s;
  if (mode === 'halfPixel') return (x + 0.5) / s - 0.5;
  if (mode === 'pytorchHalfPixel') return out > 1 ? (x + 0.5) / s - 0.5 : 0;
  if (mode === 'alignCorners') return out > 1 ? (x * (inLen - 1)) / (out - 1) : 0;
  return x / s;
}

function nearest(v: number, mode: string): number {
  const f = Math.floor(v);
  if (mode === 'ceil') return Math.ceil(v);
  if (mode === 'roundPreferFloor') return v - f === 0.5 ? f : Math.round(v);
  if (mode === 'roundPreferCeil') return v - f === 0.5 ? f + 1 : Math.round(v);
  return f;
}

function upsample(l: Extract<Layer, { type: 'upsample2d' }>, x: T): T {
  const [fh, fw] = l.size;
  const cm = l.coordinateMode ?? (l.mode === 'nearest' ? 'asymmetric' : 'halfPixel');
  const o = tensor(x.h * fh, x.w * fw, x.c);
  const clampH = (i: number) => Math.min(Math.max(i, 0), x.h - 1);
  const clampW = (i: number) => Math.min(Math.max(i, 0), x.w - 1);
  for (let y = 0; y < o.h; y++)
    for (let xx = 0; xx < o.w; xx++) {
      const sy = source(y, fh, x.h, cm);
      const sx = source(xx, fw, x.w, cm);
      for (let c = 0; c < x.c; c++) {
        let v: number;
        if (l.mode === 'nearest') v = at(x, clampH(nearest(sy, l.nearestMode ?? 'floor')), clampW(nearest(sx, l.nearestMode ?? 'floor')), c);
        else {
          const y0 = Math.floor(sy);
          const x0 = Math.floor(sx);
          const wy = sy - y0;
          const wx = sx - x0;
          const g = (yy: number, xq: number) => at(x, clampH(yy), clampW(xq), c);
          v = (1 - wy) * ((1 - wx) * g(y0, x0) + wx * g(y0, x0 + 1)) + wy * ((1 - wx) * g(y0 + 1, x0) + wx * g(y0 + 1, x0 + 1));
        }
        o.d[(y * o.w + xx) * x.c + c] = v;
      }
    }
  return o;
}

function elementwise(ins: T[], f: (vals: number[]) => number): T {
  const big = ins.reduce((a, b) => (b.d.length > a.d.length ? b : a));
  const o: T = { ...big, d: new Float64Array(big.d.length) };
  for (let i = 0; i < o.d.length; i++) o.d[i] = f(ins.map((t) => (t.d.length === o.d.length ? t.d[i] : t.d.length === 1 ? t.d[0] : t.d[i % o.c])));
  return o;
}

function runLayer(l: Layer, ins: T[], layout: CnnModel['layout']): T {
  const x = ins[0];
  switch (l.type) {
    case 'conv2d': return conv(l, x);
    case 'conv2dTranspose': return convTranspose(l, x);
    case 'dense': {
      const o = tensor(1, 1, l.units, true);
      for (let u = 0; u < l.units; u++) {
        let s = l.bias ? l.bias[u] : 0;
        for (let i = 0; i < x.c; i++) s += x.d[i] * l.weights[i * l.units + u];
        o.d[u] = s;
      }
      return applyAct(o, l.activation);
    }
    case 'flatten': {
      const o = tensor(1, 1, x.d.length, true);
      if (layout === 'NHWC') o.d.set(x.d);
      else for (let c = 0; c < x.c; c++) for (let p = 0; p < x.h * x.w; p++) o.d[c * x.h * x.w + p] = x.d[p * x.c + c];
      return o;
    }
    case 'maxPool2d':
    case 'avgPool2d': return pool(l, x);
    case 'globalAvgPool2d':
    case 'globalMaxPool2d': {
      const o = tensor(1, 1, x.c, true);
      for (let c = 0; c < x.c; c++) {
        let s = 0;
        let m = -Infinity;
        for (let p = 0; p < x.h * x.w; p++) (s += x.d[p * x.c + c]), (m = Math.max(m, x.d[p * x.c + c]));
        o.d[c] = l.type === 'globalAvgPool2d' ? s / (x.h * x.w) : m;
      }
      return o;
    }
    case 'batchNorm': {
      const eps = l.epsilon ?? 1e-3;
      const o = { ...x, d: new Float64Array(x.d.length) };
      for (let i = 0; i < o.d.length; i++) {
        const k = i % x.c;
        o.d[i] = ((x.d[i] - l.mean[k]) / Math.sqrt(l.variance[k] + eps)) * (l.gamma ? l.gamma[k] : 1) + (l.beta ? l.beta[k] : 0);
      }
      return o;
    }
    case 'scaleShift': {
      const pick = (a: Float32Array | undefined, i: number, d: number) => (a === undefined ? d : a.length === 1 ? a[0] : a[i % x.c]);
      const o = { ...x, d: x.d.map((v, i) => v * pick(l.scale, i, 1) + pick(l.shift, i, 0)) };
      return applyAct(o, l.activation);
    }
    case 'zeroPad2d': {
      const [t, b, le, r] = l.padding;
      const o = tensor(x.h + t + b, x.w + le + r, x.c);
      for (let y = 0; y < x.h; y++) for (let xx = 0; xx < x.w; xx++) for (let c = 0; c < x.c; c++) o.d[((y + t) * o.w + xx + le) * x.c + c] = at(x, y, xx, c);
      return o;
    }
    case 'cropping2d': {
      const [t, b, le, r] = l.cropping;
      const o = tensor(x.h - t - b, x.w - le - r, x.c);
      for (let y = 0; y < o.h; y++) for (let xx = 0; xx < o.w; xx++) for (let c = 0; c < x.c; c++) o.d[(y * o.w + xx) * x.c + c] = at(x, y + t, xx + le, c);
      return o;
    }
    case 'upsample2d': return upsample(l, x);
    case 'activation': return applyAct({ ...x, d: x.d.slice() }, l.activation);
    case 'prelu': return { ...x, d: x.d.map((v, i) => (v >= 0 ? v : (l.alpha.length === 1 ? l.alpha[0] : l.alpha[i % x.c]) * v)) };
    case 'add': return applyAct(elementwise(ins, (v) => v.reduce((a, b) => a + b, 0)), l.activation);
    case 'multiply': return elementwise(ins, ([a, b]) => a * b);
    case 'concat': {
      const C = ins.reduce((s, t) => s + t.c, 0);
      const o = tensor(x.h, x.w, C, ins.every((t) => t.vec));
      for (let p = 0; p < x.h * x.w; p++) {
        let off = 0;
        for (const t of ins) for (let c = 0; c < t.c; c++) o.d[p * C + off++] = t.d[p * t.c + c];
      }
      return o;
    }
  }
} // prettier-ignore

/** Runs `batch` samples (flat, model layout) through `model`; float64 outputs in the model layout. */
export function referenceCnn(model: CnnModel, input: ArrayLike<number>, batch: number): Float64Array {
  const nhwc = model.layout === 'NHWC';
  const s = model.inputShape;
  const rank1 = model.spatialRank === 1;
  const [h, w, c] = s.length === 1 ? [1, 1, s[0]] : rank1 ? (nhwc ? [1, s[0], s[1]] : [1, s[1], s[0]]) : nhwc ? [s[0], s[1], s[2]] : [s[1], s[2], s[0]];
  const inputName = model.inputName ?? 'input';
  const size = h * w * c;
  const outs: Float64Array[] = [];
  for (let b = 0; b < batch; b++) {
    const x = tensor(h, w, c, s.length === 1);
    for (let i = 0; i < size; i++) {
      const v = input[b * size + i];
      if (nhwc || x.vec) x.d[i] = v;
      else x.d[(i % (h * w)) * c + Math.floor(i / (h * w))] = v; // chw → hwc
    }
    const byName = new Map<string, T>([[inputName, x]]);
    let prev = x;
    for (const l of model.layers) {
      const ins = l.inputs ? l.inputs.map((n) => byName.get(n)!) : [prev];
      prev = runLayer(l, ins, model.layout);
      if (l.name) byName.set(l.name, prev);
    }
    const o = model.output ? byName.get(model.output)! : prev;
    if (nhwc || o.vec) outs.push(o.d);
    else {
      const chw = new Float64Array(o.d.length);
      for (let p = 0; p < o.h * o.w; p++) for (let k = 0; k < o.c; k++) chw[k * o.h * o.w + p] = o.d[p * o.c + k];
      outs.push(chw);
    }
  }
  const out = new Float64Array(outs.reduce((a, o) => a + o.length, 0));
  outs.forEach((o, i) => out.set(o, i * o.length));
  return out;
}
