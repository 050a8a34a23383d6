/**
 * Export an Mlp as OpenCV `cv::ml::ANN_MLP` storage (YAML for .yml/.yaml, XML for .xml; a further
 * .gz gzips it, which OpenCV's FileStorage reads directly), the
 * form `cv::ml::ANN_MLP::load()` reads (OpenCV 4.x modules/ml/src/ann_mlp.cpp read()/read_params()):
 *
 *   opencv_ml_ann_mlp: format 3, layer_sizes [n0, …, nL], activation_function (IDENTITY, RELU,
 *   LEAKYRELU, SIGMOID_SYM) with f_param1/f_param2, min_val/max_val/min_val1/max_val1 (training
 *   only), input_scale (2·n0: scale, shift per input), output_scale and inv_output_scale
 *   (2·nL each), weights: one (n_{l-1} + 1) × n_l row-major double matrix per layer — row i holds
 *   the weights from input i, the last row is the bias.
 *
 * OpenCV's predict: x' = x·in_scale + in_shift; per layer z = x'·W + b, then ONE activation f for
 * every layer, the output layer included; finally y = out·out_scale + out_shift. Our MLP layer is
 * y = act(W·x + b) with W stored rows = outputs, so OpenCV's matrix is our Wᵀ, written in blocks
 * of input columns gathered from row chunks (native mlpReadRows; CSR is densified as it streams).
 *
 * Exact mappings (never an approximation): all linear → IDENTITY; all relu → RELU; all leakyRelu(α)
 * → LEAKYRELU(α); all tanh → SIGMOID_SYM (α = 2, β = 1: β·tanh(α·z/2)); all sigmoid →
 * SIGMOID_SYM (α = 1, β = 1/2) giving σ(z) − 1/2, the 1/2 folded into the next layer's bias and
 * the output shift. Opt-in encodings for mixed MLPs, see ExportOpenCvOptions.
 */
import { createWriteStream } from 'node:fs';
import { rename, stat, unlink } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { dirname } from 'node:path';
import { removeStaleTemps, tempsOf } from '../util/stale-temps.js';
import { Cnn2MlpError, describe } from '../errors.js';
import { OpenCvText, type LayerSpec, type OpenCvPlan, type OpenCvSettings } from './opencv-text.js';
import { ACT } from '../model/plan.js';
import type { Mlp } from '../mlp/mlp.js';

export interface ExportOpenCvOptions {
  /**
   * Layers whose activation is linear in an otherwise relu / leakyRelu(α) MLP (OpenCV has one
   * activation for all layers). 'refuse' (default) throws ERR_UNSUPPORTED. 'reluPair' exports each
   * linear output y as two units [f(y), f(−y)] with f the MLP's activation: y = (f(y) − f(−y))/(1 + α)
   * exactly; inside the network the next layer reads the pair with weights [W, −W]/(1 + α); on the
   * output layer OpenCV's output_scale applies the 1/(1 + α), so with k outputs OpenCV returns 2k
   * values and y = out[:k] − out[k:].
   */
  linearLayers?: 'refuse' | 'reluPair';
  /** A final softmax: 'refuse' (default) or 'logits' — export the pre-softmax logits (argmax is
   *  unchanged; apply softmax to OpenCV's output yourself). The logits layer is then linear. */
  softmax?: 'refuse' | 'logits';
  /** working memory for one block of densified weights, bytes (default 64 MiB) */
  chunkBytes?: number;
  /** called about every MiB of text with weights written so far and the total (both as OpenCV counts them) */
  onProgress?: (done: number, total: number) => void;
  /** aborts the export: the promise rejects with ERR_ABORTED and no file is left behind */
  signal?: AbortSignal;
}

/** What was written, and how to read OpenCV's output. */
export interface OpenCvExportInfo {
  format: 'yaml' | 'xml';
  activation: 'IDENTITY' | 'RELU' | 'LEAKYRELU' | 'SIGMOID_SYM';
  fParam1: number;
  fParam2: number;
  /** layer_sizes as written (inputs first) */
  layerSizes: number[];
  /** 'direct': OpenCV's output is the MLP's output. 'pairs': it has 2k values, y = out[:k] − out[k:].
   *  'logits': the MLP's pre-softmax values (possibly as pairs, see outputPairs). */
  output: 'direct' | 'pairs';
  logits: boolean;
  /** size of the written file */
  bytes: number;
}

type Kind = 'linear' | 'relu' | 'leaky' | 'tanh' | 'sigmoid' | 'softmax' | 'other';

/**
 * Writes `mlp` as OpenCV ANN_MLP storage at `path` (.yml/.yaml → YAML, .xml → XML), streamed,
 * through a temporary file renamed into place. Throws ERR_UNSUPPORTED (naming the layers) when
 * OpenCV's single activation cannot express the MLP exactly and no opt-in encoding applies.
 */
export async function exportOpenCv(mlp: Mlp, path: string, options: ExportOpenCvOptions = {}): Promise<OpenCvExportInfo> {
  const settings = openCvSettings(path, options);
  const handle = mlp.handle; // throws ERR_DISPOSED
  const plan = planOpenCv(mlp, settings);
  const xml = /\.xml(\.gz)?$/i.test(path);
  const gzip = /\.gz$/i.test(path);
  const text = new OpenCvText(handle, plan, settings, path, xml);
  let bytes = 0;
  const { signal } = settings;
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  try {
    if (signal?.aborted) throw new Cnn2MlpError('ERR_ABORTED', `exportOpenCv: aborted before it started; ${path} was not written`);
    await removeStaleTemps(dirname(path), tempsOf(path)); // of killed earlier saves
    const out = createWriteStream(tmp);
    await (gzip ? pipeline(Readable.from(text.all()), createGzip(), out) : pipeline(Readable.from(text.all()), out));
    await rename(tmp, path);
    bytes = (await stat(path)).size;
  } catch (err) {
    await unlink(tmp).catch(() => {});
    if (err instanceof Cnn2MlpError) throw err;
    throw new Cnn2MlpError('ERR_BAD_FILE', `exportOpenCv: could not write ${path}: ${(err as Error).message}`, { cause: err });
  }
  const L = mlp.layers.length;
  return {
    format: xml ? 'xml' : 'yaml',
    activation: plan.activation,
    fParam1: plan.fParam1,
    fParam2: plan.fParam2,
    layerSizes: plan.layerSizes,
    output: plan.specs[L - 1].outPair ? 'pairs' : 'direct',
    logits: settings.softmax === 'logits' && mlp.layers[L - 1].act === ACT.softmax,
    bytes,
  };
}

/** exportOpenCv's path and options checked (in this order), with their defaults. */
function openCvSettings(path: string, options: ExportOpenCvOptions): OpenCvSettings {
  if (typeof path !== 'string' || !/\.(ya?ml|xml)(\.gz)?$/i.test(path))
    throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected a path ending in .yml, .yaml or .xml (optionally .gz) for path but received ${describe(path)}`);
  if (typeof options !== 'object' || options === null) throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected an options object for exportOpenCv's options but received ${describe(options)}`);
  const linearLayers = options.linearLayers ?? 'refuse';
  const softmax = options.softmax ?? 'refuse';
  if (linearLayers !== 'refuse' && linearLayers !== 'reluPair')
    throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected 'refuse' or 'reluPair' for options.linearLayers but received ${describe(linearLayers)}`);
  if (softmax !== 'refuse' && softmax !== 'logits')
    throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected 'refuse' or 'logits' for options.softmax but received ${describe(softmax)}`);
  const chunkBytes = options.chunkBytes ?? 64 * 2 ** 20;
  if (!Number.isInteger(chunkBytes) || chunkBytes < 4096)
    throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected an integer ≥ 4096 for options.chunkBytes but received ${describe(chunkBytes)}`);
  const { onProgress, signal } = options;
  if (onProgress !== undefined && typeof onProgress !== 'function')
    throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected a function for options.onProgress but received ${describe(onProgress)}`);
  if (signal !== undefined && !(signal instanceof AbortSignal))
    throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected an AbortSignal for options.signal but received ${describe(signal)}`);
  return { linearLayers, softmax, chunkBytes, onProgress, signal };
}

/** Each layer's activation as OpenCV sees it; a last softmax is linear with { softmax: 'logits' }. */
function layerKinds(layers: Mlp['layers'], softmax: OpenCvSettings['softmax']): Kind[] {
  const L = layers.length;
  return layers.map((l, i) => {
    switch (l.act) {
      case ACT.linear:
        return 'linear';
      case ACT.relu:
        return 'relu';
      case ACT.leakyRelu:
        return l.alpha === 0 ? 'relu' : 'leaky';
      case ACT.clip:
        return l.min === 0 && l.max >= 3.4e38 ? 'relu' : 'other';
      case ACT.tanh:
        return 'tanh';
      case ACT.sigmoid:
        return 'sigmoid';
      case ACT.softmax:
        if (i !== L - 1) return 'other';
        if (softmax === 'logits') return 'linear';
        return 'softmax';
      default:
        return 'other';
    }
  });
}

/** The single activation family that expresses every layer exactly, or ERR_UNSUPPORTED naming the layers. */
function planOpenCv(mlp: Mlp, { linearLayers, softmax }: OpenCvSettings): OpenCvPlan {
  const layers = mlp.layers;
  const L = layers.length;
  const kinds = layerKinds(layers, softmax);
  const describeLayers = () => layers.map((l, i) => `${i}: ${l.activation}${l.act === ACT.leakyRelu ? `(${l.alpha})` : ''}`).join(', ');
  const refuse = (why: string): never => {
    throw new Cnn2MlpError('ERR_UNSUPPORTED', `exportOpenCv: ${why}. OpenCV's ANN_MLP applies one activation to every layer, the output included; this MLP has [${describeLayers()}]`);
  };
  if (kinds[L - 1] === 'softmax')
    refuse("the output layer is softmax, which OpenCV's ANN_MLP does not have; pass { softmax: 'logits' } to export the logits (argmax unchanged, apply softmax yourself)");
  const other = kinds.findIndex((k) => k === 'other');
  if (other >= 0) refuse(`layer ${other} has activation ${layers[other].activation}, which OpenCV cannot express exactly`);

  const nonlinear = [...new Set(kinds.filter((k) => k !== 'linear'))];
  const alphas = [...new Set(layers.filter((_, i) => kinds[i] === 'leaky').map((l) => l.alpha))];
  if (nonlinear.length > 1 || alphas.length > 1)
    refuse(`it mixes ${[...nonlinear, ...alphas.map((a) => `leakyRelu alpha ${a}`)].join(', ')}`);
  const family = (nonlinear.length > 0 ? nonlinear[0] : 'linear') as Kind;
  const alpha = family === 'leaky' ? alphas[0] : 0;
  const linearAt = kinds.map((k, i) => (k === 'linear' ? i : -1)).filter((i) => i >= 0);
  if (linearAt.length > 0 && family !== 'linear') {
    if ((family !== 'relu' && family !== 'leaky') || alpha === -1)
      refuse(`layers ${linearAt.join(', ')} are linear among ${family === 'leaky' ? `leakyRelu(${alpha})` : family} layers and only relu/leakyRelu(α ≠ −1) networks have an exact pair encoding`);
    if (linearLayers !== 'reluPair')
      refuse(
        `layers ${linearAt.join(', ')} are linear among ${family === 'leaky' ? 'leakyRelu' : 'relu'} layers; ` +
          `pass { linearLayers: 'reluPair' } to export each linear output y exactly as two units [f(y), f(−y)] (OpenCV then returns 2k outputs: y = out[:k] − out[k:])`,
      );
  }
  const pairScale = 1 / (1 + alpha);

  const specs: LayerSpec[] = layers.map((l, i) => ({
    rows: l.rows,
    cols: l.cols,
    outPair: family !== 'linear' && kinds[i] === 'linear',
    inPair: i > 0 && family !== 'linear' && kinds[i - 1] === 'linear',
    inScale: i > 0 && family !== 'linear' && kinds[i - 1] === 'linear' ? pairScale : 1,
    inShift: i > 0 && family === 'sigmoid' ? 0.5 : 0,
  }));
  const activation = family === 'linear' ? 'IDENTITY' : family === 'relu' ? 'RELU' : family === 'leaky' ? 'LEAKYRELU' : 'SIGMOID_SYM';
  // OpenCV replaces |f_param| < FLT_EPSILON with its defaults; these are the values it then keeps.
  const [fParam1, fParam2] =
    family === 'tanh' ? [2, 1] : family === 'sigmoid' ? [1, 0.5] : family === 'relu' ? [1, 0] : family === 'leaky' ? [alpha, 0] : [1, 0];
  if (family === 'leaky' && Math.abs(alpha) < 1.1920929e-7) refuse(`leakyRelu alpha ${alpha} is below FLT_EPSILON, which OpenCV replaces with 0.01`);
  const layerSizes = [mlp.inputSize, ...specs.map((s) => (s.outPair ? 2 * s.rows : s.rows))];
  const last = specs[L - 1];
  const nOut = layerSizes[L];
  const outScale: number[] = [];
  for (let o = 0; o < nOut; o++) outScale.push(last.outPair ? pairScale : 1, family === 'sigmoid' ? 0.5 : 0);
  const inScale: number[] = [];
  for (let i = 0; i < mlp.inputSize; i++) inScale.push(1, 0);
  const invOutScale: number[] = []; // y = x·a + b  ⇔  x = y·(1/a) − b/a (OpenCV keeps it for training)
  for (let o = 0; o < nOut; o++) invOutScale.push(1 / outScale[2 * o], -outScale[2 * o + 1] / outScale[2 * o]);
  return { activation, fParam1, fParam2, layerSizes, specs, inScale, outScale, invOutScale };
}
