/** cnn2mlp: public API. Re-exports only. */
export { measureMachine, type MachineLimits } from './machine.js';
export { compileCnn, runCnn, runCnnSync, CompiledCnn, type CnnMemory, type RunCnnOptions } from './cnn/cnn.js';
export { convert, type ConvertOptions } from './convert/convert.js';
export { stats, type CnnStats, type CnnLayerStats, type MlpStats, type MlpLayerStats } from './convert/stats.js';
export { Cnn2MlpError, type Cnn2MlpErrorCode } from './errors.js';
export {
  isOptimizerState,
  loadCheckpoint,
  openCheckpoint,
  type CheckpointArchitecture,
  type CheckpointBatchNorm,
  type CheckpointConv2d,
  type CheckpointDense,
  type CheckpointLayer,
  type CheckpointReader,
  type CheckpointTensorInfo,
  type CheckpointVariables,
  type LoadCheckpointOptions,
} from './formats/checkpoint.js';
export { cnnToOnnx, exportOnnx, type ExportOnnxOptions } from './formats/onnx-export.js';
export { loadOnnx, ONNX_FOLDED_OPS, ONNX_MAX_OPSET, ONNX_MIN_OPSET, ONNX_SUPPORTED_OPS } from './formats/onnx.js';
export { exportOpenCv, type ExportOpenCvOptions, type OpenCvExportInfo } from './formats/opencv.js';
export { loadTfjs, TFJS_GRAPH_OPS, TFJS_SUPPORTED_LAYERS } from './formats/tfjs.js';
export { loadMlp, saveMlp, type LoadMlpOptions } from './mlp/file.js';
export { mlpFromLayers, MLP_ACTIVATIONS, type MlpActivationName, type MlpFromLayersOptions, type MlpLayerSpec } from './mlp/layers.js';
export { Mlp, type MlpMetadata, type MlpLayerInfo } from './mlp/mlp.js';
export { runMlp, runMlpSync, type RunMlpOptions } from './mlp/run.js';
export { planModel, type Plan, type PlanOp } from './model/plan.js';
export { seedNetwork, type SeedNetworkOptions } from './model/seed.js';
export type * from './model/types.js';
export { cpuInfo, setIsa, type IsaName } from './runtime.js';
