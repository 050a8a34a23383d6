// exportOnnx and exportOpenCv of an MLP with bf16 layers write the bf16 weights widened exactly to
// fp32: the files equal those of the fp32 MLP built from the same weights rounded to bf16, and
// onnxruntime runs the exported graph like runMlp runs the bf16 MLP.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { exportOnnx, exportOpenCv, mlpFromLayers, runMlp, type MlpLayerSpec } from '../../src/index.js';
import { mulberry32 } from '../../src/util/random.js';
import { roundBf16 } from '../support/kernel-cases.js';
import { randomCsr, randomDense, randomInput } from '../support/mlp-reference.js';
import { expectClose } from '../support/compare.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cnn2mlp-bf16-export-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const rand = mulberry32(3);
const layers: MlpLayerSpec[] = [randomDense(rand, 24, 19, { activation: 'relu' }), randomCsr(rand, 20, 24, 0.3, 5, { activation: 'relu' }), randomDense(rand, 6, 20)];
/** The same network with the dense weights already rounded to bf16, stored as fp32. */
const rounded: MlpLayerSpec[] = layers.map((l) => (l.format === 'dense' ? { ...l, values: Float32Array.from(l.values, roundBf16) } : l));

describe('exporting a bf16 MLP', () => {
  it('exportOnnx writes the exact fp32 widening of the bf16 weights, and onnxruntime runs it like runMlp', async () => {
    using bf16 = mlpFromLayers(19, layers, { precision: 'bf16' });
    using f32 = mlpFromLayers(19, rounded);
    expect(bf16.layers.map((l) => l.precision)).toEqual(['bf16', 'f32', 'bf16']);
    const a = path.join(tmp, 'bf16.onnx'), b = path.join(tmp, 'f32.onnx');
    await exportOnnx(bf16, a, { externalThreshold: Infinity });
    await exportOnnx(f32, b, { externalThreshold: Infinity });
    expect(fs.readFileSync(a).equals(fs.readFileSync(b))).toBe(true);
    const batch = 4;
    const x = randomInput(mulberry32(8), 19 * batch);
    const session = await ort.InferenceSession.create(a);
    const res = await session.run({ input: new ort.Tensor('float32', x, [batch, 19]) });
    await session.release();
    // same weights, two float32 engines: reordered sums of ≤ 24 terms (tolerance as in onnx-export.test.ts)
    expectClose(res.output.data as Float32Array, Float64Array.from(await runMlp(bf16, x)));
  });

  it('exportOpenCv writes the same file as for the fp32 MLP of the rounded weights', async () => {
    using bf16 = mlpFromLayers(19, layers, { precision: 'bf16' });
    using f32 = mlpFromLayers(19, rounded);
    const a = path.join(tmp, 'bf16.yml'), b = path.join(tmp, 'f32.yml');
    const infoA = await exportOpenCv(bf16, a, { linearLayers: 'reluPair' });
    const infoB = await exportOpenCv(f32, b, { linearLayers: 'reluPair' });
    expect(infoA).toEqual(infoB);
    expect(fs.readFileSync(a, 'utf8')).toBe(fs.readFileSync(b, 'utf8'));
  });
});
