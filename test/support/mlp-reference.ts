/**
 * Naive float64 evaluation of an MLP described by MlpLayerSpec[] (independent of the native code),
 * with a rigorous per-output error bound for a float32 implementation: any summation order of K
 * float32 products has |error| <= γ·Σ|terms| with γ = (K + 2)·eps (Higham's worst-case bound, the
 * +2 covering the product rounding and the bias add), upstream errors propagate through Σ|w|·e,
 * and the activation adds its Lipschitz factor plus a few ulps for exp/tanh/log1p.
 */
import type { MlpLayerSpec } from '../../src/mlp/layers.js';

const EPS = 2 ** -23;

function act(spec: MlpLayerSpec, v: number): number {
  const a = spec.alpha ?? (spec.activation === 'leakyRelu' ? 0.2 : 1);
  switch (spec.activation ?? 'linear') {
    case 'relu': return Math.max(0, v);
    case 'leakyRelu': return v >= 0 ? v : a * v;
    case 'clip': return Math.min(Math.max(v, spec.min ?? 0), spec.max ?? 0);
    case 'sigmoid': return 1 / (1 + Math.exp(-v));
    case 'tanh': return Math.tanh(v);
    case 'elu': return v >= 0 ? v : a * (Math.exp(v) - 1);
    case 'selu': return v >= 0 ? 1.0507009873554805 * v : 1.0507009873554805 * 1.6732632423543772 * (Math.exp(v) - 1);
    case 'softplus': return Math.log1p(Math.exp(v));
    case 'hardSwish': return (v * Math.min(Math.max(v + 3, 0), 6)) / 6;
    case 'swish': return v / (1 + Math.exp(-v));
    default: return v;
  }
}

function lipschitz(spec: MlpLayerSpec): number {
  const a = Math.abs(spec.alpha ?? 1);
  switch (spec.activation ?? 'linear') {
    case 'leakyRelu': return Math.max(1, Math.abs(spec.alpha ?? 0.2));
    case 'elu': return Math.max(1, a);
    case 'selu': return 1.0507009873554805 * 1.6732632423543772;
    case 'sigmoid': return 0.25;
    case 'softmax': return 2;
    case 'hardSwish': return 1.5; // slope (2x + 3) / 6 at x = 3
    case 'swish': return 1.1; // max of σ(x)(1 + x(1 − σ(x))) ≈ 1.0998
    default: return 1;
  }
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
    let v = Array.from(x.subarray(b * inputSize, (b + 1) * inputSize));
    let e = v.map(() => 0);
    layers.forEach((l, li) => {
      const nv: number[] = [];
      const ne: number[] = [];
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
        // Dense kernels also sum the zero padding: K counts the stored row length rounded to 16.
        const K = l.format === 'dense' ? Math.ceil(l.cols / 16) * 16 : row.length;
        nv.push(s);
        ne.push(prop + (K + 2) * EPS * mag);
      }
      if (l.activation === 'softmax') {
        const m = Math.max(...nv);
        const ex = nv.map((t) => Math.exp(t - m));
        const sum = ex.reduce((p, q) => p + q, 0);
        const maxErr = Math.max(...ne);
        v = ex.map((t) => t / sum);
        e = v.map((t) => 2 * maxErr + 8 * EPS * t + 1e-7);
      } else {
        const L = lipschitz(l);
        v = nv.map((t) => act(l, t));
        // exp/tanh/log1p in float32: a few ulps of the result.
        e = ne.map((t, i) => L * t + 8 * EPS * Math.abs(v[i]) + 1e-30);
      }
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

/** Largest |got - want| / tol; <= 1 means within the bound everywhere. */
export function worstRatio(got: Float32Array, want: Float64Array, tol: Float64Array): { ratio: number; at: number } {
  let ratio = 0;
  let at = -1;
  for (let i = 0; i < got.length; i++) {
    const r = Math.abs(got[i] - want[i]) / tol[i];
    if (!(r <= ratio)) {
      ratio = Number.isNaN(r) ? Infinity : r;
      at = i;
    }
  }
  return { ratio, at };
}
