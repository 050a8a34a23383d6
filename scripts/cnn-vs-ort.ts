/**
 * Seed CNN through runCnn against onnxruntime-node on a shared machine: interleaved rounds in one
 * process (each round times every engine once per cell, alternating which goes first), medians over
 * rounds, so load from other processes hits both alike. Also each conv/dense layer alone
 * (--layers: runCnnSync vs an ORT session of that layer).
 *   npx tsx scripts/cnn-vs-ort.ts [--isa avx2,avx512] [--rounds 15] [--layers] [--strides 2,3] [--batches 1,32] [--threads 1,2]
 * Prints one row per cell: medians over rounds of runCnn's and ORT's wall and process-CPU ms per call,
 * their ratios (< 1: runCnn faster), and the ratio of the minimum CPU times (the round least hit by load).
 */
import { loadavg } from 'node:os';
import { compileCnn, runCnn, runCnnSync } from '../src/cnn/cnn.js';
import { seedNetwork } from '../src/model/seed.js';
import { planModel, OP } from '../src/model/plan.js';
import type { CnnModel } from '../src/model/types.js';
import { setIsa, cpuInfo, type IsaName } from '../src/runtime.js';
import { ortCnn } from '../src/bench/peers/ort-cnn.js';
import { lcgUniform } from '../src/util/random.js';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const list = (s: string) => s.split(',').map(Number);
const isas = opt('isa', 'avx2,avx512').split(',') as IsaName[];
const rounds = Number(opt('rounds', '15'));
const strides = list(opt('strides', '2,3')) as (2 | 3)[];
const batches = list(opt('batches', '1,32'));
const threadsList = list(opt('threads', '1,2'));
const withLayers = argv.includes('--layers');

const median = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Times `calls` calls of `fn`: wall and process CPU ms per call (CPU time is what load does not inflate; ORT's spinning workers count in it at 2 threads). */
async function perCall(fn: () => unknown, calls: number): Promise<[number, number]> {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) await fn();
  const wall = Number(process.hrtime.bigint() - t0) / 1e6 / calls;
  const c = process.cpuUsage(c0);
  return [wall, (c.user + c.system) / 1e3 / calls];
}

function layerModel(model: CnnModel, index: number): CnnModel {
  const plan = planModel(model);
  const op = plan.ops.find((o) => o.layerIndex === index)!;
  const inputShape = op.op === OP.dense ? [op.inC] : [op.inH, op.inW, op.inC];
  return { name: `${model.name}/${model.layers[index].name}`, layout: 'NHWC', inputShape, layers: [model.layers[index]] };
}

interface Job {
  label: string;
  ours: Map<IsaName, () => unknown>;
  ort: () => unknown;
  calls: number;
  samples: Map<string, number[]>;
}

async function main() {
  const jobs: Job[] = [];
  const disposers: (() => void)[] = [];
  for (const stride of strides) {
    const model = seedNetwork({ stride, seed: 2019 });
    const compiled = compileCnn(model);
    disposers.push(() => compiled.dispose());
    for (const batch of batches)
      for (const threads of threadsList) {
        const x = lcgUniform(batch * 80 * 80 * 3, 7);
        const ort = await ortCnn(model, threads);
        disposers.push(() => ort.dispose());
        const out = new Float32Array(batch * 29);
        const run = () => runCnn(compiled, x, { threads, nonFinite: 'propagate', out });
        const ours = new Map<IsaName, () => unknown>(isas.map((i) => [i, run]));
        const calls = batch === 1 ? (stride === 3 ? 20 : 10) : 2;
        jobs.push({ label: `seed s${stride} b${batch} t${threads}`, ours, ort: () => ort.run(x, batch), calls, samples: new Map() });
        if (!withLayers) continue;
        for (let li = 0; li < model.layers.length; li++) {
          const L = model.layers[li];
          if (L.type !== 'conv2d' && L.type !== 'dense') continue;
          const lm = layerModel(model, li);
          const lc = compileCnn(lm);
          const lo = await ortCnn(lm, threads);
          disposers.push(() => lc.dispose(), () => lo.dispose());
          const lx = lcgUniform(batch * lc.inputSize, 11);
          const ly = new Float32Array(batch * lc.outputSize);
          const f = () => runCnnSync(lc, lx, { threads, nonFinite: 'propagate', out: ly });
          jobs.push({ label: `  ${L.name} s${stride} b${batch} t${threads}`, ours: new Map(isas.map((i) => [i, f])), ort: () => lo.run(lx, batch), calls: batch === 1 ? 20 : 3, samples: new Map() });
        }
      }
  }
  const load0 = loadavg();
  for (const j of jobs) {
    for (const isa of isas) {
      setIsa(isa);
      for (let w = 0; w < 3; w++) await j.ours.get(isa)!();
    }
    for (let w = 0; w < 3; w++) await j.ort();
  }
  for (let r = 0; r < rounds; r++)
    for (const j of jobs) {
      const engines: [string, () => Promise<[number, number]>][] = [
        ...isas.map((isa): [string, () => Promise<[number, number]>] => [isa, async () => (setIsa(isa), perCall(j.ours.get(isa)!, j.calls))]),
        ['ort', () => perCall(j.ort, j.calls)],
      ];
      // Rotate the order each round, and pause between engines: a 2-thread ORT session's workers spin
      // for a while after a run, and that CPU time would otherwise count against whoever runs next.
      for (let k = 0; k < r % engines.length; k++) engines.push(engines.shift()!);
      for (const [name, f] of engines) {
        await new Promise((res) => setTimeout(res, 20));
        const [wall, cpu] = await f();
        for (const [k, v] of [[name, wall], [`${name} cpu`, cpu]] as const) {
          if (!j.samples.has(k)) j.samples.set(k, []);
          j.samples.get(k)!.push(v);
        }
      }
    }
  const load1 = loadavg();
  setIsa('auto');
  console.log(`${cpuInfo().brand}; ${rounds} interleaved rounds; load average ${load0.map((l) => l.toFixed(2)).join(' ')} → ${load1.map((l) => l.toFixed(2)).join(' ')}`);
  const head = ['cell', 'ORT wall / cpu ms', ...isas.flatMap((i) => [`${i} wall / cpu ms`, `${i}/ORT wall / cpu / min cpu`])];
  console.log(`| ${head.join(' | ')} |\n|${head.map(() => '---').join('|')}|`);
  for (const j of jobs) {
    const o = median(j.samples.get('ort')!);
    const oc = median(j.samples.get('ort cpu')!);
    const ocMin = Math.min(...j.samples.get('ort cpu')!);
    const cells = isas.flatMap((i) => {
      const m = median(j.samples.get(i)!);
      const mc = median(j.samples.get(`${i} cpu`)!);
      const mcMin = Math.min(...j.samples.get(`${i} cpu`)!);
      return [`${m.toFixed(3)} / ${mc.toFixed(3)}`, `${(m / o).toFixed(2)} / ${(mc / oc).toFixed(2)} / ${(mcMin / ocMin).toFixed(2)}`];
    });
    console.log(`| ${j.label} | ${o.toFixed(3)} / ${oc.toFixed(3)} | ${cells.join(' | ')} |`);
  }
  for (const d of disposers) d();
}

await main();
