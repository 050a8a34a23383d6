/** The fuzz watcher itself: a crash, an RSS blow-up, a hang, a case over the deadline and a non-Cnn2MlpError are each reported (so the fuzz tests can fail). */
import { describe, expect, it } from 'vitest';
import { runFuzzChild } from './harness.js';

describe('fuzz harness self-test', () => {
  it('reports a crash (SIGSEGV), an RSS above the cap, a hang, a late case and a foreign exception', async () => {
    const crash = await runFuzzChild('_crash', 1, 10, { timeoutMs: 30_000, rssCapMb: 1024 });
    // SIGSEGV normally; under ASan its SEGV handler reports and aborts instead.
    expect(['SIGSEGV', 'SIGABRT']).toContain(crash.signal ?? `exit ${crash.exit}`);
    expect(crash.result).toBeUndefined();
    const hog = await runFuzzChild('_hog', 1, 10, { timeoutMs: 30_000, rssCapMb: 1024 });
    expect(hog.killedFor).toMatch(/RSS \d+ MB above the 1024 MB cap/);
    // A case that never ends is killed soon after the per-case deadline (1.5× + 1 s), well before the overall timeout.
    const hang = await runFuzzChild('_hang', 1, 10, { timeoutMs: 30_000, rssCapMb: 1024, caseDeadlineMs: 1500 });
    expect(hang.killedFor).toMatch(/^case 3 ran past the 1500 ms per-case deadline \(killed after 3250 ms; replay: .*child\.ts _hang 1 10 3\)/);
    const stuck = await runFuzzChild('_hang', 1, 10, { timeoutMs: 3_000, rssCapMb: 1024, caseDeadlineMs: 60_000 });
    expect(stuck.killedFor).toMatch(/no result after 3000 ms/);
    // A case that ends, but late, fails the run too.
    const slow = await runFuzzChild('_slow', 1, 10, { timeoutMs: 30_000, rssCapMb: 1024, caseDeadlineMs: 500 });
    expect(slow.exit).toBe(0);
    expect(slow.result!.failures).toHaveLength(1);
    expect(slow.result!.failures[0].error).toMatch(/^took \d+ ms, over the 500 ms per-case deadline$/);
    const thrown = await runFuzzChild('_throw', 1, 10, { timeoutMs: 30_000, rssCapMb: 1024 });
    expect(thrown.exit).toBe(0);
    expect(thrown.result!.failures).toHaveLength(1);
    expect(thrown.result!.failures[0].error).toMatch(/TypeError: not a Cnn2MlpError/);
  }, 60_000);
});
