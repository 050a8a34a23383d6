// The native MLP file: bit-exact round trips (dense and CSR), the documented header fields and
// checksums checked with an independent TS XXH64, and one test per corruption class (truncation,
// header byte, section byte, lying offsets, lying CSR structure), each expecting ERR_BAD_FILE.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Cnn2MlpError, loadMlp, mlpFromLayers, runMlpSync, saveMlp, type Mlp } from '../../src/index.js';
import { native } from '../../src/native.js';
import { randomCsr, randomDense, randomInput } from '../support/mlp-reference.js';
import { mulberry32 } from '../../src/util/random.js';
import { rehash, savedBytes } from '../support/mlp-file.js';
import { xxhash64 } from '../support/xxhash64.js';

const dir = mkdtempSync(path.join(tmpdir(), 'cnn2mlp-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HEADER = 128;
const ENTRY = 128;

function sample(): Mlp {
  const rand = mulberry32(5);
  return mlpFromLayers(
    37,
    [
      randomDense(rand, 50, 37, { activation: 'relu' }),
      randomCsr(rand, 40, 50, 0.2, 4, { activation: 'leakyRelu', alpha: 0.1 }),
      randomDense(rand, 9, 40, { activation: 'softmax' }),
    ],
    { metadata: { layout: 'NHWC', inputShape: [37], outputShape: [9], source: { test: 'mlp-file', unicode: 'é✓' } } },
  );
}

async function saved(name: string): Promise<{ file: string; bytes: Buffer; mlp: Mlp }> {
  return savedBytes(sample(), path.join(dir, name));
}

async function expectBad(bytes: Buffer, name: string, message: RegExp, verify = true): Promise<void> {
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  const err = await loadMlp(file, { verify }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Cnn2MlpError);
  expect((err as Cnn2MlpError).code).toBe('ERR_BAD_FILE');
  expect((err as Cnn2MlpError).message).toMatch(message);
}

describe('MLP file', () => {
  it('round-trips dense and CSR layers bit-exactly, with metadata, and leaves no temp file', async () => {
    const { file, mlp } = await saved('rt.c2m');
    using back = await loadMlp(file);
    expect(back.metadata).toEqual(mlp.metadata);
    expect(back.layers).toEqual(mlp.layers);
    const n = native();
    for (let i = 0; i < mlp.layers.length; i++) {
      expect(n.mlpReadRows(back.handle, i, 0, mlp.layers[i].rows)).toEqual(n.mlpReadRows(mlp.handle, i, 0, mlp.layers[i].rows));
      expect(n.mlpReadBias(back.handle, i)).toEqual(n.mlpReadBias(mlp.handle, i));
    }
    const x = randomInput(mulberry32(9), 37 * 3);
    // Same weights, same kernels: outputs identical to the bit.
    expect(runMlpSync(back, x)).toEqual(runMlpSync(mlp, x));
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    mlp.dispose();
  });

  it('writes the documented header: magic, version, sizes, 64-byte aligned sections and XXH64 checksums', async () => {
    // The TS XXH64 itself against published vectors (xxhsum -H1 of '' and 'abc').
    expect(xxhash64(new Uint8Array(0))).toBe(0xef46db3751d8e999n);
    expect(xxhash64(Buffer.from('abc'))).toBe(0x44bc2cf5ad770999n);
    const { bytes, mlp } = await saved('layout.c2m');
    expect(bytes.subarray(0, 8).toString('latin1')).toBe('CNN2MLP\0');
    expect(bytes.readUInt32LE(8)).toBe(1);
    const headerBytes = bytes.readUInt32LE(12);
    expect(headerBytes).toBe(HEADER + 3 * ENTRY);
    expect(Number(bytes.readBigUInt64LE(16))).toBe(bytes.length);
    expect(bytes.readUInt32LE(40)).toBe(3);
    const head = Buffer.from(bytes.subarray(0, headerBytes));
    head.writeBigUInt64LE(0n, 72);
    expect(bytes.readBigUInt64LE(72)).toBe(xxhash64(head));
    const metaOff = Number(bytes.readBigUInt64LE(48));
    const metaLen = Number(bytes.readBigUInt64LE(56));
    expect(JSON.parse(bytes.subarray(metaOff, metaOff + metaLen).toString('utf8'))).toEqual(mlp.metadata);
    expect(bytes.readBigUInt64LE(64)).toBe(xxhash64(bytes.subarray(metaOff, metaOff + metaLen)));
    // Layer 1 (CSR): values section checksum and alignment.
    const e = HEADER + ENTRY;
    const nnz = Number(bytes.readBigUInt64LE(e + 48));
    const valuesOff = Number(bytes.readBigUInt64LE(e + 64));
    expect(valuesOff % 64).toBe(0);
    expect(bytes.readBigUInt64LE(e + 96)).toBe(xxhash64(bytes.subarray(valuesOff, valuesOff + nnz * 4)));
    mlp.dispose();
  });

  it('rejects a truncated file', async () => {
    const { bytes, mlp } = await saved('t.c2m');
    mlp.dispose();
    await expectBad(bytes.subarray(0, bytes.length - 100), 'trunc.c2m', /truncated/);
    await expectBad(bytes.subarray(0, 50), 'trunc2.c2m', /truncated/);
  });

  it('rejects a flipped byte in the header (layer table)', async () => {
    const { bytes, mlp } = await saved('h.c2m');
    mlp.dispose();
    bytes[HEADER + ENTRY + 0] ^= 0x01; // layer 1 rows
    await expectBad(bytes, 'hdr.c2m', /header checksum/);
  });

  it('rejects a flipped byte in a weight section by checksum (and verify: false skips only that)', async () => {
    const { bytes, mlp } = await saved('s.c2m');
    mlp.dispose();
    const valuesOff = Number(bytes.readBigUInt64LE(HEADER + 64)); // layer 0 dense values
    bytes[valuesOff + 5] ^= 0x10;
    await expectBad(bytes, 'sec.c2m', /layer 0 values checksum/);
    using lazy = await loadMlp(path.join(dir, 'sec.c2m'), { verify: false });
    expect(lazy.layers.length).toBe(3);
  });

  it('rejects lying offsets and a lying CSR structure even with a valid header checksum', async () => {
    const { bytes, mlp } = await saved('o.c2m');
    mlp.dispose();
    const outside = Buffer.from(bytes);
    outside.writeBigUInt64LE(BigInt(bytes.length + 64), HEADER + 64); // layer 0 values beyond EOF
    rehash(outside);
    await expectBad(outside, 'off1.c2m', /outside the file/);
    const misaligned = Buffer.from(bytes);
    misaligned.writeBigUInt64LE(bytes.readBigUInt64LE(HEADER + 64) + 4n, HEADER + 64);
    rehash(misaligned);
    await expectBad(misaligned, 'off2.c2m', /aligned/);
    // CSR layer 1: point its rowPtr at its colIdx section; no checksum check with verify: false,
    // but the structure check must still refuse it.
    const lying = Buffer.from(bytes);
    lying.writeBigUInt64LE(bytes.readBigUInt64LE(HEADER + ENTRY + 80), HEADER + ENTRY + 72);
    rehash(lying);
    await expectBad(lying, 'csr.c2m', /CSR structure|outside/, false);
  });

  it('never crashes on random header/table corruption that passes the header checksum', async () => {
    const { bytes, mlp } = await saved('fuzz.c2m');
    mlp.dispose();
    const headerBytes = bytes.readUInt32LE(12);
    const file = path.join(dir, 'fuzzed.c2m');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 8, max: headerBytes - 1 }), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), async (flips) => {
        const b = Buffer.from(bytes);
        for (const [at, mask] of flips) if (at < 72 || at >= 80) b[at] ^= mask;
        rehash(b);
        writeFileSync(file, b);
        try {
          using m = await loadMlp(file, { verify: false });
          // Whatever loads must run safely.
          runMlpSync(m, new Float32Array(m.inputSize), { nonFinite: 'propagate' });
        } catch (err) {
          expect(err).toBeInstanceOf(Cnn2MlpError);
          expect(['ERR_BAD_FILE', 'ERR_UNSUPPORTED']).toContain((err as Cnn2MlpError).code);
        }
      }),
      { numRuns: 150, seed: 1234 },
    );
  });

  it('reports unwritable paths and missing files as ERR_BAD_FILE', async () => {
    using mlp = sample();
    await expect(saveMlp(mlp, path.join(dir, 'no', 'such', 'dir.c2m'))).rejects.toMatchObject({ code: 'ERR_BAD_FILE' });
    await expect(loadMlp(path.join(dir, 'missing.c2m'))).rejects.toMatchObject({ code: 'ERR_BAD_FILE' });
    await expectBad(Buffer.from('not an mlp file at all, just text'.repeat(10)), 'text.c2m', /magic/);
  });
});
