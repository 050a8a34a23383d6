/**
 * A minimal, independent writer of the LevelDB/TensorFlow table format, used only by tests to build
 * corrupted checkpoint indexes (entries that lie, snappy flags). One data block, one restart
 * point per 16 entries, empty metaindex, footer with the table magic.
 */
import { crc32cUpdate, crc32c, maskCrc } from '../../src/formats/crc32c.js';

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
const u32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];

function block(entries: { key: Uint8Array; value: Uint8Array }[]): number[] {
  const out: number[] = [];
  const restarts: number[] = [];
  let prev: Uint8Array = new Uint8Array(0);
  entries.forEach(({ key, value }, i) => {
    let shared = 0;
    if (i % 16 === 0) restarts.push(out.length);
    else while (shared < prev.length && shared < key.length && prev[shared] === key[shared]) shared++;
    out.push(...varint(shared), ...varint(key.length - shared), ...varint(value.length), ...key.subarray(shared), ...value);
    prev = key;
  });
  if (restarts.length === 0) restarts.push(0);
  for (const r of restarts) out.push(...u32(r));
  out.push(...u32(restarts.length));
  return out;
}

export function writeTable(entries: { key: string; value: Uint8Array }[], opts: { compressionType?: number } = {}): Uint8Array {
  const enc = new TextEncoder();
  const file: number[] = [];
  const put = (b: number[], type = 0) => {
    const offset = file.length;
    file.push(...b, type);
    const crc = crc32cUpdate(crc32c(Uint8Array.from(b)), Uint8Array.of(type));
    file.push(...u32(maskCrc(crc)));
    return { offset, size: b.length };
  };
  const data = put(block(entries.map((e) => ({ key: enc.encode(e.key), value: e.value }))), opts.compressionType ?? 0);
  const meta = put(block([]));
  const lastKey = enc.encode(entries[entries.length - 1].key + '\u0000');
  const index = put(block([{ key: lastKey, value: Uint8Array.from([...varint(data.offset), ...varint(data.size)]) }]));
  const footer = [...varint(meta.offset), ...varint(meta.size), ...varint(index.offset), ...varint(index.size)];
  while (footer.length < 40) footer.push(0);
  footer.push(...u32(0x8b80fb57), ...u32(0xdb477524));
  file.push(...footer);
  return Uint8Array.from(file);
}
