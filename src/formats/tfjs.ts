/**
 * TensorFlow.js → CnnModel (NHWC). Reads model.json and the weight shards its weightsManifest lists
 * (paths relative to model.json), float32 or quantized (uint8, uint16, float16). Layers models
 * (Sequential and functional, tfjs/layers-model.ts) and graph models written by
 * tensorflowjs_converter (tfjs/graph-model.ts) become CnnModel graphs.
 */
import path from 'node:path';
import { Cnn2MlpError, describe } from '../errors.js';
import type { CnnModel } from '../model/types.js';
import { tidyGraph } from './graph-tidy.js';
import { validated } from './onnx.js';
import { graphModel } from './tfjs/graph-model.js';
import { layersModel } from './tfjs/layers-model.js';
import { bad, isObj, readModelJson, readWeights, unsupported } from './tfjs/weights.js';

// The public lists live in supported.ts, which the package exports without loading this module.
export { TFJS_GRAPH_OPS, TFJS_SUPPORTED_LAYERS } from './supported.js';

/**
 * Loads a TF.js model (model.json + its weight shards) into a CnnModel in NHWC, input shape
 * [H, W, C], [L, C] (1-D) or [features]. Throws Cnn2MlpError: ERR_BAD_FILE for unreadable or
 * inconsistent files, ERR_UNSUPPORTED for layers, ops, dtypes or topologies outside the lists.
 */
export function loadTfjs(modelJsonPath: string): CnnModel {
  if (typeof modelJsonPath !== 'string' || modelJsonPath === '') throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected a path to model.json for loadTfjs but received ${describe(modelJsonPath)}`);
  const json = readModelJson(modelJsonPath);
  if (!isObj(json.modelTopology)) throw bad(`'${modelJsonPath}' has no modelTopology; is it a TF.js model.json?`);
  const weights = readWeights(json.weightsManifest ?? [], path.dirname(modelJsonPath));
  let model: CnnModel;
  if (json.format === 'graph-model') model = graphModel(json.modelTopology, weights, json.signature);
  else if (json.format === undefined || json.format === 'layers-model') {
    const cfg = json.modelTopology.config;
    const inner = isObj(json.modelTopology.model_config) ? json.modelTopology.model_config.config : cfg;
    model = layersModel(json.modelTopology, weights, isObj(inner) && typeof inner.name === 'string' ? inner.name : undefined);
  } else throw unsupported(`format ${describe(json.format)}; supported: 'layers-model', 'graph-model'`);
  return validated(tidyGraph(model), 'TF.js');
}
