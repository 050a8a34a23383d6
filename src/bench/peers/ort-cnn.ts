/**
 * onnxruntime-node peer for a CnnModel: the graph written by cnnToOnnx (src/formats/onnx-export.ts,
 * same weights) run in an ORT session on `threads` intra-op threads. Input batch × inputSize in the
 * model's layout, output batch × outputSize.
 */
import type { CnnModel } from '../../model/types.js';
import { cnnToOnnx } from '../../formats/onnx-export.js';
import { planModel, layoutShape } from '../../model/plan.js';
import type { Runner } from '../runner.js';

export async function ortCnn(model: CnnModel, threads: number): Promise<Runner> {
  const ort = await import('onnxruntime-node');
  const plan = planModel(model);
  const inShape = layoutShape(plan.inputShape, plan.layout);
  let session: Awaited<ReturnType<typeof ort.InferenceSession.create>> | undefined = await ort.InferenceSession.create(
    cnnToOnnx(model, { inputName: 'input', outputName: 'output' }),
    { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' },
  );
  return {
    async run(input, batch) {
      const out = await session!.run({ input: new ort.Tensor('float32', input, [batch, ...inShape]) });
      return out.output.data as Float32Array;
    },
    dispose() {
      void session?.release();
      session = undefined;
    },
  };
}
