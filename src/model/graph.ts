/**
 * The model's tensor graph: which layers each layer reads, and who reads each layer. Layers may only
 * read earlier layers (so the layer order is a topological order and cycles cannot be written),
 * there is one input and one output, and every layer's output is read by a later layer or is the
 * model output. Errors name the layer and the tensor at fault.
 */
import { Cnn2MlpError, describe } from '../errors.js';
import { MAX_OP_INPUTS } from './op-contract.js';
import type { CnnModel, Layer } from './types.js';


/** The model input in `LayerGraph.inputs`. */
export const MODEL_INPUT = -1;

export interface LayerGraph {
  /** the model input's name ('input' unless CnnModel.inputName says otherwise) */
  inputName: string;
  /** per layer: the indices of the layers it reads, in order (MODEL_INPUT for the model input) */
  inputs: number[][];
  /** per layer: how many reads its output has (one per later layer input naming it, plus one for the model output) */
  readers: number[];
  /** index of the layer whose output is the model output */
  output: number;
}

function fail(where: string, msg: string): never {
  throw new Cnn2MlpError('ERR_INVALID_MODEL', `${where}: ${msg}`);
}

/** "layer 3 (conv2d 'block1')": how errors name a layer. */
export function layerLabel(layer: Layer | undefined, i: number): string {
  const type = typeof layer?.type === 'string' ? layer.type : '?';
  const name = typeof layer?.name === 'string' ? ` '${layer.name}'` : '';
  return `layer ${i} (${type}${name})`;
}

/** How many inputs a layer kind takes: [min, max]. */
function arity(type: unknown): [number, number] {
  switch (type) {
    case 'add':
    case 'concat':
      return [2, MAX_OP_INPUTS];
    case 'multiply':
      return [2, 2];
    default:
      return [1, 1];
  }
}

function resolveInputs(layer: Layer, i: number, where: string, byName: Map<string, number>, inputName: string, layers: Layer[]): number[] {
  const [min, max] = arity(layer.type);
  const names = layer.inputs;
  if (names === undefined) {
    if (min > 1) fail(where, `takes ${max === min ? min : `${min} to ${max}`} inputs; list them in 'inputs' (names of earlier layers or '${inputName}')`);
    return [i - 1];
  }
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string'))
    fail(where, `Expected inputs to be an array of tensor names but received ${describe(names)}`);
  if (names.length < min || names.length > max)
    fail(where, `takes ${max === min ? min : `${min} to ${max}`} input${max === 1 ? '' : 's'} but lists ${names.length}`);
  return names.map((n) => {
    if (n === inputName) return MODEL_INPUT;
    const j = byName.get(n);
    if (j === undefined) {
      const later = layers.findIndex((l, k) => k >= i && l?.name === n);
      if (later === i) fail(where, `reads its own output '${n}' (a cycle)`);
      if (later > i)
        fail(where, `reads '${n}', which is ${layerLabel(layers[later], later)}, later in the model; a layer may only read earlier layers (a cycle or a forward reference): reorder the layers`);
      fail(where, `reads '${n}', which is neither a layer name nor the model input '${inputName}'`);
    }
    return j;
  });
}

/** Resolves and checks the graph of `model.layers` (which must be a non-empty array). */
export function resolveGraph(model: CnnModel): LayerGraph {
  const layers = model.layers;
  const inputName = model.inputName ?? 'input';
  if (typeof inputName !== 'string' || inputName === '') fail('model', `Expected inputName to be a non-empty string but received ${describe(inputName)}`);
  const byName = new Map<string, number>();
  const inputs: number[][] = [];
  const readers = new Array<number>(layers.length).fill(0);
  let inputReaders = 0;
  layers.forEach((layer, i) => {
    if (typeof layer !== 'object' || layer === null) fail(`layer ${i}`, `Expected a layer object but received ${describe(layer)}`);
    const where = layerLabel(layer, i);
    const ins = resolveInputs(layer, i, where, byName, inputName, layers);
    for (const j of ins) {
      if (j === MODEL_INPUT) inputReaders++;
      else readers[j]++;
    }
    inputs.push(ins);
    if (layer.name !== undefined) {
      if (typeof layer.name !== 'string' || layer.name === '') fail(where, `Expected name to be a non-empty string but received ${describe(layer.name)}`);
      if (layer.name === inputName) fail(where, `its name '${layer.name}' is the model input's name; rename one of them`);
      const other = byName.get(layer.name);
      if (other !== undefined) fail(where, `its name '${layer.name}' is already ${layerLabel(layers[other], other)}'s; names must be unique`);
      byName.set(layer.name, i);
    }
  });
  let output = layers.length - 1;
  if (model.output !== undefined) {
    const j = typeof model.output === 'string' ? byName.get(model.output) : undefined;
    if (j === undefined) fail('model', `output ${describe(model.output)} names no layer; a model has one output: name the layer whose output it is`);
    output = j;
  }
  readers[output]++;
  if (inputReaders === 0) fail('model', `no layer reads the model input '${inputName}'`);
  const dangling = readers.flatMap((r, i) => (r === 0 ? [layerLabel(layers[i], i)] : []));
  if (dangling.length > 0)
    fail(
      'model',
      `the output of ${dangling.join(', ')} is never read and is not the model output (${layerLabel(layers[output], output)}); a model has exactly one output: remove ${dangling.length > 1 ? 'those layers' : 'that layer'} or feed ${dangling.length > 1 ? 'them' : 'it'} to a later one`,
    );
  return { inputName, inputs, readers, output };
}

/** True when every layer reads exactly the one before it (the model input for the first): a chain. */
export function isChain(graph: LayerGraph): boolean {
  return graph.inputs.every((ins, i) => ins.length === 1 && ins[0] === i - 1) && graph.output === graph.inputs.length - 1;
}
