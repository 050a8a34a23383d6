/**
 * Builds small CNNs of the standard families with @tensorflow/tfjs's functional layers API, gives
 * them seeded random weights and batch-norm statistics, and saves each in TF.js Layers format
 * (test/fixtures/tfjs/<family>/model.json + weights.bin), plus copies with weights quantized as
 * tensorflowjs_converter --quantize_{uint8,uint16,float16} writes them (model-<dtype>.json +
 * weights-<dtype>.bin). The tests load the files with tfjs itself as the reference.
 *
 *     npx tsx scripts/make-tfjs-fixtures.ts test/fixtures/tfjs
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { quantizeWeights, type QuantizeDtype } from './tfjs-quantize.js';

type Sym = tf.SymbolicTensor;
const L = tf.layers;
const apply = (layer: tf.layers.Layer, x: Sym | Sym[]) => layer.apply(x) as Sym;

function convBn(x: Sym, filters: number, k: number, name: string, strides = 1, act: 'relu' | 'relu6' | null = 'relu'): Sym {
  let y = apply(L.conv2d({ filters, kernelSize: k, strides, padding: 'same', useBias: false, name: `${name}_conv` }), x);
  y = apply(L.batchNormalization({ name: `${name}_bn` }), y);
  if (act === 'relu') y = apply(L.reLU({ name: `${name}_relu` }), y);
  if (act === 'relu6') y = apply(L.reLU({ maxValue: 6, name: `${name}_relu6` }), y);
  return y;
}

function resnet(): tf.LayersModel {
  const input = tf.input({ shape: [32, 32, 3], name: 'image' });
  let x = convBn(input, 8, 7, 'stem', 2);
  x = apply(L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'stem_pool' }), x);
  const basic = (x: Sym, filters: number, stride: number, name: string) => {
    const y = convBn(convBn(x, filters, 3, `${name}_a`, stride), filters, 3, `${name}_b`, 1, null);
    const skip = stride === 1 ? x : convBn(x, filters, 1, `${name}_down`, stride, null);
    return apply(L.reLU({ name: `${name}_out` }), apply(L.add({ name: `${name}_add` }), [y, skip]));
  };
  const bottleneck = (x: Sym, mid: number, stride: number, name: string) => {
    let y = convBn(x, mid, 1, `${name}_a`);
    y = convBn(y, mid, 3, `${name}_b`, stride);
    y = convBn(y, mid * 4, 1, `${name}_c`, 1, null);
    const skip = convBn(x, mid * 4, 1, `${name}_down`, stride, null);
    return apply(L.activation({ activation: 'relu', name: `${name}_out` }), apply(L.add({ name: `${name}_add` }), [y, skip]));
  };
  x = basic(x, 8, 1, 'block1');
  x = basic(x, 16, 2, 'block2');
  x = bottleneck(x, 4, 2, 'block3');
  x = apply(L.globalAveragePooling2d({ name: 'pool' }), x);
  return tf.model({ inputs: input, outputs: apply(L.dense({ units: 10, name: 'fc' }), x), name: 'resnet' });
}

function mobilenetv2(): tf.LayersModel {
  const input = tf.input({ shape: [32, 32, 3], name: 'image' });
  let x = convBn(input, 8, 3, 'stem', 2, 'relu6');
  const block = (x: Sym, cin: number, cout: number, stride: number, name: string) => {
    let y = convBn(x, cin * 4, 1, `${name}_expand`, 1, 'relu6');
    y = apply(L.depthwiseConv2d({ kernelSize: 3, strides: stride, padding: 'same', useBias: false, name: `${name}_dw` }), y);
    y = apply(L.batchNormalization({ name: `${name}_dw_bn` }), y);
    y = apply(L.reLU({ maxValue: 6, name: `${name}_dw_relu6` }), y);
    y = convBn(y, cout, 1, `${name}_project`, 1, null);
    return stride === 1 && cin === cout ? apply(L.add({ name: `${name}_add` }), [x, y]) : y;
  };
  x = block(x, 8, 8, 1, 'b1');
  x = block(x, 8, 12, 2, 'b2');
  x = block(x, 12, 12, 1, 'b3');
  x = apply(L.globalAveragePooling2d({ name: 'pool' }), x);
  x = apply(L.dropout({ rate: 0.2, name: 'drop' }), x);
  return tf.model({ inputs: input, outputs: apply(L.dense({ units: 10, activation: 'softmax', name: 'fc' }), x), name: 'mobilenetv2' });
}

/** Separable convs, cropping, and the merge layers Average, Multiply, Concatenate (tfjs has no Subtract layer; its
 *  SeparableConv2D does not save depth_multiplier, so the multiplier stays 1 to round-trip). */
function separable(): tf.LayersModel {
  const input = tf.input({ shape: [20, 20, 4], name: 'image' });
  const a = apply(L.separableConv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', name: 'sep1' }), input);
  const b = apply(L.conv2d({ filters: 8, kernelSize: 3, padding: 'same', name: 'conv_b' }), input);
  const avg = apply(L.average({ name: 'avg' }), [a, b]);
  const mul = apply(L.multiply({ name: 'mul' }), [avg, b]);
  let x = apply(L.concatenate({ name: 'cat' }), [mul, avg]);
  x = apply(L.cropping2D({ cropping: [[1, 2], [2, 1]], name: 'crop' }), x);
  x = apply(L.zeroPadding2d({ padding: [[0, 1], [1, 0]], name: 'pad' }), x);
  x = apply(L.separableConv2d({ filters: 6, kernelSize: [3, 5], strides: 2, useBias: false, name: 'sep2' }), x);
  x = apply(L.averagePooling2d({ poolSize: 2, name: 'avgpool' }), x);
  x = apply(L.flatten({ name: 'flat' }), x);
  x = apply(L.reshape({ targetShape: [x.shape[1] as number], name: 'reshape' }), x);
  return tf.model({ inputs: input, outputs: apply(L.dense({ units: 5, activation: 'tanh', name: 'fc' }), x), name: 'separable' });
}

function squeezenet(): tf.LayersModel {
  const input = tf.input({ shape: [48, 48, 3], name: 'image' });
  let x = apply(L.conv2d({ filters: 16, kernelSize: 3, strides: 2, activation: 'relu', name: 'stem' }), input);
  x = apply(L.maxPooling2d({ poolSize: 3, strides: 2, name: 'pool1' }), x);
  const fire = (x: Sym, s: number, e: number, name: string) => {
    const sq = apply(L.conv2d({ filters: s, kernelSize: 1, activation: 'relu', name: `${name}_squeeze` }), x);
    const e1 = apply(L.conv2d({ filters: e, kernelSize: 1, activation: 'relu', name: `${name}_e1` }), sq);
    const e3 = apply(L.conv2d({ filters: e, kernelSize: 3, padding: 'same', activation: 'relu', name: `${name}_e3` }), sq);
    return apply(L.concatenate({ name: `${name}_cat` }), [e1, e3]);
  };
  x = fire(x, 4, 8, 'fire1');
  x = fire(x, 4, 8, 'fire2');
  x = apply(L.maxPooling2d({ poolSize: 3, strides: 2, name: 'pool2' }), x);
  x = fire(x, 6, 12, 'fire3');
  x = apply(L.conv2d({ filters: 10, kernelSize: 1, activation: 'relu', name: 'classifier' }), x);
  return tf.model({ inputs: input, outputs: apply(L.globalAveragePooling2d({ name: 'pool' }), x), name: 'squeezenet' });
}

function unet(): tf.LayersModel {
  const input = tf.input({ shape: [16, 16, 3], name: 'image' });
  const e1 = convBn(input, 8, 3, 'enc1');
  const e2 = convBn(apply(L.maxPooling2d({ poolSize: 2, name: 'down1' }), e1), 12, 3, 'enc2');
  const m = convBn(apply(L.maxPooling2d({ poolSize: 2, name: 'down2' }), e2), 16, 3, 'mid');
  const u2 = apply(L.upSampling2d({ size: [2, 2], interpolation: 'nearest', name: 'up2' }), m);
  const d2 = convBn(apply(L.concatenate({ name: 'cat2' }), [u2, e2]), 12, 3, 'dec2');
  const u1 = apply(L.upSampling2d({ size: [2, 2], interpolation: 'bilinear', name: 'up1' }), d2);
  const d1 = convBn(apply(L.concatenate({ name: 'cat1' }), [u1, e1]), 8, 3, 'dec1');
  const t = apply(L.conv2dTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', name: 'tconv' }), d1);
  return tf.model({ inputs: input, outputs: apply(L.conv2d({ filters: 2, kernelSize: 1, activation: 'sigmoid', name: 'out' }), t), name: 'unet' });
}

function conv1d(): tf.LayersModel {
  const input = tf.input({ shape: [64, 2], name: 'signal' });
  let x = apply(L.conv1d({ filters: 8, kernelSize: 5, strides: 2, padding: 'same', useBias: false, name: 'c1' }), input);
  x = apply(L.batchNormalization({ name: 'bn1' }), x);
  x = apply(L.reLU({ name: 'r1' }), x);
  x = apply(L.maxPooling1d({ poolSize: 2, name: 'p1' }), x);
  x = apply(L.conv1d({ filters: 12, kernelSize: 3, padding: 'valid', activation: 'relu', name: 'c2' }), x);
  x = apply(L.averagePooling1d({ poolSize: 2, name: 'p2' }), x);
  x = apply(L.conv1d({ filters: 16, kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'elu', name: 'c3' }), x);
  x = apply(L.globalAveragePooling1d({ name: 'gap' }), x);
  return tf.model({ inputs: input, outputs: apply(L.dense({ units: 6, name: 'fc' }), x), name: 'conv1d' });
}

function decoder(): tf.LayersModel {
  const input = tf.input({ shape: [4, 4, 16], name: 'latent' });
  let x = apply(L.conv2dTranspose({ filters: 12, kernelSize: 4, strides: 2, padding: 'same', useBias: false, name: 't1' }), input);
  x = apply(L.batchNormalization({ name: 'bn1' }), x);
  x = apply(L.leakyReLU({ alpha: 0.1, name: 'lrelu' }), x);
  x = apply(L.conv2dTranspose({ filters: 8, kernelSize: 3, strides: 2, padding: 'valid', activation: 'relu', name: 't2' }), x);
  return tf.model({ inputs: input, outputs: apply(L.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'sigmoid', name: 'out' }), x), name: 'decoder' });
}

export const TFJS_FAMILIES: Record<string, () => tf.LayersModel> = { resnet, mobilenetv2, separable, squeezenet, unet, conv1d, decoder };
/** Families also saved with quantized weights. */
const QUANTIZED: Record<string, QuantizeDtype[]> = { resnet: ['uint8', 'uint16', 'float16'], mobilenetv2: ['uint8', 'uint16', 'float16'], unet: ['uint8'] };

/** Seeded xorshift values in [-1, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) / 2 ** 32) * 2 - 1;
  };
}

/** Weights scaled by 1/sqrt(fan-in); batch-norm statistics far from the identity so a dropped BN shows. */
function randomize(model: tf.LayersModel, seed: number): void {
  const r = rng(seed);
  const next = model.weights.map((w) => {
    const name = w.name;
    const n = w.shape.reduce((a: number, b) => a * (b ?? 1), 1);
    const fanIn = w.shape.length > 1 ? w.shape.slice(0, -1).reduce((a: number, b) => a * (b ?? 1), 1) : 1;
    const v = new Float32Array(n).map(() => {
      if (/moving_variance/.test(name)) return 0.5 + (r() + 1) / 2;
      if (/gamma/.test(name)) return 0.75 + r() / 4;
      if (/moving_mean|beta|bias/.test(name)) return r() * 0.2;
      return r() * Math.sqrt(3 / fanIn);
    });
    return tf.tensor(v, w.shape as number[]);
  });
  model.setWeights(next);
  next.forEach((t) => t.dispose());
}

async function save(model: tf.LayersModel, dir: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const data = new Uint8Array(Array.isArray(a.weightData) ? tf.io.concatenateArrayBuffers(a.weightData) : (a.weightData as ArrayBuffer));
      const write = (suffix: string, specs: tf.io.WeightsManifestEntry[], bytes: Uint8Array) => {
        fs.writeFileSync(path.join(dir, `weights${suffix}.bin`), bytes);
        const json = { format: 'layers-model', generatedBy: a.generatedBy, convertedBy: null, modelTopology: a.modelTopology, weightsManifest: [{ paths: [`weights${suffix}.bin`], weights: specs }] };
        fs.writeFileSync(path.join(dir, `model${suffix}.json`), JSON.stringify(json) + '\n');
      };
      write('', a.weightSpecs!, data);
      for (const dtype of QUANTIZED[model.name] ?? []) {
        const q = quantizeWeights(a.weightSpecs!, data, dtype);
        write(`-${dtype}`, q.specs, q.data);
      }
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}

async function main(): Promise<void> {
  await tf.setBackend('cpu');
  const out = process.argv[2] ?? 'test/fixtures/tfjs';
  let seed = 1;
  for (const [name, make] of Object.entries(TFJS_FAMILIES)) {
    const model = make();
    randomize(model, seed++);
    await save(model, path.join(out, name));
    console.log(`${name}: ${model.countParams()} parameters`);
  }
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) void main();
