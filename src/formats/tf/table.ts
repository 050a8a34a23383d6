/**
 * Reader for the immutable sorted-table (SSTable) format TensorFlow uses for checkpoint `.index`
 * files — LevelDB's table layout (tensorflow/core/lib/io/format.cc, table_builder.cc):
 *
 *   [data block][trailer] ... [metaindex block][trailer] [index block][trailer] [footer: 48 bytes]
 *   block   = entries, then uint32 restart offsets[num_restarts], then uint32 num_restarts
 *   entry   = varint32 shared, varint32 non_shared, varint32 value_length, key delta, value
 *             (key = previous key's first `shared` bytes + the delta; restart entries have shared = 0)
 *   trailer = 1 byte compression type (0 none, 1 snappy) + fixed32 masked crc32c(block bytes + type byte)
 *   footer  = varint64 BlockHandle (offset, size) of the metaindex and of the index, zero padding to
 *             40 bytes, fixed64 magic 0xdb4775248b80fb57
 *   index   = one entry per data block: key ≥ every key in that block, value = that block's BlockHandle
 *
 * Every offset is bounds-checked and every trailer CRC verified; failures are ERR_BAD_FILE naming
 * the file and the byte offset. Snappy-compressed blocks are refused (ERR_UNSUPPORTED): TensorFlow
 * writes checkpoint indexes uncompressed.
 */
import { Cnn2MlpError } from '../../errors.js';
import { crc32c, crc32cUpdate, unmaskCrc } from '../crc32c.js';

const FOOTER_SIZE = 48;
const TRAILER_SIZE = 5;
const MAGIC_LO = 0x8b80fb57;
const MAGIC_HI = 0xdb477524;

export interface BlockHandle {
  offset: number;
  size: number;
}

export interface TableEntry {
  key: string;
  value: Uint8Array;
}

class Cursor {
  constructor(
    readonly buf: Uint8Array,
    public pos: number,
    readonly end: number,
    readonly bad: (msg: string) => never,
  ) {}
  varint(maxBytes: number): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < maxBytes; i++) {
      if (this.pos >= this.end) this.bad(`varint runs past the end of its block at byte ${this.pos}`);
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * mul;
      if (b < 0x80) {
        if (!Number.isSafeInteger(result)) this.bad(`varint at byte ${this.pos} is larger than 2^53`);
        return result;
      }
      mul *= 128;
    }
    return this.bad(`varint longer than ${maxBytes} bytes at byte ${this.pos}`);
  }
}

function u32(buf: Uint8Array, at: number): number {
  return (buf[at] | (buf[at + 1] << 8) | (buf[at + 2] << 16) | (buf[at + 3] << 24)) >>> 0;
}

/** Parses a whole table held in memory; `what` names the file in messages. */
export function readTable(buf: Uint8Array, what: string): TableEntry[] {
  const bad = (msg: string): never => {
    throw new Cnn2MlpError('ERR_BAD_FILE', `${what}: ${msg}`);
  };
  if (buf.length < FOOTER_SIZE)
    bad(`truncated: ${buf.length} bytes, shorter than the ${FOOTER_SIZE}-byte table footer`);
  const footerAt = buf.length - FOOTER_SIZE;
  if (u32(buf, buf.length - 8) !== MAGIC_LO || u32(buf, buf.length - 4) !== MAGIC_HI)
    bad('not a TensorFlow table (bad footer magic; expected 0xdb4775248b80fb57): truncated or not a checkpoint .index file');
  const fc = new Cursor(buf, footerAt, buf.length - 8, bad);
  const handle = (): BlockHandle => ({ offset: fc.varint(10), size: fc.varint(10) });
  handle(); // metaindex: holds only filter/statistics blocks, which TensorFlow checkpoints do not use
  const indexHandle = handle();

  const decoder = new TextDecoder('utf-8', { fatal: false });
  const readBlock = (h: BlockHandle, name: string): TableEntry[] => {
    if (h.offset + h.size + TRAILER_SIZE > footerAt)
      bad(`${name} block (offset ${h.offset}, size ${h.size}) runs past the end of the table data (${footerAt} bytes): truncated or corrupt`);
    const data = buf.subarray(h.offset, h.offset + h.size);
    const type = buf[h.offset + h.size];
    const stored = unmaskCrc(u32(buf, h.offset + h.size + 1));
    const actual = crc32cUpdate(crc32c(data), buf.subarray(h.offset + h.size, h.offset + h.size + 1));
    if (stored !== actual)
      bad(`${name} block at offset ${h.offset}: crc32c mismatch (stored 0x${stored.toString(16)}, computed 0x${actual.toString(16)}): the file is corrupt`);
    if (type === 1)
      throw new Cnn2MlpError('ERR_UNSUPPORTED', `${what}: ${name} block at offset ${h.offset} is snappy-compressed; cnn2mlp reads only uncompressed tables (TensorFlow writes checkpoint indexes uncompressed)`);
    if (type !== 0) bad(`${name} block at offset ${h.offset} has unknown compression type ${type}`);
    if (h.size < 4) bad(`${name} block at offset ${h.offset} is ${h.size} bytes, too short for its restart count`);
    const numRestarts = u32(data, h.size - 4);
    const entriesEnd = h.size - 4 - 4 * numRestarts;
    if (numRestarts < 1 || entriesEnd < 0) bad(`${name} block at offset ${h.offset} claims ${numRestarts} restart points, which do not fit in ${h.size} bytes`);
    const out: TableEntry[] = [];
    const c = new Cursor(data, 0, entriesEnd, (m) => bad(`${name} block at offset ${h.offset}: ${m}`));
    let prev = new Uint8Array(0);
    while (c.pos < entriesEnd) {
      const at = c.pos;
      const shared = c.varint(5);
      const nonShared = c.varint(5);
      const valueLen = c.varint(5);
      if (shared > prev.length || c.pos + nonShared + valueLen > entriesEnd)
        bad(`${name} block at offset ${h.offset}: entry at byte ${at} (shared ${shared}, key ${nonShared}, value ${valueLen} bytes) does not fit`);
      const key = new Uint8Array(shared + nonShared);
      key.set(prev.subarray(0, shared));
      key.set(data.subarray(c.pos, c.pos + nonShared), shared);
      c.pos += nonShared;
      out.push({ key: decoder.decode(key), value: data.subarray(c.pos, c.pos + valueLen) });
      c.pos += valueLen;
      prev = key;
    }
    return out;
  };

  const entries: TableEntry[] = [];
  for (const ix of readBlock(indexHandle, 'index')) {
    const vc = new Cursor(ix.value, 0, ix.value.length, (m) => bad(`index entry '${ix.key}': ${m}`));
    const h = { offset: vc.varint(10), size: vc.varint(10) };
    for (const e of readBlock(h, 'data')) {
      if (entries.length > 0 && !(entries[entries.length - 1].key < e.key))
        bad(`keys are not sorted ('${entries[entries.length - 1].key}' before '${e.key}'): corrupt`);
      entries.push(e);
    }
  }
  return entries;
}
