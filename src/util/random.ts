/**
 * Seeded pseudo-random numbers shared by the seed network, the benchmarks, the CLI's verify inputs
 * and the test support code. Not cryptographic: small, fast and reproducible across platforms (only
 * 32-bit integer ops and IEEE doubles). seedNetwork's weights, pinned by tests and by the README's
 * figures, depend on the exact sequences below: change nothing here.
 */

/** mulberry32: uniform doubles in [0, 1) with 32 bits of state. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n float32 values uniform in [lo, hi) from mulberry32(seed). */
export function seededUniform(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

/** He-normal values N(0, 2 / fanIn) via Box-Muller, two per pair of draws from `rnd`. */
export function heNormal(n: number, fanIn: number, rnd: () => number): Float32Array {
  const out = new Float32Array(n);
  const std = Math.sqrt(2 / fanIn);
  for (let i = 0; i < n; i += 2) {
    const u = 1 - rnd(); // (0, 1]: log(u) is finite
    const v = rnd();
    const r = Math.sqrt(-2 * Math.log(u)) * std;
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/** n float32 values in [-1, 1) from a 32-bit LCG (Numerical Recipes constants): the benchmarks' inputs. */
export function lcgUniform(n: number, seed: number): Float32Array {
  const x = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 2 ** 31 - 1;
  }
  return x;
}
