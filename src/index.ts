/** cnn2mlp: public API. Re-exports only. */
export { measureMachine, type MachineLimits } from './machine.js';
export { compileCnn, runCnn, runCnnSync, CompiledCnn, type CnnMemory, type RunCnnOptions } from './cnn/cnn.js';
export { convert } from './convert/on-demand.js';
export type { ConvertOptions } from './convert/convert.js';
export { stats, type CnnStats, type CnnLayerStats, type MlpStats, type MlpLayerStats } from './convert/stats.js';
export { Cnn2MlpError, type Cnn2MlpErrorCode } from './errors.js';
export {
  cnnToOnnx,
  exportOnnx,
  exportOpenCv,
  loadCheckpoint,
  loadOnnx,
  loadTfjs,
  openCheckpoint,
} from './formats/on-demand.js';
export { ONNX_FOLDED_OPS, ONNX_MAX_OPSET, ONNX_MIN_OPSET, ONNX_SUPPORTED_OPS, TFJS_GRAPH_OPS, TFJS_SUPPORTED_LAYERS } from './formats/supported.js';
export { isOptimizerState } from './formats/tf/optimizer-state.js';
export type {
  CheckpointArchitecture,
  CheckpointBatchNorm,
  CheckpointConv2d,
  CheckpointDense,
  CheckpointLayer,
  CheckpointReader,
  CheckpointTensorInfo,
  CheckpointVariables,
  LoadCheckpointOptions,
} from './formats/checkpoint.js';
export type { ExportOnnxOptions } from './formats/onnx-export.js';
export type { ExportOpenCvOptions, OpenCvExportInfo } from './formats/opencv.js';
export { loadMlp, saveMlp, type LoadMlpOptions } from './mlp/file.js';
export { mlpFromLayers, MLP_ACTIVATIONS, type MlpActivationName, type MlpFromLayersOptions, type MlpLayerSpec } from './mlp/layers.js';
export { Mlp, type MlpMetadata, type MlpLayerInfo } from './mlp/mlp.js';
export { runMlp, runMlpSync, type RunMlpOptions } from './mlp/run.js';
export { planModel, type Plan, type PlanOp } from './model/plan.js';
export { seedNetwork, type SeedNetworkOptions } from './model/seed.js';
export type * from './model/types.js';
export { cpuInfo, setIsa, type IsaName } from './runtime.js';
