/**
 * The MLP file with bf16 layers against fp32, on the seed network's dense MLP (stride 3: 2.3 GB
 * fp32, 1.15 GB bf16): file bytes, saveMlp time, loadMlp time with verify on (every section
 * hashed, from the page cache) and off, alternating fp32 / bf16 in one process; then checks the
 * loaded bf16 MLP gives the saved one's outputs to the bit. Prints medians and the load average.
 *
 *   npx tsx scripts/bench-bf16-file.ts [rounds=5] [dir=os.tmpdir()]   (needs ~7 GB free memory + disk)
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { convert, cpuInfo, loadMlp, runMlpSync, saveMlp, seedNetwork, type Mlp } from '../src/index.js';
import { randomInput } from '../test/support/random-cnn.js';

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await f();
  return [v, performance.now() - t0];
}

async function main() {
  const rounds = Number(process.argv[2] ?? 5);
  const dir = mkdtempSync(path.join(process.argv[3] ?? tmpdir(), 'cnn2mlp-bf16-file-'));
  const model = seedNetwork({ stride: 3, seed: 1 });
  const mlps: Record<'f32' | 'bf16', Mlp> = { f32: await convert(model, { format: 'dense' }), bf16: await convert(model, { format: 'dense', precision: 'bf16' }) };
  const cpu = cpuInfo();
  console.log(`CPU ${cpu.brand}, ISA ${cpu.activeIsa}, ${cpu.logicalCores} logical cores; load average before ${load()}`);
  const t = { save: { f32: [] as number[], bf16: [] as number[] }, verify: { f32: [] as number[], bf16: [] as number[] }, lazy: { f32: [] as number[], bf16: [] as number[] } };
  const file = (k: string) => path.join(dir, `${k}.c2m`);
  try {
    for (let r = 0; r < rounds; r++)
      for (const k of ['f32', 'bf16'] as const) {
        t.save[k].push((await timed(() => saveMlp(mlps[k], file(k))))[1]);
        for (const [mode, verify] of [['verify', true], ['lazy', false]] as const) {
          const [m, ms] = await timed(() => loadMlp(file(k), { verify }));
          m.dispose();
          t[mode][k].push(ms);
        }
      }
    for (const k of ['f32', 'bf16'] as const)
      console.log(
        `${k.padEnd(4)}: file ${(statSync(file(k)).size / 1e9).toFixed(3)} GB; saveMlp ${median(t.save[k]).toFixed(0)} ms, ` +
          `loadMlp verify ${median(t.verify[k]).toFixed(0)} ms, verify: false ${median(t.lazy[k]).toFixed(1)} ms (medians of ${rounds}, interleaved)`,
      );
    const back = await loadMlp(file('bf16'));
    const x = randomInput(back.inputSize, 1, 5);
    const a = runMlpSync(back, x), b = runMlpSync(mlps.bf16, x);
    const same = a.every((v, i) => Object.is(v, b[i]));
    console.log(`loaded bf16 layers: ${back.layers.filter((l) => l.precision === 'bf16').length} of ${back.layers.length}; outputs identical to the saved MLP: ${same}; load average after ${load()}`);
    back.dispose();
  } finally {
    for (const m of Object.values(mlps)) m.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
