/** What the CPU can run and which kernel family cnn2mlp dispatches to. */
import { native, type IsaName, type NativeCpuInfo } from './native.js';
import { Cnn2MlpError, describe } from './errors.js';

export type { IsaName } from './native.js';

/** CPU vendor, brand, logical cores, the ISAs it supports, the one in use and the kernels it runs (by registry name). */
export function cpuInfo(): NativeCpuInfo {
  return native().cpuInfo();
}

/**
 * Forces a kernel family for every later call ('auto' = the best the CPU has). For tests and
 * benchmarks; the env var CNN2MLP_ISA does the same at start-up. Throws ERR_UNSUPPORTED when the
 * CPU cannot run it. Returns the ISA now active.
 */
export function setIsa(isa: IsaName | 'auto'): IsaName {
  if (isa !== 'auto' && isa !== 'scalar' && isa !== 'avx2' && isa !== 'avx512')
    throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected 'auto', 'scalar', 'avx2' or 'avx512' for isa but received ${describe(isa)}`);
  try {
    return native().setIsa(isa);
  } catch (err) {
    throw new Cnn2MlpError('ERR_UNSUPPORTED', (err as Error).message, { cause: err });
  }
}

/** Resolves a thread-count option: undefined → all logical cores; validated integer otherwise. */
export function resolveThreads(threads: unknown, what = 'options.threads'): number {
  if (threads === undefined) return native().cpuInfo().logicalCores;
  if (typeof threads !== 'number' || !Number.isInteger(threads) || threads < 1 || threads > 256)
    throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected an integer from 1 to 256 for ${what} but received ${describe(threads)}`);
  return threads;
}
