/**
 * Reads the weights a built MLP holds in native memory (mlpReadRows/mlpReadBias) and evaluates
 * them in float64: y = act(W·x + b) layer by layer, softmax over the whole output vector. It
 * shares no code with the native kernels, so it checks what convert() stored, not how runMlp runs it.
 *
 * With the values it returns two per-output bounds (test/support/tolerance.ts), both from the
 * stored rows themselves:
 *  - `tol32`: how far a float32 evaluation of these stored weights (runMlp) may be from this one;
 *  - `tolStored`: how far this evaluation may be from the exact composed MLP, each stored weight and
 *    bias having been rounded once to float32 after being composed in double.
 */
import type { Mlp } from '../../src/mlp/mlp.js';
import { ACT } from '../../src/model/plan.js';
import { native } from '../../src/native.js';
import { U, activate, activationError, dotError, lipschitz, softmaxWithError, type ActParams } from './tolerance.js';

export interface ReadLayer {
  rows: number;
  cols: number;
  rowPtr: Float64Array;
  colIdx: Int32Array;
  values: Float32Array;
  bias: Float32Array;
  act: ActParams;
}

/** activation code (the native storage format) → name */
const ACT_NAME = new Map(Object.entries(ACT).filter(([k]) => k !== 'relu6').map(([k, v]) => [v, k]));

/**
 * Every layer as CSR. Dense layers keep only their nonzero entries: a zero product adds exactly
 * nothing in float32 too, so neither the values nor the bounds change.
 */
export function readMlp(mlp: Mlp): ReadLayer[] {
  return mlp.layers.map((info, li) => {
    const raw = native().mlpReadRows(mlp.handle, li, 0, info.rows);
    const bias = native().mlpReadBias(mlp.handle, li);
    const act = { type: ACT_NAME.get(info.act) ?? `code ${info.act}`, alpha: info.alpha, min: info.min, max: info.max };
    if (!(raw instanceof Float32Array)) return { rows: info.rows, cols: info.cols, ...raw, bias, act };
    let nnz = 0;
    for (let k = 0; k < raw.length; k++) if (raw[k] !== 0) nnz++;
    const rowPtr = new Float64Array(info.rows + 1);
    const colIdx = new Int32Array(nnz);
    const values = new Float32Array(nnz);
    let j = 0;
    for (let r = 0; r < info.rows; r++) {
      for (let c = 0, k = r * info.cols; c < info.cols; c++, k++)
        if (raw[k] !== 0) {
          colIdx[j] = c;
          values[j++] = raw[k];
        }
      rowPtr[r + 1] = j;
    }
    return { rows: info.rows, cols: info.cols, rowPtr, colIdx, values, bias, act };
  });
}

export interface StoredEval {
  y: Float64Array;
  tol32: Float64Array;
  tolStored: Float64Array;
}

/** Evaluates `batch` samples through the stored layers (see the file comment). */
export function evalStored(layers: ReadLayer[], input: ArrayLike<number>, batch: number): StoredEval {
  const inSize = layers[0].cols;
  const outSize = layers[layers.length - 1].rows;
  const res = { y: new Float64Array(batch * outSize), tol32: new Float64Array(batch * outSize), tolStored: new Float64Array(batch * outSize) };
  for (let b = 0; b < batch; b++) {
    let x = Float64Array.from({ length: inSize }, (_, i) => input[b * inSize + i]);
    let e32 = new Float64Array(inSize);
    let es = new Float64Array(inSize);
    for (const l of layers) {
      const y = new Float64Array(l.rows);
      const n32 = new Float64Array(l.rows);
      const ns = new Float64Array(l.rows);
      for (let r = 0; r < l.rows; r++) {
        let s = l.bias[r];
        let mag = Math.abs(s);
        let p32 = 0;
        let ps = 0;
        for (let k = l.rowPtr[r]; k < l.rowPtr[r + 1]; k++) {
          const w = l.values[k];
          const c = l.colIdx[k];
          s += w * x[c];
          mag += Math.abs(w * x[c]);
          p32 += Math.abs(w) * e32[c];
          ps += Math.abs(w) * es[c];
        }
        y[r] = s;
        n32[r] = p32 + dotError(l.rowPtr[r + 1] - l.rowPtr[r], mag);
        // rounding each stored value once: u·|w| (+ a little for the float64 composition itself)
        ns[r] = ps + (U + 2 ** -40) * mag;
      }
      if (l.act.type === 'softmax') {
        let E = 0;
        for (const v of ns) E = Math.max(E, v);
        softmaxWithError(y, n32, 0, l.rows);
        for (let r = 0; r < l.rows; r++) ns[r] = 2.01 * y[r] * E;
      } else if (l.act.type !== 'linear') {
        for (let r = 0; r < l.rows; r++) {
          const v = activate(l.act, y[r]);
          n32[r] = activationError(l.act, v, n32[r]);
          ns[r] = lipschitz(l.act) * ns[r] + U * Math.abs(v); // its parameters were stored in float32
          y[r] = v;
        }
      }
      x = y;
      e32 = n32;
      es = ns;
    }
    res.y.set(x, b * outSize);
    res.tol32.set(e32, b * outSize);
    res.tolStored.set(es, b * outSize);
  }
  return res;
}
