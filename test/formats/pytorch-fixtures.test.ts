/**
 * Real exporter output: the PyTorch families in test/fixtures/pytorch (made by scripts/export-pytorch.py
 * with torch 2.13: ResNet basic and bottleneck blocks, MobileNetV2, a MobileNetV3 block, SqueezeNet,
 * a U-Net, a Conv1d classifier, a transposed-conv decoder), each exported by the TorchScript exporter
 * (opset 17, plus opsets 7 and 9 for three of them) and by the torch.export exporter (opset 20).
 * loadOnnx + runCnn must reproduce PyTorch's saved output and onnxruntime-node's.
 *
 * Tolerance: atol 1e-4 + rtol 1e-4. These are float32 networks of up to 15 layers whose reductions
 * have up to 252 terms; summation order alone moves results by ~1e-5 here (onnxruntime against
 * PyTorch on the same files: at most 1.3e-5). A wrong pad, index, coordinate mode or dropped batch
 * norm moves them by more than 1e-2 (ONNX Upsample-9's coordinates against PyTorch's: 5.2).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCnn } from '../../src/cnn/cnn.js';
import { loadOnnx } from '../../src/formats/onnx.js';
import { expectClose, runOrt } from '../support/compare.js';
import { readNpy } from '../support/npy.js';

const DIR = path.join(import.meta.dirname, '../fixtures/pytorch');
interface Entry {
  name: string;
  inputShape: number[];
  outputShape: number[];
  files: Record<string, boolean>;
}
const index = JSON.parse(fs.readFileSync(path.join(DIR, 'index.json'), 'utf8')) as { models: Entry[] };
const cases = index.models.flatMap((m) => Object.entries(m.files).map(([file, matchesTorch]) => [`${m.name} ${file}`, m, file, matchesTorch] as const));

describe('PyTorch exports (both exporters) through loadOnnx and runCnn', () => {
  it.each(cases)('%s', async (_, m, file, matchesTorch) => {
    const x = readNpy(path.join(DIR, m.name, 'input.npy'));
    const y = readNpy(path.join(DIR, m.name, 'output.npy'));
    expect(x.shape).toEqual(m.inputShape);
    const onnxFile = path.join(DIR, m.name, file);
    const model = loadOnnx(onnxFile);
    const actual = await runCnn(model, x.data);
    expect(actual.length).toBe(y.data.length);
    expectClose(actual, await runOrt(onnxFile, x.data, x.shape));
    if (matchesTorch) expectClose(actual, y.data);
  });

  it('the exports are graphs: residual adds, concats, upsampling, 1-D and transposed convs survive loading', () => {
    const types = (name: string, file: string) => new Set(loadOnnx(path.join(DIR, name, file)).layers.map((l) => l.type));
    for (const file of ['torchscript.onnx', 'dynamo.onnx']) {
      expect(types('resnet-basic', file).has('add')).toBe(true);
      expect(types('squeezenet', file).has('concat')).toBe(true);
      expect(types('unet', file).has('upsample2d')).toBe(true);
      expect(types('decoder', file).has('conv2dTranspose')).toBe(true);
      expect(types('mobilenetv3-block', file).has('multiply')).toBe(true);
      expect(loadOnnx(path.join(DIR, 'conv1d', file)).spatialRank).toBe(1);
    }
  });
});
