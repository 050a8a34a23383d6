/**
 * The benchmark's view of cnn2mlp itself: CNN and MLP runners, conversion, the seed network and
 * the machine probes, resolved at run time from the public API (src/index.ts) or, for runners, the
 * declared native surface (src/native.ts). Pieces that have not landed yet are reported as
 * `undefined` with a reason, and the report skips the rows that need them instead of failing.
 */
import { native, type NativeMlpHandle } from '../native.js';
import { planModel } from '../model/plan.js';
import type { Activation, CnnModel } from '../model/types.js';
import type { Mlp } from '../mlp/mlp.js';
import { Cnn2MlpError } from '../errors.js';

type AnyFn = (...args: any[]) => any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Exported functions of the public API, by name (loaded lazily so missing pieces are not import errors). */
async function api(): Promise<Record<string, unknown>> {
  return (await import('../index.js')) as Record<string, unknown>;
}

function fn(obj: Record<string, unknown>, name: string): AnyFn | undefined {
  return name in obj && typeof obj[name] === 'function' ? (obj[name] as AnyFn) : undefined;
}

/** A runner times one call: input batch × inputSize → output batch × outputSize. */
export interface Runner {
  run(input: Float32Array, batch: number): Promise<Float32Array>;
  dispose(): void;
}

/** Which cnn2mlp pieces this build has; `missing` says why one is not available. */
export interface Availability {
  cnn: boolean;
  convert: boolean;
  mlpRun: boolean;
  probes: boolean;
  seedNetwork: boolean;
  missing: string[];
}

export async function availability(): Promise<Availability> {
  const a = await api();
  const n = native() as unknown as Record<string, unknown>;
  const has = (name: string) => typeof n[name] === 'function';
  const out: Availability = {
    cnn: !!(fn(a, 'runCnn') || has('cnnRun')),
    convert: !!fn(a, 'convert'),
    mlpRun: !!(fn(a, 'runMlp') || has('mlpRun')),
    probes: has('probeReadBandwidth') && has('probeFmaPeak'),
    seedNetwork: !!fn(a, 'seedNetwork'),
    missing: [],
  };
  if (!out.cnn) out.missing.push('runCnn (branch cnn) is not in this build');
  if (!out.convert) out.missing.push('convert (branch convert) is not in this build');
  if (!out.mlpRun) out.missing.push('runMlp (branch mlpkern) is not in this build');
  if (!out.probes) out.missing.push('native probeReadBandwidth/probeFmaPeak (branch mlpkern) are not in this build');
  return out;
}

/** Compiles `model` for repeated runs on `threads` threads (public compileCnn/runCnn, else the native cnnRun). */
export async function cnnRunner(model: CnnModel, threads: number): Promise<Runner> {
  const a = await api();
  const compile = fn(a, 'compileCnn');
  const run = fn(a, 'runCnn');
  if (compile && run) {
    // compileCnn copies the weights once; 'propagate' skips the input scan so the kernel is timed.
    const compiled = await compile(model);
    return {
      run: async (input) => (await run(compiled, input, { threads, nonFinite: 'propagate' })) as Float32Array,
      dispose: () => compiled?.dispose?.(),
    };
  }
  const n = native();
  if (typeof (n as unknown as Record<string, unknown>).cnnRun !== 'function')
    throw new Cnn2MlpError('ERR_UNSUPPORTED', 'runCnn is not in this build yet');
  const plan = planModel(model);
  const handle = n.cnnCreate(plan.records, plan.tensors, model.layout === 'NCHW', plan.inputSize, plan.outputSize);
  return {
    async run(input, batch) {
      const out = new Float32Array(batch * plan.outputSize);
      await n.cnnRun(handle, input, batch, threads, out);
      return out;
    },
    dispose: () => n.cnnDispose(handle),
  };
}

/** Converts `model` to an MLP in `format` with the public convert(). */
export async function convertModel(model: CnnModel, format: 'dense' | 'csr', maxBytes?: number): Promise<Mlp> {
  const convert = fn(await api(), 'convert');
  if (!convert) throw new Cnn2MlpError('ERR_UNSUPPORTED', 'convert is not in this build yet');
  return (await convert(model, maxBytes ? { format, maxBytes: Math.floor(maxBytes) } : { format })) as Mlp;
}

/** Exact counts from the public stats() (branch convert): the CNN and what each conversion builds. */
export interface StatsTotals {
  cnn: { macs: number; weights: number; biases: number };
  dense: { weights: number; nonzeros: number; biases: number; macs: number; bytes: number };
  csr: { weights: number; nonzeros: number; biases: number; macs: number; bytes: number };
}

export async function statsOf(model: CnnModel): Promise<StatsTotals | undefined> {
  const stats = fn(await api(), 'stats');
  if (!stats) return undefined;
  const s = stats(model) as { totals: StatsTotals['cnn']; dense: { totals: StatsTotals['dense'] }; csr: { totals: StatsTotals['csr'] } };
  return { cnn: s.totals, dense: s.dense.totals, csr: s.csr.totals };
}

/** Runs an MLP on `threads` threads (public runMlp, else the native mlpRun). */
export async function mlpRunner(mlp: Mlp, threads: number): Promise<Runner> {
  const run = fn(await api(), 'runMlp');
  if (run) return { run: async (input) => (await run(mlp, input, { threads, nonFinite: 'propagate' })) as Float32Array, dispose: () => {} };
  const n = native();
  if (typeof (n as unknown as Record<string, unknown>).mlpRun !== 'function')
    throw new Cnn2MlpError('ERR_UNSUPPORTED', 'runMlp is not in this build yet');
  return {
    async run(input, batch) {
      const out = new Float32Array(batch * mlp.outputSize);
      await n.mlpRun(mlp.handle, input, batch, threads, out);
      return out;
    },
    dispose: () => {},
  };
}

/** Builds an Mlp from raw layers (dense values row-major or CSR), for the density crossover. */
export async function mlpFromLayers(
  inputSize: number,
  layers: Array<
    | { format: 'dense'; rows: number; cols: number; values: Float32Array; bias: Float32Array; act?: number }
    | { format: 'csr'; rows: number; cols: number; rowPtr: Float64Array; colIdx: Int32Array; values: Float32Array; bias: Float32Array; act?: number }
  >,
): Promise<Mlp> {
  const { Mlp: MlpClass } = await import('../mlp/mlp.js');
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
  return new MlpClass(handle, { layout: 'NHWC', inputShape: [inputSize], outputShape: [layers[layers.length - 1].rows] });
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

/** Measures the machine's read bandwidth and FMA peak with the native probes. */
export async function machineLimits(threadCounts: number[], quick: boolean): Promise<MachineLimits> {
  const measure = fn(await api(), 'measureMachine');
  const all = native().cpuInfo().logicalCores;
  if (measure && threadCounts.every((t) => t === 1 || t === all)) {
    // branch mlpkern's measureMachine(): 1 and all threads, 2 GiB buffer (256 MiB quick)
    const m = (await measure({ quick })) as { readBandwidth: { threads1: number; threadsAll: number }; fmaPeak: { threads1: number; threadsAll: number }; bandwidthBytes: number };
    const ts = [...new Set([1, all])];
    return {
      readBandwidth: ts.map((t) => ({ threads: t, bytesPerSecond: t === 1 ? m.readBandwidth.threads1 : m.readBandwidth.threadsAll })),
      fmaPeak: ts.map((t) => ({ threads: t, flopsPerSecond: t === 1 ? m.fmaPeak.threads1 : m.fmaPeak.threadsAll })),
      source: `measureMachine() (read buffer ${Math.round(m.bandwidthBytes / 2 ** 20)} MiB)`,
    };
  }
  const n = native() as unknown as Record<string, unknown>;
  if (typeof n.probeReadBandwidth !== 'function' || typeof n.probeFmaPeak !== 'function')
    throw new Cnn2MlpError('ERR_UNSUPPORTED', 'native probeReadBandwidth/probeFmaPeak are not in this build yet');
  const nat = native();
  // 1 GiB streams well past every cache level (quick: 64 MiB, still past L2 and most L3 slices).
  const bytes = quick ? 64 << 20 : 1 << 30;
  const out: MachineLimits = { readBandwidth: [], fmaPeak: [], source: 'native probeReadBandwidth / probeFmaPeak' };
  for (const t of threadCounts) {
    out.readBandwidth.push({ threads: t, bytesPerSecond: await nat.probeReadBandwidth(bytes, t, quick ? 3 : 10) });
    out.fmaPeak.push({ threads: t, flopsPerSecond: await nat.probeFmaPeak(t, quick ? 0.05 : 0.5) });
  }
  return out;
}

/** The seed network (public seedNetwork when present, else the benchmark's own builder). */
export async function seedModel(stride: 2 | 3, side = 80): Promise<{ model: CnnModel; source: string }> {
  const seed = fn(await api(), 'seedNetwork');
  if (seed && side === 80) {
    try {
      return { model: (await seed({ stride, seed: stride })) as CnnModel, source: `seedNetwork({ stride: ${stride}, seed: ${stride} })` };
    } catch {
      /* fall back to the local builder below */
    }
  }
  return { model: threeConvNet({ side, stride, filters: [32, 64, 64], dense: [1024, 29], seed: stride }), source: 'bench threeConvNet()' };
}

/** Deterministic PRNG (mulberry32) → uniform [0, 1). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform values in [lo, hi). */
export function randomArray(length: number, seed: number, lo = 0, hi = 1): Float32Array {
  const r = rng(seed);
  const a = new Float32Array(length);
  for (let i = 0; i < length; i++) a[i] = lo + (hi - lo) * r();
  return a;
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
      weights: randomArray(fanIn * f, seed++, -lim, lim),
      bias: randomArray(f, seed++, -0.05, 0.05),
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
      weights: randomArray(units * u, seed++, -lim, lim),
      bias: randomArray(u, seed++, -0.05, 0.05),
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
