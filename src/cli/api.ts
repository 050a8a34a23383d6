/**
 * What the CLI commands share on top of the library: a CNN runner compiled once for repeated runs,
 * and the library's result types the commands print.
 */
import { compileCnn, runCnn } from '../cnn/cnn.js';
import type { CnnModel } from '../model/types.js';
import type { MlpStats } from '../convert/stats.js';

export type { CnnStats } from '../convert/stats.js';
export type { CompiledCnn } from '../cnn/cnn.js';
export type MlpStatsTotals = MlpStats['totals'];

/** A CNN ready for repeated runs: compiled once (weights copied and repacked), disposed by the caller. */
export function cnnRunner(model: CnnModel): { run(input: Float32Array, batch?: number, threads?: number): Promise<Float32Array>; dispose(): void } {
  const compiled = compileCnn(model);
  return {
    run: (input, _batch, threads) => runCnn(compiled, input, { threads }),
    dispose: () => compiled.dispose(),
  };
}
