/**
 * ONNX → CnnModel. Reads a ModelProto with the maintained protobuf schema (onnx-proto / protobufjs)
 * and walks its graph (onnx/graph.ts): constants fold, shape arithmetic folds, and every other node
 * becomes layers of a CnnModel graph in NCHW, the graph's own layout. Conv weights are transposed
 * once from OIHW to HWIO, Gemm/MatMul weights to [in, out]. Opsets 1 to 21.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Cnn2MlpError, describe } from '../errors.js';
import { planModel } from '../model/plan.js';
import type { CnnModel } from '../model/types.js';
import { tidyGraph } from './graph-tidy.js';
import { walkGraph } from './onnx/graph.js';
import type { Ctx } from './onnx/tensor.js';
import { onnx, type OnnxNs } from './onnx-proto.js';

// The public lists live in supported.ts, which the package exports without loading this module.
export { ONNX_FOLDED_OPS, ONNX_MAX_OPSET, ONNX_MIN_OPSET, ONNX_SUPPORTED_OPS } from './supported.js';

/** Reads an ONNX model (path or bytes) into a CnnModel in NCHW. Throws Cnn2MlpError (ERR_BAD_FILE, ERR_UNSUPPORTED). */
export function loadOnnx(pathOrBytes: string | Uint8Array): CnnModel {
  let bytes: Uint8Array;
  const ctx: Ctx = {};
  if (typeof pathOrBytes === 'string') {
    try {
      bytes = fs.readFileSync(pathOrBytes);
    } catch (err) {
      throw new Cnn2MlpError('ERR_BAD_FILE', `ONNX: cannot read '${pathOrBytes}' (${(err as Error).message})`, { cause: err });
    }
    ctx.baseDir = path.dirname(path.resolve(pathOrBytes));
  } else if (pathOrBytes instanceof Uint8Array) {
    bytes = pathOrBytes;
  } else {
    throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected a file path or a Uint8Array for loadOnnx's model but received ${describe(pathOrBytes)}`);
  }
  let model: OnnxNs.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new Cnn2MlpError('ERR_BAD_FILE', `ONNX: the model is not a valid ONNX protobuf (truncated or corrupted?): ${(err as Error).message}`, { cause: err });
  }
  return validated(tidyGraph(walkGraph(model, ctx)), 'ONNX');
}

/** Runs planModel once so shape errors (a window larger than its input, non-finite weights…) surface at load time. */
export function validated(model: CnnModel, format: string): CnnModel {
  try {
    planModel(model);
  } catch (err) {
    if (err instanceof Cnn2MlpError) throw new Cnn2MlpError(err.code, `${format}: the model does not describe a runnable CNN: ${err.message}`, { cause: err });
    throw err;
  }
  return model;
}

