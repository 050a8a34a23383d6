/**
 * TensorFlow.js peers for the benchmark: the same CnnModel built from tfjs ops (conv2d filters
 * are HWIO in both, so weights pass through unchanged), and a dense MLP as a chain of matMuls.
 * Backends: 'cpu' (pure JS) and 'wasm' (XNNPACK; SIMD in Node, but no threads: the threaded
 * build needs Web Workers and SharedArrayBuffer cross-origin isolation, which Node's tfjs-wasm
 * loader does not provide — `backendInfo()` reports what is actually active).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import type { Activation, CnnModel, Padding } from '../../model/types.js';
import { Cnn2MlpError } from '../../errors.js';
import type { Runner } from '../runner.js';

export type TfjsBackend = 'cpu' | 'wasm';

let tfMod: typeof TF | undefined;

async function tf(): Promise<typeof TF> {
  if (!tfMod) {
    tfMod = await import('@tensorflow/tfjs');
    // PROD: no debug checks and no "install tfjs-node" banner (it cannot be installed here).
    tfMod.env().set('PROD', true);
  }
  return tfMod;
}

/** What a tfjs backend runs with in this process. */
export interface TfjsBackendInfo {
  backend: TfjsBackend;
  version: string;
  simd: boolean | null;
  threads: number;
  note: string;
}

let wasmRegistered = false;

/** Switches tfjs to `backend` (registering wasm with its .wasm files from node_modules) and reports it. */
export async function useTfjsBackend(backend: TfjsBackend): Promise<TfjsBackendInfo> {
  const t = await tf();
  if (backend === 'wasm' && !wasmRegistered) {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const require = createRequire(import.meta.url);
    const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
    wasm.setWasmPaths(path.join(dist, 'dist') + path.sep);
    wasmRegistered = true;
  }
  if (!(await t.setBackend(backend))) throw new Cnn2MlpError('ERR_UNSUPPORTED', `tfjs backend '${backend}' failed to initialise`);
  await t.ready();
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const simd = t.env().getBool('WASM_HAS_SIMD_SUPPORT');
    const mt = t.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
    return {
      backend,
      version: t.version.tfjs,
      simd,
      threads: wasm.getThreadsCount(),
      note: `XNNPACK, SIMD ${simd ? 'on' : 'off'}, multithreading ${mt ? 'supported' : 'not supported in Node (single thread)'}`,
    };
  }
  return { backend, version: t.version.tfjs, simd: null, threads: 1, note: 'pure JavaScript kernels, single thread' };
}

function tfPadding(p: Padding | undefined): 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]] {
  if (p === undefined || p === 'valid') return 'valid';
  if (p === 'same') return 'same';
  if (p === 'sameLower') throw new Cnn2MlpError('ERR_UNSUPPORTED', "tfjs has no 'sameLower' padding");
  return [[0, 0], [p[0], p[1]], [p[2], p[3]], [0, 0]];
}

/**
 * `a` applied to x with tfjs ops on module `t` (the benchmark peers and test/support/tfjs-reference.ts
 * share it). elu with alpha ≠ 1 is tf.where(x ≥ 0, x, alpha·(exp(x) − 1)): tf.elu has alpha 1 only.
 */
export function tfActivation(t: typeof TF, x: TF.Tensor, a: Activation | undefined): TF.Tensor {
  if (a === undefined) return x;
  const spec = typeof a === 'string' ? { type: a } : a;
  switch (spec.type) {
    case 'linear':
      return x;
    case 'relu':
      return t.relu(x);
    case 'relu6':
      return t.clipByValue(x, 0, 6);
    case 'clip':
      return t.clipByValue(x, spec.min ?? -3.4e38, spec.max ?? 3.4e38);
    case 'leakyRelu':
      return t.leakyRelu(x, spec.alpha ?? 0.2);
    case 'sigmoid':
      return t.sigmoid(x);
    case 'tanh':
      return t.tanh(x);
    case 'elu': {
      const alpha = spec.alpha ?? 1;
      return alpha === 1 ? t.elu(x) : t.where(t.greaterEqual(x, 0), x, t.mul(alpha, t.sub(t.exp(x), 1)));
    }
    case 'selu':
      return t.selu(x);
    case 'softplus':
      return t.softplus(x);
    case 'softmax':
      return t.softmax(x, -1);
    case 'hardSigmoid':
      return t.clipByValue(t.add(t.mul(x, spec.alpha ?? 0.2), spec.beta ?? 0.5), 0, 1);
    case 'hardSwish':
      return t.div(t.mul(x, t.clipByValue(t.add(x, 3), 0, 6)), 6);
    case 'swish':
      return t.mul(x, t.sigmoid(x));
  }
}

/** The peers time tfjs's own kernels only: an activation tfjs has no single op for is not benchmarked. */
function peerActivation(t: typeof TF, a: Activation | undefined): (x: TF.Tensor) => TF.Tensor {
  if (a !== undefined && typeof a !== 'string' && a.type === 'elu' && (a.alpha ?? 1) !== 1) throw new Cnn2MlpError('ERR_UNSUPPORTED', 'tfjs elu has alpha 1 only');
  return (x) => tfActivation(t, x, a);
}

/** A Runner over prebuilt steps; `held` (weight tensors) are freed by dispose(). */
function peerRunner(t: typeof TF, held: TF.Tensor[], forward: (input: Float32Array, batch: number) => TF.Tensor): Runner {
  return {
    async run(input, batch) {
      const out = t.tidy(() => forward(input, batch));
      const data = (await out.data()) as Float32Array;
      out.dispose();
      return data;
    },
    dispose() {
      for (const x of held) x.dispose();
      held.length = 0;
    },
  };
}

/**
 * Builds `model` from tfjs ops on the current backend. Supports the layers the benchmark nets use:
 * conv2d (groups 1), dense, flatten, max/avg pooling, activation; NHWC only. Throws ERR_UNSUPPORTED
 * for anything else (the benchmark then skips this peer with the message as its reason).
 */
export async function tfjsCnn(model: CnnModel): Promise<Runner> {
  const t = await tf();
  if (model.layout !== 'NHWC') throw new Cnn2MlpError('ERR_UNSUPPORTED', 'tfjs peer: NHWC models only');
  const held: TF.Tensor[] = [];
  const keep = <T extends TF.Tensor>(x: T): T => (held.push(x), x);
  const steps: Array<(x: TF.Tensor) => TF.Tensor> = [];
  let cin = model.inputShape[model.inputShape.length - 1];
  for (const layer of model.layers) {
    switch (layer.type) {
      case 'conv2d': {
        if ((layer.groups ?? 1) !== 1) throw new Cnn2MlpError('ERR_UNSUPPORTED', 'tfjs peer: grouped conv2d');
        const [kh, kw] = layer.kernelSize;
        const w = keep(t.tensor4d(layer.weights, [kh, kw, cin, layer.filters]));
        const b = layer.bias ? keep(t.tensor1d(layer.bias)) : undefined;
        const pad = tfPadding(layer.padding);
        const strides = layer.strides ?? [1, 1];
        const dil = layer.dilation ?? [1, 1];
        const act = peerActivation(t, layer.activation);
        cin = layer.filters;
        steps.push((x) => {
          let y: TF.Tensor = t.conv2d(x as TF.Tensor4D, w, strides, pad, 'NHWC', dil);
          if (b) y = t.add(y, b);
          return act(y);
        });
        break;
      }
      case 'dense': {
        const inUnits = layer.weights.length / layer.units;
        const w = keep(t.tensor2d(layer.weights, [inUnits, layer.units]));
        const b = layer.bias ? keep(t.tensor1d(layer.bias)) : undefined;
        const act = peerActivation(t, layer.activation);
        cin = layer.units;
        steps.push((x) => {
          let y: TF.Tensor = t.matMul(x as TF.Tensor2D, w);
          if (b) y = t.add(y, b);
          return act(y);
        });
        break;
      }
      case 'flatten':
        steps.push((x) => t.reshape(x, [x.shape[0], -1]));
        break;
      case 'maxPool2d':
      case 'avgPool2d': {
        const pad = tfPadding(layer.padding);
        if (Array.isArray(pad)) throw new Cnn2MlpError('ERR_UNSUPPORTED', 'tfjs peer: explicit pool padding');
        const strides = layer.strides ?? layer.poolSize;
        const op = layer.type === 'maxPool2d' ? t.maxPool : t.avgPool;
        steps.push((x) => op(x as TF.Tensor4D, layer.poolSize, strides, pad));
        break;
      }
      case 'activation':
        steps.push(peerActivation(t, layer.activation));
        break;
      default:
        throw new Cnn2MlpError('ERR_UNSUPPORTED', `tfjs peer: layer type '${layer.type}'`);
    }
  }
  const inShape = model.inputShape;
  return peerRunner(t, held, (input, batch) => steps.reduce<TF.Tensor>((x, f) => f(x), t.tensor(input, [batch, ...inShape])));
}

/** One dense MLP layer for a peer: W row-major [rows = outputs, cols = inputs], y = act(W·x + b). */
export interface DenseLayerData {
  rows: number;
  cols: number;
  weights: Float32Array;
  bias: Float32Array;
  activation: Activation;
}

/** A dense MLP as tfjs matMuls: X [batch, cols] · Wᵀ + b, layer after layer. */
export async function tfjsMlp(layers: DenseLayerData[]): Promise<Runner> {
  const t = await tf();
  const held: TF.Tensor[] = [];
  const acts = layers.map((l) => peerActivation(t, l.activation)); // refuses before any tensor is made
  const ws = layers.map((l, i) => {
    const w = t.tensor2d(l.weights, [l.rows, l.cols]);
    const b = t.tensor1d(l.bias);
    held.push(w, b);
    return { w, b, act: acts[i] };
  });
  const inSize = layers[0].cols;
  return peerRunner(t, held, (input, batch) => ws.reduce<TF.Tensor>((x, l) => l.act(t.add(t.matMul(x as TF.Tensor2D, l.w, false, true), l.b)), t.tensor2d(input, [batch, inSize])));
}
