/**
 * `require('cnn2mlp')` works on every Node 20 (CommonJS twins of dist/, built by
 * scripts/build-cjs.cjs), with the same API as `import`: the package is loaded by its own name,
 * through its exports map, in a plain CommonJS child process.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, root } from './cli.js';

beforeAll(ensureBuilt);

function node(code: string, flags: string[] = []): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...flags, '-e', code], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('CommonJS', () => {
  it("require('cnn2mlp') gives the API, and it runs a model", () => {
    const r = node(`
      const c = require('cnn2mlp');
      const model = { layout: 'NHWC', inputShape: [4, 4, 1], layers: [
        { type: 'conv2d', filters: 1, kernelSize: [2, 2], strides: [2, 2], weights: new Float32Array([1, 1, 1, 1]) }, { type: 'flatten' } ] };
      const x = Float32Array.from({ length: 16 }, (_, i) => i);
      const y = c.runCnnSync(model, x);
      let err; try { c.setIsa('bogus'); } catch (e) { err = e; }
      console.log(JSON.stringify({ y: Array.from(y), keys: Object.keys(c).sort(), errClass: err instanceof c.Cnn2MlpError, code: err && err.code }));
    `);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.y).toEqual([10, 18, 42, 50]); // 2×2 sums of the 4×4 ramp 0..15
    expect(out.errClass).toBe(true);
    expect(out.code).toBe('ERR_INVALID_ARG');
    // the same names as the ES module
    const esm = node(`import('cnn2mlp').then((m) => console.log(JSON.stringify(Object.keys(m).filter((k) => k !== 'default').sort())))`);
    expect(out.keys).toEqual(JSON.parse(esm.stdout));
  });

  it('without require(esm): the CommonJS entry does not load any ES module', () => {
    // Node 20 before 20.19 has no require(esm); --no-experimental-require-module makes this one behave so
    const r = node(`const c = require('cnn2mlp'); console.log(typeof c.convert, typeof c.loadOnnx, typeof c.exportOnnx)`, ['--no-experimental-require-module']);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('function function function');
  });

  it('type-checks: a CommonJS TypeScript file sees the same types through require', () => {
    // inside the package, so 'cnn2mlp' resolves to itself through the exports map
    const dir = mkdtempSync(path.join(root, '.tmp-cjs-types-'));
    try {
      const file = path.join(dir, 'check.cts');
      // one compile: the right use passes, and the types are real (a wrong layer type must be an
      // error, or the @ts-expect-error itself is reported as unused). Library checking is skipped:
      // onnx-proto's own declarations need protobufjs's Long type, which is not ours to check.
      writeFileSync(
        file,
        `import cnn = require('cnn2mlp');
const model: cnn.CnnModel = { layout: 'NHWC', inputShape: [4, 4, 1], layers: [{ type: 'flatten' }] };
const y: Float32Array = cnn.runCnnSync(model, new Float32Array(16));
// @ts-expect-error not a layer type
const bad: cnn.CnnModel = { layout: 'NHWC', inputShape: [4, 4, 1], layers: [{ type: 'flattn' }] };
console.log(y.length, bad, cnn.Cnn2MlpError.name);
`,
      );
      const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '--strict', '--module', 'node16', '--moduleResolution', 'node16', '--target', 'es2022', '--types', 'node', '--skipLibCheck', 'true', file], {
        cwd: root,
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(tsc.stdout + tsc.stderr).toBe('');
      expect(tsc.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
