/**
 * Graph ops that need no layer of their own: each is a new affine map over the units the current
 * tensors already live on. An add sums its inputs' maps feature by feature; a concat stacks them
 * along channels; cropping and nearest upsampling select features.
 */
import { FLAG_BILINEAR, type PlanOp } from '../model/plan.js';
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

/** One axis of an upsampling: output x reads input i0 with weight 1 − w and input i1 with weight w. */
export interface UpsampleAxis {
  i0: Int32Array;
  i1: Int32Array;
  w: Float64Array;
}

/**
 * The runtime's source taps along one axis (ONNX Resize coordinate modes; nearest rounding or
 * bilinear). The same formula as native/kernels/graph_ops.cc, in double, with the weight rounded
 * to float32 as the runtime stores it.
 */
export function upsampleAxis(inSize: number, factor: number, bilinear: boolean, coordinateMode: number, nearestMode: number): UpsampleAxis {
  const out = inSize * factor;
  const a = { i0: new Int32Array(out), i1: new Int32Array(out), w: new Float64Array(out) };
  const clamp = (i: number) => Math.min(Math.max(i, 0), inSize - 1);
  for (let x = 0; x < out; x++) {
    const s = sourceCoordinate(x, inSize, out, factor, coordinateMode);
    const f = Math.floor(s);
    if (bilinear) {
      a.i0[x] = clamp(f);
      a.i1[x] = clamp(f + 1);
      a.w[x] = Math.fround(s - f);
      continue;
    }
    const half = s - f === 0.5;
    // nearest modes: floor, roundPreferFloor, roundPreferCeil, ceil (C++ std::round: halves away from 0)
    const round = (v: number) => Math.sign(v) * Math.round(Math.abs(v));
    const r = nearestMode === 3 ? Math.ceil(s) : nearestMode === 1 ? (half ? f : round(s)) : nearestMode === 2 ? (half ? f + 1 : round(s)) : f;
    a.i0[x] = a.i1[x] = clamp(r);
  }
  return a;
}

/** coordinate modes: asymmetric, halfPixel, pytorchHalfPixel, alignCorners (COORDINATE_MODES) */
function sourceCoordinate(x: number, inSize: number, out: number, factor: number, mode: number): number {
  switch (mode) {
    case 1:
      return (x + 0.5) / factor - 0.5;
    case 2:
      return out > 1 ? (x + 0.5) / factor - 0.5 : 0;
    case 3:
      return out > 1 ? (x * (inSize - 1)) / (out - 1) : 0;
    default:
      return x / factor;
  }
}

/**
 * An upsample2d op over an (inH, inW, c) tensor: output (y, x, ch) = Σ over the four corners of
 * wy·wx·input(corner, ch) — the exact linear form of the runtime's lerps (nearest: one corner,
 * weight 1). Entries of one unit are merged.
 */
export function upsampleMap(m: AffineMap, op: PlanOp): AffineMap {
  const bilinear = (op.flags & FLAG_BILINEAR) !== 0;
  const ys = upsampleAxis(op.inH, op.sh, bilinear, op.coordinateMode, op.nearestMode);
  const xs = upsampleAxis(op.inW, op.sw, bilinear, op.coordinateMode, op.nearestMode);
  const [inW, c] = [op.inW, op.inC];
  const outH = ys.i0.length;
  const outW = xs.i0.length;
  const out = new MapBuilder(outH * outW * c);
  const acc = new Map<number, number>();
  for (let y = 0; y < outH; y++)
    for (let x = 0; x < outW; x++) {
      const taps: [number, number][] = [];
      for (const [iy, wy] of [[ys.i0[y], 1 - ys.w[y]], [ys.i1[y], ys.w[y]]])
        for (const [ix, wx] of [[xs.i0[x], 1 - xs.w[x]], [xs.i1[x], xs.w[x]]]) if (wy * wx !== 0) taps.push([iy * inW + ix, wy * wx]);
      for (let ch = 0; ch < c; ch++) {
        acc.clear();
        let k = 0;
        for (const [p, wt] of taps) {
          const i = p * c + ch;
          k += wt * m.cnst[i];
          for (let j = m.off[i]; j < m.off[i + 1]; j++) acc.set(m.unit[j], (acc.get(m.unit[j]) ?? 0) + wt * m.coef[j]);
        }
        for (const [u, a] of acc) out.add(u, a);
        out.end(k);
      }
    }
  return out.finish();
}
