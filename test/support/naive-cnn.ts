/**
 * A deliberately naive reference CNN for tests: loops straight from the definitions, float64
 * accumulation, one sample at a time. It runs the ops of planModel (so pads and shapes are
 * resolved once, by the same rules runCnn uses) but shares no kernel code with cnn2mlp.
 */
import { planModel, FLAG_COUNT_INCLUDE_PAD, FLAG_FLATTEN_CHW, OP, type ResolvedActivation } from '../../src/model/plan.js';
import type { CnnModel } from '../../src/model/types.js';

/** Applies `a` to v; softmax runs over each group of `channels` consecutive values (the channel axis). */
function applyAct(v: Float64Array, a: ResolvedActivation, channels: number): void {
  switch (a.name) {
    case 'linear':
      return;
    case 'softmax':
      for (let g = 0; g < v.length; g += channels) {
        const u = v.subarray(g, g + channels);
        let m = -Infinity;
        for (const x of u) m = Math.max(m, x);
        let s = 0;
        for (let i = 0; i < u.length; i++) s += u[i] = Math.exp(u[i] - m);
        for (let i = 0; i < u.length; i++) u[i] /= s;
      }
      return;
  }
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    switch (a.name) {
      case 'relu':
        v[i] = Math.max(0, x);
        break;
      case 'leakyRelu':
        v[i] = x >= 0 ? x : a.alpha * x;
        break;
      case 'clip':
        v[i] = Math.min(Math.max(x, a.min), a.max);
        break;
      case 'sigmoid':
        v[i] = 1 / (1 + Math.exp(-x));
        break;
      case 'tanh':
        v[i] = Math.tanh(x);
        break;
      case 'elu':
        v[i] = x >= 0 ? x : a.alpha * (Math.exp(x) - 1);
        break;
      case 'selu':
        v[i] = 1.0507009873554805 * (x >= 0 ? x : 1.6732632423543772 * (Math.exp(x) - 1));
        break;
      case 'softplus':
        v[i] = Math.log1p(Math.exp(x));
        break;
      default:
        throw new Error(`naive-cnn: activation ${a.name}`);
    }
  }
}

/** Runs `model` on `batch` samples laid out in the model's layout; returns batch × outputSize (float64). */
export function naiveCnn(model: CnnModel, input: Float32Array, batch: number): Float64Array {
  const plan = planModel(model);
  const T = plan.tensors;
  const out = new Float64Array(batch * plan.outputSize);
  for (let b = 0; b < batch; b++) {
    const x0 = input.subarray(b * plan.inputSize, (b + 1) * plan.inputSize);
    // internal layout: (h, w, c)
    let cur = new Float64Array(plan.inputSize);
    if (plan.inputShape.kind === 'spatial' && model.layout === 'NCHW') {
      const { h: H, w: W, c: C } = plan.inputShape;
      for (let c = 0; c < C; c++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) cur[(y * W + x) * C + c] = x0[(c * H + y) * W + x];
    } else cur.set(x0);
    for (const op of plan.ops) {
      const { inH: H, inW: W, inC: C, outH: OH, outW: OW, outC: OC } = op;
      const [pt, , pl] = op.pads;
      const nxt = new Float64Array(OH * OW * OC);
      const at = (y: number, x: number, c: number) => cur[(y * W + x) * C + c];
      switch (op.op) {
        case OP.conv2d: {
          const w = T[op.weights];
          const bias = op.bias >= 0 ? T[op.bias] : undefined;
          const cig = C / op.groups;
          const cog = OC / op.groups;
          for (let oy = 0; oy < OH; oy++)
            for (let ox = 0; ox < OW; ox++)
              for (let o = 0; o < OC; o++) {
                const g = Math.floor(o / cog);
                let s = bias ? bias[o] : 0;
                for (let ky = 0; ky < op.kh; ky++)
                  for (let kx = 0; kx < op.kw; kx++) {
                    const y = oy * op.sh - pt + ky * op.dh;
                    const x = ox * op.sw - pl + kx * op.dw;
                    if (y < 0 || y >= H || x < 0 || x >= W) continue;
                    for (let i = 0; i < cig; i++) s += at(y, x, g * cig + i) * w[((ky * op.kw + kx) * cig + i) * OC + o];
                  }
                nxt[(oy * OW + ox) * OC + o] = s;
              }
          break;
        }
        case OP.dense: {
          const w = T[op.weights];
          const bias = op.bias >= 0 ? T[op.bias] : undefined;
          for (let o = 0; o < OC; o++) {
            let s = bias ? bias[o] : 0;
            for (let i = 0; i < C; i++) s += cur[i] * w[i * OC + o];
            nxt[o] = s;
          }
          break;
        }
        case OP.maxPool2d:
        case OP.avgPool2d: {
          const isMax = op.op === OP.maxPool2d;
          const [, pb, , pr] = op.pads;
          for (let oy = 0; oy < OH; oy++)
            for (let ox = 0; ox < OW; ox++)
              for (let c = 0; c < C; c++) {
                let m = -Infinity;
                let s = 0;
                let n = 0;
                let nPad = 0;
                for (let ky = 0; ky < op.kh; ky++)
                  for (let kx = 0; kx < op.kw; kx++) {
                    const y = oy * op.sh - pt + ky * op.dh;
                    const x = ox * op.sw - pl + kx * op.dw;
                    if (y < H + pb && x < W + pr) nPad++; // inside the explicitly padded input
                    if (y < 0 || y >= H || x < 0 || x >= W) continue;
                    const v = at(y, x, c);
                    m = Math.max(m, v);
                    s += v;
                    n++;
                  }
                nxt[(oy * OW + ox) * OC + c] = isMax ? m : s / (op.flags & FLAG_COUNT_INCLUDE_PAD ? nPad : n);
              }
          break;
        }
        case OP.globalAvgPool2d:
        case OP.globalMaxPool2d:
          for (let c = 0; c < C; c++) {
            let m = -Infinity;
            let s = 0;
            for (let i = 0; i < H * W; i++) {
              m = Math.max(m, cur[i * C + c]);
              s += cur[i * C + c];
            }
            nxt[c] = op.op === OP.globalMaxPool2d ? m : s / (H * W);
          }
          break;
        case OP.batchNorm:
          for (let i = 0; i < cur.length; i++) nxt[i] = cur[i] * T[op.weights][i % C] + T[op.bias][i % C];
          break;
        case OP.zeroPad2d:
          for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < C; c++) nxt[((y + pt) * OW + x + pl) * OC + c] = at(y, x, c);
          break;
        case OP.activation:
          nxt.set(cur);
          break;
        case OP.prelu:
          for (let i = 0; i < cur.length; i++) nxt[i] = cur[i] >= 0 ? cur[i] : T[op.weights][i % C] * cur[i];
          break;
        case OP.flatten:
          if (op.flags & FLAG_FLATTEN_CHW) {
            for (let c = 0, k = 0; c < C; c++) for (let i = 0; i < H * W; i++) nxt[k++] = cur[i * C + c];
          } else nxt.set(cur);
          break;
        default:
          throw new Error(`naive-cnn: op ${op.op}`);
      }
      applyAct(nxt, op.activation, OC);
      cur = nxt;
    }
    const o = out.subarray(b * plan.outputSize, (b + 1) * plan.outputSize);
    const s = plan.outputShape;
    if (s.kind === 'spatial' && model.layout === 'NCHW') {
      for (let c = 0; c < s.c; c++) for (let y = 0; y < s.h; y++) for (let x = 0; x < s.w; x++) o[(c * s.h + y) * s.w + x] = cur[(y * s.w + x) * s.c + c];
    } else o.set(cur);
  }
  return out;
}
