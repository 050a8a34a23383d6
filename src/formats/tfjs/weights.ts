/**
 * TF.js weights: the weightsManifest's groups read from their shard files (paths relative to
 * model.json, never outside its directory), each weight decoded from float32, int32 or the
 * converter's quantized forms exactly as tfjs-core's decodeWeights does: uint8/uint16 as
 * q · scale + min computed in double and stored as float32, float16 as IEEE half precision.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Cnn2MlpError, describe } from '../../errors.js';
import { jsonSyntaxError } from '../../util/json.js';

export function bad(msg: string): Cnn2MlpError {
  return new Cnn2MlpError('ERR_BAD_FILE', `TF.js: ${msg}`);
}
export function unsupported(msg: string): Cnn2MlpError {
  return new Cnn2MlpError('ERR_UNSUPPORTED', `TF.js: ${msg}`);
}

export type Json = Record<string, unknown>;
export const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface Weight {
  shape: number[];
  /** float32 and dequantized weights; int32 weights (graph-model shapes) as whole numbers */
  data: Float32Array;
  dtype: 'float32' | 'int32';
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  count: number;
  /** stored bytes per value: 4, or 1 / 2 when quantized */
  bytes: number;
  quant?: { dtype: 'uint8' | 'uint16' | 'float16'; min: number; scale: number };
}

const QUANT_BYTES = { uint8: 1, uint16: 2, float16: 2 } as const;

function parseSpec(w: unknown, where: string): WeightSpec {
  if (!isObj(w) || typeof w.name !== 'string' || !Array.isArray(w.shape)) throw bad(`${where} needs a name and a shape`);
  const dtype = w.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'int32') throw unsupported(`weight '${w.name}' has dtype ${describe(dtype)}; supported: float32 (and int32 for graph-model shapes)`);
  let count = 1;
  for (const d of w.shape) {
    // describe(), not JSON.stringify: a hostile shape can nest deep enough to overflow the stack.
    if (!Number.isInteger(d) || (d as number) < 0 || (d as number) > 2 ** 31) throw bad(`weight '${w.name}' has an invalid dimension ${typeof d === 'number' ? d : describe(d)} (shape of ${w.shape.length} entries)`);
    count *= d as number;
  }
  if (count > 2 ** 31) throw bad(`weight '${w.name}' has ${count} elements (shape [${w.shape.join(', ')}]), which is absurd`);
  const spec: WeightSpec = { name: w.name, shape: w.shape as number[], dtype, count, bytes: 4 };
  if (w.quantization === undefined || w.quantization === null) return spec;
  const q = w.quantization;
  if (!isObj(q) || (q.dtype !== 'uint8' && q.dtype !== 'uint16' && q.dtype !== 'float16'))
    throw unsupported(`weight '${w.name}' has quantization ${describe(isObj(q) ? q.dtype : q)}; supported: uint8, uint16, float16`);
  if (q.dtype === 'float16') {
    if (dtype !== 'float32') throw bad(`weight '${w.name}': float16 quantization of a ${dtype} weight`);
    return { ...spec, bytes: 2, quant: { dtype: 'float16', min: 0, scale: 1 } };
  }
  if (typeof q.min !== 'number' || typeof q.scale !== 'number' || !Number.isFinite(q.min) || !Number.isFinite(q.scale))
    throw bad(`weight '${w.name}' is quantized to ${q.dtype} without finite 'min' and 'scale'`);
  return { ...spec, bytes: QUANT_BYTES[q.dtype], quant: { dtype: q.dtype, min: q.min, scale: q.scale } };
}

/** IEEE binary16 → float32 value (exact). */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

function decode(s: WeightSpec, dv: DataView): Float32Array {
  const out = new Float32Array(s.count);
  const q = s.quant;
  if (!q) {
    for (let k = 0; k < s.count; k++) out[k] = s.dtype === 'int32' ? dv.getInt32(k * 4, true) : dv.getFloat32(k * 4, true);
  } else if (q.dtype === 'float16') {
    for (let k = 0; k < s.count; k++) out[k] = halfToFloat(dv.getUint16(k * 2, true));
  } else {
    // tfjs: values[i] = v * scale + min in double, stored in a Float32Array (int32 weights are rounded)
    for (let k = 0; k < s.count; k++) {
      const v = q.dtype === 'uint8' ? dv.getUint8(k) : dv.getUint16(k * 2, true);
      out[k] = s.dtype === 'int32' ? Math.round(v * q.scale + q.min) : v * q.scale + q.min;
    }
  }
  return out;
}

/** Reads every weight group: checks dtypes, shapes and that shard bytes add up exactly. */
export function readWeights(manifest: unknown, dir: string): Map<string, Weight> {
  if (!Array.isArray(manifest)) throw bad(`weightsManifest must be an array but is ${describe(manifest)}`);
  const out = new Map<string, Weight>();
  const base = path.resolve(dir);
  manifest.forEach((group, gi) => {
    if (!isObj(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) throw bad(`weightsManifest[${gi}] needs 'paths' and 'weights' arrays`);
    const specs = group.weights.map((w: unknown, wi: number) => parseSpec(w, `weightsManifest[${gi}].weights[${wi}]`));
    const need = specs.reduce((sum, w) => sum + w.count * w.bytes, 0);
    const chunks: Buffer[] = [];
    for (const p of group.paths as unknown[]) {
      if (typeof p !== 'string') throw bad(`weightsManifest[${gi}].paths holds ${describe(p)}`);
      const file = path.resolve(base, p);
      const rel = path.relative(base, file);
      if (path.isAbsolute(p) || rel.startsWith('..') || path.isAbsolute(rel)) throw bad(`weight shard path '${p}' escapes the model's directory; refusing to read it`);
      try {
        chunks.push(fs.readFileSync(file));
      } catch (err) {
        throw new Cnn2MlpError('ERR_BAD_FILE', `TF.js: cannot read weight shard '${file}' (${(err as Error).message}); it must sit beside model.json as weightsManifest lists it`, { cause: err });
      }
    }
    const total = chunks.reduce((sum, c) => sum + c.length, 0);
    if (total !== need)
      throw bad(`weight group ${gi} (shards ${(group.paths as string[]).join(', ')}) holds ${total} bytes, but its ${specs.length} weights need ${need}; the shards are truncated or do not belong to this model.json`);
    const all = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    let off = 0;
    for (const s of specs) {
      const len = s.count * s.bytes;
      out.set(s.name, { shape: s.shape, dtype: s.dtype, data: decode(s, new DataView(all.buffer, all.byteOffset + off, len)) });
      off += len;
    }
  });
  return out;
}

const MAX_MODEL_JSON_CHARS = 32 * 2 ** 20;
const MAX_JSON_DEPTH = 256;

/** Deepest [ / { nesting of JSON text outside strings; stops counting once past `limit`. */
function jsonDepth(text: string, limit: number): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped char
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > max && (max = depth) > limit) return max;
    } else if (c === 93 || c === 125) depth--;
  }
  return max;
}


/** Reads model.json with its size and nesting bounded first (a hostile file can exhaust V8's heap inside JSON.parse). */
export function readModelJson(modelJsonPath: string): Json {
  let text = '';
  try {
    text = fs.readFileSync(modelJsonPath, 'utf8');
    // Real topologies are kilobytes to a few megabytes and nest < 30 levels.
    if (text.length > MAX_MODEL_JSON_CHARS) throw new Error(`${text.length} characters; model.json files above ${MAX_MODEL_JSON_CHARS} are refused`);
    const depth = jsonDepth(text, MAX_JSON_DEPTH);
    if (depth > MAX_JSON_DEPTH) throw new Error(`it nests more than ${MAX_JSON_DEPTH} levels deep`);
    const json = JSON.parse(text) as unknown;
    if (!isObj(json)) throw new Error('it is not a JSON object');
    return json;
  } catch (err) {
    throw new Cnn2MlpError('ERR_BAD_FILE', `TF.js: cannot read '${modelJsonPath}' as JSON: ${jsonSyntaxError(text, err)}`, { cause: err });
  }
}
