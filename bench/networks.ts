// Full-size network benchmark: npx tsx bench/networks.ts [--quick] [--json]
// MobileNetV2 (1.0, 224) and ResNet-18 with seeded random weights (src/bench/networks.ts), runCnn
// vs onnxruntime-node on the same graph (cnnToOnnx), batch 1 and 32 × threads 1 and 2; median and
// min of repeated runs, and each network's activation arena (compileCnn().memory). Figures are
// only meaningful on a quiet machine.
import { compileCnn, runCnn } from '../src/cnn/cnn.js';
import { mobileNetV2, resNet18 } from '../src/bench/networks.js';
import { ortCnn } from '../src/bench/peers/ort-cnn.js';
import { cpuInfo } from '../src/runtime.js';
import type { CnnModel } from '../src/model/types.js';

interface Row {
  network: string;
  batch: number;
  threads: number;
  ms: number;
  minMs: number;
  ortMs: number;
  ortMinMs: number;
}

async function time(f: () => Promise<unknown>, reps: number): Promise<{ median: number; min: number }> {
  await f();
  const t: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await f();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return { median: t[t.length >> 1], min: t[0] };
}

async function bench(model: CnnModel, quick: boolean): Promise<Row[]> {
  const rows: Row[] = [];
  const cnn = compileCnn(model);
  for (const batch of quick ? [1] : [1, 32])
    for (const threads of [1, 2]) {
      const x = new Float32Array(batch * cnn.inputSize).map((_, i) => Math.sin(i * 0.37));
      const ort = await ortCnn(model, threads);
      const reps = batch === 1 ? (quick ? 5 : 20) : quick ? 2 : 5;
      const a = await time(() => runCnn(cnn, x, { threads }), reps);
      const b = await time(() => ort.run(x, batch), reps);
      ort.dispose();
      rows.push({ network: model.name ?? '?', batch, threads, ms: a.median, minMs: a.min, ortMs: b.median, ortMinMs: b.min });
    }
  cnn.dispose();
  return rows;
}

async function main() {
  const args = new Set(process.argv.slice(2));
  const quick = args.has('--quick');
  const memory: Record<string, unknown> = {};
  const rows: Row[] = [];
  for (const model of [mobileNetV2(), resNet18()]) {
    const c = compileCnn(model);
    memory[model.name!] = c.memory;
    c.dispose();
    rows.push(...(await bench(model, quick)));
  }
  const cpu = cpuInfo();
  if (args.has('--json')) {
    process.stdout.write(JSON.stringify({ cpu, memory, rows }, null, 2) + '\n');
    return;
  }
  console.log(`${cpu.brand} (${cpu.logicalCores} logical cores), kernels: ${cpu.activeIsa}\n`);
  for (const [name, m] of Object.entries(memory)) console.log(`${name}: ${JSON.stringify(m)}`);
  console.log('\n| network | batch | threads | runCnn ms (median / min) | onnxruntime ms (median / min) | ort / runCnn (min) |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows)
    console.log(`| ${r.network} | ${r.batch} | ${r.threads} | ${r.ms.toFixed(2)} / ${r.minMs.toFixed(2)} | ${r.ortMs.toFixed(2)} / ${r.ortMinMs.toFixed(2)} | ${(r.ortMinMs / r.minMs).toFixed(2)}× |`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
