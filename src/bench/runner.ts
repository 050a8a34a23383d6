/**
 * The one runner shape every timed engine has, cnn2mlp's own and the peers': a prepared model that
 * maps an input batch (batch × inputSize, model layout) to its output (batch × outputSize).
 */
import { compileCnn, runCnn } from '../cnn/cnn.js';
import type { CnnModel } from '../model/types.js';
import type { Mlp } from '../mlp/mlp.js';
import { runMlp } from '../mlp/run.js';

export interface Runner {
  run(input: Float32Array, batch: number): Promise<Float32Array>;
  dispose(): void;
}

/**
 * Compiles `model` once for repeated runCnn calls on `threads` threads. `scanInput: false` passes
 * nonFinite 'propagate' so the kernels and the call are timed, not the input validation.
 */
export function cnnRunner(model: CnnModel, threads: number, options: { scanInput?: boolean } = {}): Runner {
  const compiled = compileCnn(model);
  const nonFinite = options.scanInput === false ? 'propagate' : 'reject';
  return {
    run: (input) => runCnn(compiled, input, { threads, nonFinite }),
    dispose: () => compiled.dispose(),
  };
}

/** runMlp on `threads` threads without the input scan; the Mlp stays the caller's to dispose. */
export function mlpRunner(mlp: Mlp, threads: number): Runner {
  return { run: (input) => runMlp(mlp, input, { threads, nonFinite: 'propagate' }), dispose: () => {} };
}
