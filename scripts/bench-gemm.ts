/**
 * Batched dense GEMM (batch 32) through runMlpSync on single dense layers shaped like the seed's:
 * dense1 (6400 → 1024, 26 MB) and conv3 at stride 2 as a dense matrix (25600 → 6400, 655 MB),
 * on 1 and 2 threads, against the machine's measured FMA peak. Rounds alternate shapes and thread
 * counts in one process; prints wall-time medians and the median process CPU time per thread
 * (robust to time-slicing on a shared machine: it excludes the time other processes ran; on 2
 * threads it is the mean of the two, so it hides an imbalance that wall time shows).
 *
 *   npx tsx scripts/bench-gemm.ts [rounds=9] [batch=32]     (~1 GB; CNN2MLP_ISA=avx2 forces AVX2)
 */
import { loadavg } from 'node:os';
import { measureMachine } from '../src/machine.js';
import { native } from '../src/native.js';
import { Mlp } from '../src/mlp/mlp.js';
import { runMlpSync } from '../src/mlp/run.js';
import { lcgUniform } from '../src/util/random.js';

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e3;
};

async function main() {
  const rounds = Number(process.argv[2] ?? 9);
  const batch = Number(process.argv[3] ?? 32);
  const machine = await measureMachine({ quick: true });
  const peak = (t: number) => (t === 1 ? machine.fmaPeak.threads1 : machine.fmaPeak.threadsAll);
  console.log(
    `CPU ${machine.cpu.brand}, ISA ${machine.cpu.activeIsa}; FMA peak ${(peak(1) / 1e9).toFixed(0)} / ${(peak(2) / 1e9).toFixed(0)} GFLOP/s; ` +
      `load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
  );
  const shapes = [
    { name: 'dense1 6400→1024', H: 1, W: 1, cin: 6400, cout: 1024, k: 1, stride: 1 },
    { name: 'conv3 s2 dense 25600→6400', H: 20, W: 20, cin: 64, cout: 64, k: 3, stride: 2 },
  ];
  const cases: Array<{ name: string; mlp: Mlp; x: Float32Array; threads: number; flops: number; wall: number[]; cpu: number[] }> = [];
  for (const s of shapes) {
    const handle = await native().benchRandomConvMlp(s.H, s.W, s.cin, s.cout, s.k, s.stride, false, 7);
    const mlp = new Mlp(handle, { layout: 'NHWC', inputShape: [s.H, s.W, s.cin], outputShape: [s.cout] });
    const l = mlp.layers[0];
    const x = lcgUniform(batch * mlp.inputSize, 3);
    for (const threads of [1, 2]) cases.push({ name: s.name, mlp, x, threads, flops: 2 * l.rows * l.cols * batch, wall: [], cpu: [] });
  }
  for (let r = -1; r < rounds; r++)
    for (const c of cases) {
      const c0 = cpuMs();
      const t0 = performance.now();
      runMlpSync(c.mlp, c.x, { threads: c.threads });
      const wall = performance.now() - t0;
      const cpu = cpuMs() - c0;
      if (r >= 0) c.wall.push(wall), c.cpu.push(cpu);
    }
  for (const c of cases) {
    const w = median(c.wall), u = median(c.cpu);
    const g = (ms: number) => c.flops / (ms / 1e3) / 1e9;
    // Process CPU time over the threads: the mean per-thread time (hides imbalance, not time-slicing).
    const ut = u / c.threads;
    const cpuPart = `; CPU ${ut.toFixed(2)} ms per thread, ${g(ut).toFixed(1)} GFLOP/s = ${((100 * g(ut) * 1e9) / peak(c.threads)).toFixed(0)} %`;
    console.log(`${c.name} b${batch} t${c.threads}: wall ${w.toFixed(2)} ms, ${g(w).toFixed(1)} GFLOP/s = ${((100 * g(w) * 1e9) / peak(c.threads)).toFixed(0)} % of peak${cpuPart}`);
  }
  for (const m of new Set(cases.map((c) => c.mlp))) m.dispose();
  console.log(`load average after ${loadavg().map((l) => l.toFixed(2)).join(' ')} (medians of ${rounds} interleaved rounds)`);
}

await main();
