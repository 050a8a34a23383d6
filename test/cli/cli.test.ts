/**
 * The built CLI as a user runs it: `node dist/cli/main.js …` in a child process. dist is rebuilt
 * first when missing or older than src. Results are checked against independent expectations
 * (closed-form counts from model.json, tfjs predictions, the library called in-process); errors
 * must be one line on stderr with a non-zero exit code. Parts whose library functions have not
 * landed in this build are skipped (the skip names the function).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { readIdxImageSet } from '../../src/data/idx.js';
import { writeNpy } from '../../src/data/npy.js';
import { convert, loadMlp, loadTfjs, runCnn, runMlp } from '../../src/index.js';
import { fixtureMissing, sharedFixture } from '../support/shared-fixtures.js';
import { skipUnless } from '../support/skips.js';

const root = path.resolve(__dirname, '../..');
const bin = path.join(root, 'dist/cli/main.js');
const modelJson = path.join(root, 'models/fashion-mnist/model.json');
const dir = mkdtempSync(path.join(tmpdir(), 'cnn2mlp-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hasModel = existsSync(modelJson);

function newest(p: string): number {
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(p).map((f) => newest(path.join(p, f))));
}

beforeAll(() => {
  if (!existsSync(bin) || statSync(bin).mtimeMs < newest(path.join(root, 'src'))) {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'pipe' });
  }
});

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(...args: string[]): Result {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', timeout: 120_000, env: { ...process.env, FORCE_COLOR: '0' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function json(r: Result): Record<string, any> {
  expect(r.stderr, 'stderr of a --json run').toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout); // stdout holds the JSON document and nothing else
}

/** One line on stderr, nothing on stdout, a non-zero exit. */
function expectOneLineError(r: Result, pattern: RegExp, code = 1): void {
  expect(r.code).toBe(code);
  expect(r.stdout).toBe('');
  const lines = r.stderr.split('\n').filter((l) => l.length > 0);
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
}

/** Closed-form counts of the embedded model, read from its TF.js topology (not via cnn2mlp). */
function closedFormCounts(): { macs: number; weights: number } {
  const topo = JSON.parse(readFileSync(modelJson, 'utf8')).modelTopology;
  const layers = (topo.model_config ?? topo).config.layers as Array<{ class_name: string; config: any }>;
  let [h, w, c] = layers[0].config.batch_input_shape.slice(1) as number[];
  let macs = 0;
  let weights = 0;
  for (const { class_name: kind, config } of layers) {
    if (kind === 'Conv2D') {
      const [kh, kw] = config.kernel_size;
      const [sh, sw] = config.strides;
      expect(config.padding).toBe('same');
      h = Math.ceil(h / sh);
      w = Math.ceil(w / sw);
      macs += h * w * config.filters * kh * kw * c;
      weights += kh * kw * c * config.filters;
      c = config.filters;
    } else if (kind === 'Flatten') {
      c = h * w * c;
      h = w = 1;
    } else if (kind === 'Dense') {
      macs += c * config.units;
      weights += c * config.units;
      c = config.units;
    }
  }
  return { macs, weights };
}

describe('cnn2mlp CLI (spawned)', () => {
  it('prints help listing every subcommand, exit 0', () => {
    const r = cli('--help');
    expect(r.code).toBe(0);
    for (const cmd of ['convert', 'run', 'verify', 'stats', 'bench', 'demo']) expect(r.stdout).toMatch(new RegExp(`^\\s+${cmd}\\b`, 'm'));
    const sub = cli('convert', '--help');
    expect(sub.code).toBe(0);
    expect(sub.stdout).toMatch(/--format <format>/);
  });

  it('usage errors: one line, exit 2', () => {
    expectOneLineError(cli('bogus'), /unknown command 'bogus'/, 2);
    expectOneLineError(cli('run', 'only-one-arg'), /missing required argument 'inputs'/, 2);
    expectOneLineError(cli('convert', 'x.onnx'), /required option '-o, --output <file>'/, 2);
    expectOneLineError(cli('convert', 'x.onnx', '-o', 'y.mlp', '--format', 'coo'), /--format.*coo.*invalid|Allowed choices/i, 2);
  });

  it('bad arguments and bad files: one line with the error code, exit 1, even with --json', () => {
    expectOneLineError(cli('stats', path.join(dir, 'missing.onnx'), '--json'), /^cnn2mlp: no such file: .*missing\.onnx \(ERR_BAD_FILE\)$/);
    writeFileSync(path.join(dir, 'notes.txt'), 'hello');
    expectOneLineError(cli('verify', path.join(dir, 'notes.txt')), /cannot tell the format of .*notes\.txt.*\(ERR_UNSUPPORTED\)$/);
    expectOneLineError(cli('convert', modelJson, '-o', path.join(dir, 'out.txt')), /cannot tell the output format .*\(ERR_INVALID_ARG\)$/);
    expectOneLineError(cli('run', modelJson, 'x.npy', '--top', 'zero'), /Expected a positive integer for --top .*\(ERR_INVALID_ARG\)$/);
    expectOneLineError(cli('demo', '--limit', '-3'), /Expected a positive integer for --limit .*\(ERR_INVALID_ARG\)$/);
  });

  it('bench: a bad --models value is one line', () => {
    expectOneLineError(cli('bench', '--models', 'seed9'), /Expected seed2, seed3, sweep, crossover for --models but received 'seed9' \(ERR_INVALID_ARG\)$/);
  });

  it('bench --quick --json (one small part) writes its files and reports them', () => {
    const out = path.join(dir, 'bench');
    const r = json(cli('bench', '--quick', '--json', '--models', 'seed3', '--threads', '1', '--batches', '1', '--no-peers', '--out', out));
    for (const f of [r.files.json, r.files.markdown]) expect(existsSync(f)).toBe(true);
    expect(path.dirname(r.files.json)).toBe(out);
    expect(r.results).not.toBeNull();
  });
});

describe('with the embedded model (needs loadTfjs)', () => {
  skipUnless(hasModel, `${path.relative(root, modelJson)} is missing (run npm run train:fashion-mnist)`);
  it('stats --json: CNN counts equal the closed form computed from model.json', () => {
    const s = json(cli('stats', modelJson, '--json'));
    const ref = closedFormCounts();
    expect(s.cnn.macs).toBe(ref.macs);
    expect(s.cnn.weights).toBe(ref.weights);
    // conv 3×3×16/2 + conv 3×3×32/2 + dense 128 + dense 10 on 28×28×1, by hand:
    expect(ref.macs).toBe(14 * 14 * 16 * 9 + 7 * 7 * 32 * 9 * 16 + 1568 * 128 + 128 * 10);
  });

  it('a corrupted model.json is ERR_BAD_FILE or ERR_INVALID_MODEL in one line', () => {
    writeFileSync(path.join(dir, 'model.json'), '{"modelTopology": 3');
    expectOneLineError(cli('stats', path.join(dir, 'model.json')), /\((ERR_BAD_FILE|ERR_INVALID_MODEL)\)$/);
  });

  describe('runs (needs runCnn)', () => {
    const set = readIdxImageSet(path.join(root, 'data/fashion-mnist/t10k-images-idx3-ubyte.gz'), path.join(root, 'data/fashion-mnist/t10k-labels-idx1-ubyte.gz'));
    const n = 6;
    const x = new Float32Array(n * 784);
    for (let i = 0; i < x.length; i++) x[i] = set.images[i] / 255;

    async function libraryTop1(input: Float32Array, batch: number): Promise<number[]> {
      const model = await loadTfjs(modelJson);
      const out = await runCnn(model, input);
      return Array.from({ length: batch }, (_, b) => {
        const row = Array.from(out.subarray(b * 10, b * 10 + 10));
        return row.indexOf(Math.max(...row));
      });
    }

    it('run on .npy, raw float32 and PNG: top-1 equals runCnn called in-process; -o writes the outputs', async () => {
      writeNpy(path.join(dir, 'x.npy'), { dtype: 'float32', shape: [n, 28, 28, 1], data: x });
      const expected = await libraryTop1(x, n);
      const r = json(cli('run', modelJson, path.join(dir, 'x.npy'), '--json', '-k', '3', '-o', path.join(dir, 'y.npy')));
      expect(r.batch).toBe(n);
      expect(r.top.map((t: Array<{ index: number }>) => t[0].index)).toEqual(expected);
      expect(r.top[0]).toHaveLength(3);
      expect(statSync(path.join(dir, 'y.npy')).size).toBe(128 + n * 10 * 4); // 128-byte header for this shape

      writeFileSync(path.join(dir, 'x.f32'), new Uint8Array(x.buffer));
      const raw = json(cli('run', modelJson, path.join(dir, 'x.f32'), '--json'));
      expect(raw.top.map((t: Array<{ index: number }>) => t[0].index)).toEqual(expected);

      // a 56×56 PNG of image 0 (each pixel doubled): bilinear resize back to 28×28 averages 2×2 equal pixels
      const png = new PNG({ width: 56, height: 56 });
      for (let y = 0; y < 56; y++)
        for (let xx = 0; xx < 56; xx++) {
          const v = set.images[(y >> 1) * 28 + (xx >> 1)];
          png.data.set([v, v, v, 255], (y * 56 + xx) * 4);
        }
      writeFileSync(path.join(dir, 'x.png'), PNG.sync.write(png));
      const img = json(cli('run', modelJson, path.join(dir, 'x.png'), '--json'));
      expect(img.batch).toBe(1);
      const pngInput = new Float32Array(784);
      for (let y = 0; y < 28; y++)
        for (let xx = 0; xx < 28; xx++) {
          // OpenCV-style bilinear at 2× downscale samples at (2y + 0.5): a 50/50 blend of rows 2y and 2y+1 → the same value
          pngInput[y * 28 + xx] = set.images[y * 28 + xx] / 255;
        }
      expect(img.top[0][0].index).toBe((await libraryTop1(pngInput, 1))[0]);
    });

    it('run rejects an input of the wrong shape in one line', () => {
      writeNpy(path.join(dir, 'bad.npy'), { dtype: 'float32', shape: [3, 5], data: new Float32Array(15) });
      expectOneLineError(cli('run', modelJson, path.join(dir, 'bad.npy')), /expected shape \[28, 28, 1\] or \[N, 28, 28, 1\].*\[3, 5\].*\(ERR_INVALID_ARG\)$/);
    });

    it('convert --json writes a .mlp whose run matches the CNN', async () => {
      const c = json(cli('convert', modelJson, '-o', path.join(dir, 'm.mlp'), '--format', 'csr', '--json'));
      expect(c.inputSize).toBe(784);
      expect(c.outputSize).toBe(10);
      writeNpy(path.join(dir, 'x.npy'), { dtype: 'float32', shape: [n, 28, 28, 1], data: x });
      const r = json(cli('run', path.join(dir, 'm.mlp'), path.join(dir, 'x.npy'), '--json'));
      expect(r.top.map((t: Array<{ index: number }>) => t[0].index)).toEqual(await libraryTop1(x, n));
    });

    it('convert --precision bf16 writes a bf16 .mlp that loads and runs like the library\'s bf16 MLP, to the bit', async () => {
      const file = path.join(dir, 'm16.mlp');
      const c = json(cli('convert', modelJson, '-o', file, '--format', 'dense', '--precision', 'bf16', '--json'));
      expect(c.precision).toBe('bf16');
      expect(c.layers.every((l: { precision: string }) => l.precision === 'bf16')).toBe(true);
      using back = await loadMlp(file);
      using lib = await convert(await loadTfjs(modelJson), { format: 'dense', precision: 'bf16' });
      expect(back.layers.map((l) => l.precision)).toEqual(lib.layers.map((l) => l.precision));
      expect(await runMlp(back, x)).toEqual(await runMlp(lib, x));
      // a stored MLP keeps its weights: asking for another precision is refused in one line
      const r = cli('convert', file, '-o', path.join(dir, 'm32.mlp'), '--precision', 'f32');
      expect(r.code).not.toBe(0);
      expect(r.stderr.trim()).toMatch(/holds bf16 weights; re-export keeps them as they are, so drop --precision f32/);
    });

    it('verify --json: dense, CSR and tfjs agree with the CNN', () => {
      const v = json(cli('verify', modelJson, '--samples', '4', '--format', 'both', '--json'));
      expect(v.ok).toBe(true);
      const engines = v.comparisons.map((c: { engine: string }) => c.engine);
      expect(engines).toEqual(['dense MLP', 'csr MLP', '@tensorflow/tfjs']);
      for (const c of v.comparisons) {
        expect(c.status).toBe('ok');
        expect(c.failures).toBe(0);
        // outputs are softmax probabilities: float32 reorderings of ≤ 3136-term sums stay far below 1e-4
        expect(c.maxAbsError).toBeLessThan(1e-4);
      }
    });

    it('convert to .onnx, then verify that file: onnxruntime-node agrees too; run --engine csr', async () => {
      const c = json(cli('convert', modelJson, '-o', path.join(dir, 'm.onnx'), '--format', 'csr', '--json'));
      expect(c.writer).toBe('onnx');
      const v = json(cli('verify', path.join(dir, 'm.onnx'), '--samples', '4', '--json'));
      expect(v.ok).toBe(true);
      const ort = v.comparisons.find((x: { engine: string }) => x.engine === 'onnxruntime-node');
      expect(ort.status).toBe('ok');
      expect(ort.failures).toBe(0);
      writeNpy(path.join(dir, 'x.npy'), { dtype: 'float32', shape: [n, 28, 28, 1], data: x });
      const r = json(cli('run', modelJson, path.join(dir, 'x.npy'), '--engine', 'csr', '--json'));
      expect(r.top.map((t: Array<{ index: number }>) => t[0].index)).toEqual(await libraryTop1(x, n));
    });

    it('convert to OpenCV YAML: refused in one line naming the CLI flag, written with it', () => {
      const yml = path.join(dir, 'm.yml');
      expectOneLineError(cli('convert', modelJson, '-o', yml, '--format', 'csr'), /pass --opencv-softmax logits.*softmax.*\(ERR_UNSUPPORTED\)$/);
      const c = json(cli('convert', modelJson, '-o', yml, '--format', 'csr', '--opencv-softmax', 'logits', '--opencv-linear', 'reluPair', '--json'));
      expect(c.writer).toBe('opencv');
      expect(c.opencv.logits).toBe(true);
      expect(readFileSync(yml, 'utf8')).toMatch(/opencv_ml_ann_mlp/);
    });

    it('verify fails (exit 1, one line) when the tolerance is impossible', () => {
      const r = cli('verify', modelJson, '--samples', '4', '--atol', '0', '--rtol', '0', '--no-peers');
      // exact float equality between the CNN and its MLPs is not promised; if it happens, the check passes honestly
      if (r.code === 0) expect(r.stdout).toMatch(/ok/);
      else expect(r.stderr.trim()).toMatch(/^cnn2mlp: verification failed: .*past \|x − cnn\| ≤ 0 \+ 0·\|cnn\|$/);
    });

    it('demo --limit 500 --json: 0 differing predictions, identical accuracies equal to tfjs', async () => {
      const d = json(cli('demo', '--limit', '500', '--latency-runs', '5', '--no-seed', '--json'));
      expect(d.images).toBe(500);
      expect(d.differingPredictions).toEqual({ dense: 0, csr: 0 });
      expect(d.equivalent).toBe(true);
      expect(d.accuracy.dense).toBe(d.accuracy.cnn);
      expect(d.accuracy.csr).toBe(d.accuracy.cnn);
      // the bf16 row is reported (approximate: counted, not required to be 0), with half the dense weight bytes
      expect(Number.isInteger(d.bf16.differingPredictions)).toBe(true);
      expect(Number.isInteger(d.bf16.vsDenseMlp.differingPredictions)).toBe(true);
      // dense and CNN agree to ~1e-6, so bf16's distance from each differs by no more than that
      expect(Math.abs(d.bf16.vsDenseMlp.maxAbsDiff - d.bf16.maxAbsDiff)).toBeLessThanOrEqual(d.maxAbsDiff.dense);
      const bf = d.engines.find((e: { engine: string }) => e.engine === 'bf16');
      const fp = d.engines.find((e: { engine: string }) => e.engine === 'dense');
      expect(bf.bytes).toBeLessThan(0.51 * fp.bytes);
      // independent: tfjs (pure JS CPU backend) on the same 500 images
      const tf = await import('@tensorflow/tfjs');
      await tf.setBackend('cpu');
      const m = JSON.parse(readFileSync(modelJson, 'utf8'));
      const weightData = new Uint8Array(readFileSync(path.join(root, 'models/fashion-mnist/weights.bin'))).buffer;
      const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: m.modelTopology, weightSpecs: m.weightsManifest[0].weights, weightData }));
      const xs = new Float32Array(500 * 784);
      for (let i = 0; i < xs.length; i++) xs[i] = set.images[i] / 255;
      const pred = (model.predict(tf.tensor4d(xs, [500, 28, 28, 1])) as import('@tensorflow/tfjs').Tensor).argMax(-1).dataSync();
      let correct = 0;
      for (let i = 0; i < 500; i++) if (pred[i] === set.labels[i]) correct++;
      // a near-tie could flip one prediction between two float32 runtimes; allow one image
      expect(Math.abs(d.accuracy.cnn * 500 - correct)).toBeLessThanOrEqual(1);
      // counts: dense MLP entries = Σ rows·cols of the Toeplitz matrices = (196·16)·784 + 1568·(196·16) + 1568·128 + 128·10
      const dense = d.engines.find((e: { engine: string }) => e.engine === 'dense');
      expect(dense.macs).toBe(3136 * 784 + 1568 * 3136 + 1568 * 128 + 128 * 10);
      const cnnRow = d.engines.find((e: { engine: string }) => e.engine === 'cnn');
      expect(cnnRow.macs).toBe(closedFormCounts().macs);
    });
  });
});

describe('the seed network (needs seedNetwork)', () => {
  it('stats seed --json: CNN counts equal the closed form, stride 2 and 3', () => {
    for (const stride of [2, 3]) {
      const s = json(cli('stats', 'seed', '--strides', String(stride), '--json'));
      const side = (n: number) => Math.ceil(n / stride);
      const [a, b, c] = [side(80), side(side(80)), side(side(side(80)))];
      const macs = a * a * 32 * 27 + b * b * 64 * 9 * 32 + c * c * 64 * 9 * 64 + c * c * 64 * 1024 + 1024 * 29;
      expect(s.cnn.macs).toBe(macs);
      expect(s.cnn.weights).toBe(27 * 32 + 9 * 32 * 64 + 9 * 64 * 64 + c * c * 64 * 1024 + 1024 * 29);
    }
  });
});

const estimator = sharedFixture('tf-checkpoint/mnist-tflayers-estimator');

describe('a TF checkpoint with its .meta graph (shared fixture)', () => {
  skipUnless(estimator, fixtureMissing('tf-checkpoint/mnist-tflayers-estimator') ?? '');
  it('stats and verify by prefix: weights equal the variables the index lists; dense and CSR agree with the CNN', () => {
    const prefix = path.join(estimator!, 'model.ckpt-20000');
    // independent: the tensor shapes a Python dump of the checkpoint index recorded
    const tensors = JSON.parse(readFileSync(path.join(estimator!, 'expected-stats.json'), 'utf8')).tensors as Array<{ name: string; shape: number[] }>;
    const kernels = tensors.filter((t) => t.name.endsWith('/kernel'));
    const weights = kernels.reduce((sum, t) => sum + t.shape.reduce((a, b) => a * b, 1), 0);
    const s = json(cli('stats', prefix, '--json'));
    expect(s.cnn.weights).toBe(weights);
    const v = json(cli('verify', `${prefix}.index`, '--samples', '3', '--format', 'both', '--json'));
    expect(v.ok).toBe(true);
    expect(v.comparisons.map((c: { failures: number }) => c.failures)).toEqual([0, 0]);
  });
});
