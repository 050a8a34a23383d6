/** cnn2mlp: public API. Re-exports only. */
export type * from './model/types.js';
export { convert, type ConvertOptions } from './convert/convert.js';
export { stats, type CnnStats, type CnnLayerStats, type MlpStats, type MlpLayerStats } from './convert/stats.js';
export { Cnn2MlpError, type Cnn2MlpErrorCode } from './errors.js';
export { cpuInfo, setIsa, type IsaName } from './runtime.js';
export { planModel, type Plan, type PlanOp } from './model/plan.js';
export { Mlp, type MlpMetadata, type MlpLayerInfo } from './mlp/mlp.js';
export { mlpFromLayers, MLP_ACTIVATIONS, type MlpActivationName, type MlpLayerSpec } from './mlp/layers.js';
export { runMlp, runMlpSync, type RunMlpOptions } from './mlp/run.js';
export { loadMlp, saveMlp, type LoadMlpOptions } from './mlp/file.js';
export { measureMachine, type MachineLimits } from './bench/machine.js';
