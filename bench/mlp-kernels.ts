// MLP kernel benchmark entry: npx tsx bench/mlp-kernels.ts [--quick] [--big] [--json]
// Writes bench/results/mlp-kernels.json too. Not a test: timings on a shared machine are noisy.
import path from 'node:path';
import { benchMlpKernels, formatMlpKernelRows } from '../src/bench/mlp-kernels.js';

const args = new Set(process.argv.slice(2));
const json = args.has('--json');
const result = await benchMlpKernels({
  quick: args.has('--quick'),
  big: args.has('--big'),
  outFile: path.join(import.meta.dirname ?? '.', 'results', 'mlp-kernels.json'),
  onRow: json ? undefined : (r) => console.error(`${r.impl} ${r.layer} ${r.format} b=${r.batch} t=${r.threads}: ${r.medianMs.toFixed(2)} ms`),
});
console.log(json ? JSON.stringify(result, null, 2) : formatMlpKernelRows(result.machine, result.rows));
