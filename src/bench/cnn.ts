/**
 * CNN benchmark (not a test): the seed network (stride 2 and 3) through runCnn and, in the same
 * process and on the same input, through onnxruntime-node; plus each layer of the seed network
 * alone through runCnn. Reports median wall time, GFLOP/s (2 FLOPs per multiply-accumulate) and
 * the fraction of the measured fp32 FMA peak on the same thread count. Network rows time the
 * public async API (runCnn: input check, output allocation, job thread hop) against
 * onnxruntime-node's async session.run; layer rows time the native run of one layer alone.
 */
import { compileCnn, runCnn } from '../cnn/cnn.js';
import { native } from '../native.js';
import { stats } from '../convert/stats.js';
import { planModel, OP } from '../model/plan.js';
import { seedNetwork } from '../model/seed.js';
import type { CnnModel } from '../model/types.js';
import { lcgUniform } from '../util/random.js';
import { ortCnn } from './peers/ort-cnn.js';

export interface CnnBenchOptions {
  /** fewer repetitions (a smoke run, figures rougher) */
  quick?: boolean;
  strides?: (2 | 3)[];
  batches?: number[];
  threads?: number[];
}

export interface CnnBenchRow {
  /** 'network' = the whole seed network; 'layer' = one layer of it alone */
  kind: 'network' | 'layer';
  stride: 2 | 3;
  /** layer name for 'layer' rows */
  layer?: string;
  batch: number;
  threads: number;
  /** multiply-accumulates per batch */
  macs: number;
  /** median wall time of runCnn, ms */
  ms: number;
  /** fastest repetition, ms */
  minMs: number;
  gflops: number;
  /** gflops / measured FMA peak on `threads` threads (null when no peak could be measured) */
  peakFraction: number | null;
  /** onnxruntime-node median ms on the same input and threads ('network' rows only) */
  ortMs?: number;
  ortMinMs?: number;
  ortGflops?: number;
  /** ortMs / ms: > 1 means runCnn is faster */
  speedup?: number;
  /** max |runCnn − ort| / max |ort| of the checked outputs */
  ortRelDiff?: number;
}

/** Median and minimum wall time of fn in ms (the minimum is the figure least hurt by a busy machine). */
async function timeMs(fn: () => Promise<unknown>, quick: boolean): Promise<{ median: number; min: number }> {
  const warm = quick ? 3 : 10;
  for (let i = 0; i < warm; i++) await fn();
  const times: number[] = [];
  const minReps = quick ? 10 : 40;
  const budget = quick ? 200 : 1500; // ms of measuring per cell at most, beyond minReps
  const start = performance.now();
  while (times.length < minReps || (performance.now() - start < budget && times.length < 2000)) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
    if (times.length >= minReps && performance.now() - start > budget * 4) break;
  }
  times.sort((a, b) => a - b);
  return { median: times[times.length >> 1], min: times[0] };
}

const peaks = new Map<number, number>();

/**
 * Measured fp32 FMA peak in FLOP/s on `threads` threads (the shared probeFmaPeak). A throughput
 * probe can only under-measure (a busy neighbour), so every run is a lower bound and the largest
 * of three 0.2 s runs is the tightest.
 */
export async function fmaPeak(threads: number): Promise<number> {
  let p = peaks.get(threads);
  if (p === undefined) {
    p = 0;
    for (let i = 0; i < 3; i++) p = Math.max(p, await native().probeFmaPeak(threads, 0.2));
    peaks.set(threads, p);
  }
  return p;
}

/** One layer of `model` as a model of its own, with the input shape that layer sees. */
function layerModel(model: CnnModel, index: number): CnnModel {
  const plan = planModel(model);
  const op = plan.ops.find((o) => o.layerIndex === index)!;
  const inputShape = op.op === OP.dense ? [op.inC] : [op.inH, op.inW, op.inC];
  return { name: `${model.name}/${model.layers[index].name}`, layout: 'NHWC', inputShape, layers: [model.layers[index]] };
}

/** Runs the benchmark and returns one row per cell. */
export async function benchCnn(options: CnnBenchOptions = {}): Promise<CnnBenchRow[]> {
  const quick = options.quick ?? false;
  const rows: CnnBenchRow[] = [];
  for (const stride of options.strides ?? [2, 3]) {
    const model = seedNetwork({ stride, seed: 2019 });
    const cnn = compileCnn(model);
    const macs = stats(model).totals.macs;
    for (const batch of options.batches ?? [1, 32]) {
      const x = lcgUniform(batch * cnn.inputSize, 7);
      for (const threads of options.threads ?? [1, 2]) {
        const peak = await fmaPeak(threads);
        const ours = await runCnn(cnn, x, { threads });
        const ort = await ortCnn(model, threads);
        const theirs = await ort.run(x, batch);
        let maxDiff = 0;
        let maxRef = 0;
        for (let i = 0; i < theirs.length; i++) {
          maxDiff = Math.max(maxDiff, Math.abs(ours[i] - theirs[i]));
          maxRef = Math.max(maxRef, Math.abs(theirs[i]));
        }
        // Both are float32 with different summation orders over K ≤ 6400 terms: 1e-4 relative is generous.
        if (theirs.length !== ours.length || !(maxDiff <= 1e-4 * Math.max(1, maxRef)))
          throw new Error(`runCnn and onnxruntime disagree on the stride-${stride} seed network (max diff ${maxDiff}, max |ref| ${maxRef})`);
        const { median: ms, min: minMs } = await timeMs(() => runCnn(cnn, x, { threads }), quick);
        const { median: ortMs, min: ortMinMs } = await timeMs(() => ort.run(x, batch), quick);
        ort.dispose();
        const flops = 2 * macs * batch;
        rows.push({
          kind: 'network',
          stride,
          batch,
          threads,
          macs: macs * batch,
          ms,
          minMs,
          gflops: flops / ms / 1e6,
          peakFraction: peak > 0 ? flops / (ms / 1e3) / peak : null,
          ortMs,
          ortMinMs,
          ortGflops: flops / ortMs / 1e6,
          speedup: ortMs / ms,
          ortRelDiff: maxDiff / Math.max(maxRef, 1e-30),
        });
        for (let li = 0; li < model.layers.length; li++) {
          const L = model.layers[li];
          if (L.type !== 'conv2d' && L.type !== 'dense') continue;
          const lm = layerModel(model, li);
          const lc = compileCnn(lm);
          const lx = lcgUniform(batch * lc.inputSize, 11);
          const lmacs = stats(lm).totals.macs * batch;
          // Layer rows time the native call alone (preallocated output, no input scan, no thread
          // hop): the kernel's own speed, which the % of FMA peak target is about.
          const ly = new Float32Array(batch * lc.outputSize);
          const n = native();
          const { median: lms, min: lminMs } = await timeMs(async () => n.cnnRunSync(lc.handle, lx, batch, threads, ly), quick);
          rows.push({
            kind: 'layer',
            stride,
            layer: `${L.name} ${lc.inputShape.join('×')}→${lc.outputShape.join('×')}`,
            batch,
            threads,
            macs: lmacs,
            ms: lms,
            minMs: lminMs,
            gflops: (2 * lmacs) / lms / 1e6,
            peakFraction: peak > 0 ? (2 * lmacs) / (lms / 1e3) / peak : null,
          });
          lc.dispose();
        }
      }
    }
    cnn.dispose();
  }
  return rows;
}

/** Markdown table of benchmark rows. */
export function formatCnnBench(rows: CnnBenchRow[]): string {
  const pct = (v: number | null | undefined) => (v == null ? '–' : `${(v * 100).toFixed(1)} %`);
  const out = [
    '| what | stride | batch | threads | runCnn ms (median / min) | GFLOP/s | % FMA peak | ORT ms (median / min) | ORT GFLOP/s | speed-up vs ORT (median / min) |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows)
    out.push(
      `| ${r.kind === 'network' ? 'seed network' : `  layer ${r.layer}`} | ${r.stride} | ${r.batch} | ${r.threads} | ${r.ms.toFixed(3)} / ${r.minMs.toFixed(3)} | ${r.gflops.toFixed(1)} | ${pct(r.peakFraction)} | ${r.ortMs !== undefined ? `${r.ortMs.toFixed(3)} / ${r.ortMinMs!.toFixed(3)}` : ''} | ${r.ortGflops?.toFixed(1) ?? ''} | ${r.speedup ? `${r.speedup.toFixed(2)}× / ${(r.ortMinMs! / r.minMs).toFixed(2)}×` : ''} |`,
    );
  return out.join('\n');
}
