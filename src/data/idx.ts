/**
 * A small reader for the IDX format (MNIST, Fashion-MNIST), optionally gzip-compressed.
 * Layout: 2 zero bytes, a dtype byte, a rank byte, then `rank` big-endian uint32 dimensions and
 * the data in C order. Only the uint8 dtype (0x08) is supported: it is the only one those sets use.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { Cnn2MlpError } from '../errors.js';

export interface IdxTensor {
  /** dimensions, outermost first, e.g. [10000, 28, 28] */
  shape: number[];
  /** the values in C order */
  data: Uint8Array;
}

/** Parses IDX bytes (already decompressed, or gzip: detected by its 1f 8b magic). */
export function parseIdx(bytes: Uint8Array, what = 'IDX data'): IdxTensor {
  let buf = bytes;
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf);
    } catch (err) {
      throw new Cnn2MlpError('ERR_BAD_FILE', `${what}: gzip data is corrupted (${(err as Error).message})`, { cause: err });
    }
  }
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0) {
    throw new Cnn2MlpError('ERR_BAD_FILE', `${what}: not an IDX file (bad magic number)`);
  }
  const dtype = buf[2];
  const rank = buf[3];
  if (dtype !== 0x08) {
    throw new Cnn2MlpError('ERR_UNSUPPORTED', `${what}: IDX dtype 0x${dtype.toString(16)} is not supported (only uint8, 0x08)`);
  }
  if (rank < 1 || buf.length < 4 + 4 * rank) {
    throw new Cnn2MlpError('ERR_BAD_FILE', `${what}: truncated IDX header (rank ${rank}, ${buf.length} bytes)`);
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const shape: number[] = [];
  let count = 1;
  for (let i = 0; i < rank; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    shape.push(d);
    count *= d;
  }
  const start = 4 + 4 * rank;
  if (buf.length - start !== count) {
    throw new Cnn2MlpError(
      'ERR_BAD_FILE',
      `${what}: expected ${count} data bytes for shape [${shape.join(', ')}] but found ${buf.length - start}`,
    );
  }
  return { shape, data: buf.subarray(start, start + count) };
}

/** Reads an IDX file (plain or .gz). */
export function readIdx(file: string): IdxTensor {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new Cnn2MlpError('ERR_BAD_FILE', `cannot read ${file}: ${e.code ?? e.message}`, { cause: err });
  }
  return parseIdx(bytes, file);
}

/** Images and labels of an image-classification IDX pair (e.g. t10k-images / t10k-labels). */
export interface IdxImageSet {
  count: number;
  height: number;
  width: number;
  /** [count, height, width] uint8 pixels */
  images: Uint8Array;
  /** [count] class indices */
  labels: Uint8Array;
}

/** Reads an images file (rank 3) and its labels file (rank 1) and checks they agree. */
export function readIdxImageSet(imagesFile: string, labelsFile: string): IdxImageSet {
  const images = readIdx(imagesFile);
  const labels = readIdx(labelsFile);
  if (images.shape.length !== 3) {
    throw new Cnn2MlpError('ERR_BAD_FILE', `${imagesFile}: expected a rank-3 images file but its shape is [${images.shape.join(', ')}]`);
  }
  if (labels.shape.length !== 1 || labels.shape[0] !== images.shape[0]) {
    throw new Cnn2MlpError(
      'ERR_BAD_FILE',
      `${labelsFile}: expected ${images.shape[0]} labels but its shape is [${labels.shape.join(', ')}]`,
    );
  }
  return {
    count: images.shape[0],
    height: images.shape[1],
    width: images.shape[2],
    images: images.data,
    labels: labels.data,
  };
}
