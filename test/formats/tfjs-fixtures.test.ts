/**
 * TF.js models as users have them, against TensorFlow.js itself:
 * - Layers models of the standard families built with the tfjs functional API
 *   (scripts/make-tfjs-fixtures.ts), float32 and with uint8 / uint16 / float16 quantized weights
 *   written as tensorflowjs_converter writes them; tfjs loads the same files (it dequantizes itself).
 * - Graph models: real TensorFlow 2.21 graphs optimised by grappler (_FusedConv2D,
 *   FusedDepthwiseConv2dNative, _FusedMatMul…) in the graph-model layout (scripts/export-tf-graph.py),
 *   run by tfjs's loadGraphModel.
 * loadTfjs + runCnn must match tfjs's predict on the same input (batch 3).
 *
 * Tolerance: atol 1e-4 + rtol 1e-4 — both sides compute in float32 with different summation orders
 * over reductions of at most 16·9 = 144 terms in networks of up to 31 layers (observed ≤ 1e-5);
 * a wrong layout, pad, coordinate mode or dequantization moves results by more than 1e-3.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { runCnn } from '../../src/cnn/cnn.js';
import { loadTfjs } from '../../src/formats/tfjs.js';
import { expectClose } from '../support/compare.js';
import { rand } from '../support/onnx-builders.js';

const LAYERS = path.join(import.meta.dirname, '../fixtures/tfjs');
const GRAPHS = path.join(import.meta.dirname, '../fixtures/tfjs-graph');
const BATCH = 3;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The files as tfjs's own loaders read them (weight specs with their quantization, shards joined). */
function artifacts(file: string): tf.io.ModelArtifacts {
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  const groups = json.weightsManifest as { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  const bytes = Buffer.concat(groups.flatMap((g) => g.paths.map((p) => fs.readFileSync(path.join(path.dirname(file), p)))));
  return {
    modelTopology: json.modelTopology,
    format: json.format,
    signature: json.signature,
    weightSpecs: groups.flatMap((g) => g.weights),
    weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length),
  };
}

async function tfjsPredict(file: string, graph: boolean, x: Float32Array, shape: number[]): Promise<Float32Array> {
  const input = tf.tensor(x, [BATCH, ...shape]);
  try {
    if (graph) {
      const model = await tf.loadGraphModel(tf.io.fromMemory(artifacts(file)));
      const y = model.predict(input) as tf.Tensor;
      return (await y.data()) as Float32Array;
    }
    const model = await tf.loadLayersModel(tf.io.fromMemory(artifacts(file)));
    const y = model.predict(input) as tf.Tensor;
    return (await y.data()) as Float32Array;
  } finally {
    input.dispose();
  }
}

const layerFiles = fs
  .readdirSync(LAYERS)
  .sort()
  .flatMap((family) => fs.readdirSync(path.join(LAYERS, family)).filter((f) => /^model.*\.json$/.test(f)).sort().map((f) => [`${family}/${f}`, path.join(LAYERS, family, f), false] as const));
const graphFiles = fs.readdirSync(GRAPHS).sort().map((m) => [`graph-model ${m}`, path.join(GRAPHS, m, 'model.json'), true] as const);

describe('TF.js Layers and graph models through loadTfjs and runCnn, against tfjs predict', () => {
  it.each([...layerFiles, ...graphFiles])('%s', async (_, file, graph) => {
    const model = loadTfjs(file);
    const x = rand(BATCH * model.inputShape.reduce((a, b) => a * b, 1), 7, 1);
    const actual = await runCnn(model, x);
    expectClose(actual, await tfjsPredict(file, graph, x, model.inputShape));
  });

  it('quantized weights are what tfjs decodes, not the float32 originals', () => {
    const f32 = loadTfjs(path.join(LAYERS, 'resnet/model.json'));
    for (const [dtype, bound] of [['uint8', 2 ** -7], ['uint16', 2 ** -15], ['float16', 2 ** -10]] as const) {
      const q = loadTfjs(path.join(LAYERS, `resnet/model-${dtype}.json`));
      const a = f32.layers.find((l) => l.type === 'conv2d')!;
      const b = q.layers.find((l) => l.type === 'conv2d')!;
      const wa = (a as { weights: Float32Array }).weights;
      const wb = (b as { weights: Float32Array }).weights;
      let range = 0;
      let worst = 0;
      for (let k = 0; k < wa.length; k++) {
        range = Math.max(range, Math.abs(wa[k]));
        worst = Math.max(worst, Math.abs(wa[k] - wb[k]));
      }
      // affine quantization errs by at most half a step of 2·range / levels; float16 by half an ulp (relative)
      expect(worst).toBeGreaterThan(0);
      expect(worst).toBeLessThanOrEqual(bound * range * 1.01);
    }
  });

  it('Keras Subtract (which tfjs cannot build) against tfjs computing both branches; causal Conv1D', async () => {
    const input = tf.input({ shape: [8, 2], name: 'x' });
    const a = tf.layers.conv1d({ filters: 3, kernelSize: 3, padding: 'same', dilationRate: 2, name: 'a' }).apply(input) as tf.SymbolicTensor;
    const b = tf.layers.conv1d({ filters: 3, kernelSize: 1, name: 'b' }).apply(input) as tf.SymbolicTensor;
    const both = tf.model({ inputs: input, outputs: [a, b] });
    both.setWeights(both.getWeights().map((w, k) => tf.tensor(rand(w.size, 20 + k, 0.5), w.shape)));
    const merged = tf.model({ inputs: input, outputs: tf.layers.add({ name: 'diff' }).apply([a, b]) as tf.SymbolicTensor });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnn2mlp-subtract-'));
    try {
      await merged.save(
        tf.io.withSaveHandler(async (art) => {
          const topology = JSON.parse(JSON.stringify(art.modelTopology).replace('"class_name":"Add"', '"class_name":"Subtract"'));
          fs.writeFileSync(path.join(dir, 'w.bin'), new Uint8Array(art.weightData as ArrayBuffer));
          fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ format: 'layers-model', modelTopology: topology, weightsManifest: [{ paths: ['w.bin'], weights: art.weightSpecs }] }));
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
        }),
      );
      const x = rand(BATCH * 16, 21, 1);
      const [ya, yb] = (both.predict(tf.tensor(x, [BATCH, 8, 2])) as tf.Tensor[]).map((t) => t.dataSync());
      const model = loadTfjs(path.join(dir, 'model.json'));
      expectClose(await runCnn(model, x), ya.map((v, k) => v - yb[k]));
      // causal padding (Keras; tfjs cannot run it): the reference is tf.conv1d on the input padded by d·(k − 1) on the left
      const spec = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
      const conv = spec.modelTopology.config.layers.find((l: { name: string }) => l.name === 'a');
      conv.config.padding = 'causal';
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(spec).replace('"class_name":"Subtract"', '"class_name":"Add"'));
      const [ka, ba, kb, bb] = both.getWeights();
      const xt = tf.tensor3d(x, [BATCH, 8, 2]);
      const ca = tf.add(tf.conv1d(tf.pad(xt, [[0, 0], [4, 0], [0, 0]]), ka as tf.Tensor3D, 1, 'valid', 'NWC', 2), ba);
      const cb = tf.add(tf.conv1d(xt, kb as tf.Tensor3D, 1, 'valid'), bb);
      expectClose(await runCnn(loadTfjs(path.join(dir, 'model.json')), x), tf.add(ca, cb).dataSync());
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('functional merges, 1-D and transposed convs arrive as graph layers', () => {
    const types = (f: string) => new Set(loadTfjs(path.join(LAYERS, f, 'model.json')).layers.map((l) => l.type));
    expect(types('resnet').has('add')).toBe(true);
    expect(types('squeezenet').has('concat')).toBe(true);
    expect(types('separable').has('multiply')).toBe(true);
    expect(types('separable').has('cropping2d')).toBe(true);
    expect(types('unet').has('upsample2d')).toBe(true);
    expect(types('decoder').has('conv2dTranspose')).toBe(true);
    expect(loadTfjs(path.join(LAYERS, 'conv1d/model.json')).spatialRank).toBe(1);
  });
});
