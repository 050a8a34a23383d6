/**
 * PyTorch's exports (test/fixtures/pytorch, both exporters) converted: CSR always, dense where it
 * is at most 200 MB; runMlp must reproduce PyTorch's saved output and runCnn's. The MobileNetV3
 * block has no MLP form (its skip crosses a swish layer; its gate is a product of two tensors):
 * refused naming the layer and why.
 *
 * Tolerance: atol 1e-4 + rtol 1e-4, as for loadOnnx + runCnn on the same files (see
 * test/formats/pytorch-fixtures.test.ts): the MLP sums the same products in another order
 * (folded batch-norm, carried units), which moves results by ~1e-5 at these depths.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { convert, runCnn, runMlp, stats } from '../../src/index.js';
import { loadOnnx } from '../../src/formats/onnx.js';
import { expectClose } from '../support/compare.js';
import { readNpy } from '../support/npy.js';

const DIR = path.join(import.meta.dirname, '../fixtures/pytorch');
const DENSE_MAX = 200 << 20;
interface Entry {
  name: string;
  files: Record<string, boolean>;
}
const index = JSON.parse(fs.readFileSync(path.join(DIR, 'index.json'), 'utf8')) as { models: Entry[] };
const cases = index.models.flatMap((m) => ['torchscript.onnx', 'dynamo.onnx'].filter((f) => f in m.files).map((f) => [`${m.name} ${f}`, m, f] as const));

describe('PyTorch exports converted to MLPs', () => {
  it.each(cases)('%s', async (_, m, file) => {
    const x = readNpy(path.join(DIR, m.name, 'input.npy'));
    const y = readNpy(path.join(DIR, m.name, 'output.npy'));
    const model = loadOnnx(path.join(DIR, m.name, file));
    const cnn = await runCnn(model, x.data);
    if (model.layers.some((l) => l.type === 'multiply')) {
      // its skip tensor meets the first refusal: it would cross a swish layer (else the gating product)
      const why = /^layer \d+ \(.*\): (a tensor a later layer reads would have to cross this layer's \w+ activation|the product of two tensors is not affine)/;
      await expect(convert(model, { format: 'csr' })).rejects.toMatchObject({ code: 'ERR_NOT_CONVERTIBLE', message: expect.stringMatching(why) });
      return;
    }
    const st = stats(model);
    const formats = st.dense.totals.bytes <= DENSE_MAX ? (['dense', 'csr'] as const) : (['csr'] as const);
    for (const format of formats) {
      const mlp = await convert(model, { format });
      try {
        expect(mlp.bytes).toBe(st[format].totals.bytes);
        const got = await runMlp(mlp, x.data);
        expectClose(got, cnn);
        if (m.files[file]) expectClose(got, y.data);
      } finally {
        mlp.dispose();
      }
    }
  }, 120_000);
});
