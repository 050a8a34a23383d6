// runMlp / runMlpSync against a naive float64 TS evaluation (test/support/mlp-reference.ts) of
// random multi-layer MLPs: every activation, dense and CSR mixed, batch 1 and > 1; plus argument
// errors, non-finite inputs, concurrent runs and dispose during a run.
// Tolerance: per-output worst-case float32 bound (K + 2)·eps·Σ|w·x| per layer, propagated through
// the later layers by Σ|w|·e and the activation's Lipschitz constant (see the helper).
import { describe, expect, it } from 'vitest';
import { Cnn2MlpError, MLP_ACTIVATIONS, mlpFromLayers, runMlp, runMlpSync, type MlpLayerSpec } from '../../src/index.js';
import { randomCsr, randomDense, randomInput, referenceMlp, worstRatio } from '../support/mlp-reference.js';
import { mulberry32 } from '../../src/util/random.js';

function network(seed: number, activation: MlpLayerSpec['activation']): { inputSize: number; layers: MlpLayerSpec[] } {
  const rand = mulberry32(seed);
  const hidden = activation === 'softmax' ? 'relu' : activation;
  const params = activation === 'clip' ? { min: -0.5, max: 0.7 } : activation === 'elu' ? { alpha: 0.7 } : {};
  return {
    inputSize: 45,
    layers: [
      randomDense(rand, 70, 45, { activation: hidden, ...params }),
      randomCsr(rand, 33, 70, 0.25, 5, { activation: hidden, ...params }),
      randomDense(rand, 10, 33, { activation, ...params }),
    ],
  };
}

describe('runMlp', () => {
  it('refuses hardSigmoid (an MLP layer does not store its offset)', () => {
    const { inputSize, layers } = network(1, 'hardSigmoid');
    expect(() => mlpFromLayers(inputSize, layers)).toThrow(/hardSigmoid is not an MLP layer activation/);
  });

  it.each(MLP_ACTIVATIONS.filter((a) => a !== 'hardSigmoid'))('matches the naive evaluation with %s, batch 1 and 5, sync and async', async (activation) => {
    const { inputSize, layers } = network(MLP_ACTIVATIONS.indexOf(activation) + 1, activation);
    using mlp = mlpFromLayers(inputSize, layers);
    for (const batch of [1, 5]) {
      const x = randomInput(mulberry32(batch), batch * inputSize);
      const { y, tol } = referenceMlp(inputSize, layers, x);
      for (const got of [runMlpSync(mlp, x, { threads: 1 }), await runMlp(mlp, x, { threads: 2 })]) {
        const { ratio, at } = worstRatio(got, y, tol);
        expect(ratio, `at ${at}: ${got[at]} vs ${y[at]} ± ${tol[at]}`).toBeLessThanOrEqual(1);
      }
    }
  });

  it('softmax outputs of each sample sum to 1', async () => {
    const { inputSize, layers } = network(3, 'softmax');
    using mlp = mlpFromLayers(inputSize, layers);
    const y = await runMlp(mlp, randomInput(mulberry32(4), 4 * inputSize));
    for (let b = 0; b < 4; b++) expect(y.subarray(b * 10, b * 10 + 10).reduce((p, q) => p + q, 0)).toBeCloseTo(1, 5);
  });

  it('rejects bad arguments with friendly errors', async () => {
    const { inputSize, layers } = network(1, 'relu');
    using mlp = mlpFromLayers(inputSize, layers);
    expect(() => runMlpSync(mlp, new Float32Array(44))).toThrow(/positive multiple of the MLP's input size 45/);
    expect(() => runMlpSync(mlp, [1, 2] as never)).toThrow(Cnn2MlpError);
    expect(() => runMlpSync(mlp, new Float32Array(45), { threads: 0 })).toThrow(/integer from 1 to 256 for options.threads/);
    expect(() => runMlpSync(mlp, new Float32Array(45), { threads: 1.5 })).toThrow(Cnn2MlpError);
    expect(() => runMlpSync(mlp, new Float32Array(45), { nonFinite: 'ignore' as never })).toThrow(/'reject' or 'propagate'/);
    await expect(runMlp(mlp, new Float32Array(0))).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    expect(() => mlpFromLayers(10, [randomDense(mulberry32(1), 3, 11)])).toThrow(/layers\[0\] takes 11 inputs but receives 10/);
    expect(() => mlpFromLayers(3, [randomDense(mulberry32(1), 3, 3, { activation: 'softmax' }), randomDense(mulberry32(1), 2, 3)])).toThrow(/softmax is only allowed on the last layer/);
  });

  it('rejects NaN/Infinity inputs naming the sample and index, or propagates them on request', () => {
    const { inputSize, layers } = network(2, 'linear');
    using mlp = mlpFromLayers(inputSize, layers);
    const x = randomInput(mulberry32(1), 3 * inputSize);
    x[2 * inputSize + 7] = NaN;
    try {
      runMlpSync(mlp, x);
      expect.unreachable();
    } catch (err) {
      expect((err as Cnn2MlpError).code).toBe('ERR_NON_FINITE');
      expect((err as Error).message).toMatch(/sample 2 has NaN at index 7/);
    }
    const y = runMlpSync(mlp, x, { nonFinite: 'propagate' });
    // Samples are independent: sample 0 stays finite, sample 2 carries NaN (dense layers touch every input).
    expect(y.subarray(0, 10).every(Number.isFinite)).toBe(true);
    expect(y.subarray(20, 30).some(Number.isNaN)).toBe(true);
  });

  it('runs concurrently on one MLP and survives dispose during a run', async () => {
    const rand = mulberry32(77);
    const layers = [randomDense(rand, 800, 600, { activation: 'relu' }), randomDense(rand, 20, 800)];
    const mlp = mlpFromLayers(600, layers);
    const xs = [1, 2, 3, 4].map((s) => randomInput(mulberry32(s), 8 * 600));
    const want = xs.map((x) => runMlpSync(mlp, x, { threads: 1 }));
    const runs = xs.map((x) => runMlp(mlp, x, { threads: 2 }));
    mlp.dispose();
    const got = await Promise.all(runs);
    // Same kernels and chunking per row range: identical results regardless of concurrency.
    got.forEach((g, i) => expect(g).toEqual(want[i]));
    expect(() => runMlpSync(mlp, xs[0])).toThrow(/disposed/);
  });
});
