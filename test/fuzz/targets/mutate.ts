/** Mutation helpers shared by the fuzz targets: byte edits, evil numbers and values, JSON edits. */
import fc from 'fast-check';

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
export const evilValue: fc.Arbitrary<unknown> = fc.oneof(
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
