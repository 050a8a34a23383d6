/**
 * `cnn2mlp convert <model> -o <out>`: exact CNN → MLP, written as .mlp, OpenCV (.yml/.yaml/.xml) or
 * ONNX. A .mlp input is re-exported as it is stored. The estimate comes first: a conversion over
 * 1 GB needs --yes or --max-bytes.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { convert } from '../convert/convert.js';
import { exportOnnx } from '../formats/onnx-export.js';
import { exportOpenCv } from '../formats/opencv.js';
import { saveMlp } from '../mlp/file.js';
import { loadMlp } from '../mlp/file.js';
import { checkWritable, modelKind, modelOrSeed, type ModelOverrides } from './models.js';
import { Output, bytes, int } from './output.js';
import { mlpCounts } from './counts.js';
import { addSizeGuard, addThreads, guardSize, threadsOf, type SizeOptions, type ThreadsOption } from './options.js';
import { Cnn2MlpError } from '../errors.js';
import type { Mlp } from '../mlp/mlp.js';

interface ConvertOptions extends ModelOverrides, SizeOptions, ThreadsOption {
  output: string;
  format?: 'dense' | 'csr' | 'rcsr' | 'auto';
  precision?: 'f32' | 'bf16';
  opencvLinear: 'refuse' | 'reluPair';
  opencvSoftmax: 'refuse' | 'logits';
  singleFile?: boolean;
  json?: boolean;
}

/** The writer an output path asks for, by extension. */
export function outputKind(file: string): 'mlp' | 'opencv' | 'onnx' {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.mlp') return 'mlp';
  if (ext === '.yml' || ext === '.yaml' || ext === '.xml') return 'opencv';
  if (ext === '.onnx') return 'onnx';
  throw new Cnn2MlpError('ERR_INVALID_ARG', `cannot tell the output format of ${file}: use .mlp (cnn2mlp), .yml/.yaml/.xml (OpenCV) or .onnx`);
}

/**
 * The --opencv-* flags this MLP needs, all named in one message: a final softmax exported as
 * logits leaves a linear layer, which among relu layers then needs the pair encoding as well.
 */
function checkOpenCvFlags(mlp: Mlp, o: ConvertOptions): void {
  const acts = mlp.layers.map((l) => l.activation);
  const softmaxOut = acts[acts.length - 1] === 'softmax';
  const after = softmaxOut ? [...acts.slice(0, -1), 'linear'] : acts;
  const reluLike = (a: string, i: number) => a === 'relu' || (a === 'leakyRelu' && mlp.layers[i].alpha !== -1);
  const pairs = after.some((a) => a === 'linear') && after.some(reluLike) && after.every((a, i) => a === 'linear' || reluLike(a, i));
  const need: string[] = [];
  const why: string[] = [];
  if (softmaxOut && o.opencvSoftmax === 'refuse') {
    need.push('--opencv-softmax logits');
    why.push("the output layer is softmax, which OpenCV's ANN_MLP does not have (logits keep the argmax; apply softmax yourself)");
  }
  if (pairs && o.opencvLinear === 'refuse') {
    need.push('--opencv-linear reluPair');
    why.push('linear layers among relu layers are exported exactly as relu pairs [f(y), f(−y)] (with k outputs OpenCV then returns 2k values: y = out[:k] − out[k:])');
  }
  if (need.length === 0) return;
  throw new Cnn2MlpError('ERR_UNSUPPORTED', `OpenCV export: pass ${need.join(' ')}: ${why.join('; ')}`);
}

/** The files a writer produced, with their sizes (an ONNX model may have its weights beside it). */
function writtenFiles(paths: string[]): Array<{ path: string; bytes: number }> {
  return paths.map((f) => ({ path: f, bytes: statSync(f).size }));
}

async function write(out: Output, mlp: Mlp, kind: 'mlp' | 'opencv' | 'onnx', o: ConvertOptions): Promise<{ ms: number; files: string[]; opencv?: unknown }> {
  if (kind === 'opencv') checkOpenCvFlags(mlp, o);
  let files = [o.output];
  const { value, ms } = await out.stage(`write ${path.basename(o.output)}`, async (progress) => {
    if (kind === 'mlp') await saveMlp(mlp, o.output);
    else if (kind === 'opencv') return exportOpenCv(mlp, o.output, { linearLayers: o.opencvLinear, softmax: o.opencvSoftmax, onProgress: progress });
    else {
      const written = await exportOnnx(mlp, o.output, o.singleFile ? { externalThreshold: Infinity } : {});
      files = [written.model, ...(written.data ? [written.data] : [])];
    }
    return undefined;
  });
  return { ms, files, ...(value !== undefined ? { opencv: value } : {}) };
}

export function convertCommand(): Command {
  const cmd = new Command('convert')
    .description('convert a CNN exactly into an MLP and write it (format chosen by the output extension); re-export a .mlp')
    .argument('<model>', "ONNX (.onnx), TF.js (model.json), TF checkpoint prefix, 'seed', or a .mlp to re-export")
    .requiredOption('-o, --output <file>', 'output: .mlp (cnn2mlp MLP file), .yml/.yaml/.xml (OpenCV ANN_MLP), .onnx')
    .addOption(
      new Option('--format <format>', "MLP weight storage ('auto': per layer the smallest of dense, CSR and run-CSR; default: csr; a .mlp keeps its own)").choices([
        'dense',
        'csr',
        'rcsr',
        'auto',
      ]),
    )
    .addOption(
      new Option('--precision <precision>', "weights of dense layers: 'f32' (exact, default) or 'bf16' (rounded to nearest even: half the bytes, approximate; a .mlp keeps its own)").choices([
        'f32',
        'bf16',
      ]),
    )
    .option('--input-shape <shape>', "override one sample's input shape, e.g. 28,28,1")
    .option('--strides <list>', 'override conv strides: one value for all conv layers or one per conv layer')
    .option('--arch <file>', 'JSON network description for a weights-only TF checkpoint')
    .option('--single-file', 'ONNX: keep every weight inside the .onnx (no .data file beside it; up to 1.5 GiB)')
    .addOption(
      new Option('--opencv-linear <mode>', 'OpenCV: linear layers in a relu MLP are refused, or exported exactly as relu pairs (OpenCV then returns 2k outputs)')
        .choices(['refuse', 'reluPair'])
        .default('refuse'),
    )
    .addOption(
      new Option('--opencv-softmax <mode>', 'OpenCV: a final softmax is refused, or the logits are exported (argmax unchanged)')
        .choices(['refuse', 'logits'])
        .default('refuse'),
    )
    .addOption(new Option('--json', 'print the result as JSON on stdout'));
  addThreads(cmd);
  addSizeGuard(cmd);
  cmd.addHelpText(
    'after',
    `
ONNX has no CSR matrix product: an .onnx output holds dense matrices whatever --format says, and the
printed sizes are those of the files written. Weights over 1 MiB go to <output>.<version>.data beside
the model (keep the two together) unless --single-file. The ONNX graph takes and returns the source
model's tensors ([N, ...input shape]), so it replaces the source model as it is.
A typical OpenCV export of a classifier: --opencv-softmax logits --opencv-linear reluPair.`,
  );
  return cmd.action(convertAction);
}

/** The MLP to write: a .mlp loaded as stored, or the CNN (or 'seed') converted after the size guard. */
async function mlpToWrite(out: Output, file: string, o: ConvertOptions): Promise<{ mlp: Mlp; convertMs: number }> {
  if (file !== 'seed' && modelKind(file).kind === 'mlp') {
    if (o.inputShape !== undefined || o.strides !== undefined) throw new Cnn2MlpError('ERR_INVALID_ARG', `${file} is already an MLP: --input-shape and --strides apply to CNNs only`);
    const mlp = (await out.stage('load', () => loadMlp(file))).value;
    const stored = storage(mlp);
    if (o.format !== undefined && stored !== o.format) {
      mlp.dispose();
      throw new Cnn2MlpError('ERR_INVALID_ARG', `${file} stores ${stored} layers; re-export keeps them as they are, so drop --format ${o.format} (or convert the source CNN with it)`);
    }
    if (o.precision !== undefined && o.precision !== precisionOf(mlp)) {
      mlp.dispose();
      throw new Cnn2MlpError('ERR_INVALID_ARG', `${file} holds ${precisionOf(mlp)} weights; re-export keeps them as they are, so drop --precision ${o.precision} (or convert the source CNN with it)`);
    }
    return { mlp, convertMs: 0 };
  }
  const format = o.format ?? 'csr';
  const threads = threadsOf(o);
  const { model } = (await out.stage('load', () => modelOrSeed(file, o))).value;
  // run-CSR and 'auto' are guarded by the CSR size: their bound from above (the builder checks the real size)
  const maxBytes = guardSize(out, model, format === 'dense' ? 'dense' : 'csr', o);
  const precision = o.precision ?? 'f32';
  const r = await out.stage(`convert (${format}${precision === 'bf16' ? ', bf16' : ''})`, (progress) => convert(model, { format, precision, threads, maxBytes, onProgress: progress }));
  return { mlp: r.value, convertMs: r.ms };
}

function storage(mlp: Mlp): string {
  return [...new Set(mlp.layers.map((l) => l.format))].join('/');
}

/** 'bf16' when any layer holds bf16 weights (convert rounds the dense ones only), else 'f32'. */
function precisionOf(mlp: Mlp): 'f32' | 'bf16' {
  return mlp.layers.some((l) => l.precision === 'bf16') ? 'bf16' : 'f32';
}

async function convertAction(file: string, o: ConvertOptions): Promise<void> {
  const out = new Output(o);
  const kind = outputKind(o.output); // fail on a bad output name or place before any work
  checkWritable(o.output, 'the output');
  threadsOf(o); // a bad --threads fails before any work
  const t0 = performance.now();
  const { mlp, convertMs } = await mlpToWrite(out, file, o);
  try {
    const w = await write(out, mlp, kind, o);
    const totalMs = performance.now() - t0;
    const c = mlpCounts(mlp);
    const files = writtenFiles(w.files);
    const format = storage(mlp);
    const densified = kind === 'onnx' && mlp.layers.some((l) => l.format === 'csr');
    out.result({
      model: file,
      output: o.output,
      files,
      writer: kind,
      format,
      precision: precisionOf(mlp),
      ...(kind === 'onnx' ? { onnxStorage: 'dense', densified } : {}),
      inputSize: mlp.inputSize,
      outputSize: mlp.outputSize,
      layers: mlp.layers.map((l) => ({ rows: l.rows, cols: l.cols, format: l.format, precision: l.precision, nnz: l.nnz, bytes: l.bytes, activation: l.activation })),
      macs: c.macs,
      nonzeros: c.nonzeros,
      bytes: mlp.bytes,
      bytesOnDisk: files.reduce((n, f) => n + f.bytes, 0),
      convertMs,
      writeMs: w.ms,
      totalMs,
      ...(w.opencv !== undefined ? { opencv: w.opencv } : {}),
    });
    out.line(
      `${file} → ${o.output}: ${format} MLP${precisionOf(mlp) === 'bf16' ? ` (bf16 weights in ${mlp.layers.filter((l) => l.precision === 'bf16').length} layers)` : ''}, ${mlp.layers.length} layers, ${int(mlp.inputSize)} → ${int(mlp.outputSize)}, ` +
        `${int(c.macs)} MACs/sample, ${int(c.nonzeros)} nonzeros, ${bytes(mlp.bytes)} in memory`,
    );
    if (densified) out.line(`ONNX has no CSR matrix product: the ${format} layers were written expanded to dense matrices`);
    out.line(`wrote ${files.map((f) => `${f.path} (${bytes(f.bytes)})`).join(' + ')}${files.length > 1 ? ': keep them together' : ''}`);
    out.line(`done in ${(totalMs / 1000).toFixed(1)} s (convert ${(convertMs / 1000).toFixed(1)} s, write ${(w.ms / 1000).toFixed(1)} s)`);
  } finally {
    mlp.dispose();
  }
}
