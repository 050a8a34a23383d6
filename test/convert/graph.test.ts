/**
 * Graph models → a plain chain MLP: tensors read later are carried through the layers between
 * as extra units, adds and concats become rows of the layer that reads them, cropping and nearest
 * upsampling are selections; relu6 and leakyRelu layers that carry a tensor are rewritten as ReLU
 * layers with their rows twice. For random DAGs of those ops (both layouts),
 * dense and CSR runMlp match runCnn and the float64 reference; what is not convertible is refused
 * with ERR_NOT_CONVERTIBLE naming the layer.
 */
import { describe, expect, it } from 'vitest';
import { Cnn2MlpError, convert, cpuInfo, runCnn, runMlp, setIsa, stats } from '../../src/index.js';
import type { Activation, CnnModel, Layer, Layout } from '../../src/model/types.js';
import { statsTable } from '../../src/cli/stats.js';
import { expectClose } from '../support/compare.js';
import { referenceCnn } from '../support/graph-reference.js';
import { randomInput } from '../support/random-cnn.js';
import { randomGraph, rng } from '../support/random-graph.js';


interface T {
  name: string;
  h: number;
  w: number;
  c: number;
  reads: number;
}

/** Random DAG of what the converter takes: conv and transposed conv (ReLU, relu6, leakyRelu or linear), residual adds, concats, crops, upsampling (every mode), max pools, scale/shift. */
function convertibleGraph(seed: number, layout: Layout): { model: CnnModel; inputSize: number } {
  const r = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const pick = <X>(a: X[]): X => a[Math.floor(r() * a.length)];
  const wts = (n: number, fanIn: number) => Float32Array.from({ length: n }, () => (r() * 2 - 1) * Math.sqrt(3 / fanIn));
  // relu6 and leakyRelu layers that carry a tensor become ReLU layers with their rows twice
  const acts: (Activation | undefined)[] = [undefined, 'relu', 'relu', 'relu6', { type: 'leakyRelu', alpha: 0.1 }];
  const h0 = int(3, 7);
  const w0 = int(3, 7);
  const c0 = int(1, 4);
  const live: T[] = [{ name: 'input', h: h0, w: w0, c: c0, reads: 0 }];
  const layers: Layer[] = [];
  let k = 0;
  const add = (layer: Layer, from: T[], s: { h: number; w: number; c: number }) => {
    for (const f of from) f.reads++;
    const name = `t${k++}`;
    layers.push({ ...layer, name, inputs: from.map((f) => f.name) } as Layer);
    live.push({ name, ...s, reads: 0 });
    return live[live.length - 1];
  };
  const conv = (x: T, f: number, ksz: number, act: Activation | undefined) =>
    add({ type: 'conv2d', filters: f, kernelSize: [ksz, ksz], padding: 'same', weights: wts(ksz * ksz * x.c * f, ksz * ksz * x.c), bias: wts(f, 4), activation: act }, [x], { h: x.h, w: x.w, c: f });
  for (let s = int(2, 6); s > 0; s--) {
    const x = r() < 0.6 ? live[live.length - 1] : pick(live);
    const kind = int(0, 7);
    if (kind === 0) conv(x, int(1, 6), pick([1, 3]), pick(acts));
    else if (kind === 1) {
      const y = conv(x, x.c, pick([1, 3]), pick(acts));
      const z = r() < 0.5 ? conv(y, x.c, 1, undefined) : y;
      add({ type: 'add', activation: pick(acts) } as Layer, r() < 0.5 ? [z, x] : [x, z], { h: x.h, w: x.w, c: x.c });
    } else if (kind === 2) {
      const same = live.filter((t) => t.h === x.h && t.w === x.w && t !== x);
      const y = same.length ? pick(same) : null;
      if (y) add({ type: 'concat' }, [x, y], { h: x.h, w: x.w, c: x.c + y.c });
      else conv(x, 2, 1, 'relu');
    } else if (kind === 3 && x.h > 2 && x.w > 2) add({ type: 'cropping2d', cropping: [1, 0, 0, 1] }, [x], { h: x.h - 1, w: x.w - 1, c: x.c });
    else if (kind === 4 && x.h * x.w <= 30) {
      const f = pick([2, 3]);
      const bilinear = r() < 0.5;
      const coordinateMode = pick(['asymmetric', 'halfPixel', 'pytorchHalfPixel', 'alignCorners'] as const);
      const mode = bilinear ? { mode: 'bilinear' as const } : { mode: 'nearest' as const, nearestMode: pick(['floor', 'roundPreferFloor', 'roundPreferCeil', 'ceil'] as const) };
      add({ type: 'upsample2d', size: [f, f], coordinateMode, ...mode }, [x], { h: f * x.h, w: f * x.w, c: x.c });
    } else if (kind === 6 && x.h * x.w <= 30) {
      // stride 2, 'same': output 2h × 2w; kernels 3 and 4 overlap taps, groups split channels
      const f = pick([2, 4]);
      const ksz = pick([2, 3, 4]); // kernel 4 crops one pixel at the start
      const groups = x.c % 2 === 0 && r() < 0.4 ? 2 : 1;
      const weights = wts(ksz * ksz * (f / groups) * x.c, ksz * ksz * x.c);
      add({ type: 'conv2dTranspose', filters: f, kernelSize: [ksz, ksz], strides: [2, 2], padding: 'same', groups, weights, bias: wts(f, 4), activation: pick(acts) } as Layer, [x], { h: 2 * x.h, w: 2 * x.w, c: f });
    }
    else if (kind === 5) add({ type: 'maxPool2d', poolSize: [2, 2], padding: 'same' }, [x], { h: Math.ceil(x.h / 2), w: Math.ceil(x.w / 2), c: x.c });
    else add({ type: 'scaleShift', scale: wts(x.c, 1), shift: wts(1, 4), activation: pick(acts) }, [x], { h: x.h, w: x.w, c: x.c });
  }
  const open = live.filter((t) => t.reads === 0);
  const vecs = open.map((t) => add({ type: 'globalAvgPool2d' }, [t], { h: 1, w: 1, c: t.c }));
  const cat = vecs.length > 1 ? add({ type: 'concat' }, vecs, { h: 1, w: 1, c: vecs.reduce((a, t) => a + t.c, 0) }) : vecs[0];
  const units = int(1, 4);
  add({ type: 'dense', units, weights: wts(cat.c * units, cat.c), bias: wts(units, 4) }, [cat], { h: 1, w: 1, c: units });
  return { model: { layout, inputShape: layout === 'NHWC' ? [h0, w0, c0] : [c0, h0, w0], layers }, inputSize: h0 * w0 * c0 };
}

async function expectConverts(model: CnnModel, inputSize: number, seed: number) {
  const batch = 2;
  const x = randomInput(inputSize, batch, seed);
  const want = referenceCnn(model, x, batch);
  expectClose(await runCnn(model, x), want);
  const st = stats(model);
  for (const format of ['dense', 'csr'] as const) {
    const mlp = await convert(model, { format });
    try {
      expect(mlp.bytes).toBe(st[format].totals.bytes);
      // a plain chain: each layer reads the one before
      expect(mlp.layers.map((l) => l.cols).slice(1)).toEqual(mlp.layers.map((l) => l.rows).slice(0, -1));
      expectClose(await runMlp(mlp, x), want);
    } finally {
      mlp.dispose();
    }
  }
  return st;
}

describe('convert: graph models', () => {
  it('a residual block: the skip tensor is carried through the branch as ReLU pairs and added in the next layer', async () => {
    const w = (n: number, s: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + s) * 0.5);
    // y = relu(conv_b(relu(conv_a(x))) + x); the add fuses into conv b as its residual
    const model: CnnModel = {
      layout: 'NHWC',
      inputShape: [5, 5, 3],
      layers: [
        { type: 'conv2d', name: 'a', filters: 3, kernelSize: [3, 3], padding: 'same', weights: w(81, 1), activation: 'relu' },
        { type: 'conv2d', name: 'b', filters: 3, kernelSize: [3, 3], padding: 'same', weights: w(81, 2) },
        { type: 'add', name: 'sum', inputs: ['b', 'input'], activation: 'relu' },
      ],
    };
    const st = await expectConverts(model, 75, 3);
    // conv a carries the signed input (75 features) as 150 ReLU units; b adds it as a residual
    expect(st.csr.layers.map((l) => [l.rows, l.carryUnits])).toEqual([
      [75 + 150, 150],
      [75, 0],
    ]);
    // each carried feature reads one input unit (a pair: +1 and −1); CSR bytes: 8 per nonzero, 8 per row pointer, 4 per bias
    const t = st.csr.totals;
    expect([t.carryUnits, t.carryNonzeros, t.carryMacs, t.carryBytes]).toEqual([150, 150, 150, 150 * 8 + 150 * 8 + 150 * 4]);
    // dense carry rows hold all 75 columns, padded to 80 floats
    expect([st.dense.totals.carryMacs, st.dense.totals.carryBytes]).toEqual([150 * 75, 150 * 80 * 4 + 150 * 4]);
    expect(statsTable(st)).toMatch(/of which carry, CSR +150 +150 +150 +150 units +/);
  });

  it('a relu6 layer carrying the skip tensor becomes a ReLU layer with its rows twice: relu(x) − relu(x − 6)', async () => {
    const w = (n: number, s: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.3 + s) * 4);
    const model: CnnModel = {
      layout: 'NCHW',
      inputShape: [2, 4, 4],
      layers: [
        { type: 'conv2d', name: 'expand', filters: 4, kernelSize: [1, 1], weights: w(8, 1), activation: 'relu6' },
        { type: 'conv2d', name: 'project', filters: 2, kernelSize: [3, 3], padding: 'same', weights: w(72, 2) },
        { type: 'add', name: 'sum', inputs: ['project', 'input'] },
      ],
    };
    const st = await expectConverts(model, 32, 4);
    // expand: its 64 outputs twice (they pass 6: weights up to ±4) + the signed 32-value input as
    // 32 pairs; project adds the input back; the NCHW output order is one more (linear) layer,
    // since a layer with addend rows keeps its row order
    expect(st.csr.layers.map((l) => [l.rows, l.carryUnits, l.activation])).toEqual([
      [2 * 64 + 64, 64, 'relu'],
      [32, 0, 'linear'],
      [32, 0, 'linear'],
    ]);
  });

  it('activations a whole layer shares stay the layer\'s: hardSigmoid as clip(0, 1) on rows scaled by α and shifted by β, hardSwish, swish, sigmoid, tanh, softmax', async () => {
    const w = (n: number, s: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.9 + s) * 0.8);
    const conv = (name: string, cin: number, f: number, activation: Activation, input?: string): Layer =>
      ({ type: 'conv2d', name, filters: f, kernelSize: [3, 3], padding: 'same', weights: w(9 * cin * f, f), bias: w(f, f + 1), activation, ...(input ? { inputs: [input] } : {}) }) as Layer;
    const model: CnnModel = {
      layout: 'NCHW',
      inputShape: [2, 4, 4],
      layers: [
        conv('a', 2, 3, 'relu'),
        conv('b', 3, 3, 'linear'),
        // the add fuses into b: hardSigmoid's α, β scale the residual's entries too
        { type: 'add', name: 'hs', inputs: ['b', 'a'], activation: { type: 'hardSigmoid', alpha: 0.3, beta: 0.4 } },
        conv('c', 3, 2, 'hardSwish'),
        { type: 'upsample2d', name: 'up', size: [2, 2], mode: 'bilinear', coordinateMode: 'alignCorners' },
        conv('d', 2, 2, 'swish'),
        { type: 'activation', name: 'hs2', activation: { type: 'hardSigmoid', alpha: 0.5, beta: -0.1 } },
        { type: 'flatten', name: 'flat' },
        { type: 'dense', name: 'out', units: 3, weights: w(128 * 3, 9), bias: w(3, 10) },
      ],
    };
    const st = await expectConverts(model, 32, 8);
    expect(st.csr.layers.map((l) => l.activation)).toEqual(['relu', 'clip', 'hardSwish', 'swish', 'clip', 'linear']);
    const squash: CnnModel = {
      layout: 'NHWC',
      inputShape: [3, 3, 2],
      layers: [conv('e', 2, 2, 'tanh'), conv('f', 2, 2, 'sigmoid'), { type: 'globalAvgPool2d', name: 'gap' }, { type: 'dense', name: 'out', units: 3, weights: w(6, 11), bias: w(3, 12), activation: 'softmax' }],
    };
    const sq = await expectConverts(squash, 18, 9);
    expect(sq.csr.layers.map((l) => l.activation)).toEqual(['tanh', 'sigmoid', 'linear', 'softmax']);
  });

  it('a product of two tensors is refused naming the node and why; runCnn still runs the model', async () => {
    const w = (n: number, s: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.1 + s) * 0.5);
    const model: CnnModel = {
      layout: 'NHWC',
      inputShape: [3, 3, 2],
      layers: [
        { type: 'conv2d', name: 'gate', filters: 2, kernelSize: [1, 1], weights: w(4, 1), activation: 'relu' },
        { type: 'multiply', name: 'gated', inputs: ['input', 'gate'] },
      ],
    };
    const x = randomInput(18, 1, 5);
    expectClose(await runCnn(model, x), referenceCnn(model, x, 1));
    const refused = convert(model, { format: 'csr' });
    await expect(refused).rejects.toMatchObject({ code: 'ERR_NOT_CONVERTIBLE' });
    await expect(refused).rejects.toThrow(/gated.*product of two tensors is not affine in the input/);
  });

  it.each(cpuInfo().supportedIsas)('random DAGs of convertible ops on %s kernels: dense and CSR runMlp match runCnn and the float64 reference', async (isa) => {
    setIsa(isa);
    try {
      for (let seed = 1; seed <= 40; seed++) await expectConverts(...(Object.values(convertibleGraph(seed, seed % 2 ? 'NCHW' : 'NHWC')) as [CnnModel, number]), seed);
    } finally {
      setIsa('auto');
    }
  }, 240_000);

  it('what has no exact form is refused naming the layer; the rest of the random graph family converts', async () => {
    let converted = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const { model, inputSize } = randomGraph(seed);
      try {
        await expectConverts(model, inputSize, seed);
        converted++;
      } catch (e) {
        if (!(e instanceof Cnn2MlpError)) throw e;
        expect(e.code).toBe('ERR_NOT_CONVERTIBLE');
        expect(e.message).toMatch(/^layer \d+ \(/);
      }
    }
    console.log(`random-graph family: ${converted}/60 converted, the rest refused with ERR_NOT_CONVERTIBLE`);
    expect(converted).toBeGreaterThan(0);
  }, 240_000);
});
