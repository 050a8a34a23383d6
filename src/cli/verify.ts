/**
 * `cnn2mlp verify <model>`: runs the CNN directly, as a dense MLP and as a CSR MLP (and, where
 * installed, onnxruntime-node or tfjs on the original file) on the same inputs, and checks every
 * output element: |x − cnn| ≤ atol + rtol·|cnn|. Exits 1 past tolerance.
 */
import { Command, Option } from 'commander';
import { cnnRunner } from './api.js';
import { convert } from '../convert/convert.js';
import { runMlp } from '../mlp/run.js';
import { loadCnn, modelKind, readInputs, argmaxRows, type ModelOverrides } from './models.js';
import { CheckFailed, Output, table } from './output.js';
import { runOnnxRuntime, runTfjs, type PeerRun } from './peers.js';
import { planModel } from '../model/plan.js';
import { Cnn2MlpError } from '../errors.js';
import { seededUniform } from '../util/random.js';

interface VerifyOptions extends ModelOverrides {
  input?: string;
  samples: string;
  seed: string;
  atol: string;
  rtol: string;
  peers: boolean;
  json?: boolean;
}

export interface Comparison {
  engine: string;
  maxAbsError: number;
  /** max |x − ref| / max |ref| (normwise, so outputs near zero do not blow it up) */
  maxRelError: number;
  /** elements past atol + rtol·|ref| */
  failures: number;
  /** samples whose argmax differs from the CNN's */
  argmaxDiffers: number;
  ok: boolean;
  skipped?: string;
}

/** Compares `x` with the reference elementwise. */
export function compare(engine: string, x: Float32Array, ref: Float32Array, batch: number, atol: number, rtol: number): Comparison {
  if (x.length !== ref.length) {
    return { engine, maxAbsError: NaN, maxRelError: NaN, failures: ref.length, argmaxDiffers: batch, ok: false, skipped: `output has ${x.length} values, expected ${ref.length}` };
  }
  let maxAbs = 0;
  let maxRef = 0;
  let failures = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(x[i] - ref[i]);
    if (!(d <= atol + rtol * Math.abs(ref[i]))) failures++; // NaN counts as a failure
    if (!(d <= maxAbs) && !Number.isNaN(maxAbs)) maxAbs = d;
    maxRef = Math.max(maxRef, Math.abs(ref[i]));
  }
  const a = argmaxRows(x, batch);
  const b = argmaxRows(ref, batch);
  let differs = 0;
  for (let i = 0; i < batch; i++) if (a[i] !== b[i]) differs++;
  return { engine, maxAbsError: maxAbs, maxRelError: maxRef > 0 ? maxAbs / maxRef : maxAbs, failures, argmaxDiffers: differs, ok: failures === 0 };
}

function num(text: string, what: string, min = 0): number {
  const v = Number(text);
  if (!Number.isFinite(v) || v < min) throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected a number ≥ ${min} for ${what} but received '${text}'`);
  return v;
}

export function verifyCommand(): Command {
  return new Command('verify')
    .description('check that the CNN, its dense MLP and its CSR MLP (and onnxruntime/tfjs when installed) give the same outputs')
    .argument('<model>', 'ONNX (.onnx), TF.js (model.json) or TF checkpoint prefix')
    .option('-i, --input <file>', 'inputs (.npy, raw float32, image); default: seeded random inputs in [0, 1)')
    .option('-n, --samples <n>', 'number of random inputs', '8')
    .option('--seed <n>', 'seed of the random inputs', '1')
    // Defaults: float32 sums of K terms differ by reordering up to ~sqrt(K)·eps·Σ|terms|; for K up to
    // ~10^4 and Σ|terms| ~ 10–100 that stays below 1e-4 absolute; rtol covers large outputs.
    .option('--atol <x>', 'absolute tolerance', '1e-4')
    .option('--rtol <x>', 'relative tolerance (of |cnn output|)', '1e-3')
    .option('--no-peers', 'skip onnxruntime-node / tfjs even when installed')
    .option('--input-shape <shape>', "override one sample's input shape, e.g. 28,28,1")
    .option('--strides <list>', 'override conv strides: one value for all conv layers or one per conv layer')
    .option('--arch <file>', 'JSON network description for a weights-only TF checkpoint')
    .addOption(new Option('--json', 'print the result as JSON on stdout'))
    .action(async (file: string, o: VerifyOptions) => {
      const out = new Output(o);
      const atol = num(o.atol, '--atol');
      const rtol = num(o.rtol, '--rtol');
      const samples = num(o.samples, '--samples', 1);
      if (!Number.isInteger(samples)) throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected an integer for --samples but received '${o.samples}'`);
      const model = await loadCnn(file, o);
      const plan = planModel(model);
      const io = { layout: model.layout, inputShape: model.inputShape, inputSize: plan.inputSize };
      const { data: input, batch } = o.input ? readInputs(o.input, io) : { data: seededUniform(samples * plan.inputSize, num(o.seed, '--seed'), 0, 1), batch: samples };

      const cnn = cnnRunner(model);
      let ref: Float32Array;
      try {
        ref = await cnn.run(input, batch);
      } finally {
        cnn.dispose();
      }
      const results: Comparison[] = [];
      for (const format of ['dense', 'csr'] as const) {
        const mlp = await convert(model, { format });
        try {
          results.push(compare(`${format} MLP`, await runMlp(mlp, input), ref, batch, atol, rtol));
        } finally {
          mlp.dispose();
        }
      }
      const peers: PeerRun[] = [];
      if (o.peers && o.inputShape === undefined && o.strides === undefined) {
        const { kind, path: p } = modelKind(file);
        if (kind === 'onnx') peers.push(await runOnnxRuntime(p, input, batch, model.inputShape));
        if (kind === 'tfjs') peers.push(await runTfjs(p, input, batch, model.inputShape));
      }
      for (const p of peers) {
        if (p.output) results.push(compare(p.name, p.output, ref, batch, atol, rtol));
        else results.push({ engine: p.name, maxAbsError: NaN, maxRelError: NaN, failures: 0, argmaxDiffers: 0, ok: true, skipped: p.skipped });
      }
      const ok = results.every((r) => r.ok);
      out.result({ model: file, samples: batch, outputSize: plan.outputSize, atol, rtol, ok, comparisons: results });
      out.line(`${file}: ${batch} inputs, each output element checked as |x − cnn| ≤ ${atol} + ${rtol}·|cnn|`);
      out.line(
        table([
          ['vs direct CNN', 'max abs err', 'max rel err', 'failures', 'argmax differs', ''],
          ...results.map((r) =>
            r.skipped && r.failures === 0
              ? [r.engine, '', '', '', '', `skipped: ${r.skipped}`]
              : [r.engine, r.maxAbsError.toExponential(2), r.maxRelError.toExponential(2), String(r.failures), String(r.argmaxDiffers), r.ok ? 'ok' : 'FAIL'],
          ),
        ]),
      );
      if (!ok) {
        const bad = results.filter((r) => !r.ok).map((r) => `${r.engine} (max abs error ${r.maxAbsError.toExponential(2)}, ${r.failures} elements)`);
        throw new CheckFailed(`verification failed: ${bad.join('; ')} past |x − cnn| ≤ ${atol} + ${rtol}·|cnn|`);
      }
    });
}
