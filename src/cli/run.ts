/** `cnn2mlp run <model|mlp> <input>`: runs a CNN (or its MLP) or an .mlp file on .npy, raw float32 or image inputs. */
import { Command, Option } from 'commander';
import { cnnRunner } from './api.js';
import { convert } from '../convert/convert.js';
import { runMlp } from '../mlp/run.js';
import { loadAny, readInputs, topK, type IoSpec, type ModelOverrides } from './models.js';
import { Output } from './output.js';
import { writeNpy } from '../data/npy.js';
import { layoutShape, planModel } from '../model/plan.js';
import type { Mlp } from '../mlp/mlp.js';
import { Cnn2MlpError } from '../errors.js';

interface RunOptions extends ModelOverrides {
  output?: string;
  top: string;
  engine: 'cnn' | 'dense' | 'csr';
  pixelScale?: string;
  json?: boolean;
}

export function runCommand(): Command {
  return new Command('run')
    .description('run a model on inputs and print the top-k classes, or write the outputs as .npy')
    .argument('<model>', 'ONNX (.onnx), TF.js (model.json), TF checkpoint prefix, or a converted .mlp')
    .argument('<input>', '.npy (one sample or [N, ...inputShape]; float32, float64 or uint8), raw float32 (.f32/.bin/.raw), or a .png/.jpg image')
    .option('-o, --output <file.npy>', 'write all outputs, [N, ...outputShape] float32, to a .npy file')
    .option('-k, --top <k>', 'how many classes to print per sample', '5')
    .addOption(new Option('--engine <engine>', 'for a CNN: run it directly, or convert it first and run the MLP').choices(['cnn', 'dense', 'csr']).default('cnn'))
    .option('--pixel-scale <s>', 'images: multiply each 0–255 pixel value by this (default 1/255, inputs in [0, 1])')
    .option('--input-shape <shape>', "override one sample's input shape, e.g. 28,28,1")
    .option('--strides <list>', 'override conv strides: one value for all conv layers or one per conv layer')
    .option('--arch <file>', 'JSON network description for a weights-only TF checkpoint')
    .addOption(new Option('--json', 'print the result as JSON on stdout'))
    .action(async (modelFile: string, inputFile: string, o: RunOptions) => {
      const out = new Output(o);
      const k = Number(o.top);
      if (!Number.isInteger(k) || k < 1) throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected a positive integer for --top but received '${o.top}'`);
      const scale = o.pixelScale === undefined ? undefined : Number(o.pixelScale);
      if (scale !== undefined && !Number.isFinite(scale)) throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected a number for --pixel-scale but received '${o.pixelScale}'`);
      if (o.output !== undefined && !o.output.toLowerCase().endsWith('.npy')) {
        throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected a .npy file for --output but received '${o.output}'`);
      }

      const loaded = await loadAny(modelFile, o);
      let io: IoSpec;
      let outputShape: number[];
      let run: (input: Float32Array, batch: number) => Promise<Float32Array>;
      let cleanup: () => void;
      let engine: string;
      if ('mlp' in loaded) {
        const mlp = loaded.mlp;
        io = { layout: mlp.metadata.layout, inputShape: mlp.metadata.inputShape, inputSize: mlp.inputSize };
        outputShape = mlp.metadata.outputShape;
        run = (input, batch) => runMlp(mlp, input);
        cleanup = () => mlp.dispose();
        engine = `mlp (${mlp.layers.map((l) => l.format).join('/')})`;
      } else {
        const model = loaded.cnn;
        const plan = planModel(model);
        io = { layout: model.layout, inputShape: model.inputShape, inputSize: plan.inputSize };
        outputShape = layoutShape(plan.outputShape, model.layout);
        if (o.engine === 'cnn') {
          const r = cnnRunner(model);
          run = r.run;
          cleanup = r.dispose;
        } else {
          const mlp: Mlp = await convert(model, { format: o.engine });
          run = (input, batch) => runMlp(mlp, input);
          cleanup = () => mlp.dispose();
        }
        engine = o.engine;
      }
      try {
        const { data, batch } = readInputs(inputFile, io, scale);
        const result = await run(data, batch);
        if (o.output !== undefined) writeNpy(o.output, { dtype: 'float32', shape: [batch, ...outputShape], data: result });
        const top = topK(result, batch, k);
        out.result({ model: modelFile, input: inputFile, engine, batch, outputShape, top, output: o.output ?? null });
        if (o.output !== undefined) out.line(`wrote ${batch} × [${outputShape.join(', ')}] outputs to ${o.output}`);
        top.forEach((row, b) => {
          out.line(`${batch > 1 ? `sample ${b}: ` : ''}${row.map((t) => `${t.index} (${t.score.toPrecision(4)})`).join('  ')}`);
        });
      } finally {
        cleanup();
      }
    });
}
