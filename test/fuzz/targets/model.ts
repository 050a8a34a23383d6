/** A small valid CnnModel the targets mutate, and a cheap run of whatever a loader returns. */
import * as api from '../../../src/index.js';
import type { CnnModel } from '../../../src/model/types.js';
import type { CnnStats } from '../../../src/convert/stats.js';

export function smallModel(layout: 'NHWC' | 'NCHW' = 'NHWC'): CnnModel {
  const r = (n: number, s: number) => Float32Array.from({ length: n }, (_, k) => Math.sin(k * 12.9898 + s) * 0.5);
  return {
    layout,
    inputShape: layout === 'NHWC' ? [6, 6, 2] : [2, 6, 6],
    layers: [
      { type: 'conv2d', filters: 3, kernelSize: [3, 3], padding: 'same', weights: r(54, 1), bias: r(3, 2), activation: 'relu' },
      { type: 'maxPool2d', poolSize: [2, 2] },
      { type: 'batchNorm', mean: r(3, 3), variance: Float32Array.from([1, 2, 3]) },
      { type: 'flatten' },
      { type: 'dense', units: 4, weights: r(27 * 4, 4), bias: r(4, 5), activation: 'softmax' },
    ],
  };
}

/** Exercises a loaded model once when it is small enough to be cheap (the loaders validated it). */
export async function exercise(model: CnnModel): Promise<void> {
  // The 10k-node graphs test the loaders' bounds; planning and running 10k layers is the runtime's
  // cost (seconds on a busy 2-core machine), measured in bench/, not a loader contract.
  if (model.layers.length > 1000) return;
  let st: CnnStats | undefined;
  try {
    st = api.stats(model);
  } catch (e) {
    // stats plans the MLP; a graph with ops convert does not handle yet still runs as a CNN.
    if ((e as { code?: string }).code !== 'ERR_NOT_CONVERTIBLE') throw e;
  }
  const size = model.inputShape.reduce((a, b) => a * b, 1);
  if (st ? st.totals.macs > 5e6 : size > 1e4) return;
  const x = new Float32Array(size).fill(0.25);
  await api.runCnn(model, x, { threads: 1 });
  if (st && st.totals.macs < 2e5 && st.csr.totals.bytes < 16 << 20) {
    const mlp = await api.convert(model, { format: 'csr', maxBytes: 64 << 20 });
    try {
      await api.runMlp(mlp, x, { threads: 1 });
    } finally {
      mlp.dispose();
    }
  }
}
