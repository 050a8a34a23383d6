/** `cnn2mlp bench`: the benchmark report (src/bench, runBenchmarks). */
import { Command, Option } from 'commander';
import { runBenchmarksFn } from './api.js';
import { Output, toJson } from './output.js';

interface BenchOptions {
  quick?: boolean;
  out?: string;
  json?: boolean;
}

export function benchCommand(): Command {
  return new Command('bench')
    .description('run the benchmarks (CNN vs dense vs CSR, peers, roofline) and write the report')
    .option('--quick', 'a short run: fewer sizes and repetitions (numbers are rougher)')
    .option('--out <dir>', 'where to write the JSON results and plots (default bench/results)')
    .addOption(new Option('--json', 'print the result as JSON on stdout'))
    .action(async (o: BenchOptions) => {
      const out = new Output(o);
      const runBenchmarks = await runBenchmarksFn();
      const progress = (line: string) => {
        if (!out.json) process.stderr.write(`${line}\n`);
      };
      const result = await runBenchmarks({ quick: !!o.quick, outDir: o.out, json: !!o.json, onProgress: progress });
      out.result(result ?? {});
      if (result !== undefined && !out.json && typeof result === 'object') {
        const summary = (result as { summary?: unknown }).summary;
        out.line(typeof summary === 'string' ? summary : toJson(result, 2));
      }
    });
}
