/**
 * TensorFlow.js Layers format → CnnModel (NHWC). Reads model.json and the binary weight shards
 * its weightsManifest lists (paths relative to model.json), for Sequential models and functional
 * models shaped as a single chain. Keras conv kernels are already HWIO and dense kernels
 * [in, units], so weights are used as stored.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Cnn2MlpError, describe } from '../errors.js';
import { validated } from './onnx.js';
import { jsonSyntaxError } from '../util/json.js';
import type { Activation, CnnModel, Layer, Pair, Padding } from '../model/types.js';

export const TFJS_SUPPORTED_LAYERS = [
  'InputLayer',
  'Conv2D',
  'DepthwiseConv2D',
  'Dense',
  'Flatten',
  'MaxPooling2D',
  'AveragePooling2D',
  'GlobalAveragePooling2D',
  'GlobalMaxPooling2D',
  'BatchNormalization',
  'Activation',
  'ReLU',
  'LeakyReLU',
  'ZeroPadding2D',
  'Dropout',
] as const;

const MAX_DIM = 1 << 24;

function bad(msg: string): Cnn2MlpError {
  return new Cnn2MlpError('ERR_BAD_FILE', `TF.js: ${msg}`);
}
function unsupported(msg: string): Cnn2MlpError {
  return new Cnn2MlpError('ERR_UNSUPPORTED', `TF.js: ${msg}`);
}

type Json = Record<string, unknown>;
interface KLayer {
  class_name: string;
  name: string;
  config: Json;
  inbound_nodes?: unknown;
}

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
}

/** Reads every weight group: checks dtypes, shapes and that shard bytes add up exactly. */
function readWeights(manifest: unknown, dir: string): Map<string, { shape: number[]; data: Float32Array }> {
  if (!Array.isArray(manifest)) throw bad(`weightsManifest must be an array but is ${describe(manifest)}`);
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  const base = path.resolve(dir);
  manifest.forEach((group, gi) => {
    if (!isObj(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) throw bad(`weightsManifest[${gi}] needs 'paths' and 'weights' arrays`);
    const specs: WeightSpec[] = group.weights.map((w: unknown, wi: number) => {
      if (!isObj(w) || typeof w.name !== 'string' || !Array.isArray(w.shape)) throw bad(`weightsManifest[${gi}].weights[${wi}] needs a name and a shape`);
      if (w.quantization !== undefined) throw unsupported(`weight '${w.name}' is quantized; only float32 weights are supported`);
      const dtype = w.dtype ?? 'float32';
      if (dtype !== 'float32') throw unsupported(`weight '${w.name}' has dtype ${describe(dtype)}; only float32 is supported`);
      let count = 1;
      for (const d of w.shape) {
        // describe(), not JSON.stringify: a hostile shape can nest deep enough to overflow the stack.
        if (!Number.isInteger(d) || (d as number) < 0 || (d as number) > 2 ** 31) throw bad(`weight '${w.name}' has an invalid dimension ${typeof d === 'number' ? d : describe(d)} (shape of ${w.shape.length} entries)`);
        count *= d as number;
      }
      if (count > 2 ** 31) throw bad(`weight '${w.name}' has ${count} elements (shape [${w.shape.join(', ')}]), which is absurd`);
      return { name: w.name, shape: w.shape as number[], dtype };
    });
    const need = specs.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1) * 4, 0);
    const chunks: Buffer[] = [];
    for (const p of group.paths as unknown[]) {
      if (typeof p !== 'string') throw bad(`weightsManifest[${gi}].paths holds ${describe(p)}`);
      const file = path.resolve(base, p);
      const rel = path.relative(base, file);
      if (path.isAbsolute(p) || rel.startsWith('..') || path.isAbsolute(rel)) throw bad(`weight shard path '${p}' escapes the model's directory; refusing to read it`);
      try {
        chunks.push(fs.readFileSync(file));
      } catch (err) {
        throw new Cnn2MlpError('ERR_BAD_FILE', `TF.js: cannot read weight shard '${file}' (${(err as Error).message}); it must sit beside model.json as weightsManifest lists it`, { cause: err });
      }
    }
    const total = chunks.reduce((s, c) => s + c.length, 0);
    if (total !== need)
      throw bad(`weight group ${gi} (shards ${(group.paths as string[]).join(', ')}) holds ${total} bytes, but its ${specs.length} weights need ${need}; the shards are truncated or do not belong to this model.json`);
    const all = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    let off = 0;
    for (const s of specs) {
      const n = s.shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(n);
      const dv = new DataView(all.buffer, all.byteOffset + off, n * 4);
      for (let k = 0; k < n; k++) data[k] = dv.getFloat32(k * 4, true);
      off += n * 4;
      out.set(s.name, { shape: s.shape, data });
    }
  });
  return out;
}

/** Layers of the model in chain order (input first), from a Sequential or functional topology. */
function chainLayers(topology: Json): { layers: KLayer[]; inputShape?: unknown } {
  let root = topology;
  if (isObj(root.model_config)) root = root.model_config; // Keras' own model.json wraps it
  const cls = root.class_name;
  const cfg = root.config;
  const asLayer = (l: unknown, i: number): KLayer => {
    if (!isObj(l) || typeof l.class_name !== 'string' || !isObj(l.config)) throw bad(`layer ${i} needs class_name and config`);
    const name = typeof l.name === 'string' ? l.name : typeof l.config.name === 'string' ? l.config.name : `layer_${i}`;
    return { class_name: l.class_name, name, config: l.config, inbound_nodes: l.inbound_nodes };
  };
  if (cls === 'Sequential') {
    const list = Array.isArray(cfg) ? cfg : isObj(cfg) && Array.isArray(cfg.layers) ? cfg.layers : undefined;
    if (!list) throw bad('Sequential config has no layers');
    return { layers: list.map(asLayer) };
  }
  if (cls === 'Model' || cls === 'Functional') {
    if (!isObj(cfg) || !Array.isArray(cfg.layers)) throw bad(`${cls} config has no layers`);
    const layers = cfg.layers.map(asLayer);
    const byName = new Map(layers.map((l) => [l.name, l]));
    const ins = cfg.input_layers as unknown[][];
    const outs = cfg.output_layers as unknown[][];
    if (!Array.isArray(ins) || ins.length !== 1 || !Array.isArray(outs) || outs.length !== 1)
      throw unsupported(`only single-input, single-output models are supported (inputs ${describe(ins)}, outputs ${describe(outs)})`);
    // inbound layer names per layer (Keras 2 format: [[[name, nodeIndex, tensorIndex, kwargs], ...]])
    const consumers = new Map<string, string[]>();
    for (const l of layers) {
      const nodes = (l.inbound_nodes ?? []) as unknown[];
      if (!Array.isArray(nodes)) throw bad(`layer '${l.name}' has malformed inbound_nodes`);
      if (nodes.length > 1) throw unsupported(`layer '${l.name}' is called ${nodes.length} times (shared layer); only chains are supported`);
      if (nodes.length === 0) continue;
      // Keras 2 / TF.js: [[name, nodeIndex, tensorIndex, kwargs], ...]; Keras 3: {args: [keras tensor], kwargs}
      const node0 = nodes[0] as unknown;
      const inbound = isObj(node0) && Array.isArray(node0.args) ? node0.args : (node0 as unknown[]);
      if (!Array.isArray(inbound) || inbound.length !== 1)
        throw unsupported(`layer '${l.name}' (${l.class_name}) has ${Array.isArray(inbound) ? inbound.length : '?'} inputs; only chain models are supported (no merges such as Add or Concatenate)`);
      const src = inboundName(inbound[0]);
      if (typeof src !== 'string' || !byName.has(src)) throw bad(`layer '${l.name}' reads from unknown layer ${describe(src)}`);
      consumers.set(src, [...(consumers.get(src) ?? []), l.name]);
    }
    const chain: KLayer[] = [];
    let cur = String(ins[0][0]);
    const seen = new Set<string>();
    for (;;) {
      const l = byName.get(cur);
      if (!l) throw bad(`unknown layer '${cur}'`);
      if (seen.has(cur)) throw unsupported(`the model has a cycle through '${cur}'`);
      seen.add(cur);
      chain.push(l);
      const next = consumers.get(cur) ?? [];
      if (next.length > 1) throw unsupported(`layer '${cur}' feeds ${next.length} layers (${next.join(', ')}); the model branches, and only chains are supported`);
      if (next.length === 0) break;
      cur = next[0];
    }
    if (cur !== String(outs[0][0])) throw unsupported(`the chain from the input ends at '${cur}', not at the output layer '${outs[0][0]}'`);
    if (chain.length !== layers.length) throw unsupported(`layers ${layers.filter((l) => !seen.has(l.name)).map((l) => `'${l.name}'`).join(', ')} are not on the input→output chain`);
    return { layers: chain };
  }
  throw unsupported(`model class ${describe(cls)}; supported: Sequential, Model/Functional`);
}

/** The source layer name of one inbound tensor reference (Keras 2 array or Keras 3 keras_history). */
function inboundName(ref: unknown): unknown {
  if (Array.isArray(ref)) return ref[0];
  if (isObj(ref) && isObj(ref.config) && Array.isArray(ref.config.keras_history)) return ref.config.keras_history[0];
  return undefined;
}

function pairOf(v: unknown, what: string, def?: Pair): Pair {
  if ((v === undefined || v === null) && def) return def;
  const p = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((x) => Number.isInteger(x) && x >= 1 && x <= MAX_DIM)) throw bad(`${what} must be a pair of positive integers but is ${describe(v)}`);
  return [p[0], p[1]];
}

function activationOf(v: unknown, where: string): Activation | undefined {
  if (v === undefined || v === null || v === 'linear') return undefined;
  const map: Record<string, Activation> = {
    relu: 'relu',
    relu6: 'relu6',
    sigmoid: 'sigmoid',
    tanh: 'tanh',
    elu: 'elu',
    selu: 'selu',
    softplus: 'softplus',
    softmax: 'softmax',
  };
  if (typeof v === 'string' && map[v]) return map[v];
  throw unsupported(`${where}: activation ${describe(v)} is not supported; supported: linear, ${Object.keys(map).join(', ')}`);
}

function padding(v: unknown, where: string): Padding {
  if (v === undefined || v === 'valid') return 'valid';
  if (v === 'same') return 'same';
  throw unsupported(`${where}: padding ${describe(v)}; supported: 'valid', 'same'`);
}

function channelsLast(cfg: Json, where: string): void {
  if (cfg.data_format !== undefined && cfg.data_format !== null && cfg.data_format !== 'channels_last')
    throw unsupported(`${where}: data_format ${describe(cfg.data_format)}; only channels_last is supported`);
}

const MAX_MODEL_JSON_CHARS = 32 * 2 ** 20;
const MAX_JSON_DEPTH = 256;

/** Deepest [ / { nesting of JSON text outside strings; stops counting once past `limit`. */
function jsonDepth(text: string, limit: number): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped char
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > max && (max = depth) > limit) return max;
    } else if (c === 93 || c === 125) depth--;
  }
  return max;
}

/**
 * Loads a TF.js Layers model (model.json + its weight shards) into a CnnModel in NHWC, input
 * shape [H, W, C] (or [features]). Throws Cnn2MlpError: ERR_BAD_FILE for unreadable or
 * inconsistent files, ERR_UNSUPPORTED for layers, dtypes or topologies outside the list.
 */
export function loadTfjs(modelJsonPath: string): CnnModel {
  if (typeof modelJsonPath !== 'string' || modelJsonPath === '') throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected a path to model.json for loadTfjs but received ${describe(modelJsonPath)}`);
  let json: Json;
  let text = '';
  try {
    text = fs.readFileSync(modelJsonPath, 'utf8');
    // A hostile model.json can exhaust V8's heap inside JSON.parse (a fatal, uncatchable crash):
    // bound its size and nesting first. Real topologies are kilobytes and nest < 30 levels.
    if (text.length > MAX_MODEL_JSON_CHARS) throw new Error(`${text.length} characters; model.json files above ${MAX_MODEL_JSON_CHARS} are refused`);
    const depth = jsonDepth(text, MAX_JSON_DEPTH);
    if (depth > MAX_JSON_DEPTH) throw new Error(`it nests more than ${MAX_JSON_DEPTH} levels deep`);
    json = JSON.parse(text) as Json;
  } catch (err) {
    throw new Cnn2MlpError('ERR_BAD_FILE', `TF.js: cannot read '${modelJsonPath}' as JSON: ${jsonSyntaxError(text, err)}`, { cause: err });
  }
  if (!isObj(json) || !isObj(json.modelTopology)) throw bad(`'${modelJsonPath}' has no modelTopology; is it a TF.js Layers model.json?`);
  if (json.format !== undefined && json.format !== 'layers-model') throw unsupported(`format ${describe(json.format)}; only 'layers-model' (tf.LayersModel) is supported, not graph models`);
  const weights = readWeights(json.weightsManifest ?? [], path.dirname(modelJsonPath));
  const { layers: klayers } = chainLayers(json.modelTopology);
  const used = new Set<string>();
  const weight = (layer: KLayer, param: string, shape: number[] | undefined, required = true): Float32Array | undefined => {
    const key = `${layer.name}/${param}`;
    let hit = weights.get(key);
    let name = key;
    if (!hit) {
      const cands = [...weights.keys()].filter((k) => k.endsWith(`/${key}`));
      if (cands.length === 1) {
        name = cands[0];
        hit = weights.get(name);
      }
    }
    if (!hit) {
      if (!required) return undefined;
      throw bad(`weight '${key}' of layer '${layer.name}' (${layer.class_name}) is missing from weightsManifest`);
    }
    if (shape && (hit.shape.length !== shape.length || hit.shape.some((d, k) => d !== shape[k])))
      throw bad(`weight '${name}' has shape [${hit.shape.join(', ')}], expected [${shape.join(', ')}]`);
    used.add(name);
    return hit.data;
  };

  let inputShape: number[] | undefined;
  // Shape tracking for weight checks: [h, w, c] or [n].
  let shape: number[] = [];
  const out: Layer[] = [];
  klayers.forEach((l, i) => {
    const cfg = l.config;
    const where = `layer ${i} '${l.name}' (${l.class_name})`;
    if (cfg.dtype !== undefined && cfg.dtype !== null && cfg.dtype !== 'float32' && !(isObj(cfg.dtype)))
      throw unsupported(`${where}: dtype ${describe(cfg.dtype)}; only float32 is supported`);
    const bis = cfg.batch_input_shape ?? cfg.batch_shape;
    if (bis !== undefined && bis !== null) {
      if (inputShape) throw unsupported(`${where} declares a second input shape`);
      if (!Array.isArray(bis) || !(bis.length === 4 || bis.length === 2) || !bis.slice(1).every((d) => Number.isInteger(d) && d > 0 && d <= MAX_DIM))
        throw bad(`${where}: batch_input_shape ${describe(bis)} must be [null, H, W, C] or [null, features] with positive sizes`);
      inputShape = bis.slice(1) as number[];
      shape = [...inputShape];
    }
    if (!inputShape) throw bad(`${where}: the model declares no input shape before its first layer`);
    const name = l.name;
    const spatial = () => {
      if (shape.length !== 3) throw unsupported(`${where} needs a [H, W, C] input but receives [${shape.join(', ')}]`);
      return shape as [number, number, number];
    };
    const outSize = (n: number, k: number, s: number, d: number, pad: Padding) =>
      pad === 'same' ? Math.ceil(n / s) : Math.floor((n - (d * (k - 1) + 1)) / s) + 1;
    switch (l.class_name) {
      case 'InputLayer':
        if (cfg.sparse === true || cfg.ragged === true) throw unsupported(`${where}: sparse or ragged inputs`);
        break;
      case 'Dropout':
      case 'SpatialDropout2D':
        break;
      case 'Conv2D':
      case 'DepthwiseConv2D': {
        channelsLast(cfg, where);
        const [h, w, c] = spatial();
        const k = pairOf(cfg.kernel_size, `${where} kernel_size`);
        const s = pairOf(cfg.strides, `${where} strides`, [1, 1]);
        const d = pairOf(cfg.dilation_rate, `${where} dilation_rate`, [1, 1]);
        const pad = padding(cfg.padding, where);
        const useBias = cfg.use_bias !== false;
        let filters: number;
        let groups: number;
        let kernel: Float32Array;
        if (l.class_name === 'Conv2D') {
          filters = cfg.filters as number;
          groups = (cfg.groups as number | undefined) ?? 1;
          if (!Number.isInteger(filters) || filters < 1 || !Number.isInteger(groups) || groups < 1 || c % groups !== 0) throw bad(`${where}: filters ${describe(cfg.filters)} / groups ${describe(cfg.groups)} are invalid for ${c} channels`);
          kernel = weight(l, 'kernel', [k[0], k[1], c / groups, filters])!;
        } else {
          const mult = (cfg.depth_multiplier as number | undefined) ?? 1;
          if (!Number.isInteger(mult) || mult < 1) throw bad(`${where}: depth_multiplier ${describe(cfg.depth_multiplier)}`);
          filters = c * mult;
          groups = c;
          // [kh, kw, C, mult] in memory is HWIO [kh, kw, 1, C·mult] with filter c·mult + m: the same bytes.
          kernel = weight(l, 'depthwise_kernel', [k[0], k[1], c, mult])!;
        }
        const bias = useBias ? weight(l, 'bias', [filters]) : undefined;
        out.push({ type: 'conv2d', name, filters, kernelSize: k, strides: s, dilation: d, padding: pad, groups, weights: kernel, bias, activation: activationOf(cfg.activation, where) });
        shape = [outSize(h, k[0], s[0], d[0], pad), outSize(w, k[1], s[1], d[1], pad), filters];
        break;
      }
      case 'Dense': {
        if (shape.length !== 1) throw unsupported(`${where} receives [${shape.join(', ')}]; Dense on a spatial tensor (applied per pixel) is not supported, add Flatten before it`);
        const units = cfg.units as number;
        if (!Number.isInteger(units) || units < 1) throw bad(`${where}: units ${describe(cfg.units)}`);
        out.push({
          type: 'dense',
          name,
          units,
          weights: weight(l, 'kernel', [shape[0], units])!,
          bias: cfg.use_bias !== false ? weight(l, 'bias', [units]) : undefined,
          activation: activationOf(cfg.activation, where),
        });
        shape = [units];
        break;
      }
      case 'Flatten':
        channelsLast(cfg, where);
        out.push({ type: 'flatten', name });
        shape = [shape.reduce((a, b) => a * b, 1)];
        break;
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        channelsLast(cfg, where);
        const [h, w, c] = spatial();
        const k = pairOf(cfg.pool_size, `${where} pool_size`, [2, 2]);
        const s = pairOf(cfg.strides, `${where} strides`, k);
        const pad = padding(cfg.padding, where);
        out.push({ type: l.class_name === 'MaxPooling2D' ? 'maxPool2d' : 'avgPool2d', name, poolSize: k, strides: s, padding: pad });
        shape = [outSize(h, k[0], s[0], 1, pad), outSize(w, k[1], s[1], 1, pad), c];
        break;
      }
      case 'GlobalAveragePooling2D':
      case 'GlobalMaxPooling2D': {
        channelsLast(cfg, where);
        if (cfg.keepdims === true) throw unsupported(`${where}: keepdims=true`);
        const [, , c] = spatial();
        out.push({ type: l.class_name === 'GlobalAveragePooling2D' ? 'globalAvgPool2d' : 'globalMaxPool2d', name });
        shape = [c];
        break;
      }
      case 'BatchNormalization': {
        const axis = Array.isArray(cfg.axis) && cfg.axis.length === 1 ? cfg.axis[0] : (cfg.axis ?? -1);
        if (axis !== -1 && axis !== shape.length) throw unsupported(`${where}: axis ${describe(cfg.axis)}; only the channel (last) axis is supported`);
        const c = shape[shape.length - 1];
        out.push({
          type: 'batchNorm',
          name,
          gamma: cfg.scale !== false ? weight(l, 'gamma', [c]) : undefined,
          beta: cfg.center !== false ? weight(l, 'beta', [c]) : undefined,
          mean: weight(l, 'moving_mean', [c])!,
          variance: weight(l, 'moving_variance', [c])!,
          epsilon: typeof cfg.epsilon === 'number' ? cfg.epsilon : 1e-3,
        });
        break;
      }
      case 'Activation': {
        const a = activationOf(cfg.activation, where);
        if (a) out.push({ type: 'activation', name, activation: a });
        break;
      }
      case 'ReLU': {
        const max = cfg.max_value ?? null;
        const slope = (cfg.negative_slope as number | undefined) ?? 0;
        const threshold = (cfg.threshold as number | undefined) ?? 0;
        if (threshold !== 0 || (slope !== 0 && max !== null)) throw unsupported(`${where}: threshold ${threshold} / negative_slope ${slope} with max_value ${max}`);
        out.push({ type: 'activation', name, activation: max !== null ? { type: 'clip', min: 0, max: max as number } : slope !== 0 ? { type: 'leakyRelu', alpha: slope } : 'relu' });
        break;
      }
      case 'LeakyReLU': {
        const alpha = cfg.alpha ?? cfg.negative_slope ?? 0.3;
        if (typeof alpha !== 'number') throw bad(`${where}: alpha ${describe(alpha)}`);
        out.push({ type: 'activation', name, activation: { type: 'leakyRelu', alpha } });
        break;
      }
      case 'ZeroPadding2D': {
        channelsLast(cfg, where);
        const [h, w, c] = spatial();
        const p = cfg.padding ?? 1;
        let pads: [number, number, number, number];
        if (typeof p === 'number') pads = [p, p, p, p];
        else if (Array.isArray(p) && p.length === 2 && p.every((x) => typeof x === 'number')) pads = [p[0], p[0], p[1], p[1]];
        else if (Array.isArray(p) && p.length === 2 && p.every((x) => Array.isArray(x) && x.length === 2)) pads = [p[0][0], p[0][1], p[1][0], p[1][1]];
        else throw bad(`${where}: padding ${describe(p)}`);
        if (!pads.every((x) => Number.isInteger(x) && x >= 0 && x <= MAX_DIM)) throw bad(`${where}: padding ${describe(p)} must hold integers ≥ 0`);
        out.push({ type: 'zeroPad2d', name, padding: pads });
        shape = [h + pads[0] + pads[1], w + pads[2] + pads[3], c];
        break;
      }
      default:
        throw unsupported(`${where}: layer class '${l.class_name}' is not supported. Supported: ${TFJS_SUPPORTED_LAYERS.join(', ')}`);
    }
  });
  if (!inputShape) throw bad('the model declares no input shape');
  if (out.length === 0) throw unsupported('the model has no layers that compute anything');
  const unused = [...weights.keys()].filter((k) => !used.has(k));
  if (unused.length) throw bad(`weights ${unused.slice(0, 5).join(', ')}${unused.length > 5 ? '…' : ''} belong to no supported layer parameter; the model.json and its weights disagree`);
  const name = isObj(json.modelTopology.config) && typeof json.modelTopology.config.name === 'string' ? json.modelTopology.config.name : undefined;
  return validated({ name, layout: 'NHWC', inputShape, layers: out }, 'TF.js');
}
