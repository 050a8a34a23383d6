/**
 * A naive float64 MLP evaluator over the weights as native code holds them (mlpReadRows /
 * mlpReadBias): the independent reference for exporters until runMlp is used directly.
 */
import { native } from '../../src/native.js';
import type { Mlp } from '../../src/mlp/mlp.js';

export function naiveMlp(mlp: Mlp, input: Float32Array, batch: number): Float64Array {
  let x: Float64Array = Float64Array.from(input);
  mlp.layers.forEach((l, li) => {
    const got = native().mlpReadRows(mlp.handle, li, 0, l.rows);
    const bias = native().mlpReadBias(mlp.handle, li);
    const y = new Float64Array(batch * l.rows);
    for (let s = 0; s < batch; s++) {
      for (let r = 0; r < l.rows; r++) {
        let acc = bias[r];
        if (got instanceof Float32Array) for (let c = 0; c < l.cols; c++) acc += got[r * l.cols + c] * x[s * l.cols + c];
        else for (let k = got.rowPtr[r]; k < got.rowPtr[r + 1]; k++) acc += got.values[k] * x[s * l.cols + got.colIdx[k]];
        y[s * l.rows + r] = acc;
      }
      const row = y.subarray(s * l.rows, (s + 1) * l.rows);
      switch (l.activation) {
        case 'relu':
          row.forEach((v, i) => (row[i] = Math.max(0, v)));
          break;
        case 'leakyRelu':
          row.forEach((v, i) => (row[i] = v < 0 ? v * l.alpha : v));
          break;
        case 'tanh':
          row.forEach((v, i) => (row[i] = Math.tanh(v)));
          break;
        case 'sigmoid':
          row.forEach((v, i) => (row[i] = 1 / (1 + Math.exp(-v))));
          break;
        case 'softmax': {
          const m = Math.max(...row);
          let sum = 0;
          row.forEach((v, i) => (sum += row[i] = Math.exp(v - m)));
          row.forEach((v, i) => (row[i] = v / sum));
          break;
        }
        case 'linear':
          break;
        default:
          throw new Error(`naiveMlp: activation ${l.activation} not implemented`);
      }
    }
    x = y;
  });
  return x;
}
