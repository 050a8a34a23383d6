/**
 * The networks the benchmarks run and their exact counts. Every count comes from stats()
 * (src/convert/stats.ts), the library's one counter: nothing here counts a layer again.
 */
import type { CnnModel } from '../model/types.js';
import { seedNetwork } from '../model/seed.js';
import { stats, type CnnStats } from '../convert/stats.js';
import { seededUniform } from '../util/random.js';

/** What the report needs of one CNN workload, per sample, all derived from stats(model). */
export interface WorkloadCounts {
  stats: CnnStats;
  /** CNN multiply-accumulates */
  macs: number;
  /** fp32 bytes of the CNN's conv/dense weights and biases */
  bytes: number;
  /** largest reduction length of a conv or dense output (the tolerance's K) */
  maxFanIn: number;
  /** layers of the converted MLP: the length of the chain of sums */
  layers: number;
  /** fp32 bytes of activations read and written by the MLP's layers */
  activationBytes: number;
}

export function workloadCounts(model: CnnModel): WorkloadCounts {
  const s = stats(model);
  const maxFanIn = Math.max(0, ...s.layers.filter((l) => l.weights > 0).map((l) => l.weights / l.outShape[2]));
  return {
    stats: s,
    macs: s.totals.macs,
    bytes: 4 * (s.totals.weights + s.totals.biases),
    maxFanIn,
    layers: s.dense.totals.layers,
    activationBytes: s.dense.layers.reduce((sum, l) => sum + (l.rows + l.cols) * 4, 0),
  };
}

/** The seed network: seedNetwork() at 80×80, else the same architecture at another side. */
export function seedModel(stride: 2 | 3, side = 80): { model: CnnModel; source: string } {
  if (side === 80) return { model: seedNetwork({ stride, seed: stride }), source: `seedNetwork({ stride: ${stride}, seed: ${stride} })` };
  return { model: threeConvNet({ side, stride, filters: [32, 64, 64], dense: [1024, 29], seed: stride }), source: `bench threeConvNet(side ${side})` };
}

/** The quick run's stand-in for the seed: same architecture, 20×20×3 and narrower. */
export function quickSeedModel(stride: 2 | 3): { model: CnnModel; source: string } {
  return {
    model: threeConvNet({ side: 20, stride, filters: [8, 16, 16], dense: [64, 29], seed: stride }),
    source: 'bench threeConvNet() (quick: 20×20×3, 8/16/16 filters, dense 64/29)',
  };
}

/**
 * The seed's architecture at any input side: three 3×3 'same' convs with ReLU (strided), flatten,
 * dense layers (ReLU, softmax last). Weights He-uniform-like so activations stay O(1) at depth.
 */
export function threeConvNet(o: { side: number; stride: number; filters: [number, number, number]; dense: number[]; seed: number; channels?: number }): CnnModel {
  const cin0 = o.channels ?? 3;
  const layers: CnnModel['layers'] = [];
  let cin = cin0;
  let side = o.side;
  let seed = o.seed * 1000;
  for (const f of o.filters) {
    const fanIn = 9 * cin;
    const lim = Math.sqrt(6 / fanIn);
    layers.push({
      type: 'conv2d',
      filters: f,
      kernelSize: [3, 3],
      strides: [o.stride, o.stride],
      padding: 'same',
      weights: seededUniform(fanIn * f, seed++, -lim, lim),
      bias: seededUniform(f, seed++, -0.05, 0.05),
      activation: 'relu',
    });
    cin = f;
    side = Math.ceil(side / o.stride);
  }
  layers.push({ type: 'flatten' });
  let units = side * side * cin;
  o.dense.forEach((u, i) => {
    const lim = Math.sqrt(6 / units);
    layers.push({
      type: 'dense',
      units: u,
      weights: seededUniform(units * u, seed++, -lim, lim),
      bias: seededUniform(u, seed++, -0.05, 0.05),
      activation: i === o.dense.length - 1 ? 'softmax' : 'relu',
    });
    units = u;
  });
  return { name: `threeConv-${o.side}-s${o.stride}`, layout: 'NHWC', inputShape: [o.side, o.side, cin0], layers };
}
