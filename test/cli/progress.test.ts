/**
 * Long work shows progress: on a terminal, any stage past a second gets a bar (with a percentage
 * when the stage reports progress); in a pipe, one line per such stage; never anything with
 * --json. The reported time includes writing. The OpenCV text export of the embedded model's
 * dense MLP (114 MB of text, ~10 s here) is the long stage.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bin, cli, ensureBuilt, fashionModel, root } from './cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'cnn2mlp-cli-progress-'));
beforeAll(ensureBuilt);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const longWrite = (out: string) => ['convert', fashionModel, '-o', path.join(dir, out), '--format', 'dense', '--opencv-softmax', 'logits', '--opencv-linear', 'reluPair'];

describe('progress and honest timing', () => {
  it('in a pipe: one line per long stage on stderr, and the total time counts the write', () => {
    const r = cli(longWrite('pipe.yml'));
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.split('\n').filter((l) => l.length > 0);
    expect(lines).toContainEqual(expect.stringMatching(/^write pipe\.yml: done in \d+\.\d s$/));
    expect(lines.every((l) => /^[\w .()-]+: done in \d+\.\d s$/.test(l)), r.stderr).toBe(true); // no bar codes in a pipe
    const m = /done in (\d+\.\d) s \(convert (\d+\.\d) s, write (\d+\.\d) s\)/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    const [total, conv, write] = m!.slice(1).map(Number);
    expect(write).toBeGreaterThanOrEqual(1);
    expect(total).toBeGreaterThanOrEqual(conv + write - 0.1); // rounding of the three figures
  });

  it('on a terminal: a progress bar with a percentage', () => {
    // script(1) gives the CLI a pseudo-terminal; its output is the terminal's
    const cmd = [process.execPath, bin, ...longWrite('tty.yml')].map((a) => `'${a}'`).join(' ');
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { cwd: root, encoding: 'utf8', timeout: 180_000, env: { ...process.env, FORCE_COLOR: '0' } });
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/write tty\.yml\s+[░█]+ \d+%/);
    expect(r.stdout).toMatch(/write tty\.yml: done in \d+\.\d s/);
  });
});
