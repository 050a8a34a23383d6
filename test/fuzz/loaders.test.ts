/**
 * Fuzzing the loaders, the public functions and the CLI (CI budget). Each target runs in its own
 * child process (test/fuzz/child.ts) so a crash cannot take vitest down and is seen as such; the
 * parent polls the child's RSS and kills it above the cap. Contract: every case ends in a result
 * or a Cnn2MlpError (the CLI: exit 0, or 1/2 with one line) within the per-case deadline
 * (CASE_DEADLINE_MS, harness.ts). Longer runs: `npx tsx scripts/fuzz-long.ts --cases N`.
 */
import { describe, expect, it } from 'vitest';
import { CASE_DEADLINE_MS, runFuzzChild } from './harness.js';

// Cases per target, sized so the whole file stays well under a minute on 2 busy cores.
const BUDGET: [target: string, cases: number][] = [
  ['onnx', 600],
  ['tfjs', 1000],
  ['onnx-graph', 120], // 10k-node graphs and folding bombs: up to ~4 s a case
  ['tfjs-graph', 150],
  ['checkpoint', 500],
  ['mlpfile', 3000],
  ['api', 5000],
  // one process spawn per case (0.5–4 s each on a busy 2-core machine)
  ['cli', 20],
];
// No case needs more than a few hundred MB (the loaders hold one small model at a time); a
// "multi-GB allocation" would pass this cap long before it completed.
const RSS_CAP_MB = 1024;
const SEED = Number(process.env.FUZZ_SEED ?? 20261125);
// Under scripts/sanitize.sh (ASan+UBSan, ~5-10x slower) the same targets run a fifth of the cases.
const SCALE = process.env.CNN2MLP_SANITIZED ? 0.2 : 1;

describe('fuzz: hostile inputs end in a result or a Cnn2MlpError', () => {
  for (const [target, full] of BUDGET) {
    const cases = Math.ceil(full * SCALE);
    it(`${target}: ${cases} cases`, async () => {
      const o = await runFuzzChild(target, SEED, cases, { timeoutMs: 100_000, rssCapMb: RSS_CAP_MB });
      const where = `exit ${o.exit} signal ${o.signal} ${o.killedFor ?? ''}\n${o.stderrTail}`;
      expect(o.killedFor, where).toBeUndefined();
      expect(o.signal, where).toBeNull();
      expect(o.exit, where).toBe(0);
      const r = o.result!;
      if (r.skipped) {
        console.warn(`fuzz ${target} skipped: ${r.skipped}`);
        return;
      }
      expect(r.failures, JSON.stringify(r.failures, null, 2)).toEqual([]);
      expect(r.cases).toBe(cases);
      // Both outcomes must occur, or the mutations are too weak (all rejected) or not reaching the checks.
      const coded = Object.values(r.coded).reduce((a, b) => a + b, 0);
      expect(r.ok + coded).toBe(cases);
      if (target === 'cli') expect((r.outcomes['exit 1'] ?? 0) + (r.outcomes['exit 2'] ?? 0)).toBeGreaterThan(0);
      else expect(coded).toBeGreaterThan(0);
      expect(r.ok).toBeGreaterThan(0);
      expect(r.slowest.ms).toBeLessThanOrEqual(CASE_DEADLINE_MS);
      expect(r.peakRssMb).toBeLessThan(RSS_CAP_MB);
      console.log(`fuzz ${target}: ${r.cases} cases, ${r.ok} results ${JSON.stringify(r.outcomes)}, errors ${JSON.stringify(r.coded)}, slowest case ${r.slowest.ms} ms (deadline ${r.deadlineMs} ms), peak RSS ${r.peakRssMb.toFixed(0)} MB, ${r.seconds.toFixed(1)} s`);
    }, 120_000);
  }
});
