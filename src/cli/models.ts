/**
 * Model and input files as the CLI accepts them: the format is chosen by the path, overrides from
 * the command line are applied, and inputs (.npy, raw float32, PNG/JPEG) become flat Float32Arrays
 * in the model's layout.
 */
import { accessSync, constants, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { jsonSyntaxError } from '../util/json.js';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cnn2MlpError } from '../errors.js';
import type { CnnModel, Layout } from '../model/types.js';
import type { CheckpointArchitecture } from '../formats/checkpoint.js';
import type { Mlp } from '../mlp/mlp.js';
import { loadCheckpoint } from '../formats/checkpoint.js';
import { loadOnnx } from '../formats/onnx.js';
import { loadTfjs } from '../formats/tfjs.js';
import { loadMlp } from '../mlp/file.js';
import { readNpy } from '../data/npy.js';
import { imageToInput, readImage } from '../data/image.js';
import { seedNetwork } from '../model/seed.js';
import type { PixelRule } from './options.js';

/** The package root (dist/cli/*.js and src/cli/*.ts both sit two levels below it). */
export function packageRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
}

/** The embedded default model (TF.js Layers format), trained on Fashion-MNIST. */
export function defaultModelPath(): string {
  return path.join(packageRoot(), 'models', 'fashion-mnist', 'model.json');
}

export interface ModelOverrides {
  /** one sample's input shape, e.g. "28,28,1" */
  inputShape?: string;
  /** conv strides: one value for every conv layer or one per conv layer, e.g. "2" or "2,2,3" */
  strides?: string;
  /** a JSON file with the network of a weights-only TF checkpoint (CheckpointArchitecture) */
  arch?: string;
}

export type ModelKind = 'onnx' | 'tfjs' | 'checkpoint' | 'mlp';

const CKPT_SUFFIX = /\.(index|meta|data-\d{5}-of-\d{5})$/;

/** Decides a model path's format; ERR_BAD_FILE when it does not exist, ERR_UNSUPPORTED when unknown. */
export function modelKind(file: string): { kind: ModelKind; path: string } {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.mlp') return { kind: 'mlp', path: mustExist(file) };
  if (ext === '.onnx') return { kind: 'onnx', path: mustExist(file) };
  if (ext === '.json') return { kind: 'tfjs', path: mustExist(file) };
  if (CKPT_SUFFIX.test(file)) return { kind: 'checkpoint', path: file.replace(CKPT_SUFFIX, '') };
  if (existsSync(`${file}.index`)) return { kind: 'checkpoint', path: file };
  if (existsSync(file) && statSync(file).isDirectory()) {
    if (existsSync(path.join(file, 'model.json'))) return { kind: 'tfjs', path: path.join(file, 'model.json') };
    if (existsSync(path.join(file, 'checkpoint')) || readdirSync(file).some((f) => f.endsWith('.index'))) return { kind: 'checkpoint', path: file };
  }
  mustExist(file);
  throw new Cnn2MlpError(
    'ERR_UNSUPPORTED',
    `cannot tell the format of ${file}: expected an ONNX model (.onnx), a TF.js model (model.json), a TF checkpoint prefix (with a .index beside it) or a cnn2mlp MLP (.mlp)`,
  );
}

function mustExist(file: string): string {
  if (!existsSync(file)) throw new Cnn2MlpError('ERR_BAD_FILE', `no such file: ${file}`);
  return file;
}

/** Loads a CNN (ONNX, TF.js or TF checkpoint) and applies the overrides. */
export async function loadCnn(file: string, o: ModelOverrides = {}): Promise<CnnModel> {
  const { kind, path: p } = modelKind(file);
  let model: CnnModel;
  if (kind === 'mlp') throw new Cnn2MlpError('ERR_INVALID_ARG', `${file} is an MLP (.mlp); this command needs a CNN (ONNX, TF.js model.json or a TF checkpoint)`);
  else if (kind === 'onnx') model = await loadOnnx(p);
  else if (kind === 'tfjs') model = await loadTfjs(p);
  else model = await loadCheckpoint(p, o.arch ? (readJson(o.arch, '--arch') as CheckpointArchitecture) : undefined);
  return applyOverrides(model, o);
}

/** `seed` (optionally with --strides 3) names the seed study's network; anything else is a model file. */
export async function modelOrSeed(spec: string, o: ModelOverrides = {}): Promise<{ model: CnnModel; label: string }> {
  if (spec === 'seed') {
    const stride = o.strides === undefined ? 2 : Number(o.strides);
    if (stride !== 2 && stride !== 3) {
      throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected 2 or 3 for --strides of the seed network but received '${o.strides}'`);
    }
    // the weights are seeded random values: counts do not depend on them (structural nonzeros)
    return { model: seedNetwork({ stride, seed: 1 }), label: `seed network, stride ${stride}` };
  }
  return { model: await loadCnn(spec, o), label: spec };
}

/** Loads either a CNN or an MLP file. */
export async function loadAny(file: string, o: ModelOverrides = {}): Promise<{ cnn: CnnModel } | { mlp: Mlp }> {
  const { kind, path: p } = modelKind(file);
  if (kind === 'mlp') return { mlp: await loadMlp(p) };
  return { cnn: await loadCnn(file, o) };
}

function readJson(file: string, what: string): unknown {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
    return JSON.parse(text);
  } catch (err) {
    const why = err instanceof SyntaxError ? jsonSyntaxError(text, err) : ((err as NodeJS.ErrnoException).code ?? (err as Error).message);
    throw new Cnn2MlpError('ERR_BAD_FILE', `${what} ${file}: ${why}`, { cause: err });
  }
}

/**
 * Fails before any work when `file` cannot be written: its directory is missing or not a
 * directory, or not writable (the writers' own errors would name their temporary files).
 */
export function checkWritable(file: string, what: string): void {
  const dir = path.dirname(path.resolve(file));
  let why: string | undefined;
  if (!existsSync(dir)) why = `the directory ${dir} does not exist`;
  else if (!statSync(dir).isDirectory()) why = `${dir} is not a directory`;
  else {
    try {
      accessSync(dir, constants.W_OK);
    } catch {
      why = `the directory ${dir} is not writable`;
    }
  }
  if (existsSync(file) && statSync(file).isDirectory()) why = `${file} is a directory`;
  if (why) throw new Cnn2MlpError('ERR_BAD_FILE', `cannot write ${what} ${file}: ${why}`);
}

/** Parses "28,28,1" / "28x28x1" into positive integers. */
export function parseIntList(text: string, what: string): number[] {
  const parts = text.split(/[,x×\s]+/).filter((s) => s.length > 0);
  const values = parts.map(Number);
  if (values.length === 0 || !values.every((v) => Number.isInteger(v) && v > 0)) {
    throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected a list of positive integers for ${what} (e.g. 28,28,1) but received '${text}'`);
  }
  return values;
}

/** Returns a copy of `model` with the input shape and conv strides replaced as asked. */
export function applyOverrides(model: CnnModel, o: ModelOverrides): CnnModel {
  let out = model;
  if (o.inputShape !== undefined) out = { ...out, inputShape: parseIntList(o.inputShape, '--input-shape') };
  if (o.strides !== undefined) {
    const s = parseIntList(o.strides, '--strides');
    const convs = out.layers.filter((l) => l.type === 'conv2d').length;
    if (s.length !== 1 && s.length !== convs) {
      throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected 1 or ${convs} values (one per conv layer) for --strides but received ${s.length}`);
    }
    let k = 0;
    out = {
      ...out,
      layers: out.layers.map((l) => {
        if (l.type !== 'conv2d') return l;
        const v = s.length === 1 ? s[0] : s[k];
        k++;
        return { ...l, strides: [v, v] as [number, number] };
      }),
    };
  }
  return out;
}

/** Where a model's inputs and outputs live, whichever kind it is. */
export interface IoSpec {
  layout: Layout;
  inputShape: number[];
  inputSize: number;
}

/**
 * Reads inputs for a model: .npy (float32/float64/uint8, one sample or [N, ...inputShape]), raw
 * little-endian float32 (.f32, .bin, .raw: N × inputSize values) or a PNG/JPEG image. Pixel data
 * (images, uint8 arrays) goes through `pixels` (see PIXEL_RULE); float data is taken as stored.
 * Returns the batch as one flat Float32Array.
 */
export function readInputs(file: string, io: IoSpec, pixels: PixelRule = DEFAULT_PIXELS): { data: Float32Array; batch: number } {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.npy') {
    const a = readNpy(file);
    const one = io.inputShape.join(',');
    const batch = a.shape.join(',') === one ? 1 : a.shape.slice(1).join(',') === one ? a.shape[0] : -1;
    if (batch < 0) {
      throw new Cnn2MlpError(
        'ERR_INVALID_ARG',
        `${file}: expected shape [${io.inputShape.join(', ')}] or [N, ${io.inputShape.join(', ')}] for this model but the array is [${a.shape.join(', ')}]`,
      );
    }
    if (a.dtype === 'uint8') return { data: normalisePixels(Float32Array.from(a.data), io, pixels, file), batch };
    return { data: a.data, batch };
  }
  if (ext === '.f32' || ext === '.bin' || ext === '.raw') {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (err) {
      throw new Cnn2MlpError('ERR_BAD_FILE', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
    }
    if (bytes.length === 0 || bytes.length % (4 * io.inputSize) !== 0) {
      throw new Cnn2MlpError(
        'ERR_INVALID_ARG',
        `${file}: raw float32 input must hold a whole number of samples of ${io.inputSize} values (${4 * io.inputSize} bytes) but it has ${bytes.length} bytes`,
      );
    }
    const data = new Float32Array(bytes.length / 4);
    new Uint8Array(data.buffer).set(bytes);
    return { data, batch: data.length / io.inputSize };
  }
  if (['.png', '.jpg', '.jpeg'].includes(ext)) {
    const img = readImage(file);
    if (pixels.bgr) swapRedBlue(img.data);
    return { data: normalisePixels(imageToInput(img, { layout: io.layout, inputShape: io.inputShape, scale: 1 }), io, pixels, file), batch: 1 };
  }
  throw new Cnn2MlpError('ERR_UNSUPPORTED', `${file}: unknown input format '${ext}' (expected .npy, raw float32 .f32/.bin/.raw, or a .png/.jpg image)`);
}

/** Reads several input files and stacks them into one batch, in order. */
export function readAllInputs(files: string[], io: IoSpec, pixels: PixelRule = DEFAULT_PIXELS): { data: Float32Array; batch: number } {
  const parts = files.map((f) => readInputs(f, io, pixels));
  if (parts.length === 1) return parts[0];
  const data = new Float32Array(parts.reduce((n, p) => n + p.data.length, 0));
  let off = 0;
  for (const p of parts) {
    data.set(p.data, off);
    off += p.data.length;
  }
  return { data, batch: parts.reduce((n, p) => n + p.batch, 0) };
}

const DEFAULT_PIXELS: PixelRule = { scale: 1 / 255, mean: [0], std: [1], bgr: false };

function swapRedBlue(rgba: Uint8Array | Uint8ClampedArray): void {
  for (let i = 0; i + 3 < rgba.length; i += 4) {
    const r = rgba[i];
    rgba[i] = rgba[i + 2];
    rgba[i + 2] = r;
  }
}

/** In place: x = (p · scale − mean[c]) / std[c], c the channel of each value in the model's layout. */
function normalisePixels(x: Float32Array, io: IoSpec, p: PixelRule, file: string): Float32Array {
  const spatial = io.inputShape.length === 3;
  const channels = spatial ? (io.layout === 'NHWC' ? io.inputShape[2] : io.inputShape[0]) : 1;
  for (const [what, v] of [['--mean', p.mean], ['--std', p.std]] as const) {
    if (v.length !== 1 && v.length !== channels)
      throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected 1 or ${channels} values (one per channel) for ${what} with ${file} but received ${v.length}`);
  }
  const plane = spatial && io.layout === 'NCHW' ? io.inputShape[1] * io.inputShape[2] : 1;
  for (let i = 0; i < x.length; i++) {
    const c = channels === 1 ? 0 : io.layout === 'NHWC' ? i % channels : Math.floor(i / plane) % channels;
    x[i] = (x[i] * p.scale - p.mean[p.mean.length === 1 ? 0 : c]) / p.std[p.std.length === 1 ? 0 : c];
  }
  return x;
}

/** Indices of the k largest values of each row of `out` (batch × n). */
export function topK(out: Float32Array, batch: number, k: number): Array<Array<{ index: number; score: number }>> {
  const n = out.length / batch;
  const rows: Array<Array<{ index: number; score: number }>> = [];
  for (let b = 0; b < batch; b++) {
    const row = Array.from(out.subarray(b * n, (b + 1) * n), (score, index) => ({ index, score }));
    row.sort((x, y) => y.score - x.score || x.index - y.index);
    rows.push(row.slice(0, Math.min(k, n)));
  }
  return rows;
}

/** argmax of each row (first index on ties). */
export function argmaxRows(out: Float32Array, batch: number): Int32Array {
  const n = out.length / batch;
  const res = new Int32Array(batch);
  for (let b = 0; b < batch; b++) {
    let best = 0;
    for (let i = 1; i < n; i++) if (out[b * n + i] > out[b * n + best]) best = i;
    res[b] = best;
  }
  return res;
}
