/**
 * Heavy check (not a test): exportOnnx on an MLP larger than 2 GiB.
 * The seed network's first convolution (stride 2, 80×80×3 → 40×40×32, 'same') converted to a dense
 * layer is a 51200 × 19200 float32 matrix, 3.93 GB: beyond protobuf's 2 GiB, so its weights must go
 * to ONNX external data, streamed from native memory in row chunks. The script converts it, runs
 * runMlp and runCnn on a few samples, exports, frees the MLP, loads the file in onnxruntime-node
 * and compares.
 *
 *   npx tsx scripts/export-large-onnx.ts [outDir] [--keep]
 *
 * Needs ~4 GB for the MLP, then (after it is freed) ~4 GB for onnxruntime, and 4 GB of disk.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { convert, exportOnnx, runCnn, seedNetwork } from '../src/index.js';
import { runMlp } from '../src/mlp/run.js';
import type { CnnModel } from '../src/model/types.js';

const args = process.argv.slice(2);
const keep = args.includes('--keep');
const outDir = fs.mkdtempSync(path.join(args.find((a) => !a.startsWith('--')) ?? os.tmpdir(), 'cnn2mlp-large-onnx-'));
const file = path.join(outDir, 'seed-conv1-dense.onnx');
const gb = (b: number) => `${(b / 1e9).toFixed(3)} GB`;
const secs = (t: number) => `${((performance.now() - t) / 1000).toFixed(1)} s`;
const rss = () => gb(process.memoryUsage().rss);

const seed = seedNetwork({ stride: 2, seed: 1 });
const model: CnnModel = { ...seed, name: 'seed-stride2-conv1', layers: [seed.layers[0]] };
const batch = 3;
const input = new Float32Array(batch * 80 * 80 * 3);
for (let k = 0; k < input.length; k++) input[k] = Math.sin(k * 0.37) * 0.5 + 0.5;

try {
  let t = performance.now();
  const mlp = await convert(model, { format: 'dense' });
  console.log(`convert: ${mlp.layers.map((l) => `${l.rows}×${l.cols}`).join(', ')}, ${gb(mlp.bytes)} native, ${secs(t)}, rss ${rss()}`);
  const viaMlp = await runMlp(mlp, input);
  const viaCnn = await runCnn(model, input);
  t = performance.now();
  await exportOnnx(mlp, file, { shape: 'flat' });
  console.log(`exportOnnx: ${secs(t)}, rss ${rss()}`);
  mlp.dispose();
  const modelBytes = fs.statSync(file).size;
  const dataFile = fs.readdirSync(path.dirname(file)).find((f) => f.startsWith(`${path.basename(file)}.`) && f.endsWith('.data'));
  const dataBytes = dataFile ? fs.statSync(path.join(path.dirname(file), dataFile)).size : 0;
  console.log(`files: model ${modelBytes} bytes, external data ${gb(dataBytes)}`);
  if (dataBytes <= 2 ** 31) throw new Error('expected more than 2 GiB of external data');

  t = performance.now();
  // No prepacking: onnxruntime would otherwise hold a second packed copy of the 3.9 GB matrix.
  const session = await ort.InferenceSession.create(file, { graphOptimizationLevel: 'basic', extra: { session: { disable_prepacking: '1' } } });
  console.log(`onnxruntime load: ${secs(t)}, rss ${rss()}`);
  t = performance.now();
  const res = await session.run({ input: new ort.Tensor('float32', input, [batch, 19200]) });
  console.log(`onnxruntime run (batch ${batch}): ${secs(t)}`);
  const viaOrt = res.output.data as Float32Array;
  await session.release();
  // Tolerance: each output sums 27 nonzero products (a 3×3×3 window; the other 19173 weights are
  // exactly zero), so float32 results differ by ~sqrt(27)·6e-8·Σ|terms| ≲ 1e-6; atol 1e-5 + rtol 1e-5.
  let worstMlp = 0;
  let worstCnn = 0;
  let bad = 0;
  for (let k = 0; k < viaOrt.length; k++) {
    const dm = Math.abs(viaOrt[k] - viaMlp[k]);
    const dc = Math.abs(viaOrt[k] - viaCnn[k]);
    worstMlp = Math.max(worstMlp, dm);
    worstCnn = Math.max(worstCnn, dc);
    if (!(dm <= 1e-5 + 1e-5 * Math.abs(viaMlp[k]))) bad++;
  }
  console.log(`max |onnxruntime − runMlp| = ${worstMlp.toExponential(2)}, max |onnxruntime − runCnn| = ${worstCnn.toExponential(2)} over ${viaOrt.length} outputs`);
  if (bad > 0 || viaOrt.length !== batch * 51200) {
    console.error(`FAIL: ${bad} outputs out of tolerance`);
    process.exitCode = 1;
  } else console.log('OK: the > 2 GiB exported ONNX model agrees with runMlp and runCnn');
} finally {
  if (!keep) fs.rmSync(outDir, { recursive: true, force: true });
  else console.log(`kept ${outDir}`);
}
