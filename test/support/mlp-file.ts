/** Byte-level helpers for the .c2m file tests: save and read back, and re-sign a tampered header. */
import { readFileSync } from 'node:fs';
import { saveMlp } from '../../src/index.js';
import type { Mlp } from '../../src/mlp/mlp.js';
import { xxhash64 } from './xxhash64.js';

/** Saves `mlp` to `file` and returns the file's bytes with the MLP. */
export async function savedBytes(mlp: Mlp, file: string): Promise<{ file: string; bytes: Buffer; mlp: Mlp }> {
  await saveMlp(mlp, file);
  return { file, bytes: readFileSync(file), mlp };
}

/** Rewrites the header checksum (offset 72) so a deliberately lying field passes it. */
export function rehash(bytes: Buffer): void {
  const headerBytes = bytes.readUInt32LE(12);
  const head = Buffer.from(bytes.subarray(0, headerBytes));
  head.writeBigUInt64LE(0n, 72);
  bytes.writeBigUInt64LE(xxhash64(head), 72);
}
