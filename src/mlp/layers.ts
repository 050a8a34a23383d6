/**
 * Builds an {@link Mlp} from plain JS arrays (tests, loaders, small hand-made networks). The arrays
 * are copied into native memory; large converted MLPs come from `convert()` or `loadMlp()` instead.
 */
import { native, type NativeLayerInput } from '../native.js';
import { Cnn2MlpError, describe, fromNative, invalidArg } from '../errors.js';
import { ACT_NAMES, MATRIX_FORMAT } from '../model/op-contract.js';
import { resolveThreads } from '../runtime.js';
import { Mlp, type MlpMetadata } from './mlp.js';

/** Activation names, in code order (the index is the native activation code). */
export const MLP_ACTIVATIONS = ACT_NAMES;
export type MlpActivationName = (typeof MLP_ACTIVATIONS)[number];

/** What every layer y = act(W·x + b) carries, whatever W's storage. */
interface MlpLayerCommon {
  rows: number;
  cols: number;
  /** rows floats; zeros when omitted */
  bias?: Float32Array;
  activation?: MlpActivationName;
  /** leakyRelu / elu slope */
  alpha?: number;
  /** clip bounds */
  min?: number;
  max?: number;
}

/** One layer y = act(W·x + b) with W of shape [rows, cols]. */
export type MlpLayerSpec =
  | (MlpLayerCommon & {
      format: 'dense';
      /** W row-major, rows × cols floats */
      values: Float32Array;
    })
  | (MlpLayerCommon & {
      format: 'csr';
      /** rows + 1 offsets into colIdx/values, from 0 to nnz */
      rowPtr: ArrayLike<number>;
      /** column of each stored value, strictly increasing within a row */
      colIdx: Int32Array;
      values: Float32Array;
    });

export interface MlpFromLayersOptions {
  /** how the flat input/output vectors map to tensors; default: inputShape [inputSize], outputShape [outputSize] */
  metadata?: MlpMetadata;
  /**
   * 'f32' (default): the weights as given. 'bf16': dense layers store their weights rounded to
   * bfloat16 (nearest even, exactly as `convert(model, { precision: 'bf16' })`; biases, inputs and
   * accumulation stay fp32); CSR layers stay fp32.
   */
  precision?: 'f32' | 'bf16';
  /** threads for the bf16 rounding (default: all logical cores) */
  threads?: number;
}

const OPTION_KEYS = ['metadata', 'precision', 'threads'];

// The first form of the third argument was the metadata itself; it still is when it has the
// metadata's shapes and only metadata fields (a misspelt option is still reported).
const METADATA_KEYS = ['layout', 'inputShape', 'outputShape', 'source'];
const isBareMetadata = (o: object) => 'inputShape' in o && 'outputShape' in o && Object.keys(o).every((k) => METADATA_KEYS.includes(k));

function checkOptions(options: unknown): Required<Pick<MlpFromLayersOptions, 'precision'>> & MlpFromLayersOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw invalidArg('an options object { metadata?, precision?, threads? }', 'mlpFromLayers(options)', options);
  if (isBareMetadata(options)) return checkOptions({ metadata: options });
  const extra = Object.keys(options).filter((k) => !OPTION_KEYS.includes(k));
  if (extra.length)
    throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected only metadata, precision and threads in mlpFromLayers options but received ${extra.map((k) => `'${k}'`).join(', ')} (metadata goes in options.metadata)`);
  const o = options as MlpFromLayersOptions;
  const precision = o.precision ?? 'f32';
  if (precision !== 'f32' && precision !== 'bf16') throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected 'f32' or 'bf16' for options.precision but received ${describe(precision)}`);
  if (o.metadata !== undefined && (typeof o.metadata !== 'object' || o.metadata === null || !Array.isArray(o.metadata.inputShape) || !Array.isArray(o.metadata.outputShape)))
    throw invalidArg('an MlpMetadata object { layout, inputShape, outputShape }', 'options.metadata', o.metadata);
  return { ...o, precision };
}

/**
 * Creates an MLP of `layers` (layer i takes inputSize or layer i-1's rows inputs). Validates every
 * field (ERR_INVALID_ARG naming the layer), then copies into native memory.
 */
export function mlpFromLayers(inputSize: number, layers: readonly MlpLayerSpec[], options: MlpFromLayersOptions | MlpMetadata = {}): Mlp {
  if (!Number.isInteger(inputSize) || inputSize < 1 || inputSize > 2 ** 31 - 1) throw invalidArg('a positive integer', 'inputSize', inputSize);
  if (!Array.isArray(layers) || layers.length === 0) throw invalidArg('a non-empty array of layers', 'layers', layers);
  const { metadata, precision, threads: threadOption } = checkOptions(options);
  const threads = resolveThreads(threadOption);
  let width = inputSize;
  const out: NativeLayerInput[] = layers.map((l, i) => {
    const at = `layers[${i}]`;
    if (typeof l !== 'object' || l === null) throw invalidArg('an object', at, l);
    if (l.format !== 'dense' && l.format !== 'csr') throw invalidArg("'dense' or 'csr'", `${at}.format`, l.format);
    for (const key of ['rows', 'cols'] as const)
      if (!Number.isInteger(l[key]) || l[key] < 1 || l[key] > 2 ** 31 - 1) throw invalidArg('a positive integer', `${at}.${key}`, l[key]);
    if (l.cols !== width) throw new Cnn2MlpError('ERR_INVALID_ARG', `${at} takes ${l.cols} inputs but receives ${width} (${i === 0 ? 'inputSize' : `layers[${i - 1}].rows`})`);
    const act = MLP_ACTIVATIONS.indexOf(l.activation ?? 'linear');
    if (act < 0) throw invalidArg(`one of ${MLP_ACTIVATIONS.join(', ')}`, `${at}.activation`, l.activation);
    if (act === 9 && i !== layers.length - 1) throw new Cnn2MlpError('ERR_INVALID_ARG', `${at}: softmax is only allowed on the last layer`);
    // an MLP layer stores alpha, min and max but not hardSigmoid's offset beta
    if (l.activation === 'hardSigmoid') throw new Cnn2MlpError('ERR_INVALID_ARG', `${at}: hardSigmoid is not an MLP layer activation (its offset is not stored); use clip on a scaled layer`);
    if (!(l.values instanceof Float32Array)) throw invalidArg('a Float32Array', `${at}.values`, l.values);
    if (l.bias !== undefined && (!(l.bias instanceof Float32Array) || l.bias.length !== l.rows))
      throw invalidArg(`a Float32Array of ${l.rows} values`, `${at}.bias`, l.bias);
    for (const key of ['alpha', 'min', 'max'] as const)
      if (l[key] !== undefined && !Number.isFinite(l[key])) throw invalidArg('a finite number', `${at}.${key}`, l[key]);
    if (act === 3 && !((l.min ?? 0) <= (l.max ?? 0))) throw invalidArg('min <= max', `${at} clip bounds`, `${l.min}..${l.max}`);
    const base = { rows: l.rows, cols: l.cols, values: l.values, bias: l.bias, act, alpha: l.alpha ?? (act === 2 ? 0.2 : act === 6 ? 1 : 0), min: l.min ?? 0, max: l.max ?? 0 };
    width = l.rows;
    if (l.format === 'dense') {
      if (l.values.length !== l.rows * l.cols) throw invalidArg(`${l.rows * l.cols} values (rows × cols)`, `${at}.values`, l.values);
      return { format: MATRIX_FORMAT.dense, ...base } as NativeLayerInput;
    }
    if (!(l.colIdx instanceof Int32Array) || l.colIdx.length !== l.values.length)
      throw invalidArg(`an Int32Array of ${l.values.length} column indices`, `${at}.colIdx`, l.colIdx);
    if (!l.rowPtr || l.rowPtr.length !== l.rows + 1) throw invalidArg(`${l.rows + 1} row pointers`, `${at}.rowPtr`, l.rowPtr);
    return { format: MATRIX_FORMAT.csr, ...base, rowPtr: Float64Array.from(l.rowPtr), colIdx: l.colIdx } as NativeLayerInput;
  });
  const callSite = new Error();
  let handle;
  try {
    handle = native().mlpFromLayers(inputSize, out);
    if (precision === 'bf16') {
      const f32 = handle;
      try {
        handle = native().mlpToBf16(f32, threads);
      } finally {
        native().mlpDispose(f32);
      }
    }
  } catch (err) {
    throw fromNative(err, callSite);
  }
  return new Mlp(handle, metadata ?? { layout: 'NHWC', inputShape: [inputSize], outputShape: [width] });
}
