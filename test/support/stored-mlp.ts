/**
 * A naive MLP evaluator over the weights read back from native memory (mlpReadRows/mlpReadBias),
 * in float64: y = act(W·x + b) layer by layer; softmax spans the whole output vector. It shares
 * no code with the native kernels, so it checks what convert() stored, not how runMlp runs it.
 */
import type { Mlp } from '../../src/mlp/mlp.js';
import { native } from '../../src/native.js';
import { activate, softmaxGroups } from './naive-cnn.js';

export interface ReadLayer {
  rows: number;
  cols: number;
  rowPtr: Float64Array;
  colIdx: Int32Array;
  values: Float32Array;
  bias: Float32Array;
  act: { code: number; alpha: number; min: number; max: number };
}

/** Every layer as CSR (dense layers keep their zeros, so nnz = rows·cols). */
export function readMlp(mlp: Mlp): ReadLayer[] {
  return mlp.layers.map((info, li) => {
    const raw = native().mlpReadRows(mlp.handle, li, 0, info.rows);
    const bias = native().mlpReadBias(mlp.handle, li);
    const act = { code: info.act, alpha: info.alpha, min: info.min, max: info.max };
    if (raw instanceof Float32Array) {
      const rowPtr = Float64Array.from({ length: info.rows + 1 }, (_, r) => r * info.cols);
      const colIdx = Int32Array.from({ length: info.rows * info.cols }, (_, k) => k % info.cols);
      return { rows: info.rows, cols: info.cols, rowPtr, colIdx, values: raw, bias, act };
    }
    return { rows: info.rows, cols: info.cols, ...raw, bias, act };
  });
}

export function runMlpRef(layers: ReadLayer[], input: ArrayLike<number>, batch: number): Float64Array {
  const inSize = layers[0].cols;
  const outSize = layers[layers.length - 1].rows;
  const out = new Float64Array(batch * outSize);
  for (let b = 0; b < batch; b++) {
    let x = Float64Array.from({ length: inSize }, (_, i) => input[b * inSize + i]);
    for (const l of layers) {
      const y = new Float64Array(l.rows);
      for (let r = 0; r < l.rows; r++) {
        let s = l.bias[r];
        for (let k = l.rowPtr[r]; k < l.rowPtr[r + 1]; k++) s += l.values[k] * x[l.colIdx[k]];
        y[r] = s;
      }
      if (l.act.code === 9) softmaxGroups(y, l.rows);
      else if (l.act.code !== 0) for (let r = 0; r < l.rows; r++) y[r] = activate(l.act, y[r]);
      x = y;
    }
    out.set(x, b * outSize);
  }
  return out;
}
