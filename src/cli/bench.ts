/** `cnn2mlp bench`: the benchmark report (src/bench/report/, runBenchmarks). */
import { Command, Option } from 'commander';
import { BENCH_MODELS, runBenchmarks, type BenchModel } from '../bench/report/index.js';
import { parseIntList } from './models.js';
import { Output } from './output.js';
import { Cnn2MlpError } from '../errors.js';

interface BenchCliOptions {
  quick?: boolean;
  out?: string;
  models?: string;
  threads?: string;
  batches?: string;
  peers: boolean;
  json?: boolean;
}

const MODELS: readonly string[] = BENCH_MODELS;

export function benchCommand(): Command {
  return new Command('bench')
    .description('run the benchmarks (seed network CNN vs dense vs CSR, size sweep, density crossover, peers) and write the report')
    .option('--quick', 'a CI-sized run: small shapes and short budgets (numbers are rough)')
    .option('--out <dir>', 'where the JSON results, Markdown report and SVG plots go (default bench/results)')
    .option('--models <list>', `which parts to run, comma-separated: ${MODELS.join(', ')} (default all)`)
    .option('--threads <list>', 'thread counts, e.g. 1,2 (default 1 and all logical cores)')
    .option('--batches <list>', 'batch sizes for the seed table, e.g. 1,32')
    .option('--no-peers', 'skip tfjs and onnxruntime-node')
    .addOption(new Option('--json', 'print the results as JSON on stdout (no tables, no progress)'))
    .action(async (o: BenchCliOptions) => {
      const out = new Output(o);
      const models = o.models?.split(',').map((s) => s.trim());
      const unknown = models?.filter((m) => !MODELS.includes(m));
      if (unknown && unknown.length > 0) {
        throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected ${MODELS.join(', ')} for --models but received '${unknown.join(', ')}'`);
      }
      const run = await runBenchmarks({
        quick: !!o.quick,
        outDir: o.out,
        models: models as BenchModel[] | undefined, // checked against MODELS above
        threads: o.threads !== undefined ? parseIntList(o.threads, '--threads') : undefined,
        batches: o.batches !== undefined ? parseIntList(o.batches, '--batches') : undefined,
        peers: o.peers,
        // with --json we print one document ourselves: results and where the files went
        silent: !!o.json,
        noPrint: !!o.json,
      });
      out.result({ files: run?.files ?? null, results: run?.results ?? null });
      if (run?.files) {
        out.line();
        out.line(`results: ${run.files.json}`);
        out.line(`report:  ${run.files.markdown}${run.files.svgs.length ? ` (+ ${run.files.svgs.length} SVG plots)` : ''}`);
      }
    });
}
