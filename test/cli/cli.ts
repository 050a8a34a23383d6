/**
 * Runs the built CLI (dist/cli/main.js) as a user does, in a child process, and builds the small
 * model files the CLI tests feed it. dist is rebuilt first when missing or older than src.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { onnx } from '../../src/formats/onnx-proto.js';
import { ChainBuilder, i, ints } from '../support/onnx-builders.js';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const bin = path.join(root, 'dist/cli/main.js');
export const fashionModel = path.join(root, 'models/fashion-mnist/model.json');

function newest(p: string): number {
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(p).map((f) => newest(path.join(p, f))));
}

/** Rebuilds dist/ (and its CommonJS twins) when src/ is newer (call from beforeAll). */
export function ensureBuilt(): void {
  if (!existsSync(bin) || statSync(bin).mtimeMs < newest(path.join(root, 'src'))) {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'pipe' });
  }
  const cjs = path.join(root, 'dist/index.cjs');
  if (!existsSync(cjs) || statSync(cjs).mtimeMs < statSync(path.join(root, 'dist/index.js')).mtimeMs) {
    execFileSync(process.execPath, ['scripts/build-cjs.cjs'], { cwd: root, stdio: 'pipe' });
  }
}

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node dist/cli/main.js ...args`, stdout and stderr being pipes (not a TTY). */
export function cli(args: string[], env: Record<string, string | undefined> = {}, timeout = 180_000): Result {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', timeout, env: { ...process.env, FORCE_COLOR: '0', ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The JSON document of a --json run that succeeded (nothing else on stdout or stderr). */
export function json(r: Result): Record<string, any> {
  expect(r.stderr, 'stderr of a --json run').toBe('');
  expect(r.code, r.stdout).toBe(0);
  return JSON.parse(r.stdout);
}

/** A progress line: a stage that took over a second (on a loaded machine, even loading can). */
const PROGRESS = /^[\w .()-]+: done in \d+\.\d s$/;

/** One line on stderr besides progress lines, nothing on stdout, the given exit code. */
export function expectOneLineError(r: Result, pattern: RegExp, code = 1): void {
  expect(r.code, r.stderr).toBe(code);
  expect(r.stdout).toBe('');
  const lines = r.stderr.split('\n').filter((l) => l.length > 0 && !PROGRESS.test(l));
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
}

function lcg(n: number, seed: number, scale = 0.3): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return ((s / 2 ** 32) * 2 - 1) * scale;
  });
}

/**
 * A small NCHW CNN as PyTorch exports one: input [batch, 1, 12, 12] with the batch dimension a
 * fixed number (not symbolic), conv 3×3×4 stride 2 + relu, flatten, gemm to 5 classes.
 */
export function fixedBatchOnnx(batch = 1): Uint8Array {
  const g = new ChainBuilder([batch, 1, 12, 12]);
  g.op('Conv', [g.init([4, 1, 3, 3], lcg(36, 1)), g.init([4], lcg(4, 2, 0.1))], { strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) }).op('Relu');
  g.op('Flatten', [], { axis: i(1) });
  g.op('Gemm', [g.init([5, 144], lcg(720, 3, 0.2)), g.init([5], lcg(5, 4, 0.1))], { transB: i(1) });
  const m = g.model([batch, 5]);
  m.graph!.input![0].type!.tensorType!.shape!.dim![0] = { dimValue: batch };
  return onnx.ModelProto.encode(onnx.ModelProto.create(m)).finish();
}
