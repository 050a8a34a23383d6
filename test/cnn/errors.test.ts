/**
 * Bad inputs to compileCnn / runCnn give a Cnn2MlpError with a stable code whose message names the
 * layer and field; the native surface re-validates everything and answers TypeError / RangeError /
 * coded Errors (never a crash) when called directly with bad arguments.
 */
import { describe, expect, it } from 'vitest';
import { Cnn2MlpError, compileCnn, runCnn, runCnnSync, type CnnModel, type Layer } from '../../src/index.js';
import { native } from '../../src/native.js';
import { planModel, RECORD_SIZE, F } from '../../src/model/plan.js';

function small(overrides: Partial<Extract<Layer, { type: 'conv2d' }>> = {}): CnnModel {
  return {
    layout: 'NHWC',
    inputShape: [5, 6, 2],
    layers: [
      { type: 'conv2d', name: 'c1', filters: 3, kernelSize: [3, 3], padding: 'same', weights: new Float32Array(3 * 3 * 2 * 3).fill(0.1), ...overrides },
      { type: 'flatten' },
    ],
  };
}

function codeOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(Cnn2MlpError);
    return { code: (e as Cnn2MlpError).code, message: (e as Error).message };
  }
  throw new Error('expected a throw');
}

describe('compileCnn / runCnn reject bad models and inputs', () => {
  it('input length not a multiple of the sample size names the size and shape', async () => {
    const e = codeOf(() => runCnnSync(small(), new Float32Array(61)));
    expect(e.code).toBe('ERR_INVALID_ARG');
    expect(e.message).toContain('60');
    expect(e.message).toContain('[5, 6, 2]');
    await expect(runCnn(small(), new Float32Array(0))).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
  });

  it('wrong weight array size names the layer and field', () => {
    const e = codeOf(() => compileCnn(small({ weights: new Float32Array(35) })));
    expect(e.code).toBe('ERR_INVALID_MODEL');
    expect(e.message).toMatch(/layer 0 \(conv2d 'c1'\).*weights.*length 54.*35/);
  });

  it('a NaN or Infinity weight names the layer, field and index (small arrays scanned in JS, large ones by the addon)', () => {
    const w = new Float32Array(54).fill(0.1);
    w[17] = NaN;
    const e = codeOf(() => compileCnn(small({ weights: w })));
    expect(e.code).toBe('ERR_INVALID_MODEL');
    expect(e.message).toMatch(/layer 0 \(conv2d 'c1'\): weights .*\[17\] is NaN; weights must be finite/);
    // 64 filters: 3·3·2·64 = 1152 weights; 512 filters: 9216, past the native scan threshold (4096)
    for (const [filters, at] of [[64, 1151], [512, 9000], [512, 0]] as const) {
      const big = new Float32Array(3 * 3 * 2 * filters).fill(0.1);
      big[at] = -Infinity;
      const b = codeOf(() => compileCnn(small({ filters, weights: big })));
      expect(b.code).toBe('ERR_INVALID_MODEL');
      expect(b.message).toMatch(new RegExp(`weights .*\\[${at}\\] is -Infinity; weights must be finite`));
    }
  });

  it('stride or dilation ≤ 0', () => {
    expect(codeOf(() => compileCnn(small({ strides: [0, 1] }))).message).toMatch(/layer 0 .*strides/);
    expect(codeOf(() => compileCnn(small({ strides: [1, -2] }))).message).toMatch(/strides/);
    expect(codeOf(() => compileCnn(small({ dilation: [1, 0] }))).message).toMatch(/layer 0 .*dilation/);
  });

  it('kernel larger than the padded input', () => {
    const e = codeOf(() => compileCnn(small({ kernelSize: [7, 3], padding: [0, 1, 0, 0], weights: new Float32Array(7 * 3 * 2 * 3) })));
    expect(e.code).toBe('ERR_INVALID_MODEL');
    expect(e.message).toMatch(/layer 0 .*height window.*larger than the padded input \(6\)/);
  });

  it('non-Float32Array weights or input', () => {
    const e = codeOf(() => compileCnn(small({ weights: new Float64Array(54) as unknown as Float32Array })));
    expect(e.message).toMatch(/layer 0 .*weights.*Float64Array/);
    const e2 = codeOf(() => runCnnSync(small(), [1, 2, 3] as unknown as Float32Array));
    expect(e2.code).toBe('ERR_INVALID_ARG');
    expect(e2.message).toMatch(/Float32Array.*for x but received an array of length 3/);
  });

  it('unknown layer type', () => {
    const m = small();
    m.layers.splice(1, 0, { type: 'lstm' } as unknown as Layer);
    const e = codeOf(() => compileCnn(m));
    expect(e.message).toMatch(/layer 1 \(lstm\): unknown layer type string 'lstm'/);
  });

  it('NaN / Infinity input is rejected naming sample and element, or propagated on request', async () => {
    const x = new Float32Array(120);
    x[60 + 7] = NaN;
    const e = codeOf(() => runCnnSync(small(), x));
    expect(e.code).toBe('ERR_NON_FINITE');
    expect(e.message).toContain('sample 1, element 7');
    x[67] = 0;
    x[3] = -Infinity;
    await expect(runCnn(small(), x)).rejects.toMatchObject({ code: 'ERR_NON_FINITE', message: expect.stringContaining('sample 0, element 3') });
    const y = runCnnSync(small(), x, { nonFinite: 'propagate' });
    // weights 0.1 > 0 and no activation: the -Infinity tap reaches outputs of sample 0 only
    expect(y.slice(0, 90).some((v) => v === -Infinity)).toBe(true);
    expect(y.slice(90).every(Number.isFinite)).toBe(true);
  });

  it('options.out: written in place, checked for length and overlap', () => {
    const x = new Float32Array(120).fill(1);
    const out = new Float32Array(180);
    expect(runCnnSync(small(), x, { out })).toBe(out);
    // all-ones input, weights 0.1, no bias: a corner pixel of 'same' 3×3 sees 4 pixels × 2 channels
    expect(out[0]).toBeCloseTo(0.8, 6);
    expect(codeOf(() => runCnnSync(small(), x, { out: new Float32Array(90) })).message).toMatch(/options.out/);
    const shared = new Float32Array(300);
    expect(codeOf(() => runCnnSync(small(), shared.subarray(0, 120), { out: shared.subarray(100, 280) })).message).toMatch(/overlaps/);
  });

  it('bad options and disposed models', () => {
    expect(codeOf(() => runCnnSync(small(), new Float32Array(60), { threads: 0 })).message).toMatch(/options.threads/);
    expect(codeOf(() => runCnnSync(small(), new Float32Array(60), { nonFinite: 'skip' as never })).message).toMatch(/options.nonFinite/);
    const c = compileCnn(small());
    c.dispose();
    expect(codeOf(() => runCnnSync(c, new Float32Array(60))).code).toBe('ERR_DISPOSED');
  });
});

describe('the native CNN surface validates its arguments again', () => {
  const plan = planModel(small());
  const make = () => native().cnnCreate(plan.records, plan.tensors, false, plan.inputSize, plan.outputSize, plan.edges, -1);

  it('cnnRun / cnnRunSync with wrong sizes, counts or handles', async () => {
    const h = make();
    const n = native();
    const x = new Float32Array(60);
    const y = new Float32Array(90);
    expect(() => n.cnnRunSync(h, new Float32Array(59), 1, 1, y)).toThrow(RangeError);
    expect(() => n.cnnRunSync(h, x, 2, 1, y)).toThrow(RangeError);
    expect(() => n.cnnRunSync(h, x, 1, 1, new Float32Array(89))).toThrow(RangeError);
    expect(() => n.cnnRunSync(h, x, 0, 1, y)).toThrow(RangeError);
    expect(() => n.cnnRunSync(h, x, 1, 0, y)).toThrow(RangeError);
    expect(() => n.cnnRunSync(h, x, 1, 257, y)).toThrow(RangeError);
    expect(() => n.cnnRunSync(h, x, 1.5, 1, y)).toThrow(RangeError);
    expect(() => n.cnnRunSync(h, new Float64Array(60) as unknown as Float32Array, 1, 1, y)).toThrow(TypeError);
    expect(() => n.cnnRunSync({} as never, x, 1, 1, y)).toThrow(TypeError);
    expect(() => n.cnnRun(h, x, 1, 1, new Float32Array(3))).toThrow(RangeError);
    const shared = new Float32Array(120);
    expect(() => n.cnnRunSync(h, shared.subarray(0, 60), 1, 1, shared.subarray(30, 120))).toThrow(/overlap/);
    expect(n.firstNonFinite(new Float32Array([0, 1, Infinity, NaN]))).toBe(2);
    expect(n.firstNonFinite(new Float32Array(1000))).toBe(-1);
    expect(() => n.firstNonFinite([1, 2] as never)).toThrow(TypeError);
    const mlp = n.mlpFromLayers(2, [{ format: 0, rows: 1, cols: 2, values: new Float32Array(2), act: 0 }]);
    expect(() => n.cnnRunSync(mlp as never, x, 1, 1, y)).toThrow(TypeError);
    await n.cnnRun(h, x, 1, 1, y); // still usable after the failures
    n.cnnDispose(h);
    n.cnnDispose(h); // idempotent
    expect(() => n.cnnRunSync(h, x, 1, 1, y)).toThrow(expect.objectContaining({ code: 'ERR_DISPOSED' }));
  });

  it('cnnCreate re-checks records and tensors', () => {
    const n = native();
    expect(() => n.cnnCreate(new Float64Array(RECORD_SIZE - 1), plan.tensors, false, 60, 90, plan.edges, -1)).toThrow(RangeError);
    expect(() => n.cnnCreate(plan.records, [new Float64Array(54) as unknown as Float32Array], false, 60, 90, plan.edges, -1)).toThrow(TypeError);
    expect(() => n.cnnCreate(plan.records, [new Float32Array(35)], false, 60, 90, plan.edges, -1)).toThrow(/op 0 \(layer 0\): weights has 35 values, expected 54/);
    expect(() => n.cnnCreate(plan.records, plan.tensors, false, 61, 90, plan.edges, -1)).toThrow(/inputSize/);
    expect(() => n.cnnCreate(plan.records, plan.tensors, false, 60, 91, plan.edges, -1)).toThrow(/outputSize/);
    const bad = plan.records.slice();
    bad[F.outH] = 7; // inconsistent with kernel, stride and pads
    expect(() => n.cnnCreate(bad, plan.tensors, false, 60, 90, plan.edges, -1)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_MODEL' }));
    const bad2 = plan.records.slice();
    bad2[F.weights] = 5; // no such tensor
    expect(() => n.cnnCreate(bad2, plan.tensors, false, 60, 90, plan.edges, -1)).toThrow(/tensor index/);
    const bad3 = plan.records.slice();
    bad3[F.sh] = 0.5;
    expect(() => n.cnnCreate(bad3, plan.tensors, false, 60, 90, plan.edges, -1)).toThrow(/sh/);
    const nan = plan.tensors[0].slice();
    nan[4] = NaN;
    expect(() => n.cnnCreate(plan.records, [nan], false, 60, 90, plan.edges, -1)).toThrow(/weights\[4\] is not finite/);
  });
});
