/**
 * NumPy .npy files (format versions 1.0, 2.0 and 3.0): C-order arrays of float32, float64 or uint8
 * are read (float64 is narrowed to float32); float32 and uint8 are written (version 1.0).
 * Layout: "\x93NUMPY", major, minor, header length (uint16 LE in v1, uint32 LE in v2/v3), an ASCII
 * Python dict literal {'descr': …, 'fortran_order': …, 'shape': (…), } padded with spaces and a
 * final '\n' so the data starts on a 64-byte boundary, then the raw little-endian data.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { Cnn2MlpError } from '../errors.js';

export type NpyArray =
  | { dtype: 'float32'; shape: number[]; data: Float32Array }
  | { dtype: 'uint8'; shape: number[]; data: Uint8Array };

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

function bad(what: string, msg: string): Cnn2MlpError {
  return new Cnn2MlpError('ERR_BAD_FILE', `${what}: ${msg}`);
}

/** Parses .npy bytes. `what` names the source in error messages. */
export function parseNpy(bytes: Uint8Array, what = '.npy data'): NpyArray {
  if (bytes.length < 10 || MAGIC.some((m, i) => bytes[i] !== m)) throw bad(what, 'not a .npy file (bad magic string)');
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw bad(what, 'truncated header');
    headerLen = view.getUint32(8, true);
    start = 12;
  } else {
    throw new Cnn2MlpError('ERR_UNSUPPORTED', `${what}: .npy format version ${major}.${bytes[7]} is not supported (1.0–3.0 are)`);
  }
  if (start + headerLen > bytes.length) throw bad(what, 'truncated header');
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw bad(what, `malformed header ${JSON.stringify(header.trim())}`);
  if (fortran === 'True') throw new Cnn2MlpError('ERR_UNSUPPORTED', `${what}: Fortran-order arrays are not supported; save a C-order array (np.ascontiguousarray)`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const n = Number(s.replace(/L$/, ''));
      if (!Number.isSafeInteger(n) || n < 0) throw bad(what, `bad dimension '${s}' in shape (${shapeText})`);
      return n;
    });
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = start + headerLen;
  const itemSize = descr === '<f4' ? 4 : descr === '<f8' ? 8 : descr === '|u1' || descr === '<u1' ? 1 : 0;
  if (itemSize === 0) {
    throw new Cnn2MlpError('ERR_UNSUPPORTED', `${what}: dtype '${descr}' is not supported (little-endian float32 '<f4', float64 '<f8' or uint8 '|u1')`);
  }
  if (bytes.length - dataStart !== count * itemSize) {
    throw bad(what, `shape (${shape.join(', ')}) of '${descr}' needs ${count * itemSize} data bytes but the file has ${bytes.length - dataStart}`);
  }
  if (itemSize === 1) return { dtype: 'uint8', shape, data: bytes.slice(dataStart, dataStart + count) };
  const out = new Float32Array(count);
  // copy first: the data offset need not be aligned for a typed-array view
  if (itemSize === 4) {
    new Uint8Array(out.buffer).set(bytes.subarray(dataStart, dataStart + count * 4));
  } else {
    for (let i = 0; i < count; i++) out[i] = view.getFloat64(dataStart + 8 * i, true);
  }
  return { dtype: 'float32', shape, data: out };
}

/** Reads a .npy file. */
export function readNpy(file: string): NpyArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new Cnn2MlpError('ERR_BAD_FILE', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
  return parseNpy(bytes, file);
}

/** Encodes a C-order float32 or uint8 array as .npy (version 1.0). */
export function encodeNpy(array: NpyArray): Uint8Array {
  const count = array.shape.reduce((a, b) => a * b, 1);
  if (count !== array.data.length) {
    throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected ${count} values for shape [${array.shape.join(', ')}] but received ${array.data.length}`);
  }
  const descr = array.dtype === 'float32' ? '<f4' : '|u1';
  const shape = array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const bytes = new Uint8Array(10 + header.length + array.data.byteLength);
  bytes.set(MAGIC, 0);
  bytes[6] = 1;
  bytes[7] = 0;
  new DataView(bytes.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) bytes[10 + i] = header.charCodeAt(i);
  bytes.set(new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength), 10 + header.length);
  return bytes;
}

/** Writes a .npy file (to a temporary name, then renamed). */
export function writeNpy(file: string, array: NpyArray): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, encodeNpy(array));
  renameSync(tmp, file);
}
