// CNN benchmark entry: npx tsx bench/cnn.ts [--quick] [--json]
// Seed network (stride 2, 3) × batch (1, 32) × threads (1, 2): runCnn vs onnxruntime-node, plus
// each conv/dense layer alone. Figures are only meaningful on a quiet machine.
import { benchCnn, formatCnnBench } from '../src/bench/cnn.js';
import { cpuInfo } from '../src/runtime.js';

async function main() {
  const args = new Set(process.argv.slice(2));
  const rows = await benchCnn({ quick: args.has('--quick') });
  if (args.has('--json')) {
    process.stdout.write(JSON.stringify({ cpu: cpuInfo(), rows }, null, 2) + '\n');
  } else {
    const c = cpuInfo();
    console.log(`${c.brand} (${c.logicalCores} logical cores), kernels: ${c.activeIsa}\n`);
    console.log(formatCnnBench(rows));
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
