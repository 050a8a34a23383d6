// One full matrix stored dense and as run-CSR, far larger than the caches: which runs faster?
//   npx tsx bench/full-matrix-formats.ts [--batch 1] [--rows 4096] [--cols 8192] [--rounds 15]
// (CNN2MLP_ISA=avx2 forces the AVX2 kernels.) Rounds interleave the two forms in one process; prints
// medians per thread count with GB/s (batch 1: weight bytes / time) or GFLOP/s (batch > 1). This is
// the measurement behind format 'auto' keeping a full matrix dense (docs/run-csr.md).
import { loadavg } from 'node:os';
import { convert, cpuInfo, runMlp, type Mlp } from '../src/index.js';
import type { CnnModel } from '../src/model/types.js';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const rows = arg('rows', 4096), cols = arg('cols', 8192), batch = arg('batch', 1), rounds = arg('rounds', 15);
const median = (a: number[]) => [...a].sort((p, q) => p - q)[a.length >> 1];

const weights = Float32Array.from({ length: rows * cols }, (_, i) => ((i * 2654435761) % 1000) / 1000 - 0.5);
const model: CnnModel = { inputShape: [cols], layout: 'NHWC', layers: [{ type: 'dense', units: rows, weights }] };
const forms: Record<string, Mlp> = { dense: await convert(model, { format: 'dense' }), rcsr: await convert(model, { format: 'rcsr' }) };
const x = new Float32Array(cols * batch).fill(0.3);
const load0 = loadavg()[0];
console.log(`${cpuInfo().brand}, ${cpuInfo().activeIsa}; ${rows} × ${cols} (${(forms.dense.bytes / 1e6).toFixed(0)} MB), batch ${batch}, ${rounds} rounds`);
for (const threads of [1, 2]) {
  const samples: Record<string, number[]> = { dense: [], rcsr: [] };
  for (let r = 0; r < rounds; r++)
    for (const [name, mlp] of Object.entries(forms)) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < 5; i++) await runMlp(mlp, x, { threads, nonFinite: 'propagate' });
      samples[name].push(Number(process.hrtime.bigint() - t0) / 5e6);
    }
  const cells = Object.entries(forms).map(([name, mlp]) => {
    const ms = median(samples[name]);
    const rate = batch === 1 ? `${(mlp.bytes / ms / 1e6).toFixed(1)} GB/s` : `${((2 * rows * cols * batch) / ms / 1e6).toFixed(1)} GFLOP/s`;
    return `${name} ${ms.toFixed(2)} ms (${rate})`;
  });
  console.log(`  t${threads}: ${cells.join(' | ')} | dense ÷ rcsr ${(median(samples.dense) / median(samples.rcsr)).toFixed(2)}`);
}
console.log(`load average ${load0.toFixed(2)} → ${loadavg()[0].toFixed(2)}`);
for (const m of Object.values(forms)) m.dispose();
