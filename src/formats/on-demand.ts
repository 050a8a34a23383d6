/**
 * The model loaders and exporters as the package exports them. Each loads its implementation on
 * first call, so `import('cnn2mlp')` does not pay for ~35 format modules a program may never use.
 * The async functions use import(); the sync ones (loadOnnx, loadTfjs, cnnToOnnx) keep their sync
 * contract with require() (util/on-demand.ts).
 */
import { createRequire } from 'node:module';
import type { Mlp } from '../mlp/mlp.js';
import type { CnnModel } from '../model/types.js';
import { onDemand } from '../util/on-demand.js';
import type { CheckpointArchitecture, CheckpointReader, LoadCheckpointOptions } from './checkpoint.js';
import type { ExportOnnxOptions, OnnxExportFiles } from './onnx-export.js';
import type { ExportOpenCvOptions, OpenCvExportInfo } from './opencv.js';

const require = createRequire(import.meta.url);

const onnxLoader = onDemand('loadOnnx', () => require('./onnx.js'), () => import('./onnx.js'));
const onnxExporter = onDemand('cnnToOnnx', () => require('./onnx-export.js'), () => import('./onnx-export.js'));
const tfjsLoader = onDemand('loadTfjs', () => require('./tfjs.js'), () => import('./tfjs.js'));

/** Reads an ONNX model (path or bytes) into a CnnModel in NCHW (formats/onnx.ts). Throws Cnn2MlpError (ERR_BAD_FILE, ERR_UNSUPPORTED). */
export function loadOnnx(pathOrBytes: string | Uint8Array): CnnModel {
  return onnxLoader().loadOnnx(pathOrBytes);
}

/** Loads a TF.js model.json and its weight shards into a CnnModel in NHWC (formats/tfjs.ts). */
export function loadTfjs(modelJsonPath: string): CnnModel {
  return tfjsLoader().loadTfjs(modelJsonPath);
}

/** A CnnModel as ONNX bytes that take and return exactly what runCnn does (formats/onnx-export.ts). */
export function cnnToOnnx(model: CnnModel, options?: { inputName?: string; outputName?: string }): Uint8Array {
  return onnxExporter().cnnToOnnx(model, options);
}

/** Writes `mlp` as an ONNX model of Gemm layers, large weights as external data (formats/onnx-export.ts). */
export async function exportOnnx(mlp: Mlp, filePath: string, options?: ExportOnnxOptions): Promise<OnnxExportFiles> {
  return (await import('./onnx-export.js')).exportOnnx(mlp, filePath, options);
}

/** Writes `mlp` as OpenCV ANN_MLP storage (.yml/.yaml/.xml, optionally .gz) (formats/opencv.ts). */
export async function exportOpenCv(mlp: Mlp, path: string, options?: ExportOpenCvOptions): Promise<OpenCvExportInfo> {
  return (await import('./opencv.js')).exportOpenCv(mlp, path, options);
}

/** Opens a TensorFlow V2 checkpoint's index; tensors are read on demand (formats/checkpoint.ts). */
export async function openCheckpoint(prefix: string): Promise<CheckpointReader> {
  return (await import('./checkpoint.js')).openCheckpoint(prefix);
}

/** Loads a TensorFlow V2 checkpoint as a CnnModel, its network from `architecture` or `<prefix>.meta` (formats/checkpoint.ts). */
export async function loadCheckpoint(prefix: string, architecture?: CheckpointArchitecture, options?: LoadCheckpointOptions): Promise<CnnModel> {
  return (await import('./checkpoint.js')).loadCheckpoint(prefix, architecture, options);
}
