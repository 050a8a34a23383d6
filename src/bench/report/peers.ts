/**
 * Report section 4: the peers on identical work — tfjs (cpu, wasm) and onnxruntime-node on the seed
 * CNN, and on the very same dense MLP matrices. Every peer's output is checked before it is timed.
 */
import { seededUniform } from '../../util/random.js';
import { timeIt } from '../harness.js';
import { fmtBytes } from '../format.js';
import { availableMemory, streamedLayers } from '../engines.js';
import type { Mlp } from '../../mlp/mlp.js';
import { cnnRunner, type Runner } from '../runner.js';
import { tfjsCnn, tfjsMlp, useTfjsBackend, type TfjsBackendInfo } from '../peers/tfjs.js';
import { onnxMlp } from '../peers/onnx-mlp.js';
import { ortCnn } from '../peers/ort-cnn.js';
import { errMsg, type BenchContext, type Recorder } from './context.js';
import type { Reference, SeedCase, Times } from './seed-case.js';

/** Switches tfjs to `backend` and remembers, once, what it runs with. */
async function tfjsBackend(ctx: BenchContext, backend: 'cpu' | 'wasm'): Promise<TfjsBackendInfo> {
  const info = await useTfjsBackend(backend);
  if (!ctx.tfjs.has(backend)) ctx.tfjs.set(backend, info);
  return info;
}

interface PeerTiming {
  wl: string;
  peer: string;
  engine: 'cnn2mlp-cnn' | 'cnn2mlp-mlp-dense';
  threads: number;
  batches: number[];
  inputOf(b: number): Float32Array;
  flops(b: number): number;
  bytes(b: number): number;
  /** cnn2mlp's median at this batch and thread count, for the ratio */
  mine: Times;
  tick?: boolean;
}

/** Times a checked peer at each batch and records its ratio to cnn2mlp. */
async function timePeer(ctx: BenchContext, rec: Recorder, runner: Runner, j: PeerTiming): Promise<void> {
  for (const b of j.batches) {
    const x = j.inputOf(b);
    const timing = await timeIt(() => runner.run(x, b), ctx.timeOpts);
    rec.record({ section: 'peers', workload: j.wl, engine: j.peer, batch: b, threads: j.threads, flops: j.flops(b), bytes: j.bytes(b), timing });
    const mine = j.mine.get(`${b}/${j.threads}`);
    if (mine !== undefined) rec.ratio({ workload: j.wl, peer: j.peer, engine: j.engine, batch: b, threads: j.threads, peerMs: timing.medianMs, cnn2mlpMs: mine });
    if (j.tick) ctx.progress.tick(`${j.wl} ${j.peer} b${b}`);
  }
}

/** tfjs cpu and wasm, then onnxruntime-node, on the seed CNN. Returns the reference (tfjs cpu's output if runCnn is missing). */
export async function cnnPeers(ctx: BenchContext, c: SeedCase, rec: Recorder, cnn: { reference?: Reference; times: Times }): Promise<Reference | undefined> {
  let reference = cnn.reference;
  const cost = { flops: (b: number) => 2 * c.counts.macs * b, bytes: (b: number) => c.counts.bytes + c.counts.activationBytes * b };
  for (const backend of ['cpu', 'wasm'] as const) {
    // tfjs cpu at batch 32 of the full seed takes seconds per call: batch 1 only there.
    const batches = backend === 'cpu' && !ctx.quick ? [ctx.batches[0]] : ctx.batches;
    ctx.progress.grow(batches.length);
    const peer = `tfjs-${backend}-cnn`;
    let runner: Runner | undefined;
    try {
      const info = await tfjsBackend(ctx, backend);
      runner = await tfjsCnn(c.model);
      const out = await runner.run(c.inputOf(c.maxBatch), c.maxBatch);
      if (!reference) reference = { name: peer, out };
      else rec.check(c.wl, peer, reference.name, out, reference.out, c.counts.maxFanIn, c.counts.layers);
      await timePeer(ctx, rec, runner, { wl: c.wl, peer, engine: 'cnn2mlp-cnn', threads: info.threads, batches, inputOf: c.inputOf, ...cost, mine: cnn.times, tick: true });
    } catch (e) {
      rec.skip('peers', `${c.wl} ${peer}`, errMsg(e));
      for (const _ of batches) ctx.progress.tick(`${peer} (skipped)`);
    } finally {
      runner?.dispose();
    }
  }
  await ortCnnPeer(ctx, c, rec, cnn.times, cost);
  return reference;
}

/** onnxruntime-node on the graph cnnToOnnx writes, checked against runCnn on its own input. */
async function ortCnnPeer(ctx: BenchContext, c: SeedCase, rec: Recorder, times: Times, cost: Pick<PeerTiming, 'flops' | 'bytes'>): Promise<void> {
  const input = seededUniform(c.maxBatch * c.inSize, 99, 0, 1);
  for (const t of ctx.threads) {
    let session: Runner | undefined;
    try {
      session = await ortCnn(c.model, t);
      const out = await session.run(input, c.maxBatch);
      if (ctx.avail.cnn) {
        const r = cnnRunner(c.model, t, { scanInput: false });
        try {
          rec.check(c.wl, `ort-cnn t${t}`, 'cnn2mlp-cnn', out, await r.run(input, c.maxBatch), c.counts.maxFanIn, c.counts.layers);
        } finally {
          r.dispose();
        }
      }
      const inputOf = (b: number) => input.subarray(0, b * c.inSize);
      await timePeer(ctx, rec, session, { wl: c.wl, peer: 'ort-cnn', engine: 'cnn2mlp-cnn', threads: t, batches: ctx.batches, inputOf, ...cost, mine: times });
    } catch (e) {
      rec.skip('peers', `${c.wl} ort-cnn t${t}`, errMsg(e));
    } finally {
      session?.dispose();
    }
  }
}

/** cnn2mlp's dense MLP as the peers compare against it. */
export interface DenseRun {
  mlp: Mlp;
  /** its output at maxBatch */
  out: Float32Array;
  times: Times;
  nnz: number;
  /** activation bytes per sample */
  actBytes: number;
}

/** ORT (Gemm chain, external data) and tfjs (matMul chain) on the very same dense matrices. */
export async function denseMlpPeers(ctx: BenchContext, c: SeedCase, rec: Recorder, d: DenseRun): Promise<void> {
  const layers = streamedLayers(d.mlp);
  const free = await availableMemory();
  const run = async (peer: string, make: (t: number) => Promise<Runner>, threads: number[]) => {
    for (const t of threads) {
      let runner: Runner | undefined;
      try {
        runner = await make(t);
        const out = await runner.run(c.inputOf(c.maxBatch), c.maxBatch);
        rec.check(c.wl, `${peer} t${t}`, 'cnn2mlp-mlp-dense', out, d.out, c.counts.maxFanIn, d.mlp.layers.length);
        const cost = { flops: (b: number) => 2 * d.nnz * b, bytes: (b: number) => d.mlp.bytes + d.actBytes * b };
        await timePeer(ctx, rec, runner, { wl: c.wl, peer, engine: 'cnn2mlp-mlp-dense', threads: t, batches: ctx.batches, inputOf: c.inputOf, ...cost, mine: d.times });
      } catch (e) {
        rec.skip('peers', `${c.wl} ${peer} t${t}`, errMsg(e));
      } finally {
        runner?.dispose();
      }
    }
  };
  // ORT keeps its own copy of the weights (and needs the same again on disk).
  if (d.mlp.bytes > free * 0.75 - 2e9) rec.skip('peers', `${c.wl} ort-mlp-dense`, `a second copy of ${fmtBytes(d.mlp.bytes)} does not fit in ${fmtBytes(free)} available`);
  else await run('ort-mlp-dense', (t) => onnxMlp(layers, t), ctx.threads);
  // tfjs: each matrix must fit one JS typed array and (wasm) the 4 GB wasm32 heap with room to spare.
  const largest = Math.max(...d.mlp.layers.map((l) => l.rows * l.cols * 4));
  if (d.mlp.bytes > 1.5e9 || largest > 1e9) {
    rec.skip('peers', `${c.wl} tfjs-mlp-dense`, `${fmtBytes(d.mlp.bytes)} of weights exceeds the tfjs peers' limits (wasm32 heap ≤ 4 GB; kept ≤ 1.5 GB)`);
    return;
  }
  const withData = () => layers.map((l) => ({ ...l, weights: l.readRows(0, l.rows) }));
  for (const backend of ['wasm', 'cpu'] as const) {
    const info = await tfjsBackend(ctx, backend);
    await run(`tfjs-${backend}-mlp-dense`, () => tfjsMlp(withData()), [info.threads]);
  }
}
