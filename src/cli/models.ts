/**
 * Model and input files as the CLI accepts them: the format is chosen by the path, overrides from
 * the command line are applied, and inputs (.npy, raw float32, PNG/JPEG) become flat Float32Arrays
 * in the model's layout.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
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

/** Loads either a CNN or an MLP file. */
export async function loadAny(file: string, o: ModelOverrides = {}): Promise<{ cnn: CnnModel } | { mlp: Mlp }> {
  const { kind, path: p } = modelKind(file);
  if (kind === 'mlp') return { mlp: await loadMlp(p) };
  return { cnn: await loadCnn(file, o) };
}

function readJson(file: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Cnn2MlpError('ERR_BAD_FILE', `${what} ${file}: ${(err as Error).message}`, { cause: err });
  }
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
 * little-endian float32 (.f32, .bin, .raw: N × inputSize values) or a PNG/JPEG image.
 * Returns the batch as one flat Float32Array.
 */
export function readInputs(file: string, io: IoSpec, imageScale?: number): { data: Float32Array; batch: number } {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.npy') {
    const a = readNpy(file);
    const data = a.dtype === 'float32' ? a.data : Float32Array.from(a.data);
    const one = io.inputShape.join(',');
    const batch = a.shape.join(',') === one ? 1 : a.shape.slice(1).join(',') === one ? a.shape[0] : -1;
    if (batch < 0) {
      throw new Cnn2MlpError(
        'ERR_INVALID_ARG',
        `${file}: expected shape [${io.inputShape.join(', ')}] or [N, ${io.inputShape.join(', ')}] for this model but the array is [${a.shape.join(', ')}]`,
      );
    }
    return { data, batch };
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
    return { data: imageToInput(readImage(file), { layout: io.layout, inputShape: io.inputShape, scale: imageScale }), batch: 1 };
  }
  throw new Cnn2MlpError('ERR_UNSUPPORTED', `${file}: unknown input format '${ext}' (expected .npy, raw float32 .f32/.bin/.raw, or a .png/.jpg image)`);
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
