/** The MLPs onnx-pair.test.ts saves over each other (seed 1: old, seed 2: new); its child uses them too. */
import * as api from '../../src/index.js';

export function pairTestMlp(seed: number): api.Mlp {
  const vals = (n: number, s: number) => Float32Array.from({ length: n }, (_, k) => Math.sin(k * 0.7 + s * 13.1));
  return api.mlpFromLayers(40, [
    { format: 'dense', rows: 30, cols: 40, values: vals(1200, seed), bias: vals(30, seed + 1), activation: 'relu' },
    { format: 'dense', rows: 10, cols: 30, values: vals(300, seed + 2), activation: 'linear' },
  ]);
}
/** every weight external, written in chunks of a few rows: several write stages */
export const PAIR_EXPORT_OPTIONS = { externalThreshold: 0, chunkBytes: 2000 };
