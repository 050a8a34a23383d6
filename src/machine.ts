/**
 * Machine limits that kernel speeds are reported against: sustained read bandwidth and fp32 FMA
 * peak, on one thread and on all cores. Both probes keep their best short interval (interference
 * from other processes can only lower a throughput reading), so they are robust to time-slicing on
 * a shared machine; docs/mlp-kernels.md ("Machine probes") says exactly what each one measures.
 */
import { native, type NativeCpuInfo } from './native.js';
import { fromNative } from './errors.js';

export interface MachineLimits {
  /**
   * bytes/s of plain vector loads over `bandwidthBytes` of memory: the best 16 MiB-per-thread round
   * with all threads reading at once (the buffer is read `reps` times)
   */
  readBandwidth: { threads1: number; threadsAll: number };
  /**
   * FLOP/s of fp32 FMAs with the active ISA (2 FLOPs per lane per FMA): threads1 is one thread's
   * best ~0.25 ms burst of independent FMA chains; threadsAll the sum of every thread's best burst
   */
  fmaPeak: { threads1: number; threadsAll: number };
  cpu: NativeCpuInfo;
  /** buffer size used for the bandwidth probe, bytes */
  bandwidthBytes: number;
}

/**
 * Probes the machine. quick: a 256 MiB buffer and 0.2 s FMA runs (about a second in all);
 * otherwise 2 GiB (this machine reports a 480 MiB shared L3: a buffer several times larger
 * guarantees DRAM reads; on the dev VM 256 MiB and 2 GiB read alike) and 1 s runs.
 */
export async function measureMachine(options: { quick?: boolean } = {}): Promise<MachineLimits> {
  const n = native();
  const cpu = n.cpuInfo();
  const all = cpu.logicalCores;
  const bytes = options.quick ? 256 * 2 ** 20 : 2 * 2 ** 30;
  const reps = options.quick ? 3 : 5;
  const seconds = options.quick ? 0.2 : 1;
  const callSite = new Error();
  try {
    const bw1 = await n.probeReadBandwidth(bytes, 1, reps);
    const bwAll = await n.probeReadBandwidth(bytes, all, reps);
    const f1 = await n.probeFmaPeak(1, seconds);
    const fAll = await n.probeFmaPeak(all, seconds);
    return { readBandwidth: { threads1: bw1, threadsAll: bwAll }, fmaPeak: { threads1: f1, threadsAll: fAll }, cpu, bandwidthBytes: bytes };
  } catch (err) {
    throw fromNative(err, callSite);
  }
}
