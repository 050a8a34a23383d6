/**
 * convert(): exact CNN → MLP. The layer plan (maps the size of activations) is made here; the
 * weight matrices are composed natively, off the event loop, straight into their final format.
 */
import { Cnn2MlpError, describe, fromNative } from '../errors.js';
import { Mlp } from '../mlp/mlp.js';
import { MATRIX_FORMAT, type MatrixFormatCode } from '../model/op-contract.js';
import { layoutShape, planModel } from '../model/plan.js';
import type { CnnModel } from '../model/types.js';
import { native, type NativeConvertSpec, type NativeMlpHandle } from '../native.js';
import { resolveThreads } from '../runtime.js';
import { PRIM, type MlpPlan } from './layer-plan.js';
import { planMlp } from './planner.js';
import { byteLimit, denseLowerBound, tooLarge } from './size.js';

export type ConvertFormat = 'csr' | 'dense' | 'rcsr' | 'auto';
/** convertBuild's format code for 'auto' (native/napi/convert.cc): past the storage codes of MATRIX_FORMAT. */
const AUTO_FORMAT = 3;
const FORMAT_CODE: Record<ConvertFormat, MatrixFormatCode | typeof AUTO_FORMAT> = { ...MATRIX_FORMAT, auto: AUTO_FORMAT };

export interface ConvertOptions {
  /**
   * 'dense': row-major matrices (rows × cols, rows padded to 16 floats); 'csr': only the nonzeros,
   * each with its column; 'rcsr' (run-CSR, docs/run-csr.md): the nonzeros, with each row's runs of
   * consecutive columns stored once per pattern shared by rows (converted convolutions: ~half the
   * bytes of CSR); 'auto': per layer whichever of the three is smallest, dense while it is at most
   * 25 % larger (stats(mlp) says which each layer got and why). 'auto' (the default) is the one
   * to reach for.
   */
  format?: ConvertFormat;
  /**
   * 'f32' (default): fp32 weights, the MLP is exact. 'bf16': dense and run-CSR layers store their
   * weights as bfloat16 (rounded to nearest even: relative error ≤ 2^-9 per weight; biases, inputs
   * and accumulation stay fp32), half the value bytes and about half the time; the result is then no
   * longer exact: each output differs from fp32 by at most about 2^-9 · Σ|w·x| of its row. CSR
   * layers stay fp32 (stats(mlp) gives each layer's precision). The fp32 MLP is built
   * first and rounded after, so the build needs its memory as well (maxBytes counts the fp32 size).
   */
  precision?: 'f32' | 'bf16';
  /** refuse (ERR_TOO_LARGE, before allocating) when the MLP would need more bytes than this */
  maxBytes?: number;
  /** threads for the build (default: all logical cores) */
  threads?: number;
  /** called about every 100 ms with work units done and the total (rows, once per build pass) */
  onProgress?: (done: number, total: number) => void;
  /** aborts the build: the promise rejects with ERR_ABORTED and nothing is kept */
  signal?: AbortSignal;
}

/** Native spec for convertBuild (see native/napi/convert.cc). */
export function nativeSpec(mp: MlpPlan, records: Float64Array, tensors: Float32Array[], format: MatrixFormatCode | typeof AUTO_FORMAT, threads: number, maxBytes: number): NativeConvertSpec {
  return {
    inputSize: mp.inputSize,
    format,
    threads,
    maxBytes,
    records,
    tensors,
    layers: mp.layers.map((l) => ({
      prim: l.prim,
      opIndex: l.opIndex,
      rows: l.rows,
      cols: l.cols,
      act: l.act.code,
      alpha: l.act.alpha,
      min: l.act.min,
      max: l.act.max,
      ...(l.inMap ? { inOff: l.inMap.off, inUnit: l.inMap.unit, inCoef: l.inMap.coef, inConst: l.inMap.cnst } : {}),
      ...(l.csr ? { csrPtr: l.csr.rowPtr, csrCol: l.csr.colIdx, csrVal: l.csr.values, csrBias: l.csr.bias } : {}),
      ...(l.rowLogical ? { rowLogical: l.rowLogical } : {}),
      ...(l.primaryRows !== undefined ? { primaryRows: l.primaryRows } : {}),
      ...(l.rowScale ? { rowScale: l.rowScale } : {}),
      ...(l.rowShift ? { rowShift: l.rowShift } : {}),
    })),
  };
}

/**
 * Converts `model` to an exactly equivalent MLP. The MLP takes one sample as the flat input of
 * the model in its own layout (inputSize = H·W·C values, [H, W, C] for NHWC or [C, H, W] for
 * NCHW) and returns the model's output flattened the same way. Throws ERR_NOT_CONVERTIBLE naming
 * the layer when a layer has no exact MLP form, ERR_TOO_LARGE (before allocating) when the estimate
 * exceeds `maxBytes` or available memory, ERR_ABORTED when `signal` fires.
 */
export async function convert(model: CnnModel, options: ConvertOptions = {}): Promise<Mlp> {
  const callSite = new Error();
  if (typeof options !== 'object' || options === null)
    throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected an options object { format?: 'auto' | 'dense' | 'csr' | 'rcsr', … } for convert() but received ${describe(options)}`);
  const { format = 'auto', maxBytes, onProgress, signal } = options;
  if (!Object.hasOwn(FORMAT_CODE, format as string))
    throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected 'auto', 'dense', 'csr' or 'rcsr' for options.format but received ${describe(format)}`);
  if (maxBytes !== undefined && (typeof maxBytes !== 'number' || !Number.isInteger(maxBytes) || maxBytes < 1))
    throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected a positive integer for options.maxBytes but received ${describe(maxBytes)}`);
  const precision = options.precision ?? 'f32';
  if (precision !== 'f32' && precision !== 'bf16') throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected 'f32' or 'bf16' for options.precision but received ${describe(precision)}`);
  if (onProgress !== undefined && typeof onProgress !== 'function') throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected a function for options.onProgress but received ${describe(onProgress)}`);
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected an AbortSignal for options.signal but received ${describe(signal)}`);
  const threads = resolveThreads(options.threads);
  if (signal?.aborted) throw new Cnn2MlpError('ERR_ABORTED', 'conversion aborted before it started');

  const plan = planModel(model);
  const limit = byteLimit(maxBytes, native().availableMemoryBytes());
  if (format === 'dense') {
    // Refuse an absurd model before planning: the planner's maps grow with its features. Below
    // ~1 M features they are small, and the exact estimate gives the better message.
    const lower = denseLowerBound(plan.ops, plan.inputSize);
    if (lower.features > 1 << 20 && lower.bytes > limit.bytes) throw tooLarge(format, lower.bytes, limit, true);
  }
  // Explicit layers are counted before they are stored and stop being stored past the limit, so
  // the refusal below carries the whole estimate without having allocated it.
  const mp = planMlp(plan, { format, limit: limit.bytes });
  if (mp.bytes > limit.bytes || !mp.stored) throw tooLarge(format, mp.bytes, limit);

  const progress = new Float64Array(2);
  const abortFlag = new Int32Array(1);
  const onAbort = () => {
    abortFlag[0] = 1;
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  let last = -1;
  const report = () => {
    if (onProgress && progress[1] > 0 && progress[0] !== last) {
      last = progress[0];
      onProgress(progress[0], progress[1]);
    }
  };
  const timer = onProgress ? setInterval(report, 100) : undefined;
  const spec = nativeSpec(mp, plan.records, plan.tensors, FORMAT_CODE[format], threads, maxBytes ?? 0);
  let handle: NativeMlpHandle;
  try {
    handle = await native().convertBuild(spec, progress, abortFlag);
  } catch (err) {
    throw fromNative(err, callSite);
  } finally {
    if (timer) clearInterval(timer);
    signal?.removeEventListener('abort', onAbort);
  }
  report();
  if (precision === 'bf16') {
    const f32 = handle;
    try {
      handle = native().mlpToBf16(f32, threads);
    } catch (err) {
      throw fromNative(err, callSite);
    } finally {
      native().mlpDispose(f32);
    }
  }
  return new Mlp(handle, {
    layout: model.layout,
    inputShape: [...model.inputShape],
    outputShape: layoutShape(plan.outputShape, model.layout, plan.spatialRank),
    source: {
      model: model.name ?? null,
      converter: 'cnn2mlp convert',
      format,
      ...(precision === 'bf16' ? { precision } : {}),
      layers: mp.layers.map((l) => `${l.kind} ← ${l.origin}`),
      prims: mp.layers.map((l) => (l.prim === PRIM.explicit ? 'explicit' : l.kind)),
    },
  });
}
