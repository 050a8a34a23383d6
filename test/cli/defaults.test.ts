/**
 * Defaults that cannot surprise: CSR unless dense is asked for; a conversion estimated over 1 GB
 * is refused (before allocating anything) without --yes or --max-bytes, and --max-bytes is a hard
 * limit; the memory check honours cgroup v1 and v2 limits, not only the host's MemAvailable.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { native } from '../../src/native.js';
import { cli, ensureBuilt, expectOneLineError, fashionModel, json } from './cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'cnn2mlp-cli-defaults-'));
beforeAll(ensureBuilt);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sparse unless dense is asked for', () => {
  it('convert writes a CSR MLP by default', () => {
    const c = json(cli(['convert', fashionModel, '-o', path.join(dir, 'f.mlp'), '--json']));
    expect(c.format).toBe('csr');
    expect(c.layers.every((l: any) => l.format === 'csr')).toBe(true);
    expect(json(cli(['convert', fashionModel, '-o', path.join(dir, 'd.mlp'), '--format', 'dense', '--json'])).format).toBe('dense');
  });
});

describe('a size estimate and a guard before any conversion over 1 GB', () => {
  // the seed network's dense MLP is 9.86 GB (its CSR form 149 MB): refused without allocating
  it('convert refuses it without --yes, naming the size and the way out, before allocating', () => {
    const why = /dense MLP of this model needs 9\.86 GB .*pass --yes to go ahead, or --max-bytes .*--format csr needs 149 MB.*\(ERR_TOO_LARGE\)$/;
    expectOneLineError(cli(['convert', 'seed', '-o', path.join(dir, 's.mlp'), '--format', 'dense']), why);
  });

  it('--max-bytes is a hard limit, and --yes with a limit below the estimate still refuses', () => {
    expectOneLineError(cli(['convert', 'seed', '-o', path.join(dir, 's.mlp'), '--format', 'dense', '--max-bytes', '2G', '--yes']), /needs 9\.86 GB, more than --max-bytes 2\.00 GB/);
    expectOneLineError(cli(['convert', 'seed', '-o', path.join(dir, 's.mlp'), '--max-bytes', '100M']), /csr MLP of this model needs 149 MB, more than --max-bytes 100 MB/);
    expectOneLineError(cli(['convert', 'seed', '-o', path.join(dir, 's.mlp'), '--max-bytes', 'lots']), /Expected a size such as 500M or 4G for --max-bytes but received 'lots'/);
  });

  it('verify has --format and the same guard', () => {
    const r = cli(['verify', 'models/fashion-mnist/model.json', '--format', 'dense', '--max-bytes', '1k', '--no-peers']);
    expectOneLineError(r, /dense MLP of this model needs .* more than --max-bytes 1\.00 kB/);
  });
});

describe('the memory check honours cgroup limits', () => {
  /** A fake root: /proc/meminfo with 64 GB available, /proc/self/cgroup and the group's files. */
  function fakeRoot(name: string, cgroupLine: string, files: Record<string, string>): string {
    const r = path.join(dir, name);
    mkdirSync(path.join(r, 'proc/self'), { recursive: true });
    writeFileSync(path.join(r, 'proc/meminfo'), 'MemTotal:       67108864 kB\nMemFree:        60000000 kB\nMemAvailable:   62500000 kB\n');
    writeFileSync(path.join(r, 'proc/self/cgroup'), cgroupLine);
    for (const [f, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(r, f)), { recursive: true });
      writeFileSync(path.join(r, f), text);
    }
    return r;
  }
  const GB = 2 ** 30;

  it('no cgroup limit: MemAvailable', () => {
    const r = fakeRoot('none', '0::/\n', { 'sys/fs/cgroup/memory.max': 'max\n', 'sys/fs/cgroup/memory.current': '1000\n' });
    expect(native().availableMemoryBytes(r)).toBe(62_500_000 * 1024);
  });

  it('cgroup v2: memory.max − (memory.current − inactive_file), the tightest of the group and its parents', () => {
    const r = fakeRoot('v2', '0::/app/worker\n', {
      'sys/fs/cgroup/app/worker/memory.max': `${6 * GB}\n`,
      'sys/fs/cgroup/app/worker/memory.current': `${2 * GB}\n`,
      'sys/fs/cgroup/app/worker/memory.stat': `anon 100\ninactive_file ${GB}\nactive_file 5\n`,
      'sys/fs/cgroup/app/memory.max': 'max\n',
      'sys/fs/cgroup/app/memory.current': `${3 * GB}\n`,
    });
    expect(native().availableMemoryBytes(r)).toBe(5 * GB);
    writeFileSync(path.join(r, 'sys/fs/cgroup/app/memory.max'), `${4 * GB}\n`); // the parent is tighter
    expect(native().availableMemoryBytes(r)).toBe(GB);
  });

  it('cgroup v1: memory.limit_in_bytes − usage, "unlimited" ignored; a container sees its group at the mount root', () => {
    const r = fakeRoot('v1', '4:memory:/docker/abc\n3:cpu:/\n', {
      'sys/fs/cgroup/memory/memory.limit_in_bytes': `${3 * GB}\n`,
      'sys/fs/cgroup/memory/memory.usage_in_bytes': `${GB}\n`,
      'sys/fs/cgroup/memory/memory.stat': 'total_inactive_file 0\n',
    });
    expect(native().availableMemoryBytes(r)).toBe(2 * GB);
    writeFileSync(path.join(r, 'sys/fs/cgroup/memory/memory.limit_in_bytes'), '9223372036854771712\n');
    expect(native().availableMemoryBytes(r)).toBe(62_500_000 * 1024);
  });
});
