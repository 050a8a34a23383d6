/**
 * TensorFlow V2 checkpoints: the real fixtures (TF 1.5 Estimator with .meta, TF 2.1 Keras object-based
 * in two shards) against the independent verifier's expected-stats.json, and malformed copies.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { loadCheckpoint, openCheckpoint, type CheckpointArchitecture } from '../../src/index.js';
import { Cnn2MlpError } from '../../src/errors.js';
import { planModel } from '../../src/model/plan.js';
import { seedNetwork } from '../../src/model/seed.js';
import { crc32c, crc32cUpdate, maskCrc } from '../../src/formats/crc32c.js';
import { skipUnless } from '../support/skips.js';
import { CHECKPOINTS_MISSING, KERAS_ARCH, TF1, TF1_PREFIX, TF2, TF2_PREFIX } from '../support/tf-checkpoint-fixtures.js';
import { writeTable } from '../support/tf-table-writer.js';
import { encodeEntry, encodeHeader, writeCheckpoint } from '../support/tf-checkpoint-writer.js';


interface Expected {
  header: { num_shards: number };
  tensors: {
    name: string;
    dtype: string;
    shape: number[];
    shard_id: number;
    offset: number;
    size: number;
    crc32c_masked: string;
    min?: number;
    max?: number;
    mean?: number;
    std?: number;
    sum?: number;
    first?: number[];
  }[];
}
const expectedStats = async (dir: string): Promise<Expected> => JSON.parse(await readFile(path.join(dir, 'expected-stats.json'), 'utf8'));


/** Deterministic numbers in [-1, 1). */
function rng(seed: number) {
  return () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 31 - 1;
  };
}

async function expectCode(p: Promise<unknown>, code: string, pattern: RegExp) {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Cnn2MlpError);
  expect((err as Cnn2MlpError).code).toBe(code);
  expect((err as Error).message).toMatch(pattern);
}

describe('crc32c', () => {
  it('matches the RFC 3720 (iSCSI) check values', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
  });
});

describe('loadCheckpoint on real TensorFlow checkpoints', () => {
  skipUnless(TF1 && TF2, CHECKPOINTS_MISSING ?? '');
  for (const [label, dir, prefix] of [
    ['TF 1.5 Estimator', TF1, TF1_PREFIX],
    ['TF 2.1 Keras object-based (2 shards)', TF2, TF2_PREFIX],
  ] as const) {
    it(`${label}: every tensor matches expected-stats.json (shape, offsets, crc32c, statistics)`, async () => {
      const exp = await expectedStats(dir!);
      const ckpt = await openCheckpoint(prefix!);
      expect(ckpt.numShards).toBe(exp.header.num_shards);
      expect(ckpt.tensors.map((t) => t.name)).toEqual(exp.tensors.map((t) => t.name));
      for (const e of exp.tensors) {
        const t = ckpt.tensors.find((x) => x.name === e.name)!;
        expect({ dtype: t.dtype, shape: t.shape, shard: t.shard, offset: t.offset, size: t.size, crc: t.crc32c }).toEqual({
          dtype: e.dtype,
          shape: e.shape,
          shard: e.shard_id,
          offset: e.offset,
          size: e.size,
          crc: Number(e.crc32c_masked),
        });
        const bytes = await ckpt.readBytes(e.name); // verifies the data crc32c itself
        if (e.dtype !== 'DT_STRING') expect(maskCrc(crc32c(bytes))).toBe(Number(e.crc32c_masked));
        else {
          // One string: varint length, masked crc32c of the length as uint32 LE, the bytes; the entry
          // crc covers the uint32 length, the length checksum and the bytes (tensor_bundle.cc).
          const len = (e as unknown as { string_lengths: number[] }).string_lengths[0];
          const lenBytes = len < 128 ? 1 : len < 16384 ? 2 : 3;
          const u32 = new Uint8Array(new Uint32Array([len]).buffer);
          const expectedCrc = crc32cUpdate(crc32cUpdate(crc32c(u32), bytes.subarray(lenBytes, lenBytes + 4)), bytes.subarray(lenBytes + 4));
          expect(bytes.length).toBe(lenBytes + 4 + len);
          expect(maskCrc(expectedCrc)).toBe(Number(e.crc32c_masked));
        }
        if (e.dtype === 'DT_FLOAT') {
          const v = await ckpt.readFloat32(e.name);
          expect(v.length).toBe(e.shape.reduce((a, b) => a * b, 1));
          let min = Infinity, max = -Infinity, sum = 0;
          for (const x of v) (min = Math.min(min, x)), (max = Math.max(max, x)), (sum += x);
          const mean = sum / v.length;
          let ss = 0;
          for (const x of v) ss += (x - mean) ** 2;
          // The verifier summed the same float32 values in float64 (numpy, pairwise order): only the
          // summation order differs, so sums agree to ~n·2^-53 relative to Σ|x|; 1e-9 is ample.
          expect(min).toBe(e.min);
          expect(max).toBe(e.max);
          expect(Array.from(v.subarray(0, e.first!.length))).toEqual(e.first);
          const tol = 1e-9 * Math.max(1, v.reduce((a, x) => a + Math.abs(x), 0));
          expect(Math.abs(sum - e.sum!)).toBeLessThanOrEqual(tol);
          expect(Math.abs(mean - e.mean!)).toBeLessThanOrEqual(tol / v.length);
          expect(Math.abs(Math.sqrt(ss / v.length) - e.std!)).toBeLessThanOrEqual(1e-9 * Math.max(1, e.std!));
        } else {
          await expectCode(ckpt.readFloat32(e.name), 'ERR_UNSUPPORTED', /DT_(INT64|STRING).*float32/);
        }
        if (e.dtype === 'DT_INT64') expect(Number(new DataView(bytes.buffer, bytes.byteOffset).getBigInt64(0, true))).toBe(e.first![0]);
      }
    });
  }

  it('TF 1.5: builds the CNN from the .meta graph (SOURCE.md architecture, weights from the named variables)', async () => {
    const ckpt = await openCheckpoint(TF1_PREFIX!);
    const model = await loadCheckpoint(TF1_PREFIX!);
    expect(model.layout).toBe('NHWC');
    expect(model.inputShape).toEqual([28, 28, 1]);
    const summary = model.layers.map((l) => {
      const { weights, bias, ...rest } = l as unknown as Record<string, unknown>;
      return { ...rest, ...(weights ? { weights: (weights as Float32Array).length } : {}), ...(bias ? { bias: (bias as Float32Array).length } : {}) };
    });
    expect(summary).toEqual([
      { type: 'conv2d', name: 'conv2d', filters: 4, kernelSize: [5, 5], strides: [1, 1], dilation: [1, 1], padding: 'same', activation: 'relu', weights: 100, bias: 4 },
      { type: 'maxPool2d', name: 'max_pooling2d', poolSize: [2, 2], strides: [2, 2], padding: 'valid' },
      { type: 'conv2d', name: 'conv2d_1', filters: 8, kernelSize: [5, 5], strides: [1, 1], dilation: [1, 1], padding: 'same', activation: 'relu', weights: 800, bias: 8 },
      { type: 'maxPool2d', name: 'max_pooling2d_2', poolSize: [2, 2], strides: [2, 2], padding: 'valid' },
      { type: 'flatten', name: 'Reshape_1' },
      { type: 'dense', name: 'dense', units: 10, weights: 3920, bias: 10 },
    ]);
    const l = model.layers as { weights?: Float32Array; bias?: Float32Array }[];
    expect(l[0].weights).toEqual(await ckpt.readFloat32('conv2d/kernel'));
    expect(l[2].bias).toEqual(await ckpt.readFloat32('conv2d_1/bias'));
    expect(l[5].weights).toEqual(await ckpt.readFloat32('dense/kernel'));
    // A directory with a TF `checkpoint` state file resolves to its model_checkpoint_path.
    expect((await loadCheckpoint(TF1!)).layers.length).toBe(6);
    // outputNode extends the walk to the softmax head.
    const soft = await loadCheckpoint(TF1_PREFIX!, undefined, { outputNode: 'softmax_tensor' });
    expect(soft.layers[5]).toMatchObject({ type: 'dense', activation: 'softmax' });
  });

  it('TF 2.1 Keras: builds the CNN from an explicit architecture (object-based names, shard 1)', async () => {
    const ckpt = await openCheckpoint(TF2_PREFIX!);
    const model = await loadCheckpoint(TF2_PREFIX!, KERAS_ARCH);
    expect(model.layers.map((l) => l.type)).toEqual(['conv2d', 'maxPool2d', 'conv2d', 'maxPool2d', 'flatten', 'dense', 'dense']);
    expect(model.layers[2]).toMatchObject({ filters: 32, kernelSize: [3, 3], padding: 'valid', activation: 'relu' });
    expect(model.layers[5]).toMatchObject({ units: 100 });
    expect((model.layers[6] as { weights: Float32Array }).weights).toEqual(await ckpt.readFloat32('layer_with_weights-3/kernel/.ATTRIBUTES/VARIABLE_VALUE'));
    // Without an architecture and without a .meta, the error lists the model variables (no optimiser slots).
    await expectCode(loadCheckpoint(TF2_PREFIX!), 'ERR_INVALID_ARG', /pass an architecture.*layer_with_weights-0\/bias\/\.ATTRIBUTES\/VARIABLE_VALUE \[32\](?!.*OPTIMIZER_SLOT)/s);
  });
});

describe('malformed checkpoints give a clear Cnn2MlpError', () => {
  skipUnless(TF1 && TF2, CHECKPOINTS_MISSING ?? '');
  let tmp: string;
  let tf1: string; // prefix of a private copy of the TF1 fixture
  let tf2: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'cnn2mlp-ckpt-'));
    for (const f of ['index', 'data-00000-of-00001', 'meta']) await copyFile(`${TF1_PREFIX}.${f}`, path.join(tmp, `tf1.${f}`));
    for (const f of ['index', 'data-00000-of-00002', 'data-00001-of-00002']) await copyFile(`${TF2_PREFIX}.${f}`, path.join(tmp, `tf2.${f}`));
    tf1 = path.join(tmp, 'tf1');
    tf2 = path.join(tmp, 'tf2');
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  /** Writes `<name>.index` built by the test's own table writer from expected-stats.json, with
   *  `edit` applied to the entries, next to a copy of the TF1 data shard and graph. */
  async function rebuiltTf1(name: string, edit: (t: Expected['tensors'][number]) => void = () => {}, compressionType = 0) {
    const exp = await expectedStats(TF1!);
    const entries = [{ key: '', value: encodeHeader(exp.header.num_shards) }];
    for (const t0 of exp.tensors) {
      const t = structuredClone(t0);
      edit(t);
      entries.push({ key: t.name, value: encodeEntry({ dtype: t.dtype, shape: t.shape, shard: t.shard_id, offset: t.offset, size: t.size, crc32cMasked: Number(t.crc32c_masked) }) });
    }
    const prefix = path.join(tmp, name);
    await writeFile(`${prefix}.index`, writeTable(entries, { compressionType }));
    await copyFile(`${tf1}.data-00000-of-00001`, `${prefix}.data-00000-of-00001`);
    await copyFile(`${tf1}.meta`, `${prefix}.meta`);
    return prefix;
  }

  it('an index rebuilt by an independent table writer loads to the same model (the writer is sound)', async () => {
    const a = await loadCheckpoint(await rebuiltTf1('same'));
    const b = await loadCheckpoint(tf1);
    expect(a.layers).toEqual(b.layers);
  });

  it('an index that lies about an offset', async () => {
    const p = await rebuiltTf1('offset', (t) => t.name === 'dense/kernel' && (t.offset = 50000));
    await expectCode(loadCheckpoint(p), 'ERR_BAD_FILE', /'dense\/kernel' claims bytes \[50000, 65680\).*holds 58120 bytes/);
  });

  it('an index that lies about a size', async () => {
    const p = await rebuiltTf1('size', (t) => t.name === 'conv2d/kernel' && (t.size = 396));
    await expectCode(loadCheckpoint(p), 'ERR_BAD_FILE', /'conv2d\/kernel' is DT_FLOAT \[5, 5, 1, 4\] \(400 bytes\) but its entry says 396 bytes/);
  });

  it('an index that points a tensor at the wrong bytes (offset shifted, size consistent): data crc32c fails', async () => {
    const p = await rebuiltTf1('shift', (t) => t.name === 'conv2d_1/kernel' && (t.offset += 4));
    await expectCode(loadCheckpoint(p), 'ERR_BAD_FILE', /'conv2d_1\/kernel' fails its crc32c check/);
  });

  it('a snappy-compressed block is refused as unsupported', async () => {
    const p = await rebuiltTf1('snappy', undefined, 1);
    await expectCode(openCheckpoint(p), 'ERR_UNSUPPORTED', /snappy/);
  });

  it('a corrupted data shard (bad tensor crc32c)', async () => {
    const p = path.join(tmp, 'baddata');
    for (const f of ['index', 'meta']) await copyFile(`${tf1}.${f}`, `${p}.${f}`);
    const data = await readFile(`${tf1}.data-00000-of-00001`);
    data[11072 + 100] ^= 0x40; // inside dense/kernel (offset 11072)
    await writeFile(`${p}.data-00000-of-00001`, data);
    await expectCode(loadCheckpoint(p), 'ERR_BAD_FILE', /'dense\/kernel' fails its crc32c check/);
  });

  it('a corrupted index block (bad block-trailer crc32c)', async () => {
    const p = path.join(tmp, 'badblock');
    for (const f of ['data-00000-of-00001', 'meta']) await copyFile(`${tf1}.${f}`, `${p}.${f}`);
    const index = await readFile(`${tf1}.index`);
    index[200] ^= 0x01; // inside the single data block (bytes 0..672)
    await writeFile(`${p}.index`, index);
    await expectCode(openCheckpoint(p), 'ERR_BAD_FILE', /data block at offset 0: crc32c mismatch/);
  });

  it("a directory's `checkpoint` state file resolves to its prefix, also when it names another machine's absolute path", async () => {
    const dir = path.join(tmp, 'statefile');
    await mkdir(dir);
    for (const f of ['index', 'data-00000-of-00002', 'data-00001-of-00002']) await copyFile(`${tf2}.${f}`, path.join(dir, `cp.ckpt.${f}`));
    await writeFile(path.join(dir, 'checkpoint'), 'model_checkpoint_path: "/home/someone/training_1/cp.ckpt"\nall_model_checkpoint_paths: "/home/someone/training_1/cp.ckpt"\n');
    expect((await loadCheckpoint(dir, KERAS_ARCH)).layers).toHaveLength(7);
    await writeFile(path.join(dir, 'checkpoint'), 'all_model_checkpoint_paths: "cp.ckpt"\n');
    await expectCode(loadCheckpoint(dir, KERAS_ARCH), 'ERR_BAD_FILE', /names no model_checkpoint_path/);
  });

  it('a missing shard', async () => {
    const p = path.join(tmp, 'noshard');
    await copyFile(`${tf2}.index`, `${p}.index`);
    await copyFile(`${tf2}.data-00001-of-00002`, `${p}.data-00001-of-00002`);
    await expectCode(loadCheckpoint(p, KERAS_ARCH), 'ERR_BAD_FILE', /missing checkpoint shard .*noshard\.data-00000-of-00002/);
  });

  it('a truncated index (cut in the middle, or shorter than the footer)', async () => {
    const p = path.join(tmp, 'trunc');
    await copyFile(`${tf1}.index`, `${p}.index`);
    await copyFile(`${tf1}.data-00000-of-00001`, `${p}.data-00000-of-00001`);
    await truncate(`${p}.index`, 700);
    await expectCode(loadCheckpoint(p), 'ERR_BAD_FILE', /bad footer magic/);
    await truncate(`${p}.index`, 20);
    await expectCode(loadCheckpoint(p), 'ERR_BAD_FILE', /truncated: 20 bytes/);
    await unlink(`${p}.index`);
    await expectCode(loadCheckpoint(p), 'ERR_BAD_FILE', /cannot read the checkpoint index/);
  });

  it('a truncated data shard (the index points past its end)', async () => {
    const p = path.join(tmp, 'shortdata');
    for (const f of ['index', 'meta']) await copyFile(`${tf1}.${f}`, `${p}.${f}`);
    await copyFile(`${tf1}.data-00000-of-00001`, `${p}.data-00000-of-00001`);
    await truncate(`${p}.data-00000-of-00001`, 30000);
    await expectCode(loadCheckpoint(p), 'ERR_BAD_FILE', /'dense\/kernel' claims bytes \[26752|holds 30000 bytes/);
  });

  it('an architecture that does not match the tensors names the layer and both shapes', async () => {
    const wrongInput = { ...KERAS_ARCH, inputShape: [28, 28, 3] };
    await expectCode(
      loadCheckpoint(tf2, wrongInput),
      'ERR_INVALID_MODEL',
      /layer 0 \(conv2d 'layer_with_weights-0'\): kernel 'layer_with_weights-0\/kernel\/\.ATTRIBUTES\/VARIABLE_VALUE' has shape \[3, 3, 1, 32\] but the architecture expects \[3, 3, 3, 32\]/,
    );
    // Dropping the second pool makes the flatten 11·11·32 = 3872 wide instead of 800.
    const noPool = { ...KERAS_ARCH, layers: KERAS_ARCH.layers.filter((_, i) => i !== 3) };
    await expectCode(loadCheckpoint(tf2, noPool), 'ERR_INVALID_MODEL', /layer 4 \(dense 'layer_with_weights-2'\): kernel .* has shape \[800, 100\] but the architecture expects \[3872, 100\]/);
    const swapped = { ...KERAS_ARCH, layers: KERAS_ARCH.layers.map((l, i) => (i === 2 ? { ...l, scope: 'layer_with_weights-0' } : l)) };
    await expectCode(loadCheckpoint(tf2, swapped), 'ERR_INVALID_MODEL', /layer 2 \(conv2d 'layer_with_weights-0'\).*\[3, 3, 1, 32\] but the architecture expects \[3, 3, 32, 32\]/);
    const unknown = { ...KERAS_ARCH, layers: [{ type: 'conv2d' as const, scope: 'conv9' }] };
    await expectCode(loadCheckpoint(tf2, unknown), 'ERR_INVALID_MODEL', /no variable 'conv9\/kernel'/);
    const slot = { ...KERAS_ARCH, layers: [{ type: 'conv2d' as const, kernel: 'optimizer/iter' }] };
    await expectCode(loadCheckpoint(tf2, slot), 'ERR_UNSUPPORTED', /'optimizer\/iter\/\.ATTRIBUTES\/VARIABLE_VALUE' .* is DT_INT64/);
  });

  it('an architecture with malformed layers gets planModel\'s checks, labelled with the real layer index', async () => {
    const badPool = { ...KERAS_ARCH, layers: KERAS_ARCH.layers.map((l, i) => (i === 3 ? { type: 'maxPool2d' as const, poolSize: [2, 0] as [number, number] } : l)) };
    await expectCode(loadCheckpoint(tf2, badPool), 'ERR_INVALID_MODEL', /^layer 3 \(maxPool2d\): Expected poolSize to be a pair of integers ≥ 1/);
    const bigPool = { ...KERAS_ARCH, layers: KERAS_ARCH.layers.map((l, i) => (i === 3 ? { type: 'maxPool2d' as const, poolSize: [12, 12] as [number, number] } : l)) };
    await expectCode(loadCheckpoint(tf2, bigPool), 'ERR_INVALID_MODEL', /^layer 3 \(maxPool2d\): the height window \(12 .*\) is larger than the padded input \(11\)/);
    const badAct = { ...KERAS_ARCH, layers: KERAS_ARCH.layers.map((l, i) => (i === 0 ? { ...l, activation: 'gelu' } : l)) } as CheckpointArchitecture;
    await expectCode(loadCheckpoint(tf2, badAct), 'ERR_INVALID_MODEL', /^layer 0 \(conv2d 'layer_with_weights-0'\): unknown activation/);
    await expectCode(loadCheckpoint(tf2, { inputShape: [28, -1, 1], layers: [] }), 'ERR_INVALID_MODEL', /inputShape/);
    await expectCode(loadCheckpoint(tf2, { inputShape: [800], layers: [{ type: 'dense' } as never] }), 'ERR_INVALID_ARG', /layer 0 \(dense\): name its kernel variable/);
    await expectCode(loadCheckpoint(tf2, { inputShape: [800], layers: [{ type: 'lstm' } as never] }), 'ERR_INVALID_ARG', /unknown layer type string 'lstm'/);
  });

  it('random byte flips in the .meta graph never crash: the graph loads identically or a Cnn2MlpError says why', async () => {
    const meta = await readFile(`${tf1}.meta`);
    const p = path.join(tmp, 'metafuzz');
    for (const f of ['index', 'data-00000-of-00001']) await copyFile(`${tf1}.${f}`, `${p}.${f}`);
    const good = await loadCheckpoint(tf1);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(meta.length - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 }), async (flips) => {
        const bad = Buffer.from(meta);
        for (const [at, xor] of flips) bad[at] ^= xor;
        await writeFile(`${p}.meta`, bad);
        try {
          const m = await loadCheckpoint(p);
          expect(m.layers.map((l) => l.type)).toEqual(good.layers.map((l) => l.type));
        } catch (err) {
          expect(err).toBeInstanceOf(Cnn2MlpError);
        }
      }),
      { numRuns: 60, seed: 11 },
    );
    await writeFile(`${p}.meta`, meta.subarray(0, 1000));
    await expectCode(loadCheckpoint(p), 'ERR_BAD_FILE', /not a MetaGraphDef|holds no graph/);
  });

  it('random byte flips in the index never crash: each load succeeds identically or throws a Cnn2MlpError', async () => {
    const index = await readFile(`${tf1}.index`);
    const p = path.join(tmp, 'fuzz');
    await copyFile(`${tf1}.data-00000-of-00001`, `${p}.data-00000-of-00001`);
    await copyFile(`${tf1}.meta`, `${p}.meta`);
    const good = await loadCheckpoint(tf1);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: index.length - 1 }), fc.integer({ min: 1, max: 255 }), async (at, xor) => {
        const bad = Buffer.from(index);
        bad[at] ^= xor;
        await writeFile(`${p}.index`, bad);
        try {
          const m = await loadCheckpoint(p);
          expect(m.layers).toEqual(good.layers); // only padding bytes of the footer can change harmlessly
        } catch (err) {
          expect(err).toBeInstanceOf(Cnn2MlpError);
        }
      }),
      { numRuns: 150, seed: 7 },
    );
  });
});

describe("the seed's own path, done right: its network from a checkpoint, with an explicit architecture", () => {
  it('stride 3 (80→27→9→3), variables whose names sort out of order, two shards, optimiser slots: loads exactly seedNetwork', async () => {
    const seed = seedNetwork({ stride: 3, seed: 5 });
    // Scopes chosen so that ordering layers by name (what the seed's script did) would be wrong:
    // "layer_10" < "layer_13" < "layer_9" as strings.
    const scopes = ['layer_9', 'layer_10', 'layer_11', 'layer_12', 'layer_13'];
    const weighted = seed.layers.filter((l) => l.type === 'conv2d' || l.type === 'dense') as { weights: Float32Array; bias: Float32Array; filters?: number; units?: number }[];
    const shapes = [[3, 3, 3, 32], [3, 3, 32, 64], [3, 3, 64, 64], [576, 1024], [1024, 29]];
    const tensors = weighted.flatMap((l, i) => [
      { name: `${scopes[i]}/kernel`, shape: shapes[i], data: l.weights, shard: 1 },
      { name: `${scopes[i]}/bias`, shape: [shapes[i][shapes[i].length - 1]], data: l.bias, shard: 1 },
      { name: `${scopes[i]}/kernel/Adam`, shape: shapes[i], data: new Float32Array(l.weights.length).fill(0.5), shard: 0 },
    ]);
    tensors.push({ name: 'global_step', shape: [], data: BigInt64Array.of(1234n) as never, shard: 0 });
    const tmp = await mkdtemp(path.join(tmpdir(), 'cnn2mlp-seed-'));
    try {
      const prefix = path.join(tmp, 'seed.ckpt');
      await writeCheckpoint(prefix, tensors, 2);
      const model = await loadCheckpoint(prefix, {
        name: 'seed-stride3',
        inputShape: [80, 80, 3],
        layers: [
          { type: 'conv2d', name: 'conv1', scope: 'layer_9', strides: [3, 3], padding: 'same', activation: 'relu' },
          { type: 'conv2d', name: 'conv2', scope: 'layer_10', strides: [3, 3], padding: 'same', activation: 'relu' },
          { type: 'conv2d', name: 'conv3', scope: 'layer_11', strides: [3, 3], padding: 'same', activation: 'relu' },
          { type: 'flatten', name: 'flatten' },
          { type: 'dense', name: 'dense1', scope: 'layer_12', activation: 'relu' },
          { type: 'dense', name: 'dense2', scope: 'layer_13' },
        ],
      });
      const strip = (m: typeof model) => m.layers.map(({ ...l }) => ({ ...l, dilation: undefined }));
      expect(strip(model)).toEqual(strip(seed));
      expect(planModel(model).ops.map((o) => [o.outH, o.outW, o.outC])).toEqual([[27, 27, 32], [9, 9, 64], [3, 3, 64], [1, 1, 576], [1, 1, 1024], [1, 1, 29]]);
      // A stride the checkpoint cannot have had: the dense kernel no longer fits, and the error says so.
      const stride2 = { inputShape: [80, 80, 3], layers: [0, 1, 2].map((i) => ({ type: 'conv2d' as const, scope: scopes[i], strides: [2, 2] as [number, number], padding: 'same' as const })) };
      await expectCode(loadCheckpoint(prefix, { ...stride2, layers: [...stride2.layers, { type: 'flatten' }, { type: 'dense', scope: 'layer_12' }] }), 'ERR_INVALID_MODEL', /layer 4 \(dense 'layer_12'\): kernel 'layer_12\/kernel' has shape \[576, 1024\] but the architecture expects \[6400, 1024\]/);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });
});

describe('the .meta graph reader on a synthetic TF1 graph', () => {
  // A MetaGraphDef written here with protobufjs from its own minimal schema (field numbers from
  // tensorflow/core/protobuf/meta_graph.proto and framework/{graph,node_def,attr_value,tensor,tensor_shape}.proto).
  const root = protobuf.parse(`
    syntax = "proto3";
    message Dim { int64 size = 1; }
    message Shape { repeated Dim dim = 2; }
    message Tensor { int32 dtype = 1; Shape tensor_shape = 2; bytes tensor_content = 4; repeated int32 int_val = 7; }
    message List { repeated bytes s = 2; repeated int64 i = 3; }
    message Attr { oneof value { List list = 1; bytes s = 2; int64 i = 3; float f = 4; bool b = 5; int32 type = 6; Shape shape = 7; Tensor tensor = 8; } }
    message Node { string name = 1; string op = 2; repeated string input = 3; map<string, Attr> attr = 5; }
    message Graph { repeated Node node = 1; }
    message Meta { Graph graph_def = 2; }
  `, { keepCase: true }).root;
  const Meta = root.lookupType('Meta');
  const s = (v: string) => ({ s: Buffer.from(v) });
  const ints = (...i: number[]) => ({ list: { i } });
  const int32Const = (name: string, values: number[]) => ({
    name,
    op: 'Const',
    attr: { value: { tensor: { dtype: 3, tensor_shape: { dim: [{ size: values.length }] }, tensor_content: Buffer.from(Int32Array.from(values).buffer) } } },
  });
  const variable = (name: string) => [
    { name, op: 'VariableV2', attr: {} },
    { name: `${name}/read`, op: 'Identity', input: [name] },
  ];

  it('Placeholder input, strided VALID conv, Relu6, SAME avg pool, flatten Reshape, MatMul(transpose_b) + Add bias, softmax; gradients ignored', async () => {
    const r = rng(3);
    const kernel = Float32Array.from({ length: 3 * 3 * 2 * 4 }, r);
    const cbias = Float32Array.from({ length: 4 }, r);
    const dkernelT = Float32Array.from({ length: 5 * 16 }, r); // [units=5, in=16]
    const dbias = Float32Array.from({ length: 5 }, r);
    const nodes = [
      { name: 'x', op: 'Placeholder', attr: { shape: { shape: { dim: [{ size: -1 }, { size: 9 }, { size: 9 }, { size: 2 }] } } } },
      ...variable('net/conv/kernel'),
      ...variable('net/conv/bias'),
      { name: 'net/conv/Conv2D', op: 'Conv2D', input: ['x', 'net/conv/kernel/read'], attr: { strides: ints(1, 2, 2, 1), padding: s('VALID'), data_format: s('NHWC') } },
      { name: 'net/conv/BiasAdd', op: 'BiasAdd', input: ['net/conv/Conv2D', 'net/conv/bias/read'], attr: { data_format: s('NHWC') } },
      { name: 'net/conv/Relu6', op: 'Relu6', input: ['net/conv/BiasAdd'] },
      { name: 'gradients/net/conv/Relu6_grad/Relu6Grad', op: 'Relu6Grad', input: ['gradients/x', 'net/conv/Relu6'] },
      { name: 'net/pool/AvgPool', op: 'AvgPool', input: ['net/conv/Relu6'], attr: { ksize: ints(1, 3, 3, 1), strides: ints(1, 2, 2, 1), padding: s('SAME') } },
      int32Const('net/flat/shape', [-1, 16]),
      { name: 'net/flat', op: 'Reshape', input: ['net/pool/AvgPool', 'net/flat/shape'] },
      ...variable('net/fc/weights'),
      ...variable('net/fc/biases'),
      { name: 'net/fc/MatMul', op: 'MatMul', input: ['net/flat', 'net/fc/weights/read'], attr: { transpose_b: { b: true } } },
      { name: 'net/fc/add', op: 'Add', input: ['net/fc/MatMul', 'net/fc/biases/read'] },
      { name: 'net/probs', op: 'Softmax', input: ['net/fc/add'] },
    ];
    const tmp = await mkdtemp(path.join(tmpdir(), 'cnn2mlp-graph-'));
    try {
      const prefix = path.join(tmp, 'model.ckpt');
      await writeCheckpoint(prefix, [
        { name: 'net/conv/kernel', shape: [3, 3, 2, 4], data: kernel },
        { name: 'net/conv/bias', shape: [4], data: cbias },
        { name: 'net/fc/weights', shape: [5, 16], data: dkernelT },
        { name: 'net/fc/biases', shape: [5], data: dbias },
      ]);
      await writeFile(`${prefix}.meta`, Meta.encode(Meta.fromObject({ graph_def: { node: nodes } })).finish());
      const model = await loadCheckpoint(prefix);
      expect(model.inputShape).toEqual([9, 9, 2]);
      const summary = model.layers.map((l) => {
        const { weights, bias, ...rest } = l as unknown as Record<string, unknown>;
        return { ...rest, ...(weights ? { weights } : {}), ...(bias ? { bias } : {}) };
      });
      // dense weights come back as [in, out]: the transpose of the stored [5, 16]
      const dense = new Float32Array(16 * 5);
      for (let o = 0; o < 5; o++) for (let i = 0; i < 16; i++) dense[i * 5 + o] = dkernelT[o * 16 + i];
      expect(summary).toEqual([
        { type: 'conv2d', name: 'net/conv', filters: 4, kernelSize: [3, 3], strides: [2, 2], dilation: [1, 1], padding: 'valid', activation: 'relu6', weights: kernel, bias: cbias },
        { type: 'avgPool2d', name: 'net/pool', poolSize: [3, 3], strides: [2, 2], padding: 'same' },
        { type: 'flatten', name: 'net/flat' },
        { type: 'dense', name: 'net/fc', units: 5, weights: dense, bias: dbias, activation: 'softmax' },
      ]);
      expect(planModel(model).ops.map((o) => [o.outH, o.outW, o.outC])).toEqual([[4, 4, 4], [2, 2, 4], [1, 1, 16], [1, 1, 5]]);
      // NCHW graphs are refused, naming the node.
      const nchw = nodes.map((n) => (n.op === 'Conv2D' ? { ...n, attr: { ...n.attr, data_format: s('NCHW') } } : n));
      await writeFile(`${prefix}.meta`, Meta.encode(Meta.fromObject({ graph_def: { node: nchw } })).finish());
      await expectCode(loadCheckpoint(prefix), 'ERR_UNSUPPORTED', /'net\/conv\/Conv2D' uses data_format NCHW/);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });
});
