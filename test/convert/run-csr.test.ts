// Run-CSR and format 'auto' end to end on the seed network at stride 3: what each layer is stored
// as and why (stats), the byte formula of docs/run-csr.md, runMlp against the CSR MLP at batch 1
// and 5 (different kernels, the same matrix), and the .c2m round trip (version 4 only when a
// run-CSR layer is present, fp32 or bf16; version 2 and 3 files, run-CSR values in row order, still
// load; a lying run index is refused).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convert, loadMlp, runMlp, saveMlp, stats, type Mlp } from '../../src/index.js';
import { randomInput } from '../support/random-cnn.js';
import { readMlp } from '../support/stored-mlp.js';
import { xxhash64 } from '../support/xxhash64.js';
import { seedModel } from '../support/seed-model.js';

const dir = mkdtempSync(path.join(tmpdir(), 'cnn2mlp-rcsr-'));
const model = seedModel(3);
let csr: Mlp, rcsr: Mlp, auto: Mlp;

beforeAll(async () => {
  csr = await convert(model, { format: 'csr' });
  rcsr = await convert(model, { format: 'rcsr' });
  auto = await convert(model, { format: 'auto' });
});
afterAll(() => {
  for (const m of [csr, rcsr, auto]) m?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * runMlp of two storages of the same float32 matrices: both accumulate K ≤ 1728 products in float32
 * in different orders, so per layer they differ by ≤ 2·K·2^-24·Σ|w·x| ≈ 2e-4 of the row magnitude;
 * softmax outputs lie in [0, 1], so 1e-4 absolute is a bound with margin, far below a wrong weight.
 */
function expectSame(got: Float32Array, want: Float32Array) {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < got.length; i++) if (!(Math.abs(got[i] - want[i]) <= 1e-4)) expect.fail(`output ${i}: ${got[i]} vs ${want[i]}`);
}

describe('run-CSR (rcsr)', () => {
  it('stores the same matrices as CSR, without a column index per nonzero', () => {
    const a = readMlp(csr), b = readMlp(rcsr);
    for (let li = 0; li < a.length; li++) {
      const bytes = (t: ArrayBufferView) => Buffer.from(t.buffer, t.byteOffset, t.byteLength);
      expect(bytes(b[li].colIdx).equals(bytes(a[li].colIdx)), `layer ${li} columns`).toBe(true);
      expect(bytes(b[li].values).equals(bytes(a[li].values)), `layer ${li} values`).toBe(true);
    }
    rcsr.layers.forEach((l, li) => {
      expect(l.format).toBe('rcsr');
      // docs/run-csr.md: 4·nnz + 8·(rows + 1) + 4·rows + 4·(patterns + 1) + 8·runs
      expect(l.weightBytes).toBe(4 * l.nnz + 8 * (l.rows + 1) + 4 * l.rows + 4 * (l.patterns + 1) + 8 * l.runs);
      expect(l.nnz).toBe(csr.layers[li].nnz);
    });
    // first conv: 27×27 positions × 32 filters, one pattern per position (rows of a position share it)
    expect(rcsr.layers[0].patterns).toBe(27 * 27);
    expect(rcsr.layers[0].runs).toBeLessThanOrEqual(27 * 27 * 3);
    expect(stats(rcsr).totals.bytes).toBeLessThan(0.6 * stats(csr).totals.bytes);
  });

  it('runMlp agrees with the CSR MLP at batch 1 and batch 5', async () => {
    for (const batch of [1, 5]) {
      const x = randomInput(csr.inputSize, batch, 7 + batch);
      const want = await runMlp(csr, x);
      expectSame(await runMlp(rcsr, x), want);
      expectSame(await runMlp(auto, x), want);
    }
  });

  it("'auto' keeps the dense head dense and the convolutions run-CSR, and says why", () => {
    const st = stats(auto);
    expect(st.format).toBe('mixed');
    expect(st.layers.map((l) => l.format)).toEqual(['rcsr', 'rcsr', 'rcsr', 'dense', 'dense']);
    expect(st.layers[0].formatReason).toMatch(/^rcsr is the smallest \(dense .* MB, csr .* MB, rcsr .* MB\)$/);
    expect(st.layers[3].formatReason).toMatch(/^dense is within 25 % of the smallest sparse form/);
    expect(st.totals.bytes).toBeLessThan(stats(rcsr).totals.bytes);
  });

  it('saveMlp/loadMlp keep the format and precision; version 1 without run-CSR layers, 4 with', async () => {
    const bf16 = await convert(model, { format: 'auto', precision: 'bf16' });
    try {
      for (const [name, m] of [['auto', auto], ['auto-bf16', bf16]] as const) {
        const f = path.join(dir, `${name}.c2m`);
        await saveMlp(m, f);
        expect(readFileSync(f).readUInt32LE(8)).toBe(4);
        const back = await loadMlp(f, { verify: true });
        try {
          const shape = (x: Mlp) => x.layers.map((l) => [l.format, l.precision, l.patterns, l.runs, l.nnz]);
          expect(shape(back)).toEqual(shape(m));
          const x = randomInput(m.inputSize, 2, 3);
          expect(Array.from(await runMlp(back, x))).toEqual(Array.from(await runMlp(m, x)));
        } finally {
          back.dispose();
        }
      }
    } finally {
      bf16.dispose();
    }
    const g = path.join(dir, 'csr.c2m');
    await saveMlp(csr, g);
    expect(readFileSync(g).readUInt32LE(8)).toBe(1);
  });

  it('loadMlp reads version 2 (fp32) and 3 (bf16) files, run-CSR values in row order, into the same matrices', async () => {
    const rcsr16 = await convert(model, { format: 'rcsr', precision: 'bf16' });
    try {
      for (const [version, m] of [[2, rcsr], [3, rcsr16]] as const) {
        const f = path.join(dir, `v${version}.c2m`);
        await saveMlp(m, f);
        const buf = readFileSync(f);
        // Rewrite as versions 2 and 3 wrote it: each layer's values section in row order (what
        // mlpReadRows returns; bf16: the top halves of those exact floats), its values checksum
        // (entry byte 96), the version and the header checksum (byte 72).
        const rows = readMlp(m);
        rows.forEach((l, li) => {
          const entry = 128 + 128 * li;
          const off = Number(buf.readBigUInt64LE(entry + 64));
          const f32 = new Uint8Array(l.values.buffer, l.values.byteOffset, l.values.byteLength);
          const bytes = version === 2 ? f32 : new Uint8Array(Uint16Array.from(new Uint32Array(l.values.buffer, l.values.byteOffset, l.values.length), (u) => u >>> 16).buffer);
          buf.set(bytes, off);
          buf.writeBigUInt64LE(xxhash64(bytes), entry + 96);
        });
        buf.writeUInt32LE(version, 8);
        buf.writeBigUInt64LE(0n, 72);
        buf.writeBigUInt64LE(xxhash64(buf.subarray(0, 128 + 128 * rows.length)), 72);
        writeFileSync(f, buf);
        const back = await loadMlp(f, { verify: true });
        try {
          const got = readMlp(back);
          const bytes = (a: Int32Array | Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
          got.forEach((l, li) => expect([bytes(l.colIdx).equals(bytes(rows[li].colIdx)), bytes(l.values).equals(bytes(rows[li].values))], `v${version} layer ${li}`).toEqual([true, true]));
          const x = randomInput(m.inputSize, 3, 4);
          expect(Array.from(await runMlp(back, x))).toEqual(Array.from(await runMlp(m, x)));
        } finally {
          back.dispose();
        }
      }
    } finally {
      rcsr16.dispose();
    }
  });

  it('loadMlp refuses a run index that reads past its row (ERR_BAD_FILE), checksums off', async () => {
    const f = path.join(dir, 'lying.c2m');
    await saveMlp(rcsr, f);
    const buf = readFileSync(f);
    // layer 0's entry: colIdxOffset at byte 80 of the entry (docs/mlp-format.md); the index section
    // is rowPat [rows], patPtr [patterns + 1], runs [2·runs]: make the first run one column longer.
    const entry = 128;
    const rows = Number(buf.readBigUInt64LE(entry)), patterns = Number(buf.readBigUInt64LE(entry + 40));
    const idx = Number(buf.readBigUInt64LE(entry + 80));
    const firstRunLen = idx + 4 * (rows + patterns + 1) + 4;
    buf.writeInt32LE(buf.readInt32LE(firstRunLen) + 1, firstRunLen);
    writeFileSync(f, buf);
    await expect(loadMlp(f, { verify: false })).rejects.toMatchObject({ code: 'ERR_BAD_FILE', message: expect.stringMatching(/run-CSR structure/) });
  });
});
