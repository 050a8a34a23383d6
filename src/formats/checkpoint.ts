/**
 * TensorFlow V2 checkpoints (`<prefix>.index` + `<prefix>.data-*-of-*`) → CnnModel.
 *
 * A checkpoint holds tensors only. The network around them comes from, in order of preference:
 * the `architecture` argument (explicit input shape, layer order, strides, padding, activations,
 * and which variables each layer reads), or the `<prefix>.meta` MetaGraphDef beside the checkpoint
 * (the TF1 graph: Conv2D/MaxPool/MatMul/BiasAdd/Relu/Reshape nodes followed from the input to the
 * logits, see ./tf/graph.ts). Variables are float32; optimiser state (Adam slots, `.OPTIMIZER_SLOT`,
 * `optimizer/…`, `global_step`, `beta1_power`…) is never read.
 */
import path from 'node:path';
import { readFile, stat } from 'node:fs/promises';
import { Cnn2MlpError, describe } from '../errors.js';
import { layoutShape, planModel } from '../model/plan.js';
import type { CnnModel, Layer, Shape } from '../model/types.js';
import { openBundle, readFloat32, readTensorBytes, type Bundle, type BundleTensor } from './tf/bundle.js';
import { architectureFromMetaGraph } from './tf/graph.js';
import { isOptimizerState } from './tf/optimizer-state.js';
import type { CheckpointArchitecture, CheckpointBatchNorm, CheckpointConv2d, CheckpointDense, CheckpointLayer } from './tf/architecture.js';

export { isOptimizerState };
export type { CheckpointArchitecture, CheckpointBatchNorm, CheckpointConv2d, CheckpointDense, CheckpointLayer, CheckpointVariables } from './tf/architecture.js';

/** One tensor of a checkpoint as its index describes it. */
export interface CheckpointTensorInfo {
  name: string;
  /** 'DT_FLOAT', 'DT_INT64', 'DT_STRING', … */
  dtype: string;
  shape: number[];
  shard: number;
  /** byte offset and size in the shard */
  offset: number;
  size: number;
  /** masked crc32c of the stored bytes, as the index stores it */
  crc32c: number;
  /** true for optimiser state and counters that a model never reads */
  optimizerState: boolean;
}

/** An opened checkpoint: the index is parsed and checked; tensors are read on demand (crc32c verified). */
export interface CheckpointReader {
  prefix: string;
  numShards: number;
  /** BundleHeaderProto.version.producer */
  producer: number;
  tensors: CheckpointTensorInfo[];
  /** a DT_FLOAT tensor, row-major in its stored shape; other dtypes throw ERR_UNSUPPORTED */
  readFloat32(name: string): Promise<Float32Array>;
  /** the stored bytes of any tensor */
  readBytes(name: string): Promise<Uint8Array>;
}

/** Accepts a prefix, the `.index` path, or a directory holding a TF `checkpoint` state file. */
async function resolvePrefix(prefix: string): Promise<string> {
  if (typeof prefix !== 'string' || prefix.length === 0)
    throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected a checkpoint prefix (path without .index) for prefix but received ${describe(prefix)}`);
  if (prefix.endsWith('.index')) return prefix.slice(0, -'.index'.length);
  const st = await stat(prefix).catch(() => undefined);
  if (st?.isDirectory()) {
    const state = await readFile(path.join(prefix, 'checkpoint'), 'utf8').catch(() => {
      throw new Cnn2MlpError('ERR_BAD_FILE', `${prefix} is a directory without a 'checkpoint' state file; pass the checkpoint prefix (e.g. dir/model.ckpt-1000)`);
    });
    const m = /^model_checkpoint_path:\s*"((?:[^"\\]|\\.)*)"/m.exec(state);
    if (!m) throw new Cnn2MlpError('ERR_BAD_FILE', `${path.join(prefix, 'checkpoint')} names no model_checkpoint_path`);
    const named = path.resolve(prefix, m[1]);
    // Checkpoints copied from another machine often keep that machine's absolute path here.
    const local = path.join(prefix, path.basename(m[1]));
    return (await stat(`${named}.index`).catch(() => undefined)) ? named : local;
  }
  return prefix;
}

function toInfo(t: BundleTensor): CheckpointTensorInfo {
  return {
    name: t.name,
    dtype: t.dtypeName,
    shape: t.shape,
    shard: t.shard,
    offset: t.offset,
    size: t.size,
    crc32c: t.crc32cMasked,
    optimizerState: isOptimizerState(t.name),
  };
}

function tensorOf(bundle: Bundle, name: string): BundleTensor {
  const t = bundle.tensors.get(name);
  if (!t) throw new Cnn2MlpError('ERR_INVALID_ARG', `checkpoint ${bundle.prefix} has no tensor '${name}'`);
  return t;
}

/**
 * Opens a TensorFlow V2 checkpoint: parses and checks `<prefix>.index` (table CRCs, header, every
 * entry within its shard) and that every shard exists. Throws ERR_BAD_FILE for corrupt or missing
 * files, ERR_UNSUPPORTED for snappy-compressed indexes, big-endian or partitioned checkpoints.
 */
export async function openCheckpoint(prefix: string): Promise<CheckpointReader> {
  const bundle = await openBundle(await resolvePrefix(prefix));
  return {
    prefix: bundle.prefix,
    numShards: bundle.numShards,
    producer: bundle.producer,
    tensors: [...bundle.tensors.values()].map(toInfo),
    readFloat32: (name) => readFloat32(bundle, tensorOf(bundle, name)),
    readBytes: (name) => readTensorBytes(bundle, tensorOf(bundle, name)),
  };
}

export interface LoadCheckpointOptions {
  /** With a .meta graph: the node whose output is the model's output (default: the end of the
   *  single-consumer chain from the input, i.e. the logits feeding softmax/argmax/loss). */
  outputNode?: string;
}

/**
 * Loads a TensorFlow V2 checkpoint as a CnnModel. `architecture` says how the variables form a
 * network; without it, `<prefix>.meta` (a TF1 MetaGraphDef) must sit beside the checkpoint and the
 * network is read from its graph. Shapes are checked layer by layer: a mismatch names the layer,
 * the variable, its shape and the shape the architecture expects (ERR_INVALID_MODEL).
 */
export async function loadCheckpoint(prefix: string, architecture?: CheckpointArchitecture, options: LoadCheckpointOptions = {}): Promise<CnnModel> {
  const resolved = await resolvePrefix(prefix);
  const bundle = await openBundle(resolved);
  let arch = architecture;
  if (arch === undefined) {
    const metaPath = `${resolved}.meta`;
    const meta = await readFile(metaPath).catch(() => undefined);
    if (!meta)
      throw new Cnn2MlpError(
        'ERR_INVALID_ARG',
        `checkpoint ${resolved} holds weights only and no ${path.basename(metaPath)} graph sits beside it: pass an architecture ` +
          `(input shape and layers in order, naming their variables). Model variables: ${modelVariableList(bundle)}`,
      );
    arch = architectureFromMetaGraph(meta, metaPath, (name) => bundle.tensors.has(name), options.outputNode);
  }
  return buildModel(bundle, arch);
}

function modelVariableList(bundle: Bundle): string {
  const names = [...bundle.tensors.values()].filter((t) => !isOptimizerState(t.name)).map((t) => `${t.name} [${t.shape.join(', ')}]`);
  return names.length > 12 ? `${names.slice(0, 12).join(', ')}, … (${names.length} in all)` : names.join(', ');
}

const KERAS_SUFFIX = '/.ATTRIBUTES/VARIABLE_VALUE';

function findVariable(bundle: Bundle, name: string): BundleTensor | undefined {
  return bundle.tensors.get(name) ?? bundle.tensors.get(name + KERAS_SUFFIX);
}

async function buildModel(bundle: Bundle, arch: CheckpointArchitecture): Promise<CnnModel> {
  if (typeof arch !== 'object' || arch === null || !Array.isArray(arch.layers))
    throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected an architecture { inputShape, layers } for architecture but received ${describe(arch)}`);
  const layout = arch.layout ?? 'NHWC';
  // Each layer is validated and shaped by planModel on its own (weightless layers as they are,
  // weighted ones once their variables are read), so strides, padding, pool windows and
  // activations get planModel's checks and messages, re-labelled with the layer's real index.
  let shape = planModel({ layout, inputShape: arch.inputShape, layers: [{ type: 'flatten' }] }).inputShape;
  const layers: Layer[] = [];
  for (let i = 0; i < arch.layers.length; i++) {
    const spec = arch.layers[i];
    const label = spec?.name ?? (spec as { scope?: string } | undefined)?.scope;
    const where = `layer ${i} (${typeof spec?.type === 'string' ? spec.type : '?'}${label ? ` '${label}'` : ''})`;
    if (typeof spec !== 'object' || spec === null) throw new Cnn2MlpError('ERR_INVALID_ARG', `${where}: Expected a layer object but received ${describe(spec)}`);
    const layer = await layerFromSpec(spec, shape, new LayerVariables(bundle, where));
    let plan;
    try {
      plan = planModel({ layout, inputShape: layoutShape(shape, layout), layers: [layer] });
    } catch (err) {
      if (err instanceof Cnn2MlpError) throw new Cnn2MlpError(err.code, err.message.replace(/^layer 0 \([^)]*\)/, where), { cause: err });
      throw err;
    }
    layers.push(layer);
    shape = plan.outputShape;
  }
  const model: CnnModel = { ...(arch.name ? { name: arch.name } : {}), layout, inputShape: [...arch.inputShape], layers };
  planModel(model); // whole-model rules (softmax only last, a model has layers)
  return model;
}

/** Reads the checkpoint variables of one architecture layer; `where` labels its messages. */
class LayerVariables {
  constructor(
    private readonly bundle: Bundle,
    readonly where: string,
  ) {}

  mismatch(what: string, t: BundleTensor, expected: (number | string)[]): never {
    throw new Cnn2MlpError(
      'ERR_INVALID_MODEL',
      `${this.where}: ${what} '${t.name}' has shape [${t.shape.join(', ')}] but the architecture expects [${expected.join(', ')}] here`,
    );
  }

  /** The variable named `explicit`, else `<scope>/<leaf>`; undefined when `explicit` is null, or when optional and absent. */
  async read(explicit: string | null | undefined, scope: string | undefined, leaf: string, role: string, optional: boolean) {
    if (explicit === null) return undefined;
    const name = explicit ?? (scope !== undefined ? `${scope}/${leaf}` : undefined);
    if (typeof name !== 'string') throw new Cnn2MlpError('ERR_INVALID_ARG', `${this.where}: name its ${role} variable (give scope or ${leaf})`);
    const t = findVariable(this.bundle, name);
    if (!t) {
      if (optional && explicit === undefined) return undefined;
      throw new Cnn2MlpError('ERR_INVALID_MODEL', `${this.where}: the checkpoint has no variable '${name}' for its ${role}. Model variables: ${modelVariableList(this.bundle)}`);
    }
    return { t, values: await readFloat32(this.bundle, t) };
  }
}

/** The layer an architecture entry describes, its weights read and checked against the input `shape`. */
async function layerFromSpec(spec: CheckpointLayer, shape: Shape, vars: LayerVariables): Promise<Layer> {
  switch (spec.type) {
    case 'conv2d':
      return convFromSpec(spec, shape, vars);
    case 'dense':
      return denseFromSpec(spec, shape, vars);
    case 'batchNorm':
      return batchNormFromSpec(spec, shape, vars);
    case 'maxPool2d':
    case 'avgPool2d':
    case 'globalAvgPool2d':
    case 'globalMaxPool2d':
    case 'flatten':
    case 'zeroPad2d':
    case 'activation':
      return { ...spec } as Layer;
    default:
      throw new Cnn2MlpError(
        'ERR_INVALID_ARG',
        `${vars.where}: unknown layer type ${describe((spec as { type?: unknown }).type)}; supported: conv2d, dense, batchNorm, maxPool2d, avgPool2d, globalAvgPool2d, globalMaxPool2d, flatten, zeroPad2d, activation`,
      );
  }
}

async function convFromSpec(spec: CheckpointConv2d, shape: Shape, vars: LayerVariables): Promise<Layer> {
  if (shape.kind !== 'spatial') throw new Cnn2MlpError('ERR_INVALID_MODEL', `${vars.where}: needs a spatial input but receives a vector of ${shape.n}`);
  const k = (await vars.read(spec.kernel, spec.scope, 'kernel', 'kernel', false))!;
  const ks = k.t.shape;
  const expected = [spec.kernelSize?.[0] ?? ks[0] ?? '?', spec.kernelSize?.[1] ?? ks[1] ?? '?', shape.c, spec.filters ?? ks[3] ?? '?'];
  if (ks.length !== 4 || ks.some((d, j) => d !== expected[j])) vars.mismatch('kernel', k.t, expected);
  const b = await vars.read(spec.bias, spec.scope, 'bias', 'bias', true);
  if (b && (b.t.shape.length !== 1 || b.t.shape[0] !== ks[3])) vars.mismatch('bias', b.t, [ks[3]]);
  return {
    type: 'conv2d',
    name: spec.name ?? spec.scope ?? k.t.name,
    filters: ks[3],
    kernelSize: [ks[0], ks[1]],
    strides: spec.strides ?? [1, 1],
    padding: spec.padding ?? 'valid',
    dilation: spec.dilation ?? [1, 1],
    weights: k.values,
    ...(b ? { bias: b.values } : {}),
    ...(spec.activation !== undefined ? { activation: spec.activation } : {}),
  };
}

async function denseFromSpec(spec: CheckpointDense, shape: Shape, vars: LayerVariables): Promise<Layer> {
  if (shape.kind !== 'vector')
    throw new Cnn2MlpError('ERR_INVALID_MODEL', `${vars.where}: needs a vector input but receives ${shape.h}×${shape.w}×${shape.c}; add a flatten layer before it`);
  const n = shape.n;
  const k = (await vars.read(spec.kernel, spec.scope, 'kernel', 'kernel', false))!;
  const ks = k.t.shape;
  const units = spec.units ?? (spec.transposeKernel ? ks[0] : ks[1]) ?? '?';
  const expected = spec.transposeKernel ? [units, n] : [n, units];
  if (ks.length !== 2 || ks.some((d, j) => d !== expected[j])) vars.mismatch('kernel', k.t, expected);
  const u = units as number;
  let weights = k.values;
  if (spec.transposeKernel) {
    weights = new Float32Array(n * u);
    for (let o = 0; o < u; o++) for (let j = 0; j < n; j++) weights[j * u + o] = k.values[o * n + j];
  }
  const b = await vars.read(spec.bias, spec.scope, 'bias', 'bias', true);
  if (b && (b.t.shape.length !== 1 || b.t.shape[0] !== u)) vars.mismatch('bias', b.t, [u]);
  return {
    type: 'dense',
    name: spec.name ?? spec.scope ?? k.t.name,
    units: u,
    weights,
    ...(b ? { bias: b.values } : {}),
    ...(spec.activation !== undefined ? { activation: spec.activation } : {}),
  };
}

async function batchNormFromSpec(spec: CheckpointBatchNorm, shape: Shape, vars: LayerVariables): Promise<Layer> {
  const c = shape.kind === 'spatial' ? shape.c : shape.n;
  const get = async (explicit: string | null | undefined, leaf: string, optional: boolean) => {
    const v = await vars.read(explicit, spec.scope, leaf, leaf, optional);
    if (v && (v.t.shape.length !== 1 || v.t.shape[0] !== c)) vars.mismatch(leaf, v.t, [c]);
    return v?.values;
  };
  const gamma = await get(spec.gamma, 'gamma', true);
  const beta = await get(spec.beta, 'beta', true);
  const mean = (await get(spec.mean, 'moving_mean', false))!;
  const variance = (await get(spec.variance, 'moving_variance', false))!;
  return {
    type: 'batchNorm',
    ...(spec.name ?? spec.scope ? { name: spec.name ?? spec.scope } : {}),
    mean,
    variance,
    ...(gamma ? { gamma } : {}),
    ...(beta ? { beta } : {}),
    ...(spec.epsilon !== undefined ? { epsilon: spec.epsilon } : {}),
  };
}
