/**
 * Long fuzz run over every target (test/fuzz/targets/), each in its own watched child process
 * (crash, per-case deadline, RSS cap as in the CI test; the per-chunk timeout is only a backstop). Usage:
 *   npx tsx scripts/fuzz-long.ts --cases 20000 [--seed 7] [--targets onnx,tfjs] [--rss-cap-mb 1024]
 * Cases are split into chunks of 5000 per child (fresh process, fresh seed offset). Exit 1 on any failure.
 */
import { CASE_DEADLINE_MS, runFuzzChild } from '../test/fuzz/harness.js';

const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : def;
};
const cases = Number(opt('cases', '10000'));
const seed = Number(opt('seed', String(Date.now() % 1_000_000)));
const targets = opt('targets', 'onnx,tfjs,onnx-graph,tfjs-graph,checkpoint,mlpfile,api,cli').split(',');
const cap = Number(opt('rss-cap-mb', '1024'));
const CHUNK = 5000;

let bad = 0;
const rows: string[] = [];
for (const t of targets) {
  let ran = 0;
  let ok = 0;
  let peak = 0;
  let slowest = 0;
  const coded: Record<string, number> = {};
  for (let start = 0, part = 0; start < cases; start += CHUNK, part++) {
    const n = Math.min(CHUNK, cases - start);
    const o = await runFuzzChild(t, seed + part, n, { timeoutMs: 60_000 + n * CASE_DEADLINE_MS, rssCapMb: cap });
    const r = o.result;
    if (!r || o.exit !== 0 || o.killedFor || r.failures.length) {
      bad++;
      console.log(`FAIL ${t} seed ${seed + part}: exit ${o.exit} signal ${o.signal} ${o.killedFor ?? ''}\n${JSON.stringify(r?.failures ?? [], null, 2)}\n${o.stderrTail}`);
      if (!r) break;
    }
    if (r.skipped) {
      console.log(`skip ${t}: ${r.skipped}`);
      break;
    }
    ran += r.cases;
    ok += r.ok;
    peak = Math.max(peak, r.peakRssMb, o.peakPolledRssMb);
    slowest = Math.max(slowest, r.slowest.ms);
    for (const [k, v] of Object.entries(r.coded)) coded[k] = (coded[k] ?? 0) + v;
    process.stdout.write(`  ${t}: ${ran}/${cases}\r`);
  }
  rows.push(`${t.padEnd(11)} ${String(ran).padStart(8)} ${String(ok).padStart(8)}  slowest ${String(slowest).padStart(5)} ms  peak RSS ${peak.toFixed(0).padStart(5)} MB  ${JSON.stringify(coded)}`);
}
console.log(`\nseed ${seed}, per-case deadline ${CASE_DEADLINE_MS} ms\ntarget         cases  results  errors by code`);
for (const r of rows) console.log(r);
console.log(bad ? `${bad} failing chunk(s)` : 'no contract violations, crashes, hangs or RSS cap hits');
process.exit(bad ? 1 : 0);
