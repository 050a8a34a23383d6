/** cnn2mlp: public API. Re-exports only. */
export { compileCnn, runCnn, runCnnSync, CompiledCnn, type RunCnnOptions } from './cnn/cnn.js';
export { Cnn2MlpError, type Cnn2MlpErrorCode } from './errors.js';
export { Mlp, type MlpMetadata, type MlpLayerInfo } from './mlp/mlp.js';
export { planModel, type Plan, type PlanOp } from './model/plan.js';
export { seedNetwork, type SeedNetworkOptions } from './model/seed.js';
export type * from './model/types.js';
export { cpuInfo, setIsa, type IsaName } from './runtime.js';
