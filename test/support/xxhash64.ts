/** XXH64 (seed 0) in BigInt arithmetic, written from the algorithm description: an independent
 * check of the checksums the native writer stores (vectors: '' → ef46db3751d8e999, 'abc' →
 * 44bc2cf5ad770999, as printed by xxhsum -H1). Slow; for small test files only. */
const M = (1n << 64n) - 1n;
const P1 = 0x9e3779b185ebca87n, P2 = 0xc2b2ae3d27d4eb4fn, P3 = 0x165667b19e3779f9n, P4 = 0x85ebca77c2b2ae63n, P5 = 0x27d4eb2f165667c5n;
const rotl = (x: bigint, r: bigint) => ((x << r) | (x >> (64n - r))) & M;
const mul = (a: bigint, b: bigint) => (a * b) & M;
const add = (a: bigint, b: bigint) => (a + b) & M;
const round = (acc: bigint, v: bigint) => mul(rotl(add(acc, mul(v, P2)), 31n), P1);
const merge = (acc: bigint, v: bigint) => add(mul(acc ^ round(0n, v), P1), P4);

export function xxhash64(bytes: Uint8Array): bigint {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = bytes.length;
  let p = 0;
  let h: bigint;
  if (len >= 32) {
    let v1 = add(P1, P2), v2 = P2, v3 = 0n, v4 = (0n - P1) & M;
    while (p + 32 <= len) {
      v1 = round(v1, dv.getBigUint64(p, true));
      v2 = round(v2, dv.getBigUint64(p + 8, true));
      v3 = round(v3, dv.getBigUint64(p + 16, true));
      v4 = round(v4, dv.getBigUint64(p + 24, true));
      p += 32;
    }
    h = add(add(rotl(v1, 1n), rotl(v2, 7n)), add(rotl(v3, 12n), rotl(v4, 18n)));
    for (const v of [v1, v2, v3, v4]) h = merge(h, v);
  } else h = P5;
  h = add(h, BigInt(len));
  for (; p + 8 <= len; p += 8) h = add(mul(rotl(h ^ round(0n, dv.getBigUint64(p, true)), 27n), P1), P4);
  if (p + 4 <= len) {
    h = add(mul(rotl(h ^ mul(BigInt(dv.getUint32(p, true)), P1), 23n), P2), P3);
    p += 4;
  }
  for (; p < len; p++) h = mul(rotl(h ^ mul(BigInt(bytes[p]), P5), 11n), P1);
  h ^= h >> 33n;
  h = mul(h, P2);
  h ^= h >> 29n;
  h = mul(h, P3);
  h ^= h >> 32n;
  return h;
}
