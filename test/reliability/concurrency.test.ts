/**
 * Concurrency: many simultaneous runCnn/runMlp calls on shared models, from the main thread and
 * from worker_threads (each with its own addon environment), give bit-identical results to
 * sequential runs; dispose racing a run either lets it finish (correctly) or rejects it with
 * ERR_DISPOSED; the event loop keeps turning while long kernels run.
 * Bit-identity is the right bar here: the same kernel on the same thread count does the same
 * float operations in the same order whatever else is running (no tolerance needed).
 */
import { Worker } from 'node:worker_threads';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';
import { Cnn2MlpError } from '../../src/errors.js';
import type { CnnModel } from '../../src/model/types.js';
import type { MlpLayerSpec } from '../../src/mlp/layers.js';
import { referenceMlp, worstRatio } from '../support/mlp-reference.js';
import { seededUniform } from '../support/random-cnn.js';

const THREADS = 2;

function cnnModel(): CnnModel {
  return {
    layout: 'NHWC',
    inputShape: [20, 20, 3],
    layers: [
      { type: 'conv2d', filters: 16, kernelSize: [3, 3], strides: [2, 2], padding: 'same', weights: seededUniform(3 * 3 * 3 * 16, 1, -0.3, 0.3), bias: seededUniform(16, 2), activation: 'relu' },
      { type: 'conv2d', filters: 8, kernelSize: [3, 3], padding: 'valid', weights: seededUniform(3 * 3 * 16 * 8, 3, -0.2, 0.2), activation: 'tanh' },
      { type: 'flatten' },
      { type: 'dense', units: 10, weights: seededUniform(8 * 8 * 8 * 10, 4, -0.1, 0.1), bias: seededUniform(10, 5), activation: 'softmax' },
    ],
  };
}
const MLP_IN = 300;
function mlpLayers(): MlpLayerSpec[] {
  const rowPtr = [0];
  const colIdx: number[] = [];
  for (let r = 0; r < 64; r++) {
    for (let c = r % 5; c < 200; c += 5) colIdx.push(c);
    rowPtr.push(colIdx.length);
  }
  return [
    { format: 'dense', rows: 200, cols: MLP_IN, values: seededUniform(200 * MLP_IN, 6, -0.1, 0.1), bias: seededUniform(200, 7), activation: 'relu' },
    { format: 'csr', rows: 64, cols: 200, rowPtr, colIdx: Int32Array.from(colIdx), values: seededUniform(colIdx.length, 8), activation: 'sigmoid' },
  ];
}

const N_INPUTS = 24;
const inputs = Array.from({ length: N_INPUTS }, (_, k) => ({ cnn: seededUniform(20 * 20 * 3 * (1 + (k % 3)), 100 + k), mlp: seededUniform(MLP_IN * (1 + (k % 4)), 200 + k) }));

function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return ua.every((v, i) => v === ub[i]);
}

describe('concurrency', () => {
  const model = cnnModel();
  const cnn = api.compileCnn(model);
  const mlp = api.mlpFromLayers(MLP_IN, mlpLayers());
  // Sequential references (sync API, one call at a time).
  const refCnn = inputs.map((x) => api.runCnnSync(cnn, x.cnn, { threads: THREADS }));
  const refMlp = inputs.map((x) => api.runMlpSync(mlp, x.mlp, { threads: THREADS }));

  it('the sequential MLP references match an independent float64 reference', () => {
    // Independent check that the references are right, not just repeatable: float64 forward pass
    // with a per-output tolerance from the summed magnitudes (see mlp-reference.ts).
    for (const k of [0, 1, 2, 3]) {
      const { y, tol } = referenceMlp(MLP_IN, mlpLayers(), inputs[k].mlp);
      expect(worstRatio(refMlp[k], y, tol).ratio).toBeLessThanOrEqual(1);
    }
  });

  it('48 simultaneous runCnn + runMlp calls on shared models are bit-identical to sequential runs', async () => {
    for (let round = 0; round < 3; round++) {
      const out = await Promise.all([...inputs.map((x) => api.runCnn(cnn, x.cnn, { threads: THREADS })), ...inputs.map((x) => api.runMlp(mlp, x.mlp, { threads: THREADS }))]);
      out.slice(0, N_INPUTS).forEach((y, k) => expect(sameBits(y, refCnn[k]), `cnn ${k}`).toBe(true));
      out.slice(N_INPUTS).forEach((y, k) => expect(sameBits(y, refMlp[k]), `mlp ${k}`).toBe(true));
    }
  });

  it('4 worker_threads (own addon environments) running alongside the main thread give bit-identical results', async () => {
    const workers = Array.from({ length: 4 }, (_, w) =>
      new Promise<{ cnnOut: Float32Array[]; mlpOut: Float32Array[] }>((resolve, reject) => {
        const worker = new Worker(new URL('./worker.mjs', import.meta.url), {
          workerData: { model, mlpLayers: mlpLayers(), mlpInput: MLP_IN, inputs: inputs.slice(w * 6, w * 6 + 6), threads: THREADS, rounds: 3 },
        });
        worker.once('message', resolve);
        worker.once('error', reject);
        worker.once('exit', (code) => code !== 0 && reject(new Error(`worker exited with ${code}`)));
      }),
    );
    const mainRuns = Promise.all(inputs.map((x) => api.runCnn(cnn, x.cnn, { threads: THREADS })));
    const results = await Promise.all(workers);
    (await mainRuns).forEach((y, k) => expect(sameBits(y, refCnn[k])).toBe(true));
    results.forEach((r, w) => {
      r.cnnOut.forEach((y, k) => expect(sameBits(y, refCnn[w * 6 + k]), `worker ${w} cnn ${k}`).toBe(true));
      r.mlpOut.forEach((y, k) => expect(sameBits(y, refMlp[w * 6 + k]), `worker ${w} mlp ${k}`).toBe(true));
    });
  }, 60_000);

  it('simultaneous converts, saves and loads of the same models give the same MLPs as sequential ones', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnn2mlp-conc-'));
    try {
      const x = inputs[0].cnn;
      const seq: Record<string, Float32Array> = {};
      for (const format of ['dense', 'csr'] as const) {
        const m = await api.convert(model, { format, threads: THREADS });
        seq[format] = api.runMlpSync(m, x, { threads: THREADS });
        m.dispose();
      }
      const formats = ['dense', 'csr', 'dense', 'csr', 'dense', 'csr'] as const;
      const built = await Promise.all(formats.map((format) => api.convert(model, { format, threads: THREADS })));
      built.forEach((m, k) => expect(sameBits(api.runMlpSync(m, x, { threads: THREADS }), seq[formats[k]]), `convert ${k}`).toBe(true));
      // Six saves to distinct files at once, then twelve loads (two per file) at once.
      await Promise.all(built.map((m, k) => api.saveMlp(m, path.join(dir, `m${k}.mlp`))));
      built.forEach((m) => m.dispose());
      const loaded = await Promise.all([...formats, ...formats].map((_, k) => api.loadMlp(path.join(dir, `m${k % 6}.mlp`))));
      const outs = await Promise.all(loaded.map((m) => api.runMlp(m, x, { threads: THREADS })));
      outs.forEach((y, k) => expect(sameBits(y, seq[formats[k % 6]]), `load ${k}`).toBe(true));
      loaded.forEach((m) => m.dispose());
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('dispose racing runs: each run finishes with the right answer or rejects with ERR_DISPOSED', async () => {
    let finished = 0;
    let refused = 0;
    const delays = [() => undefined, () => Promise.resolve(), () => new Promise((r) => setImmediate(r)), () => new Promise((r) => setTimeout(r, 1))];
    for (let trial = 0; trial < 40; trial++) {
      const c = api.compileCnn(model);
      const m = api.mlpFromLayers(MLP_IN, mlpLayers());
      const k = trial % N_INPUTS;
      const runs = [api.runCnn(c, inputs[k].cnn, { threads: THREADS }), api.runMlp(m, inputs[k].mlp, { threads: THREADS }), api.runCnn(c, inputs[k].cnn, { threads: 1 })];
      await delays[trial % delays.length]();
      c.dispose();
      m.dispose();
      // After dispose, new calls are refused at once.
      await expect(api.runMlp(m, inputs[k].mlp)).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
      const settled = await Promise.allSettled(runs);
      settled.forEach((s, i) => {
        if (s.status === 'fulfilled') {
          finished++;
          const want = i === 1 ? refMlp[k] : i === 0 ? refCnn[k] : api.runCnnSync(cnn, inputs[k].cnn, { threads: 1 });
          expect(sameBits(s.value, want), `trial ${trial} run ${i}`).toBe(true);
        } else {
          refused++;
          expect(s.reason).toBeInstanceOf(Cnn2MlpError);
          expect((s.reason as Cnn2MlpError).code).toBe('ERR_DISPOSED');
        }
      });
    }
    expect(finished + refused).toBe(120);
    console.log(`dispose race: ${finished} runs finished correctly, ${refused} rejected with ERR_DISPOSED`);
  });

  it('the event loop stays responsive during a long runMlp and a long convert', async () => {
    // A dense 2048×4096 layer (32 MB) on a batch of 64: ~0.5 GFLOP, hundreds of ms on 2 cores.
    const big = api.mlpFromLayers(4096, [{ format: 'dense', rows: 2048, cols: 4096, values: seededUniform(2048 * 4096, 9, -0.01, 0.01) }]);
    const x = seededUniform(4096 * 64, 10);
    const measure = async (job: () => Promise<unknown>) => {
      const h = monitorEventLoopDelay({ resolution: 5 });
      h.enable();
      const t0 = performance.now();
      let ticks = 0;
      const timer = setInterval(() => ticks++, 5);
      await job();
      const ms = performance.now() - t0;
      clearInterval(timer);
      h.disable();
      return { ms, maxLagMs: h.max / 1e6, ticks };
    };
    // Back-to-back async runs for at least 400 ms: the loop only gets control between and during them.
    const run = await measure(async () => {
      const t0 = performance.now();
      while (performance.now() - t0 < 400) await api.runMlp(big, x, { threads: THREADS });
    });
    const conv = await measure(async () => (await api.convert(api.seedNetwork({ stride: 2, seed: 1 }), { format: 'csr', threads: THREADS })).dispose());
    big.dispose();
    console.log(`event loop: runMlp loop ${run.ms.toFixed(0)} ms, max lag ${run.maxLagMs.toFixed(1)} ms; convert seed (csr) ${conv.ms.toFixed(0)} ms, max lag ${conv.maxLagMs.toFixed(1)} ms`);
    for (const m of [run, conv]) {
      // Behavioural bound, not a benchmark: a blocked loop would lag by the whole job.
      expect(m.ms).toBeGreaterThan(100);
      expect(m.maxLagMs).toBeLessThan(m.ms / 4);
      expect(m.ticks).toBeGreaterThan(3);
    }
  }, 60_000);
});
