/**
 * Child process for the detached-buffer test (test/reliability/detach.test.ts) and its long form
 * (scripts/detach-soak.sh): calls every async entry point, then, while the job runs, takes away
 * the caller memory it was given: a transfer (structuredClone with transfer, as postMessage does),
 * ArrayBuffer.prototype.transfer(), resize(0) of a resizable buffer, or (SharedArrayBuffer) a
 * worker thread that keeps writing into it. Transfers are followed by a GC and fresh allocations,
 * so a job still reading the old memory reads freed or reused pages.
 *
 * Run: node --expose-gc --harmony-rab-gsab-transfer --import tsx test/reliability/detach-child.ts <runs> [fn,...]
 * Prints one JSON line per (function, variant): {fn, variant, runs, ok, rejected: {code: n}}.
 * Exits 1 on a wrong result or an error that is not the expected Cnn2MlpError; a crash shows
 * as a signal in the parent.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import * as api from '../../src/index.js';
import { Cnn2MlpError } from '../../src/errors.js';
import type { CnnModel } from '../../src/model/types.js';
import type { MlpLayerSpec } from '../../src/mlp/layers.js';

type Variant = 'transfer' | 'transfer()' | 'resize' | 'shared';
const VARIANTS: Variant[] = ['transfer', 'transfer()', 'resize', 'shared'];
const THREADS = 2;

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc || typeof (ArrayBuffer.prototype as { transfer?: unknown }).transfer !== 'function') {
  console.error('run with --expose-gc --harmony-rab-gsab-transfer');
  process.exit(2);
}

/** A Float32Array holding `values` in the backing store the variant takes away. */
function backed(values: Float32Array, v: Variant): Float32Array {
  const bytes = values.byteLength;
  // Node 20's lib types lack resizable buffers (ES2024); the constructor has them.
  const Resizable = ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer;
  const buf = v === 'shared' ? new SharedArrayBuffer(bytes) : v === 'resize' ? new Resizable(bytes, { maxByteLength: bytes }) : new ArrayBuffer(bytes);
  const a = new Float32Array(buf);
  a.set(values);
  return a;
}

function takeAway(arrays: Float32Array[], v: Variant): void {
  const bufs = [...new Set(arrays.map((a) => a.buffer))] as ArrayBuffer[];
  if (v === 'transfer') structuredClone(bufs, { transfer: bufs });
  else if (v === 'transfer()') for (const b of bufs) (b as ArrayBuffer & { transfer(): ArrayBuffer }).transfer();
  else if (v === 'resize') for (const b of bufs) (b as ArrayBuffer & { resize(n: number): void }).resize(0);
  if (v === 'shared') return;
  gc!();
  // Fresh allocations of the same sizes land on the freed pages.
  for (const a of arrays) new Float32Array(a.length || 1).fill(-7);
}

/**
 * One worker thread that keeps writing finite values (±0.25, alternating per pass) into the shared
 * arrays it was last given; target() returns once it writes into the new ones.
 */
class Writer {
  #worker: Worker;
  #port: MessagePort;
  #ack = new Int32Array(new SharedArrayBuffer(4));
  constructor() {
    const code = `const { workerData, receiveMessageOnPort } = require('node:worker_threads');
      const { port, ack } = workerData;
      let views = [];
      for (let k = 0; ; k++) {
        const m = receiveMessageOnPort(port);
        if (m) { views = m.message.map((b) => new Float32Array(b)); Atomics.add(ack, 0, 1); Atomics.notify(ack, 0); }
        for (const v of views) v.fill(k & 1 ? 0.25 : -0.25);
      }`;
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    this.#worker = new Worker(code, { eval: true, workerData: { port: port2, ack: this.#ack }, transferList: [port2] });
  }
  target(arrays: Float32Array[]): void {
    const seen = Atomics.load(this.#ack, 0);
    this.#port.postMessage(arrays.map((a) => a.buffer));
    Atomics.wait(this.#ack, 0, seen, 10_000);
  }
  async stop(): Promise<void> {
    this.#port.close();
    await this.#worker.terminate();
  }
}

function seeded(n: number, seed: number, scale = 0.3): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = ((s / 2 ** 32) * 2 - 1) * scale;
  }
  return a;
}

function cnnModel(w: Float32Array[]): CnnModel {
  return {
    layout: 'NHWC',
    inputShape: [24, 24, 3],
    layers: [
      { type: 'conv2d', filters: 16, kernelSize: [3, 3], padding: 'same', weights: w[0], bias: w[1], activation: 'relu' },
      { type: 'conv2d', filters: 8, kernelSize: [3, 3], strides: [2, 2], padding: 'valid', weights: w[2], activation: 'tanh' },
      { type: 'flatten' },
      { type: 'dense', units: 10, weights: w[3], bias: w[4], activation: 'linear' },
    ],
  };
}
const CNN_WEIGHTS = [seeded(3 * 3 * 3 * 16, 1), seeded(16, 2), seeded(3 * 3 * 16 * 8, 3, 0.1), seeded(11 * 11 * 8 * 10, 4, 0.05), seeded(10, 5)];
const CNN_IN = 24 * 24 * 3;
const CNN_BATCH = 16;
const MLP_IN = 400;
const MLP_BATCH = 32;

function mlpLayers(values: Float32Array[]): MlpLayerSpec[] {
  const rowPtr = [0];
  const colIdx: number[] = [];
  for (let r = 0; r < 64; r++) {
    for (let c = r % 3; c < 256; c += 3) colIdx.push(c);
    rowPtr.push(colIdx.length);
  }
  return [
    { format: 'dense', rows: 256, cols: MLP_IN, values: values[0], bias: values[1], activation: 'sigmoid' },
    { format: 'csr', rows: 64, cols: 256, rowPtr, colIdx: Int32Array.from(colIdx), values: values[2], activation: 'sigmoid' },
  ];
}
const MLP_VALUES = [seeded(256 * MLP_IN, 6, 0.05), seeded(256, 7), seeded(64 * 86, 8)];
const mlpNnz = mlpLayers(MLP_VALUES)[1] as { colIdx: Int32Array };
MLP_VALUES[2] = MLP_VALUES[2].subarray(0, mlpNnz.colIdx.length).slice();

function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return x.every((v, i) => v === y[i]);
}
const allFinite = (a: Float32Array) => a.every(Number.isFinite);

/**
 * One async entry point: `make` builds its caller memory in the variant's backing store; `call`
 * starts the job on it and returns a check of the resolved result.
 */
interface Case {
  make(v: Variant): Float32Array[];
  call(arrays: Float32Array[], v: Variant, run: number): { job: Promise<unknown>; check(result: unknown): void | Promise<void> };
  /** Cnn2MlpError codes that are a correct outcome (a rejection with any other is a failure) */
  accepts: string[];
  /** the job cannot succeed with its memory taken away, so it must reject */
  mustReject?: (v: Variant) => boolean;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnn2mlp-detach-'));
const cnn = api.compileCnn(cnnModel(CNN_WEIGHTS));
const cnnX = seeded(CNN_IN * CNN_BATCH, 9, 1);
const cnnWant = api.runCnnSync(cnn, cnnX, { threads: THREADS });
const mlp = api.mlpFromLayers(MLP_IN, mlpLayers(MLP_VALUES));
const mlpX = seeded(MLP_IN * MLP_BATCH, 10, 1);
const mlpWant = api.runMlpSync(mlp, mlpX, { threads: THREADS });
const convWant = await api.convert(cnnModel(CNN_WEIGHTS), { format: 'csr', threads: THREADS });
const convProbe = seeded(CNN_IN * 2, 11, 1);
const convWantOut = api.runMlpSync(convWant, convProbe, { threads: THREADS });

/** Reference bytes of a file written by an exporter from the pristine MLP. */
async function referenceFile(write: (m: api.Mlp, p: string) => Promise<unknown>, name: string): Promise<Buffer> {
  const p = path.join(dir, `ref-${name}`);
  await write(mlp, p);
  return fs.readFileSync(p);
}

/**
 * saveMlp / exportOnnx / exportOpenCv read only the native MLP: their caller memory is the arrays
 * the MLP was made from (taken away while they run); on odd runs the MLP is also disposed mid-job.
 */
function fileCase(name: string, write: (m: api.Mlp, p: string) => Promise<unknown>, ref: Buffer, readBack: (p: string) => Promise<void>): Case {
  return {
    accepts: ['ERR_DISPOSED'],
    make: (v) => MLP_VALUES.map((a) => backed(a, v)),
    call(arrays, v, run) {
      const m = api.mlpFromLayers(MLP_IN, mlpLayers(arrays));
      const p = path.join(dir, name);
      const started = write(m, p);
      if (run % 2 === 1) m.dispose(); // every other run: the MLP is disposed while the job reads it
      return {
        job: run % 2 === 1 ? started : started.finally(() => m.dispose()),
        async check() {
          if (v !== 'shared' && !fs.readFileSync(p).equals(ref)) throw new Error(`${name}: the file differs from the reference export`);
          await readBack(p);
        },
      };
    },
  };
}

const saveRef = await referenceFile((m, p) => api.saveMlp(m, p), 'mlp');
const onnxRef = await referenceFile((m, p) => api.exportOnnx(m, p), 'm.onnx');
const cvRef = await referenceFile((m, p) => api.exportOpenCv(m, p), 'cv.yml');
const cases: Record<string, Case> = {
  'runCnn(x)': {
    accepts: [],
    make: (v) => [backed(cnnX, v)],
    call: ([x], v) => ({ job: api.runCnn(cnn, x, { threads: THREADS, nonFinite: 'propagate' }), check: (y) => expectRun(y as Float32Array, cnnWant, v) }),
  },
  'runCnn(options.out)': {
    // A detached or shrunk output cannot receive the result: ERR_INVALID_ARG, never a write.
    accepts: ['ERR_INVALID_ARG'],
    mustReject: (v) => v !== 'shared',
    make: (v) => [backed(new Float32Array(cnnWant.length), v)],
    call: ([out], v) => ({ job: api.runCnn(cnn, cnnX, { threads: THREADS, out }), check: (y) => expectRun(y as Float32Array, cnnWant, v) }),
  },
  'runMlp(x)': {
    accepts: [],
    make: (v) => [backed(mlpX, v)],
    call: ([x], v) => ({ job: api.runMlp(mlp, x, { threads: THREADS, nonFinite: 'propagate' }), check: (y) => expectRun(y as Float32Array, mlpWant, v) }),
  },
  'convert(model weights)': {
    accepts: [],
    make: (v) => CNN_WEIGHTS.map((a) => backed(a, v)),
    call: (w, v) => ({
      job: api.convert(cnnModel(w), { format: 'csr', threads: THREADS }),
      check(m) {
        const got = api.runMlpSync(m as api.Mlp, convProbe, { threads: THREADS });
        (m as api.Mlp).dispose();
        expectRun(got, convWantOut, v);
      },
    }),
  },
  'compileCnn(model weights)': {
    // compileCnn is synchronous: it copies the weights before returning, so taking them away
    // afterwards must not change what the compiled CNN computes.
    accepts: [],
    make: (v) => CNN_WEIGHTS.map((a) => backed(a, v)),
    call(w, v) {
      const c = api.compileCnn(cnnModel(w));
      const job = api.runCnn(c, cnnX, { threads: THREADS });
      c.dispose();
      return { job, check: (y) => expectRun(y as Float32Array, cnnWant, v) };
    },
  },
  saveMlp: fileCase('mlp', (m, p) => api.saveMlp(m, p), saveRef, async (p) => {
    const back = await api.loadMlp(p);
    const y = api.runMlpSync(back, mlpX, { threads: THREADS });
    back.dispose();
    if (!allFinite(y)) throw new Error('saveMlp: the saved MLP gives non-finite outputs');
  }),
  exportOnnx: fileCase('m.onnx', (m, p) => api.exportOnnx(m, p), onnxRef, async () => {}),
  exportOpenCv: fileCase('cv.yml', (m, p) => api.exportOpenCv(m, p), cvRef, async () => {}),
};

/** Bit-identical to the reference, except with shared memory another thread writes: then only shape and finiteness. */
function expectRun(got: Float32Array, want: Float32Array, v: Variant): void {
  if (!(got instanceof Float32Array) || got.length !== want.length) throw new Error(`expected ${want.length} outputs but received ${got?.length}`);
  if (v === 'shared' ? !allFinite(got) : !sameBits(got, want)) throw new Error(`${v}: the result differs from the reference run`);
}

async function runOne(name: string, c: Case, v: Variant, runs: number, writer: Writer): Promise<{ ok: number; rejected: Record<string, number> }> {
  const rejected: Record<string, number> = {};
  let ok = 0;
  for (let i = 0; i < runs; i++) {
    const arrays = c.make(v);
    if (v === 'shared') writer.target(arrays); // the writer is already writing when the call copies
    const s = c.call(arrays, v, i);
    takeAway(arrays, v);
    let result: unknown;
    try {
      result = await s.job;
    } catch (err) {
      const code = err instanceof Cnn2MlpError ? err.code : undefined;
      if (!code || !c.accepts.includes(code)) throw new Error(`${name} [${v}] run ${i}: unexpected rejection: ${(err as Error)?.stack ?? err}`);
      rejected[code] = (rejected[code] ?? 0) + 1;
      continue;
    }
    if (c.mustReject?.(v)) throw new Error(`${name} [${v}] run ${i}: resolved although its output was taken away`);
    await s.check(result);
    ok++;
  }
  return { ok, rejected };
}

/** The reported repro: the seed network on a batch of 64 80×80×3 images (only when asked for by name: ~70 ms a run). */
const SEED = 'runCnn(seed batch 64)';
let seed: { cnn: api.CompiledCnn; x: Float32Array; want: Float32Array } | undefined;
cases[SEED] = {
  accepts: [],
  make(v) {
    if (!seed) {
      const s = api.compileCnn(api.seedNetwork({ stride: 2, seed: 1 }));
      const x = new Float32Array(64 * 80 * 80 * 3).fill(0.5);
      seed = { cnn: s, x, want: api.runCnnSync(s, x, { threads: THREADS }) };
    }
    return [backed(seed.x, v)];
  },
  call: ([x], v) => ({ job: api.runCnn(seed!.cnn, x, { threads: THREADS }), check: (y) => expectRun(y as Float32Array, seed!.want, v) }),
};

const runs = Number(process.argv[2] ?? 10);
const only = process.argv[3]?.split(',') ?? Object.keys(cases).filter((k) => k !== SEED);
const writer = new Writer();
let failed = false;
for (const [name, c] of Object.entries(cases)) {
  if (!only.includes(name)) continue;
  for (const v of VARIANTS) {
    try {
      const r = await runOne(name, c, v, runs, writer);
      console.log(JSON.stringify({ fn: name, variant: v, runs, ...r }));
    } catch (err) {
      failed = true;
      console.log(JSON.stringify({ fn: name, variant: v, runs, error: String((err as Error).stack ?? err) }));
    }
  }
}
await writer.stop();
fs.rmSync(dir, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
