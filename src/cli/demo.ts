/**
 * `cnn2mlp demo` (what `npm start` runs): the embedded Fashion-MNIST CNN, converted exactly into a
 * dense and a CSR MLP, all three run on the 10,000-image test set. Shows that they agree (same
 * predictions, same accuracy, tiny output differences) and what each costs; then the same counts
 * for the seed study's network. Exits 1 when the three do not agree.
 */
import path from 'node:path';
import { Command, Option } from 'commander';
import { cnnRunner, type CnnStats } from './api.js';
import { convert } from '../convert/convert.js';
import { stats } from '../convert/stats.js';
import { loadTfjs } from '../formats/tfjs.js';
import { runMlp } from '../mlp/run.js';
import { seedNetwork } from '../model/seed.js';
import { cnnCounts, mlpCounts, type Counts } from './counts.js';
import { argmaxRows, defaultModelPath, loadCnn, packageRoot } from './models.js';
import { CheckFailed, Output, bytes, int, table } from './output.js';
import { readIdxImageSet } from '../data/idx.js';
import { planModel } from '../model/plan.js';
import type { CnnModel } from '../model/types.js';
import { Cnn2MlpError } from '../errors.js';
import { threadsOf } from './options.js';

interface DemoOptions {
  threads?: string;
  limit?: string;
  batch: string;
  latencyRuns: string;
  model?: string;
  seed: boolean;
  json?: boolean;
}

/** What the seed study published for its network (MACs and weights per sample). */
export const SEED_PUBLISHED = { cnn: { macs: 12_355_840, weights: 56_320 }, mlp: { macs: 1_340_228_608, weights: 1_028_130_752 } };

/** Output differences above this mean the conversion is not exact (outputs are softmax probabilities in [0, 1]:
 *  float32 reordering of sums of ≤ 3136 terms moves them by ~1e-6 at most). */
const MAX_ABS_DIFF = 1e-4;

interface EngineResult extends Counts {
  engine: 'cnn' | 'dense' | 'csr' | 'bf16';
  label: string;
  accuracy: number;
  correct: number;
  /** median single-sample latency, milliseconds */
  latencyMs: number;
  /** images per second over the whole set, batches of `batch` */
  throughput: number;
}

function positiveInt(text: string | undefined, what: string, fallback: number): number {
  if (text === undefined) return fallback;
  const v = Number(text);
  if (!Number.isInteger(v) || v < 1) throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected a positive integer for ${what} but received '${text}'`);
  return v;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function describeModel(model: CnnModel): string {
  return model.layers
    .map((l) => {
      if (l.type === 'conv2d') return `conv ${l.kernelSize[0]}×${l.kernelSize[1]}×${l.filters}${l.strides && l.strides[0] > 1 ? `/${l.strides[0]}` : ''}`;
      if (l.type === 'dense') return `dense ${l.units}`;
      if (l.type === 'maxPool2d' || l.type === 'avgPool2d') return `${l.type === 'maxPool2d' ? 'max' : 'avg'}-pool ${l.poolSize[0]}×${l.poolSize[1]}`;
      return undefined;
    })
    .filter((s) => s !== undefined)
    .join(' → ');
}

export function demoCommand(): Command {
  return new Command('demo')
    .description('the embedded Fashion-MNIST CNN vs its exact dense and CSR MLPs on the 10,000-image test set')
    .option('--limit <n>', 'use only the first n test images')
    .option('--batch <n>', 'batch size for the accuracy pass', '250')
    .option('--latency-runs <n>', 'single-sample runs per engine for the median latency', '100')
    .option('--model <file>', 'another Fashion-MNIST classifier (28×28×1 in, 10 out; TF.js, ONNX or checkpoint) instead of the embedded one')
    .option('--threads <n>', 'kernel threads, 1–256 (default: all logical cores)')
    .option('--no-seed', "skip the seed network's counts")
    .addOption(new Option('--json', 'print the result as JSON on stdout'))
    .action(runDemo);
}

interface Engine {
  engine: EngineResult['engine'];
  label: string;
  run: (x: Float32Array, b: number) => Promise<Float32Array>;
  counts: Counts;
}

/** How far a converted MLP's outputs are from the CNN's: predictions that differ, largest |Δoutput|. */
interface Agreement {
  differ: number;
  maxAbs: number;
}

interface SeedCounts {
  stride: 2 | 3;
  cnn: Counts;
  stats: CnnStats;
}

async function runDemo(o: DemoOptions): Promise<void> {
  const out = new Output(o);
  const t0 = performance.now();
  const batchSize = positiveInt(o.batch, '--batch', 250);
  const latencyRuns = positiveInt(o.latencyRuns, '--latency-runs', 100);
  const limit = positiveInt(o.limit, '--limit', Number.MAX_SAFE_INTEGER);
  const threads = threadsOf(o);
  const modelFile = o.model ?? defaultModelPath();
  const model = await loadDemoModel(o.model, modelFile);
  const { inputs, labels, n } = testSet(limit);

  const tc = performance.now();
  const dense = await convert(model, { format: 'dense', threads });
  const csr = await convert(model, { format: 'csr', threads });
  const convertMs = performance.now() - tc;
  // Not exact by design (weights rounded to bf16): reported beside the exact MLPs, not part of the equivalence check.
  const bf16 = await convert(model, { format: 'dense', precision: 'bf16', threads });
  const cnn = cnnRunner(model);
  const engines: Engine[] = [
    { engine: 'cnn', label: 'CNN (direct conv)', run: (x, b) => cnn.run(x, b, threads), counts: cnnCounts(model) },
    { engine: 'dense', label: 'MLP dense', run: (x) => runMlp(dense, x, { threads }), counts: mlpCounts(dense) },
    { engine: 'csr', label: 'MLP CSR', run: (x) => runMlp(csr, x, { threads }), counts: mlpCounts(csr) },
    { engine: 'bf16', label: 'MLP dense bf16', run: (x) => runMlp(bf16, x, { threads }), counts: mlpCounts(bf16) },
  ];
  const outputs: Float32Array[] = [];
  const results: EngineResult[] = [];
  try {
    for (const e of engines) {
      const { y, result } = await scoreEngine(e, inputs, labels, batchSize, latencyRuns, out);
      outputs.push(y);
      results.push(result);
    }
  } finally {
    cnn.dispose();
    dense.dispose();
    csr.dispose();
    bf16.dispose();
  }

  const dc = agreement(outputs[0], outputs[1], n);
  const sc = agreement(outputs[0], outputs[2], n);
  const bc = agreement(outputs[0], outputs[3], n); // bf16 vs the CNN: what rounding the weights changes
  const bm = agreement(outputs[1], outputs[3], n); // bf16 vs the fp32 dense MLP of the same weights
  const sameAccuracy = results.slice(0, 3).every((r) => r.correct === results[0].correct);
  const equivalent = dc.differ === 0 && sc.differ === 0 && sameAccuracy && dc.maxAbs <= MAX_ABS_DIFF && sc.maxAbs <= MAX_ABS_DIFF;
  const seed = o.seed ? seedCounts() : [];
  const seconds = (performance.now() - t0) / 1000;
  const shownFile = path.relative(process.cwd(), modelFile) || modelFile;

  out.result({
    model: shownFile,
    architecture: describeModel(model),
    images: n,
    batch: batchSize,
    convertMs,
    accuracy: Object.fromEntries(results.map((r) => [r.engine, r.accuracy])),
    differingPredictions: { dense: dc.differ, csr: sc.differ },
    maxAbsDiff: { dense: dc.maxAbs, csr: sc.maxAbs },
    bf16: { differingPredictions: bc.differ, maxAbsDiff: bc.maxAbs, vsDenseMlp: { differingPredictions: bm.differ, maxAbsDiff: bm.maxAbs } },
    equivalent,
    engines: results,
    seed,
    seedPublished: SEED_PUBLISHED,
    seedNote: null, // a stable JSON shape: the key is always present
    seconds,
  });

  printEngines(out, { n, shownFile, architecture: describeModel(model), convertMs, batchSize, results, dc, sc, bc, bm, sameAccuracy });
  if (seed.length > 0) printSeed(out, seed);
  out.line();
  out.line(`done in ${seconds.toFixed(1)} s (timings on a shared machine are indicative; see 'cnn2mlp bench')`);
  if (!equivalent) {
    throw new CheckFailed(
      `the CNN and its MLPs disagree: ${dc.differ} (dense) and ${sc.differ} (CSR) predictions differ, ` +
        `max |Δoutput| ${Math.max(dc.maxAbs, sc.maxAbs).toExponential(2)}, accuracies ${results.map((r) => pct(r.accuracy)).join(' / ')}`,
    );
  }
}

/** The human-readable table of the three engines and how far the MLPs are from the CNN. */
function printEngines(
  out: Output,
  r: { n: number; shownFile: string; architecture: string; convertMs: number; batchSize: number; results: EngineResult[]; dc: Agreement; sc: Agreement; bc: Agreement; bm: Agreement; sameAccuracy: boolean },
): void {
  const { n, shownFile, convertMs, batchSize, results, dc, sc, bc, bm, sameAccuracy } = r;
  out.line(`cnn2mlp demo: Fashion-MNIST test set, ${int(n)} images (${shownFile})`);
  out.line(`model: ${r.architecture}; converted to dense and CSR MLPs in ${convertMs.toFixed(0)} ms (the dense bf16 conversion not counted)`);
  out.line();
  out.line(
    table([
      ['engine', 'accuracy', 'MACs/image', 'weights', 'nonzeros', 'bytes', 'latency b=1', `images/s b=${batchSize}`],
      ...results.map((r) => [r.label, pct(r.accuracy), int(r.macs), int(r.weights), int(r.nonzeros), bytes(r.bytes), `${r.latencyMs.toFixed(3)} ms`, int(r.throughput)]),
    ]),
  );
  out.line();
  out.line(
    `equivalence: ${dc.differ + sc.differ === 0 ? 'identical predictions' : 'PREDICTIONS DIFFER'}, ${sameAccuracy ? 'identical accuracy' : 'ACCURACIES DIFFER'} — ` +
      `dense vs CNN ${dc.differ} of ${int(n)} differ (max |Δoutput| ${dc.maxAbs.toExponential(2)}), ` +
      `CSR vs CNN ${sc.differ} of ${int(n)} differ (max |Δoutput| ${sc.maxAbs.toExponential(2)})`,
  );
  out.line(
    `bf16 weights (approximate by design, not part of the check): dense bf16 vs CNN ${bc.differ} of ${int(n)} predictions differ, ` +
      `max |Δoutput| ${bc.maxAbs.toExponential(2)}; vs the fp32 dense MLP ${bm.differ} differ, max |Δoutput| ${bm.maxAbs.toExponential(2)}; accuracy ${pct(results[3].accuracy)}`,
  );
}

const pct = (x: number) => `${(100 * x).toFixed(2)} %`;

/** The embedded model, or `--model`, which must be a Fashion-MNIST classifier. */
async function loadDemoModel(option: string | undefined, modelFile: string): Promise<CnnModel> {
  const model = option ? await loadCnn(modelFile) : await loadTfjs(modelFile);
  const plan = planModel(model);
  if (plan.inputSize !== 28 * 28 || plan.outputSize !== 10) {
    throw new Cnn2MlpError(
      'ERR_INVALID_ARG',
      `--model must be a Fashion-MNIST classifier (input 28×28×1, 10 outputs) because the demo scores it on that test set, but ${modelFile} takes [${model.inputShape.join(', ')}] and returns ${plan.outputSize} values; ` +
        `to check any other model use 'cnn2mlp verify ${modelFile}'`,
    );
  }
  return model;
}

/** The first `limit` images of the Fashion-MNIST test set, [n, 28, 28, 1] in [0, 1], and their labels. */
function testSet(limit: number): { inputs: Float32Array; labels: Uint8Array; n: number } {
  const dataDir = path.join(packageRoot(), 'data', 'fashion-mnist');
  const set = readIdxImageSet(path.join(dataDir, 't10k-images-idx3-ubyte.gz'), path.join(dataDir, 't10k-labels-idx1-ubyte.gz'));
  const n = Math.min(set.count, limit);
  const inputs = new Float32Array(n * 784);
  for (let i = 0; i < inputs.length; i++) inputs[i] = set.images[i] / 255; // the model was trained on [0, 1] pixels
  return { inputs, labels: set.labels.subarray(0, n), n };
}

/** One engine over the whole set in batches (accuracy, throughput), then its single-sample latency. */
async function scoreEngine(e: Engine, inputs: Float32Array, labels: Uint8Array, batchSize: number, latencyRuns: number, out: Output) {
  const n = labels.length;
  const outSize = 10;
  const y = new Float32Array(n * outSize);
  const bar = out.progress(e.label, n);
  const ts = performance.now();
  for (let s = 0; s < n; s += batchSize) {
    const b = Math.min(batchSize, n - s);
    y.set(await e.run(inputs.subarray(s * 784, (s + b) * 784), b), s * outSize);
    bar.tick(b);
  }
  const seconds = (performance.now() - ts) / 1000;
  bar.stop();
  const pred = argmaxRows(y, n);
  let correct = 0;
  for (let i = 0; i < n; i++) if (pred[i] === labels[i]) correct++;
  // latency: one sample at a time, a few warm-up calls first (page faults, thread-pool wake-up)
  const times: number[] = [];
  for (let r = -5; r < latencyRuns; r++) {
    const i = ((r + 5) % n) * 784;
    const tl = performance.now();
    await e.run(inputs.subarray(i, i + 784), 1);
    if (r >= 0) times.push(performance.now() - tl);
  }
  const result: EngineResult = { engine: e.engine, label: e.label, ...e.counts, accuracy: correct / n, correct, latencyMs: median(times), throughput: n / seconds };
  return { y, result };
}

function agreement(ref: Float32Array, other: Float32Array, n: number): Agreement {
  const r = argmaxRows(ref, n);
  const p = argmaxRows(other, n);
  let differ = 0;
  let maxAbs = 0;
  for (let i = 0; i < n; i++) if (p[i] !== r[i]) differ++;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(other[i] - ref[i]);
    if (!(d <= maxAbs) && !Number.isNaN(maxAbs)) maxAbs = d; // a NaN sticks
  }
  return { differ, maxAbs };
}

/** The seed study's network: counts only (its dense MLP has over a billion weights). */
function seedCounts(): SeedCounts[] {
  return ([2, 3] as const).map((stride) => {
    const m = seedNetwork({ stride, seed: 1 }); // counts do not depend on the weight values
    return { stride, cnn: cnnCounts(m), stats: stats(m) };
  });
}

function printSeed(out: Output, seed: SeedCounts[]): void {
  out.line();
  out.line("the seed study's network (80×80×3 → conv 3×3×32 → conv 3×3×64 → conv 3×3×64, all strided 'same' → dense 1024 → dense 29):");
  const p = SEED_PUBLISHED;
  out.line(
    table([
      ['', 'CNN MACs', 'CNN weights', 'dense MLP MACs = weights', 'dense bytes', 'CSR nonzeros', 'CSR bytes'],
      ...seed.map((s) => [
        `stride ${s.stride}`,
        int(s.cnn.macs),
        int(s.cnn.weights),
        int(s.stats.dense.totals.macs),
        bytes(s.stats.dense.totals.bytes),
        int(s.stats.csr.totals.nonzeros),
        bytes(s.stats.csr.totals.bytes),
      ]),
    ]),
  );
  out.line(
    `published (2019, stride not stated): CNN ${int(p.cnn.macs)} MACs, ${int(p.cnn.weights)} weights; ` +
      `MLP ${int(p.mlp.macs)} MACs, ${int(p.mlp.weights)} weights`,
  );
  const conv = seed[0]?.stats?.totals;
  if (conv) out.line(`(the published CNN weights are the conv layers' only: ${int(conv.convWeights)} weights + 160 biases = ${int(conv.convWeights + 160)})`);
}
