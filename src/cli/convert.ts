/** `cnn2mlp convert <model> -o <out>`: exact CNN → MLP, written as .mlp, OpenCV (.yml/.yaml/.xml) or ONNX. */
import path from 'node:path';
import { Command, Option } from 'commander';
import { convert } from '../convert/convert.js';
import { exportOnnx } from '../formats/onnx-export.js';
import { exportOpenCv } from '../formats/opencv.js';
import { saveMlp } from '../mlp/file.js';
import { loadCnn, type ModelOverrides } from './models.js';
import { Output, bytes, int } from './output.js';
import { mlpCounts } from './counts.js';
import { Cnn2MlpError } from '../errors.js';
import type { Mlp } from '../mlp/mlp.js';

interface ConvertOptions extends ModelOverrides {
  output: string;
  format: 'dense' | 'csr' | 'rcsr' | 'auto';
  opencvLinear: 'refuse' | 'reluPair';
  opencvSoftmax: 'refuse' | 'logits';
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

/** exportOpenCv with the CLI's flags; its advice names API options, so say the flags instead. */
async function exportOpenCvCli(mlp: Mlp, file: string, o: ConvertOptions): Promise<unknown> {
  try {
    return await exportOpenCv(mlp, file, { linearLayers: o.opencvLinear, softmax: o.opencvSoftmax });
  } catch (err) {
    if (err instanceof Cnn2MlpError) {
      const msg = err.message.replace(/\{ softmax: 'logits' \}/g, '--opencv-softmax logits').replace(/\{ linearLayers: 'reluPair' \}/g, '--opencv-linear reluPair');
      throw new Cnn2MlpError(err.code, msg, { cause: err });
    }
    throw err;
  }
}

export function convertCommand(): Command {
  return new Command('convert')
    .description('convert a CNN exactly into an MLP and write it (format chosen by the output extension)')
    .argument('<model>', 'ONNX (.onnx), TF.js (model.json) or TF checkpoint prefix')
    .requiredOption('-o, --output <file>', 'output: .mlp (cnn2mlp MLP file), .yml/.yaml/.xml (OpenCV ANN_MLP), .onnx')
    .addOption(new Option('--format <format>', "MLP weight storage ('auto': per layer the smallest of dense, CSR and run-CSR)").choices(['dense', 'csr', 'rcsr', 'auto']).default('dense'))
    .option('--input-shape <shape>', "override one sample's input shape, e.g. 28,28,1")
    .option('--strides <list>', 'override conv strides: one value for all conv layers or one per conv layer')
    .option('--arch <file>', 'JSON network description for a weights-only TF checkpoint')
    .addOption(
      new Option('--opencv-linear <mode>', "OpenCV: linear layers in a relu MLP are refused, or exported as relu pairs (see exportOpenCv)")
        .choices(['refuse', 'reluPair'])
        .default('refuse'),
    )
    .addOption(
      new Option('--opencv-softmax <mode>', 'OpenCV: a final softmax is refused, or the logits are exported (argmax unchanged)')
        .choices(['refuse', 'logits'])
        .default('refuse'),
    )
    .addOption(new Option('--json', 'print the result as JSON on stdout'))
    .action(async (file: string, o: ConvertOptions) => {
      const out = new Output(o);
      const kind = outputKind(o.output); // fail on a bad output name before any work
      const model = await loadCnn(file, o);
      const t0 = performance.now();
      const mlp = await convert(model, { format: o.format });
      const convertMs = performance.now() - t0;
      try {
        let opencv: unknown;
        if (kind === 'mlp') await saveMlp(mlp, o.output);
        else if (kind === 'opencv') opencv = await exportOpenCvCli(mlp, o.output, o);
        else await exportOnnx(mlp, o.output);
        const c = mlpCounts(mlp);
        out.result({
          model: file,
          output: o.output,
          writer: kind,
          format: o.format,
          inputSize: mlp.inputSize,
          outputSize: mlp.outputSize,
          layers: mlp.layers.map((l) => ({ rows: l.rows, cols: l.cols, format: l.format, nnz: l.nnz, bytes: l.bytes, activation: l.activation })),
          macs: c.macs,
          nonzeros: c.nonzeros,
          bytes: mlp.bytes,
          convertMs,
          ...(opencv !== undefined ? { opencv } : {}),
        });
        out.line(
          `${file} → ${o.output}: ${o.format} MLP, ${mlp.layers.length} layers, ${int(mlp.inputSize)} → ${int(mlp.outputSize)}, ` +
            `${int(c.macs)} MACs/sample, ${int(c.nonzeros)} nonzeros, ${bytes(mlp.bytes)} (converted in ${convertMs.toFixed(0)} ms)`,
        );
      } finally {
        mlp.dispose();
      }
    });
}
