/**
 * Benchmark entry point: `npx tsx bench/run.ts [options]` (the CLI's `cnn2mlp bench` calls the same
 * runBenchmarks). See bench/README.md for what each table means.
 */
import { parseArgs } from 'node:util';
import { BENCH_MODELS, runBenchmarks, type BenchModel } from '../src/bench/report/index.js';

const { values } = parseArgs({
  options: {
    models: { type: 'string' },
    batch: { type: 'string' },
    threads: { type: 'string' },
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    out: { type: 'string' },
    'no-peers': { type: 'boolean', default: false },
    budget: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  process.stdout.write(`Usage: npx tsx bench/run.ts [options]
  --models seed2,seed3,sweep,crossover   parts to run (default all)
  --batch 1,32                            batch sizes of the seed table
  --threads 1,2                           thread counts (default 1 and all cores)
  --quick                                 CI-sized shapes and budgets (seconds)
  --json                                  print only the results JSON on stdout
  --out DIR                               output directory (default bench/results/)
  --no-peers                              skip tfjs and onnxruntime-node
  --budget MS                             measuring time per configuration
`);
  process.exit(0);
}

const list = (s: string | undefined) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : undefined);
const nums = (s: string | undefined) => list(s)?.map((x) => {
  const n = Number(x);
  if (!Number.isInteger(n) || n < 1) throw new Error(`Expected positive integers but received '${x}'`);
  return n;
});
const models = list(values.models) as BenchModel[] | undefined;
for (const m of models ?? [])
  if (!BENCH_MODELS.includes(m)) throw new Error(`Unknown model '${m}': expected ${BENCH_MODELS.join(', ')}`);

const run = await runBenchmarks({
  models,
  batches: nums(values.batch),
  threads: nums(values.threads),
  quick: values.quick,
  json: values.json,
  outDir: values.out,
  peers: !values['no-peers'],
  budgetMs: values.budget ? Number(values.budget) : undefined,
});
const failed = run.results.checks.filter((c) => !c.passed);
if (failed.length) {
  process.stderr.write(`${failed.length} equivalence check(s) failed\n`);
  process.exitCode = 1;
}
