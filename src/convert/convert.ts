/**
 * convert(): exact CNN → MLP. The layer plan (maps the size of activations) is made here; the
 * weight matrices are composed natively, off the event loop, straight into their final format.
 */
import { Cnn2MlpError, describe, fromNative } from '../errors.js';
import { Mlp } from '../mlp/mlp.js';
import { layoutShape, OP, planModel } from '../model/plan.js';
import type { CnnModel } from '../model/types.js';
import { native, type NativeConvertSpec, type NativeMlpHandle } from '../native.js';
import { resolveThreads } from '../runtime.js';
import { planMlp, PRIM, type MlpPlan } from './layers.js';
import { layerNonzeros } from './stats.js';

export type ConvertFormat = 'csr' | 'dense' | 'rcsr' | 'auto';
const FORMAT_CODE: Record<ConvertFormat, 0 | 1 | 2 | 3> = { dense: 0, csr: 1, rcsr: 2, auto: 3 };

export interface ConvertOptions {
  /**
   * 'dense': row-major matrices (rows × cols, rows padded to 16 floats); 'csr': only the nonzeros,
   * each with its column; 'rcsr' (run-CSR, docs/run-csr.md): the nonzeros, with each row's runs of
   * consecutive columns stored once per pattern shared by rows (converted convolutions: ~half the
   * bytes of CSR); 'auto': per layer whichever of the three is smallest, dense while it is at most
   * 25 % larger (stats(mlp) says which each layer got and why). 'auto' is the one to reach for.
   */
  format: ConvertFormat;
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
export function nativeSpec(mp: MlpPlan, records: Float64Array, tensors: Float32Array[], format: 0 | 1 | 2 | 3, threads: number, maxBytes: number): NativeConvertSpec {
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
      ...(l.rowScale ? { rowScale: l.rowScale } : {}),
      ...(l.rowShift ? { rowShift: l.rowShift } : {}),
    })),
  };
}

function fmt(b: number): string {
  return b >= 1e9 ? `${(b / 1e9).toFixed(2)} GB` : b >= 1e6 ? `${(b / 1e6).toFixed(2)} MB` : `${(b / 1e3).toFixed(2)} kB`;
}

/**
 * Converts `model` to an exactly equivalent MLP. The MLP takes one sample as the flat input of
 * the model in its own layout (inputSize = H·W·C values, [H, W, C] for NHWC or [C, H, W] for
 * NCHW) and returns the model's output flattened the same way. Throws ERR_NOT_CONVERTIBLE naming
 * the layer when a layer has no exact MLP form, ERR_TOO_LARGE (before allocating) when the estimate
 * exceeds `maxBytes` or available memory, ERR_ABORTED when `signal` fires.
 */
export async function convert(model: CnnModel, options: ConvertOptions): Promise<Mlp> {
  const callSite = new Error();
  if (typeof options !== 'object' || options === null)
    throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected an options object { format: 'auto' | 'dense' | 'csr' | 'rcsr' } for convert() but received ${describe(options)}`);
  const { format, maxBytes, onProgress, signal } = options;
  if (!Object.hasOwn(FORMAT_CODE, format as string))
    throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected 'auto', 'dense', 'csr' or 'rcsr' for options.format but received ${describe(format)}`);
  if (maxBytes !== undefined && (typeof maxBytes !== 'number' || !Number.isInteger(maxBytes) || maxBytes < 1))
    throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected a positive integer for options.maxBytes but received ${describe(maxBytes)}`);
  if (onProgress !== undefined && typeof onProgress !== 'function') throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected a function for options.onProgress but received ${describe(onProgress)}`);
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected an AbortSignal for options.signal but received ${describe(signal)}`);
  const threads = resolveThreads(options.threads);
  if (signal?.aborted) throw new Cnn2MlpError('ERR_ABORTED', 'conversion aborted before it started');

  const plan = planModel(model);
  const hint = format === 'dense' ? "; use format 'auto' or 'csr', which store only the nonzeros" : '';
  const avail = native().availableMemoryBytes();
  if (format === 'dense') {
    // A cheap lower bound first (each linear op becomes at least one rows × cols layer), so an
    // absurd model is refused before planMlp spends memory on its activation-sized maps.
    // Columns count the previous layer's units, which zero padding does not add to. Below ~1 M
    // features the maps are small, and the exact estimate after planning gives the better message.
    let lower = 0;
    let features = 0;
    let units = plan.inputSize;
    for (const op of plan.ops) {
      const out = op.outH * op.outW * op.outC;
      if (op.op === OP.conv2d || op.op === OP.dense || op.op === OP.avgPool2d || op.op === OP.globalAvgPool2d) lower += out * units * 4;
      if (op.op !== OP.zeroPad2d) units = out;
      features += out;
    }
    const limit = Math.min(maxBytes ?? Infinity, avail > 0 ? avail : Infinity);
    if (features > 1 << 20 && lower > limit)
      throw new Cnn2MlpError(
        'ERR_TOO_LARGE',
        `the dense MLP of this model needs ${fmt(lower)} (${lower} bytes) or more: over ${maxBytes !== undefined && (avail <= 0 || maxBytes <= avail) ? `maxBytes ${fmt(maxBytes)}` : `the ${fmt(avail)} of memory available`}${hint}`,
      );
  }
  const mp = planMlp(plan);
  let estimate = 0;
  for (const l of mp.layers) {
    // run-CSR and auto: a lower bound (values, row pointers and patterns; runs are counted natively)
    const dense = l.rows * Math.ceil(l.cols / 16) * 16 * 4;
    const nnz = format === 'dense' ? 0 : layerNonzeros(l, plan.ops);
    const runCsr = nnz * 4 + (l.rows + 1) * 8 + l.rows * 4;
    estimate += format === 'dense' ? dense : format === 'csr' ? nnz * 8 + (l.rows + 1) * 8 : format === 'rcsr' ? runCsr : Math.min(dense, runCsr);
    estimate += l.rows * 4;
  }
  if (maxBytes !== undefined && estimate > maxBytes)
    throw new Cnn2MlpError('ERR_TOO_LARGE', `the ${format} MLP of this model needs ${fmt(estimate)} (${estimate} bytes), more than maxBytes ${fmt(maxBytes)}${hint}`);
  if (avail > 0 && estimate > avail)
    throw new Cnn2MlpError('ERR_TOO_LARGE', `the ${format} MLP of this model needs ${fmt(estimate)} (${estimate} bytes) but only ${fmt(avail)} of memory is available${hint}`);

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
  return new Mlp(handle, {
    layout: model.layout,
    inputShape: [...model.inputShape],
    outputShape: layoutShape(plan.outputShape, model.layout),
    source: {
      model: model.name ?? null,
      converter: 'cnn2mlp convert',
      format,
      layers: mp.layers.map((l) => `${l.kind} ← ${l.origin}`),
      prims: mp.layers.map((l) => (l.prim === PRIM.explicit ? 'explicit' : l.kind)),
    },
  });
}
