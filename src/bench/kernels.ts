/**
 * Which native kernel a benchmark row timed, by its registry name (`f32_gemm_dense_6x16__avx2`).
 * The names come from cpuInfo().kernels when the loaded addon lists them; rows of an addon that
 * does not leave the field out rather than guess.
 */
import { native } from '../native.js';

export type KernelEngine = 'cnn' | 'mlp-dense' | 'mlp-csr';

/** The kernel names the addon reports in use (a list or a map of names, or of { name }), or [] when it reports none. */
export function kernelsInUse(): string[] {
  const listed = (native().cpuInfo() as { kernels?: unknown }).kernels;
  const entries: unknown[] = Array.isArray(listed) ? listed : listed && typeof listed === 'object' ? Object.values(listed) : [];
  const nameOf = (e: unknown) => (typeof e === 'string' ? e : e && typeof e === 'object' ? (e as { name?: unknown }).name : undefined);
  return entries.map(nameOf).filter((n): n is string => typeof n === 'string');
}

// What runs an engine's main op: the direct conv kernel for the CNN; GEMV/SpMV at batch 1 and
// GEMM/SpMM above it for the MLPs (native/runtime/mlp_exec.cc chooses the same way).
const OP_PREFIX: Record<KernelEngine, [batch1: string, batched: string]> = {
  cnn: ['f32_conv2d_', 'f32_conv2d_'],
  'mlp-dense': ['f32_gemv_dense_', 'f32_gemm_dense_'],
  'mlp-csr': ['f32_spmv_csr_', 'f32_spmm_csr_'],
};

/** The kernel `engine` runs at `batch`, from `kernels` (kernelsInUse()); undefined when none matches. */
export function kernelFor(engine: KernelEngine, batch: number, kernels: readonly string[]): string | undefined {
  const prefix = OP_PREFIX[engine][batch === 1 ? 0 : 1];
  return kernels.find((k) => k.startsWith(prefix));
}
