/**
 * Slow, obviously-correct JavaScript stand-ins for cnn2mlp's runCnn / convert / runMlp, used only
 * to drive every section of the benchmark report in tests (the real pieces live on other branches).
 * convert builds the exact block-Toeplitz matrices naively; runMlp reads them back through the
 * native handle. Only what the bench nets use: NHWC conv2d (groups 1), flatten, dense, relu/softmax.
 */
import type { CnnModel, Conv2dLayer, DenseLayer } from '../../src/model/types.js';
import { planModel } from '../../src/model/plan.js';
import { native } from '../../src/native.js';
import { Mlp } from '../../src/mlp/mlp.js';

function act(name: string, y: Float32Array, rows: number, batch: number): void {
  if (name === 'relu') for (let i = 0; i < y.length; i++) y[i] = Math.max(0, y[i]);
  if (name === 'softmax')
    for (let b = 0; b < batch; b++) {
      const r = y.subarray(b * rows, (b + 1) * rows);
      const m = Math.max(...r);
      let s = 0;
      for (let i = 0; i < rows; i++) s += r[i] = Math.exp(r[i] - m);
      for (let i = 0; i < rows; i++) r[i] /= s;
    }
}

const actName = (a: unknown) => (typeof a === 'string' ? a : ((a as { type?: string })?.type ?? 'linear'));

export async function convert(model: CnnModel, options: { format: 'dense' | 'csr' }): Promise<Mlp> {
  const plan = planModel(model);
  const layers: Parameters<ReturnType<typeof native>['mlpFromLayers']>[1] = [];
  plan.ops.forEach((op) => {
    if (op.op === 10) return; // flatten (NHWC): identity on the flat vector
    const layer = model.layers[op.layerIndex] as Conv2dLayer | DenseLayer;
    const rows = op.outH * op.outW * op.outC;
    const cols = op.inH * op.inW * op.inC;
    const dense = new Float32Array(rows * cols);
    if (op.op === 1) {
      for (let i = 0; i < cols; i++) for (let o = 0; o < rows; o++) dense[o * cols + i] = layer.weights[i * rows + o];
    } else {
      for (let oh = 0; oh < op.outH; oh++)
        for (let ow = 0; ow < op.outW; ow++)
          for (let oc = 0; oc < op.outC; oc++) {
            const r = (oh * op.outW + ow) * op.outC + oc;
            for (let kh = 0; kh < op.kh; kh++)
              for (let kw = 0; kw < op.kw; kw++) {
                const ih = oh * op.sh + kh - op.pads[0];
                const iw = ow * op.sw + kw - op.pads[2];
                if (ih < 0 || iw < 0 || ih >= op.inH || iw >= op.inW) continue;
                for (let ic = 0; ic < op.inC; ic++)
                  dense[r * cols + (ih * op.inW + iw) * op.inC + ic] = layer.weights[((kh * op.kw + kw) * op.inC + ic) * op.outC + oc];
              }
          }
    }
    const bias = layer.bias ?? new Float32Array(rows);
    const fullBias = op.op === 1 ? bias : Float32Array.from({ length: rows }, (_, r) => bias[r % op.outC]);
    if (options.format === 'dense') layers.push({ format: 0, rows, cols, values: dense, bias: fullBias, act: op.activation.code });
    else {
      const rowPtr = new Float64Array(rows + 1);
      const idx: number[] = [];
      const vals: number[] = [];
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) if (dense[r * cols + c] !== 0) (idx.push(c), vals.push(dense[r * cols + c]));
        rowPtr[r + 1] = idx.length;
      }
      layers.push({ format: 1, rows, cols, values: Float32Array.from(vals), rowPtr, colIdx: Int32Array.from(idx), bias: fullBias, act: op.activation.code });
    }
  });
  const handle = native().mlpFromLayers(plan.inputSize, layers);
  return new Mlp(handle, { layout: model.layout, inputShape: model.inputShape, outputShape: [plan.outputSize] });
}

export async function runMlp(mlp: Mlp, input: Float32Array): Promise<Float32Array> {
  const options = { batch: input.length / mlp.inputSize };
  let x = input;
  mlp.layers.forEach((l, i) => {
    const w = native().mlpReadRows(mlp.handle, i, 0, l.rows);
    const bias = native().mlpReadBias(mlp.handle, i);
    const y = new Float32Array(options.batch * l.rows);
    for (let b = 0; b < options.batch; b++)
      for (let r = 0; r < l.rows; r++) {
        let s = bias[r];
        if (w instanceof Float32Array) for (let c = 0; c < l.cols; c++) s += w[r * l.cols + c] * x[b * l.cols + c];
        else for (let k = w.rowPtr[r]; k < w.rowPtr[r + 1]; k++) s += w.values[k] * x[b * l.cols + w.colIdx[k]];
        y[b * l.rows + r] = s;
      }
    act(l.activation, y, l.rows, options.batch);
    x = y;
  });
  return x;
}

/** runCnn stand-in: the CNN evaluated through its own exact dense conversion. */
export async function compileCnn(model: CnnModel): Promise<{ mlp: Mlp; dispose(): void }> {
  // (the real compileCnn is synchronous; the bench awaits either)
  const mlp = await convert(model, { format: 'csr' });
  return { mlp, dispose: () => mlp.dispose() };
}

export async function runCnn(c: { mlp: Mlp }, input: Float32Array): Promise<Float32Array> {
  return runMlp(c.mlp, input);
}

export { actName };
