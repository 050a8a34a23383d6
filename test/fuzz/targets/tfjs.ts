/** loadTfjs on mutated model.json, shards and JSON text. */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import * as api from '../../../src/index.js';
import { exercise } from './model.js';
import { byteMutation, expandDeep, jsonMutation, mutateBytes, mutateJson, type ByteMutation, type JsonMutation } from './mutate.js';
import type { FuzzTarget } from './target.js';

export const tfjsJson = () => ({
  format: 'layers-model',
  modelTopology: {
    class_name: 'Sequential',
    config: {
      name: 'seq',
      layers: [
        { class_name: 'Conv2D', config: { name: 'c', batch_input_shape: [null, 6, 6, 2], filters: 3, kernel_size: [3, 3], strides: [1, 1], padding: 'valid', data_format: 'channels_last', dilation_rate: [1, 1], activation: 'relu', use_bias: true, dtype: 'float32' } },
        { class_name: 'MaxPooling2D', config: { name: 'p', pool_size: [2, 2], strides: [2, 2], padding: 'valid', data_format: 'channels_last' } },
        { class_name: 'Flatten', config: { name: 'f' } },
        { class_name: 'Dense', config: { name: 'd', units: 4, activation: 'softmax', use_bias: true } },
      ],
    },
  },
  weightsManifest: [
    {
      paths: ['group1-shard1of1.bin'],
      weights: [
        { name: 'c/kernel', shape: [3, 3, 2, 3], dtype: 'float32' },
        { name: 'c/bias', shape: [3], dtype: 'float32' },
        { name: 'd/kernel', shape: [12, 4], dtype: 'float32' },
        { name: 'd/bias', shape: [4], dtype: 'float32' },
      ],
    },
  ],
});
export const tfjsShard = () => new Uint8Array(Float32Array.from({ length: 54 + 3 + 48 + 4 }, (_, k) => Math.cos(k) * 0.3).buffer);

export interface TfjsCase {
  json: JsonMutation[];
  shard: ByteMutation[];
  mode: number; // 0 json, 1 shard, 2 both, 3 raw text bytes
  text: ByteMutation[];
}

export const tfjsTarget: FuzzTarget<TfjsCase> = {
  describe: 'loadTfjs(model.json) with mutated JSON (evil dims, dtypes, deleted keys, deep nesting, huge arrays), mutated/truncated shards and mangled JSON text',
  async setup(dir) {
    const d = path.join(dir, 'tfjs-base');
    fs.mkdirSync(d);
    fs.writeFileSync(path.join(d, 'model.json'), JSON.stringify(tfjsJson()));
    fs.writeFileSync(path.join(d, 'group1-shard1of1.bin'), tfjsShard());
    await exercise(api.loadTfjs(path.join(d, 'model.json')));
  },
  arb: fc.record({
    json: fc.array(jsonMutation, { minLength: 1, maxLength: 3 }),
    shard: fc.array(byteMutation, { minLength: 1, maxLength: 2 }),
    mode: fc.integer({ min: 0, max: 3 }),
    text: fc.array(byteMutation, { minLength: 1, maxLength: 2 }),
  }),
  async run(c, dir, index) {
    const d = path.join(dir, `tfjs${index}`);
    fs.mkdirSync(d);
    let text = expandDeep(JSON.stringify(c.mode === 0 || c.mode === 2 ? mutateJson(tfjsJson(), c.json) : tfjsJson()) ?? 'undefined');
    if (c.mode === 3) text = Buffer.from(mutateBytes(Buffer.from(text), c.text)).toString('latin1');
    fs.writeFileSync(path.join(d, 'model.json'), text);
    fs.writeFileSync(path.join(d, 'group1-shard1of1.bin'), c.mode === 1 || c.mode === 2 ? mutateBytes(tfjsShard(), c.shard) : tfjsShard());
    try {
      const model = api.loadTfjs(path.join(d, 'model.json'));
      await exercise(model);
      return model;
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  },
};
