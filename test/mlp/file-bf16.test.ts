// bf16 layers in the MLP file: version 3 and the per-layer value type (offset 36 of a table entry),
// the values section at 2 bytes a weight with its XXH64, a bit-exact round trip with identical
// outputs, and hostile tables (unknown value type, bf16 in a version 2 file, bf16 on a format
// without bf16 kernels, lying sizes) refused with ERR_BAD_FILE.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Cnn2MlpError, loadMlp, mlpFromLayers, runMlpSync, saveMlp, type Mlp } from '../../src/index.js';
import { native } from '../../src/native.js';
import { mulberry32 } from '../../src/util/random.js';
import { roundBf16 } from '../support/kernel-cases.js';
import { randomCsr, randomDense, randomInput } from '../support/mlp-reference.js';
import { rehash, savedBytes } from '../support/mlp-file.js';
import { xxhash64 } from '../support/xxhash64.js';

const dir = mkdtempSync(path.join(tmpdir(), 'cnn2mlp-file-bf16-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HEADER = 128;
const ENTRY = 128;
const VALUE_TYPE = 36;

/** dense bf16 (37 → 50), CSR fp32 (50 → 40), dense bf16 (40 → 9, softmax). */
function sample(): Mlp {
  const rand = mulberry32(11);
  const layers = [
    randomDense(rand, 50, 37, { activation: 'relu' }),
    randomCsr(rand, 40, 50, 0.2, 4, { activation: 'leakyRelu', alpha: 0.1 }),
    randomDense(rand, 9, 40, { activation: 'softmax' }),
  ];
  return mlpFromLayers(37, layers, { precision: 'bf16', metadata: { layout: 'NHWC', inputShape: [37], outputShape: [9], source: { precision: 'bf16' } } });
}

async function saved(name: string): Promise<{ file: string; bytes: Buffer; mlp: Mlp }> {
  return savedBytes(sample(), path.join(dir, name));
}

async function loadError(bytes: Buffer, name: string, verify = true): Promise<Cnn2MlpError> {
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  const err = await loadMlp(file, { verify }).then(
    (m) => (m.dispose(), undefined),
    (e: unknown) => e,
  );
  expect(err, name).toBeInstanceOf(Cnn2MlpError);
  return err as Cnn2MlpError;
}

describe('MLP file with bf16 layers', () => {
  it('round-trips bf16 and fp32 layers bit-exactly: the same weights, precisions and outputs', async () => {
    const { file, mlp } = await saved('rt.c2m');
    expect(mlp.layers.map((l) => l.precision)).toEqual(['bf16', 'f32', 'bf16']);
    using back = await loadMlp(file);
    expect(back.layers).toEqual(mlp.layers);
    expect(back.metadata).toEqual(mlp.metadata);
    expect(back.bytes).toBe(mlp.bytes);
    const n = native();
    for (let i = 0; i < mlp.layers.length; i++) {
      expect(n.mlpReadRows(back.handle, i, 0, mlp.layers[i].rows)).toEqual(n.mlpReadRows(mlp.handle, i, 0, mlp.layers[i].rows));
      expect(n.mlpReadBias(back.handle, i)).toEqual(n.mlpReadBias(mlp.handle, i));
    }
    // batch 1 (GEMV) and 5 (GEMM): the same bf16 weights through the same kernels, to the bit
    for (const batch of [1, 5]) {
      const x = randomInput(mulberry32(20 + batch), 37 * batch);
      expect(runMlpSync(back, x)).toEqual(runMlpSync(mlp, x));
    }
    // and it still saves: the loaded MLP (weights in the mapping) writes the same bytes
    const again = path.join(dir, 'rt2.c2m');
    await saveMlp(back, again);
    expect(readFileSync(again).equals(readFileSync(file))).toBe(true);
    mlp.dispose();
  });

  it('writes version 3, value type 1 on bf16 layers, rows × ld × 2 value bytes, aligned and hashed', async () => {
    const { bytes, mlp } = await saved('layout.c2m');
    expect(bytes.readUInt32LE(8)).toBe(3);
    const n = native();
    mlp.layers.forEach((l, i) => {
      const e = HEADER + i * ENTRY;
      expect(bytes.readUInt32LE(e + VALUE_TYPE), `layer ${i}`).toBe(l.precision === 'bf16' ? 1 : 0);
      const off = Number(bytes.readBigUInt64LE(e + 64));
      const len = l.format === 'dense' ? l.rows * l.ld * (l.precision === 'bf16' ? 2 : 4) : l.nnz * 4;
      expect(off % 64).toBe(0);
      expect(bytes.readBigUInt64LE(e + 96)).toBe(xxhash64(bytes.subarray(off, off + len)));
      if (l.precision !== 'bf16') return;
      // the section is the bf16 bit patterns, row-major at ld, zero padding columns
      const w = n.mlpReadRows(mlp.handle, i, 0, l.rows) as Float32Array;
      const sec = bytes.subarray(off, off + len);
      for (let r = 0; r < l.rows; r++)
        for (let c = 0; c < l.ld; c++) {
          const bits = sec.readUInt16LE(2 * (r * l.ld + c));
          const want = c < l.cols ? w[r * l.cols + c] : 0;
          if (new Float32Array(new Uint32Array([bits << 16]).buffer)[0] !== want) expect.fail(`layer ${i} [${r}, ${c}]: bits ${bits.toString(16)}, expected ${want}`);
        }
    });
    // the file is smaller than the fp32 one by the dense layers' halves
    const f32File = path.join(dir, 'f32.c2m');
    using f32 = mlpFromLayers(37, [randomDense(mulberry32(11), 50, 37, { activation: 'relu' })]);
    await saveMlp(f32, f32File);
    expect(readFileSync(f32File).readUInt32LE(8)).toBe(1);
    expect(readFileSync(f32File).readUInt32LE(HEADER + VALUE_TYPE)).toBe(0);
    mlp.dispose();
  });

  it('rejects a flipped bit in a bf16 values section by checksum', async () => {
    const { bytes, mlp } = await saved('flip.c2m');
    mlp.dispose();
    const off = Number(bytes.readBigUInt64LE(HEADER + 64));
    bytes[off + 3] ^= 0x01;
    expect((await loadError(bytes, 'flip1.c2m')).message).toMatch(/layer 0 values checksum/);
  });

  it('refuses unknown value types, bf16 in a version 2 file, bf16 on a CSR layer and lying sizes', async () => {
    const { bytes, mlp } = await saved('hostile.c2m');
    mlp.dispose();
    const patched = (at: number, v: number, version?: number) => {
      const b = Buffer.from(bytes);
      b.writeUInt32LE(v, at);
      if (version !== undefined) b.writeUInt32LE(version, 8);
      rehash(b);
      return b;
    };
    const expectBad = async (b: Buffer, name: string, message: RegExp, verify = true) => {
      const err = await loadError(b, name, verify);
      expect(err.code).toBe('ERR_BAD_FILE');
      expect(err.message).toMatch(message);
    };
    await expectBad(patched(HEADER + VALUE_TYPE, 2), 'vt2.c2m', /layer 0: unknown value type 2/);
    await expectBad(patched(HEADER + VALUE_TYPE, 0xffffffff), 'vtmax.c2m', /unknown value type/);
    await expectBad(patched(HEADER + VALUE_TYPE, 1, 2), 'v2.c2m', /layer 0: unknown value type 1/);
    // CSR layer 1 marked bf16: no bf16 CSR kernels, so refused even when nothing is hashed
    await expectBad(patched(HEADER + ENTRY + VALUE_TYPE, 1), 'csr.c2m', /checksum|not supported for this matrix format/);
    await expectBad(patched(HEADER + ENTRY + VALUE_TYPE, 1), 'csr-nv.c2m', /layer 1: bf16 values are not supported for this matrix format/, false);
    // sparse bf16 values are checked finite (memory-safe structure first): a NaN bit pattern is refused
    const nan = patched(HEADER + ENTRY + VALUE_TYPE, 1);
    nan.writeUInt16LE(0x7fc0, Number(bytes.readBigUInt64LE(HEADER + ENTRY + 64)));
    await expectBad(nan, 'csr-nan.c2m', /layer 1: non-finite value at 0/, false);
    // dense layer 2 read as fp32: its values section would be twice as long
    await expectBad(patched(HEADER + 2 * ENTRY + VALUE_TYPE, 0), 'f32.c2m', /checksum|outside the file/);
    // a bf16 values section that runs past the end of the file
    const past = Buffer.from(bytes);
    past.writeBigUInt64LE(BigInt(bytes.length - 64), HEADER + 2 * ENTRY + 64);
    rehash(past);
    await expectBad(past, 'past.c2m', /layer 2 values lies outside the file/, false);
    // a dense bf16 shape the file cannot hold
    const huge = Buffer.from(bytes);
    huge.writeBigUInt64LE(BigInt(2 ** 31 - 1), HEADER + 2 * ENTRY); // rows
    huge.writeBigUInt64LE(BigInt((2 ** 31 - 1) * 40), HEADER + 2 * ENTRY + 48); // nnz = rows · cols
    rehash(huge);
    await expectBad(huge, 'huge.c2m', /layer 2: a 2147483647 × 40 dense matrix cannot fit in this file/, false);
  });

  it('keeps the rounding of convert: mlpFromLayers({ precision: "bf16" }) stores the weights rounded to nearest even', () => {
    const values = Float32Array.from([1 + 2 ** -8, 1 + 3 * 2 ** -8, -(1 + 2 ** -8), 3.4e38, 1e-40, 0.1, -0.3, 7]);
    using m = mlpFromLayers(4, [{ format: 'dense', rows: 2, cols: 4, values }], { precision: 'bf16' });
    expect(m.layers[0].precision).toBe('bf16');
    expect(m.layers[0].weightBytes).toBe(2 * 16 * 2);
    expect(Array.from(native().mlpReadRows(m.handle, 0, 0, 2) as Float32Array)).toEqual(Array.from(values, roundBf16));
  });

  it('validates mlpFromLayers options with messages that say what was expected', () => {
    const l = [randomDense(mulberry32(1), 2, 3)];
    expect(() => mlpFromLayers(3, l, { precision: 'fp16' as 'bf16' })).toThrow(/Expected 'f32' or 'bf16' for options.precision but received string 'fp16'/);
    expect(() => mlpFromLayers(3, l, { layout: 'NHWC', inputShape: [3], outputShape: [2], precison: 'bf16' } as never)).toThrow(/received 'layout', 'inputShape', 'outputShape', 'precison' \(metadata goes in options.metadata\)/);
    // metadata as the third argument, the earlier form, still works
    using old = mlpFromLayers(3, l, { layout: 'NCHW', inputShape: [3], outputShape: [2, 1] });
    expect(old.metadata).toMatchObject({ layout: 'NCHW', inputShape: [3], outputShape: [2, 1] });
    expect(() => mlpFromLayers(3, l, null as never)).toThrow(/Expected an options object/);
    expect(() => mlpFromLayers(3, l, { metadata: 5 as never })).toThrow(/Expected an MlpMetadata object .* for options.metadata but received number 5/);
    expect(() => mlpFromLayers(3, l, { precision: 'bf16', threads: 0 })).toThrow(/Expected an integer from 1 to 256 for options.threads/);
    using m = mlpFromLayers(3, l, { precision: 'f32' });
    expect(m.layers[0].precision).toBe('f32');
  });
});
