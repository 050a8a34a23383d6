/**
 * Trains the small strided CNN that cnn2mlp embeds as its default model (models/fashion-mnist/)
 * on the real Fashion-MNIST training set, reports its test accuracy and saves it in TF.js Layers
 * format (model.json + weights.bin).
 *
 *   npx tsx scripts/train-fashion-mnist.ts [--epochs 12] [--batch 64] [--seed 42] [--out models/fashion-mnist]
 *                                          [--backend wasm|cpu] [--limit N]
 *
 * Data: Debian's `dataset-fashion-mnist` (/usr/share/datasets/fashion-mnist/*.gz).
 *
 * Speed: tfjs' pure-JS CPU backend needs ~35 ms per training image here (about half an hour per epoch),
 * so we train on the WASM backend (XNNPACK forward kernels). That backend has no Conv2DBackpropFilter
 * kernel (the weight gradient of a convolution), so this script registers a plain JS one for it
 * (direct loops over the NHWC tensors; no padding or dilation tricks beyond what tfjs' convInfo says).
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { readIdxImageSet, type IdxImageSet } from '../src/data/idx.js';
import { mulberry32 } from '../src/util/random.js';
import { registerWasmConvFilterGrad } from './lib/wasm-conv-filter-grad.js';

const DATA_DIR = '/usr/share/datasets/fashion-mnist';

interface Options {
  epochs: number;
  batch: number;
  seed: number;
  out: string;
  backend: 'wasm' | 'cpu';
  limit: number;
  lr: number;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { epochs: 12, batch: 64, seed: 42, out: 'models/fashion-mnist', backend: 'wasm', limit: 0, lr: 1e-3 };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '');
    const value = argv[++i];
    if (value === undefined) throw new Error(`missing value for --${key}`);
    if (key === 'out') o.out = value;
    else if (key === 'backend') o.backend = value === 'cpu' ? 'cpu' : 'wasm';
    else if (key in o) (o as unknown as Record<string, number>)[key] = Number(value);
    else throw new Error(`unknown option --${key}`);
  }
  return o;
}

function toTensors(set: IdxImageSet, limit: number): { xs: tf.Tensor4D; ys: tf.Tensor2D; labels: Uint8Array } {
  const n = limit > 0 ? Math.min(limit, set.count) : set.count;
  const px = set.height * set.width;
  const f = new Float32Array(n * px);
  for (let i = 0; i < n * px; i++) f[i] = set.images[i] / 255;
  const labels = set.labels.subarray(0, n);
  const xs = tf.tensor4d(f, [n, set.height, set.width, 1]);
  const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from(labels), 'int32'), 10).toFloat() as tf.Tensor2D);
  return { xs, ys, labels };
}

function buildModel(seed: number): tf.Sequential {
  const init = (k: number) => tf.initializers.glorotUniform({ seed: seed + k });
  const m = tf.sequential({ name: 'fashion_mnist_strided_cnn' });
  m.add(tf.layers.conv2d({ name: 'conv1', inputShape: [28, 28, 1], filters: 16, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: init(1) }));
  m.add(tf.layers.conv2d({ name: 'conv2', filters: 32, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: init(2) }));
  m.add(tf.layers.flatten({ name: 'flatten' }));
  m.add(tf.layers.dense({ name: 'dense1', units: 128, activation: 'relu', kernelInitializer: init(3) }));
  m.add(tf.layers.dense({ name: 'logits', units: 10, activation: 'softmax', kernelInitializer: init(4) }));
  return m;
}

function accuracy(model: tf.LayersModel, xs: tf.Tensor4D, labels: Uint8Array): number {
  let correct = 0;
  const B = 500;
  for (let s = 0; s < labels.length; s += B) {
    const e = Math.min(labels.length, s + B);
    const pred = tf.tidy(() => (model.predict(xs.slice([s, 0, 0, 0], [e - s, -1, -1, -1])) as tf.Tensor).argMax(-1).dataSync());
    for (let i = s; i < e; i++) if (pred[i - s] === labels[i]) correct++;
  }
  return correct / labels.length;
}

async function save(model: tf.LayersModel, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const raw = artifacts.weightData;
      const weights = Array.isArray(raw) ? tf.io.concatenateArrayBuffers(raw) : (raw as ArrayBuffer);
      const modelJson = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      };
      // write to temp names, then rename: a crash never leaves a half-written model
      writeFileSync(path.join(dir, 'weights.bin.tmp'), Buffer.from(weights));
      writeFileSync(path.join(dir, 'model.json.tmp'), JSON.stringify(modelJson) + '\n');
      renameSync(path.join(dir, 'weights.bin.tmp'), path.join(dir, 'weights.bin'));
      renameSync(path.join(dir, 'model.json.tmp'), path.join(dir, 'model.json'));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength } };
    }),
  );
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const file = (name: string) => path.join(DATA_DIR, name);
  if (!existsSync(file('train-images-idx3-ubyte.gz'))) {
    console.error(`Fashion-MNIST not found in ${DATA_DIR}: apt-get install dataset-fashion-mnist`);
    process.exit(1);
  }
  if (o.backend === 'wasm') registerWasmConvFilterGrad();
  await tf.setBackend(o.backend);
  await tf.ready();
  const train = toTensors(readIdxImageSet(file('train-images-idx3-ubyte.gz'), file('train-labels-idx1-ubyte.gz')), o.limit);
  const test = toTensors(readIdxImageSet(file('t10k-images-idx3-ubyte.gz'), file('t10k-labels-idx1-ubyte.gz')), 0);
  const n = train.labels.length;
  console.log(`backend ${tf.getBackend()}, ${n} training / ${test.labels.length} test images, ${o.epochs} epochs, batch ${o.batch}, seed ${o.seed}`);

  const model = buildModel(o.seed);
  model.summary(undefined, undefined, (line) => console.log(line));
  const optimizer = tf.train.adam(o.lr);
  model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });

  const shuffle = mulberry32(o.seed); // tfjs' own initialisers take the seed directly
  const t0 = Date.now();
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    // our own seeded permutation, so two runs see the batches in the same order
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(shuffle() * (i + 1));
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    const idx = tf.tensor1d(order, 'int32');
    const xs = tf.gather(train.xs, idx);
    const ys = tf.gather(train.ys, idx);
    idx.dispose();
    const te = Date.now();
    const h = await model.fit(xs, ys, { batchSize: o.batch, epochs: 1, shuffle: false, verbose: 0 });
    xs.dispose();
    ys.dispose();
    const acc = accuracy(model, test.xs, test.labels);
    console.log(
      `epoch ${epoch + 1}/${o.epochs}: loss ${(h.history.loss[0] as number).toFixed(4)} train acc ${(h.history.acc[0] as number).toFixed(4)}` +
        ` test acc ${acc.toFixed(4)} (${((Date.now() - te) / 1000).toFixed(1)} s)`,
    );
  }
  const testAcc = accuracy(model, test.xs, test.labels);
  const seconds = (Date.now() - t0) / 1000;
  await save(model, o.out);
  writeFileSync(
    path.join(o.out, 'training.json'),
    JSON.stringify(
      {
        testAccuracy: testAcc,
        testImages: test.labels.length,
        trainImages: n,
        epochs: o.epochs,
        batch: o.batch,
        seed: o.seed,
        learningRate: o.lr,
        backend: tf.getBackend(),
        trainingSeconds: Math.round(seconds),
        tfjs: tf.version.tfjs,
        command: `npx tsx scripts/train-fashion-mnist.ts ${process.argv.slice(2).join(' ')}`.trim(),
      },
      null,
      2,
    ) + '\n',
  );
  console.log(`test accuracy ${(testAcc * 100).toFixed(2)} % after ${seconds.toFixed(0)} s; saved to ${o.out}/model.json`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
