/** The fuzz watcher itself: a crash, an RSS blow-up, a hang and a non-Cnn2MlpError are each reported (so the fuzz tests can fail). */
import { describe, expect, it } from 'vitest';
import { runFuzzChild } from './harness.js';

describe('fuzz harness self-test', () => {
  it('reports a crash (SIGSEGV), an RSS above the cap, a hang and a foreign exception', async () => {
    const crash = await runFuzzChild('_crash', 1, 10, { timeoutMs: 30_000, rssCapMb: 1024 });
    // SIGSEGV normally; under ASan its SEGV handler reports and aborts instead.
    expect(['SIGSEGV', 'SIGABRT']).toContain(crash.signal ?? `exit ${crash.exit}`);
    expect(crash.result).toBeUndefined();
    const hog = await runFuzzChild('_hog', 1, 10, { timeoutMs: 30_000, rssCapMb: 1024 });
    expect(hog.killedFor).toMatch(/RSS \d+ MB above the 1024 MB cap/);
    const hang = await runFuzzChild('_hang', 1, 10, { timeoutMs: 3_000, rssCapMb: 1024 });
    expect(hang.killedFor).toMatch(/no result after 3000 ms/);
    const thrown = await runFuzzChild('_throw', 1, 10, { timeoutMs: 30_000, rssCapMb: 1024 });
    expect(thrown.exit).toBe(0);
    expect(thrown.result!.failures).toHaveLength(1);
    expect(thrown.result!.failures[0].error).toMatch(/TypeError: not a Cnn2MlpError/);
  }, 60_000);
});
