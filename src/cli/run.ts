/** `cnn2mlp run <model|mlp> <inputs...>`: runs a CNN (or its MLP) or an .mlp file on .npy, raw float32 or image inputs. */
import { Command, Option } from 'commander';
import { cnnRunner } from './api.js';
import { convert } from '../convert/convert.js';
import { runMlp } from '../mlp/run.js';
import { checkWritable, loadAny, readAllInputs, topK, type IoSpec, type ModelOverrides } from './models.js';
import { addPixelOptions, addSizeGuard, addThreads, guardSize, PIXEL_RULE, pixelRule, threadsOf, type PixelOptions, type SizeOptions, type ThreadsOption } from './options.js';
import { Output } from './output.js';
import { writeNpy } from '../data/npy.js';
import { layoutShape, planModel } from '../model/plan.js';
import type { Mlp } from '../mlp/mlp.js';
import { Cnn2MlpError } from '../errors.js';

interface RunOptions extends ModelOverrides, SizeOptions, ThreadsOption, PixelOptions {
  output?: string;
  top: string;
  engine?: 'cnn' | 'dense' | 'csr';
  json?: boolean;
}

/** The .mlp file as stored; --engine and --input-shape/--strides cannot change it, so say so. */
function mlpEngine(file: string, mlp: Mlp, o: RunOptions): string {
  const stored = [...new Set(mlp.layers.map((l) => l.format))].join('/');
  if (o.engine !== undefined && o.engine !== stored) {
    throw new Cnn2MlpError('ERR_INVALID_ARG', `${file} is a ${stored} MLP and runs as stored: --engine ${o.engine} applies to CNN models (convert the source CNN with --format ${o.engine === 'cnn' ? '…' : o.engine} instead)`);
  }
  if (o.inputShape !== undefined || o.strides !== undefined) throw new Cnn2MlpError('ERR_INVALID_ARG', `${file} is already an MLP: --input-shape and --strides apply to CNN models only`);
  return `mlp (${stored})`;
}

export function runCommand(): Command {
  const cmd = new Command('run')
    .description('run a model on inputs and print the top-k classes, or write the outputs as .npy')
    .argument('<model>', 'ONNX (.onnx), TF.js (model.json), TF checkpoint prefix, or a converted .mlp')
    .argument('<inputs...>', 'one or more of: .npy (one sample or [N, ...inputShape]; float32, float64 or uint8), raw float32 (.f32/.bin/.raw), .png/.jpg images; stacked in order')
    .option('-o, --output <file.npy>', 'write all outputs, [N, ...outputShape] float32, to a .npy file')
    .option('-k, --top <k>', 'how many classes to print per sample', '5')
    .addOption(new Option('--engine <engine>', 'for a CNN: run it directly, or convert it first and run the MLP (default: cnn; a .mlp runs as stored)').choices(['cnn', 'dense', 'csr']))
    .option('--input-shape <shape>', "override one sample's input shape, e.g. 28,28,1")
    .option('--strides <list>', 'override conv strides: one value for all conv layers or one per conv layer')
    .option('--arch <file>', 'JSON network description for a weights-only TF checkpoint')
    .addOption(new Option('--json', 'print the result as JSON on stdout (top-k and every output value)'));
  addThreads(cmd);
  addPixelOptions(cmd);
  addSizeGuard(cmd);
  cmd.addHelpText('after', `\n${PIXEL_RULE}`);
  return cmd.action(async (modelFile: string, inputFiles: string[], o: RunOptions) => {
    const out = new Output(o);
    const k = Number(o.top);
    if (!Number.isInteger(k) || k < 1) throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected a positive integer for --top but received '${o.top}'`);
    const threads = threadsOf(o);
    const pixels = pixelRule(o);
    if (o.output !== undefined && !o.output.toLowerCase().endsWith('.npy')) {
      throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected a .npy file for --output but received '${o.output}'`);
    }
    if (o.output !== undefined) checkWritable(o.output, '--output');

    const loaded = await loadAny(modelFile, o);
    let io: IoSpec;
    let outputShape: number[];
    let run: (input: Float32Array, batch: number) => Promise<Float32Array>;
    let cleanup: () => void;
    let engine: string;
    if ('mlp' in loaded) {
      const mlp = loaded.mlp;
      try {
        engine = mlpEngine(modelFile, mlp, o);
      } catch (err) {
        mlp.dispose();
        throw err;
      }
      io = { layout: mlp.metadata.layout, inputShape: mlp.metadata.inputShape, inputSize: mlp.inputSize };
      outputShape = mlp.metadata.outputShape;
      run = (input) => runMlp(mlp, input, { threads });
      cleanup = () => mlp.dispose();
    } else {
      const model = loaded.cnn;
      const plan = planModel(model);
      io = { layout: model.layout, inputShape: model.inputShape, inputSize: plan.inputSize };
      outputShape = layoutShape(plan.outputShape, model.layout);
      engine = o.engine ?? 'cnn';
      if (engine === 'cnn') {
        const r = cnnRunner(model);
        run = (input, batch) => r.run(input, batch, threads);
        cleanup = r.dispose;
      } else {
        const format = engine as 'dense' | 'csr';
        const maxBytes = guardSize(out, model, format, o);
        const mlp: Mlp = (await out.stage(`convert (${format})`, (progress) => convert(model, { format, threads, maxBytes, onProgress: progress }))).value;
        run = (input) => runMlp(mlp, input, { threads });
        cleanup = () => mlp.dispose();
      }
    }
    try {
      const { data, batch } = readAllInputs(inputFiles, io, pixels);
      const { value: result, ms: runMs } = await out.stage('run', () => run(data, batch));
      if (o.output !== undefined) writeNpy(o.output, { dtype: 'float32', shape: [batch, ...outputShape], data: result });
      const top = topK(result, batch, k);
      const n = result.length / batch;
      const outputs = Array.from({ length: batch }, (_, b) => result.subarray(b * n, (b + 1) * n));
      out.result({ model: modelFile, inputs: inputFiles, engine, threads: threads ?? null, batch, outputShape, runMs, top, outputs, output: o.output ?? null });
      if (o.output !== undefined) out.line(`wrote ${batch} × [${outputShape.join(', ')}] outputs to ${o.output}`);
      top.forEach((row, b) => {
        out.line(`${batch > 1 ? `sample ${b}: ` : ''}${row.map((t) => `${t.index} (${t.score.toPrecision(4)})`).join('  ')}`);
      });
      out.line(`${batch} sample${batch > 1 ? 's' : ''} in ${runMs.toFixed(2)} ms (${engine}${threads ? `, ${threads} threads` : ''})`);
    } finally {
      cleanup();
    }
  });
}
