/**
 * Independent runtimes the CLI can compare against, loaded only when installed (they are optional
 * peers): onnxruntime-node for .onnx models and @tensorflow/tfjs for TF.js models. Each returns
 * the outputs, or the full reason it could not run the model.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface PeerRun {
  name: string;
  output?: Float32Array;
  /** why the peer did not run (no output) */
  notRun?: string;
  /** how the inputs were fed, e.g. "one sample per run (the model's batch dimension is fixed at 1)" */
  note?: string;
}

/** An error message on one line, in full. */
function oneLine(err: unknown): string {
  return String((err as Error)?.message ?? err).replace(/\s*\n\s*/g, ' ').trim();
}

/** Runs an ONNX file on `input` ([batch, ...inputShape] flat) with onnxruntime-node. */
export async function runOnnxRuntime(file: string, input: Float32Array, batch: number, inputShape: number[], threads?: number): Promise<PeerRun> {
  const name = 'onnxruntime-node';
  let ort: typeof import('onnxruntime-node');
  try {
    ort = await import('onnxruntime-node');
  } catch {
    return { name, notRun: 'onnxruntime-node is not installed (npm install onnxruntime-node)' };
  }
  try {
    const session = await ort.InferenceSession.create(file, threads ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {});
    try {
      // A graph exported with a fixed batch (most PyTorch exports: 1) takes that many samples per run.
      const meta = session.inputMetadata?.[0];
      const dim0 = meta && meta.isTensor ? meta.shape[0] : undefined;
      const per = typeof dim0 === 'number' && dim0 > 0 ? dim0 : batch;
      if (batch % per !== 0) return { name, notRun: `the model's batch dimension is fixed at ${per}, which does not divide the ${batch} inputs` };
      const size = input.length / batch;
      const out: Float32Array[] = [];
      for (let s = 0; s < batch; s += per) {
        const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', input.subarray(s * size, (s + per) * size), [per, ...inputShape]) };
        const res = await session.run(feeds);
        out.push(Float32Array.from(res[session.outputNames[0]].data as Float32Array));
      }
      const data = new Float32Array(out.reduce((n, o) => n + o.length, 0));
      out.reduce((off, o) => (data.set(o, off), off + o.length), 0);
      return { name, output: data, ...(per < batch ? { note: `fed ${per} sample${per > 1 ? 's' : ''} per run: the model's batch dimension is fixed at ${per}` } : {}) };
    } finally {
      await session.release?.();
    }
  } catch (err) {
    return { name, notRun: `onnxruntime-node could not run it: ${oneLine(err)}` };
  }
}

/** Runs a TF.js Layers model (model.json + weight files beside it) on `input` with @tensorflow/tfjs. */
export async function runTfjs(modelJson: string, input: Float32Array, batch: number, inputShape: number[]): Promise<PeerRun> {
  const name = '@tensorflow/tfjs';
  let tf: typeof import('@tensorflow/tfjs');
  try {
    tf = await import('@tensorflow/tfjs');
  } catch {
    return { name, notRun: '@tensorflow/tfjs is not installed (npm install @tensorflow/tfjs)' };
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
    return { name, notRun: `tfjs could not run it: ${oneLine(err)}` };
  }
}
