/**
 * The plan's vocabulary in readable form: the op codes, record layout and flags of op-contract.ts
 * (the one definition both sides use), activation codes by every name a model may use, and the
 * decoded op the planner, converter and exporters read.
 */
import { ACT_NAMES, type OpCode } from './op-contract.js';
import type { ActivationName, Shape } from './types.js';

export {
  COORDINATE_MODES,
  F,
  FLAG_BILINEAR,
  FLAG_COUNT_INCLUDE_PAD,
  FLAG_FLATTEN_CHW,
  NEAREST_MODES,
  OP,
  RECORD_SIZE,
  type OpCode,
} from './op-contract.js';

/** Activation codes by every name a model may use (relu6 is clip with [0, 6]); codes from op-contract.ts. */
export const ACT: Record<ActivationName, number> = {
  ...(Object.fromEntries(ACT_NAMES.map((name, code) => [name, code])) as Record<(typeof ACT_NAMES)[number], number>),
  relu6: ACT_NAMES.indexOf('clip'),
};

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
  /** upsample2d: indices in COORDINATE_MODES and NEAREST_MODES (0 elsewhere) */
  coordinateMode: number;
  nearestMode: number;
  /** the values this op reads: 0 is the model input, k + 1 the output of ops[k] */
  inputs: number[];
  /** a value added to the output before the activation (a residual add fused into a conv), or -1 */
  residual: number;
  /** where the output lives in one sample's activation arena (floats), or -1 (the caller's output array) */
  outOffset: number;
  /** the shape after this op as the model sees it (vector after flatten/dense/global pool) */
  outShape: Shape;
}
