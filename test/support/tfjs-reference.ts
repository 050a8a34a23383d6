/**
 * The independent reference for runCnn: the same CnnModel rebuilt from @tensorflow/tfjs ops (pure
 * JS CPU backend) and run on the same input. Internally everything is NHWC; NCHW models get their
 * input transposed and a spatial output transposed back, and `flatten` of an NCHW model reads in
 * (c, h, w) order, as the model format defines.
 *
 * Mapping:
 *   conv2d            tf.conv2d ('same' → tfjs 'same'; 'valid'; sameLower / explicit → tfjs explicit
 *                     padding with pads computed here); stride > 1 together with dilation > 1 (which
 *                     tfjs refuses) runs at stride 1 and subsamples with tf.stridedSlice.
 *   depthwise         tf.depthwiseConv2d (HWIO [kh,kw,1,C·m] is tfjs's [kh,kw,C,m] in memory).
 *   grouped           tf.split of input and filters, one tf.conv2d per group, tf.concat.
 *   dense / flatten   tf.matMul / tf.reshape (tf.transpose first for NCHW).
 *   maxPool2d         tf.maxPool ('same'/'valid'; explicit pads via tf.pad with -Infinity).
 *   avgPool2d         tf.avgPool ('same'/'valid', which exclude padding from the divisor as TF does;
 *                     explicit pads with countIncludePad via zero tf.pad + 'valid').
 *   batchNorm, zeroPad2d, prelu, global pools: tf.batchNorm, tf.pad, tf.prelu, tf.mean/tf.max.
 *   activations       tfActivation (src/bench/peers/tfjs.ts, tfjs ops only): tf.relu/leakyRelu/
 *                     clipByValue/sigmoid/tanh/elu/selu/softplus/softmax; elu with alpha ≠ 1 as
 *                     tf.where(x ≥ 0, x, alpha·(exp(x) − 1)) (tf.elu has alpha 1 only).
 * What tfjs cannot express is computed by `naivePool` below, a direct TS loop written from the
 * ONNX definition: pools with ceil mode, with dilation, with sameLower padding, and avg pools with
 * explicit pads that exclude padding from the divisor.
 */
import * as tf from '@tensorflow/tfjs';
import type { Activation, CnnModel, Conv2dLayer, Padding, Pool2dLayer } from '../../src/model/types.js';
// tfjs ops only (no cnn2mlp runtime): the activation mapping is shared with the benchmark's tfjs peer.
import { tfActivation } from '../../src/bench/peers/tfjs.js';

let ready: Promise<void> | undefined;
/** Selects the pure-JS CPU backend once. */
export function tfReady(): Promise<void> {
  ready ??= tf.setBackend('cpu').then(() => tf.ready());
  return ready;
}

function pairOf(v: [number, number] | undefined, d: [number, number]): [number, number] {
  return v ?? d;
}

/** Pads (before, after) and output size along one axis, from the TF/ONNX definitions. */
function axisPads(size: number, k: number, s: number, d: number, padding: Padding, ax: 0 | 1, ceil: boolean): { before: number; after: number; out: number } {
  const span = d * (k - 1) + 1;
  if (padding === 'same' || padding === 'sameLower') {
    const out = Math.ceil(size / s);
    const total = Math.max(0, (out - 1) * s + span - size);
    const small = Math.floor(total / 2);
    const before = padding === 'same' ? small : total - small;
    return { before, after: total - before, out };
  }
  const before = padding === 'valid' ? 0 : padding[ax * 2];
  const after = padding === 'valid' ? 0 : padding[ax * 2 + 1];
  const padded = size + before + after;
  let out = ceil ? Math.ceil((padded - span) / s) + 1 : Math.floor((padded - span) / s) + 1;
  if (ceil && (out - 1) * s >= size + before) out--; // ONNX: no window starts in the trailing pad
  return { before, after, out };
}

function activate(x: tf.Tensor, a: Activation | undefined): tf.Tensor {
  return tfActivation(tf, x, a);
}

function conv(x: tf.Tensor4D, L: Conv2dLayer): tf.Tensor4D {
  const [kh, kw] = L.kernelSize;
  const [sh, sw] = pairOf(L.strides, [1, 1]);
  const [dh, dw] = pairOf(L.dilation, [1, 1]);
  const groups = L.groups ?? 1;
  const [, h, w, c] = x.shape;
  const padding = L.padding ?? 'valid';
  const strided = (sh > 1 || sw > 1) && (dh > 1 || dw > 1);
  let pad: 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
  if ((padding === 'same' || padding === 'valid') && !strided) pad = padding;
  else {
    const ph = axisPads(h, kh, sh, dh, padding, 0, false);
    const pw = axisPads(w, kw, sw, dw, padding, 1, false);
    pad = [[0, 0], [ph.before, ph.after], [pw.before, pw.after], [0, 0]];
  }
  const st: [number, number] = strided ? [1, 1] : [sh, sw];
  const cin = c / groups;
  const filters = L.filters;
  let y: tf.Tensor4D;
  if (groups === 1) {
    y = tf.conv2d(x, tf.tensor4d(L.weights, [kh, kw, c, filters]), st, pad, 'NHWC', [dh, dw]);
  } else if (cin === 1 && groups === c) {
    y = tf.depthwiseConv2d(x, tf.tensor4d(L.weights, [kh, kw, c, filters / c]), st, pad, 'NHWC', [dh, dw]);
  } else {
    const wAll = tf.tensor4d(L.weights, [kh, kw, cin, filters]);
    const xs = tf.split(x, groups, 3);
    const ws = tf.split(wAll, groups, 3);
    y = tf.concat(xs.map((xg, g) => tf.conv2d(xg as tf.Tensor4D, ws[g] as tf.Tensor4D, st, pad, 'NHWC', [dh, dw])), 3);
  }
  if (strided) {
    const [n, oh, ow, oc] = y.shape;
    y = tf.stridedSlice(y, [0, 0, 0, 0], [n, oh, ow, oc], [1, sh, sw, 1]) as tf.Tensor4D;
  }
  if (L.bias) y = tf.add(y, tf.tensor1d(L.bias));
  return activate(y, L.activation) as tf.Tensor4D;
}

/** Direct pooling loop from the ONNX MaxPool/AveragePool definition (NHWC, batch n). */
export function naivePool(x: Float32Array, n: number, h: number, w: number, c: number, L: Pool2dLayer): { data: Float32Array; oh: number; ow: number } {
  const [kh, kw] = L.poolSize;
  const [sh, sw] = pairOf(L.strides, L.poolSize);
  const [dh, dw] = pairOf(L.dilation, [1, 1]);
  const padding = L.padding ?? 'valid';
  const ph = axisPads(h, kh, sh, dh, padding, 0, L.ceilMode === true);
  const pw = axisPads(w, kw, sw, dw, padding, 1, L.ceilMode === true);
  const isMax = L.type === 'maxPool2d';
  const out = new Float32Array(n * ph.out * pw.out * c);
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < ph.out; oy++)
      for (let ox = 0; ox < pw.out; ox++)
        for (let ch = 0; ch < c; ch++) {
          let acc = isMax ? -Infinity : 0;
          let inside = 0;
          let inPadded = 0;
          for (let ky = 0; ky < kh; ky++)
            for (let kx = 0; kx < kw; kx++) {
              const iy = oy * sh - ph.before + ky * dh;
              const ix = ox * sw - pw.before + kx * dw;
              // count_include_pad counts taps inside the padded extent (not past its end in ceil mode)
              if (iy < h + ph.after && ix < w + pw.after) inPadded++;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
              inside++;
              const v = x[((b * h + iy) * w + ix) * c + ch];
              acc = isMax ? Math.max(acc, v) : acc + v;
            }
          const div = L.countIncludePad ? inPadded : inside;
          out[((b * ph.out + oy) * pw.out + ox) * c + ch] = isMax ? (inside ? acc : 0) : div ? acc / div : 0;
        }
  return { data: out, oh: ph.out, ow: pw.out };
}

function pool(x: tf.Tensor4D, L: Pool2dLayer): tf.Tensor4D {
  const padding = L.padding ?? 'valid';
  const [dh, dw] = pairOf(L.dilation, [1, 1]);
  const strides = pairOf(L.strides, L.poolSize);
  const isMax = L.type === 'maxPool2d';
  const simple = !L.ceilMode && dh === 1 && dw === 1 && padding !== 'sameLower';
  if (simple && (padding === 'same' || padding === 'valid') && !(padding === 'same' && L.countIncludePad && !isMax))
    return isMax ? tf.maxPool(x, L.poolSize, strides, padding) : tf.avgPool(x, L.poolSize, strides, padding);
  if (simple && Array.isArray(padding) && (isMax || L.countIncludePad)) {
    const [t, b, l, r] = padding;
    const padded = tf.pad(x, [[0, 0], [t, b], [l, r], [0, 0]], isMax ? -Infinity : 0);
    return isMax ? tf.maxPool(padded, L.poolSize, strides, 'valid') : tf.avgPool(padded, L.poolSize, strides, 'valid');
  }
  const [n, h, w, c] = x.shape;
  const r = naivePool(x.dataSync() as Float32Array, n, h, w, c, L);
  return tf.tensor4d(r.data, [n, r.oh, r.ow, c]);
}

/**
 * Runs `model` on `x` (batch × sample size, in the model's layout) with tfjs and returns the output
 * in the model's layout. Call `await tfReady()` first.
 */
export function tfjsPredict(model: CnnModel, x: Float32Array, batch: number): Float32Array {
  return tf.tidy(() => {
    const s = model.inputShape;
    let t: tf.Tensor;
    if (s.length === 1) t = tf.tensor2d(x, [batch, s[0]]);
    else if (model.layout === 'NHWC') t = tf.tensor4d(x, [batch, s[0], s[1], s[2]]);
    else t = tf.transpose(tf.tensor4d(x, [batch, s[0], s[1], s[2]]), [0, 2, 3, 1]);
    for (const L of model.layers) {
      switch (L.type) {
        case 'conv2d':
          t = conv(t as tf.Tensor4D, L);
          break;
        case 'dense':
          t = tf.matMul(t as tf.Tensor2D, tf.tensor2d(L.weights, [t.shape[1]!, L.units]));
          if (L.bias) t = tf.add(t, tf.tensor1d(L.bias));
          t = activate(t, L.activation);
          break;
        case 'flatten':
          if (t.rank === 4 && model.layout === 'NCHW') t = tf.transpose(t, [0, 3, 1, 2]);
          t = tf.reshape(t, [batch, -1]);
          break;
        case 'maxPool2d':
        case 'avgPool2d':
          t = pool(t as tf.Tensor4D, L);
          break;
        case 'globalAvgPool2d':
          t = tf.mean(t, [1, 2]);
          break;
        case 'globalMaxPool2d':
          t = tf.max(t, [1, 2]);
          break;
        case 'batchNorm':
          t = tf.batchNorm(t, tf.tensor1d(L.mean), tf.tensor1d(L.variance), L.beta ? tf.tensor1d(L.beta) : undefined, L.gamma ? tf.tensor1d(L.gamma) : undefined, L.epsilon ?? 1e-3);
          break;
        case 'zeroPad2d': {
          const [a, b, c, d] = L.padding;
          t = tf.pad(t, [[0, 0], [a, b], [c, d], [0, 0]]);
          break;
        }
        case 'activation':
          t = activate(t, L.activation);
          break;
        case 'prelu':
          t = tf.prelu(t, tf.tensor1d(L.alpha));
          break;
      }
    }
    if (t.rank === 4 && model.layout === 'NCHW') t = tf.transpose(t, [0, 3, 1, 2]);
    return t.dataSync() as Float32Array;
  });
}

/** Largest reduction length K = kh·kw·cin/groups (or dense inputs) in the model: sets the tolerance. */
export function maxReduction(model: CnnModel): number {
  let c = model.layout === 'NHWC' ? model.inputShape[model.inputShape.length - 1] : model.inputShape[0];
  let k = 1;
  for (const L of model.layers) {
    if (L.type === 'conv2d') {
      k = Math.max(k, L.kernelSize[0] * L.kernelSize[1] * (c / (L.groups ?? 1)));
      c = L.filters;
    } else if (L.type === 'dense') {
      k = Math.max(k, L.weights.length / L.units);
      c = L.units;
    } else if (L.type === 'avgPool2d' || L.type === 'maxPool2d') {
      k = Math.max(k, L.poolSize[0] * L.poolSize[1]);
    }
  }
  return k;
}
