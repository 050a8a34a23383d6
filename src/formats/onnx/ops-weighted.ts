/**
 * ONNX ops with weights or windows → CnnModel layers: Conv, ConvTranspose, MaxPool, AveragePool,
 * the global pools, BatchNormalization, Pad, Gemm and MatMul. 1-D ops ([N, C, L]) become the 2-D
 * layers with height 1. Conv weights go from OIHW to HWIO, ConvTranspose's [C_in, C_out/g, kh, kw]
 * to [kh, kw, C_out/g, C_in], Gemm/MatMul weights to [in, out] with alpha and beta folded in.
 */
import { count, spatial, type Data, type Value } from './builder.js';
import { OpCtx, paddingOf, windowOut, windowPair, windowRank } from './context.js';
import { padOperands } from './opset.js';
import { bad, unsupported } from './tensor.js';

function conv(c: OpCtx): Value {
  const x = c.data(0);
  const r = windowRank(x, c.where);
  const wt = c.constant(1, 'weight');
  if (wt.dims.length !== r + 2) throw unsupported(`${c.where}: weights of rank ${wt.dims.length} on a ${r}-D input`);
  const [o, ig] = wt.dims;
  const [kh, kw] = r === 1 ? [1, wt.dims[2]] : [wt.dims[2], wt.dims[3]];
  const cin = x.dims[0];
  const group = c.a.int('group', 1);
  if (group < 1 || cin % group !== 0 || ig * group !== cin || o % group !== 0)
    throw bad(`${c.where}: weights [${wt.dims.join(', ')}] with group ${group} do not fit ${cin} input channels`);
  const ks = windowPair(c, 'kernel_shape', r, 0);
  if (c.a.has('kernel_shape') && (ks[0] !== kh || ks[1] !== kw)) throw bad(`${c.where}: kernel_shape differs from the weights' [${wt.dims.slice(2).join(', ')}]`);
  const strides = windowPair(c, 'strides', r, 1);
  const dilation = windowPair(c, 'dilations', r, 1);
  const padding = paddingOf(c, r);
  const w = c.floats(wt);
  const hwio = new Float32Array(w.length);
  for (let oo = 0; oo < o; oo++)
    for (let ii = 0; ii < ig; ii++)
      for (let y = 0; y < kh; y++) for (let z = 0; z < kw; z++) hwio[((y * kw + z) * ig + ii) * o + oo] = w[((oo * ig + ii) * kh + y) * kw + z];
  const bt = c.optConstant(2, 'bias');
  const bias = bt ? c.floats(bt) : undefined;
  if (bias && bias.length !== o) throw bad(`${c.where}: bias has ${bias.length} values for ${o} filters`);
  const dims = windowOut(x.dims, [kh, kw], strides, dilation, padding, false, c.where, o);
  return c.b.emit({ type: 'conv2d', filters: o, kernelSize: [kh, kw], strides, dilation, padding, groups: group, weights: hwio, bias }, [x], c.out, dims, false);
}

/** ConvTranspose pads: explicit, or derived from auto_pad / output_shape as ONNX specifies. */
function transposePads(c: OpCtx, r: number, inLen: number[], k: number[], s: number[], d: number[], op: number[]): number[] {
  const auto = c.a.string('auto_pad', 'NOTSET');
  const outShape = c.a.ints('output_shape');
  if (!outShape && (auto === 'NOTSET' || auto === '')) return c.a.ints('pads') ?? new Array<number>(2 * r).fill(0);
  if (!outShape && auto === 'VALID') return new Array<number>(2 * r).fill(0);
  const want = outShape ? outShape.slice(-r) : inLen.map((n, j) => n * s[j]);
  const begin: number[] = [];
  const end: number[] = [];
  for (let j = 0; j < r; j++) {
    const total = s[j] * (inLen[j] - 1) + op[j] + (k[j] - 1) * d[j] + 1 - want[j];
    if (total < 0) {
      // an output_shape past the full result adds zero-input rows at the end, as output_padding does
      op[j] -= total;
      begin.push(0);
      end.push(0);
      continue;
    }
    const small = Math.floor(total / 2);
    begin.push(auto === 'SAME_UPPER' ? small : total - small);
    end.push(total - begin[j]);
  }
  return [...begin, ...end];
}

function convTranspose(c: OpCtx): Value {
  const x = c.data(0);
  const r = windowRank(x, c.where);
  const wt = c.constant(1, 'weight');
  if (wt.dims.length !== r + 2) throw unsupported(`${c.where}: weights of rank ${wt.dims.length} on a ${r}-D input`);
  const [cin, og] = wt.dims;
  const kk = wt.dims.slice(2);
  const group = c.a.int('group', 1);
  if (cin !== x.dims[0] || group < 1 || cin % group !== 0) throw bad(`${c.where}: weights [${wt.dims.join(', ')}] with group ${group} do not fit ${x.dims[0]} input channels`);
  const filters = og * group;
  const list = (name: string, def: number) => c.a.ints(name) ?? new Array<number>(r).fill(def);
  const s = list('strides', 1);
  const d = list('dilations', 1);
  const op = list('output_padding', 0);
  const inLen = x.dims.slice(1);
  const pads = transposePads(c, r, inLen, kk, s, d, op);
  const pair = (v: number[]): [number, number] => (r === 1 ? [1, v[0]] : [v[0], v[1]]);
  const padding: [number, number, number, number] = r === 1 ? [0, 0, pads[0], pads[1]] : [pads[0], pads[2], pads[1], pads[3]];
  const [kh, kw] = pair(kk);
  const w = c.floats(wt);
  // [C_in, C_out/g, kh, kw] → [kh, kw, C_out/g, C_in]
  const out = new Float32Array(w.length);
  for (let i = 0; i < cin; i++)
    for (let o = 0; o < og; o++)
      for (let y = 0; y < kh; y++) for (let z = 0; z < kw; z++) out[((y * kw + z) * og + o) * cin + i] = w[((i * og + o) * kh + y) * kw + z];
  const bt = c.optConstant(2, 'bias');
  const bias = bt ? c.floats(bt) : undefined;
  if (bias && bias.length !== filters) throw bad(`${c.where}: bias has ${bias.length} values for ${filters} filters`);
  const len = inLen.map((n, j) => s[j] * (n - 1) + op[j] + (kk[j] - 1) * d[j] + 1 - pads[j] - pads[j + r]);
  if (len.some((n) => n < 1)) throw bad(`${c.where}: the output would have length [${len.join(', ')}]`);
  const spec = { type: 'conv2dTranspose' as const, filters, kernelSize: [kh, kw] as [number, number], strides: pair(s), dilation: pair(d), padding, groups: group, weights: out, bias };
  return c.b.emit(op.some((v) => v !== 0) ? { ...spec, outputPadding: pair(op) } : spec, [x], c.out, [filters, ...len], false);
}

function pool(c: OpCtx): Value {
  const x = c.data(0);
  const r = windowRank(x, c.where);
  if (!c.a.has('kernel_shape')) throw bad(`${c.where}: kernel_shape is required`);
  const poolSize = windowPair(c, 'kernel_shape', r, 1);
  const strides = windowPair(c, 'strides', r, 1);
  const dilation = windowPair(c, 'dilations', r, 1);
  const padding = paddingOf(c, r);
  const ceilMode = c.a.int('ceil_mode', 0) === 1;
  const isMax = c.op === 'MaxPool';
  if (isMax && c.a.int('storage_order', 0) !== 0 && (c.node.output?.length ?? 0) > 1) throw unsupported(`${c.where}: the Indices output`);
  const countIncludePad = !isMax && c.a.int('count_include_pad', 0) === 1;
  const dims = windowOut(x.dims, poolSize, strides, dilation, padding, ceilMode, c.where, x.dims[0]);
  return c.b.emit({ type: isMax ? 'maxPool2d' : 'avgPool2d', poolSize, strides, dilation, padding, ceilMode, countIncludePad }, [x], c.out, dims, false);
}

/** A global pool keeps ONNX's [C, 1, 1] dims; the CnnModel tensor is the vector [C]. */
export function globalPool(c: OpCtx, x: Data, max: boolean, keep: boolean): Value {
  spatial(x, c.where);
  const dims = keep ? x.dims.map((v, k) => (k === 0 ? v : 1)) : [x.dims[0]];
  return c.b.emit({ type: max ? 'globalMaxPool2d' : 'globalAvgPool2d' }, [x], c.out, dims, true);
}

function batchNorm(c: OpCtx): Value {
  const x = c.data(0);
  if (c.a.int('training_mode', 0) !== 0) throw unsupported(`${c.where}: training_mode=1; only inference batch normalisation (running statistics) is supported`);
  if (c.opset < 7 && c.a.has('is_test') && c.a.int('is_test', 0) === 0)
    throw unsupported(`${c.where}: is_test=0 asks for training-mode batch statistics; only inference (is_test=1) is supported`);
  if (c.opset < 9 && c.a.int('spatial', 1) !== 1) throw unsupported(`${c.where}: spatial=0 (one statistic per activation, not per channel)`);
  const ch = x.dims[0];
  const vec = (k: number, what: string) => {
    const v = c.floats(c.constant(k, what));
    if (v.length !== ch) throw bad(`${c.where}: ${what} has ${v.length} values for ${ch} channels`);
    return v;
  };
  const spec = { type: 'batchNorm' as const, gamma: vec(1, 'scale'), beta: vec(2, 'B'), mean: vec(3, 'mean'), variance: vec(4, 'var'), epsilon: c.a.float('epsilon', 1e-5) };
  return c.b.emit(spec, [x], c.out, x.dims, x.vector);
}

function pad(c: OpCtx): Value {
  const x = c.data(0);
  const rank = x.dims.length + 1;
  const ins = c.ins.map((v, k) => (v && k > 0 ? c.constant(k, k === 1 ? 'pads' : k === 2 ? 'constant_value' : 'axes') : undefined));
  const { pads, mode, value } = padOperands(c.opset, c.a, rank, ins, c.where);
  if (mode !== 'constant') throw unsupported(`${c.where}: Pad mode '${mode}'; only constant padding is supported`);
  if (pads.length !== 2 * rank) throw bad(`${c.where}: pads has ${pads.length} values for rank ${rank}`);
  if (pads.some((p) => p < 0)) throw unsupported(`${c.where}: negative pads (cropping) [${pads.join(', ')}]`);
  if (pads[0] || pads[1] || pads[rank] || pads[rank + 1]) throw unsupported(`${c.where}: padding the batch or channel axis`);
  if (rank !== 3 && rank !== 4) throw unsupported(`${c.where}: Pad of a rank-${rank} tensor; cnn2mlp pads [N, C, H, W] and [N, C, L]`);
  const p: [number, number, number, number] = rank === 4 ? [pads[2], pads[6], pads[3], pads[7]] : [0, 0, pads[2], pads[5]];
  const dims = rank === 4 ? [x.dims[0], x.dims[1] + p[0] + p[1], x.dims[2] + p[2] + p[3]] : [x.dims[0], x.dims[1] + p[2] + p[3]];
  if (value === 0) return c.b.emit({ type: 'zeroPad2d', padding: p }, [x], c.out, dims, false);
  // pad(x, v) = pad(x − v, 0) + v
  const shifted = c.b.emit({ type: 'scaleShift', shift: Float32Array.of(-value) }, [x], `${c.out}_minus_value`, x.dims, false);
  const padded = c.b.emit({ type: 'zeroPad2d', padding: p }, [shifted], `${c.out}_zero_padded`, dims, false);
  return c.b.emit({ type: 'scaleShift', shift: Float32Array.of(value) }, [padded], c.out, dims, false);
}

/** Gemm / MatMul with the data as [N, K] and constant weights. */
function dense(c: OpCtx): Value {
  const gemm = c.op === 'Gemm';
  const x = c.data(0);
  if (x.dims.length !== 1) throw unsupported(`${c.where} needs a [N, features] input but receives [N, ${x.dims.join(', ')}]; flatten it first`);
  if (gemm && c.a.int('transA', 0) !== 0)
    throw unsupported(`${c.where}: transA=1 on the data input would put the batch on axis 1; cnn2mlp keeps the batch on axis 0`);
  const bt = c.constant(1, 'B (weight)');
  const transB = gemm && c.a.int('transB', 0) === 1;
  if (bt.dims.length !== 2) throw unsupported(`${c.where}: B has rank ${bt.dims.length}; expected 2`);
  const [r0, c0] = bt.dims;
  const K = transB ? c0 : r0;
  const N = transB ? r0 : c0;
  if (K !== x.dims[0]) throw bad(`${c.where}: B [${r0}, ${c0}]${transB ? ' (transB)' : ''} expects ${K} inputs but receives ${x.dims[0]}`);
  const alpha = gemm ? c.a.float('alpha', 1) : 1;
  const beta = gemm ? c.a.float('beta', 1) : 1;
  const b = c.floats(bt);
  const w = new Float32Array(K * N);
  for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) w[k * N + n] = alpha * (transB ? b[n * K + k] : b[k * N + n]);
  let bias: Float32Array | undefined;
  const ct = gemm ? c.optConstant(2, 'C (bias)') : undefined;
  if (ct) {
    const cv = c.floats(ct);
    // C broadcasts to [N_batch, units]: a scalar, [units] or [1, units]; a per-sample C ([batch, units]) cannot be
    if (count(ct.dims) !== cv.length || !(cv.length === 1 || (cv.length === N && ct.dims[ct.dims.length - 1] === N)))
      throw unsupported(`${c.where}: C has dims [${ct.dims.join(', ')}]; supported: a scalar, [${N}] or [1, ${N}]`);
    bias = new Float32Array(N);
    for (let n = 0; n < N; n++) bias[n] = beta * (cv.length === 1 ? cv[0] : cv[n]);
  }
  return c.b.emit({ type: 'dense', units: N, weights: w, bias }, [x], c.out, [N], true);
}

export const WEIGHTED_OPS: Record<string, (c: OpCtx) => Value> = {
  Conv: conv,
  ConvTranspose: convTranspose,
  MaxPool: pool,
  AveragePool: pool,
  GlobalAveragePool: (c) => globalPool(c, c.data(0), false, true),
  GlobalMaxPool: (c) => globalPool(c, c.data(0), true, true),
  BatchNormalization: batchNorm,
  Pad: pad,
  Gemm: dense,
  MatMul: dense,
};
