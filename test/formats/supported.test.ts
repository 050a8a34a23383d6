/**
 * The exported lists of what the loaders accept (src/formats/supported.ts, kept apart so importing
 * the package does not load the loaders) are exactly what the loaders' own tables hold.
 */
import { describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';
import { ONNX_FOLDED_OPS, ONNX_SUPPORTED_OPS } from '../../src/formats/onnx/graph.js';
import { TFJS_GRAPH_OPS } from '../../src/formats/tfjs/graph-model.js';
import { KERAS_LAYERS } from '../../src/formats/tfjs/keras-shape.js';

describe('supported lists', () => {
  it('ONNX: the ops mapped on data and the ops folded on constants', () => {
    expect(api.ONNX_SUPPORTED_OPS).toEqual(ONNX_SUPPORTED_OPS);
    expect(api.ONNX_FOLDED_OPS).toEqual(ONNX_FOLDED_OPS);
  });

  it('TF.js: the graph ops and the Keras layer classes', () => {
    expect(api.TFJS_GRAPH_OPS).toEqual(TFJS_GRAPH_OPS);
    expect(api.TFJS_SUPPORTED_LAYERS).toEqual(['InputLayer', ...Object.keys(KERAS_LAYERS)]);
  });
});
