/**
 * The graph-conversion table: model × format × (nonzeros, carry nonzeros, bytes, convert time,
 * max |runMlp − runCnn|) for the benchmark networks at a reduced input side (dense where it fits
 * the 2 GB budget below, else its estimate). Usage: npx tsx scripts/graph-conversion-table.ts [SIDE]
 */
import { convert, cpuInfo, runCnn, runMlp, stats, type CnnModel } from '../src/index.js';
import { mobileNetV2, resNet18, uNet } from '../src/bench/networks.js';
import { mulberry32 } from '../src/util/random.js';

const side = Number(process.argv[2] ?? 32);
const LIMIT = 2e9;
const models: CnnModel[] = [resNet18(), mobileNetV2(), uNet(side)].map((m) => ({ ...m, inputShape: [3, side, side] }));
const fmt = (n: number) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)} G` : n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : String(n));
console.log(`CPU ${cpuInfo().brand} ISA ${cpuInfo().activeIsa}, input ${side}×${side}, batch 2`);
console.log('| model | format | nonzeros | carry nonzeros | bytes | convert s | max error |\n|---|---|---|---|---|---|---|');
for (const model of models) {
  const st = stats(model);
  const r = mulberry32(7);
  const x = Float32Array.from({ length: 2 * 3 * side * side }, () => r() * 2 - 1);
  const want = await runCnn(model, x);
  for (const format of ['dense', 'csr'] as const) {
    const t = st[format].totals;
    const row = [model.name, format, fmt(t.nonzeros), fmt(t.carryNonzeros ?? 0), `${fmt(t.bytes)}B`];
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
