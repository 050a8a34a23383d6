/**
 * Which native kernel a benchmark row timed, by its registry name (`f32_gemm_dense_6x16__avx2`):
 * the kernel registry (kernelList(), native/kernels/registry.cc) gives each name's op, and
 * cpuInfo().kernels says which kernel of each op the active ISA dispatches to.
 */
import { native, type NativeKernelInfo } from '../native.js';

export type KernelEngine = 'cnn' | 'mlp-dense' | 'mlp-csr' | 'mlp-auto' | 'mlp-dense-bf16' | 'mlp-auto-bf16';
export type KernelOp = NativeKernelInfo['op'];

/** The kernel in use for each op; empty when the loaded addon predates the registry. */
export function kernelsInUse(): ReadonlyMap<KernelOp, string> {
  const n = native();
  if (typeof n.kernelList !== 'function') return new Map();
  const opOf = new Map(n.kernelList().map((k) => [k.name, k.op]));
  const inUse = new Map<KernelOp, string>();
  for (const name of n.cpuInfo().kernels ?? []) {
    const op = opOf.get(name);
    if (op) inUse.set(op, name);
  }
  return inUse;
}

// What runs an engine's main op: the direct conv kernel for the CNN; GEMV/SpMV at batch 1 and
// GEMM/SpMM above it for the MLPs (native/runtime/mlp_exec.cc chooses the same way).
const ENGINE_OPS: Record<KernelEngine, [batch1: KernelOp, batched: KernelOp]> = {
  cnn: ['conv2d', 'conv2d'],
  'mlp-dense': ['gemv', 'gemm'],
  'mlp-csr': ['spmv', 'spmm'],
  // format 'auto' on a converted CNN: the convolutions are run-CSR (most of the bytes), the head dense
  'mlp-auto': ['spmv_rcsr', 'spmm_rcsr'],
  'mlp-dense-bf16': ['gemv_bf16', 'gemm_bf16'],
  // precision 'bf16' rounds the dense head; the run-CSR convolutions keep their kernels
  'mlp-auto-bf16': ['spmv_rcsr', 'spmm_rcsr'],
};

/** The kernel `engine` runs at `batch`, from kernelsInUse(); undefined when the addon does not say. */
export function kernelFor(engine: KernelEngine, batch: number, inUse: ReadonlyMap<KernelOp, string>): string | undefined {
  return inUse.get(ENGINE_OPS[engine][batch === 1 ? 0 : 1]);
}
