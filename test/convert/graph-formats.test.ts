/**
 * The MLP of a graph model (residual add, concat, bilinear upsampling, a transposed conv) leaves
 * through every format as a chain MLP does: exportOnnx run by onnxruntime, saveMlp/loadMlp, and
 * exportOpenCv run by real OpenCV (python3 cv2, when present) — each compared with runCnn and the
 * float64 graph reference.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { convert, exportOnnx, exportOpenCv, loadMlp, runCnn, runMlp, saveMlp, stats, type Mlp } from '../../src/index.js';
import type { CnnModel } from '../../src/model/types.js';
import { expectClose, runOrt } from '../support/compare.js';
import { referenceCnn } from '../support/graph-reference.js';
import { opencvPredict, opencvPython } from '../support/opencv-python.js';
import { randomInput } from '../support/random-cnn.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'cnn2mlp-graph-formats-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const w = (n: number, s: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.37 + s) * 0.4);

/** stem → [residual block] → concat with the stem → bilinear ×2 → transposed conv ×2 down again… → dense */
const model: CnnModel = {
  layout: 'NHWC',
  inputShape: [4, 4, 2],
  layers: [
    { type: 'conv2d', name: 'stem', filters: 3, kernelSize: [3, 3], padding: 'same', weights: w(54, 1), bias: w(3, 2), activation: 'relu' },
    { type: 'conv2d', name: 'a', filters: 3, kernelSize: [3, 3], padding: 'same', weights: w(81, 3), activation: 'relu' },
    { type: 'conv2d', name: 'b', filters: 3, kernelSize: [1, 1], weights: w(9, 4) },
    { type: 'add', name: 'sum', inputs: ['b', 'stem'], activation: 'relu' },
    { type: 'concat', name: 'cat', inputs: ['sum', 'stem'] },
    { type: 'upsample2d', name: 'up', size: [2, 2], mode: 'bilinear', coordinateMode: 'halfPixel' },
    { type: 'conv2dTranspose', name: 'tconv', filters: 2, kernelSize: [3, 3], strides: [2, 2], padding: 'same', weights: w(108, 5), bias: w(2, 6), activation: 'relu' },
    { type: 'globalAvgPool2d', name: 'gap' },
    { type: 'dense', name: 'head', units: 3, weights: w(6, 7), bias: w(3, 8) },
  ],
};
const INPUT = 32;
const BATCH = 3;

describe('converted graph MLPs through every format', () => {
  const x = randomInput(INPUT, BATCH, 11);
  const want = referenceCnn(model, x, BATCH);

  it('the model converts exactly and reports its carry', async () => {
    expectClose(await runCnn(model, x), want);
    const carry = stats(model).csr.layers.reduce((a, l) => a + (l.carryUnits ?? 0), 0);
    expect(carry).toBeGreaterThan(0);
  });

  for (const format of ['dense', 'csr'] as const)
    describe(format, () => {
      const withMlp = async (f: (mlp: Mlp) => Promise<void>) => {
        const mlp = await convert(model, { format });
        try {
          expectClose(await runMlp(mlp, x), want);
          await f(mlp);
        } finally {
          mlp.dispose();
        }
      };

      it('exportOnnx: onnxruntime matches runCnn', () =>
        withMlp(async (mlp) => {
          const file = path.join(tmp, `g-${format}.onnx`);
          await exportOnnx(mlp, file);
          // the export takes the source model's input shape
          expectClose(await runOrt(file, x, [BATCH, ...model.inputShape]), want);
        }));

      it('saveMlp / loadMlp: the loaded MLP matches runCnn', () =>
        withMlp(async (mlp) => {
          const file = path.join(tmp, `g-${format}.mlp`);
          await saveMlp(mlp, file);
          const back = await loadMlp(file);
          try {
            expect(back.layers.map((l) => [l.rows, l.cols])).toEqual(mlp.layers.map((l) => [l.rows, l.cols]));
            expectClose(await runMlp(back, x), want);
          } finally {
            back.dispose();
          }
        }));

      it.skipIf(!opencvPython())('exportOpenCv (linear layers as ReLU pairs): OpenCV matches runCnn', () =>
        withMlp(async (mlp) => {
          const file = path.join(tmp, `g-${format}.yml`);
          const info = await exportOpenCv(mlp, file, { linearLayers: 'reluPair' });
          const [res] = opencvPredict([{ model: file, input: x, n: BATCH }]);
          // a linear output layer leaves as pairs: y = out[:k] − out[k:] per sample
          expect(info.output).toBe('pairs');
          const k = want.length / BATCH;
          const y = Float64Array.from(want, (_, i) => {
            const [n, j] = [Math.floor(i / k), i % k];
            return res.output[n * 2 * k + j] - res.output[n * 2 * k + k + j];
          });
          expectClose(y, want);
        }));
    });
});
