/**
 * Memory soak: N cycles of compile → runCnn → convert (alternating CSR/dense) → runMlp →
 * (every 10th) saveMlp + loadMlp + runMlp → dispose everything, sampling RSS as it goes.
 * A leak of one converted MLP per cycle would add ~`mlpBytes` per cycle; the curve should be flat
 * after warm-up. Usage:
 *   node --expose-gc --import tsx scripts/memory-soak.ts [--cycles 10000] [--json bench/results/memory-soak.json]
 * Prints a small table and `SOAK-RESULT {json}`; writes the JSON when --json is given.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as api from '../src/index.js';
import type { CnnModel } from '../src/model/types.js';

const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : def;
};
const cycles = Number(opt('cycles', '10000'));
const jsonOut = opt('json', '');
const gc = (globalThis as { gc?: () => void }).gc;

const r = (n: number, s: number) => Float32Array.from({ length: n }, (_, k) => Math.sin(k * 0.37 + s) * 0.2);
// Converts to ~0.5 MB (csr) / ~2 MB (dense): a leaked MLP per cycle would be unmistakable.
const model: CnnModel = {
  layout: 'NHWC',
  inputShape: [12, 12, 4],
  layers: [
    { type: 'conv2d', filters: 8, kernelSize: [3, 3], padding: 'same', weights: r(3 * 3 * 4 * 8, 1), bias: r(8, 2), activation: 'relu' },
    { type: 'avgPool2d', poolSize: [2, 2] },
    { type: 'flatten' },
    { type: 'dense', units: 16, weights: r(6 * 6 * 8 * 16, 3), activation: 'tanh' },
  ],
};
const x = r(12 * 12 * 4 * 2, 9);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnn2mlp-soak-'));
const file = path.join(dir, 'm.mlp');
const rss = () => process.memoryUsage.rss() / 2 ** 20;

const samples: { cycle: number; rssMb: number; heapMb: number; externalMb: number }[] = [];
const sample = (cycle: number) => {
  gc?.();
  const m = process.memoryUsage();
  samples.push({ cycle, rssMb: m.rss / 2 ** 20, heapMb: m.heapUsed / 2 ** 20, externalMb: (m.external + m.arrayBuffers) / 2 ** 20 });
};
const every = Math.max(1, Math.floor(cycles / 20));
let mlpBytes = 0;
const t0 = Date.now();
sample(0);
for (let c = 1; c <= cycles; c++) {
  const cnn = api.compileCnn(model);
  const ref = await api.runCnn(cnn, x, { threads: 1 });
  cnn.dispose();
  const mlp = await api.convert(model, { format: c % 2 ? 'csr' : 'dense', threads: 1 });
  mlpBytes = Math.max(mlpBytes, mlp.bytes);
  const y = await api.runMlp(mlp, x, { threads: 1 });
  if (c % 10 === 0) {
    await api.saveMlp(mlp, file);
    const back = await api.loadMlp(file);
    await api.runMlp(back, x, { threads: 1 });
    back.dispose();
  }
  mlp.dispose();
  // Cheap sanity that the cycles do real work: the MLP equals the CNN (float32 sums of ≤ 288 terms).
  if (Math.abs(y[0] - ref[0]) > 1e-4) throw new Error(`cycle ${c}: MLP ${y[0]} != CNN ${ref[0]}`);
  if (c % every === 0 || c === cycles) sample(c);
}
fs.rmSync(dir, { recursive: true, force: true });
const seconds = (Date.now() - t0) / 1000;
const warm = samples.find((s) => s.cycle >= cycles / 5) ?? samples[0];
const last = samples[samples.length - 1];
const result = {
  cycles,
  seconds,
  gc: Boolean(gc),
  mlpBytes,
  startRssMb: samples[0].rssMb,
  warmCycle: warm.cycle,
  warmRssMb: warm.rssMb,
  endRssMb: last.rssMb,
  peakRssMb: process.resourceUsage().maxRSS / 1024,
  growthAfterWarmMb: last.rssMb - warm.rssMb,
  leakIfOneMlpPerCycleMb: ((cycles - warm.cycle) * mlpBytes) / 2 ** 20,
  samples,
};
console.log('cycle      RSS MB   heap MB   external MB');
for (const s of samples) console.log(`${String(s.cycle).padStart(6)} ${s.rssMb.toFixed(1).padStart(9)} ${s.heapMb.toFixed(1).padStart(9)} ${s.externalMb.toFixed(1).padStart(13)}`);
console.log(`${cycles} cycles in ${seconds.toFixed(1)} s; RSS ${result.startRssMb.toFixed(1)} → ${result.warmRssMb.toFixed(1)} (cycle ${warm.cycle}) → ${result.endRssMb.toFixed(1)} MB; a leak of one MLP per cycle would add ${result.leakIfOneMlpPerCycleMb.toFixed(0)} MB`);
if (jsonOut) {
  fs.mkdirSync(path.dirname(jsonOut), { recursive: true });
  fs.writeFileSync(jsonOut, JSON.stringify(result, null, 2));
}
console.log(`SOAK-RESULT ${JSON.stringify({ ...result, samples: undefined })}`);
