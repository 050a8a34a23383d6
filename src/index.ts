/** cnn2mlp: public API. Re-exports only. */
export type * from './model/types.js';
export { Cnn2MlpError, type Cnn2MlpErrorCode } from './errors.js';
export { cpuInfo, setIsa, type IsaName } from './runtime.js';
export { planModel, type Plan, type PlanOp } from './model/plan.js';
export { Mlp, type MlpMetadata, type MlpLayerInfo } from './mlp/mlp.js';
export { loadOnnx, ONNX_SUPPORTED_OPS } from './formats/onnx.js';
export { cnnToOnnx, exportOnnx, type ExportOnnxOptions } from './formats/onnx-export.js';
export { loadTfjs, TFJS_SUPPORTED_LAYERS } from './formats/tfjs.js';
