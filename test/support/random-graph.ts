/**
 * Random graph CnnModels from a seed: a pool of live tensors grows by random layers that read any
 * earlier tensor (residual adds, concatenations of branches, squeeze-excitation products,
 * upsample/crop/transposed-conv detours); at the end every unread tensor is pooled or flattened
 * and concatenated into a dense head, so nothing dangles. Small shapes: for tests.
 */
import type { Activation, CnnModel, Layer, Layout } from '../../src/model/types.js';

interface Live {
  name: string;
  h: number;
  w: number;
  c: number;
  reads: number;
  /** a vector (global pool output): only 1×1 convs, add, multiply, concat read it */
  vec?: boolean;
}

/** xorshift32 in [0, 1). */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 0x9e3779b9;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

const ACTS: (Activation | undefined)[] = [undefined, 'relu', 'relu6', 'hardSwish', 'swish', { type: 'hardSigmoid', alpha: 1 / 6, beta: 0.5 }, { type: 'leakyRelu', alpha: 0.1 }, 'tanh'];

export function randomGraph(seed: number, layout: Layout = seed % 2 ? 'NCHW' : 'NHWC'): { model: CnnModel; inputSize: number } {
  const r = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const pick = <T>(a: T[]): T => a[Math.floor(r() * a.length)];
  const weights = (n: number, fanIn: number) => Float32Array.from({ length: n }, () => (r() * 2 - 1) * Math.sqrt(3 / fanIn));
  const h0 = int(3, 8);
  const w0 = int(3, 8);
  const c0 = int(1, 5);
  const live: Live[] = [{ name: 'input', h: h0, w: w0, c: c0, reads: 0 }];
  const layers: Layer[] = [];
  let k = 0;
  const add = (layer: Layer, from: Live[], shape: { h: number; w: number; c: number }) => {
    const name = `t${k++}`;
    for (const f of from) f.reads++;
    layers.push({ ...layer, name, inputs: from.map((f) => f.name) } as Layer);
    live.push({ name, h: shape.h, w: shape.w, c: shape.c, reads: 0 });
    return live[live.length - 1];
  };
  const conv = (x: Live, filters: number, ksz: number, stride: number, groups = 1, act = pick(ACTS), keep = false) => {
    const same = keep || r() < 0.7 || x.h < ksz || x.w < ksz;
    const oh = same ? Math.ceil(x.h / stride) : Math.floor((x.h - ksz) / stride) + 1;
    const ow = same ? Math.ceil(x.w / stride) : Math.floor((x.w - ksz) / stride) + 1;
    const fanIn = ksz * ksz * (x.c / groups);
    return add(
      { type: 'conv2d', filters, kernelSize: [ksz, ksz], strides: [stride, stride], padding: same ? 'same' : 'valid', groups, weights: weights(fanIn * filters, fanIn), bias: weights(filters, 4), activation: act },
      [x],
      { h: oh, w: ow, c: filters },
    );
  };
  const steps = int(3, 9);
  for (let s = 0; s < steps; s++) {
    const spatial = live.filter((t) => !t.vec);
    const x = r() < 0.6 ? spatial[spatial.length - 1] : pick(spatial);
    const kind = int(0, 9);
    if (kind <= 1) conv(x, int(1, 20), pick([1, 3]), x.h > 3 && r() < 0.3 ? 2 : 1);
    else if (kind === 2) conv(x, x.c, 3, 1, x.c); // depthwise
    else if (kind === 3) {
      // residual: conv keeping the shape, added to its input (fusable), sometimes with a later reader
      const y = conv(x, x.c, pick([1, 3]), 1, 1, 'linear', true);
      const sum = add({ type: 'add', activation: pick(ACTS) } as Layer, r() < 0.5 ? [y, x] : [x, y], x);
      if (r() < 0.3) add({ type: 'add' } as Layer, [sum, y], x);
    } else if (kind === 4) {
      const same = spatial.filter((t) => t.h === x.h && t.w === x.w && t.name !== x.name);
      const parts = [x, ...same.slice(0, int(1, 3))];
      if (parts.length >= 2 && parts.reduce((a, t) => a + t.c, 0) <= 40) add({ type: 'concat' }, parts, { h: x.h, w: x.w, c: parts.reduce((a, t) => a + t.c, 0) });
    } else if (kind === 5) {
      const g = add({ type: 'globalAvgPool2d' }, [x], { h: 1, w: 1, c: x.c });
      g.vec = true;
      const e = add({ type: 'conv2d', filters: x.c, kernelSize: [1, 1], weights: weights(x.c * x.c, x.c), activation: 'sigmoid' }, [g], { h: 1, w: 1, c: x.c });
      add({ type: 'multiply' }, r() < 0.5 ? [x, e] : [e, x], x);
    } else if (kind === 6 && x.h * x.w <= 36) {
      const mode = pick(['nearest', 'bilinear'] as const);
      const cm = pick(['asymmetric', 'halfPixel', 'pytorchHalfPixel', 'alignCorners'] as const);
      add({ type: 'upsample2d', size: [2, 2], mode, coordinateMode: cm }, [x], { h: x.h * 2, w: x.w * 2, c: x.c });
    } else if (kind === 7 && x.h > 2 && x.w > 2) {
      add({ type: 'cropping2d', cropping: [1, 0, 0, 1] }, [x], { h: x.h - 1, w: x.w - 1, c: x.c });
    } else if (kind === 8 && x.h * x.w <= 36) {
      const f = int(1, 8);
      const fanIn = 9 * x.c;
      add({ type: 'conv2dTranspose', filters: f, kernelSize: [3, 3], strides: [2, 2], padding: 'same', weights: weights(9 * f * x.c, fanIn), bias: weights(f, 4), activation: pick(ACTS) }, [x], { h: x.h * 2, w: x.w * 2, c: f });
    } else if (kind === 9) {
      if (r() < 0.5) add({ type: 'maxPool2d', poolSize: [2, 2], padding: 'same' }, [x], { h: Math.ceil(x.h / 2), w: Math.ceil(x.w / 2), c: x.c });
      else add({ type: 'scaleShift', scale: weights(x.c, 1), shift: weights(1, 4), activation: pick(ACTS) }, [x], x);
    }
  }
  // Head: every unread tensor (the input included when nothing read it) to a vector, concatenated, dense.
  const open = live.filter((t) => t.reads === 0);
  const vecs = open.map((t, i) => (i === open.length - 1 && t.h * t.w * t.c <= 400 ? add({ type: 'flatten' }, [t], { h: 1, w: 1, c: t.h * t.w * t.c }) : add({ type: 'globalAvgPool2d' }, [t], { h: 1, w: 1, c: t.c })));
  const cat = vecs.length > 1 ? add({ type: 'concat' }, vecs, { h: 1, w: 1, c: vecs.reduce((a, t) => a + t.c, 0) }) : vecs[0];
  const units = int(1, 6);
  add({ type: 'dense', units, weights: weights(cat.c * units, cat.c), bias: weights(units, 4), activation: r() < 0.3 ? 'softmax' : undefined }, [cat], { h: 1, w: 1, c: units });
  const inputShape = layout === 'NHWC' ? [h0, w0, c0] : [c0, h0, w0];
  return { model: { layout, inputShape, layers }, inputSize: h0 * w0 * c0 };
}
