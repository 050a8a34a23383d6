// Sparse MLP vs the direct CNN, side by side: npx tsx bench/sparse-vs-cnn.ts [--strides 2,3] [--rounds 15]
// Seed network, batch 1, threads 1 and 2, every ISA the CPU has (forced in-process with setIsa):
// runCnn, and runMlp of the CSR, run-CSR and 'auto' conversions, and of 'auto' with bf16 weights. Rounds interleave the engines
// (each round times every engine once, ~reps calls each) so load from other processes hits all
// of them alike; the table gives medians over rounds and each engine's ratio to the CNN.
import { convert, stats, type Mlp } from '../src/index.js';
import { cnnRunner, mlpRunner, type Runner } from '../src/bench/runner.js';
import { seedModel } from '../src/bench/workloads.js';
import { cpuInfo, setIsa } from '../src/runtime.js';
import { seededUniform } from '../src/util/random.js';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const strides = arg('strides', '2').split(',').map(Number) as (2 | 3)[];
const rounds = Number(arg('rounds', '15'));
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

async function perCall(r: Runner, x: Float32Array, reps: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < reps; i++) await r.run(x, 1);
  return Number(process.hrtime.bigint() - t0) / 1e6 / reps;
}

const cpu = cpuInfo();
console.log(`CPU ${cpu.brand}; ISAs ${cpu.supportedIsas.join(', ')}; ${rounds} interleaved rounds; batch 1`);
for (const stride of strides) {
  const { model } = seedModel(stride, 80);
  const x = seededUniform(model.inputShape.reduce((a, b) => a * b, 1), 7, 0, 1);
  const mlps: Record<string, Mlp> = {};
  for (const format of ['csr', 'rcsr', 'auto'] as const) mlps[format] = await convert(model, { format });
  mlps['auto-bf16'] = await convert(model, { format: 'auto', precision: 'bf16' });
  const sizes = Object.entries(mlps).map(([f, m]) => `${f} ${(m.bytes / 1e6).toFixed(1)} MB`).join(', ');
  console.log(`\nseed stride ${stride}: ${sizes}; auto layers ${stats(mlps.auto).layers.map((l) => l.format).join('/')}`);
  for (const isa of cpu.supportedIsas.filter((i) => i !== 'scalar')) {
    setIsa(isa);
    for (const threads of [1, 2]) {
      const runners: Record<string, Runner> = { cnn: cnnRunner(model, threads, { scanInput: false }) };
      for (const [f, m] of Object.entries(mlps)) runners[f] = mlpRunner(m, threads);
      const samples: Record<string, number[]> = Object.fromEntries(Object.keys(runners).map((k) => [k, []]));
      for (const r of Object.values(runners)) await perCall(r, x, 3); // warm-up
      for (let i = 0; i < rounds; i++) for (const [k, r] of Object.entries(runners)) samples[k].push(await perCall(r, x, k === 'cnn' ? 10 : 5));
      const cnn = median(samples.cnn);
      const cells = Object.keys(runners).map((k) => `${k} ${median(samples[k]).toFixed(3)} ms${k === 'cnn' ? '' : ` (${(median(samples[k]) / cnn).toFixed(2)}×)`}`);
      console.log(`  ${isa.padEnd(6)} t${threads}: ${cells.join(' | ')}`);
      runners.cnn.dispose();
    }
  }
  setIsa('auto');
  for (const m of Object.values(mlps)) m.dispose();
}
