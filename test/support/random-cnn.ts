/**
 * fast-check arbitraries of random, valid CnnModels for property tests (runCnn vs tfjs, and the
 * converter's CNN == MLP checks), plus seeded helpers for weights and inputs.
 *
 * The arbitrary draws a *recipe* (plain numbers, so fast-check can shrink it) and `buildModel`
 * turns it into a model by walking the shapes: a layer choice that cannot apply to the current
 * shape is adjusted (kernel/dilation shrunk to fit the padded input, groups reduced to a divisor)
 * or skipped, so every drawn model passes planModel. Sizes stay small (images ≤ 17 px, ≤ 12
 * channels) so the independent references stay fast.
 *
 * Covers: kernel 1–7, strides 1–4, dilation 1–3, padding same / sameLower / valid / explicit,
 * groups (grouped and depthwise with multiplier 1–2), odd image sizes, batch 1–5, every activation
 * (fused and as separate layers), max/avg pools with ceil mode and count_include_pad, batchNorm,
 * zeroPad, prelu (shared and per-channel), global pools, NHWC and NCHW, flatten + dense heads.
 */
import fc from 'fast-check';
import type { Activation, CnnModel, Layer, Layout, Padding } from '../../src/model/types.js';

export { mulberry32, seededUniform } from '../../src/util/random.js';
import { mulberry32, seededUniform } from '../../src/util/random.js';

/** A random input batch: `batch × sampleSize` values uniform in [-1, 1), reproducible from `seed`. */
export function randomInput(sampleSize: number, batch: number, seed: number): Float32Array {
  return seededUniform(sampleSize * batch, seed ^ 0x5bd1e995);
}

/** Every activation the model format supports, with parameters where it has them (no softmax: final-only). */
export const ACTIVATIONS: Activation[] = [
  'linear',
  'relu',
  { type: 'leakyRelu', alpha: 0.15 },
  { type: 'clip', min: -0.5, max: 0.75 },
  'relu6',
  'sigmoid',
  'tanh',
  { type: 'elu', alpha: 0.8 },
  'selu',
  'softplus',
];

/** One layer choice, as plain numbers fast-check can shrink. */
export interface LayerRecipe {
  kind: number; // 0–3 conv, 4 max pool, 5 avg pool, 6 batchNorm, 7 zeroPad, 8 prelu, 9 activation
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  pad: number; // 0 same, 1 sameLower, 2 valid, 3 explicit
  pads: [number, number, number, number];
  groupMode: number; // 0–2 plain, 3 grouped, 4 depthwise ×1, 5 depthwise ×2
  filters: number;
  act: number; // index into ACTIVATIONS
  bias: boolean;
  ceil: boolean;
  countIncludePad: boolean;
  sharedAlpha: boolean;
}

export interface CnnRecipe {
  layout: Layout;
  h: number;
  w: number;
  c: number;
  layers: LayerRecipe[];
  head: number; // 0 none (spatial output), 1 flatten+dense, 2 flatten+dense+dense, 3 global avg, 4 global max + dense
  headUnits: number;
  headAct: number; // ACTIVATIONS index, or ACTIVATIONS.length for softmax
  seed: number;
}

const layerRecipe: fc.Arbitrary<LayerRecipe> = fc.record({
  kind: fc.integer({ min: 0, max: 9 }),
  kh: fc.integer({ min: 1, max: 7 }),
  kw: fc.integer({ min: 1, max: 7 }),
  sh: fc.integer({ min: 1, max: 4 }),
  sw: fc.integer({ min: 1, max: 4 }),
  dh: fc.integer({ min: 1, max: 3 }),
  dw: fc.integer({ min: 1, max: 3 }),
  pad: fc.integer({ min: 0, max: 3 }),
  pads: fc.tuple(fc.nat(3), fc.nat(3), fc.nat(3), fc.nat(3)),
  groupMode: fc.integer({ min: 0, max: 5 }),
  filters: fc.integer({ min: 1, max: 12 }),
  act: fc.integer({ min: 0, max: ACTIVATIONS.length - 1 }),
  bias: fc.boolean(),
  ceil: fc.boolean(),
  countIncludePad: fc.boolean(),
  sharedAlpha: fc.boolean(),
});

export const cnnRecipe: fc.Arbitrary<CnnRecipe> = fc.record({
  layout: fc.constantFrom<Layout>('NHWC', 'NCHW'),
  h: fc.integer({ min: 1, max: 17 }),
  w: fc.integer({ min: 1, max: 17 }),
  c: fc.integer({ min: 1, max: 6 }),
  layers: fc.array(layerRecipe, { minLength: 1, maxLength: 4 }),
  head: fc.integer({ min: 0, max: 4 }),
  headUnits: fc.integer({ min: 1, max: 20 }),
  headAct: fc.integer({ min: 0, max: ACTIVATIONS.length }),
  seed: fc.integer({ min: 0, max: 0x7fffffff }),
});

/** Whether some pooling window along one axis touches no input pixel (only padding). */
function poolHasEmptyWindow(size: number, k: number, s: number, d: number, pad: Padding, ax: 0 | 1, ceil: boolean): boolean {
  const span = d * (k - 1) + 1;
  let before = 0;
  let out: number;
  if (pad === 'same' || pad === 'sameLower') {
    out = Math.ceil(size / s);
    const total = Math.max((out - 1) * s + span - size, 0);
    before = pad === 'same' ? Math.floor(total / 2) : total - Math.floor(total / 2);
  } else {
    before = pad === 'valid' ? 0 : pad[ax * 2];
    const padded = size + before + (pad === 'valid' ? 0 : pad[ax * 2 + 1]);
    out = ceil ? Math.ceil((padded - span) / s) + 1 : Math.floor((padded - span) / s) + 1;
    if (ceil && (out - 1) * s >= size + before) out -= 1;
  }
  for (let o = 0; o < out; o++) {
    let touches = false;
    for (let t = 0; t < k; t++) {
      const i = o * s - before + t * d;
      if (i >= 0 && i < size) touches = true;
    }
    if (!touches) return true;
  }
  return false;
}

/** Largest (kernel, dilation) ≤ the requested ones whose span fits `padded`. */
function fitWindow(k: number, d: number, padded: number): [number, number] {
  while (d > 1 && d * (k - 1) + 1 > padded) d--;
  while (k > 1 && d * (k - 1) + 1 > padded) k--;
  return [k, d];
}

/** Turns a recipe into a valid model (see the file comment). Deterministic in the recipe. */
export function buildModel(r: CnnRecipe): CnnModel {
  const rnd = mulberry32(r.seed);
  // He-style scaling keeps activations O(1) through the stack, so tolerances stay meaningful.
  const weights = (n: number, fanIn: number) => {
    const s = Math.sqrt(3 / Math.max(1, fanIn)) * 1.4;
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = (rnd() * 2 - 1) * s;
    return out;
  };
  const uniform = (n: number, lo: number, hi: number) => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * rnd();
    return out;
  };
  let h = r.h;
  let w = r.w;
  let c = r.c;
  const layers: Layer[] = [];
  const axis = (size: number, k: number, s: number, d: number, pad: Padding, ax: 0 | 1, ceil: boolean) => {
    const span = d * (k - 1) + 1;
    if (pad === 'same' || pad === 'sameLower') return Math.ceil(size / s);
    const before = pad === 'valid' ? 0 : pad[ax * 2];
    const after = pad === 'valid' ? 0 : pad[ax * 2 + 1];
    const padded = size + before + after;
    let out = ceil ? Math.ceil((padded - span) / s) + 1 : Math.floor((padded - span) / s) + 1;
    if (ceil && (out - 1) * s >= size + before) out -= 1;
    return out;
  };
  for (const L of r.layers) {
    const act = ACTIVATIONS[L.act];
    if (L.kind <= 5) {
      const isPool = L.kind >= 4;
      let padding: Padding = (['same', 'sameLower', 'valid', 'explicit'] as const)[L.pad] as Padding;
      let [kh, dh] = [L.kh, L.dh];
      let [kw, dw] = [L.kw, L.dw];
      if ((padding as string) === 'explicit') {
        let [pt, pb, pl, pr] = L.pads;
        [kh, dh] = fitWindow(kh, dh, h + pt + pb);
        [kw, dw] = fitWindow(kw, dw, w + pl + pr);
        if (isPool) {
          // pooling pads must stay below the window span (no all-padding windows)
          const spH = dh * (kh - 1) + 1;
          const spW = dw * (kw - 1) + 1;
          pt = Math.min(pt, spH - 1);
          pb = Math.min(pb, spH - 1);
          pl = Math.min(pl, spW - 1);
          pr = Math.min(pr, spW - 1);
          [kh, dh] = fitWindow(kh, dh, h + pt + pb);
          [kw, dw] = fitWindow(kw, dw, w + pl + pr);
          pt = Math.min(pt, dh * (kh - 1));
          pb = Math.min(pb, dh * (kh - 1));
          pl = Math.min(pl, dw * (kw - 1));
          pr = Math.min(pr, dw * (kw - 1));
        }
        padding = [pt, pb, pl, pr];
      } else if (padding === 'valid') {
        [kh, dh] = fitWindow(kh, dh, h);
        [kw, dw] = fitWindow(kw, dw, w);
      }
      const strides: [number, number] = [L.sh, L.sw];
      if (isPool) {
        const ceil = L.ceil && padding !== 'same' && padding !== 'sameLower';
        // A dilated window can skip over the whole input from inside the padding; such pools are
        // invalid models, so fall back to an undilated window on that axis (pads already < span).
        if (poolHasEmptyWindow(h, kh, L.sh, dh, padding, 0, ceil)) {
          dh = 1;
          if (Array.isArray(padding)) padding = [Math.min(padding[0], kh - 1), Math.min(padding[1], kh - 1), padding[2], padding[3]];
        }
        if (poolHasEmptyWindow(w, kw, L.sw, dw, padding, 1, ceil)) {
          dw = 1;
          if (Array.isArray(padding)) padding = [padding[0], padding[1], Math.min(padding[2], kw - 1), Math.min(padding[3], kw - 1)];
        }
        const oh = axis(h, kh, L.sh, dh, padding, 0, ceil);
        const ow = axis(w, kw, L.sw, dw, padding, 1, ceil);
        const type = L.kind === 4 ? 'maxPool2d' : 'avgPool2d';
        const layer: Layer = { type, poolSize: [kh, kw], strides, padding, dilation: [dh, dw] };
        if (ceil) layer.ceilMode = true;
        if (type === 'avgPool2d' && L.countIncludePad) layer.countIncludePad = true;
        layers.push(layer);
        h = oh;
        w = ow;
      } else {
        let groups = 1;
        let filters = L.filters;
        if (L.groupMode === 3) {
          groups = [3, 2].find((g) => c % g === 0) ?? 1;
          filters = Math.max(1, Math.round(filters / groups)) * groups;
        } else if (L.groupMode >= 4) {
          groups = c;
          filters = c * (L.groupMode - 3);
        }
        const cin = c / groups;
        layers.push({
          type: 'conv2d',
          filters,
          kernelSize: [kh, kw],
          strides,
          padding,
          dilation: [dh, dw],
          groups,
          weights: weights(kh * kw * cin * filters, kh * kw * cin),
          ...(L.bias ? { bias: uniform(filters, -0.5, 0.5) } : {}),
          activation: act,
        });
        h = axis(h, kh, L.sh, dh, padding, 0, false);
        w = axis(w, kw, L.sw, dw, padding, 1, false);
        c = filters;
      }
    } else if (L.kind === 6) {
      layers.push({
        type: 'batchNorm',
        mean: uniform(c, -0.5, 0.5),
        variance: uniform(c, 0.5, 2),
        ...(L.bias ? { gamma: uniform(c, 0.5, 1.5), beta: uniform(c, -0.5, 0.5) } : {}),
        epsilon: L.ceil ? 1e-5 : undefined,
      });
    } else if (L.kind === 7) {
      const p = L.pads;
      layers.push({ type: 'zeroPad2d', padding: [p[0], p[1], p[2], p[3]] });
      h += p[0] + p[1];
      w += p[2] + p[3];
    } else if (L.kind === 8) {
      layers.push({ type: 'prelu', alpha: uniform(L.sharedAlpha ? 1 : c, -0.3, 0.6) });
    } else {
      layers.push({ type: 'activation', activation: act });
    }
  }
  const headAct: Activation = r.headAct === ACTIVATIONS.length ? 'softmax' : ACTIVATIONS[r.headAct];
  if (r.head === 1 || r.head === 2) {
    layers.push({ type: 'flatten' });
    let n = h * w * c;
    if (r.head === 2) {
      const u = Math.max(1, r.headUnits >> 1);
      layers.push({ type: 'dense', units: u, weights: weights(n * u, n), bias: uniform(u, -0.5, 0.5), activation: 'relu' });
      n = u;
    }
    layers.push({ type: 'dense', units: r.headUnits, weights: weights(n * r.headUnits, n), activation: headAct });
  } else if (r.head === 3) {
    layers.push({ type: 'globalAvgPool2d' });
  } else if (r.head === 4) {
    layers.push({ type: 'globalMaxPool2d' });
    layers.push({ type: 'dense', units: r.headUnits, weights: weights(c * r.headUnits, c), bias: uniform(r.headUnits, -0.5, 0.5), activation: headAct });
  }
  return {
    name: `random-${r.seed}`,
    layout: r.layout,
    inputShape: r.layout === 'NHWC' ? [r.h, r.w, r.c] : [r.c, r.h, r.w],
    layers,
  };
}

/** Random valid CnnModels (see the file comment). */
export const arbCnnModel: fc.Arbitrary<CnnModel> = cnnRecipe.map(buildModel);

/** A model plus a batch size (1–5) and an input seed: everything one run needs. */
export interface CnnCase {
  recipe: CnnRecipe;
  model: CnnModel;
  batch: number;
  inputSeed: number;
}

export const arbCnnCase: fc.Arbitrary<CnnCase> = fc
  .record({ recipe: cnnRecipe, batch: fc.integer({ min: 1, max: 5 }), inputSeed: fc.integer({ min: 0, max: 0x7fffffff }) })
  .map(({ recipe, batch, inputSeed }) => ({ recipe, model: buildModel(recipe), batch, inputSeed }));

/** Elements in one input sample of `model`. */
export function sampleSize(model: CnnModel): number {
  return model.inputShape.reduce((a, b) => a * b, 1);
}
