/**
 * exportOpenCv checked by real OpenCV: cv2.ml.ANN_MLP_load + predict (python3-opencv) on the
 * exported YAML/XML, against the float64 evaluation of the same stored MLP (test/support/stored-mlp.ts).
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Mlp, exportOpenCv, loadCheckpoint, type ExportOpenCvOptions } from '../../src/index.js';
import { Cnn2MlpError } from '../../src/errors.js';
import { native, type NativeLayerInput } from '../../src/native.js';
import { mulberry32 } from '../../src/util/random.js';
import { evalStored, readMlp } from '../support/stored-mlp.js';
import { opencvMissing, opencvPredict, opencvPython } from '../support/opencv-python.js';
import { skipUnless } from '../support/skips.js';
import { CHECKPOINTS_MISSING, TF2, TF2_PREFIX } from '../support/tf-checkpoint-fixtures.js';

const HAVE_CV = opencvPython() !== null;

/** Deterministic pseudo-random numbers in [-1, 1) (mulberry32). */
function rng(seed: number) {
  const r = mulberry32(seed);
  return () => r() * 2 - 1;
}

type Act = { act: number; alpha?: number };
const ACT = { linear: { act: 0 }, relu: { act: 1 }, leaky: { act: 2, alpha: 0.1 }, sigmoid: { act: 4 }, tanh: { act: 5 }, softmax: { act: 9 } };

function randomMlp(sizes: number[], acts: Act[], seed: number, csr = false): Mlp {
  const r = rng(seed);
  const layers: NativeLayerInput[] = acts.map((a, i) => {
    const rows = sizes[i + 1];
    const cols = sizes[i];
    const dense = Float32Array.from({ length: rows * cols }, () => r() / Math.sqrt(cols));
    const bias = Float32Array.from({ length: rows }, () => r() * 0.5);
    if (!csr) return { format: 0, rows, cols, values: dense, bias, ...a };
    // keep ~40% of the entries (some rows empty) to exercise the CSR scatter
    const rowPtr = new Float64Array(rows + 1);
    const colIdx: number[] = [];
    const values: number[] = [];
    for (let o = 0; o < rows; o++) {
      for (let c = 0; c < cols; c++) if (o % 7 !== 3 && r() < -0.2) colIdx.push(c), values.push(dense[o * cols + c]);
      rowPtr[o + 1] = colIdx.length;
    }
    return { format: 1, rows, cols, values: Float32Array.from(values), rowPtr, colIdx: Int32Array.from(colIdx), bias, ...a };
  });
  return new Mlp(native().mlpFromLayers(sizes[0], layers), { layout: 'NHWC', inputShape: [sizes[0]], outputShape: [sizes[sizes.length - 1]] });
}

function inputs(n: number, d: number, seed: number) {
  const r = rng(seed);
  return Float32Array.from({ length: n * d }, () => r() * 2);
}

/** OpenCV's output mapped back to the MLP's outputs (pairs: y = out[:k] − out[k:]). */
function decode(out: Float64Array, n: number, k: number, pairs: boolean): Float64Array {
  if (!pairs) return out;
  const y = new Float64Array(n * k);
  for (let s = 0; s < n; s++) for (let o = 0; o < k; o++) y[s * k + o] = out[s * 2 * k + o] - out[s * 2 * k + k + o];
  return y;
}

/**
 * OpenCV and the reference both evaluate in float64 from the same float32 weights, so they differ
 * only by summation order and exp/tanh rounding: a few ulps of the largest partial sum. With
 * |x| ≤ 2, |w| ≤ 1/√K and |b| ≤ 0.5 activations stay O(10); 1e-9 absolute + 1e-9 relative leaves a
 * ×1e4 margin over that and still catches any wrong weight, bias, sign or activation.
 */
function expectClose(got: Float64Array, want: Float64Array) {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / (1e-9 + 1e-9 * Math.abs(want[i])));
  expect(worst).toBeLessThanOrEqual(1);
}

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'cnn2mlp-cv-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('exportOpenCv, loaded and run by real OpenCV (cv2.ml.ANN_MLP)', () => {
  skipUnless(HAVE_CV, opencvMissing() ?? '');
  const cases: { name: string; sizes: number[]; acts: Act[]; opts?: ExportOpenCvOptions; activation: string; pairs?: boolean; csr?: boolean }[] = [
    { name: 'all relu', sizes: [13, 17, 9, 5], acts: [ACT.relu, ACT.relu, ACT.relu], activation: 'RELU' },
    { name: 'all linear', sizes: [8, 6, 3], acts: [ACT.linear, ACT.linear], activation: 'IDENTITY' },
    { name: 'all leakyRelu(0.1), CSR', sizes: [11, 20, 4], acts: [ACT.leaky, ACT.leaky], activation: 'LEAKYRELU', csr: true },
    { name: 'all tanh', sizes: [6, 10, 7, 3], acts: [ACT.tanh, ACT.tanh, ACT.tanh], activation: 'SIGMOID_SYM' },
    { name: 'all sigmoid (σ − ½ folded into the next bias and the output shift)', sizes: [6, 9, 8, 4], acts: [ACT.sigmoid, ACT.sigmoid, ACT.sigmoid], activation: 'SIGMOID_SYM' },
    { name: 'relu hidden, linear output as relu pairs, CSR', sizes: [12, 16, 10, 3], acts: [ACT.relu, ACT.relu, ACT.linear], opts: { linearLayers: 'reluPair' }, activation: 'RELU', pairs: true, csr: true },
    { name: 'relu with a linear hidden layer and a linear output, as pairs', sizes: [9, 14, 6, 11, 4], acts: [ACT.relu, ACT.linear, ACT.relu, ACT.linear], opts: { linearLayers: 'reluPair' }, activation: 'RELU', pairs: true },
    { name: 'leakyRelu(0.1) with a linear output, as leaky pairs', sizes: [7, 12, 5], acts: [ACT.leaky, ACT.linear], opts: { linearLayers: 'reluPair' }, activation: 'LEAKYRELU', pairs: true },
  ];

  it('every exact mapping, in YAML and XML, matches a float64 reference', async () => {
    const n = 6;
    const jobs: { model: string; input: Float32Array; n: number }[] = [];
    const checks: { want: Float64Array; k: number; pairs: boolean; sizes: number[] }[] = [];
    for (const [i, c] of cases.entries()) {
      using mlp = randomMlp(c.sizes, c.acts, 100 + i, c.csr);
      const x = inputs(n, c.sizes[0], 200 + i);
      const want = evalStored(readMlp(mlp), x, n).y;
      for (const ext of ['yml', 'xml', i % 2 ? 'xml.gz' : 'yaml.gz']) {
        const file = path.join(tmp, `case${i}.${ext}`);
        const info = await exportOpenCv(mlp, file, c.opts);
        expect(info.activation, c.name).toBe(c.activation);
        expect(info.output).toBe(c.pairs ? 'pairs' : 'direct');
        jobs.push({ model: file, input: x, n });
        checks.push({ want, k: c.sizes[c.sizes.length - 1], pairs: !!c.pairs, sizes: info.layerSizes });
      }
    }
    const results = opencvPredict(jobs);
    results.forEach((r, j) => {
      expect(r.layerSizes).toEqual(checks[j].sizes);
      expectClose(decode(r.output, n, checks[j].k, checks[j].pairs), checks[j].want);
    });
  });

  it('streams in column blocks and row chunks: a 4 KiB chunk budget writes the same bytes', async () => {
    using mlp = randomMlp([300, 70, 5], [ACT.relu, ACT.relu], 7, true);
    const a = path.join(tmp, 'big.yml');
    const b = path.join(tmp, 'small-chunks.yml');
    await exportOpenCv(mlp, a);
    await exportOpenCv(mlp, b, { chunkBytes: 4096 }); // 4096/4/70 = 14 columns per block, 3 rows per read
    const [ta, tb] = [await readFile(a, 'utf8'), await readFile(b, 'utf8')];
    expect(ta.length).toBeGreaterThan(300 * 70 * 10);
    expect(tb === ta).toBe(true); // (string compare: vitest's deep equality on 700 KB buffers is slow)
  });

  it('reports progress up to the total, and an abort leaves no file behind', async () => {
    using mlp = randomMlp([600, 500, 10], [ACT.relu, ACT.relu], 21);
    const file = path.join(tmp, 'progress.yml');
    const seen: [number, number][] = [];
    await exportOpenCv(mlp, file, { onProgress: (d, t) => seen.push([d, t]) });
    const total = 601 * 500 + 501 * 10; // (inputs + 1 bias row) × outputs, per layer
    expect(seen.length).toBeGreaterThan(3); // ~10 MB of text, reported about every MiB
    expect(seen.every(([, t]) => t === total)).toBe(true);
    expect(seen.every(([d], i) => i === 0 || d >= seen[i - 1][0])).toBe(true);
    expect(seen[seen.length - 1][0]).toBe(total);
    const ac = new AbortController();
    const aborted = path.join(tmp, 'aborted.yml');
    const err = await exportOpenCv(mlp, aborted, { signal: ac.signal, onProgress: () => ac.abort() }).catch((e) => e);
    expect(err).toBeInstanceOf(Cnn2MlpError);
    expect(err.code).toBe('ERR_ABORTED');
    expect((await readdir(tmp)).filter((f) => f.startsWith('aborted'))).toEqual([]);
    mlp.dispose();
    await expect(exportOpenCv(mlp, file)).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
  });

  it("refuses what OpenCV's single activation cannot express, saying why and what to pass", async () => {
    const f = path.join(tmp, 'refused.yml');
    const cases: [Act[], RegExp][] = [
      [[ACT.relu, ACT.tanh], /mixes relu, tanh/],
      [[ACT.relu, ACT.linear], /layers 1 are linear among relu layers; pass \{ linearLayers: 'reluPair' \}/],
      [[ACT.relu, ACT.softmax], /output layer is softmax.*softmax: 'logits'/],
      [[ACT.tanh, ACT.linear], /linear among tanh layers and only relu\/leakyRelu\(α ≠ −1\) networks have an exact pair encoding/],
    ];
    for (const [acts, re] of cases) {
      using mlp = randomMlp([4, 5, 3], acts, 3);
      const err = await exportOpenCv(mlp, f, { ...(acts[0] === ACT.tanh ? { linearLayers: 'reluPair' } : {}) }).catch((e) => e);
      expect(err).toBeInstanceOf(Cnn2MlpError);
      expect(err.code).toBe('ERR_UNSUPPORTED');
      expect(err.message).toMatch(re);
    }
    using mlp = randomMlp([4, 5, 3], [ACT.relu, ACT.relu], 3);
    await expect(exportOpenCv(mlp, path.join(tmp, 'x.txt'))).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    await expect(exportOpenCv(mlp, path.join(tmp, 'no-such-dir', 'x.yml'))).rejects.toMatchObject({ code: 'ERR_BAD_FILE' });
  });

  it('the dense head of the real Keras checkpoint (800→100 relu→10 softmax), exported as logits in relu pairs', async (ctx) => {
    ctx.skip(!TF2, CHECKPOINTS_MISSING);
    const model = await loadCheckpoint(TF2_PREFIX!, {
      inputShape: [800],
      layers: [
        { type: 'dense', scope: 'layer_with_weights-2', activation: 'relu' },
        { type: 'dense', scope: 'layer_with_weights-3', activation: 'softmax' },
      ],
    });
    // Until convert lands on main: the dense layers as MLP layers (kernel [in, out] → rows = outputs).
    const layers: NativeLayerInput[] = model.layers.map((l) => {
      const d = l as { units: number; weights: Float32Array; bias: Float32Array };
      const cols = d.weights.length / d.units;
      const values = new Float32Array(d.weights.length);
      for (let i = 0; i < cols; i++) for (let o = 0; o < d.units; o++) values[o * cols + i] = d.weights[i * d.units + o];
      return { format: 0, rows: d.units, cols, values, bias: d.bias, act: l === model.layers[0] ? 1 : 9 };
    });
    using mlp = new Mlp(native().mlpFromLayers(800, layers), { layout: 'NHWC', inputShape: [800], outputShape: [10] });
    const n = 4;
    const x = Float32Array.from(inputs(n, 800, 9), (v) => Math.abs(v) / 2); // post-ReLU-like features in [0, 1)
    const probs = evalStored(readMlp(mlp), x, n).y;
    const file = path.join(tmp, 'keras-head.xml');
    const info = await exportOpenCv(mlp, file, { softmax: 'logits', linearLayers: 'reluPair' });
    expect(info).toMatchObject({ activation: 'RELU', output: 'pairs', logits: true, layerSizes: [800, 100, 20] });
    const [r] = opencvPredict([{ model: file, input: x, n }]);
    const logits = decode(r.output, n, 10, true);
    // softmax of OpenCV's logits = the MLP's probabilities (float64 both sides; see expectClose)
    const soft = new Float64Array(n * 10);
    for (let s = 0; s < n; s++) {
      const row = logits.subarray(s * 10, s * 10 + 10);
      const m = Math.max(...row);
      const e = row.map((v) => Math.exp(v - m));
      const sum = e.reduce((a, b) => a + b, 0);
      e.forEach((v, i) => (soft[s * 10 + i] = v / sum));
    }
    expectClose(soft, probs);
  });
});
