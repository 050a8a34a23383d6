// Per-layer speed of the seed network's MLP layers: npx tsx bench/run-csr-layers.ts [--stride 2] [--rounds 9] [--precision f32|bf16]
// Each layer is converted alone (a one-layer model over its input shape) in the format 'auto'
// picks for it, then timed with runMlp at batch 1, threads 1 and 2, on every ISA the CPU has.
// Rounds interleave the layers; the table gives medians (and minima: what the code reaches when
// other processes leave it the core) and the weight bytes streamed per second at the median.
import { convert, runMlp, stats, type Mlp } from '../src/index.js';
import { seedNetwork } from '../src/model/seed.js';
import type { CnnModel } from '../src/index.js';
import { cpuInfo, setIsa } from '../src/runtime.js';
import { seededUniform } from '../src/util/random.js';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const stride = Number(arg('stride', '2')) as 2 | 3;
const rounds = Number(arg('rounds', '9'));
const precision = arg('precision', 'f32') as 'f32' | 'bf16';
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

const model = seedNetwork({ stride, seed: stride });
// One-layer models: each weighted layer over the shape it receives.
const parts: { name: string; model: CnnModel }[] = [];
let shape = model.inputShape;
for (let i = 0; i < model.layers.length; i++) {
  const layer = model.layers[i];
  if (layer.type === 'flatten') {
    shape = [shape.reduce((a, b) => a * b, 1)];
    continue;
  }
  parts.push({ name: layer.name ?? `layer${i}`, model: { layout: 'NHWC', inputShape: shape, layers: [layer] } });
  if (layer.type === 'conv2d') {
    const s = layer.strides?.[0] ?? 1;
    shape = [Math.ceil(shape[0] / s), Math.ceil(shape[1] / s), layer.filters];
  } else if (layer.type === 'dense') shape = [layer.units];
}

const cpu = cpuInfo();
console.log(`CPU ${cpu.brand}; ISAs ${cpu.supportedIsas.join(', ')}; seed stride ${stride}; ${precision}; ${rounds} interleaved rounds; batch 1`);
const mlps: Mlp[] = [];
for (const p of parts) {
  const m = await convert(p.model, { format: 'auto', ...(precision === 'bf16' ? { precision: 'bf16' as const } : {}) });
  mlps.push(m);
  const l = stats(m).layers[0];
  console.log(`  ${p.name}: ${l.format} ${m.layers[0].rows}×${m.layers[0].cols}, ${(m.bytes / 1e6).toFixed(2)} MB`);
}
const inputs = mlps.map((m) => seededUniform(m.inputSize, 7, 0, 1));
for (const isa of cpu.supportedIsas.filter((i) => i !== 'scalar')) {
  setIsa(isa);
  for (const threads of [1, 2]) {
    const samples = mlps.map(() => [] as number[]);
    for (let r = 0; r <= rounds; r++)
      for (let i = 0; i < mlps.length; i++) {
        const reps = 8;
        const t0 = process.hrtime.bigint();
        for (let k = 0; k < reps; k++) await runMlp(mlps[i], inputs[i], { threads });
        if (r > 0) samples[i].push(Number(process.hrtime.bigint() - t0) / 1e6 / reps);
      }
    const cells = mlps.map((m, i) => {
      const med = median(samples[i]), min = Math.min(...samples[i]);
      return `${parts[i].name} ${med.toFixed(3)} ms ${(m.bytes / 1e6 / med).toFixed(1)} GB/s (min ${min.toFixed(3)} ms ${(m.bytes / 1e6 / min).toFixed(1)} GB/s)`;
    });
    console.log(`  ${isa.padEnd(6)} t${threads}: ${cells.join(' | ')}`);
  }
}
setIsa('auto');
for (const m of mlps) m.dispose();
