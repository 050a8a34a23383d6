/**
 * A naive, obviously-correct CNN reference: one plain loop nest per plan op, in float64 (weights
 * are float32 values, every sum and activation is computed in double). Slow; for tests only.
 * Input and output are flat batches in the model's layout, exactly like runCnn.
 *
 * Semantics pinned here (shared with the converter and runCnn):
 *  - conv2d/pools: output (oy, ox) reads input (oy·sh − padTop + ky·dh, ox·sw − padLeft + kx·dw);
 *    taps outside the input are zero (conv), left out (max pool), or left out of the sum (avg pool).
 *  - avg pool divisor: the number of real input pixels in the window; with countIncludePad, the
 *    number of window taps inside the *padded* input [−padTop, inH + padBottom) × [−padLeft,
 *    inW + padRight) — taps past the explicit padding (ceil mode) never count (ONNX/PyTorch).
 *  - flatten reads (h, w, c) for NHWC and (c, h, w) for NCHW; softmax is over the last axis.
 */
import { ACT, FLAG_COUNT_INCLUDE_PAD, FLAG_FLATTEN_CHW, OP, planModel, type PlanOp, type ResolvedActivation } from '../../src/model/plan.js';
import type { CnnModel } from '../../src/model/types.js';

export function activate(a: ResolvedActivation | { code: number; alpha: number; min: number; max: number }, v: number): number {
  switch (a.code) {
    case ACT.relu:
      return v > 0 ? v : 0;
    case ACT.leakyRelu:
      return v >= 0 ? v : a.alpha * v;
    case ACT.clip:
      return Math.min(Math.max(v, a.min), a.max);
    case ACT.sigmoid:
      return 1 / (1 + Math.exp(-v));
    case ACT.tanh:
      return Math.tanh(v);
    case ACT.elu:
      return v >= 0 ? v : a.alpha * (Math.exp(v) - 1);
    case ACT.selu:
      return v >= 0 ? 1.0507009873554805 * v : 1.0507009873554805 * 1.6732632423543772 * (Math.exp(v) - 1);
    case ACT.softplus:
      return v > 20 ? v : Math.log1p(Math.exp(v));
    default:
      return v;
  }
}

/** Softmax over consecutive groups of `channels` values, in place. */
export function softmaxGroups(y: Float64Array, channels: number): void {
  for (let b = 0; b + channels <= y.length; b += channels) {
    let m = -Infinity;
    for (let c = 0; c < channels; c++) m = Math.max(m, y[b + c]);
    let s = 0;
    for (let c = 0; c < channels; c++) s += y[b + c] = Math.exp(y[b + c] - m);
    for (let c = 0; c < channels; c++) y[b + c] /= s;
  }
}

/** One sample through one op; x and the result are internal (h, w, c) arrays. */
function runOp(op: PlanOp, t: Float32Array[], x: Float64Array): Float64Array {
  const { inH, inW, inC, outH, outW, outC } = op;
  const at = (y: number, xx: number, c: number) => (y * inW + xx) * inC + c;
  const out = new Float64Array(outH * outW * outC);
  const [pt, pb, pl, pr] = op.pads;
  switch (op.op) {
    case OP.conv2d: {
      const W = t[op.weights];
      const B = op.bias >= 0 ? t[op.bias] : undefined;
      const cinG = inC / op.groups;
      const coutG = outC / op.groups;
      for (let oy = 0; oy < outH; oy++)
        for (let ox = 0; ox < outW; ox++)
          for (let co = 0; co < outC; co++) {
            const g = Math.floor(co / coutG);
            let s = B ? B[co] : 0;
            for (let ky = 0; ky < op.kh; ky++)
              for (let kx = 0; kx < op.kw; kx++) {
                const y = oy * op.sh - pt + ky * op.dh;
                const xx = ox * op.sw - pl + kx * op.dw;
                if (y < 0 || y >= inH || xx < 0 || xx >= inW) continue;
                for (let ci = 0; ci < cinG; ci++) s += x[at(y, xx, g * cinG + ci)] * W[((ky * op.kw + kx) * cinG + ci) * outC + co];
              }
            out[(oy * outW + ox) * outC + co] = s;
          }
      break;
    }
    case OP.dense: {
      const W = t[op.weights];
      const B = op.bias >= 0 ? t[op.bias] : undefined;
      for (let o = 0; o < outC; o++) {
        let s = B ? B[o] : 0;
        for (let i = 0; i < inC; i++) s += x[i] * W[i * outC + o];
        out[o] = s;
      }
      break;
    }
    case OP.maxPool2d:
    case OP.avgPool2d:
    case OP.globalMaxPool2d:
    case OP.globalAvgPool2d: {
      const isMax = op.op === OP.maxPool2d || op.op === OP.globalMaxPool2d;
      for (let oy = 0; oy < outH; oy++)
        for (let ox = 0; ox < outW; ox++)
          for (let c = 0; c < outC; c++) {
            let m = -Infinity;
            let s = 0;
            let n = 0;
            let padded = 0;
            for (let ky = 0; ky < op.kh; ky++)
              for (let kx = 0; kx < op.kw; kx++) {
                const y = oy * op.sh - pt + ky * op.dh;
                const xx = ox * op.sw - pl + kx * op.dw;
                if (y >= -pt && y < inH + pb && xx >= -pl && xx < inW + pr) padded++;
                if (y < 0 || y >= inH || xx < 0 || xx >= inW) continue;
                const v = x[at(y, xx, c)];
                m = Math.max(m, v);
                s += v;
                n++;
              }
            out[(oy * outW + ox) * outC + c] = isMax ? m : s / (op.flags & FLAG_COUNT_INCLUDE_PAD ? padded : n);
          }
      break;
    }
    case OP.batchNorm: {
      const sc = t[op.weights];
      const sh = t[op.bias];
      for (let i = 0; i < out.length; i++) out[i] = x[i] * sc[i % inC] + sh[i % inC];
      break;
    }
    case OP.zeroPad2d:
      for (let y = 0; y < inH; y++)
        for (let xx = 0; xx < inW; xx++)
          for (let c = 0; c < inC; c++) out[((y + pt) * outW + xx + pl) * outC + c] = x[at(y, xx, c)];
      break;
    case OP.prelu: {
      const a = t[op.weights];
      for (let i = 0; i < out.length; i++) out[i] = x[i] >= 0 ? x[i] : a[i % inC] * x[i];
      break;
    }
    case OP.activation:
      out.set(x);
      break;
    case OP.flatten:
      if (op.flags & FLAG_FLATTEN_CHW) {
        for (let c = 0; c < inC; c++)
          for (let p = 0; p < inH * inW; p++) out[c * inH * inW + p] = x[p * inC + c];
      } else out.set(x);
      break;
    default:
      throw new Error(`naive-cnn: op ${op.op} not implemented`);
  }
  if (op.activation.code === ACT.softmax) softmaxGroups(out, outC);
  else if (op.activation.code !== ACT.linear) for (let i = 0; i < out.length; i++) out[i] = activate(op.activation, out[i]);
  return out;
}

/** Runs `batch` samples (flat, model layout) through the model; returns float64 outputs in the model layout. */
export function naiveCnn(model: CnnModel, input: ArrayLike<number>, batch: number): Float64Array {
  const plan = planModel(model);
  if (plan.graph) throw new Error('naive-cnn walks chains of the original ops; use graph-reference.ts for graph models');
  const inSize = plan.inputSize;
  const outSize = plan.outputSize;
  const result = new Float64Array(batch * outSize);
  for (let b = 0; b < batch; b++) {
    let x: Float64Array = new Float64Array(inSize);
    const s = plan.inputShape;
    for (let i = 0; i < inSize; i++) x[i] = input[b * inSize + i];
    if (s.kind === 'spatial' && plan.layout === 'NCHW') {
      const hwc = new Float64Array(inSize);
      for (let c = 0; c < s.c; c++) for (let p = 0; p < s.h * s.w; p++) hwc[p * s.c + c] = x[c * s.h * s.w + p];
      x = hwc;
    }
    for (const op of plan.ops) x = runOp(op, plan.tensors, x);
    const o = plan.outputShape;
    if (o.kind === 'spatial' && plan.layout === 'NCHW') {
      for (let c = 0; c < o.c; c++) for (let p = 0; p < o.h * o.w; p++) result[b * outSize + c * o.h * o.w + p] = x[p * o.c + c];
    } else result.set(x, b * outSize);
  }
  return result;
}
