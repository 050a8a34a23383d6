/**
 * Exact per-sample counts of a CNN (from its plan) and of a converted MLP (from the native
 * objects), as the demo prints them. MACs are multiply-accumulates for one sample.
 */
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
 * CNN: conv MACs = outH·outW·outC·kh·kw·inC/groups (every kernel tap, padding taps included: what
 * the direct kernel executes), dense MACs = in·out; pooling and activations are not MACs.
 */
export function cnnCounts(model: CnnModel): Counts {
  const plan = planModel(model);
  let macs = 0;
  let weights = 0;
  let nonzeros = 0;
  let bytes = 0;
  for (const op of plan.ops) {
    if (op.op === OP.conv2d || op.op === OP.dense) {
      const w = plan.tensors[op.weights];
      const perOutput = op.op === OP.conv2d ? op.kh * op.kw * (op.inC / op.groups) : op.inH * op.inW * op.inC;
      macs += op.outH * op.outW * op.outC * perOutput;
      weights += w.length;
      for (let i = 0; i < w.length; i++) if (w[i] !== 0) nonzeros++;
      bytes += 4 * w.length + (op.bias >= 0 ? 4 * plan.tensors[op.bias].length : 0);
    }
  }
  return { macs, weights, nonzeros, bytes };
}

/** MLP: MACs = stored entries (rows·cols dense, nnz CSR); bytes as the native object reports them. */
export function mlpCounts(mlp: Mlp): Counts {
  let macs = 0;
  for (const l of mlp.layers) macs += l.nnz;
  return { macs, weights: macs, nonzeros: countNonzeros(mlp), bytes: mlp.bytes };
}

/** Nonzero weights of an MLP: CSR stores only its nonzeros (explicit zeros aside); dense rows are scanned. */
function countNonzeros(mlp: Mlp): number {
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
