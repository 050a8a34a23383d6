/**
 * bf16 vs fp32 dense GEMV on the seed network's dense MLP (stride 3: 2.3 GB fp32, 1.15 GB bf16),
 * batch 1, on 1 and 2 threads. Runs alternate fp32 / bf16 in one process (a shared machine's load
 * hits both alike); prints medians, the ratio, the read bandwidth each reached, the load average
 * and the largest output difference.
 *
 *   npx tsx scripts/bench-bf16.ts [rounds=15]   (needs ~3.5 GB free; check `free -g` first)
 */
import { loadavg } from 'node:os';
import { convert, cpuInfo, runMlpSync, seedNetwork } from '../src/index.js';
import { randomInput } from '../test/support/random-cnn.js';

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

async function main() {
  const rounds = Number(process.argv[2] ?? 15);
  const model = seedNetwork({ stride: 3, seed: 1 });
  const f32 = await convert(model, { format: 'dense' });
  const bf16 = await convert(model, { format: 'dense', precision: 'bf16' });
  const cpu = cpuInfo();
  console.log(`CPU ${cpu.brand}, ISA ${cpu.activeIsa}; kernels ${cpu.kernels.filter((k) => k.includes('gemv')).join(', ')}`);
  console.log(`bytes: fp32 ${(f32.bytes / 1e9).toFixed(3)} GB, bf16 ${(bf16.bytes / 1e9).toFixed(3)} GB; load average before ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const x = randomInput(f32.inputSize, 1, 5);
  let maxDiff = 0;
  {
    const a = runMlpSync(f32, x), b = runMlpSync(bf16, x);
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
  }
  for (const threads of [1, 2]) {
    const t: Record<'f32' | 'bf16', number[]> = { f32: [], bf16: [] };
    for (let r = -2; r < rounds; r++)
      for (const [k, m] of [['f32', f32], ['bf16', bf16]] as const) {
        const t0 = performance.now();
        runMlpSync(m, x, { threads });
        if (r >= 0) t[k].push(performance.now() - t0);
      }
    const a = median(t.f32), b = median(t.bf16);
    console.log(
      `threads ${threads}: fp32 ${a.toFixed(1)} ms (${(f32.bytes / a / 1e6).toFixed(1)} GB/s), bf16 ${b.toFixed(1)} ms (${(bf16.bytes / b / 1e6).toFixed(1)} GB/s): ` +
        `bf16 ${(a / b).toFixed(2)}× the fp32 speed (medians of ${rounds}, interleaved)`,
    );
  }
  console.log(`max |bf16 − fp32| output difference ${maxDiff.toExponential(2)}; load average after ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  f32.dispose();
  bf16.dispose();
}

await main();
