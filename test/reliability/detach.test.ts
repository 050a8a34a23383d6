/**
 * Detached buffers: every async entry point is called and, while its job runs, the caller's
 * memory is transferred (structuredClone with transfer, as postMessage does), transfer()ed,
 * resize()d to 0, or written by another thread (SharedArrayBuffer). The child process
 * (detach-child.ts) checks each result bit for bit against a run on untouched memory (shared
 * memory: shape and finiteness only, its values are torn by design) or that the rejection is the
 * Cnn2MlpError the docs name; here the parent checks the child ended without a signal.
 * The long form (1,000 runs per function and variant) is scripts/detach-soak.sh.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const RUNS = 10;
const FUNCTIONS = ['runCnn(x)', 'runCnn(options.out)', 'runMlp(x)', 'convert(model weights)', 'compileCnn(model weights)', 'saveMlp', 'exportOnnx', 'exportOpenCv'];
const VARIANTS = ['transfer', 'transfer()', 'resize', 'shared'];

describe('async jobs own the memory they read', () => {
  it(`survives ${RUNS} takeaways per function and variant with correct results or a Cnn2MlpError`, () => {
    const r = spawnSync(process.execPath, ['--expose-gc', '--harmony-rab-gsab-transfer', '--import', 'tsx', path.join('test', 'reliability', 'detach-child.ts'), String(RUNS)], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 240_000,
    });
    expect(r.signal, `child died of a signal; stderr:\n${r.stderr}`).toBeNull();
    const lines = r.stdout
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { fn: string; variant: string; runs: number; ok?: number; rejected?: Record<string, number>; error?: string });
    expect(lines.filter((l) => l.error)).toEqual([]);
    expect(r.status, r.stderr).toBe(0);
    for (const fn of FUNCTIONS)
      for (const v of VARIANTS) {
        const l = lines.find((x) => x.fn === fn && x.variant === v);
        expect(l, `${fn} [${v}] did not run`).toBeDefined();
        const rejected = Object.values(l!.rejected ?? {}).reduce((a, b) => a + b, 0);
        expect(l!.ok! + rejected).toBe(RUNS);
      }
    // A detached output is refused, never written: the variants that take it away all reject.
    for (const v of ['transfer', 'transfer()', 'resize']) expect(lines.find((x) => x.fn === 'runCnn(options.out)' && x.variant === v)!.rejected).toEqual({ ERR_INVALID_ARG: RUNS });
  }, 300_000);
});
