/**
 * Fuzz child process: `node --import tsx test/fuzz/child.ts <target> <seed> <cases>`. Runs the
 * cases one after another and prints one line `FUZZ-RESULT {json}`: cases run, how many ended in
 * a result / a Cnn2MlpError, the first contract violations (any other exception, or a case that
 * ended after the per-case deadline) with the seed and index to replay them, the slowest case and
 * the peak RSS. Before each case it prints `FUZZ-CASE <index>`: the parent kills the child when a
 * case outlives the deadline without ending. Crashes are the parent's to see.
 */
import fs from 'node:fs';
import fc from 'fast-check';
import { Cnn2MlpError } from '../../src/errors.js';
import { TARGETS, tmpRoot } from './targets/index.js';
import { caseDeadlineMs } from './targets/target.js';

const [name, seedArg, casesArg, onlyArg] = process.argv.slice(2);
const target = TARGETS[name];
if (!target) {
  console.error(`unknown target ${name}; one of ${Object.keys(TARGETS).join(', ')}`);
  process.exit(2);
}
const seed = Number(seedArg ?? 1);
const cases = Number(casesArg ?? 100);
const only = onlyArg === undefined ? -1 : Number(onlyArg); // replay one case index

const trace = process.env.FUZZ_TRACE === '1';
const dir = tmpRoot();
const deadline = caseDeadlineMs();
const result = {
  target: name,
  seed,
  cases: 0,
  ok: 0,
  coded: {} as Record<string, number>,
  outcomes: {} as Record<string, number>,
  failures: [] as object[],
  skipped: '',
  deadlineMs: deadline,
  slowest: { index: -1, ms: 0 },
  peakRssMb: 0,
  maxCaseRssMb: 0,
  seconds: 0,
};
const replay = (index: number) => `node --expose-gc --import tsx test/fuzz/child.ts ${name} ${seed} ${cases} ${index}`;
const fail = (index: number, error: string) => result.failures.push(result.failures.length < 5 ? { index, replay: replay(index), error } : { index });
const t0 = Date.now();
try {
  const skip = await target.setup(dir);
  if (skip) result.skipped = skip;
  else {
    const BATCH = 100;
    for (let start = 0; start < cases; start += BATCH) {
      // Batches have their own seed so a long run never holds every case in memory.
      const batch = fc.sample(target.arb, { seed: seed * 1_000_003 + start, numRuns: Math.min(BATCH, cases - start) });
      for (let k = 0; k < batch.length; k++) {
        const index = start + k;
        if (only >= 0 && index !== only) continue;
        result.cases++;
        if (trace) fs.writeSync(2, `case ${index}\n`);
        fs.writeSync(1, `FUZZ-CASE ${index}\n`);
        const started = performance.now();
        try {
          const ret = (await target.run(batch[k], dir, index)) as { outcome?: unknown } | undefined;
          result.ok++;
          if (typeof ret?.outcome === 'string') result.outcomes[ret.outcome] = (result.outcomes[ret.outcome] ?? 0) + 1;
        } catch (err) {
          if (err instanceof Cnn2MlpError) result.coded[err.code] = (result.coded[err.code] ?? 0) + 1;
          else fail(index, String((err as Error)?.stack ?? err).split('\n').slice(0, 6).join('\n'));
        }
        const ms = performance.now() - started;
        if (ms > result.slowest.ms) result.slowest = { index, ms: Math.round(ms) };
        if (ms > deadline) fail(index, `took ${ms.toFixed(0)} ms, over the ${deadline} ms per-case deadline`);
        let rssNow = process.memoryUsage.rss() / 2 ** 20;
        const gc = (globalThis as { gc?: () => void }).gc;
        if (gc && rssNow > 300) {
          gc();
          rssNow = process.memoryUsage.rss() / 2 ** 20;
        }
        if (trace) fs.writeSync(2, `done ${index} rss ${rssNow.toFixed(0)} maxrss ${(process.resourceUsage().maxRSS / 1024).toFixed(0)}\n`);
        result.maxCaseRssMb = Math.max(result.maxCaseRssMb, rssNow);
      }
    }
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
result.seconds = (Date.now() - t0) / 1000;
result.peakRssMb = process.resourceUsage().maxRSS / 1024;
console.log(`FUZZ-RESULT ${JSON.stringify(result)}`);
