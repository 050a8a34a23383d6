/**
 * Fuzz targets: each one builds a valid file or value, draws a mutation of it with fast-check and
 * feeds it to a public function. The contract under test: every case ends in a result or a
 * Cnn2MlpError — never another exception, a crash, a hang or a huge allocation. The child runner
 * (child.ts) applies the contract; the parent (harness.ts) watches for crashes, hangs and RSS.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import * as api from '../../src/index.js';
import { onnx, type OnnxNs } from '../../src/formats/onnx-proto.js';
import { sharedFixturesDir } from '../support/shared-fixtures.js';
import type { CnnModel } from '../../src/model/types.js';

export interface FuzzTarget<T> {
  /** what is fed in, for the report */
  describe: string;
  /** builds the valid base (files, models); returns a reason string to skip the target */
  setup(dir: string): Promise<string | void>;
  arb: fc.Arbitrary<T>;
  run(input: T, dir: string, index: number): Promise<unknown>;
}

// ---------------------------------------------------------------- shared mutation helpers

/** A byte-level mutation, in plain numbers so fast-check can draw and print it. */
export interface ByteMutation {
  kind: number; // 0 truncate, 1 flip bytes, 2 overwrite with 0xff (huge varints/lengths), 3 insert, 4 splice a copy, 5 zero a range, 6 write a random u32/u64 (lying offsets)
  pos: number;
  len: number;
  bytes: Uint8Array;
  count: number;
}

export const byteMutation: fc.Arbitrary<ByteMutation> = fc.record({
  kind: fc.integer({ min: 0, max: 6 }),
  pos: fc.nat(),
  len: fc.integer({ min: 1, max: 64 }),
  bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }),
  count: fc.integer({ min: 1, max: 8 }),
});

export function mutateBytes(base: Uint8Array, ms: ByteMutation[]): Uint8Array {
  let b = Uint8Array.from(base);
  for (const m of ms) {
    const n = b.length;
    if (n === 0) break;
    const p = m.pos % n;
    switch (m.kind) {
      case 0:
        b = b.slice(0, p);
        break;
      case 1:
        for (let k = 0; k < m.count; k++) b[(p + k * 7919 * (m.bytes[k % m.bytes.length] + 1)) % n] ^= m.bytes[k % m.bytes.length] || 0x80;
        break;
      case 2:
        b.fill(0xff, p, Math.min(n, p + m.len));
        break;
      case 3: {
        const out = new Uint8Array(n + m.bytes.length);
        out.set(b.subarray(0, p));
        out.set(m.bytes, p);
        out.set(b.subarray(p), p + m.bytes.length);
        b = out;
        break;
      }
      case 4: {
        const src = (m.pos * 31) % n;
        const chunk = b.slice(src, Math.min(n, src + m.len));
        const out = new Uint8Array(n + chunk.length);
        out.set(b.subarray(0, p));
        out.set(chunk, p);
        out.set(b.subarray(p), p + chunk.length);
        b = out;
        break;
      }
      case 5:
        b.fill(0, p, Math.min(n, p + m.len));
        break;
      case 6: {
        const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
        const at = p - (p % 8);
        const vals = [0xffffffff, 0x7fffffff, 0x80000000, 1 << 30, m.pos, 0];
        const v = vals[m.count % vals.length];
        if (at + 8 <= n) {
          dv.setUint32(at, v >>> 0, true);
          dv.setUint32(at + 4, m.count > 4 ? v >>> 0 : 0, true);
        }
        break;
      }
    }
  }
  return b;
}

/** Numbers that break naive dimension handling. */
export const evilNumber = fc.constantFrom(
  -1, 0, 1, 2, 3, 7, 0.5, -0.5, 65535, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 40, 2 ** 53, -(2 ** 53), 1e300, -1e300, Number.MAX_SAFE_INTEGER, 1e9, 46341,
);
const evilValue: fc.Arbitrary<unknown> = fc.oneof(
  evilNumber,
  fc.constantFrom(null, true, false, '', 'float16', 'int32', 'string', 'same', 'valid', 'relu', 'softmax', 'Conv2D', 'Dense', 'channels_first', [], {}, [null, 1e9, 1e9, 1e9], [2 ** 31, 2 ** 31], [-1, -1], [0, 0]),
  fc.double(),
  fc.string({ maxLength: 8 }),
  fc.array(evilNumber, { maxLength: 5 }),
);

/**
 * Deep nesting goes in as a placeholder string, expanded to text after JSON.stringify (which
 * would overflow its own stack on it): `depth` nested arrays, or objects {"config": …}.
 */
const DEEP = /"__deep_(\d+)_(\d)__"/g;
export function expandDeep(text: string): string {
  return text.replace(DEEP, (_, d: string, o: string) => (o === '1' ? '{"config":'.repeat(+d) + '1' + '}'.repeat(+d) : '['.repeat(+d) + '1' + ']'.repeat(+d)));
}

/** Every path (list of keys) in a JSON tree, breadth-first, capped. */
function jsonPaths(root: unknown, cap = 4000): (string | number)[][] {
  const out: (string | number)[][] = [];
  const queue: [unknown, (string | number)[]][] = [[root, []]];
  while (queue.length && out.length < cap) {
    const [v, p] = queue.shift()!;
    out.push(p);
    if (Array.isArray(v)) v.forEach((x, k) => queue.push([x, [...p, k]]));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) queue.push([x, [...p, k]]);
  }
  return out;
}

export interface JsonMutation {
  path: number; // index into jsonPaths (mod)
  op: number; // 0 replace with an evil value, 1 delete, 2 deep nesting, 3 replace with a huge array
  value: unknown;
  depth: number;
}
export const jsonMutation: fc.Arbitrary<JsonMutation> = fc.record({
  path: fc.nat(),
  op: fc.integer({ min: 0, max: 3 }),
  value: evilValue,
  depth: fc.constantFrom(10, 1000, 100_000),
});

export function mutateJson(root: unknown, ms: JsonMutation[]): unknown {
  let doc = structuredClone(root);
  for (const m of ms) {
    const paths = jsonPaths(doc);
    const p = paths[m.path % paths.length];
    const repl = m.op === 0 ? m.value : m.op === 2 ? `__deep_${m.depth}_${m.path % 2}__` : m.op === 3 ? Array.from({ length: 1000 }, () => structuredClone(m.value)) : undefined;
    if (p.length === 0) {
      doc = m.op === 1 ? {} : repl;
      continue;
    }
    let parent = doc as Record<string | number, unknown>;
    for (const k of p.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
    const last = p[p.length - 1];
    if (m.op === 1) {
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete parent[last];
    } else parent[last] = repl;
  }
  return doc;
}

// ---------------------------------------------------------------- a small valid model

export function smallModel(layout: 'NHWC' | 'NCHW' = 'NHWC'): CnnModel {
  const r = (n: number, s: number) => Float32Array.from({ length: n }, (_, k) => Math.sin(k * 12.9898 + s) * 0.5);
  return {
    layout,
    inputShape: layout === 'NHWC' ? [6, 6, 2] : [2, 6, 6],
    layers: [
      { type: 'conv2d', filters: 3, kernelSize: [3, 3], padding: 'same', weights: r(54, 1), bias: r(3, 2), activation: 'relu' },
      { type: 'maxPool2d', poolSize: [2, 2] },
      { type: 'batchNorm', mean: r(3, 3), variance: Float32Array.from([1, 2, 3]) },
      { type: 'flatten' },
      { type: 'dense', units: 4, weights: r(27 * 4, 4), bias: r(4, 5), activation: 'softmax' },
    ],
  };
}

/** Exercises a loaded model once when it is small enough to be cheap (the loaders validated it). */
async function exercise(model: CnnModel): Promise<void> {
  const st = api.stats(model);
  if (st.totals.macs > 5e6) return;
  const size = model.inputShape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(size).fill(0.25);
  await api.runCnn(model, x, { threads: 1 });
  if (st.totals.macs < 2e5 && st.csr.totals.bytes < 16 << 20) {
    const mlp = await api.convert(model, { format: 'csr', maxBytes: 64 << 20 });
    try {
      await api.runMlp(mlp, x, { threads: 1 });
    } finally {
      mlp.dispose();
    }
  }
}

// ---------------------------------------------------------------- ONNX

let onnxBase: Uint8Array;
let onnxProtoBase: OnnxNs.IModelProto;

/** Protobuf bytes of a ModelProto whose graph nests `depth` subgraphs (node → attribute → g → node …). */
export function deepOnnx(depth: number): Uint8Array {
  // Fields: ModelProto.graph = 7, GraphProto.node = 1, NodeProto.attribute = 5, AttributeProto.g = 6.
  const tags = [0x3a]; // graph (7, LEN)
  for (let k = 0; k < depth; k++) tags.push(0x0a, 0x2a, 0x32); // node, attribute, g
  const varintLen = (v: number) => (v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5);
  const sizes = new Array<number>(tags.length + 1).fill(0);
  for (let k = tags.length - 1; k >= 0; k--) sizes[k] = 1 + varintLen(sizes[k + 1]) + sizes[k + 1];
  const out = new Uint8Array(sizes[0]);
  let o = 0;
  for (let k = 0; k < tags.length; k++) {
    out[o++] = tags[k];
    let v = sizes[k + 1];
    while (v >= 0x80) {
      out[o++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    out[o++] = v;
  }
  return out;
}

export interface OnnxCase {
  mode: number; // 0 bytes, 1 structure, 2 deep nesting, 3 random bytes
  bytes: ByteMutation[];
  init: number;
  dims: unknown[];
  dataType: number;
  rawCut: number;
  external: { offset: unknown; length: unknown; location: string } | null;
  attr: number;
  attrValue: unknown[];
  depth: number;
  junk: Uint8Array;
}

const onnxTarget: FuzzTarget<OnnxCase> = {
  describe: 'loadOnnx(bytes | path) on mutated cnnToOnnx output, structural edits (dims, dtypes, raw lengths, external data offsets/lengths, attributes), deep nesting and random bytes',
  async setup() {
    onnxBase = api.cnnToOnnx(smallModel('NCHW'));
    onnxProtoBase = onnx.ModelProto.toObject(onnx.ModelProto.decode(onnxBase), { longs: Number, bytes: Array }) as OnnxNs.IModelProto;
    await exercise(api.loadOnnx(onnxBase));
  },
  arb: fc.record({
    mode: fc.integer({ min: 0, max: 3 }),
    bytes: fc.array(byteMutation, { minLength: 1, maxLength: 3 }),
    init: fc.nat(),
    dims: fc.array(evilNumber, { maxLength: 5 }),
    dataType: fc.integer({ min: -1, max: 20 }),
    rawCut: fc.integer({ min: -8, max: 8 }),
    external: fc.option(
      fc.record({ offset: fc.oneof(evilNumber, fc.constant('-5'), fc.constant('abc')), length: fc.oneof(evilNumber, fc.constant('1e30')), location: fc.constantFrom('w.bin', '../../etc/passwd', '/dev/zero', 'missing.bin', '') }),
    ),
    attr: fc.nat(),
    attrValue: fc.array(evilNumber, { maxLength: 6 }),
    depth: fc.constantFrom(50, 5_000, 200_000),
    junk: fc.uint8Array({ maxLength: 256 }),
  }),
  async run(c, dir, index) {
    let input: Uint8Array | string;
    if (c.mode === 0) input = mutateBytes(onnxBase, c.bytes);
    else if (c.mode === 2) input = deepOnnx(c.depth);
    else if (c.mode === 3) input = c.junk;
    else {
      const m = structuredClone(onnxProtoBase) as OnnxNs.IModelProto;
      const g = m.graph!;
      const inits = g.initializer ?? [];
      const t = inits[c.init % Math.max(1, inits.length)] as Record<string, unknown> | undefined;
      if (t) {
        if (c.dims.length) t.dims = c.dims;
        if (c.dataType >= 0) t.dataType = c.dataType;
        if (Array.isArray(t.rawData) && c.rawCut) t.rawData = c.rawCut < 0 ? (t.rawData as number[]).slice(0, c.rawCut) : [...(t.rawData as number[]), ...new Array(c.rawCut).fill(1)];
        if (c.external) {
          t.dataLocation = 1;
          t.rawData = undefined;
          t.externalData = [
            { key: 'location', value: c.external.location },
            { key: 'offset', value: String(c.external.offset) },
            { key: 'length', value: String(c.external.length) },
          ];
        }
      }
      const nodes = g.node ?? [];
      const node = nodes[c.attr % Math.max(1, nodes.length)];
      if (node?.attribute?.length && c.attrValue.length) {
        const a = node.attribute[c.attr % node.attribute.length] as Record<string, unknown>;
        a.ints = c.attrValue;
        a.i = c.attrValue[0];
      }
      // Dims or attributes outside int64 make the encoder itself throw; those cases are not loader input.
      let bytes: Uint8Array;
      try {
        bytes = onnx.ModelProto.encode(onnx.ModelProto.fromObject(m)).finish();
      } catch {
        return 'unencodable';
      }
      const file = path.join(dir, `m${index}.onnx`);
      fs.writeFileSync(file, bytes);
      fs.writeFileSync(path.join(dir, 'w.bin'), c.junk);
      input = file;
    }
    const model = api.loadOnnx(input);
    await exercise(model);
    return model;
  },
};

// ---------------------------------------------------------------- TF.js

export const tfjsJson = () => ({
  format: 'layers-model',
  modelTopology: {
    class_name: 'Sequential',
    config: {
      name: 'seq',
      layers: [
        { class_name: 'Conv2D', config: { name: 'c', batch_input_shape: [null, 6, 6, 2], filters: 3, kernel_size: [3, 3], strides: [1, 1], padding: 'valid', data_format: 'channels_last', dilation_rate: [1, 1], activation: 'relu', use_bias: true, dtype: 'float32' } },
        { class_name: 'MaxPooling2D', config: { name: 'p', pool_size: [2, 2], strides: [2, 2], padding: 'valid', data_format: 'channels_last' } },
        { class_name: 'Flatten', config: { name: 'f' } },
        { class_name: 'Dense', config: { name: 'd', units: 4, activation: 'softmax', use_bias: true } },
      ],
    },
  },
  weightsManifest: [
    {
      paths: ['group1-shard1of1.bin'],
      weights: [
        { name: 'c/kernel', shape: [3, 3, 2, 3], dtype: 'float32' },
        { name: 'c/bias', shape: [3], dtype: 'float32' },
        { name: 'd/kernel', shape: [12, 4], dtype: 'float32' },
        { name: 'd/bias', shape: [4], dtype: 'float32' },
      ],
    },
  ],
});
export const tfjsShard = () => new Uint8Array(Float32Array.from({ length: 54 + 3 + 48 + 4 }, (_, k) => Math.cos(k) * 0.3).buffer);

export interface TfjsCase {
  json: JsonMutation[];
  shard: ByteMutation[];
  mode: number; // 0 json, 1 shard, 2 both, 3 raw text bytes
  text: ByteMutation[];
}

const tfjsTarget: FuzzTarget<TfjsCase> = {
  describe: 'loadTfjs(model.json) with mutated JSON (evil dims, dtypes, deleted keys, deep nesting, huge arrays), mutated/truncated shards and mangled JSON text',
  async setup(dir) {
    const d = path.join(dir, 'tfjs-base');
    fs.mkdirSync(d);
    fs.writeFileSync(path.join(d, 'model.json'), JSON.stringify(tfjsJson()));
    fs.writeFileSync(path.join(d, 'group1-shard1of1.bin'), tfjsShard());
    await exercise(api.loadTfjs(path.join(d, 'model.json')));
  },
  arb: fc.record({
    json: fc.array(jsonMutation, { minLength: 1, maxLength: 3 }),
    shard: fc.array(byteMutation, { minLength: 1, maxLength: 2 }),
    mode: fc.integer({ min: 0, max: 3 }),
    text: fc.array(byteMutation, { minLength: 1, maxLength: 2 }),
  }),
  async run(c, dir, index) {
    const d = path.join(dir, `tfjs${index}`);
    fs.mkdirSync(d);
    let text = expandDeep(JSON.stringify(c.mode === 0 || c.mode === 2 ? mutateJson(tfjsJson(), c.json) : tfjsJson()) ?? 'undefined');
    if (c.mode === 3) text = Buffer.from(mutateBytes(Buffer.from(text), c.text)).toString('latin1');
    fs.writeFileSync(path.join(d, 'model.json'), text);
    fs.writeFileSync(path.join(d, 'group1-shard1of1.bin'), c.mode === 1 || c.mode === 2 ? mutateBytes(tfjsShard(), c.shard) : tfjsShard());
    try {
      const model = api.loadTfjs(path.join(d, 'model.json'));
      await exercise(model);
      return model;
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  },
};

// ---------------------------------------------------------------- TF checkpoint

let ckptSrc: string | undefined;
const CKPT_FILES = ['model.ckpt-20000.index', 'model.ckpt-20000.data-00000-of-00001', 'model.ckpt-20000.meta'];

export interface CkptCase {
  file: number;
  bytes: ByteMutation[];
}

const checkpointTarget: FuzzTarget<CkptCase> = {
  describe: 'loadCheckpoint(prefix) on temp copies of the TF 1.5 estimator checkpoint with one of .index/.data/.meta mutated',
  async setup() {
    const base = sharedFixturesDir();
    const d = base && path.join(base, 'tf-checkpoint', 'mnist-tflayers-estimator');
    if (!d || !CKPT_FILES.every((f) => fs.existsSync(path.join(d, f))))
      return 'shared fixture tf-checkpoint/mnist-tflayers-estimator not found (looked in <repo>/../shared/fixtures, $CNN2MLP_SHARED/fixtures, /work/shared/fixtures)';
    ckptSrc = d;
  },
  arb: fc.record({ file: fc.integer({ min: 0, max: 2 }), bytes: fc.array(byteMutation, { minLength: 1, maxLength: 3 }) }),
  async run(c, dir, index) {
    const d = path.join(dir, `ckpt${index}`);
    fs.mkdirSync(d);
    try {
      CKPT_FILES.forEach((f, k) => {
        const src = fs.readFileSync(path.join(ckptSrc!, f));
        fs.writeFileSync(path.join(d, f), k === c.file ? mutateBytes(src, c.bytes) : src);
      });
      // The checkpoint's model is MNIST-sized: loading is the target; running it is covered by e2e tests.
      return await api.loadCheckpoint(path.join(d, 'model.ckpt-20000'));
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  },
};

// ---------------------------------------------------------------- native MLP file

let mlpFiles: Uint8Array[] = [];

export interface MlpFileCase {
  base: number;
  bytes: ByteMutation[];
  verify: boolean;
  fixHeader: boolean;
}

/** XXH64 lives in test/helpers; the header hash is recomputed so mutations reach the layer table checks. */
import { xxhash64 } from '../support/xxhash64.js';

function refreshHeaderHash(b: Uint8Array): void {
  if (b.length < 128) return;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const headerBytes = dv.getUint32(12, true);
  if (headerBytes < 128 || headerBytes > b.length) return;
  const head = Uint8Array.from(b.subarray(0, headerBytes));
  head.fill(0, 72, 80);
  const h = xxhash64(head);
  dv.setBigUint64(72, h, true);
}

const mlpFileTarget: FuzzTarget<MlpFileCase> = {
  describe: 'loadMlp(path) (verify on/off) on mutated saveMlp files (dense and CSR), with the header checksum recomputed half the time so lying sizes/offsets reach the table checks; loaded MLPs are run',
  async setup(dir) {
    const dense = api.mlpFromLayers(5, [
      { format: 'dense', rows: 4, cols: 5, values: Float32Array.from({ length: 20 }, (_, k) => k / 10 - 1), activation: 'relu' },
      { format: 'dense', rows: 3, cols: 4, values: Float32Array.from({ length: 12 }, (_, k) => k / 7), activation: 'softmax' },
    ]);
    const csr = api.mlpFromLayers(6, [
      { format: 'csr', rows: 3, cols: 6, rowPtr: [0, 2, 2, 5], colIdx: Int32Array.from([0, 4, 1, 2, 5]), values: Float32Array.from([1, -2, 3, 0.5, 4]), bias: Float32Array.from([0.1, 0.2, 0.3]), activation: 'tanh' },
    ]);
    for (const [k, m] of [dense, csr].entries()) {
      const f = path.join(dir, `base${k}.mlp`);
      await api.saveMlp(m, f);
      m.dispose();
      mlpFiles.push(fs.readFileSync(f));
      const back = await api.loadMlp(f);
      await api.runMlp(back, new Float32Array(back.inputSize));
      back.dispose();
    }
  },
  arb: fc.record({ base: fc.integer({ min: 0, max: 1 }), bytes: fc.array(byteMutation, { minLength: 1, maxLength: 3 }), verify: fc.boolean(), fixHeader: fc.boolean() }),
  async run(c, dir, index) {
    const b = mutateBytes(mlpFiles[c.base], c.bytes);
    if (c.fixHeader) refreshHeaderHash(b);
    const f = path.join(dir, `m${index}.mlp`);
    fs.writeFileSync(f, b);
    try {
      const mlp = await api.loadMlp(f, { verify: c.verify });
      try {
        const y = await api.runMlp(mlp, new Float32Array(mlp.inputSize * 2).fill(0.5), { nonFinite: 'propagate' });
        if (y.length !== mlp.outputSize * 2) throw new Error(`runMlp returned ${y.length} values for 2 × ${mlp.outputSize}`);
      } finally {
        mlp.dispose();
      }
      return 'loaded';
    } finally {
      fs.rmSync(f, { force: true });
    }
  },
};

// ---------------------------------------------------------------- public functions with junk

export interface ApiCase {
  fn: number;
  model: unknown;
  size: number;
  value: unknown;
  opts: unknown;
}

/** A random, mostly-wrong CnnModel: real layer kinds with evil fields. */
const junkLayer = fc.oneof(
  fc.record({
    type: fc.constantFrom('conv2d', 'dense', 'maxPool2d', 'avgPool2d', 'batchNorm', 'zeroPad2d', 'prelu', 'activation', 'flatten', 'globalAvgPool2d', 'bogus'),
    filters: evilNumber,
    units: evilNumber,
    kernelSize: fc.oneof(fc.tuple(evilNumber, evilNumber), evilValue),
    poolSize: fc.tuple(evilNumber, evilNumber),
    strides: fc.option(fc.tuple(evilNumber, evilNumber)),
    dilation: fc.option(fc.tuple(evilNumber, evilNumber)),
    padding: fc.oneof(fc.constantFrom('same', 'valid', 'sameLower', 'bogus'), fc.tuple(evilNumber, evilNumber, evilNumber, evilNumber)),
    groups: fc.option(evilNumber),
    weights: fc.oneof(fc.float32Array({ maxLength: 64 }), evilValue),
    bias: fc.option(fc.float32Array({ maxLength: 8 })),
    activation: fc.oneof(fc.constantFrom('relu', 'softmax', 'bogus', undefined), fc.record({ type: fc.constantFrom('leakyRelu', 'clip', 'elu'), alpha: fc.double(), min: fc.double(), max: fc.double() })),
    mean: fc.float32Array({ maxLength: 8 }),
    variance: fc.float32Array({ maxLength: 8 }),
    alpha: fc.float32Array({ maxLength: 8 }),
    epsilon: fc.double(),
  }),
  evilValue,
);
const junkModel = fc.record({
  layout: fc.constantFrom('NHWC', 'NCHW', 'NHCW', undefined),
  inputShape: fc.oneof(fc.array(evilNumber, { maxLength: 4 }), fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 }), evilValue),
  layers: fc.oneof(fc.array(junkLayer, { maxLength: 5 }), evilValue),
});

const apiTarget: FuzzTarget<ApiCase> = {
  describe: 'runCnn/runCnnSync/compileCnn/convert/stats/planModel/cnnToOnnx with random junk models and absurd dims; runMlp/runMlpSync/mlpFromLayers/saveMlp/exportOnnx/exportOpenCv with wrong sizes and junk options',
  async setup() {},
  arb: fc.record({
    fn: fc.integer({ min: 0, max: 15 }),
    model: fc.oneof({ weight: 4, arbitrary: junkModel }, { weight: 1, arbitrary: evilValue }),
    size: fc.oneof(evilNumber, fc.integer({ min: 0, max: 200 })),
    value: evilValue,
    opts: fc.oneof(fc.record({ threads: evilValue, format: fc.constantFrom('dense', 'csr', 'x'), maxBytes: evilValue, nonFinite: fc.constantFrom('reject', 'propagate', 'x') }), evilValue),
  }),
  async run(c, dir, index) {
    const model = c.model as CnnModel;
    const n = Number.isSafeInteger(c.size) && c.size >= 0 && c.size <= 1e5 ? c.size : 7;
    const x = new Float32Array(n).fill(0.5);
    const opts = c.opts as never;
    switch (c.fn) {
      case 0:
        return api.runCnn(model, x, opts);
      case 1:
        return api.runCnnSync(model, x, opts);
      case 2: {
        const m = api.compileCnn(model);
        m.dispose();
        return m;
      }
      case 3:
        // Absurd dims reach convert: it must refuse before allocating (ERR_TOO_LARGE) or reject the model.
        return (await api.convert(model, { ...(typeof opts === 'object' && opts ? opts : {}), format: 'csr', maxBytes: 256 << 20 })).dispose();
      case 4:
        return api.stats(model);
      case 5:
        return api.planModel(model);
      case 6:
        return api.cnnToOnnx(model);
      default: {
        const mlp = api.mlpFromLayers(4, [{ format: 'dense', rows: 3, cols: 4, values: new Float32Array(12).fill(0.1) }]);
        try {
          if (c.fn === 7) return await api.runMlp(mlp, x, opts);
          if (c.fn === 8) return api.runMlpSync(mlp, c.value as Float32Array, opts);
          if (c.fn === 9) return api.mlpFromLayers(c.size, (Array.isArray(c.model) ? c.model : [c.model]) as never).dispose();
          if (c.fn === 10) return await api.saveMlp(mlp, typeof c.value === 'string' && c.value ? path.join(dir, `s${index}`) : (c.value as string));
          if (c.fn === 11) return await api.exportOnnx(mlp, path.join(dir, `e${index}.onnx`), opts);
          if (c.fn === 12) return await api.exportOpenCv(mlp, path.join(dir, `e${index}.yml`), opts);
          if (c.fn === 13) return await api.loadMlp(path.join(dir, 'missing.mlp'), opts);
          if (c.fn === 14) return api.stats(mlp as never) && (await api.convert(model, opts)).dispose();
          // Junk handles where an Mlp is expected.
          return await api.runMlp(c.model as never, x, opts);
        } finally {
          mlp.dispose();
        }
      }
    }
  },
};

/** Harness self-tests (harness.test.ts): each must be reported as a failure by the watcher. */
const selfTest = (what: 'crash' | 'hog' | 'throw' | 'hang'): FuzzTarget<number> => ({
  describe: `self-test: ${what} on case 3`,
  async setup() {},
  arb: fc.nat(),
  async run(_v, _dir, index) {
    if (index !== 3) return 'fine';
    if (what === 'crash') process.kill(process.pid, 'SIGSEGV');
    if (what === 'hog') {
      const blocks: Buffer[] = [];
      for (let k = 0; k < 40; k++) blocks.push(Buffer.alloc(64 * 2 ** 20, 1));
      await new Promise((r) => setTimeout(r, 2000));
      return blocks.length;
    }
    if (what === 'hang') for (;;) Math.random(); // a spinning loader
    throw new TypeError('not a Cnn2MlpError');
  },
});

export const TARGETS: Record<string, FuzzTarget<never>> = {
  _crash: selfTest('crash') as FuzzTarget<never>,
  _hog: selfTest('hog') as FuzzTarget<never>,
  _hang: selfTest('hang') as FuzzTarget<never>,
  _throw: selfTest('throw') as FuzzTarget<never>,
  onnx: onnxTarget as FuzzTarget<never>,
  tfjs: tfjsTarget as FuzzTarget<never>,
  checkpoint: checkpointTarget as FuzzTarget<never>,
  mlpfile: mlpFileTarget as FuzzTarget<never>,
  api: apiTarget as FuzzTarget<never>,
};

export const tmpRoot = () => fs.mkdtempSync(path.join(os.tmpdir(), 'cnn2mlp-fuzz-'));
