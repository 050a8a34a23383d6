/**
 * A converted (or loaded) MLP: a chain of layers y = act(W·x + b) whose weights live in native
 * memory behind a handle. JS holds only the description; `dispose()` frees the weights now, and a
 * native finaliser frees them when the object is collected.
 */
import { native, type NativeMlpHandle, type NativeMlpLayerInfo } from '../native.js';
import { Cnn2MlpError } from '../errors.js';
import type { Layout } from '../model/types.js';

/** Where an MLP came from and how its flat input/output vectors map to tensors. */
export interface MlpMetadata {
  /** layout of the source model; inputs and outputs use it, exactly as runCnn does */
  layout: Layout;
  /** one sample's input shape in that layout, e.g. [80, 80, 3] */
  inputShape: number[];
  /** one sample's output shape in that layout */
  outputShape: number[];
  /** free-form provenance (source model name, converter version, per-layer origin) */
  source?: Record<string, unknown>;
}

export type MlpLayerInfo = NativeMlpLayerInfo;

export class Mlp implements Disposable {
  #handle: NativeMlpHandle | undefined;
  readonly metadata: MlpMetadata;
  readonly inputSize: number;
  readonly outputSize: number;
  /** per-layer rows, cols, format, nonzeros, bytes and activation */
  readonly layers: readonly MlpLayerInfo[];
  /** total native bytes: weights, indices and biases */
  readonly bytes: number;

  /** @internal wraps a native handle; use convert(), loadMlp() or Mlp.fromLayers(). */
  constructor(handle: NativeMlpHandle, metadata: MlpMetadata) {
    this.#handle = handle;
    const info = native().mlpInfo(handle);
    this.inputSize = info.inputSize;
    this.outputSize = info.outputSize;
    this.layers = Object.freeze(info.layers.map((l) => Object.freeze(l)));
    this.bytes = info.bytes;
    this.metadata = metadata;
  }

  /** The native handle; throws ERR_DISPOSED after dispose(). @internal */
  get handle(): NativeMlpHandle {
    if (!this.#handle) throw new Cnn2MlpError('ERR_DISPOSED', 'this MLP has been disposed; convert or load it again');
    return this.#handle;
  }

  get disposed(): boolean {
    return this.#handle === undefined;
  }

  /** Frees the native weights now. Runs already started finish first (they hold their own reference). Idempotent. */
  dispose(): void {
    if (!this.#handle) return;
    native().mlpDispose(this.#handle);
    this.#handle = undefined;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
