/**
 * The plan's vocabulary: op and activation codes and the numeric record one op becomes. The same
 * numbers are read by native/runtime/plan.h (and re-checked there); test/cnn/plan-abi.test.ts
 * fails when the two drift.
 */
import type { ActivationName, Shape } from './types.js';

/** Op codes; must match native/runtime/plan.h. */
export const OP = {
  conv2d: 0,
  dense: 1,
  maxPool2d: 2,
  avgPool2d: 3,
  globalAvgPool2d: 4,
  globalMaxPool2d: 5,
  batchNorm: 6, // per-channel y = x * scale + shift (batchNorm and scaleShift layers; scale/shift precomputed here)
  zeroPad2d: 7,
  activation: 8, // elementwise only
  prelu: 9,
  flatten: 10, // (h, w, c) -> (1, 1, h*w*c), reading in CHW order when flag FLATTEN_CHW is set
  add: 11, // sum of numInputs tensors of the op's output shape
  multiply: 12, // input 0 (full shape) times input 1 (full, 1×1×C or 1×1×1), broadcast
  concat: 13, // inputs stacked along channels, in order
  upsample2d: 14, // factors sh, sw; flags: UPSAMPLE_* bits
  cropping2d: 15, // pads = [top, bottom, left, right] removed
  conv2dTranspose: 16, // kh, kw, sh, sw, dh, dw, groups; padTop/padLeft = cropped at the start; weights [kh][kw][outC/groups][inC]
} as const;
export type OpCode = (typeof OP)[keyof typeof OP];

/** Activation codes; must match native/runtime/plan.h. */
export const ACT: Record<ActivationName, number> = {
  linear: 0,
  relu: 1,
  leakyRelu: 2,
  clip: 3,
  relu6: 3,
  sigmoid: 4,
  tanh: 5,
  elu: 6,
  selu: 7,
  softplus: 8,
  softmax: 9,
  hardSigmoid: 10,
  hardSwish: 11,
  swish: 12,
};

/** Field offsets inside one record of RECORD_SIZE float64 values; must match native/runtime/plan.h. */
export const F = {
  op: 0,
  inH: 1,
  inW: 2,
  inC: 3,
  outH: 4,
  outW: 5,
  outC: 6,
  kh: 7,
  kw: 8,
  sh: 9,
  sw: 10,
  dh: 11,
  dw: 12,
  padTop: 13,
  padBottom: 14,
  padLeft: 15,
  padRight: 16,
  groups: 17,
  act: 18,
  actAlpha: 19,
  actMin: 20,
  actMax: 21,
  weights: 22, // tensor index or -1 (conv/dense weights, batchNorm scale, prelu alpha)
  bias: 23, // tensor index or -1 (conv/dense bias, batchNorm shift)
  flags: 24,
  layerIndex: 25, // index of the source layer in model.layers, for error messages
  numInputs: 26, // how many tensors the op reads
  inputsAt: 27, // where its input value ids start in Plan.edges
  residual: 28, // value id added before the activation (conv → add fused), or -1
  outOffset: 29, // where its output starts in one sample's activation arena (floats), or -1: the caller's output array
  actBeta: 30,
} as const;
export const RECORD_SIZE = 32;
export const FLAG_COUNT_INCLUDE_PAD = 1;
export const FLAG_FLATTEN_CHW = 2;
/** upsample2d flags: bit 0 bilinear; bits 1–2 the coordinate mode; bits 3–4 the nearest rounding. */
export const UPSAMPLE_BILINEAR = 1;
export const COORDINATE_MODES = ['asymmetric', 'halfPixel', 'pytorchHalfPixel', 'alignCorners'] as const;
export const NEAREST_MODES = ['floor', 'roundPreferFloor', 'roundPreferCeil', 'ceil'] as const;

/** A resolved activation: code and parameters. */
export interface ResolvedActivation {
  name: ActivationName;
  code: number;
  alpha: number;
  /** hardSigmoid offset */
  beta: number;
  min: number;
  max: number;
}

/** One op of the plan, in readable form (the records hold the same numbers). */
export interface PlanOp {
  op: OpCode;
  layerIndex: number;
  layerName: string;
  /** internal shapes: spatial tensors are always (h, w, c); vectors are (1, 1, n). in* is input 0's. */
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
  /** the values this op reads: 0 is the model input, k + 1 the output of ops[k] */
  inputs: number[];
  /** a value added to the output before the activation (a residual add fused into a conv), or -1 */
  residual: number;
  /** where the output lives in one sample's activation arena (floats), or -1 (the caller's output array) */
  outOffset: number;
  /** the shape after this op as the model sees it (vector after flatten/dense/global pool) */
  outShape: Shape;
}
