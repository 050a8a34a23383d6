/**
 * Independent runtimes the CLI can compare against, loaded only when installed (they are optional
 * peers): onnxruntime-node for .onnx models and @tensorflow/tfjs for TF.js models. Each returns
 * undefined with a reason when it cannot run the model.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface PeerRun {
  name: string;
  output?: Float32Array;
  skipped?: string;
}

/** Runs an ONNX file on `input` ([batch, ...inputShape] flat) with onnxruntime-node. */
export async function runOnnxRuntime(file: string, input: Float32Array, batch: number, inputShape: number[]): Promise<PeerRun> {
  const name = 'onnxruntime-node';
  let ort: typeof import('onnxruntime-node');
  try {
    ort = await import('onnxruntime-node');
  } catch {
    return { name, skipped: 'onnxruntime-node is not installed' };
  }
  try {
    const session = await ort.InferenceSession.create(file);
    const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', input, [batch, ...inputShape]) };
    const res = await session.run(feeds);
    const out = res[session.outputNames[0]];
    const data = out.data as Float32Array;
    await session.release?.();
    return { name, output: Float32Array.from(data) };
  } catch (err) {
    return { name, skipped: `onnxruntime-node could not run it: ${(err as Error).message.split('\n')[0]}` };
  }
}

/** Runs a TF.js Layers model (model.json + weight files beside it) on `input` with @tensorflow/tfjs. */
export async function runTfjs(modelJson: string, input: Float32Array, batch: number, inputShape: number[]): Promise<PeerRun> {
  const name = '@tensorflow/tfjs';
  let tf: typeof import('@tensorflow/tfjs');
  try {
    tf = await import('@tensorflow/tfjs');
  } catch {
    return { name, skipped: '@tensorflow/tfjs is not installed' };
  }
  try {
    tf.env().set('PROD', true); // no "install tfjs-node" banner on stderr (and no debug checks)
    await tf.setBackend('cpu');
    const json = JSON.parse(readFileSync(modelJson, 'utf8')) as {
      modelTopology: object;
      weightsManifest: Array<{ paths: string[]; weights: import('@tensorflow/tfjs').io.WeightsManifestEntry[] }>;
    };
    const specs = json.weightsManifest.flatMap((g) => g.weights);
    const buffers = json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(path.join(path.dirname(modelJson), p))));
    const all = Buffer.concat(buffers);
    const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
    const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData }));
    const x = tf.tensor(input, [batch, ...inputShape]);
    const y = model.predict(x) as import('@tensorflow/tfjs').Tensor;
    const data = Float32Array.from(await y.data());
    x.dispose();
    y.dispose();
    model.dispose();
    return { name, output: data };
  } catch (err) {
    return { name, skipped: `tfjs could not run it: ${(err as Error).message.split('\n')[0]}` };
  }
}
