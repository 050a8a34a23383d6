/**
 * The seed's own path, end to end, on the two real TensorFlow checkpoints: loadCheckpoint →
 * runCnn (direct convolution) → convert (dense and CSR, max pooling included) → runMlp, and the
 * converted MLP exported to OpenCV and run by cv2. Inputs are real 28×28 grey images scaled to
 * [0, 1] as both models were trained (Fashion-MNIST t10k from Debian's dataset-fashion-mnist when
 * installed, else seeded noise).
 *
 * Checked against things the pipeline does not compute itself: the loaded weights against the
 * fixtures' NumPy statistics of the raw checkpoint tensors (expected-stats.json: size, sum, min,
 * max, first values), and every output against the independent float64 reference CNN
 * (test/support/reference-cnn.ts) within per-output bounds (test/support/check-convert.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { convert, exportOpenCv, loadCheckpoint, type CnnModel } from '../../src/index.js';
import { checkConvert } from '../support/check-convert.js';
import { opencvMissing, opencvPredict } from '../support/opencv-python.js';
import { referenceCnn } from '../support/reference-cnn.js';
import { skipUnless } from '../support/skips.js';
import { evalStored, readMlp } from '../support/stored-mlp.js';
import { CHECKPOINTS_MISSING, KERAS_ARCH, TF1, TF1_PREFIX, TF2, TF2_PREFIX } from '../support/tf-checkpoint-fixtures.js';
import { assertWithin } from '../support/tolerance.js';

const N = 16;
function images(): Float32Array {
  const file = '/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz';
  const x = new Float32Array(N * 784);
  if (existsSync(file)) {
    const raw = gunzipSync(readFileSync(file));
    for (let i = 0; i < x.length; i++) x[i] = raw[16 + i] / 255;
  } else {
    let s = 12345;
    for (let i = 0; i < x.length; i++) (s = (s * 1103515245 + 12345) >>> 0), (x[i] = (s >>> 8) / 2 ** 24);
  }
  return x;
}

interface TensorStats {
  name: string;
  shape: number[];
  sum: number;
  min: number;
  max: number;
  first: number[];
}

/** Each conv/dense layer's weights and bias equal the raw checkpoint tensors NumPy summarised. */
function expectFixtureWeights(model: CnnModel, dir: string, tensors: Array<[string, string]>): void {
  const stats = (JSON.parse(readFileSync(path.join(dir, 'expected-stats.json'), 'utf8')) as { tensors: TensorStats[] }).tensors;
  const layers = model.layers.filter((l) => l.type === 'conv2d' || l.type === 'dense');
  expect(layers.length).toBe(tensors.length);
  layers.forEach((l, i) => {
    for (const [values, name] of [[l.weights, tensors[i][0]], [l.bias!, tensors[i][1]]] as const) {
      const e = stats.find((t) => t.name === name)!;
      expect(e, name).toBeDefined();
      expect(values.length, name).toBe(e.shape.reduce((a, b) => a * b, 1));
      let sum = 0;
      let mag = 0;
      for (const v of values) (sum += v), (mag += Math.abs(v));
      // NumPy's float64 pairwise sum and this one differ only by float64 rounding
      expect(Math.abs(sum - e.sum), `${name} sum`).toBeLessThanOrEqual(1e-12 * values.length * mag);
      expect([Math.min(...values), Math.max(...values)], name).toEqual([e.min, e.max]);
      expect(Array.from(values.subarray(0, e.first.length)), `${name}, first values in TF order`).toEqual(e.first);
    }
  });
}

const TF1_TENSORS: Array<[string, string]> = [['conv2d/kernel', 'conv2d/bias'], ['conv2d_1/kernel', 'conv2d_1/bias'], ['dense/kernel', 'dense/bias']];
const TF2_TENSORS: Array<[string, string]> = [0, 1, 2, 3].map((i) => [`layer_with_weights-${i}/kernel/.ATTRIBUTES/VARIABLE_VALUE`, `layer_with_weights-${i}/bias/.ATTRIBUTES/VARIABLE_VALUE`]);

describe('real checkpoints through runCnn, convert, runMlp and OpenCV', () => {
  skipUnless(TF1 && TF2, CHECKPOINTS_MISSING ?? '');
  // The Keras model's max-pool stages are 21632 × 21632 matrices: dense they would take ~1.9 GB,
  // so it is converted to CSR only; the TF 1.5 model in both formats.
  const cases = [
    ['TF 1.5 Estimator (.meta graph)', () => loadCheckpoint(TF1_PREFIX!), ['dense', 'csr'], TF1, TF1_TENSORS],
    ['TF 2.1 Keras (explicit architecture)', () => loadCheckpoint(TF2_PREFIX!, KERAS_ARCH), ['csr'], TF2, TF2_TENSORS],
  ] as const;
  for (const [label, load, formats, dir, tensors] of cases) {
    it(`${label}: weights as NumPy read them; runCnn and the MLP (${formats.join(' and ')}) match the float64 reference`, async () => {
      const model = await load();
      expectFixtureWeights(model, dir!, tensors);
      const x = images();
      await checkConvert(model, x, N, { formats: [...formats] });
    });
  }

  /**
   * OpenCV holds only dense matrices, and the max-pool stages of the full 28×28 models densify to
   * ~10⁷–10⁸ weights (see docs/opencv.md for sizes), too slow for a unit test; the TF 1.5
   * checkpoint's convolutional trunk (both convs and both max pools, its real weights) on a 12×12
   * input converts to 7 layers and exports to ~4.5 MB.
   */
  it('the TF 1.5 checkpoint trunk, converted and exported to OpenCV, matches the reference', async (ctx) => {
    const missing = opencvMissing();
    if (missing) {
      if (process.env.CNN2MLP_REQUIRE_DEPS === '1') throw new Error(`CNN2MLP_REQUIRE_DEPS=1 but: ${missing}`);
      ctx.skip(missing);
    }
    const tmp = await mkdtemp(path.join(tmpdir(), 'cnn2mlp-ckcv-'));
    try {
      const model = await loadCheckpoint(TF1_PREFIX!, {
        inputShape: [12, 12, 1],
        layers: [
          { type: 'conv2d', scope: 'conv2d', padding: 'same', activation: 'relu' },
          { type: 'maxPool2d', poolSize: [2, 2] },
          { type: 'conv2d', scope: 'conv2d_1', padding: 'same', activation: 'relu' },
          { type: 'maxPool2d', poolSize: [2, 2] },
          { type: 'flatten' },
        ],
      });
      const x = new Float32Array(N * 144);
      const img = images();
      for (let s = 0; s < N; s++) for (let r = 0; r < 12; r++) for (let c = 0; c < 12; c++) x[s * 144 + r * 12 + c] = img[s * 784 + (r + 8) * 28 + c + 8];
      const ref = referenceCnn(model, x, N);
      using mlp = await convert(model, { format: 'csr' });
      // OpenCV evaluates the stored float32 weights in float64: the stored-weight rounding bound applies
      const stored = evalStored(readMlp(mlp), x, N);
      const file = path.join(tmp, 'trunk.xml');
      const info = await exportOpenCv(mlp, file, { linearLayers: 'reluPair' });
      expect(info.activation).toBe('RELU');
      const k = mlp.outputSize;
      expect(k).toBe(72);
      const [r] = opencvPredict([{ model: file, input: x, n: N }]);
      const y = new Float64Array(N * k);
      if (info.output === 'pairs') for (let s = 0; s < N; s++) for (let o = 0; o < k; o++) y[s * k + o] = r.output[s * 2 * k + o] - r.output[s * 2 * k + k + o];
      else y.set(r.output);
      assertWithin(y, ref.y, stored.tolStored.map((t, i) => t + ref.tolParams[i] + 1e-12 * Math.abs(ref.y[i])), 'OpenCV');
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });
});
