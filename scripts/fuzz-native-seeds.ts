/** Writes seed inputs for native/fuzz/mlp_file_fuzz.cc: mode byte (bit 0 fix checksums, bit 1 verify) + a saveMlp file. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as api from '../src/index.js';

const outDir = process.argv[2];
fs.mkdirSync(outDir, { recursive: true });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cnn2mlp-seeds-'));
const mlps = {
  dense: api.mlpFromLayers(5, [
    { format: 'dense', rows: 4, cols: 5, values: Float32Array.from({ length: 20 }, (_, k) => k / 10 - 1), activation: 'relu' },
    { format: 'dense', rows: 3, cols: 4, values: Float32Array.from({ length: 12 }, (_, k) => k / 7), activation: 'softmax' },
  ]),
  csr: api.mlpFromLayers(6, [
    { format: 'csr', rows: 3, cols: 6, rowPtr: [0, 2, 2, 5], colIdx: Int32Array.from([0, 4, 1, 2, 5]), values: Float32Array.from([1, -2, 3, 0.5, 4]), activation: 'tanh' },
    { format: 'dense', rows: 2, cols: 3, values: Float32Array.from([1, 2, 3, 4, 5, 6]) },
  ]),
  bf16: api.mlpFromLayers(
    5,
    [
      { format: 'dense', rows: 6, cols: 5, values: Float32Array.from({ length: 30 }, (_, k) => Math.sin(k) * 1.7), activation: 'relu' },
      { format: 'dense', rows: 2, cols: 6, values: Float32Array.from({ length: 12 }, (_, k) => k / 3 - 2), activation: 'softmax' },
    ],
    { precision: 'bf16' },
  ),
};
// run-CSR: a small padded conv (clipped patterns, rows sharing a pattern)
const conv = { layout: 'NHWC' as const, inputShape: [3, 4, 2], layers: [{ type: 'conv2d' as const, filters: 18, kernelSize: [3, 3] as [number, number], padding: 'same' as const, weights: Float32Array.from({ length: 324 }, (_, k) => (k % 7) / 7 - 0.4), bias: new Float32Array(18), activation: 'relu' as const }] };
Object.assign(mlps, { rcsr: await api.convert(conv, { format: 'rcsr' }) });
for (const [name, m] of Object.entries(mlps)) {
  const f = path.join(tmp, `${name}.mlp`);
  await api.saveMlp(m, f);
  const bytes = fs.readFileSync(f);
  for (const mode of [0, 1, 2, 3]) fs.writeFileSync(path.join(outDir, `seed-${name}-${mode}`), Buffer.concat([Buffer.from([mode]), bytes]));
  m.dispose();
}
fs.rmSync(tmp, { recursive: true, force: true });
console.log(`seeds in ${outDir}`);
