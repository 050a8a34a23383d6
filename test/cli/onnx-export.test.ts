/**
 * `convert … -o x.onnx` tells the truth about what it writes: ONNX holds dense matrices, so a CSR
 * MLP is written expanded and the printed size is the files' size; the versioned .data sidecar is named
 * in the output and in --json; --single-file keeps everything in the .onnx; the graph takes the
 * source model's input tensor [N, 28, 28, 1] and gives the source model's outputs.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTfjs, runCnn } from '../../src/index.js';
import { cli, ensureBuilt, fashionModel, json } from './cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'cnn2mlp-cli-onnx-'));
beforeAll(ensureBuilt);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function input(batch: number): Float32Array {
  return Float32Array.from({ length: batch * 784 }, (_, k) => (Math.sin(k * 0.61) + 1) / 2);
}

describe('ONNX export', () => {
  it('--format csr: says the matrices were expanded, and prints and reports the files actually written', async () => {
    const file = path.join(dir, 'csr.onnx');
    const r = cli(['convert', fashionModel, '-o', file, '--format', 'csr']);
    expect(r.code, r.stderr).toBe(0);
    const sidecars = () => readdirSync(dir).filter((f) => /^csr\.onnx\.[0-9a-f]{12}\.data$/.test(f));
    expect(sidecars()).toHaveLength(1); // the versioned data file the model references, nothing else
    const dataFile = path.join(dir, sidecars()[0]);
    expect(r.stdout).toMatch(/written expanded to dense matrices/);
    expect(r.stdout).toContain(`${file} (`);
    expect(r.stdout).toContain(`${dataFile} (`);
    expect(r.stdout).toMatch(/keep them together/);

    const j = json(cli(['convert', fashionModel, '-o', file, '--format', 'csr', '--json']));
    expect(sidecars()).toHaveLength(1); // the second save removed the first one's data
    const model = statSync(file).size;
    const newData = path.join(dir, sidecars()[0]);
    const data = statSync(newData).size;
    expect(j.files).toEqual([
      { path: file, bytes: model },
      { path: newData, bytes: data },
    ]);
    expect(j.densified).toBe(true);
    expect(j.bytesOnDisk).toBe(model + data);
    expect(j.bytesOnDisk).toBeGreaterThan(j.bytes); // the CSR MLP in memory is smaller than what ONNX holds
  });

  it('--single-file writes no sidecar, and onnxruntime runs it', async () => {
    const file = path.join(dir, 'single.onnx');
    const j = json(cli(['convert', fashionModel, '-o', file, '--single-file', '--json']));
    expect(readdirSync(dir).filter((f) => f.startsWith('single.onnx.'))).toEqual([]);
    expect(j.files).toEqual([{ path: file, bytes: statSync(file).size }]);
    const s = await ort.InferenceSession.create(file);
    await s.release();
  });

  it("the graph takes the model's input shape [N, 28, 28, 1] and agrees with the CNN", async () => {
    const file = path.join(dir, 'shaped.onnx');
    json(cli(['convert', fashionModel, '-o', file, '--json']));
    const s = await ort.InferenceSession.create(file);
    const meta = s.inputMetadata[0];
    expect(meta.isTensor && meta.shape).toEqual(['N', 28, 28, 1]);
    const x = input(3);
    const res = await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', x, [3, 28, 28, 1]) });
    await s.release();
    expect(res[s.outputNames[0]].dims).toEqual([3, 10]);
    const want = await runCnn(await loadTfjs(fashionModel), x);
    const got = res[s.outputNames[0]].data as Float32Array;
    // softmax outputs in [0, 1]; float32 sums of ≤ 3136 terms reordered: well under 1e-5
    for (let k = 0; k < want.length; k++) expect(Math.abs(got[k] - want[k])).toBeLessThan(1e-5);
  });
});
