/** Regression tests for bugs the fuzzers found: each input once crashed or threw a non-Cnn2MlpError. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';
import { Cnn2MlpError } from '../../src/errors.js';
import { onnx } from '../../src/formats/onnx-proto.js';
import { bigGraph, bomb, graph } from './targets/onnx-graph.js';

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

  it('loadOnnx: constant-folding bombs → ERR_UNSUPPORTED / ERR_BAD_FILE (were RangeError "Invalid array length" or a V8 heap OOM); ops missing inputs → ERR_BAD_FILE', async () => {
    const enc = (m: Parameters<typeof onnx.ModelProto.fromObject>[0]) => onnx.ModelProto.encode(onnx.ModelProto.fromObject(m)).finish();
    // ConstantOfShape [1, 2, 1e12, 4]; a Shape → Concat doubling loop of 34 steps; Range to 1e12; Expand to 1e12²
    expect(await codeOf(() => api.loadOnnx(enc(bomb(0, 0))))).toBe('ERR_UNSUPPORTED');
    expect(await codeOf(() => api.loadOnnx(enc(bomb(2, 24))))).toBe('ERR_UNSUPPORTED');
    expect(await codeOf(() => api.loadOnnx(enc(bomb(5, 0))))).toBe('ERR_UNSUPPORTED');
    expect(await codeOf(() => api.loadOnnx(enc(bomb(4, 0))))).toBe('ERR_UNSUPPORTED');
    expect(await codeOf(() => api.loadOnnx(enc(bomb(0, 3))))).toBe('ERR_BAD_FILE'); // a -1 dim
    // a folded Gather missing its indices, a Resize with neither scales nor sizes (were TypeErrors)
    const gather = graph([{ opType: 'Shape', input: ['x'], output: ['s'] }, { opType: 'Gather', input: ['s'], output: ['g'] }, { opType: 'Reshape', input: ['x', 'g'], output: ['out'] }], [], 'out');
    expect(await codeOf(() => api.loadOnnx(enc(gather)))).toBe('ERR_BAD_FILE');
    expect(await codeOf(() => api.loadOnnx(enc(graph([{ opType: 'Resize', input: ['x'], output: ['out'] }], [], 'out'))))).toBe('ERR_BAD_FILE');
    // a 10k-node chain still loads
    expect(api.loadOnnx(enc(bigGraph(10_000, false, 'Sum'))).layers.length).toBe(10_000);
  }, 60_000);

  it('loadTfjs: a graph model 10k nodes deep loads (was RangeError: call stack exceeded), a layer with empty inbound_nodes or a one-input AddV2 → ERR_BAD_FILE (were TypeErrors)', async () => {
    const node: unknown[] = [{ name: 'x', op: 'Placeholder', attr: { shape: { shape: { dim: [{ size: '-1' }, { size: '4' }, { size: '4' }, { size: '2' }] } }, dtype: { type: 'DT_FLOAT' } } }];
    for (let k = 0; k < 10_000; k++) node.push({ name: `r${k}`, op: 'Relu', input: [k ? `r${k - 1}` : 'x'] });
    const deep = path.join(tmp, 'deep-graph.json');
    fs.writeFileSync(deep, JSON.stringify({ format: 'graph-model', modelTopology: { node }, signature: { outputs: { o: { name: 'r9999:0' } } }, weightsManifest: [] }));
    expect(api.loadTfjs(deep).layers.length).toBe(10_000);
    // an AddV2 reading one input (was TypeError reading 'kind' of undefined)
    node.push({ name: 'add', op: 'AddV2', input: ['r9999'] });
    fs.writeFileSync(deep, JSON.stringify({ format: 'graph-model', modelTopology: { node }, signature: { outputs: { o: { name: 'add:0' } } }, weightsManifest: [] }));
    expect(await codeOf(() => api.loadTfjs(deep))).toBe('ERR_BAD_FILE');
    const f = path.join(tmp, 'no-inbound.json');
    const layers = [
      { class_name: 'InputLayer', name: 'in', config: { name: 'in', batch_input_shape: [null, 3] }, inbound_nodes: [] },
      { class_name: 'ReLU', name: 'r', config: { name: 'r' }, inbound_nodes: [] },
    ];
    fs.writeFileSync(f, JSON.stringify({ format: 'layers-model', modelTopology: { class_name: 'Model', config: { layers, input_layers: [['in', 0, 0]], output_layers: [['r', 0, 0]] } }, weightsManifest: [] }));
    expect(await codeOf(() => api.loadTfjs(f))).toBe('ERR_BAD_FILE');
  }, 60_000);
});
