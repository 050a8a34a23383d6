/**
 * TF.js Layers models (Sequential and functional, Keras 2 and Keras 3 JSON) → a CnnModel graph in
 * NHWC. Layers are visited in the config's order (Keras writes them topologically); each reads the
 * tensors its inbound node names, and one-input one-output models with merges (Add, Concatenate…)
 * become layers with `inputs`. Layers called more than once (shared layers) are refused.
 */
import { describe } from '../../errors.js';
import type { CnnModel, Layer } from '../../model/types.js';
import type { KerasCtx, TData } from './keras-layers.js';
import { KERAS_LAYERS } from './keras-shape.js';
import { bad, isObj, unsupported, type Json, type Weight } from './weights.js';

interface KLayer {
  cls: string;
  name: string;
  cfg: Json;
  /** names of the layers this one reads (empty for an InputLayer) */
  inbound: string[];
}

/** The source layer name of one inbound tensor reference (Keras 2 array or Keras 3 keras_history). */
function inboundName(ref: unknown): unknown {
  if (Array.isArray(ref)) return ref[0];
  if (isObj(ref) && isObj(ref.config) && Array.isArray(ref.config.keras_history)) return ref.config.keras_history[0];
  return undefined;
}

function inboundOf(l: Json, name: string): string[] {
  const nodes = (l.inbound_nodes ?? []) as unknown;
  if (!Array.isArray(nodes)) throw bad(`layer '${name}' has malformed inbound_nodes`);
  if (nodes.length > 1) throw unsupported(`layer '${name}' is called ${nodes.length} times (a shared layer); cnn2mlp needs each layer applied once`);
  if (nodes.length === 0) return [];
  const node = nodes[0] as unknown;
  // Keras 2 / TF.js: [[name, nodeIndex, tensorIndex, kwargs], ...]; Keras 3: {args: [tensor or [tensors]], kwargs}
  let refs: unknown[];
  if (isObj(node) && Array.isArray(node.args)) refs = node.args.length === 1 && Array.isArray(node.args[0]) ? node.args[0] : node.args;
  else if (Array.isArray(node)) refs = node;
  else throw bad(`layer '${name}' has malformed inbound_nodes`);
  return refs.map((r) => {
    const src = inboundName(r);
    if (typeof src !== 'string') throw bad(`layer '${name}' reads from ${describe(src)}`);
    return src;
  });
}

function topology(root0: Json): { layers: KLayer[]; input?: string; output?: string } {
  const root = isObj(root0.model_config) ? root0.model_config : root0; // Keras' own model.json wraps it
  const cfg = root.config;
  const asLayer = (l: unknown, i: number, prev?: string): KLayer => {
    if (!isObj(l) || typeof l.class_name !== 'string' || !isObj(l.config)) throw bad(`layer ${i} needs class_name and config`);
    const name = typeof l.name === 'string' ? l.name : typeof l.config.name === 'string' ? l.config.name : `layer_${i}`;
    return { cls: l.class_name, name, cfg: l.config, inbound: prev === undefined ? inboundOf(l, name) : [prev] };
  };
  if (root.class_name === 'Sequential') {
    const list = Array.isArray(cfg) ? cfg : isObj(cfg) && Array.isArray(cfg.layers) ? cfg.layers : undefined;
    if (!list) throw bad('Sequential config has no layers');
    const layers: KLayer[] = [];
    list.forEach((l: unknown, i: number) => layers.push(asLayer(l, i, i === 0 ? '' : layers[i - 1].name)));
    layers[0].inbound = [];
    return { layers };
  }
  if (root.class_name === 'Model' || root.class_name === 'Functional') {
    if (!isObj(cfg) || !Array.isArray(cfg.layers)) throw bad(`${root.class_name} config has no layers`);
    const ins = cfg.input_layers as unknown[];
    const outs = cfg.output_layers as unknown[];
    const first = (v: unknown[]) => (Array.isArray(v[0]) ? v[0][0] : v[0]);
    if (!Array.isArray(ins) || !Array.isArray(outs) || (ins.length !== 1 && !(ins.length === 3 && !Array.isArray(ins[0]))) || (outs.length !== 1 && !(outs.length === 3 && !Array.isArray(outs[0]))))
      throw unsupported(`only single-input, single-output models are supported (inputs ${describe(ins)}, outputs ${describe(outs)})`);
    return { layers: cfg.layers.map((l: unknown, i: number) => asLayer(l, i)), input: String(first(ins)), output: String(first(outs)) };
  }
  throw unsupported(`model class ${describe(root.class_name)}; supported: Sequential, Model/Functional`);
}

const MAX_DIM = 1 << 24;

/** The input shape a layer declares (InputLayer or a Sequential model's first layer), without the batch. */
function declaredInput(l: KLayer, where: string): number[] | undefined {
  const bis = l.cfg.batch_input_shape ?? l.cfg.batch_shape;
  if (bis === undefined || bis === null) return undefined;
  if (!Array.isArray(bis) || bis.length < 2 || bis.length > 4 || !bis.slice(1).every((d) => Number.isInteger(d) && d > 0 && d <= MAX_DIM))
    throw bad(`${where}: batch_input_shape ${describe(bis)} must be [null, H, W, C], [null, L, C] or [null, features] with fixed positive sizes`);
  return bis.slice(1) as number[];
}

export function layersModel(topologyJson: Json, weights: Map<string, Weight>, modelName?: string): CnnModel {
  const { layers: klayers, input, output } = topology(topologyJson);
  const used = new Set<string>();
  const findWeight = (layer: KLayer, param: string) => {
    const key = `${layer.name}/${param}`;
    if (weights.has(key)) return key;
    const cands = [...weights.keys()].filter((k) => k.endsWith(`/${key}`) || (k.startsWith(`${layer.name}/`) && k.endsWith(`/${param}`)));
    return cands.length === 1 ? cands[0] : undefined;
  };
  const out: Layer[] = [];
  const values = new Map<string, TData>();
  const names = new Set<string>();
  let inputName: string | undefined;
  let inputShape: number[] | undefined;
  klayers.forEach((l, i) => {
    const where = `layer ${i} '${l.name}' (${l.cls})`;
    if (l.cfg.dtype !== undefined && l.cfg.dtype !== null && l.cfg.dtype !== 'float32' && !isObj(l.cfg.dtype)) throw unsupported(`${where}: dtype ${describe(l.cfg.dtype)}; only float32 is supported`);
    const declared = declaredInput(l, where);
    if (l.cls === 'InputLayer' || (declared && l.inbound.length === 0 && !inputShape)) {
      if (inputShape) throw unsupported(`${where} declares a second model input; cnn2mlp models have one input`);
      if (!declared) throw bad(`${where}: the input declares no shape`);
      if (l.cfg.sparse === true || l.cfg.ragged === true) throw unsupported(`${where}: sparse or ragged inputs`);
      inputShape = declared;
      inputName = l.cls === 'InputLayer' ? l.name : 'input';
      names.add(inputName);
      values.set(inputName, { ref: inputName, shape: declared });
      if (l.cls === 'InputLayer') return;
      l.inbound = [inputName];
    }
    if (!inputShape) throw bad(`${where}: the model declares no input shape before its first layer`);
    const ins = l.inbound.map((n) => {
      const v = values.get(n);
      if (!v) throw bad(`${where} reads '${n}', which is not an earlier layer`);
      return v;
    });
    if (!ins.length) throw bad(`${where} reads no layer (its inbound_nodes are empty)`);
    const map = KERAS_LAYERS[l.cls];
    if (!map) throw unsupported(`${where}: layer class '${l.cls}' is not supported; it would need a new layer kind. Supported: InputLayer, ${Object.keys(KERAS_LAYERS).join(', ')}`);
    const c: KerasCtx = {
      cls: l.cls,
      name: l.name,
      cfg: l.cfg,
      where,
      ins,
      hasWeight: (p) => findWeight(l, p) !== undefined,
      weight: (p, shape) => {
        const key = findWeight(l, p);
        if (!key) throw bad(`weight '${l.name}/${p}' of ${where} is missing from weightsManifest`);
        const w = weights.get(key)!;
        if (w.dtype !== 'float32') throw unsupported(`weight '${key}' has dtype ${w.dtype}; Layers model weights must be float32 (or quantized float32)`);
        if (w.shape.length !== shape.length || w.shape.some((d, k) => d !== shape[k])) throw bad(`weight '${key}' has shape [${w.shape.join(', ')}], expected [${shape.join(', ')}]`);
        used.add(key);
        return w.data;
      },
      emit: (spec, from, shape, suffix = '') => {
        let name = `${l.name}${suffix}`;
        for (let k = 1; names.has(name); k++) name = `${l.name}${suffix}_${k}`;
        names.add(name);
        out.push({ ...spec, name, inputs: from.map((d) => d.ref) } as Layer);
        return { ref: name, shape };
      },
    };
    values.set(l.name, map(c));
  });
  if (!inputShape || !inputName) throw bad('the model declares no input shape');
  const unused = [...weights.keys()].filter((k) => !used.has(k));
  if (unused.length) throw bad(`weights ${unused.slice(0, 5).join(', ')}${unused.length > 5 ? '…' : ''} belong to no supported layer parameter; the model.json and its weights disagree`);
  const result = values.get(output ?? klayers[klayers.length - 1].name);
  if (!result || result.ref === inputName) throw unsupported('the model computes nothing from its input');
  return {
    name: modelName,
    layout: 'NHWC',
    inputShape,
    ...(inputShape.length === 2 ? { spatialRank: 1 as const } : {}),
    inputName,
    output: result.ref,
    layers: out,
  };
}
