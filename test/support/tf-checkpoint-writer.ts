/**
 * Test-only writer of TensorFlow V2 checkpoints (tensor bundles), independent of the reader under
 * test: hand-encoded BundleHeaderProto / BundleEntryProto (protobuf wire format, field numbers of
 * tensor_bundle.proto) in a table from ./tf-table-writer.ts, plus the data shards.
 */
import { writeFile } from 'node:fs/promises';
import { crc32c, maskCrc } from '../../src/formats/crc32c.js';
import { writeTable } from './tf-table-writer.js';

const DTYPES: Record<string, number> = { DT_FLOAT: 1, DT_INT32: 3, DT_INT64: 9 };

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) out.push((n % 128) | 0x80), (n = Math.floor(n / 128));
  return [...out, n];
}
const field = (tag: number, body: number[]) => [tag, ...varint(body.length), ...body];

export interface EntryFields {
  dtype: string;
  shape: number[];
  shard: number;
  offset: number;
  size: number;
  /** masked crc32c, as stored */
  crc32cMasked: number;
}

export function encodeHeader(numShards: number): Uint8Array {
  return Uint8Array.from([0x08, ...varint(numShards), ...field(0x1a, [0x08, 1])]);
}

export function encodeEntry(e: EntryFields): Uint8Array {
  const shape = field(0x12, e.shape.flatMap((d) => field(0x12, [0x08, ...varint(d)])));
  const c = e.crc32cMasked >>> 0;
  return Uint8Array.from([
    0x08, DTYPES[e.dtype],
    ...shape,
    ...(e.shard ? [0x18, ...varint(e.shard)] : []),
    0x20, ...varint(e.offset),
    0x28, ...varint(e.size),
    0x35, c & 0xff, (c >>> 8) & 0xff, (c >>> 16) & 0xff, c >>> 24,
  ]);
}

export interface TensorToWrite {
  name: string;
  shape: number[];
  data: Float32Array | BigInt64Array;
  shard?: number;
}

/** Writes `<prefix>.index` and `<prefix>.data-0000i-of-0000n`; tensors are laid out in the order given. */
export async function writeCheckpoint(prefix: string, tensors: TensorToWrite[], numShards = 1): Promise<void> {
  const shards: Uint8Array[][] = Array.from({ length: numShards }, () => []);
  const sizes = new Array<number>(numShards).fill(0);
  const entries: { key: string; value: Uint8Array }[] = [];
  for (const t of tensors) {
    const shard = t.shard ?? 0;
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    entries.push({
      key: t.name,
      value: encodeEntry({ dtype: t.data instanceof Float32Array ? 'DT_FLOAT' : 'DT_INT64', shape: t.shape, shard, offset: sizes[shard], size: bytes.length, crc32cMasked: maskCrc(crc32c(bytes)) }),
    });
    shards[shard].push(bytes);
    sizes[shard] += bytes.length;
  }
  entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  await writeFile(`${prefix}.index`, writeTable([{ key: '', value: encodeHeader(numShards) }, ...entries]));
  const pad = (n: number) => String(n).padStart(5, '0');
  for (let i = 0; i < numShards; i++) await writeFile(`${prefix}.data-${pad(i)}-of-${pad(numShards)}`, Buffer.concat(shards[i]));
}
