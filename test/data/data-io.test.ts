/**
 * The CLI's file readers against independent implementations: NumPy for .npy and IDX, OpenCV
 * (python3-opencv) for PNG/JPEG decoding and bilinear resizing. The interpreter comes from
 * test/support/python.ts ($CNN2MLP_PYTHON, else python3); NumPy-only checks need no cv2, and a
 * missing module skips with the reason (or fails, with CNN2MLP_REQUIRE_DEPS=1).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { encodeNpy, parseNpy, readNpy, writeNpy } from '../../src/data/npy.js';
import { decodeImage, imageToInput, readImage, resizeBilinear } from '../../src/data/image.js';
import { parseIdx, readIdxImageSet } from '../../src/data/idx.js';
import { Cnn2MlpError } from '../../src/errors.js';
import { pythonMissing, pythonWith } from '../support/python.js';
import { skipUnless } from '../support/skips.js';

const NUMPY = pythonMissing(['numpy']);
const OPENCV = pythonMissing(['cv2', 'numpy']);
const dir = mkdtempSync(path.join(tmpdir(), 'cnn2mlp-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `code` in a python that has numpy (and cv2 when the code imports it). */
function py(code: string): string {
  const PY = pythonWith(/import[^\n]*cv2/.test(code) ? ['cv2', 'numpy'] : ['numpy']);
  if (!PY) throw new Error('no python with the modules this check needs');
  const r = spawnSync(PY, ['-c', code], { encoding: 'utf8', cwd: dir });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return r.stdout;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof Cnn2MlpError ? err.code : `not a Cnn2MlpError: ${String(err)}`;
  }
  return undefined;
}

describe('.npy against NumPy', () => {
  skipUnless(!NUMPY, NUMPY ?? '');
  it('reads what NumPy writes (float32, float64, uint8; 0-D to 3-D; format 1.0 and 2.0)', () => {
    py(`
import numpy as np
rng = np.random.default_rng(7)
a = rng.standard_normal((2, 3, 4)).astype(np.float32); np.save('a.npy', a); a.tofile('a.raw')
b = rng.standard_normal((3, 2)); np.save('b.npy', b); b.astype(np.float32).tofile('b.raw')
c = rng.integers(0, 256, 5, dtype=np.uint8); np.save('c.npy', c); c.tofile('c.raw')
d = np.float32(3.5); np.save('d.npy', d)
from numpy.lib import format as f
with open('e.npy', 'wb') as fh: f.write_array(fh, a, version=(2, 0))
np.save('fortran.npy', np.asfortranarray(rng.standard_normal((3, 4)).astype(np.float32)))
np.save('int32.npy', np.arange(4, dtype=np.int32))
`);
    const raw = (n: string) => new Float32Array(new Uint8Array(readFileSync(path.join(dir, n))).buffer);
    const a = readNpy(path.join(dir, 'a.npy'));
    expect(a.dtype).toBe('float32');
    expect(a.shape).toEqual([2, 3, 4]);
    expect(Array.from(a.data)).toEqual(Array.from(raw('a.raw')));
    const b = readNpy(path.join(dir, 'b.npy'));
    expect(b.shape).toEqual([3, 2]);
    expect(Array.from(b.data)).toEqual(Array.from(raw('b.raw'))); // float64 narrowed exactly as NumPy's astype(float32)
    const c = readNpy(path.join(dir, 'c.npy'));
    expect(c.dtype).toBe('uint8');
    expect(Array.from(c.data)).toEqual(Array.from(readFileSync(path.join(dir, 'c.raw'))));
    const d = readNpy(path.join(dir, 'd.npy'));
    expect(d.shape).toEqual([]);
    expect(Array.from(d.data)).toEqual([3.5]);
    const e = readNpy(path.join(dir, 'e.npy'));
    expect(Array.from(e.data)).toEqual(Array.from(a.data));
    expect(codeOf(() => readNpy(path.join(dir, 'fortran.npy')))).toBe('ERR_UNSUPPORTED');
    expect(codeOf(() => readNpy(path.join(dir, 'int32.npy')))).toBe('ERR_UNSUPPORTED');
  });

  it('writes what NumPy reads back exactly', () => {
    const data = Float32Array.from({ length: 2 * 5 * 3 }, (_, i) => Math.fround(Math.sin(i) * 1e3));
    writeNpy(path.join(dir, 'w.npy'), { dtype: 'float32', shape: [2, 5, 3], data });
    writeNpy(path.join(dir, 'u.npy'), { dtype: 'uint8', shape: [7], data: Uint8Array.from([0, 1, 2, 3, 250, 255, 9]) });
    const out = JSON.parse(
      py(`
import numpy as np, json
w = np.load('w.npy'); u = np.load('u.npy')
print(json.dumps({'w': [str(w.dtype), list(w.shape), w.flatten().tolist(), bool(w.flags.c_contiguous)], 'u': [str(u.dtype), list(u.shape), u.tolist()]}))
`),
    );
    expect(out.w[0]).toBe('float32');
    expect(out.w[1]).toEqual([2, 5, 3]);
    expect(out.w[2]).toEqual(Array.from(data)); // float32 values survive JSON as doubles exactly
    expect(out.u).toEqual(['uint8', [7], [0, 1, 2, 3, 250, 255, 9]]);
  });
});

describe('.npy errors', () => {
  it('rejects bad magic, truncated data and mismatched lengths with Cnn2MlpError', () => {
    expect(codeOf(() => parseNpy(new Uint8Array(20)))).toBe('ERR_BAD_FILE');
    const good = encodeNpy({ dtype: 'float32', shape: [4], data: new Float32Array(4) });
    expect(codeOf(() => parseNpy(good.subarray(0, good.length - 1)))).toBe('ERR_BAD_FILE');
    expect(codeOf(() => encodeNpy({ dtype: 'float32', shape: [5], data: new Float32Array(4) }))).toBe('ERR_INVALID_ARG');
    expect((good.length - 16) % 64).toBe(0); // data (16 bytes) starts on a 64-byte boundary
  });
});

describe('images against OpenCV', () => {
  skipUnless(!OPENCV, OPENCV ?? '');
  const W = 37;
  const H = 23;
  const rgba = new Uint8Array(W * H * 4);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const p = (y * W + x) * 4;
      rgba[p] = (x * 7 + y * 3) & 255;
      rgba[p + 1] = (x * x + 5 * y) & 255;
      rgba[p + 2] = (255 - x * 4 - y) & 255;
      rgba[p + 3] = 255;
    }

  it('decodes PNG pixels as cv2.imread does', () => {
    const png = new PNG({ width: W, height: H });
    png.data = Buffer.from(rgba);
    writeFileSync(path.join(dir, 'img.png'), PNG.sync.write(png));
    const img = readImage(path.join(dir, 'img.png'));
    const ref = JSON.parse(py(`import cv2, json; im = cv2.imread('img.png', cv2.IMREAD_COLOR); print(json.dumps(im[:, :, ::-1].flatten().tolist()))`)) as number[];
    const rgb: number[] = [];
    for (let i = 0; i < W * H; i++) rgb.push(img.data[4 * i], img.data[4 * i + 1], img.data[4 * i + 2]);
    expect(rgb).toEqual(ref);
  });

  it('decodes JPEG close to libjpeg (cv2.imread)', () => {
    py(`
import cv2, numpy as np
y, x = np.mgrid[0:48, 0:64]
im = np.stack([x * 4, y * 5, (x + y) * 2], axis=-1).astype(np.uint8)
cv2.imwrite('img.jpg', im, [cv2.IMWRITE_JPEG_QUALITY, 95])
cv2.imread('img.jpg', cv2.IMREAD_COLOR)[:, :, ::-1].astype(np.uint8).tofile('img.jpg.rgb')
`);
    const img = decodeImage(readFileSync(path.join(dir, 'img.jpg')));
    expect([img.width, img.height]).toEqual([64, 48]);
    const ref = readFileSync(path.join(dir, 'img.jpg.rgb'));
    let sum = 0;
    for (let i = 0; i < 64 * 48; i++) for (let c = 0; c < 3; c++) sum += Math.abs(img.data[4 * i + c] - ref[3 * i + c]);
    // two JPEG decoders differ by IDCT rounding and chroma upsampling: ±1–2 levels on average
    expect(sum / (64 * 48 * 3)).toBeLessThan(2);
  });

  it('resizes like cv2.resize(INTER_LINEAR) on float images, up and down', () => {
    const rgb = new Float32Array(W * H * 3);
    for (let i = 0; i < W * H; i++) for (let c = 0; c < 3; c++) rgb[3 * i + c] = rgba[4 * i + c];
    writeFileSync(path.join(dir, 'src.f32'), new Uint8Array(rgb.buffer));
    for (const [ow, oh] of [[11, 17], [80, 50], [28, 28]] as const) {
      py(`
import cv2, numpy as np
im = np.fromfile('src.f32', dtype=np.float32).reshape(${H}, ${W}, 3)
cv2.resize(im, (${ow}, ${oh}), interpolation=cv2.INTER_LINEAR).astype(np.float32).tofile('dst.f32')
`);
      const ref = new Float32Array(new Uint8Array(readFileSync(path.join(dir, 'dst.f32'))).buffer);
      const ours = resizeBilinear({ width: W, height: H, data: rgba }, ow, oh);
      let maxErr = 0;
      for (let i = 0; i < ow * oh; i++) for (let c = 0; c < 3; c++) maxErr = Math.max(maxErr, Math.abs(ours[4 * i + c] - ref[3 * i + c]));
      // OpenCV computes weights in float32; values up to 255: a few float32 ulps of 255 (~3e-5 each)
      expect(maxErr).toBeLessThan(1e-3);
    }
  });

  it('builds grayscale and RGB model inputs in the model layout', () => {
    const img = { width: 2, height: 1, data: Uint8Array.from([255, 0, 0, 255, 0, 0, 255, 255]) };
    const gray = imageToInput(img, { layout: 'NHWC', inputShape: [1, 2, 1] });
    expect(gray[0]).toBeCloseTo(0.299, 6);
    expect(gray[1]).toBeCloseTo(0.114, 6);
    expect(Array.from(imageToInput(img, { layout: 'NCHW', inputShape: [3, 1, 2], scale: 1 }))).toEqual([255, 0, 0, 0, 0, 255]);
    expect(Array.from(imageToInput(img, { layout: 'NHWC', inputShape: [1, 2, 3], scale: 1 }))).toEqual([255, 0, 0, 0, 0, 255]);
    expect(codeOf(() => imageToInput(img, { layout: 'NHWC', inputShape: [10] }))).toBe('ERR_INVALID_ARG');
    expect(codeOf(() => decodeImage(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9])))).toBe('ERR_BAD_FILE');
  });
});

describe('IDX against NumPy', () => {
  skipUnless(!NUMPY, NUMPY ?? '');
  it('reads the committed Fashion-MNIST test set as NumPy does', () => {
    const root = path.resolve(__dirname, '../..');
    const img = path.join(root, 'data/fashion-mnist/t10k-images-idx3-ubyte.gz');
    const lab = path.join(root, 'data/fashion-mnist/t10k-labels-idx1-ubyte.gz');
    const set = readIdxImageSet(img, lab);
    const ref = JSON.parse(
      py(`
import gzip, json, numpy as np
im = np.frombuffer(gzip.open('${img}').read()[16:], dtype=np.uint8)
lb = np.frombuffer(gzip.open('${lab}').read()[8:], dtype=np.uint8)
print(json.dumps({'n': int(lb.size), 'sum': int(im.astype(np.int64).sum()), 'first': im[:784].tolist(), 'hist': np.bincount(lb).tolist(), 'weighted': int((im[::97].astype(np.int64) * np.arange(im[::97].size)).sum() % 1000003)}))
`),
    );
    expect([set.count, set.height, set.width]).toEqual([ref.n, 28, 28]);
    expect(Array.from(set.images.subarray(0, 784))).toEqual(ref.first);
    let sum = 0;
    for (const v of set.images) sum += v;
    expect(sum).toBe(ref.sum);
    const hist = new Array(10).fill(0);
    for (const l of set.labels) hist[l]++;
    expect(hist).toEqual(ref.hist);
    let weighted = 0;
    for (let i = 0, k = 0; i < set.images.length; i += 97, k++) weighted = (weighted + set.images[i] * k) % 1000003;
    expect(weighted).toBe(ref.weighted);
  });

  it('rejects a truncated or foreign file', () => {
    expect(codeOf(() => parseIdx(Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 5, 1, 2])))).toBe('ERR_BAD_FILE');
    expect(codeOf(() => parseIdx(Uint8Array.from([0x50, 0x4b, 3, 4])))).toBe('ERR_BAD_FILE');
    expect(codeOf(() => parseIdx(Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0])))).toBe('ERR_UNSUPPORTED');
  });
});
