/**
 * What onnxruntime / tfjs users expect of the CLI: --threads everywhere; `inspect` (and
 * `stats --layers`) showing the model as its file declares it; .mlp files accepted by stats,
 * inspect and convert (re-export); `run` that refuses what it cannot honour for a .mlp, prints its
 * timing and gives every output in --json; CNN2MLP_ISA values that cannot be used are refused.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpuInfo } from '../../src/index.js';
import { writeNpy } from '../../src/data/npy.js';
import { cli, ensureBuilt, expectOneLineError, fashionModel, fixedBatchOnnx, json } from './cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'cnn2mlp-cli-user-'));
const onnxFile = path.join(dir, 'small.onnx');
const mlpFile = path.join(dir, 'fashion.mlp');
const npy = path.join(dir, 'x.npy');
beforeAll(() => {
  ensureBuilt();
  writeFileSync(onnxFile, fixedBatchOnnx(1));
  writeNpy(npy, { dtype: 'float32', shape: [3, 28, 28, 1], data: Float32Array.from({ length: 3 * 784 }, (_, k) => (Math.cos(k * 0.37) + 1) / 2) });
  json(cli(['convert', fashionModel, '-o', mlpFile, '--json']));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('--threads on run, verify, convert and demo', () => {
  it.each(['run', 'verify', 'convert', 'demo'])('%s --help lists it and a bad value is refused', (cmd) => {
    expect(cli([cmd, '--help']).stdout).toMatch(/--threads <n>\s+kernel threads, 1–256/);
    const args = cmd === 'run' ? [fashionModel, npy] : cmd === 'convert' ? [fashionModel, '-o', path.join(dir, 't.mlp')] : cmd === 'verify' ? [fashionModel] : [];
    expectOneLineError(cli([cmd, ...args, '--threads', '0']), /Expected an integer from 1 to 256 for --threads but received '0'/);
  });

  it.each([['--threads', ''], ['--batches', ''], ['--threads', ',']])('bench %s %j is refused, not read as the default', (opt, value) => {
    expectOneLineError(cli(['bench', '--quick', '--no-peers', opt, value]), new RegExp(`Expected a list of positive integers for ${opt}`));
  });

  it('run --threads 1 gives the outputs of the default', () => {
    const one = json(cli(['run', fashionModel, npy, '--threads', '1', '--json']));
    const all = json(cli(['run', fashionModel, npy, '--json']));
    expect(one.threads).toBe(1);
    // threads split the work differently: equal up to float32 reordering of softmax outputs
    for (let b = 0; b < 3; b++) for (let c = 0; c < 10; c++) expect(Math.abs(one.outputs[b][c] - all.outputs[b][c])).toBeLessThan(1e-6);
  });

  it('demo --threads 1 runs', () => {
    const d = json(cli(['demo', '--limit', '40', '--latency-runs', '1', '--no-seed', '--threads', '1', '--json']));
    expect(d.equivalent).toBe(true);
  });
});

describe('inspect and stats --layers show the file as it declares it', () => {
  it('ONNX: input/output names and shapes, opset, NCHW shapes labelled (c, h, w), the separate Relu node, flatten as a vector', () => {
    const r = cli(['inspect', onnxFile]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/layout NCHW .*opset 13/);
    expect(r.stdout).toMatch(/^inputs: x \[1, 1, 12, 12\]$/m);
    expect(r.stdout).toMatch(/^outputs: \w+ \[1, 5\]$/m);
    expect(r.stdout).toMatch(/output \(c, h, w\)/);
    expect(r.stdout).toMatch(/conv2d\s+3×3×4\s+2\s+\[1, 1, 1, 1\]\s+linear\s+4 × 6 × 6/);
    expect(r.stdout).toMatch(/activation\s+relu\s+4 × 6 × 6/);
    expect(r.stdout).toMatch(/flatten\s+144\s/);
    const j = json(cli(['inspect', onnxFile, '--json']));
    expect(j.opset).toBe(13);
    expect(j.inputs).toEqual([{ name: 'x', shape: [1, 1, 12, 12] }]);
  });

  it('TF.js: fused activations on the conv and dense rows, (h, w, c), flatten 1568; stats --layers prints the same table', () => {
    const r = cli(['inspect', fashionModel]);
    expect(r.stdout).toMatch(/output \(h, w, c\)/);
    expect(r.stdout).toMatch(/conv2d\s+3×3×16\s+2\s+same\s+relu\s+14 × 14 × 16/);
    expect(r.stdout).toMatch(/flatten\s+1568\s/);
    expect(r.stdout).toMatch(/dense\s+10 units\s+softmax\s+10\s/);
    expect(r.stdout).toMatch(/^outputs: \w+ \[N, 10\]$/m);
    const s = cli(['stats', fashionModel, '--layers']).stdout;
    expect(s).toMatch(/conv2d\s+3×3×16\s+2\s+same\s+relu\s+14 × 14 × 16/);
    expect(s).not.toMatch(/1 × 1 × 1568/);
  });
});

describe('.mlp files', () => {
  it('stats and inspect read them', () => {
    const s = json(cli(['stats', mlpFile, '--json']));
    expect(s.stats.format).toBe('csr');
    expect(s.stats.totals.layers).toBe(4);
    expect(cli(['inspect', mlpFile]).stdout).toMatch(/input: \[N, 28, 28, 1\] \(NHWC\), 784 values; output: \[N, 10\]/);
  });

  it('convert re-exports one (here to ONNX), and onnxruntime gives what run gives', async () => {
    const out = path.join(dir, 're.onnx');
    const c = json(cli(['convert', mlpFile, '-o', out, '--json']));
    expect(c.format).toBe('csr');
    expectOneLineError(cli(['convert', mlpFile, '-o', out, '--format', 'dense']), /stores csr layers; re-export keeps them as they are, so drop --format dense/);
    const r = json(cli(['run', mlpFile, npy, '--json']));
    const s = await ort.InferenceSession.create(out);
    const x = Float32Array.from({ length: 3 * 784 }, (_, k) => (Math.cos(k * 0.37) + 1) / 2);
    const res = await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', x, [3, 28, 28, 1]) });
    await s.release();
    const got = Array.from(res[s.outputNames[0]].data as Float32Array);
    const want = r.outputs.flat();
    for (let k = 0; k < want.length; k++) expect(Math.abs(got[k] - want[k])).toBeLessThan(1e-5); // softmax outputs, float32 reordering
  });

  it('run refuses --engine and --input-shape it cannot honour for a .mlp, and reports timing and outputs', () => {
    expectOneLineError(cli(['run', mlpFile, npy, '--engine', 'dense']), /is a csr MLP and runs as stored: --engine dense applies to CNN models/);
    expectOneLineError(cli(['run', mlpFile, npy, '--input-shape', '784']), /already an MLP: --input-shape and --strides apply to CNN models only/);
    const r = cli(['run', mlpFile, npy]);
    expect(r.stdout).toMatch(/^3 samples in \d+\.\d\d ms \(mlp \(csr\)\)$/m);
    const j = json(cli(['run', mlpFile, npy, '--json', '--engine', 'csr']));
    expect(j.outputs).toHaveLength(3);
    expect(j.outputs[0]).toHaveLength(10);
    expect(j.runMs).toBeGreaterThan(0);
  });
});

describe('CNN2MLP_ISA', () => {
  it('a bogus value is an error, not silently ignored', () => {
    expectOneLineError(cli(['stats', fashionModel], { CNN2MLP_ISA: 'avx9000' }), /Expected auto, scalar, avx2 or avx512 for CNN2MLP_ISA but received 'avx9000'/);
  });

  // only checkable on a CPU that lacks AVX2 or AVX-512
  const missing = (['avx2', 'avx512'] as const).find((isa) => !cpuInfo().supportedIsas.includes(isa));
  it('an ISA this CPU lacks is an error naming what it has', (ctx) => {
    if (!missing) return ctx.skip(`this CPU (${cpuInfo().brand}) has every ISA cnn2mlp builds, so none can be refused`);
    expectOneLineError(cli(['stats', fashionModel], { CNN2MLP_ISA: missing }), new RegExp(`CNN2MLP_ISA=${missing}: this CPU .* cannot run ${missing} kernels`));
  });

  it('a supported value is used', () => {
    expect(cli(['stats', fashionModel], { CNN2MLP_ISA: 'scalar' }).code).toBe(0);
  });
});
