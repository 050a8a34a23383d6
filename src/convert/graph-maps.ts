/**
 * Graph ops that need no layer of their own: each is a new affine map over the units the current
 * tensors already live on. An add sums its inputs' maps feature by feature; a concat stacks them
 * along channels; cropping and nearest upsampling select features.
 */
import { MapBuilder, gather, type AffineMap } from './affine-map.js';

/** Feature i = Σ_k maps[k][i]; entries of one unit are summed (their constants too). */
export function sumMaps(maps: AffineMap[]): AffineMap {
  const n = maps[0].n;
  let total = 0;
  for (const m of maps) total += m.off[n];
  const out = new MapBuilder(n, total);
  const seen = new Map<number, number>();
  const units: number[] = [];
  for (let i = 0; i < n; i++) {
    seen.clear();
    units.length = 0;
    let k = 0;
    for (const m of maps) {
      k += m.cnst[i];
      for (let j = m.off[i]; j < m.off[i + 1]; j++) {
        const u = m.unit[j];
        if (!seen.has(u)) units.push(u);
        seen.set(u, (seen.get(u) ?? 0) + m.coef[j]);
      }
    }
    for (const u of units) out.add(u, seen.get(u)!);
    out.end(k);
  }
  return out.finish();
}

/** Channel concat of (pixels × channels[k]) tensors, in order. */
export function concatMaps(maps: AffineMap[], channels: number[], pixels: number): AffineMap {
  const c = channels.reduce((a, b) => a + b, 0);
  const owner = new Int32Array(c);
  const local = new Int32Array(c);
  let at = 0;
  channels.forEach((ck, k) => {
    for (let j = 0; j < ck; j++) {
      owner[at] = k;
      local[at++] = j;
    }
  });
  const out = new MapBuilder(pixels * c);
  for (let p = 0; p < pixels; p++)
    for (let ch = 0; ch < c; ch++) {
      const m = maps[owner[ch]];
      const i = p * channels[owner[ch]] + local[ch];
      for (let j = m.off[i]; j < m.off[i + 1]; j++) out.add(m.unit[j], m.coef[j]);
      out.end(m.cnst[i]);
    }
  return out.finish();
}

/** Output (y, x, ch) of an (outH, outW, c) tensor reads input (src(y, x), ch) of a (·, inW, c) one. */
export function selectPixels(m: AffineMap, outH: number, outW: number, inW: number, c: number, src: (y: number, x: number) => [number, number]): AffineMap {
  return gather(m, outH * outW * c, (i) => {
    const ch = i % c;
    const p = (i - ch) / c;
    const [y, x] = src(Math.floor(p / outW), p % outW);
    return (y * inW + x) * c + ch;
  });
}
