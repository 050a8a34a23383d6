// Full-size network benchmark (src/bench/networks-run.ts): runCnn vs onnxruntime-node and tfjs-wasm.
//   npx tsx bench/networks.ts [--quick] [--json] [--networks mobilenetv2,resnet18,resnet50]
//                             [--reps N] [--size S] [--out DIR]
// --quick: batch 1, 1 thread, 3 reps. Writes DIR/networks-<date>-<host>.md (DIR default
// bench/results); --json prints the results as JSON on stdout (progress goes to stderr).
// Exits 1 when any cell's outputs disagree. Figures are only meaningful on a quiet machine.
import fs from 'node:fs';
import path from 'node:path';
import { Progress } from '../src/bench/harness.js';
import { networksMarkdown, runNetworks } from '../src/bench/networks-run.js';

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`);
  return v;
}

function positiveInt(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got '${v}'`);
  return n;
}

async function main() {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const json = args.includes('--json');
  const size = positiveInt(arg(args, '--size'), '--size');
  if (size !== undefined && size % 32 !== 0) throw new Error(`--size must be a multiple of 32 (five stride-2 stages), got ${size}`);
  const progress = new Progress(0);
  const run = await runNetworks({
    networks: arg(args, '--networks')?.split(','),
    batches: quick ? [1] : [1, 32],
    threads: quick ? [1] : [1, 2],
    reps: positiveInt(arg(args, '--reps'), '--reps') ?? (quick ? 3 : undefined),
    size,
    progress,
  });
  progress.stop();
  const md = networksMarkdown(run);
  const dir = arg(args, '--out') ?? path.join(import.meta.dirname, 'results');
  fs.mkdirSync(dir, { recursive: true });
  const host = run.meta.host.replace(/[^A-Za-z0-9_.-]/g, '_');
  const file = path.join(dir, `networks-${run.meta.date.slice(0, 10)}-${host}.md`);
  fs.writeFileSync(`${file}.tmp`, md);
  fs.renameSync(`${file}.tmp`, file);
  if (json) process.stdout.write(JSON.stringify(run, null, 2) + '\n');
  else process.stdout.write(md);
  process.stderr.write(`wrote ${file}\n`);
  if (run.rows.some((r) => !r.check.passed)) {
    process.stderr.write('some cells disagree with onnxruntime: not timed\n');
    process.exitCode = 1;
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
