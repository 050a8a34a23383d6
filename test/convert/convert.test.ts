import { describe, expect, it } from 'vitest';
import { Cnn2MlpError, convert, stats } from '../../src/index.js';
import type { Mlp } from '../../src/mlp/mlp.js';
import type { CnnModel } from '../../src/model/types.js';
import { planModel } from '../../src/model/plan.js';
import { native } from '../../src/native.js';
import { checkConvert } from '../support/check-convert.js';
import { randomInput, sampleSize, seededUniform } from '../support/random-cnn.js';
import { seedModel } from '../support/seed-model.js';

/** MLP(x) == reference CNN(x) for both formats within per-output bounds (test/support/check-convert.ts); the layers built. */
async function agree(model: CnnModel, batch = 3) {
  return (await checkConvert(model, randomInput(sampleSize(model), batch, 11), batch)).layers as Record<'dense' | 'csr', Mlp['layers']>;
}

const bn = (c: number, seed: number) => ({
  type: 'batchNorm' as const,
  mean: seededUniform(c, seed, -0.5, 0.5),
  variance: seededUniform(c, seed + 1, 0.5, 2),
  gamma: seededUniform(c, seed + 2, -1.5, 1.5),
  beta: seededUniform(c, seed + 3, -0.5, 0.5),
});

describe('convert: hand-picked cases', () => {
  it('folds batch-norm chains into rows (before an activation) and into columns (after one), NCHW', async () => {
    const model: CnnModel = {
      layout: 'NCHW',
      inputShape: [3, 7, 6],
      layers: [
        bn(3, 1),
        { type: 'conv2d', filters: 4, kernelSize: [3, 2], padding: 'same', weights: seededUniform(3 * 2 * 3 * 4, 2) },
        bn(4, 10),
        { ...bn(4, 20) },
        { type: 'activation', activation: 'tanh' },
        { type: 'zeroPad2d', padding: [1, 0, 2, 1] },
        bn(4, 30),
        { type: 'conv2d', filters: 2, kernelSize: [2, 2], strides: [2, 1], weights: seededUniform(2 * 2 * 4 * 2, 3), bias: seededUniform(2, 4) },
        bn(2, 40),
      ],
    };
    const layers = await agree(model);
    // Only the two convolutions become layers: every batch-norm folds into a neighbour, and the
    // zero padding lives in the second layer's column map (its columns are the first one's rows).
    expect(layers.csr.map((l) => [l.rows, l.cols])).toEqual([
      [7 * 6 * 4, 3 * 7 * 6],
      [4 * 8 * 2, 7 * 6 * 4],
    ]);
  });

  it('max pooling of signed values: ⌈log2(window)⌉ ReLU stages, 3 units per pair', async () => {
    const model: CnnModel = { layout: 'NHWC', inputShape: [5, 5, 2], layers: [{ type: 'maxPool2d', poolSize: [3, 3], strides: [2, 2], padding: 'same' }] };
    const layers = await agree(model);
    // 3×3 windows (corners hold 4 inputs after 'same' padding): 9 values → 4 stages, then the
    // linear recombination as a final layer (no next layer to fold it into).
    expect(layers.csr.length).toBe(4 + 1);
    expect(layers.csr.slice(0, 4).every((l) => l.activation === 'relu')).toBe(true);
    // stage 1: windows of 9 (1 output), 6 (2+2 edge outputs) and 4 (4 corners) values per channel:
    // a pair costs 3 units, a carried odd value 2 → (4·3+2) + 4·(3·3) + 4·(2·3) = 74 units per channel
    expect(layers.csr[0].rows).toBe(2 * 74);
    const st = stats(model);
    expect(st.csr.layers.map((l) => l.rows)).toEqual(layers.csr.map((l) => l.rows));
  });

  it('max pooling after relu uses the 2-unit form; global max pool; prelu', async () => {
    const relu: CnnModel = {
      layout: 'NHWC',
      inputShape: [4, 4, 1],
      layers: [
        { type: 'conv2d', filters: 1, kernelSize: [1, 1], weights: new Float32Array([1]), activation: 'relu' },
        { type: 'maxPool2d', poolSize: [2, 2] },
      ],
    };
    const a = await agree(relu);
    expect(a.csr.map((l) => l.rows)).toEqual([16, 4 * 4, 4 * 2, 4]); // pairs: 2 units each
    const model: CnnModel = {
      layout: 'NCHW',
      inputShape: [3, 5, 4],
      layers: [
        { type: 'prelu', alpha: seededUniform(3, 5, -0.5, 0.5) },
        { type: 'conv2d', filters: 3, kernelSize: [2, 2], weights: seededUniform(36, 6), activation: 'elu' },
        { type: 'globalMaxPool2d' },
        { type: 'dense', units: 4, weights: seededUniform(12, 7), activation: 'softmax' },
      ],
    };
    await agree(model);
  });

  it('edge placements: softmax after a max pool, batch-norm last, NCHW spatial output, vector input', async () => {
    await agree({ layout: 'NHWC', inputShape: [3, 3, 4], layers: [{ type: 'globalMaxPool2d' }, { type: 'activation', activation: 'softmax' }] });
    const c = (cin: number, f: number, act: 'relu' | 'linear', seed: number) => ({ type: 'conv2d' as const, filters: f, kernelSize: [2, 2] as [number, number], weights: seededUniform(4 * cin * f, seed), activation: act });
    await agree({ layout: 'NCHW', inputShape: [2, 4, 5], layers: [c(2, 3, 'relu', 1), bn(3, 2)] });
    const spatial = await agree({ layout: 'NCHW', inputShape: [2, 4, 5], layers: [c(2, 3, 'relu', 3)] });
    expect(spatial.csr.length).toBe(1); // the NCHW output order is the layer's row order, no extra layer
    await agree({ layout: 'NHWC', inputShape: [6], layers: [bn(6, 4), { type: 'dense', units: 3, weights: seededUniform(18, 5), activation: 'sigmoid' }, { type: 'prelu', alpha: new Float32Array([0.3]) }] });
    await agree({ layout: 'NCHW', inputShape: [2, 3, 3], layers: [{ type: 'flatten' }] });
  });

  it('refuses what has no exact MLP form, naming the layer', async () => {
    const model: CnnModel = {
      layout: 'NHWC',
      inputShape: [3, 3, 2],
      layers: [{ type: 'conv2d', name: 'head', filters: 2, kernelSize: [1, 1], weights: seededUniform(4, 1), activation: 'softmax' }],
    };
    await expect(convert(model, { format: 'csr' })).rejects.toMatchObject({ code: 'ERR_NOT_CONVERTIBLE', message: expect.stringContaining("'head'") });
  });

  it('ERR_TOO_LARGE before allocating: the estimate and a hint to use csr', async () => {
    const model = seedModel(2);
    const before = native().residentBytes();
    const err = await convert(model, { format: 'dense', maxBytes: 1e9 }).catch((e) => e);
    expect(err).toBeInstanceOf(Cnn2MlpError);
    expect(err.code).toBe('ERR_TOO_LARGE');
    expect(err.message).toContain(String(stats(model).dense.totals.bytes));
    expect(err.message).toContain("'csr'");
    expect(native().residentBytes() - before).toBeLessThan(64 << 20);
  });

  it('ERR_TOO_LARGE for a huge model before planning it (RSS stays flat)', async () => {
    // 1024×1024×3 → conv 3×3×64 'same': the dense layer alone is 67 M × 3.1 M floats (≈ 844 TB).
    const model: CnnModel = {
      layout: 'NHWC',
      inputShape: [1024, 1024, 3],
      layers: [{ type: 'conv2d', filters: 64, kernelSize: [3, 3], padding: 'same', weights: seededUniform(3 * 3 * 3 * 64, 3) }],
    };
    const before = native().residentBytes();
    const err = await convert(model, { format: 'dense' }).catch((e) => e);
    expect(err).toBeInstanceOf(Cnn2MlpError);
    expect(err.code).toBe('ERR_TOO_LARGE');
    expect(err.message).toContain(`(${1024 * 1024 * 64 * (1024 * 1024 * 3) * 4} bytes)`); // rows × cols × 4
    expect(err.message).toContain("'csr'");
    // planning this model's maps would take hundreds of MB; refusing first keeps RSS flat
    expect(native().residentBytes() - before).toBeLessThan(32 << 20);
  });

  it('reports progress and honours AbortSignal', async () => {
    const model = seedModel(2);
    const seen: [number, number][] = [];
    const mlp = await convert(model, { format: 'csr', onProgress: (d, t) => seen.push([d, t]) });
    mlp.dispose();
    expect(seen.length).toBeGreaterThan(0);
    const total = 2 * stats(model).csr.layers.reduce((a, l) => a + l.rows, 0); // two passes over the rows
    expect(seen[seen.length - 1]).toEqual([total, total]);
    for (let i = 1; i < seen.length; i++) expect(seen[i][0]).toBeGreaterThanOrEqual(seen[i - 1][0]);

    const ac = new AbortController();
    const p = convert(model, { format: 'csr', signal: ac.signal });
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    await expect(convert(model, { format: 'csr', signal: ac.signal })).rejects.toMatchObject({ code: 'ERR_ABORTED' });
  });

  it("without options (or format undefined) converts with format 'auto'", async () => {
    const model = seedModel(3, { dense: false });
    const formats = async (m: Promise<Mlp>) => {
      const mlp = await m;
      const f = stats(mlp).layers.map((l) => l.format);
      mlp.dispose();
      return f;
    };
    const auto = await formats(convert(model, { format: 'auto' }));
    expect(auto).toContain('rcsr'); // not all one format: the default really chose per layer
    expect(await formats(convert(model))).toEqual(auto);
    expect(await formats(convert(model, { format: undefined }))).toEqual(auto);
    await expect(convert(model, null as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
  });

  it('validates options in TS and the native spec in C++', async () => {
    const model = seedModel(3, { dense: false });
    await expect(convert(model, { format: 'coo' as never })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    await expect(convert(model, { format: 'csr', maxBytes: -1 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    const p = new Float64Array(2);
    const a = new Int32Array(1);
    const good = { inputSize: 4, format: 1, threads: 1, maxBytes: 0, records: new Float64Array(0), tensors: [] };
    const explicit = { prim: 3, opIndex: -1, rows: 1, cols: 4, act: 0, alpha: 0, min: 0, max: 0, csrPtr: new Int32Array([0, 1]), csrCol: new Int32Array([7]), csrVal: new Float64Array([1]), csrBias: new Float64Array([0]) };
    expect(() => native().convertBuild({ ...good, layers: [explicit] } as never, p, a)).toThrow(/csrCol has an index out of range/);
    expect(() => native().convertBuild({ ...good, layers: [{ ...explicit, csrCol: new Int32Array([1]), cols: 5 }] } as never, p, a)).toThrow(/takes 5 inputs/);
    expect(() => native().convertBuild({ ...good, layers: [{ ...explicit, prim: 0, opIndex: 0 }] } as never, p, a)).toThrow(RangeError);
    const ok = await native().convertBuild({ ...good, layers: [{ ...explicit, csrCol: new Int32Array([1]) }] } as never, p, a);
    native().mlpDispose(ok);
    // a conv layer (1×1, 4 → 1 channel on 1×1) with addend rows: columns in range, rows and
    // primaryRows consistent with the op and rowLogical
    const plan = planModel({ layout: 'NHWC', inputShape: [1, 1, 4], layers: [{ type: 'conv2d', filters: 1, kernelSize: [1, 1], weights: new Float32Array(4).fill(0.5) }] });
    const spec = { ...good, records: plan.records, tensors: plan.tensors };
    const conv = { ...explicit, prim: 0, opIndex: 0, rows: 2, csrPtr: new Int32Array([0, 1, 2]), csrCol: new Int32Array([0, 3]), csrVal: new Float64Array([1, 1]), csrBias: new Float64Array([0, 0]) };
    expect(() => native().convertBuild({ ...spec, layers: [{ ...conv, csrCol: new Int32Array([0, 4]) }] } as never, p, a)).toThrow(/csrCol has an index out of range/);
    expect(() => native().convertBuild({ ...spec, layers: [{ ...conv, primaryRows: 2 }] } as never, p, a)).toThrow(/primaryRows must equal/);
    expect(() => native().convertBuild({ ...spec, layers: [{ ...conv, primaryRows: 2, rowLogical: new Int32Array([0, 1]) }] } as never, p, a)).toThrow(/rowLogical has an index out of range/);
    const plain = { ...conv, csrPtr: undefined, csrCol: undefined, csrVal: undefined, csrBias: undefined };
    expect(() => native().convertBuild({ ...spec, layers: [plain] } as never, p, a)).toThrow(/rows must equal primaryRows/);
    const built = await native().convertBuild({ ...spec, layers: [conv] } as never, p, a);
    native().mlpDispose(built);
  });
});
