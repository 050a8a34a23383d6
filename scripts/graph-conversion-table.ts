/**
 * The graph-conversion table: model × format × (nonzeros, carry nonzeros, bytes, convert time,
 * max |runMlp − reference|). Rows: the benchmark networks at input SIDE×SIDE (reference: runCnn),
 * then each PyTorch fixture's TorchScript export when test/fixtures/pytorch is present
 * (reference: PyTorch's saved output). Dense is built where it fits LIMIT, else only its size is
 * given. Usage: npx tsx scripts/graph-conversion-table.ts [SIDE]
 */
import fs from 'node:fs';
import path from 'node:path';
import { convert, cpuInfo, runCnn, runMlp, stats, type CnnModel } from '../src/index.js';
import { loadOnnx } from '../src/formats/onnx.js';
import { mobileNetV2, resNet18, uNet } from '../src/bench/networks.js';
import { mulberry32 } from '../src/util/random.js';
import { readNpy } from '../test/support/npy.js';

const side = Number(process.argv[2] ?? 32);
const LIMIT = 2e9;
const FIXTURES = path.join(import.meta.dirname, '../test/fixtures/pytorch');
const fmt = (n: number) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)} G` : n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : String(n));

async function rows(label: string, model: CnnModel, x: Float32Array, want: ArrayLike<number>): Promise<void> {
  let st;
  try {
    st = stats(model);
  } catch (e) {
    console.log(`| ${label} | — | refused: ${(e as Error).message} | | | | |`);
    return;
  }
  for (const format of ['dense', 'csr'] as const) {
    const t = st[format].totals;
    const row = [label, format, fmt(t.nonzeros), fmt(t.carryNonzeros ?? 0), `${fmt(t.bytes)}B`];
    if (t.bytes > LIMIT) {
      console.log(`| ${row.join(' | ')} | (over ${fmt(LIMIT)}B: not built) | |`);
      continue;
    }
    const t0 = performance.now();
    const mlp = await convert(model, { format, maxBytes: LIMIT });
    const secs = (performance.now() - t0) / 1000;
    const got = await runMlp(mlp, x);
    mlp.dispose();
    let err = 0;
    for (let i = 0; i < got.length; i++) err = Math.max(err, Math.abs(got[i] - want[i]));
    console.log(`| ${row.join(' | ')} | ${secs.toFixed(2)} | ${err.toExponential(1)} |`);
  }
}

console.log(`CPU ${cpuInfo().brand}, ISA ${cpuInfo().activeIsa}; networks at ${side}×${side}, batch 2`);
console.log('| model | format | nonzeros | carry nonzeros | bytes | convert s | max error |\n|---|---|---|---|---|---|---|');
for (const net of [resNet18(), mobileNetV2(), uNet(side)]) {
  const model = { ...net, inputShape: [3, side, side] };
  const r = mulberry32(7);
  const x = Float32Array.from({ length: 2 * 3 * side * side }, () => r() * 2 - 1);
  await rows(`${net.name} ${side}`, model, x, await runCnn(model, x));
}
if (fs.existsSync(path.join(FIXTURES, 'index.json'))) {
  const index = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'index.json'), 'utf8')) as { models: { name: string }[] };
  for (const { name } of index.models) {
    const x = readNpy(path.join(FIXTURES, name, 'input.npy'));
    const y = readNpy(path.join(FIXTURES, name, 'output.npy'));
    await rows(`pytorch ${name}`, loadOnnx(path.join(FIXTURES, name, 'torchscript.onnx')), x.data, y.data);
  }
}
