/**
 * Weight quantization as tensorflowjs_converter writes it (tfjs-converter's quantization.py), for
 * making fixtures: per weight, uint8/uint16 are an affine map over [min, max] whose range is nudged
 * so that 0.0 is exactly representable when it lies inside, stored with { dtype, min, scale } in the
 * manifest (value = q · scale + min); float16 is IEEE half precision, rounded to nearest even.
 */
import type * as tf from '@tensorflow/tfjs';

export type QuantizeDtype = 'uint8' | 'uint16' | 'float16';

/** numpy's round: half to even */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** float32 → IEEE binary16 bits, round to nearest even (numpy's astype(float16)). */
export function toHalfBits(v: number): number {
  const u = new Uint32Array(Float32Array.of(v).buffer)[0];
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  let mant = u & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  let shift = 13;
  let base = (e << 10) | (mant >>> 13);
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    shift = 14 - e;
    base = mant >>> shift;
  }
  const rem = mant & ((1 << shift) - 1);
  const mid = 1 << (shift - 1);
  // a carry out of the mantissa rolls into the exponent, which is the correct rounding
  return sign | (rem > mid || (rem === mid && (base & 1)) ? base + 1 : base);
}

function quantizeAffine(w: Float32Array, dtype: 'uint8' | 'uint16'): { q: Uint8Array | Uint16Array; min: number; scale: number } {
  const qmax = dtype === 'uint8' ? 255 : 65535;
  const q = dtype === 'uint8' ? new Uint8Array(w.length) : new Uint16Array(w.length);
  let min = Infinity;
  let max = -Infinity;
  for (const v of w) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  if (min === max) return { q, min, scale: 1 };
  const scale = (max - min) / qmax;
  if (min <= 0 && 0 <= max) {
    const zero = roundHalfEven(-min / scale);
    min = -zero * scale;
    max = qmax * scale + min;
  }
  for (let k = 0; k < w.length; k++) q[k] = roundHalfEven((Math.min(Math.max(w[k], min), max) - min) / scale);
  return { q, min, scale };
}

/** Quantizes every float32 weight of a Layers model's weight data. */
export function quantizeWeights(specs: tf.io.WeightsManifestEntry[], data: Uint8Array, dtype: QuantizeDtype): { specs: tf.io.WeightsManifestEntry[]; data: Uint8Array } {
  const parts: Uint8Array[] = [];
  const out: tf.io.WeightsManifestEntry[] = [];
  let off = 0;
  for (const s of specs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const w = new Float32Array(data.slice(off, off + n * 4).buffer);
    off += n * 4;
    if (dtype === 'float16') {
      parts.push(new Uint8Array(Uint16Array.from(w, toHalfBits).buffer));
      out.push({ ...s, quantization: { dtype: 'float16' } });
    } else {
      const { q, min, scale } = quantizeAffine(w, dtype);
      parts.push(new Uint8Array(q.buffer));
      out.push({ ...s, quantization: { dtype, min, scale } });
    }
  }
  const total = parts.reduce((a, p) => a + p.length, 0);
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return { specs: out, data: bytes };
}
