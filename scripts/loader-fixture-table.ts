/**
 * Prints the model × exporter × max |error| table of the loader fixtures: runCnn on each PyTorch
 * export against PyTorch's saved output and onnxruntime-node, and on each TF.js model against tfjs
 * predict (for quantized files, also against the float32 model, to show what quantization moves).
 *
 *     npx tsx scripts/loader-fixture-table.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { runCnn } from '../src/cnn/cnn.js';
import { loadOnnx } from '../src/formats/onnx.js';
import { loadTfjs } from '../src/formats/tfjs.js';
import { readNpy } from '../test/support/npy.js';
import { rand } from '../test/support/onnx-builders.js';

const root = path.join(import.meta.dirname, '..', 'test', 'fixtures');
const maxErr = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, k) => Math.max(m, Math.abs(v - b[k])), 0);
const fmt = (e: number | undefined) => (e === undefined ? '—' : e.toExponential(1));

async function pytorchRows(): Promise<string[]> {
  const dir = path.join(root, 'pytorch');
  const index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8')) as { models: { name: string; files: Record<string, boolean> }[] };
  const rows: string[] = [];
  for (const m of index.models) {
    const x = readNpy(path.join(dir, m.name, 'input.npy'));
    const y = readNpy(path.join(dir, m.name, 'output.npy'));
    for (const [file, matchesTorch] of Object.entries(m.files)) {
      const f = path.join(dir, m.name, file);
      const out = await runCnn(loadOnnx(f), x.data);
      const s = await ort.InferenceSession.create(f);
      const o = (await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', x.data, x.shape) }))[s.outputNames[0]].data as Float32Array;
      await s.release();
      rows.push(`| ${m.name} | ${file.replace('.onnx', '')} | ${matchesTorch ? fmt(maxErr(out, y.data)) : 'n/a (Upsample-9 ≠ PyTorch)'} | ${fmt(maxErr(out, o))} |`);
    }
  }
  return rows;
}

async function tfjsPredict(file: string, graph: boolean, x: tf.Tensor): Promise<Float32Array> {
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  const groups = json.weightsManifest as { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  const bytes = Buffer.concat(groups.flatMap((g) => g.paths.map((p) => fs.readFileSync(path.join(path.dirname(file), p)))));
  const art = { modelTopology: json.modelTopology, format: json.format, signature: json.signature, weightSpecs: groups.flatMap((g) => g.weights), weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) };
  const model = graph ? await tf.loadGraphModel(tf.io.fromMemory(art)) : await tf.loadLayersModel(tf.io.fromMemory(art));
  return (await (model.predict(x) as tf.Tensor).data()) as Float32Array;
}

async function tfjsRows(): Promise<string[]> {
  await tf.setBackend('cpu');
  const rows: string[] = [];
  const files: [string, string, boolean][] = [];
  for (const fam of fs.readdirSync(path.join(root, 'tfjs')).sort())
    for (const f of fs.readdirSync(path.join(root, 'tfjs', fam)).filter((n) => /^model.*\.json$/.test(n)).sort()) files.push([fam, path.join(root, 'tfjs', fam, f), false]);
  for (const m of fs.readdirSync(path.join(root, 'tfjs-graph')).sort()) files.push([m, path.join(root, 'tfjs-graph', m, 'model.json'), true]);
  for (const [fam, file, graph] of files) {
    const model = loadTfjs(file);
    const x = rand(3 * model.inputShape.reduce((a, b) => a * b, 1), 7, 1);
    const out = await runCnn(model, x);
    const input = tf.tensor(x, [3, ...model.inputShape]);
    const ref = await tfjsPredict(file, graph, input);
    const base = path.basename(file, '.json');
    const vsFloat = base !== 'model' ? fmt(maxErr(out, await tfjsPredict(path.join(path.dirname(file), 'model.json'), false, input))) : '';
    input.dispose();
    const kind = graph ? 'graph model (TF 2.21 grappler)' : base === 'model' ? 'layers, float32' : `layers, ${base.slice(6)}`;
    rows.push(`| ${fam} | ${kind} | ${fmt(maxErr(out, ref))}${vsFloat ? ` (vs float32 model: ${vsFloat})` : ''} |`);
  }
  return rows;
}

console.log('| model | ONNX exporter | max err vs PyTorch | max err vs onnxruntime |\n|---|---|---|---|');
for (const r of await pytorchRows()) console.log(r);
console.log('\n| model | TF.js file | max err vs tfjs predict |\n|---|---|---|');
for (const r of await tfjsRows()) console.log(r);
