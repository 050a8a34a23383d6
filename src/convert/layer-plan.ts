/**
 * What the planner produces: one record per MLP layer, y = act(diag(rowScale)·(P·M·x) + rowShift),
 * where P is a plan op (conv2d, dense, average pool) or an explicit sparse matrix, M the layer's
 * input map and rowLogical the order of P's outputs among the rows. native/runtime/builder.cc
 * composes these with the op's weights.
 */
import type { ResolvedActivation } from '../model/plan.js';
import type { AffineMap } from './affine-map.js';
import type { ExplicitCsr } from './explicit-layer.js';

import type { Prim } from '../model/op-contract.js';

/** What computes a layer's rows before the maps (defined with the op contract, which C++ reads too). */
export { PRIM, type Prim } from '../model/op-contract.js';

export type LayerKind = 'conv2d' | 'dense' | 'avgPool' | 'identity' | 'maxPoolStage' | 'preluStage' | 'convTranspose';

export interface LayerPlan {
  prim: Prim;
  /** plan op index (conv/dense/avg); -1 for explicit layers */
  opIndex: number;
  rows: number;
  cols: number;
  /** primary input map (null = identity: logical input i is column i) */
  inMap: AffineMap | null;
  /**
   * explicit layers: the matrix; conv/dense/avg: rows added to the op's (a fused residual, then
   * carried values), over the columns. Null when there is none or the plan was only counted.
   */
  csr: ExplicitCsr | null;
  /** the last rows that only carry tensors read by a later layer (see carry.ts), and their nonzeros */
  carryRows: number;
  carryNonzeros: number;
  /** conv/dense/avg: csr holds addend rows (the builder indexes them by row, so rows keep their order) */
  addend: boolean;
  /** conv/dense/avg: the rows that compute the op's output rowLogical[r] (twice its outputs for a ReLU rewrite, see carry.ts) */
  primaryRows?: number;
  /** structural nonzeros of the built matrix (what CSR stores), known whether or not anything is stored */
  nonzeros: number;
  rowLogical: Int32Array | null;
  rowScale: Float64Array | null;
  rowShift: Float64Array | null;
  act: ResolvedActivation;
  /** what this layer comes from, for stats and metadata */
  origin: string;
  kind: LayerKind;
}

export interface MlpPlan {
  inputSize: number;
  outputSize: number;
  layers: LayerPlan[];
  /** the plan's exact size in the budget's format (see size.ts), whether or not it was stored */
  bytes: number;
  /** false when the budget was exceeded and explicit layers were counted, not stored */
  stored: boolean;
}
