/**
 * Runs a converted MLP: y = act(W·x + b) layer by layer on native dense GEMV/GEMM and CSR
 * SpMV/SpMM kernels (the ISA chosen at run time), off the event loop for `runMlp`.
 */
import { native } from '../native.js';
import { Cnn2MlpError, fromNative, invalidArg } from '../errors.js';
import { resolveThreads } from '../runtime.js';
import { checkFinite } from '../validate.js';
import type { Mlp } from './mlp.js';

export interface RunMlpOptions {
  /** kernel threads, 1..256; default all logical cores */
  threads?: number;
  /**
   * 'reject' (default): a NaN or ±Infinity input throws ERR_NON_FINITE naming the sample and
   * index; 'propagate': run anyway (IEEE rules carry NaN/Infinity into the outputs).
   */
  nonFinite?: 'reject' | 'propagate';
}

interface Prepared {
  batch: number;
  threads: number;
  output: Float32Array;
}

function prepare(mlp: Mlp, x: Float32Array, options: RunMlpOptions | undefined, fn: string): Prepared {
  if (typeof mlp !== 'object' || mlp === null || typeof (mlp as Mlp).inputSize !== 'number') throw invalidArg('an Mlp', `${fn}(mlp)`, mlp);
  if (mlp.disposed) throw new Cnn2MlpError('ERR_DISPOSED', `${fn}: this MLP has been disposed; convert or load it again`);
  if (!(x instanceof Float32Array)) throw invalidArg(`a Float32Array of batch × ${mlp.inputSize} values`, `${fn}(x)`, x);
  if (x.length === 0 || x.length % mlp.inputSize !== 0)
    throw invalidArg(`a Float32Array whose length is a positive multiple of the MLP's input size ${mlp.inputSize}`, `${fn}(x)`, x);
  if (options !== undefined && (typeof options !== 'object' || options === null)) throw invalidArg('an options object', `${fn} options`, options);
  const threads = resolveThreads(options?.threads);
  const nonFinite = options?.nonFinite ?? 'reject';
  if (nonFinite !== 'reject' && nonFinite !== 'propagate') throw invalidArg("'reject' or 'propagate'", 'options.nonFinite', nonFinite);
  const batch = x.length / mlp.inputSize;
  if (batch > 1 << 20) throw new Cnn2MlpError('ERR_TOO_LARGE', `${fn}: batch ${batch} exceeds 1048576 samples; split it`);
  if (nonFinite === 'reject') checkFinite(x, mlp.inputSize, `${fn}(x)`);
  return { batch, threads, output: new Float32Array(batch * mlp.outputSize) };
}

/**
 * Runs `mlp` on a batch without blocking the event loop; a job of at most 2^21 stored
 * multiply-adds × batch runs on the calling thread and returns a settled promise (the hop to a job
 * thread would cost about as much as the run).
 * @param x batch × inputSize floats, sample-major (batch = x.length / mlp.inputSize), each sample
 *   flattened in the MLP's metadata layout ([H, W, C] for NHWC).
 * @returns batch × outputSize floats, sample-major.
 */
export async function runMlp(mlp: Mlp, x: Float32Array, options?: RunMlpOptions): Promise<Float32Array> {
  const p = prepare(mlp, x, options, 'runMlp');
  const callSite = new Error();
  try {
    await native().mlpRun(mlp.handle, x, p.batch, p.threads, p.output);
  } catch (err) {
    throw fromNative(err, callSite);
  }
  return p.output;
}

/** Synchronous {@link runMlp}: blocks the calling thread for the whole run. Same shapes. */
export function runMlpSync(mlp: Mlp, x: Float32Array, options?: RunMlpOptions): Float32Array {
  const p = prepare(mlp, x, options, 'runMlpSync');
  const callSite = new Error();
  try {
    native().mlpRunSync(mlp.handle, x, p.batch, p.threads, p.output);
  } catch (err) {
    throw fromNative(err, callSite);
  }
  return p.output;
}
