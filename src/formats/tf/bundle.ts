/**
 * TensorFlow V2 checkpoint ("tensor bundle", tensorflow/core/util/tensor_bundle): `<prefix>.index`
 * is a table (./table.ts) mapping each tensor name to a serialized BundleEntryProto (dtype, shape,
 * shard, offset, size, masked crc32c of the stored bytes); the "" key holds the BundleHeaderProto
 * (num_shards, endianness, version). Tensor bytes live in `<prefix>.data-0000i-of-0000n` shards,
 * little-endian, at the entry's offset. Every entry is checked against its shard's size when the
 * bundle opens, and every read verifies the entry's crc32c.
 */
import { open, readFile, stat } from 'node:fs/promises';
import { Cnn2MlpError } from '../../errors.js';
import { crc32c, crc32cUpdate, unmaskCrc } from '../crc32c.js';
import { readTable } from './table.js';
import { DT, decodeEntry, decodeHeader, dtypeName, shapeDims, type BundleEntry } from './proto.js';

export interface BundleTensor {
  name: string;
  dtype: number;
  dtypeName: string;
  shape: number[];
  shard: number;
  offset: number;
  size: number;
  /** the masked crc32c stored in the index, as TensorFlow writes it */
  crc32cMasked: number;
}

export interface Bundle {
  prefix: string;
  numShards: number;
  endianness: number;
  producer: number;
  tensors: Map<string, BundleTensor>;
  shardPaths: string[];
}

const bad = (msg: string) => new Cnn2MlpError('ERR_BAD_FILE', msg);
const pad5 = (n: number) => String(n).padStart(5, '0');
const KNOWN_VERSION = 1; // tensor_bundle.h kTensorBundleVersion

export function shardPath(prefix: string, i: number, n: number): string {
  return `${prefix}.data-${pad5(i)}-of-${pad5(n)}`;
}

export async function openBundle(prefix: string): Promise<Bundle> {
  const indexPath = `${prefix}.index`;
  let buf: Uint8Array;
  try {
    buf = await readFile(indexPath);
  } catch (err) {
    throw bad(`cannot read the checkpoint index ${indexPath}: ${(err as Error).message}`);
  }
  const entries = readTable(buf, indexPath);
  if (entries.length === 0 || entries[0].key !== '')
    throw bad(`${indexPath}: the first entry is not the bundle header (key ""): not a TensorFlow V2 checkpoint index`);
  let header;
  try {
    header = decodeHeader(entries[0].value);
  } catch (err) {
    throw bad(`${indexPath}: the bundle header does not decode (${(err as Error).message})`);
  }
  const numShards = header.num_shards;
  if (!(numShards >= 1 && numShards < 100000)) throw bad(`${indexPath}: the header claims ${numShards} shards`);
  if (header.endianness !== 0)
    throw new Cnn2MlpError('ERR_UNSUPPORTED', `${indexPath}: big-endian checkpoints are not supported`);
  const minConsumer = header.version?.min_consumer ?? 0;
  if (minConsumer > KNOWN_VERSION)
    throw new Cnn2MlpError('ERR_UNSUPPORTED', `${indexPath}: bundle version needs a reader ≥ ${minConsumer}; cnn2mlp reads version ${KNOWN_VERSION}`);

  const shardPaths = Array.from({ length: numShards }, (_, i) => shardPath(prefix, i, numShards));
  const shardSizes: number[] = [];
  for (const p of shardPaths) {
    try {
      shardSizes.push((await stat(p)).size);
    } catch {
      throw bad(`missing checkpoint shard ${p} (the index at ${indexPath} names ${numShards} shard${numShards > 1 ? 's' : ''})`);
    }
  }

  const tensors = new Map<string, BundleTensor>();
  for (const { key, value } of entries.slice(1)) {
    let e: BundleEntry;
    try {
      e = decodeEntry(value);
    } catch (err) {
      throw bad(`${indexPath}: the entry for '${key}' does not decode (${(err as Error).message})`);
    }
    if ((e.slices?.length ?? 0) > 0)
      throw new Cnn2MlpError('ERR_UNSUPPORTED', `${indexPath}: '${key}' is stored in slices (a partitioned variable); cnn2mlp reads whole tensors only`);
    const shape = shapeDims(e.shape);
    if (e.shape?.unknown_rank || shape.some((d) => !(Number.isSafeInteger(d) && d >= 0)))
      throw bad(`${indexPath}: '${key}' has an invalid shape [${shape.join(', ')}]`);
    if (!(e.shard_id >= 0 && e.shard_id < numShards))
      throw bad(`${indexPath}: '${key}' is in shard ${e.shard_id}, but the header names ${numShards} shard(s)`);
    const end = e.offset + e.size;
    if (!(e.offset >= 0 && e.size >= 0 && Number.isSafeInteger(end)) || end > shardSizes[e.shard_id])
      throw bad(
        `${indexPath}: '${key}' claims bytes [${e.offset}, ${end}) of ${shardPaths[e.shard_id]}, which holds ${shardSizes[e.shard_id]} bytes: the index lies about offsets or sizes, or the shard is truncated`,
      );
    const numel = shape.reduce((a, b) => a * b, 1);
    const itemSize = { [DT.FLOAT]: 4, [DT.DOUBLE]: 8, [DT.INT32]: 4, [DT.INT64]: 8, [DT.INT16]: 2, [DT.INT8]: 1, [DT.UINT8]: 1, [DT.BOOL]: 1, [DT.HALF]: 2 }[e.dtype];
    if (itemSize !== undefined && numel * itemSize !== e.size)
      throw bad(`${indexPath}: '${key}' is ${dtypeName(e.dtype)} [${shape.join(', ')}] (${numel * itemSize} bytes) but its entry says ${e.size} bytes`);
    tensors.set(key, {
      name: key,
      dtype: e.dtype,
      dtypeName: dtypeName(e.dtype),
      shape,
      shard: e.shard_id,
      offset: e.offset,
      size: e.size,
      crc32cMasked: e.crc32c >>> 0,
    });
  }
  return { prefix, numShards, endianness: header.endianness, producer: header.version?.producer ?? 0, tensors, shardPaths };
}

/** Reads a tensor's stored bytes and verifies their crc32c. */
export async function readTensorBytes(bundle: Bundle, t: BundleTensor): Promise<Uint8Array> {
  const path = bundle.shardPaths[t.shard];
  const out = new Uint8Array(t.size);
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw bad(`missing checkpoint shard ${path}: ${(err as Error).message}`);
  }
  try {
    let done = 0;
    while (done < t.size) {
      const { bytesRead } = await fh.read(out, done, t.size - done, t.offset + done);
      if (bytesRead === 0) throw bad(`${path} ends before '${t.name}' (bytes [${t.offset}, ${t.offset + t.size})): truncated`);
      done += bytesRead;
    }
  } finally {
    await fh.close();
  }
  const actual = t.dtype === DT.STRING ? stringTensorCrc(out, t, path) : crc32c(out);
  const stored = unmaskCrc(t.crc32cMasked);
  if (actual !== stored)
    throw bad(`${path}: '${t.name}' fails its crc32c check (index says 0x${stored.toString(16)}, data gives 0x${actual.toString(16)}): the shard is corrupt`);
  return out;
}

/**
 * A DT_STRING tensor is stored as varint64 lengths, a masked crc32c of those lengths, then the
 * bytes; its entry crc32c covers each length as a little-endian uint32 (uint64 above 2^32-1), the
 * stored length checksum, and the bytes (tensor_bundle.cc WriteStringTensor).
 */
function stringTensorCrc(bytes: Uint8Array, t: BundleTensor, path: string): number {
  const fail = (m: string): never => {
    throw bad(`${path}: string tensor '${t.name}' ${m}`);
  };
  const n = t.shape.reduce((a, b) => a * b, 1);
  let pos = 0;
  let crc = 0;
  let total = 0;
  const word = new Uint8Array(8);
  const dv = new DataView(word.buffer);
  for (let i = 0; i < n; i++) {
    let len = 0;
    let mul = 1;
    for (;;) {
      if (pos >= bytes.length || mul > 2 ** 49) fail('has a malformed length');
      const b = bytes[pos++];
      len += (b & 0x7f) * mul;
      mul *= 128;
      if (b < 0x80) break;
    }
    const wide = len > 0xffffffff;
    dv.setBigUint64(0, BigInt(len), true);
    crc = crc32cUpdate(crc, word.subarray(0, wide ? 8 : 4));
    total += len;
  }
  if (pos + 4 + total !== bytes.length) fail(`lengths sum to ${total} bytes but the entry holds ${bytes.length - pos - 4}`);
  const checksum = bytes.subarray(pos, pos + 4);
  const storedLen = (checksum[0] | (checksum[1] << 8) | (checksum[2] << 16) | (checksum[3] << 24)) >>> 0;
  if (unmaskCrc(storedLen) !== crc) fail('fails its length checksum');
  return crc32cUpdate(crc32cUpdate(crc, checksum), bytes.subarray(pos + 4));
}

/** Reads a DT_FLOAT tensor (row-major, the stored shape). Other dtypes: ERR_UNSUPPORTED. */
export async function readFloat32(bundle: Bundle, t: BundleTensor): Promise<Float32Array> {
  if (t.dtype !== DT.FLOAT)
    throw new Cnn2MlpError('ERR_UNSUPPORTED', `'${t.name}' in ${bundle.prefix} is ${t.dtypeName}; cnn2mlp loads float32 weights only`);
  const bytes = await readTensorBytes(bundle, t);
  const out = new Float32Array(bytes.length / 4);
  new Uint8Array(out.buffer).set(bytes); // the machine is little-endian, as the bundle is (checked above)
  return out;
}
