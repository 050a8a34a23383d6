/** Activations as the planner sees them: which ones keep values non-negative, and their value on constants. */
import { SELU_ALPHA, SELU_GAMMA } from '../model/op-contract.js';
import { ACT, type ResolvedActivation } from '../model/plan.js';

export const LINEAR: ResolvedActivation = { name: 'linear', code: ACT.linear, alpha: 0, beta: 0, min: 0, max: 0 };
export const RELU: ResolvedActivation = { name: 'relu', code: ACT.relu, alpha: 0, beta: 0, min: 0, max: 0 };

/** Activations whose output is never negative (a max-pool stage then needs 2 units per pair, not 3). */
export function nonNegativeAct(a: ResolvedActivation): boolean {
  return a.code === ACT.relu || (a.code === ACT.clip && a.min >= 0) || a.code === ACT.sigmoid || a.code === ACT.softplus || a.code === ACT.hardSigmoid;
}

/** The activation in float32 arithmetic, for constant features (padding that went through batch-norm). */
export function activateConst(a: ResolvedActivation, v: number): number {
  const f = Math.fround;
  v = f(v);
  switch (a.code) {
    case ACT.relu:
      return v > 0 ? v : 0;
    case ACT.leakyRelu:
      return v >= 0 ? v : f(a.alpha * v);
    case ACT.clip:
      return Math.min(Math.max(v, a.min), a.max);
    case ACT.sigmoid:
      return f(1 / (1 + Math.exp(-v)));
    case ACT.tanh:
      return f(Math.tanh(v));
    case ACT.elu:
      return v >= 0 ? v : f(a.alpha * (Math.exp(v) - 1));
    case ACT.selu:
      return v >= 0 ? f(SELU_GAMMA * v) : f(SELU_GAMMA * SELU_ALPHA * (Math.exp(v) - 1));
    case ACT.softplus:
      return v > 20 ? v : f(Math.log1p(Math.exp(v)));
    case ACT.hardSigmoid:
      return Math.min(Math.max(f(f(a.alpha * v) + a.beta), 0), 1);
    case ACT.hardSwish:
      return f(f(v * Math.min(Math.max(f(v + 3), 0), 6)) / 6);
    case ACT.swish:
      return f(v / f(1 + Math.exp(-v)));
    default:
      return v;
  }
}

/**
 * The MLP has no hardSigmoid (a layer stores no offset): hardSigmoid(x) = clip(α·x + β, 0, 1), so
 * its α and β move into the layer's rows (scale, shift) and the layer clips to [0, 1]. Null for
 * every activation the MLP has as it is.
 */
export function rowFolded(a: ResolvedActivation): { act: ResolvedActivation; scale: number; shift: number } | null {
  if (a.code !== ACT.hardSigmoid) return null;
  return { act: { name: 'clip', code: ACT.clip, alpha: 0, beta: 0, min: 0, max: 1 }, scale: a.alpha, shift: a.beta };
}
