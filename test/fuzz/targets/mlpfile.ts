/** loadMlp on mutated saveMlp files (dense, CSR, bf16 and run-CSR); loaded MLPs are run. */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import * as api from '../../../src/index.js';
// The header hash is recomputed (half the time) so mutations reach the layer table checks.
import { xxhash64 } from '../../support/xxhash64.js';
import { byteMutation, mutateBytes, type ByteMutation } from './mutate.js';
import type { FuzzTarget } from './target.js';

let mlpFiles: Uint8Array[] = [];

export interface MlpFileCase {
  base: number;
  bytes: ByteMutation[];
  verify: boolean;
  fixHeader: boolean;
}


function refreshHeaderHash(b: Uint8Array): void {
  if (b.length < 128) return;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const headerBytes = dv.getUint32(12, true);
  if (headerBytes < 128 || headerBytes > b.length) return;
  const head = Uint8Array.from(b.subarray(0, headerBytes));
  head.fill(0, 72, 80);
  const h = xxhash64(head);
  dv.setBigUint64(72, h, true);
}

export const mlpFileTarget: FuzzTarget<MlpFileCase> = {
  describe: 'loadMlp(path) (verify on/off) on mutated saveMlp files (dense, CSR, bf16 dense with CSR, and run-CSR), with the header checksum recomputed half the time so lying sizes/offsets reach the table checks; loaded MLPs are run',
  async setup(dir) {
    const dense = api.mlpFromLayers(5, [
      { format: 'dense', rows: 4, cols: 5, values: Float32Array.from({ length: 20 }, (_, k) => k / 10 - 1), activation: 'relu' },
      { format: 'dense', rows: 3, cols: 4, values: Float32Array.from({ length: 12 }, (_, k) => k / 7), activation: 'softmax' },
    ]);
    const csr = api.mlpFromLayers(6, [
      { format: 'csr', rows: 3, cols: 6, rowPtr: [0, 2, 2, 5], colIdx: Int32Array.from([0, 4, 1, 2, 5]), values: Float32Array.from([1, -2, 3, 0.5, 4]), bias: Float32Array.from([0.1, 0.2, 0.3]), activation: 'tanh' },
    ]);
    // version 3: a bf16 dense layer, an fp32 CSR layer and a bf16 softmax layer
    const bf16 = api.mlpFromLayers(
      5,
      [
        { format: 'dense', rows: 6, cols: 5, values: Float32Array.from({ length: 30 }, (_, k) => Math.sin(k) * 1.7), activation: 'relu' },
        { format: 'csr', rows: 3, cols: 6, rowPtr: [0, 2, 2, 5], colIdx: Int32Array.from([0, 4, 1, 2, 5]), values: Float32Array.from([1, -2, 3, 0.5, 4]) },
        { format: 'dense', rows: 2, cols: 3, values: Float32Array.from([0.3, -1.1, 2.5, 1e-3, 7, -0.25]), activation: 'softmax' },
      ],
      { precision: 'bf16' },
    );
    // run-CSR: a small padded conv (clipped patterns, value chunks of 16 + 2 rows sharing a pattern).
    const rcsr = await api.convert(
      {
        layout: 'NHWC',
        inputShape: [3, 4, 2],
        layers: [{ type: 'conv2d', filters: 18, kernelSize: [3, 3], padding: 'same', weights: Float32Array.from({ length: 3 * 3 * 2 * 18 }, (_, k) => (k % 7) / 7 - 0.4), bias: new Float32Array(18), activation: 'relu' }],
      },
      { format: 'rcsr' },
    );
    for (const [k, m] of [dense, csr, bf16, rcsr].entries()) {
      const f = path.join(dir, `base${k}.mlp`);
      await api.saveMlp(m, f);
      m.dispose();
      mlpFiles.push(fs.readFileSync(f));
      const back = await api.loadMlp(f);
      await api.runMlp(back, new Float32Array(back.inputSize));
      back.dispose();
    }
  },
  arb: fc.record({ base: fc.integer({ min: 0, max: 3 }), bytes: fc.array(byteMutation, { minLength: 1, maxLength: 3 }), verify: fc.boolean(), fixHeader: fc.boolean() }),
  async run(c, dir, index) {
    const b = mutateBytes(mlpFiles[c.base], c.bytes);
    if (c.fixHeader) refreshHeaderHash(b);
    const f = path.join(dir, `m${index}.mlp`);
    fs.writeFileSync(f, b);
    try {
      const mlp = await api.loadMlp(f, { verify: c.verify });
      try {
        const y = await api.runMlp(mlp, new Float32Array(mlp.inputSize * 2).fill(0.5), { nonFinite: 'propagate' });
        if (y.length !== mlp.outputSize * 2) throw new Error(`runMlp returned ${y.length} values for 2 × ${mlp.outputSize}`);
      } finally {
        mlp.dispose();
      }
      return 'loaded';
    } finally {
      fs.rmSync(f, { force: true });
    }
  },
};
