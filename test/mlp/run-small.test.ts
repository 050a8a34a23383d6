/**
 * runMlp runs small jobs (at most 2^21 stored multiply-adds × batch) on the calling thread and
 * larger ones on a job thread. Both paths must give the float64 reference's answer (bounds from
 * test/support/mlp-reference.ts) and runMlpSync's bits. Which path ran is observable: a job thread
 * settles its promise through the event loop, so only an inline run is settled after microtasks
 * alone. The same MLP crosses the threshold by batch size alone.
 */
import { describe, expect, it } from 'vitest';
import { mlpFromLayers, runMlp, runMlpSync } from '../../src/index.js';
import { mulberry32 } from '../../src/util/random.js';
import { randomCsr, randomDense, randomInput, referenceMlp } from '../support/mlp-reference.js';

/** True when `p` settles before any macrotask runs. */
async function settledInMicrotasks(p: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void p.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return settled;
}

describe('runMlp on and off the calling thread', () => {
  const dense = (rows: number, cols: number) => [randomDense(mulberry32(rows + cols), rows, cols, { activation: 'relu' })];
  const cases = [
    { name: 'a 2 → 3 dense layer at batch 1 (6 multiply-adds)', layers: dense(3, 2), batch: 1, inline: true },
    { name: 'the same layer at batch 400000 (2.4 M)', layers: dense(3, 2), batch: 400000, inline: false },
    { name: 'a 1448 → 1448 dense layer at batch 1 (2,096,704, just under 2^21)', layers: dense(1448, 1448), batch: 1, inline: true },
    { name: 'a 1449 → 1448 dense layer at batch 1 (2,098,152, just over 2^21)', layers: dense(1448, 1449), batch: 1, inline: false },
    { name: 'dense then CSR at batch 4 (counts stored entries only)', layers: [randomDense(mulberry32(5), 64, 32), randomCsr(mulberry32(6), 16, 64, 0.3)], batch: 4, inline: true },
  ];
  for (const c of cases)
    it(`${c.name}: ${c.inline ? 'inline' : 'a job thread'}`, async () => {
      const inputSize = c.layers[0].cols;
      using mlp = mlpFromLayers(inputSize, c.layers);
      const x = randomInput(mulberry32(c.batch), inputSize * c.batch);
      const { y, tol } = referenceMlp(inputSize, c.layers, x);
      for (const threads of [1, 2]) {
        const pending = runMlp(mlp, x, { threads });
        expect(await settledInMicrotasks(pending)).toBe(c.inline);
        const out = await pending;
        let worst = 0;
        for (let i = 0; i < y.length; i++) worst = Math.max(worst, Math.abs(out[i] - y[i]) / tol[i]);
        expect(worst).toBeLessThanOrEqual(1);
        const sync = runMlpSync(mlp, x, { threads });
        expect(out.findIndex((v, i) => !Object.is(v, sync[i]))).toBe(-1);
      }
    });
});
