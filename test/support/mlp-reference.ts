/**
 * Naive float64 evaluation of an MLP described by MlpLayerSpec[] (independent of the native code),
 * with a per-output error bound for a float32 implementation derived from each row's reduction
 * (test/support/tolerance.ts: γ(K + 1)·Σ|w·x| per row, upstream errors through Σ|w|·e, activations
 * through their Lipschitz constant plus their own rounding).
 */
import type { MlpLayerSpec } from '../../src/mlp/layers.js';
import { activate, activationError, dotError, softmaxWithError, type ActParams } from './tolerance.js';
export { worstRatio } from './tolerance.js';

function actParams(spec: MlpLayerSpec): ActParams {
  const type = spec.activation ?? 'linear';
  return { type, alpha: spec.alpha ?? (type === 'leakyRelu' ? 0.2 : 1), min: spec.min ?? 0, max: spec.max ?? 0 };
}

/** Rows of W as [col, value] pairs. */
function rowsOf(l: MlpLayerSpec): Array<Array<[number, number]>> {
  const out: Array<Array<[number, number]>> = [];
  for (let r = 0; r < l.rows; r++) {
    const row: Array<[number, number]> = [];
    if (l.format === 'dense') for (let c = 0; c < l.cols; c++) row.push([c, l.values[r * l.cols + c]]);
    else for (let j = l.rowPtr[r]; j < l.rowPtr[r + 1]; j++) row.push([l.colIdx[j], l.values[j]]);
    out.push(row);
  }
  return out;
}

/** Reference outputs (batch × outputSize) and per-output absolute error bounds. */
export function referenceMlp(inputSize: number, layers: readonly MlpLayerSpec[], x: Float32Array): { y: Float64Array; tol: Float64Array } {
  const batch = x.length / inputSize;
  const rowsPer = layers.map(rowsOf);
  const outSize = layers[layers.length - 1].rows;
  const y = new Float64Array(batch * outSize);
  const tol = new Float64Array(batch * outSize);
  for (let b = 0; b < batch; b++) {
    let v = Float64Array.from(x.subarray(b * inputSize, (b + 1) * inputSize));
    let e = new Float64Array(inputSize);
    layers.forEach((l, li) => {
      const nv = new Float64Array(l.rows);
      const ne = new Float64Array(l.rows);
      for (let r = 0; r < l.rows; r++) {
        const row = rowsPer[li][r];
        const bias = l.bias ? l.bias[r] : 0;
        let s = bias;
        let mag = Math.abs(bias);
        let prop = 0;
        for (const [c, w] of row) {
          s += w * v[c];
          mag += Math.abs(w * v[c]);
          prop += Math.abs(w) * e[c];
        }
        nv[r] = s;
        ne[r] = prop + dotError(row.length, mag);
      }
      const a = actParams(l);
      if (a.type === 'softmax') softmaxWithError(nv, ne, 0, l.rows);
      else
        for (let r = 0; r < l.rows; r++) {
          nv[r] = activate(a, nv[r]);
          ne[r] = activationError(a, nv[r], ne[r]);
        }
      v = nv;
      e = ne;
    });
    y.set(v, b * outSize);
    tol.set(e, b * outSize);
  }
  return { y, tol };
}

export function randomDense(rand: () => number, rows: number, cols: number, opts: Partial<MlpLayerSpec> = {}): MlpLayerSpec {
  const values = new Float32Array(rows * cols).map(() => rand() * 2 - 1);
  const bias = new Float32Array(rows).map(() => rand() - 0.5);
  return { format: 'dense', rows, cols, values, bias, ...opts } as MlpLayerSpec;
}

/** CSR with about `density` of the entries stored; `emptyEvery` makes every n-th row empty. */
export function randomCsr(rand: () => number, rows: number, cols: number, density: number, emptyEvery = 0, opts: Partial<MlpLayerSpec> = {}): MlpLayerSpec {
  const rowPtr = [0];
  const colIdx: number[] = [];
  const values: number[] = [];
  for (let r = 0; r < rows; r++) {
    if (!(emptyEvery > 0 && r % emptyEvery === 0))
      for (let c = 0; c < cols; c++)
        if (rand() < density) {
          colIdx.push(c);
          values.push(rand() * 2 - 1);
        }
    rowPtr.push(colIdx.length);
  }
  const bias = new Float32Array(rows).map(() => rand() - 0.5);
  return { format: 'csr', rows, cols, rowPtr, colIdx: Int32Array.from(colIdx), values: Float32Array.from(values), bias, ...opts } as MlpLayerSpec;
}

export function randomInput(rand: () => number, n: number): Float32Array {
  return new Float32Array(n).map(() => rand() * 2 - 1);
}

/**
 * Values on a coarse dyadic grid (multiples of 2^-3 in [-1, 1]): products are multiples of 2^-6
 * and any partial sum of up to 2^18 of them stays below 2^12 in magnitude, so it needs at most
 * 18 significant bits and float32 represents it exactly. A kernel summing such data in any order
 * must return the exact result: its bound is zero, and one dropped or extra product, or any
 * relative error, shows.
 */
export function dyadic(rand: () => number, n: number): Float32Array {
  return new Float32Array(n).map(() => Math.round((rand() * 2 - 1) * 8) / 8);
}

/** A dense or CSR layer whose weights and bias are on the dyadic grid (bias: multiples of 2^-6). */
export function dyadicLayer(layer: MlpLayerSpec, rand: () => number): MlpLayerSpec {
  const values = dyadic(rand, layer.values.length);
  const bias = new Float32Array(layer.rows).map(() => Math.round((rand() * 2 - 1) * 64) / 64);
  return { ...layer, values, bias } as MlpLayerSpec;
}
