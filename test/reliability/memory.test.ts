/**
 * Memory: a soak of convert/run/save/load/dispose cycles keeps RSS flat; an oversized conversion
 * is refused before any allocation (ERR_TOO_LARGE with the estimate); running out of address
 * space mid-conversion leaves the process usable. The soak and the out-of-memory case run in
 * child processes (--expose-gc for honest RSS samples; prlimit for the address-space limit).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';
import { Cnn2MlpError } from '../../src/errors.js';
import { repoRoot } from '../fuzz/harness.js';

const node = (args: string[], prefix: string[] = []) => {
  const cmd = prefix.length ? prefix[0] : process.execPath;
  const argv = [...prefix.slice(1), ...(prefix.length ? [process.execPath] : []), '--no-expose-wasm', '--import', 'tsx', ...args];
  const r = spawnSync(cmd, argv, { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
  return { ...r, line: (tag: string) => JSON.parse(r.stdout.split('\n').find((l) => l.startsWith(tag + ' '))!.slice(tag.length + 1)) };
};

const OOM_AS = Number(process.env.CNN2MLP_OOM_AS ?? 3e9);

describe('memory', () => {
  it('400 convert → run → save/load → dispose cycles: RSS flat after warm-up', () => {
    const r = node(['--expose-gc', path.join('scripts', 'memory-soak.ts'), '--cycles', '400']);
    expect(r.status, r.stderr).toBe(0);
    const s = r.line('SOAK-RESULT');
    console.log(`soak: ${s.cycles} cycles, RSS ${s.startRssMb.toFixed(1)} → ${s.warmRssMb.toFixed(1)} (cycle ${s.warmCycle}) → ${s.endRssMb.toFixed(1)} MB, peak ${s.peakRssMb.toFixed(1)} MB`);
    expect(s.gc).toBe(true);
    // One leaked MLP per cycle would add ~1 GB here (leakIfOneMlpPerCycleMb); a leaked 1% of one,
    // ~13 MB. 48 MB leaves room for allocator and V8 noise while still catching any per-cycle leak
    // of the converted weights.
    expect(s.leakIfOneMlpPerCycleMb).toBeGreaterThan(500);
    expect(s.endRssMb - s.warmRssMb).toBeLessThan(48);
    expect(s.peakRssMb).toBeLessThan(s.startRssMb + 200);
  }, 120_000);

  it('an oversized conversion is refused before allocating the MLP: ERR_TOO_LARGE with the estimate, RSS ≪ estimate', async () => {
    // 256×256×64 'same' conv: its dense matrix is 4.2M × 4.2M floats (~70 TB), its CSR ~19 GB.
    const huge = {
      layout: 'NHWC' as const,
      inputShape: [256, 256, 64],
      layers: [{ type: 'conv2d' as const, filters: 64, kernelSize: [3, 3] as [number, number], padding: 'same' as const, weights: new Float32Array(3 * 3 * 64 * 64).fill(0.1) }],
    };
    const before = process.memoryUsage.rss();
    for (const [format, opts, least] of [
      ['dense', {}, 7e13],
      ['csr', { maxBytes: 2 ** 30 }, 1e10],
    ] as const) {
      const err = await api.convert(huge, { format, ...opts }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Cnn2MlpError);
      expect((err as Cnn2MlpError).code).toBe('ERR_TOO_LARGE');
      const m = /needs [\d.]+ [KMGTP]?B \((\d+) bytes\)/.exec((err as Error).message);
      expect(m, (err as Error).message).not.toBeNull();
      expect(Number(m![1])).toBeGreaterThan(least);
    }
    // Nothing near the estimate was touched. Known gap (CSR only: dense checks a lower bound first): planning (src/convert/planner.ts
    // planMlp) holds O(features) maps (~32 B per feature, ~135 MB here) before the estimate is known.
    expect(process.memoryUsage.rss() - before).toBeLessThan(400 * 2 ** 20);
  });

  // Under scripts/sanitize.sh, ASan reserves terabytes of shadow address space: no RLIMIT_AS fits.
  const hasPrlimit = spawnSync('prlimit', ['--version']).status === 0 && !process.env.CNN2MLP_SANITIZED;
  it(`out of address space mid-conversion (prlimit --as=${OOM_AS / 1e9} GB): ERR_TOO_LARGE, then a small model still converts and runs correctly`, (ctx) => {
    ctx.skip(!hasPrlimit, process.env.CNN2MLP_SANITIZED ? 'under the sanitizer no address-space limit fits' : 'prlimit (util-linux) is not installed');
    // The seed's dense MLP needs 3.9 GB + 5.2 GB + …; convert's estimate passes (the machine has
    // more), so the native builder's own allocation fails. At 3 GB the first layer's allocation
    // fails (6 s); CNN2MLP_OOM_AS=8000000000 lets the 3.9 GB layer build first and the second fail
    // (truly mid-way; ~45 s, too slow for CI).
    const r = node([path.join('test', 'reliability', 'oom-child.ts')], ['prlimit', `--as=${OOM_AS}`]);
    expect(r.status, r.stderr).toBe(0);
    const o = r.line('OOM-RESULT');
    console.log(`OOM child: ${o.big} (${o.bigMessage}); RSS after ${o.rssMb.toFixed(0)} MB`);
    expect(o.big).toBe('ERR_TOO_LARGE');
    // Softmax outputs from float32 sums of ≤ 108 terms: the MLP matches runCnn to ~1e-6.
    o.small.forEach((v: number, i: number) => expect(Math.abs(v - o.smallRef[i])).toBeLessThan(1e-5));
    expect(o.small.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 5);
  }, 120_000);
});
