/**
 * Running a CNN natively: `compileCnn` validates a model (a chain or a graph of named tensors),
 * lowers it to a plan (a schedule, fused ops and an activation arena) and copies its weights into
 * native memory; `runCnn` / `runCnnSync` run a batch through the direct strided convolution kernels
 * (native/kernels/conv2d_*.cc) and the other ops.
 */
import { native, type NativeCnnHandle } from '../native.js';
import { Cnn2MlpError, describe, fromNative } from '../errors.js';
import { resolveThreads } from '../runtime.js';
import { checkFinite } from '../validate.js';
import { layoutShape, planModel } from '../model/plan.js';
import type { CnnModel, Layout } from '../model/types.js';

/** Options of runCnn / runCnnSync. */
export interface RunCnnOptions {
  /** threads to use, 1–256 (default: all logical cores) */
  threads?: number;
  /**
   * What to do with NaN or ±Infinity in the input. 'reject' (default) scans the input first and
   * throws Cnn2MlpError('ERR_NON_FINITE') naming the sample and element; 'propagate' skips the
   * scan (slightly faster) and lets IEEE arithmetic carry them to the output (max pooling and
   * relu may hide them).
   */
  nonFinite?: 'reject' | 'propagate';
  /** write the result here (length batch × outputSize) instead of a new array; it must not overlap x */
  out?: Float32Array;
}

/** Activation memory of a compiled CNN (weights not included). */
export interface CnnMemory {
  /** bytes of activation arena per sample: every intermediate tensor at its planned offset (a run allocates batch × this) */
  activationBytesPerSample: number;
  /** bytes of the largest set of intermediate tensors alive at one op: the least any buffer placement needs */
  peakLiveBytesPerSample: number;
  /** bytes of weights held in native memory */
  weightBytes: number;
}

/** A model compiled for native execution: weights copied, shapes resolved. Dispose to free it early. */
export class CompiledCnn implements Disposable {
  #handle: NativeCnnHandle | undefined;
  /** the source model's layout; inputs and outputs use it */
  readonly layout: Layout;
  /** one sample's input shape in the model layout: [H, W, C] (NHWC), [C, H, W] (NCHW) or [N] */
  readonly inputShape: readonly number[];
  /** one sample's output shape in the model layout ([units] after dense / flatten / global pools) */
  readonly outputShape: readonly number[];
  /** elements per input sample */
  readonly inputSize: number;
  /** elements per output sample */
  readonly outputSize: number;
  /** activation and weight memory (the schedule shares activation bytes between tensors whose lifetimes do not overlap) */
  readonly memory: Readonly<CnnMemory>;

  /** @internal use compileCnn() */
  constructor(handle: NativeCnnHandle, layout: Layout, inputShape: number[], outputShape: number[], inputSize: number, outputSize: number, memory: CnnMemory) {
    this.#handle = handle;
    this.memory = Object.freeze(memory);
    this.layout = layout;
    this.inputShape = Object.freeze(inputShape);
    this.outputShape = Object.freeze(outputShape);
    this.inputSize = inputSize;
    this.outputSize = outputSize;
  }

  /** The native handle; throws ERR_DISPOSED after dispose(). @internal */
  get handle(): NativeCnnHandle {
    if (!this.#handle) throw new Cnn2MlpError('ERR_DISPOSED', 'this compiled CNN has been disposed; call compileCnn(model) again');
    return this.#handle;
  }

  get disposed(): boolean {
    return this.#handle === undefined;
  }

  /** Frees the native weights now (runs already started keep their own reference). Idempotent. */
  dispose(): void {
    if (!this.#handle) return;
    native().cnnDispose(this.#handle);
    this.#handle = undefined;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/**
 * Validates `model` (Cnn2MlpError 'ERR_INVALID_MODEL' naming the layer and field) and copies its
 * weights into native memory, repacked for the convolution kernels. Later changes to the model's
 * arrays do not affect the compiled form.
 */
export function compileCnn(model: CnnModel): CompiledCnn {
  const plan = planModel(model);
  const callSite = new Error();
  let handle: NativeCnnHandle;
  try {
    handle = native().cnnCreate(plan.records, plan.tensors, plan.layout === 'NCHW', plan.inputSize, plan.outputSize, plan.edges, plan.inputOffset);
  } catch (err) {
    throw fromNative(err, callSite);
  }
  const memory: CnnMemory = {
    activationBytesPerSample: plan.memory.arenaFloats * 4,
    peakLiveBytesPerSample: plan.memory.peakLiveFloats * 4,
    weightBytes: plan.tensors.reduce((s, t) => s + t.byteLength, 0),
  };
  const shape = (s: typeof plan.inputShape) => layoutShape(s, plan.layout, plan.spatialRank);
  return new CompiledCnn(handle, plan.layout, shape(plan.inputShape), shape(plan.outputShape), plan.inputSize, plan.outputSize, memory);
}

// One compiled form per model object, made on first run. Keyed weakly: it goes when the model does.
const compiledFor = new WeakMap<object, CompiledCnn>();

function compiled(model: CnnModel | CompiledCnn): CompiledCnn {
  if (model instanceof CompiledCnn) return model;
  if (typeof model !== 'object' || model === null) throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected a CnnModel or CompiledCnn for model but received ${describe(model)}`);
  let c = compiledFor.get(model);
  if (!c) {
    c = compileCnn(model);
    compiledFor.set(model, c);
  }
  return c;
}

interface Prepared {
  cnn: CompiledCnn;
  batch: number;
  threads: number;
  out: Float32Array;
}

function prepare(model: CnnModel | CompiledCnn, x: unknown, options: RunCnnOptions | undefined, fn: string): Prepared {
  if (options !== undefined && (typeof options !== 'object' || options === null))
    throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected an options object for options but received ${describe(options)}`);
  const nonFinite = options?.nonFinite ?? 'reject';
  if (nonFinite !== 'reject' && nonFinite !== 'propagate')
    throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected 'reject' or 'propagate' for options.nonFinite but received ${describe(nonFinite)}`);
  const threads = resolveThreads(options?.threads);
  const cnn = compiled(model);
  const shape = `[${cnn.inputShape.join(', ')}] (${cnn.layout})`;
  if (!(x instanceof Float32Array))
    throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected a Float32Array of batch × ${cnn.inputSize} values (samples of shape ${shape}) for x but received ${describe(x)}`);
  if (x.length === 0 || x.length % cnn.inputSize !== 0)
    throw new Cnn2MlpError(
      'ERR_INVALID_ARG',
      `Expected x to hold a whole number of samples of ${cnn.inputSize} values (shape ${shape}) but its length ${x.length} is ${x.length === 0 ? 'zero' : `not a multiple of ${cnn.inputSize}`}`,
    );
  if (nonFinite === 'reject') checkFinite(x, cnn.inputSize, `${fn}(x)`);
  const batch = x.length / cnn.inputSize;
  const out = options?.out;
  if (out !== undefined) {
    if (!(out instanceof Float32Array) || out.length !== batch * cnn.outputSize)
      throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected a Float32Array of length ${batch * cnn.outputSize} (batch ${batch} × ${cnn.outputSize}) for options.out but received ${describe(out)}`);
    if (out.buffer === x.buffer && out.byteOffset < x.byteOffset + x.byteLength && x.byteOffset < out.byteOffset + out.byteLength)
      throw new Cnn2MlpError('ERR_INVALID_ARG', 'options.out overlaps x; pass a separate output array');
  }
  return { cnn, batch, threads, out: out ?? new Float32Array(batch * cnn.outputSize) };
}

/**
 * Runs a batch through the CNN off the event loop (on the addon's job and kernel threads). Jobs of
 * at most 2^22 multiply-adds (batch × per-sample work) run on the calling thread before the
 * returned promise settles: their compute costs no more than the thread hop.
 *
 * @param model a CnnModel (compiled on first use and cached per model object: its weights are
 *   copied then, so changing them in place afterwards needs compileCnn() or a new model object)
 *   or a CompiledCnn.
 * @param x batch × inputSize float32 values, each sample in the model's layout ([H, W, C] for NHWC,
 *   [C, H, W] for NCHW); the batch size is x.length / inputSize. x must not change until the promise settles.
 * @param options threads (default: all logical cores); nonFinite ('reject', the default, throws
 *   ERR_NON_FINITE naming the sample and element of the first NaN/±Infinity; 'propagate' skips the
 *   check); out (an array to write into instead of allocating one).
 * @returns batch × outputSize values, each sample in the model's layout ([units] for vector outputs).
 * @throws Cnn2MlpError ERR_INVALID_MODEL (model), ERR_INVALID_ARG (x, options), ERR_NON_FINITE,
 *   ERR_DISPOSED (a disposed CompiledCnn), ERR_TOO_LARGE (scratch memory).
 *
 * Why a WeakMap cache rather than compiling on every call: compiling copies and repacks every
 * weight (for the seed network 26 MB), which costs more than a batch-1 run; keying the cache on
 * the model object keeps runCnn(model, x) one call without holding models alive.
 */
export async function runCnn(model: CnnModel | CompiledCnn, x: Float32Array, options?: RunCnnOptions): Promise<Float32Array> {
  const callSite = new Error();
  const p = prepare(model, x, options, 'runCnn');
  try {
    await native().cnnRun(p.cnn.handle, x, p.batch, p.threads, p.out);
  } catch (err) {
    throw fromNative(err, callSite);
  }
  return p.out;
}

/** runCnn on the calling thread (blocks the event loop for the whole batch). Same arguments and result. */
export function runCnnSync(model: CnnModel | CompiledCnn, x: Float32Array, options?: RunCnnOptions): Float32Array {
  const callSite = new Error();
  const p = prepare(model, x, options, 'runCnnSync');
  try {
    native().cnnRunSync(p.cnn.handle, x, p.batch, p.threads, p.out);
  } catch (err) {
    throw fromNative(err, callSite);
  }
  return p.out;
}
