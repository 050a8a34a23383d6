/**
 * The benchmark's view of cnn2mlp itself: CNN and MLP runners, conversion with exact counts, the
 * seed network and the machine limits, each a thin wrapper over the public pieces (compileCnn /
 * runCnn, convert / stats, runMlp, measureMachine, seedNetwork) so the report times exactly what a
 * user calls.
 */
import { native, type NativeMlpHandle } from '../native.js';
import { planModel } from '../model/plan.js';
import type { Activation, CnnModel } from '../model/types.js';
import { Mlp } from '../mlp/mlp.js';
import { compileCnn, runCnn } from '../cnn/cnn.js';
import { convert } from '../convert/convert.js';
import { stats } from '../convert/stats.js';
import { runMlp } from '../mlp/run.js';
import { seedNetwork } from '../model/seed.js';
import { measureMachine } from './machine.js';
import { seededUniform } from '../util/random.js';

/** A runner times one call: input batch × inputSize → output batch × outputSize. */
export interface Runner {
  run(input: Float32Array, batch: number): Promise<Float32Array>;
  dispose(): void;
}

/** Which native pieces this build of the addon has (a stale build/ may lack newer exports). */
export interface Availability {
  cnn: boolean;
  convert: boolean;
  mlpRun: boolean;
  probes: boolean;
  seedNetwork: boolean;
  missing: string[];
}

export async function availability(): Promise<Availability> {
  const n = native() as unknown as Record<string, unknown>;
  const has = (name: string) => typeof n[name] === 'function';
  const out: Availability = {
    cnn: has('cnnRun'),
    convert: has('convertBuild'),
    mlpRun: has('mlpRun'),
    probes: has('probeReadBandwidth') && has('probeFmaPeak'),
    seedNetwork: true,
    missing: [],
  };
  const rebuild = "is not in the loaded addon (run 'npm run build:native')";
  if (!out.cnn) out.missing.push(`runCnn: native cnnRun ${rebuild}`);
  if (!out.convert) out.missing.push(`convert: native convertBuild ${rebuild}`);
  if (!out.mlpRun) out.missing.push(`runMlp: native mlpRun ${rebuild}`);
  if (!out.probes) out.missing.push(`machine probes: native probeReadBandwidth/probeFmaPeak ${rebuild}`);
  return out;
}

/** Compiles `model` once for repeated runCnn calls on `threads` threads. */
export async function cnnRunner(model: CnnModel, threads: number): Promise<Runner> {
  const compiled = compileCnn(model);
  return {
    // 'propagate' skips the input scan: the kernel and the call are timed, not the validation
    run: (input) => runCnn(compiled, input, { threads, nonFinite: 'propagate' }),
    dispose: () => compiled.dispose(),
  };
}

/** convert(model, { format }), refusing beyond maxBytes before allocating. */
export async function convertModel(model: CnnModel, format: 'dense' | 'csr', maxBytes?: number): Promise<Mlp> {
  return convert(model, maxBytes ? { format, maxBytes: Math.max(1, Math.floor(maxBytes)) } : { format });
}

/** Exact counts from stats(): the CNN and what each conversion builds. */
export interface StatsTotals {
  cnn: { macs: number; weights: number; biases: number };
  dense: { weights: number; nonzeros: number; biases: number; macs: number; bytes: number };
  csr: { weights: number; nonzeros: number; biases: number; macs: number; bytes: number };
}

export async function statsOf(model: CnnModel): Promise<StatsTotals | undefined> {
  const s = stats(model);
  return { cnn: s.totals, dense: s.dense.totals, csr: s.csr.totals };
}

/** runMlp on `threads` threads. */
export async function mlpRunner(mlp: Mlp, threads: number): Promise<Runner> {
  return { run: (input) => runMlp(mlp, input, { threads, nonFinite: 'propagate' }), dispose: () => {} };
}

/** Builds an Mlp from raw layers (dense values row-major or CSR), for the density crossover. */
export async function mlpFromLayers(
  inputSize: number,
  layers: Array<
    | { format: 'dense'; rows: number; cols: number; values: Float32Array; bias: Float32Array; act?: number }
    | { format: 'csr'; rows: number; cols: number; rowPtr: Float64Array; colIdx: Int32Array; values: Float32Array; bias: Float32Array; act?: number }
  >,
): Promise<Mlp> {
  const handle: NativeMlpHandle = native().mlpFromLayers(
    inputSize,
    layers.map((l) => ({
      format: l.format === 'dense' ? 0 : 1,
      rows: l.rows,
      cols: l.cols,
      values: l.values,
      rowPtr: l.format === 'csr' ? l.rowPtr : undefined,
      colIdx: l.format === 'csr' ? l.colIdx : undefined,
      bias: l.bias,
      act: l.act ?? 0,
    })),
  );
  return new Mlp(handle, { layout: 'NHWC', inputShape: [inputSize], outputShape: [layers[layers.length - 1].rows] });
}

/** Dense layer i of an MLP, streamed in row blocks (for the peers). */
export function denseLayerReader(mlp: Mlp, i: number): (start: number, count: number) => Float32Array {
  return (start, count) => native().mlpReadRows(mlp.handle, i, start, count) as Float32Array;
}

export function mlpLayerBias(mlp: Mlp, i: number): Float32Array {
  return native().mlpReadBias(mlp.handle, i);
}

/** Activation of MLP layer i as a model-type Activation (for rebuilding it in a peer). */
export function mlpLayerActivation(mlp: Mlp, i: number): Activation {
  const l = mlp.layers[i];
  switch (l.activation) {
    case 'leakyRelu':
    case 'elu':
      return { type: l.activation, alpha: l.alpha };
    case 'clip':
      return { type: 'clip', min: l.min, max: l.max };
    default:
      return l.activation as Activation;
  }
}

/** Machine limits, in bytes/s and FLOP/s, at 1 and all threads. */
export interface MachineLimits {
  readBandwidth: Array<{ threads: number; bytesPerSecond: number }>;
  fmaPeak: Array<{ threads: number; flopsPerSecond: number }>;
  source: string;
}

/** Measures the machine's read bandwidth and FMA peak (measureMachine: 1 and all threads). */
export async function machineLimits(_threadCounts: number[], quick: boolean): Promise<MachineLimits> {
  const all = native().cpuInfo().logicalCores;
  const m = await measureMachine({ quick });
  const ts = [...new Set([1, all])];
  return {
    readBandwidth: ts.map((t) => ({ threads: t, bytesPerSecond: t === 1 ? m.readBandwidth.threads1 : m.readBandwidth.threadsAll })),
    fmaPeak: ts.map((t) => ({ threads: t, flopsPerSecond: t === 1 ? m.fmaPeak.threads1 : m.fmaPeak.threadsAll })),
    source: `measureMachine() (read buffer ${Math.round(m.bandwidthBytes / 2 ** 20)} MiB)`,
  };
}

/** The seed network: seedNetwork() at 80×80, else the same architecture at another side. */
export async function seedModel(stride: 2 | 3, side = 80): Promise<{ model: CnnModel; source: string }> {
  if (side === 80) return { model: seedNetwork({ stride, seed: stride }), source: `seedNetwork({ stride: ${stride}, seed: ${stride} })` };
  return { model: threeConvNet({ side, stride, filters: [32, 64, 64], dense: [1024, 29], seed: stride }), source: `bench threeConvNet(side ${side})` };
}

/**
 * The seed's architecture at any input side: three 3×3 'same' convs with ReLU (strided), flatten,
 * dense layers (ReLU, softmax last). Weights He-uniform-like so activations stay O(1) at depth.
 */
export function threeConvNet(o: { side: number; stride: number; filters: [number, number, number]; dense: number[]; seed: number; channels?: number }): CnnModel {
  const cin0 = o.channels ?? 3;
  const layers: CnnModel['layers'] = [];
  let cin = cin0;
  let side = o.side;
  let seed = o.seed * 1000;
  for (const f of o.filters) {
    const fanIn = 9 * cin;
    const lim = Math.sqrt(6 / fanIn);
    layers.push({
      type: 'conv2d',
      filters: f,
      kernelSize: [3, 3],
      strides: [o.stride, o.stride],
      padding: 'same',
      weights: seededUniform(fanIn * f, seed++, -lim, lim),
      bias: seededUniform(f, seed++, -0.05, 0.05),
      activation: 'relu',
    });
    cin = f;
    side = Math.ceil(side / o.stride);
  }
  layers.push({ type: 'flatten' });
  let units = side * side * cin;
  o.dense.forEach((u, i) => {
    const lim = Math.sqrt(6 / units);
    layers.push({
      type: 'dense',
      units: u,
      weights: seededUniform(units * u, seed++, -lim, lim),
      bias: seededUniform(u, seed++, -0.05, 0.05),
      activation: i === o.dense.length - 1 ? 'softmax' : 'relu',
    });
    units = u;
  });
  return { name: `threeConv-${o.side}-s${o.stride}`, layout: 'NHWC', inputShape: [o.side, o.side, cin0], layers };
}

/** Exact counts for a CNN: multiply-accumulates per sample, parameters, fp32 bytes, largest fan-in. */
export interface CnnCounts {
  macs: number;
  weights: number;
  convWeights: number;
  bytes: number;
  maxFanIn: number;
  layers: number;
  /** per matrix-bearing op: rows (outputs), cols (inputs), as the MLP would hold them */
  matrices: Array<{ rows: number; cols: number }>;
}

/** Counts from the plan (conv: outH·outW·outC·kh·kw·cin/groups MACs; dense: in·out). */
export function cnnCounts(model: CnnModel): CnnCounts {
  const plan = planModel(model);
  let macs = 0;
  let weights = 0;
  let convWeights = 0;
  let maxFanIn = 0;
  let layers = 0;
  const matrices: CnnCounts['matrices'] = [];
  for (const op of plan.ops) {
    const w = op.weights >= 0 ? plan.tensors[op.weights].length : 0;
    const b = op.bias >= 0 ? plan.tensors[op.bias].length : 0;
    weights += w + b;
    const outSize = op.outH * op.outW * op.outC;
    const inSize = op.inH * op.inW * op.inC;
    if (op.op === 0) {
      const fanIn = op.kh * op.kw * (op.inC / op.groups);
      macs += outSize * fanIn;
      convWeights += w + b;
      maxFanIn = Math.max(maxFanIn, fanIn);
      layers++;
      matrices.push({ rows: outSize, cols: inSize });
    } else if (op.op === 1) {
      macs += op.inC * op.outC;
      maxFanIn = Math.max(maxFanIn, op.inC);
      layers++;
      matrices.push({ rows: op.outC, cols: op.inC });
    } else if (op.op !== 10 && op.op !== 8) {
      layers++;
      matrices.push({ rows: outSize, cols: inSize });
    }
  }
  return { macs, weights, convWeights, bytes: weights * 4, maxFanIn, layers, matrices };
}

/** Bytes a dense conversion would take (rows × cols rounded up to 16 floats, plus bias). */
export function denseBytesEstimate(c: CnnCounts): number {
  return c.matrices.reduce((s, m) => s + (m.rows * Math.ceil(m.cols / 16) * 16 + m.rows) * 4, 0);
}

/** Bytes of memory the OS can give us now (native probe; falls back to os.freemem()). */
export async function availableMemory(): Promise<number> {
  try {
    return native().availableMemoryBytes();
  } catch {
    const os = await import('node:os');
    return os.freemem();
  }
}
