/** The public functions with junk models, absurd dims, wrong sizes and junk options. */
import path from 'node:path';
import fc from 'fast-check';
import * as api from '../../../src/index.js';
import type { CnnModel } from '../../../src/model/types.js';
import { evilNumber, evilValue } from './mutate.js';
import type { FuzzTarget } from './target.js';

export interface ApiCase {
  fn: number;
  model: unknown;
  size: number;
  value: unknown;
  opts: unknown;
}

/** A random, mostly-wrong CnnModel: real layer kinds with evil fields. */
const junkLayer = fc.oneof(
  fc.record({
    type: fc.constantFrom('conv2d', 'dense', 'maxPool2d', 'avgPool2d', 'batchNorm', 'zeroPad2d', 'prelu', 'activation', 'flatten', 'globalAvgPool2d', 'bogus'),
    filters: evilNumber,
    units: evilNumber,
    kernelSize: fc.oneof(fc.tuple(evilNumber, evilNumber), evilValue),
    poolSize: fc.tuple(evilNumber, evilNumber),
    strides: fc.option(fc.tuple(evilNumber, evilNumber)),
    dilation: fc.option(fc.tuple(evilNumber, evilNumber)),
    padding: fc.oneof(fc.constantFrom('same', 'valid', 'sameLower', 'bogus'), fc.tuple(evilNumber, evilNumber, evilNumber, evilNumber)),
    groups: fc.option(evilNumber),
    weights: fc.oneof(fc.float32Array({ maxLength: 64 }), evilValue),
    bias: fc.option(fc.float32Array({ maxLength: 8 })),
    activation: fc.oneof(fc.constantFrom('relu', 'softmax', 'bogus', undefined), fc.record({ type: fc.constantFrom('leakyRelu', 'clip', 'elu'), alpha: fc.double(), min: fc.double(), max: fc.double() })),
    mean: fc.float32Array({ maxLength: 8 }),
    variance: fc.float32Array({ maxLength: 8 }),
    alpha: fc.float32Array({ maxLength: 8 }),
    epsilon: fc.double(),
  }),
  evilValue,
);
const junkModel = fc.record({
  layout: fc.constantFrom('NHWC', 'NCHW', 'NHCW', undefined),
  inputShape: fc.oneof(fc.array(evilNumber, { maxLength: 4 }), fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 }), evilValue),
  layers: fc.oneof(fc.array(junkLayer, { maxLength: 5 }), evilValue),
});

export const apiTarget: FuzzTarget<ApiCase> = {
  describe: 'runCnn/runCnnSync/compileCnn/convert/stats/planModel/cnnToOnnx with random junk models and absurd dims; runMlp/runMlpSync/mlpFromLayers/saveMlp/exportOnnx/exportOpenCv with wrong sizes and junk options',
  async setup() {},
  arb: fc.record({
    fn: fc.integer({ min: 0, max: 15 }),
    model: fc.oneof({ weight: 4, arbitrary: junkModel }, { weight: 1, arbitrary: evilValue }),
    size: fc.oneof(evilNumber, fc.integer({ min: 0, max: 200 })),
    value: evilValue,
    opts: fc.oneof(fc.record({ threads: evilValue, format: fc.constantFrom('dense', 'csr', 'x'), maxBytes: evilValue, nonFinite: fc.constantFrom('reject', 'propagate', 'x') }), evilValue),
  }),
  async run(c, dir, index) {
    const model = c.model as CnnModel;
    const n = Number.isSafeInteger(c.size) && c.size >= 0 && c.size <= 1e5 ? c.size : 7;
    const x = new Float32Array(n).fill(0.5);
    const opts = c.opts as never;
    switch (c.fn) {
      case 0:
        return api.runCnn(model, x, opts);
      case 1:
        return api.runCnnSync(model, x, opts);
      case 2: {
        const m = api.compileCnn(model);
        m.dispose();
        return m;
      }
      case 3:
        // Absurd dims reach convert: it must refuse before allocating (ERR_TOO_LARGE) or reject the model.
        return (await api.convert(model, { ...(typeof opts === 'object' && opts ? opts : {}), format: 'csr', maxBytes: 256 << 20 })).dispose();
      case 4:
        return api.stats(model);
      case 5:
        return api.planModel(model);
      case 6:
        return api.cnnToOnnx(model);
      default: {
        const mlp = api.mlpFromLayers(4, [{ format: 'dense', rows: 3, cols: 4, values: new Float32Array(12).fill(0.1) }]);
        try {
          if (c.fn === 7) return await api.runMlp(mlp, x, opts);
          if (c.fn === 8) return api.runMlpSync(mlp, c.value as Float32Array, opts);
          if (c.fn === 9) return api.mlpFromLayers(c.size, (Array.isArray(c.model) ? c.model : [c.model]) as never).dispose();
          if (c.fn === 10) return await api.saveMlp(mlp, typeof c.value === 'string' && c.value ? path.join(dir, `s${index}`) : (c.value as string));
          if (c.fn === 11) return await api.exportOnnx(mlp, path.join(dir, `e${index}.onnx`), opts);
          if (c.fn === 12) return await api.exportOpenCv(mlp, path.join(dir, `e${index}.yml`), opts);
          if (c.fn === 13) return await api.loadMlp(path.join(dir, 'missing.mlp'), opts);
          if (c.fn === 14) return api.stats(mlp as never) && (await api.convert(model, opts)).dispose();
          // Junk handles where an Mlp is expected.
          return await api.runMlp(c.model as never, x, opts);
        } finally {
          mlp.dispose();
        }
      }
    }
  },
};
