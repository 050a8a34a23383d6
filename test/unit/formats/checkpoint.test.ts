/**
 * TensorFlow V2 checkpoints: the real fixtures (TF 1.5 Estimator with .meta, TF 2.1 Keras object-based
 * in two shards) against the independent verifier's expected-stats.json, and malformed copies.
 */
import { copyFile, mkdtemp, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadCheckpoint, openCheckpoint, type CheckpointArchitecture } from '../../../src/index.js';
import { Cnn2MlpError } from '../../../src/errors.js';
import { crc32c, crc32cUpdate, maskCrc } from '../../../src/formats/crc32c.js';
import { sharedFixture } from '../../helpers/shared-fixtures.js';
import { writeTable } from '../../helpers/tf-table-writer.js';

const TF1 = sharedFixture('tf-checkpoint/mnist-tflayers-estimator');
const TF2 = sharedFixture('tf-checkpoint/mnist-keras-tf2-objectbased');
const TF1_PREFIX = TF1 && path.join(TF1, 'model.ckpt-20000');
const TF2_PREFIX = TF2 && path.join(TF2, 'training_1', 'cp.ckpt');

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

/** The Keras model as classify_image.py defines it (SOURCE.md): Keras defaults — stride 1, valid padding. */
const KERAS_ARCH: CheckpointArchitecture = {
  inputShape: [28, 28, 1],
  layers: [
    { type: 'conv2d', scope: 'layer_with_weights-0', activation: 'relu' },
    { type: 'maxPool2d', poolSize: [2, 2] },
    { type: 'conv2d', scope: 'layer_with_weights-1', activation: 'relu' },
    { type: 'maxPool2d', poolSize: [2, 2] },
    { type: 'flatten' },
    { type: 'dense', scope: 'layer_with_weights-2', activation: 'relu' },
    { type: 'dense', scope: 'layer_with_weights-3', activation: 'softmax' },
  ],
};

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

describe.skipIf(!TF1 || !TF2)('loadCheckpoint on real TensorFlow checkpoints', () => {
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

describe.skipIf(!TF1 || !TF2)('malformed checkpoints give a clear Cnn2MlpError', () => {
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
    const v = (n: number) => {
      const out: number[] = [];
      while (n >= 0x80) out.push((n % 128) | 0x80), (n = Math.floor(n / 128));
      return [...out, n];
    };
    const field = (tag: number, body: number[]) => [tag, ...v(body.length), ...body];
    const dtypes: Record<string, number> = { DT_FLOAT: 1, DT_INT64: 9 };
    const entries = [{ key: '', value: Uint8Array.from([0x08, ...v(exp.header.num_shards), ...field(0x1a, [0x08, 1])]) }];
    for (const t0 of exp.tensors) {
      const t = structuredClone(t0);
      edit(t);
      const shape = field(0x12, t.shape.flatMap((d) => field(0x12, [0x08, ...v(d)])));
      const crc = Number(t.crc32c_masked);
      const value = [0x08, dtypes[t.dtype], ...shape, ...(t.shard_id ? [0x18, ...v(t.shard_id)] : []), 0x20, ...v(t.offset), 0x28, ...v(t.size), 0x35, crc & 0xff, (crc >>> 8) & 0xff, (crc >>> 16) & 0xff, crc >>> 24];
      entries.push({ key: t.name, value: Uint8Array.from(value) });
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
    const badAct = { ...KERAS_ARCH, layers: KERAS_ARCH.layers.map((l, i) => (i === 0 ? { ...l, activation: 'swish' } : l)) } as CheckpointArchitecture;
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
