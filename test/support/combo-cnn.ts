/**
 * Random models built from *motifs*: short layer sequences whose conversion has to carry constant
 * offsets across other layers — a batch-norm shift through zero padding into a max pool's
 * recombination, a pool's output map into a 'same' convolution, a prelu into a max pool. Each
 * motif draws its sizes, strides and paddings; shapes are tracked with the reference's own window
 * arithmetic (test/support/reference-cnn.ts), so every model is valid.
 */
import fc from 'fast-check';
import type { CnnModel, Layer, Layout, Padding } from '../../src/model/types.js';
import { mulberry32 } from '../../src/util/random.js';
import { axisWindow } from './reference-cnn.js';

export const MOTIFS = [
  'conv-relu → batchNorm → zeroPad → maxPool',
  'batchNorm → zeroPad → avgPool',
  'maxPool same → conv same',
  'prelu → maxPool',
  'avgPool → conv same, stride 2',
  'batchNorm → maxPool same → conv',
  'tanh → batchNorm → maxPool ceil',
  'conv → prelu → batchNorm → maxPool sameLower',
] as const;

export interface MotifRecipe {
  motif: number;
  k: number; // window 2–3
  s: number; // stride 1–2
  pad: number; // 0 same, 1 sameLower, 2 valid, 3 explicit
  pads: [number, number, number, number];
  filters: number;
}

export interface ComboRecipe {
  layout: Layout;
  h: number;
  w: number;
  c: number;
  motifs: MotifRecipe[];
  head: number; // 0 none, 1 flatten + dense, 2 global max pool
  seed: number;
}

export const comboRecipe: fc.Arbitrary<ComboRecipe> = fc.record({
  layout: fc.constantFrom<Layout>('NHWC', 'NCHW'),
  h: fc.integer({ min: 4, max: 10 }),
  w: fc.integer({ min: 4, max: 10 }),
  c: fc.integer({ min: 1, max: 4 }),
  motifs: fc.array(
    fc.record({
      motif: fc.integer({ min: 0, max: MOTIFS.length - 1 }),
      k: fc.integer({ min: 2, max: 3 }),
      s: fc.integer({ min: 1, max: 2 }),
      pad: fc.integer({ min: 0, max: 3 }),
      pads: fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2)),
      filters: fc.integer({ min: 1, max: 5 }),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  head: fc.integer({ min: 0, max: 2 }),
  seed: fc.integer({ min: 0, max: 0x7fffffff }),
});

/** Builds the model (deterministic in the recipe). */
export function buildCombo(r: ComboRecipe): CnnModel {
  const rnd = mulberry32(r.seed);
  const uni = (n: number, lo: number, hi: number) => Float32Array.from({ length: n }, () => lo + (hi - lo) * rnd());
  let [h, w, c] = [r.h, r.w, r.c];
  const layers: Layer[] = [];
  const bn = (): Layer => ({ type: 'batchNorm', mean: uni(c, -1, 1), variance: uni(c, 0.3, 2), gamma: uni(c, -1.5, 1.5), beta: uni(c, -1, 1) });
  const conv = (k: number, s: number, padding: Padding, filters: number, activation: 'relu' | 'linear'): Layer => {
    if (padding === 'valid' || Array.isArray(padding)) k = Math.min(k, h, w);
    const l: Layer = { type: 'conv2d', filters, kernelSize: [k, k], strides: [s, s], padding, weights: uni(k * k * c * filters, -1, 1), bias: uni(filters, -0.5, 0.5), activation };
    ({ h, w } = outHW(k, s, padding, false));
    c = filters;
    return l;
  };
  const pool = (type: 'maxPool2d' | 'avgPool2d', k: number, s: number, padding: Padding, ceilMode = false): Layer => {
    if (padding === 'valid' || Array.isArray(padding)) k = Math.min(k, h, w);
    // explicit pool pads stay below the window, so no window is all padding
    if (Array.isArray(padding)) padding = padding.map((p) => Math.min(p, k - 1)) as Padding;
    const l: Layer = { type, poolSize: [k, k], strides: [s, s], padding, ...(ceilMode ? { ceilMode } : {}) };
    ({ h, w } = outHW(k, s, padding, ceilMode));
    return l;
  };
  const outHW = (k: number, s: number, padding: Padding, ceilMode: boolean) => ({
    h: axisWindow(h, k, s, 1, padding, 0, ceilMode).out,
    w: axisWindow(w, k, s, 1, padding, 1, ceilMode).out,
  });
  for (const m of r.motifs) {
    const padding: Padding = m.pad === 3 ? m.pads : (['same', 'sameLower', 'valid'] as const)[m.pad];
    switch (m.motif) {
      case 0:
        layers.push(conv(m.k, 1, 'same', m.filters, 'relu'), bn(), { type: 'zeroPad2d', padding: m.pads });
        h += m.pads[0] + m.pads[1];
        w += m.pads[2] + m.pads[3];
        layers.push(pool('maxPool2d', m.k, m.s, padding));
        break;
      case 1:
        layers.push(bn(), { type: 'zeroPad2d', padding: m.pads });
        h += m.pads[0] + m.pads[1];
        w += m.pads[2] + m.pads[3];
        layers.push({ ...pool('avgPool2d', m.k, m.s, padding), ...(m.filters % 2 ? { countIncludePad: true } : {}) } as Layer);
        break;
      case 2:
        layers.push(pool('maxPool2d', m.k, m.s, 'same'), conv(m.k, 1, 'same', m.filters, 'linear'));
        break;
      case 3:
        layers.push({ type: 'prelu', alpha: uni(m.filters % 2 ? 1 : c, -0.5, 0.5) }, pool('maxPool2d', m.k, m.s, padding));
        break;
      case 4:
        layers.push(pool('avgPool2d', m.k, 1, padding), conv(m.k, 2, 'same', m.filters, 'relu'));
        break;
      case 5:
        layers.push(bn(), pool('maxPool2d', m.k, m.s, 'same'), conv(m.k, m.s, padding, m.filters, 'linear'));
        break;
      case 6:
        layers.push({ type: 'activation', activation: 'tanh' }, bn(), pool('maxPool2d', m.k, m.s, Array.isArray(padding) ? padding : 'valid', true));
        break;
      default:
        layers.push(conv(m.k, 1, padding, m.filters, 'linear'), { type: 'prelu', alpha: uni(c, -0.5, 0.5) }, bn(), pool('maxPool2d', m.k, m.s, 'sameLower'));
    }
  }
  if (r.head === 1) {
    const n = h * w * c;
    layers.push({ type: 'flatten' }, { type: 'dense', units: 3, weights: uni(n * 3, -1, 1), bias: uni(3, -0.5, 0.5), activation: 'softmax' });
  } else if (r.head === 2) layers.push({ type: 'globalMaxPool2d' });
  return { name: `combo-${r.seed}`, layout: r.layout, inputShape: r.layout === 'NHWC' ? [r.h, r.w, r.c] : [r.c, r.h, r.w], layers };
}

export const arbComboCase = fc
  .record({ recipe: comboRecipe, batch: fc.integer({ min: 1, max: 3 }), inputSeed: fc.integer({ min: 0, max: 0x7fffffff }) })
  .map(({ recipe, batch, inputSeed }) => ({ recipe, model: buildCombo(recipe), batch, inputSeed }));
