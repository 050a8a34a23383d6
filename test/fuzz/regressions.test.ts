/** Regression tests for bugs the fuzzers found: each input once crashed or threw a non-Cnn2MlpError. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';
import { Cnn2MlpError } from '../../src/errors.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cnn2mlp-fuzzreg-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function codeOf(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(Cnn2MlpError);
    return (e as Cnn2MlpError).code;
  }
  return 'no error';
}

function modelJson(shape: string): string {
  return (
    `{"format":"layers-model","modelTopology":{"class_name":"Sequential","config":{"layers":[{"class_name":"Dense","config":{"name":"d","units":2,"use_bias":false,"batch_input_shape":[null,3]}}]}},` +
    `"weightsManifest":[{"paths":["w.bin"],"weights":[{"name":"d/kernel","shape":${shape},"dtype":"float32"}]}]}`
  );
}

describe('fuzz regressions', () => {
  it('loadTfjs: a weight shape nesting 100k arrays deep → ERR_BAD_FILE (was RangeError from JSON.stringify in the message; now refused by the depth bound, and messages use describe())', async () => {
    const f = path.join(tmp, 'deep-shape.json');
    fs.writeFileSync(f, modelJson('[' + '['.repeat(100_000) + ']'.repeat(100_000) + ']'));
    expect(await codeOf(() => api.loadTfjs(f))).toBe('ERR_BAD_FILE');
  });

  it('loadTfjs: model.json nested 1M levels deep, or above 32 MiB → ERR_BAD_FILE before JSON.parse (was a fatal V8 heap OOM at ~100M nested arrays)', async () => {
    const deep = path.join(tmp, 'deep.json');
    fs.writeFileSync(deep, '['.repeat(1_000_000) + ']'.repeat(1_000_000));
    expect(await codeOf(() => api.loadTfjs(deep))).toBe('ERR_BAD_FILE');
    const big = path.join(tmp, 'big.json');
    fs.writeFileSync(big, modelJson('[2,3]').replace('"format"', `"pad":"${'x'.repeat(33 * 2 ** 20)}","format"`));
    expect(await codeOf(() => api.loadTfjs(big))).toBe('ERR_BAD_FILE');
    // A deep string does not count as nesting.
    const str = path.join(tmp, 'str.json');
    fs.writeFileSync(str, modelJson('[3,2]').replace('"format"', `"note":"${'['.repeat(5000)}\\"{{","format"`));
    fs.writeFileSync(path.join(tmp, 'w.bin'), new Uint8Array(24));
    const m = api.loadTfjs(str);
    expect(m.inputShape).toEqual([3]);
  });

  it('exportOnnx / exportOpenCv with options null → ERR_INVALID_ARG (was TypeError)', async () => {
    const mlp = api.mlpFromLayers(2, [{ format: 'dense', rows: 1, cols: 2, values: Float32Array.from([1, 2]) }]);
    expect(await codeOf(() => api.exportOnnx(mlp, path.join(tmp, 'a.onnx'), null as never))).toBe('ERR_INVALID_ARG');
    expect(await codeOf(() => api.exportOpenCv(mlp, path.join(tmp, 'a.yml'), null as never))).toBe('ERR_INVALID_ARG');
    expect(fs.existsSync(path.join(tmp, 'a.onnx'))).toBe(false);
    mlp.dispose();
  });
});
