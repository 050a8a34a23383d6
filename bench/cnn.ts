// CNN benchmark entry: npx tsx bench/cnn.ts [--quick] [--json]
// Seed network (stride 2, 3) × batch (1, 32) × threads (1, 2): runCnn vs onnxruntime-node, plus
// each conv/dense layer alone. Figures are only meaningful on a quiet machine.
import { benchCnn, cnnBenchReport } from '../src/bench/cnn.js';
import { cpuInfo } from '../src/runtime.js';

const args = new Set(process.argv.slice(2));
const rows = await benchCnn({ quick: args.has('--quick') });
console.log(args.has('--json') ? JSON.stringify({ cpu: cpuInfo(), rows }, null, 2) : cnnBenchReport(rows));
