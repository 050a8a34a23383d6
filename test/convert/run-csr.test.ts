// Run-CSR and format 'auto' end to end on the seed network at stride 3: what each layer is stored
// as and why (stats), the byte formula of docs/run-csr.md, runMlp against the CSR MLP at batch 1
// and 5 (different kernels, the same matrix), and the .c2m round trip (version 3 only when a
// run-CSR layer is present; a version 2 file, run-CSR values in row order, still loads; a lying run
// index is refused).
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

  it('saveMlp/loadMlp keep the format; version 1 without run-CSR layers, 3 with', async () => {
    const f = path.join(dir, 'auto.c2m');
    await saveMlp(auto, f);
    expect(readFileSync(f).readUInt32LE(8)).toBe(3);
    const back = await loadMlp(f, { verify: true });
    try {
      expect(back.layers.map((l) => [l.format, l.patterns, l.runs, l.nnz])).toEqual(auto.layers.map((l) => [l.format, l.patterns, l.runs, l.nnz]));
      const x = randomInput(auto.inputSize, 2, 3);
      expect(Array.from(await runMlp(back, x))).toEqual(Array.from(await runMlp(auto, x)));
    } finally {
      back.dispose();
    }
    const g = path.join(dir, 'csr.c2m');
    await saveMlp(csr, g);
    expect(readFileSync(g).readUInt32LE(8)).toBe(1);
  });

  it('loadMlp reads a version 2 file (run-CSR values in row order) into the same matrices', async () => {
    const f = path.join(dir, 'v2.c2m');
    await saveMlp(rcsr, f);
    const buf = readFileSync(f);
    // Rewrite as version 2 wrote it: each layer's values section in row order (what mlpReadRows
    // returns), its values checksum (entry byte 96), the version and the header checksum (byte 72).
    const rows = readMlp(rcsr);
    rows.forEach((l, li) => {
      const entry = 128 + 128 * li;
      const off = Number(buf.readBigUInt64LE(entry + 64));
      const bytes = new Uint8Array(l.values.buffer, l.values.byteOffset, l.values.byteLength);
      buf.set(bytes, off);
      buf.writeBigUInt64LE(xxhash64(bytes), entry + 96);
    });
    buf.writeUInt32LE(2, 8);
    buf.writeBigUInt64LE(0n, 72);
    buf.writeBigUInt64LE(xxhash64(buf.subarray(0, 128 + 128 * rows.length)), 72);
    writeFileSync(f, buf);
    const back = await loadMlp(f, { verify: true });
    try {
      const got = readMlp(back);
      const bytes = (a: Int32Array | Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
      got.forEach((l, li) => expect([bytes(l.colIdx).equals(bytes(rows[li].colIdx)), bytes(l.values).equals(bytes(rows[li].values))], `layer ${li}`).toEqual([true, true]));
      const x = randomInput(rcsr.inputSize, 3, 4);
      expect(Array.from(await runMlp(back, x))).toEqual(Array.from(await runMlp(rcsr, x)));
    } finally {
      back.dispose();
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
