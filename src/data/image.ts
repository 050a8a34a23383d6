/**
 * Image files as model inputs: PNG (pngjs) or JPEG (jpeg-js), detected by their magic bytes,
 * resized with bilinear interpolation (half-pixel centres, i.e. align_corners = false, as
 * tf.image.resize and OpenCV's INTER_LINEAR) and converted to grayscale or RGB.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Cnn2MlpError } from '../errors.js';
import type { Layout } from '../model/types.js';

const require = createRequire(import.meta.url);

/** A decoded image: RGBA, 8 bits per channel, row-major [height, width, 4]. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Decodes PNG or JPEG bytes. */
export function decodeImage(bytes: Uint8Array, what = 'image'): RgbaImage {
  const isPng = bytes.length > 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  const isJpeg = bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  try {
    if (isPng) {
      const { PNG } = require('pngjs') as typeof import('pngjs');
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
    }
    if (isJpeg) {
      const jpeg = require('jpeg-js') as { decode(b: Uint8Array, o: object): { width: number; height: number; data: Uint8Array } };
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 });
      return { width: img.width, height: img.height, data: img.data };
    }
  } catch (err) {
    throw new Cnn2MlpError('ERR_BAD_FILE', `${what}: cannot decode ${isPng ? 'PNG' : 'JPEG'} (${(err as Error).message})`, { cause: err });
  }
  throw new Cnn2MlpError('ERR_BAD_FILE', `${what}: not a PNG or JPEG file`);
}

/**
 * Bilinear resize of an RGBA image to outW × outH, returning float RGBA values in [0, 255].
 * Source coordinate of output pixel x: (x + 0.5)·inW/outW − 0.5, clamped to the image.
 */
export function resizeBilinear(img: RgbaImage, outW: number, outH: number): Float32Array {
  const out = new Float32Array(outW * outH * 4);
  const sx = img.width / outW;
  const sy = img.height / outH;
  for (let y = 0; y < outH; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), img.height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, img.height - 1);
    const wy = fy - y0;
    for (let x = 0; x < outW; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), img.width - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, img.width - 1);
      const wx = fx - x0;
      for (let c = 0; c < 4; c++) {
        const p00 = img.data[(y0 * img.width + x0) * 4 + c];
        const p01 = img.data[(y0 * img.width + x1) * 4 + c];
        const p10 = img.data[(y1 * img.width + x0) * 4 + c];
        const p11 = img.data[(y1 * img.width + x1) * 4 + c];
        const top = p00 + (p01 - p00) * wx;
        const bottom = p10 + (p11 - p10) * wx;
        out[(y * outW + x) * 4 + c] = top + (bottom - top) * wy;
      }
    }
  }
  return out;
}

export interface ImageInputOptions {
  /** the model's layout and one sample's input shape ([H, W, C] for NHWC, [C, H, W] for NCHW) */
  layout: Layout;
  inputShape: number[];
  /** each 0–255 value is multiplied by this; default 1/255 (inputs in [0, 1]) */
  scale?: number;
}

/**
 * Turns an image into one model input: resized to the model's H × W, grayscale (ITU-R BT.601 luma
 * 0.299 R + 0.587 G + 0.114 B) when the model has 1 channel, RGB when it has 3; alpha is ignored.
 */
export function imageToInput(img: RgbaImage, o: ImageInputOptions): Float32Array {
  if (o.inputShape.length !== 3) {
    throw new Cnn2MlpError('ERR_INVALID_ARG', `an image input needs a model with an image input, but its input shape is [${o.inputShape.join(', ')}]`);
  }
  const [h, w, c] = o.layout === 'NHWC' ? o.inputShape : [o.inputShape[1], o.inputShape[2], o.inputShape[0]];
  if (c !== 1 && c !== 3) {
    throw new Cnn2MlpError('ERR_UNSUPPORTED', `an image input needs a model with 1 (grayscale) or 3 (RGB) channels, but it has ${c}`);
  }
  const scale = o.scale ?? 1 / 255;
  const rgba = resizeBilinear(img, w, h);
  const out = new Float32Array(h * w * c);
  for (let p = 0; p < h * w; p++) {
    const r = rgba[4 * p];
    const g = rgba[4 * p + 1];
    const b = rgba[4 * p + 2];
    if (c === 1) {
      out[p] = (0.299 * r + 0.587 * g + 0.114 * b) * scale;
    } else if (o.layout === 'NHWC') {
      out[3 * p] = r * scale;
      out[3 * p + 1] = g * scale;
      out[3 * p + 2] = b * scale;
    } else {
      out[p] = r * scale;
      out[h * w + p] = g * scale;
      out[2 * h * w + p] = b * scale;
    }
  }
  return out;
}

/** Reads and decodes an image file. */
export function readImage(file: string): RgbaImage {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new Cnn2MlpError('ERR_BAD_FILE', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
  return decodeImage(bytes, file);
}
