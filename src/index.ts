/** cnn2mlp: public API. Re-exports only. */
export type * from './model/types.js';
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
export { exportOpenCv, type ExportOpenCvOptions, type OpenCvExportInfo } from './formats/opencv.js';
export { cpuInfo, setIsa, type IsaName } from './runtime.js';
export { planModel, type Plan, type PlanOp } from './model/plan.js';
export { Mlp, type MlpMetadata, type MlpLayerInfo } from './mlp/mlp.js';
