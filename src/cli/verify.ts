/**
 * `cnn2mlp verify <model>`: runs the CNN directly and as its MLP (CSR, dense or both) and, where
 * installed, onnxruntime-node or tfjs on the original file, on the same inputs, and checks every
 * output element: |x − cnn| ≤ atol + rtol·|cnn|. Exits 1 past tolerance, 3 when a reference
 * could not run (unless --allow-missing-peers): a check that did not run is never reported as ok.
 * With --precision bf16 it also reports what rounding the weights to bf16 changes (not a check).
 */
import { Command, Option } from 'commander';
import { cnnRunner } from './api.js';
import { convert, type ConvertFormat } from '../convert/convert.js';
import { runMlp } from '../mlp/run.js';
import { loadCnn, modelKind, readAllInputs, argmaxRows, type ModelOverrides } from './models.js';
import { CheckFailed, EXIT_INCOMPLETE, Output, table } from './output.js';
import { addPixelOptions, addSizeGuard, addThreads, guardSize, PIXEL_RULE, pixelRule, threadsOf, type PixelOptions, type SizeOptions, type ThreadsOption } from './options.js';
import { runOnnxRuntime, runTfjs, type PeerRun } from './peers.js';
import { planModel } from '../model/plan.js';
import type { CnnModel } from '../model/types.js';
import { Cnn2MlpError } from '../errors.js';
import { seededUniform } from '../util/random.js';
import { bf16Effect, bf16Table, type Bf16Effect } from './verify-bf16.js';

interface VerifyOptions extends ModelOverrides, SizeOptions, ThreadsOption, PixelOptions {
  input?: string[];
  format: 'csr' | 'dense' | 'auto' | 'both';
  precision: 'f32' | 'bf16';
  allowMissingPeers?: boolean;
  samples: string;
  seed: string;
  atol: string;
  rtol: string;
  peers: boolean;
  json?: boolean;
}

export interface Comparison {
  engine: string;
  /** 'ok' within tolerance, 'fail' past it, 'not run' when the engine could not run (see reason) */
  status: 'ok' | 'fail' | 'not run';
  /** why it did not run, or how it was fed */
  reason?: string;
  maxAbsError: number;
  /** max |x − ref| / max |ref| (normwise, so outputs near zero do not blow it up) */
  maxRelError: number;
  /** elements past atol + rtol·|ref| */
  failures: number;
  /** samples whose argmax differs from the CNN's */
  argmaxDiffers: number;
  ok: boolean;
}

/** Compares `x` with the reference elementwise. */
export function compare(engine: string, x: Float32Array, ref: Float32Array, batch: number, atol: number, rtol: number): Comparison {
  if (x.length !== ref.length) {
    return { engine, status: 'fail', reason: `output has ${x.length} values, expected ${ref.length}`, maxAbsError: NaN, maxRelError: NaN, failures: ref.length, argmaxDiffers: batch, ok: false };
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
  const ok = failures === 0;
  return { engine, status: ok ? 'ok' : 'fail', maxAbsError: maxAbs, maxRelError: maxRef > 0 ? maxAbs / maxRef : maxAbs, failures, argmaxDiffers: differs, ok };
}

function num(text: string, what: string, min = 0): number {
  const v = Number(text);
  if (!Number.isFinite(v) || v < min) throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected a number ≥ ${min} for ${what} but received '${text}'`);
  return v;
}

/** The independent runtimes for `file`: run, or marked 'not run' with the reason. */
async function peerResults(file: string, o: VerifyOptions, input: Float32Array, batch: number, inputShape: number[]): Promise<PeerRun[]> {
  const { kind, path: p } = modelKind(file);
  const name = kind === 'onnx' ? 'onnxruntime-node' : kind === 'tfjs' ? '@tensorflow/tfjs' : undefined;
  if (!name) return [];
  if (o.inputShape !== undefined || o.strides !== undefined) return [{ name, notRun: `--input-shape/--strides change the model, so ${name} cannot run the file as given` }];
  return [kind === 'onnx' ? await runOnnxRuntime(p, input, batch, inputShape, threadsOf(o)) : await runTfjs(p, input, batch, inputShape)];
}

function row(r: Comparison): string[] {
  if (r.status === 'not run') return [r.engine, '', '', '', '', `NOT RUN: ${r.reason}`];
  const verdict = r.ok ? 'ok' : 'FAIL';
  return [r.engine, r.maxAbsError.toExponential(2), r.maxRelError.toExponential(2), String(r.failures), String(r.argmaxDiffers), r.reason ? `${verdict} (${r.reason})` : verdict];
}

export function verifyCommand(): Command {
  const cmd = new Command('verify')
    .description('check that the CNN, its MLP (CSR by default) and onnxruntime/tfjs on the original file give the same outputs')
    .argument('<model>', 'ONNX (.onnx), TF.js (model.json) or TF checkpoint prefix')
    .option('-i, --input <files...>', 'inputs (.npy, raw float32, images), stacked in order; default: seeded random inputs in [0, 1)')
    .option('-n, --samples <n>', 'number of random inputs', '8')
    .option('--seed <n>', 'seed of the random inputs', '1')
    .addOption(new Option('--format <format>', 'which MLP to build and check (dense can be huge: see cnn2mlp stats; both = dense and csr)').choices(['csr', 'dense', 'auto', 'both']).default('csr'))
    .addOption(
      new Option('--precision <precision>', 'bf16: also build each MLP with bf16 weights and report what that changes against the fp32 MLP and the CNN (not part of the check)')
        .choices(['f32', 'bf16'])
        .default('f32'),
    )
    // Defaults: float32 sums of K terms differ by reordering up to ~sqrt(K)·eps·Σ|terms|; for K up to
    // ~10^4 and Σ|terms| ~ 10–100 that stays below 1e-4 absolute; rtol covers large outputs.
    .option('--atol <x>', 'absolute tolerance', '1e-4')
    .option('--rtol <x>', 'relative tolerance (of |cnn output|)', '1e-3')
    .option('--no-peers', 'do not run onnxruntime-node / tfjs')
    .option('--allow-missing-peers', 'exit 0 even when onnxruntime-node / tfjs could not run (they are still reported as NOT RUN)')
    .option('--input-shape <shape>', "override one sample's input shape, e.g. 28,28,1")
    .option('--strides <list>', 'override conv strides: one value for all conv layers or one per conv layer')
    .option('--arch <file>', 'JSON network description for a weights-only TF checkpoint')
    .addOption(new Option('--json', 'print the result as JSON on stdout'));
  addThreads(cmd);
  addSizeGuard(cmd);
  addPixelOptions(cmd);
  cmd.addHelpText('after', `\n${PIXEL_RULE}\n\nExit codes: 0 every check passed; 1 a check failed; 2 usage error; 3 a reference (onnxruntime-node, tfjs) could not run — pass --allow-missing-peers to accept that, or --no-peers to skip them.`);
  return cmd.action(async (file: string, o: VerifyOptions) => {
    const out = new Output(o);
    const atol = num(o.atol, '--atol');
    const rtol = num(o.rtol, '--rtol');
    const samples = num(o.samples, '--samples', 1);
    if (!Number.isInteger(samples)) throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected an integer for --samples but received '${o.samples}'`);
    const threads = threadsOf(o);
    const pixels = pixelRule(o);
    const model = await loadCnn(file, o);
    const formats = o.format === 'both' ? (['dense', 'csr'] as const) : ([o.format] as const);
    // 'auto' is never larger than 1.25 × CSR (it keeps dense only within 25 % of the smallest): guarded as CSR
    const maxBytes = formats.map((f) => guardSize(out, model, f === 'auto' ? 'csr' : f, o))[0];
    const plan = planModel(model);
    const io = { layout: model.layout, inputShape: model.inputShape, inputSize: plan.inputSize };
    const { data: input, batch } = o.input ? readAllInputs(o.input, io, pixels) : { data: seededUniform(samples * plan.inputSize, num(o.seed, '--seed'), 0, 1), batch: samples };

    const cnn = cnnRunner(model);
    let ref: Float32Array;
    try {
      ref = (await out.stage('run CNN', () => cnn.run(input, batch, threads))).value;
    } finally {
      cnn.dispose();
    }
    const { results, bf16 } = await checkMlps(out, model, formats, { input, batch, ref, atol, rtol, threads, maxBytes, bf16: o.precision === 'bf16' });
    const peers = o.peers ? (await out.stage('run peers', () => peerResults(file, o, input, batch, model.inputShape))).value : [];
    for (const p of peers) {
      if (p.output) results.push({ ...compare(p.name, p.output, ref, batch, atol, rtol), ...(p.note ? { reason: p.note } : {}) });
      else results.push({ engine: p.name, status: 'not run', reason: p.notRun, maxAbsError: NaN, maxRelError: NaN, failures: 0, argmaxDiffers: 0, ok: false });
    }
    report(out, o, { file, batch, outputSize: plan.outputSize, atol, rtol, results, bf16 });
  });
}

interface MlpCheckRun {
  input: Float32Array;
  batch: number;
  /** the direct CNN's outputs */
  ref: Float32Array;
  atol: number;
  rtol: number;
  threads: number | undefined;
  maxBytes: number | undefined;
  /** also build each MLP with bf16 weights and measure what that changes */
  bf16: boolean;
}

/** Converts the model to each format, runs the MLP on the inputs and compares it with the CNN. */
async function checkMlps(out: Output, model: CnnModel, formats: readonly ConvertFormat[], r: MlpCheckRun): Promise<{ results: Comparison[]; bf16: Bf16Effect[] }> {
  const { threads, maxBytes } = r;
  const results: Comparison[] = [];
  const bf16: Bf16Effect[] = [];
  for (const format of formats) {
    const mlp = (await out.stage(`convert (${format})`, (progress) => convert(model, { format, threads, maxBytes, onProgress: progress }))).value;
    let y: Float32Array;
    try {
      y = await runMlp(mlp, r.input, { threads });
      results.push(compare(`${format} MLP`, y, r.ref, r.batch, r.atol, r.rtol));
    } finally {
      mlp.dispose();
    }
    if (!r.bf16) continue;
    const half = (await out.stage(`convert (${format}, bf16)`, (progress) => convert(model, { format, precision: 'bf16', threads, maxBytes, onProgress: progress }))).value;
    try {
      bf16.push(bf16Effect(`${format} MLP bf16`, half, await runMlp(half, r.input, { threads }), y, r.ref, r.batch));
    } finally {
      half.dispose();
    }
  }
  return { results, bf16 };
}

interface VerifyOutcome {
  file: string;
  batch: number;
  outputSize: number;
  atol: number;
  rtol: number;
  results: Comparison[];
  bf16: Bf16Effect[];
}

/** Prints the table (and the JSON result), then throws CheckFailed for a failed or incomplete check. */
function report(out: Output, o: VerifyOptions, v: VerifyOutcome): void {
  const { file, batch, atol, rtol, results, bf16 } = v;
  const failed = results.filter((r) => r.status === 'fail');
  const notRun = results.filter((r) => r.status === 'not run');
  const ok = failed.length === 0 && (notRun.length === 0 || !!o.allowMissingPeers);
  const comparisons = results.map((r) => (r.status === 'not run' ? { engine: r.engine, status: r.status, reason: r.reason, ok: false } : r));
  out.result({ model: file, samples: batch, outputSize: v.outputSize, atol, rtol, ok, complete: notRun.length === 0, comparisons, ...(o.precision === 'bf16' ? { bf16 } : {}) });
  out.line(`${file}: ${batch} inputs, each output element checked as |x − cnn| ≤ ${atol} + ${rtol}·|cnn|`);
  out.line(table([['vs direct CNN', 'max abs err', 'max rel err', 'failures', 'argmax differs', ''], ...results.map(row)]));
  if (bf16.length) {
    out.line();
    out.line(bf16Table(bf16, batch));
  }
  if (failed.length > 0) {
    const bad = failed.map((r) => `${r.engine} (max abs error ${r.maxAbsError.toExponential(2)}, ${r.failures} elements)`);
    throw new CheckFailed(`verification failed: ${bad.join('; ')} past |x − cnn| ≤ ${atol} + ${rtol}·|cnn|`);
  }
  if (notRun.length > 0 && !o.allowMissingPeers) {
    throw new CheckFailed(
      `verification incomplete: ${notRun.map((r) => `${r.engine} did not run (${r.reason})`).join('; ')}; pass --allow-missing-peers to accept the checks that ran`,
      EXIT_INCOMPLETE,
    );
  }
}

