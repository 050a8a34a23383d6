/**
 * The seed's own path, end to end, on the two real TensorFlow checkpoints: loadCheckpoint →
 * runCnn (direct convolution) → convert (dense and CSR, max pooling included) → runMlp, and the
 * converted MLP exported to OpenCV and run by cv2. Inputs are real 28×28 grey images scaled to
 * [0, 1] as both models were trained (Fashion-MNIST t10k from Debian's dataset-fashion-mnist when
 * installed, else seeded noise).
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { convert, exportOpenCv, loadCheckpoint, runCnn, runMlp } from '../../src/index.js';
import { opencvPredict, opencvPython } from '../support/opencv-python.js';
import { KERAS_ARCH, TF1, TF1_PREFIX, TF2, TF2_PREFIX } from '../support/tf-checkpoint-fixtures.js';

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

/**
 * runCnn and runMlp both accumulate in float32, in different orders and through different
 * operators (a max pool is a tournament of relu stages in the MLP). Each float32 sum of K terms
 * errs by ≲ √K·2⁻²⁴·Σ|terms|; with K ≤ 5408 (the widest MLP row) and four layers compounding,
 * 2e-4 of the output's scale bounds it with margin, and is ~1000× smaller than any wrong weight,
 * stride or pooling window would produce.
 */
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>) {
  expect(got.length).toBe(want.length);
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  expect(worst).toBeLessThanOrEqual(2e-4 * Math.max(scale, 1e-3));
}

describe.skipIf(!TF1 || !TF2)('real checkpoints through runCnn, convert, runMlp and OpenCV', () => {
  // The Keras model's max-pool stages are 21632 × 21632 matrices: dense they would take ~1.9 GB,
  // so it is converted to CSR only; the TF 1.5 model in both formats.
  const cases = [
    ['TF 1.5 Estimator (.meta graph)', () => loadCheckpoint(TF1_PREFIX!), ['dense', 'csr']],
    ['TF 2.1 Keras (explicit architecture)', () => loadCheckpoint(TF2_PREFIX!, KERAS_ARCH), ['csr']],
  ] as const;
  for (const [label, load, formats] of cases) {
    it(`${label}: the converted MLP (${formats.join(' and ')}) matches runCnn`, async () => {
      const model = await load();
      const x = images();
      const want = await runCnn(model, x);
      expect(want.length).toBe(N * 10);
      for (const format of formats) {
        using mlp = await convert(model, { format });
        expectClose(await runMlp(mlp, x), want);
      }
    });
  }

  /**
   * OpenCV holds only dense matrices, and the max-pool stages of the full 28×28 models densify to
   * ~10⁷–10⁸ weights (see docs/opencv.md for sizes), too slow for a unit test; the TF 1.5
   * checkpoint's convolutional trunk (both convs and both max pools, its real weights) on a 12×12
   * input converts to 7 layers and exports to ~4.5 MB.
   */
  it.skipIf(!opencvPython())('the TF 1.5 checkpoint trunk, converted and exported to OpenCV, matches runCnn', async () => {
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
      const want = await runCnn(model, x);
      using mlp = await convert(model, { format: 'csr' });
      const file = path.join(tmp, 'trunk.xml');
      const info = await exportOpenCv(mlp, file, { linearLayers: 'reluPair' });
      expect(info.activation).toBe('RELU');
      const k = mlp.outputSize;
      expect(k).toBe(72);
      const [r] = opencvPredict([{ model: file, input: x, n: N }]);
      const y = new Float64Array(N * k);
      if (info.output === 'pairs') for (let s = 0; s < N; s++) for (let o = 0; o < k; o++) y[s * k + o] = r.output[s * 2 * k + o] - r.output[s * 2 * k + k + o];
      else y.set(r.output);
      expectClose(y, want);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });
});
