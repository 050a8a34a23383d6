// What owning its input costs runCnn: the async run copies x into native memory at call time (so a
// transfer or resize of x while it runs is harmless). Compares a same-size copy into a fresh
// buffer (Float32Array.prototype.set: a memcpy plus first-touch page faults, like the native copy)
// with one runCnn of the seed network (stride 2) at batch 64, all threads.
// Usage: npx tsx bench/input-copy.ts
import { compileCnn, cpuInfo, runCnn, seedNetwork } from '../src/index.js';

const median = (a: number[]) => [...a].sort((p, q) => p - q)[a.length >> 1];
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

const cnn = compileCnn(seedNetwork({ stride: 2, seed: 1 }));
const x = new Float32Array(64 * cnn.inputSize).fill(0.5);
const copies: number[] = [];
for (let k = 0; k < 60; k++) {
  const t0 = process.hrtime.bigint();
  new Float32Array(x.length).set(x);
  if (k >= 10) copies.push(ms(t0));
}
const runs: number[] = [];
for (let k = 0; k < 8; k++) {
  const t0 = process.hrtime.bigint();
  await runCnn(cnn, x, { nonFinite: 'propagate' });
  if (k >= 1) runs.push(ms(t0));
}
const c = cpuInfo();
const copy = median(copies);
const run = median(runs);
console.log(
  `${c.brand}, ${c.logicalCores} threads, ${c.activeIsa}: input copy ${(x.byteLength / 2 ** 20).toFixed(1)} MiB ${copy.toFixed(2)} ms ` +
    `vs runCnn seed stride 2 batch 64 ${run.toFixed(1)} ms (median): ${((100 * copy) / run).toFixed(2)}%`,
);
cnn.dispose();
