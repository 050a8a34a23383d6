/**
 * The four per-sample figures the demo and `stats` print for a CNN or a converted MLP. The counting
 * is stats()'s (src/convert/stats.ts); only the nonzero weights are read from the values, because
 * stats() counts structure, not values.
 */
import { stats } from '../convert/stats.js';
import { OP, planModel } from '../model/plan.js';
import type { CnnModel } from '../model/types.js';
import type { Mlp } from '../mlp/mlp.js';
import { native } from '../native.js';

export interface Counts {
  /** multiply-accumulates per sample */
  macs: number;
  /** stored weights: conv/dense weights for a CNN (biases excluded); matrix entries (dense) or nonzeros (CSR) for an MLP */
  weights: number;
  /** nonzero weights */
  nonzeros: number;
  /** bytes of weights, indices and biases */
  bytes: number;
}

/**
 * A CNN's figures from stats(model).totals: conv MACs count every kernel tap, padding taps included
 * (what the direct kernel executes); pooling and activations are not MACs.
 */
export function cnnCounts(model: CnnModel): Counts {
  const t = stats(model).totals;
  return { macs: t.macs, weights: t.weights, nonzeros: cnnNonzeros(model), bytes: 4 * (t.weights + t.biases) };
}

/** An MLP's figures from stats(mlp).totals: MACs = stored entries (rows·cols dense, nnz CSR). */
export function mlpCounts(mlp: Mlp): Counts {
  const t = stats(mlp).totals;
  return { macs: t.macs, weights: t.macs, nonzeros: mlpNonzeros(mlp), bytes: t.bytes };
}

/** Nonzero conv/dense weight values of a CNN (its plan holds them as given). */
function cnnNonzeros(model: CnnModel): number {
  const plan = planModel(model);
  let nnz = 0;
  for (const op of plan.ops) {
    if (op.op !== OP.conv2d && op.op !== OP.dense) continue;
    const w = plan.tensors[op.weights];
    for (let i = 0; i < w.length; i++) if (w[i] !== 0) nnz++;
  }
  return nnz;
}

/** Nonzero weights of an MLP: CSR stores only its nonzeros (explicit zeros aside); dense rows are scanned. */
function mlpNonzeros(mlp: Mlp): number {
  let nnz = 0;
  mlp.layers.forEach((l, i) => {
    const step = Math.max(1, Math.floor((1 << 22) / Math.max(1, l.cols)));
    for (let r = 0; r < l.rows; r += step) {
      const rows = native().mlpReadRows(mlp.handle, i, r, Math.min(step, l.rows - r));
      const values = rows instanceof Float32Array ? rows : rows.values;
      for (let k = 0; k < values.length; k++) if (values[k] !== 0) nnz++;
    }
  });
  return nnz;
}
