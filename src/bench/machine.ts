/**
 * Machine limits that kernel speeds are reported against: sustained read bandwidth and fp32 FMA
 * peak, on one thread and on all cores. Noisy on a shared machine: take the figures as of "now".
 */
import { native, type NativeCpuInfo } from '../native.js';
import { fromNative } from '../errors.js';

export interface MachineLimits {
  /** bytes/s reading a buffer far larger than the caches (best of reps) */
  readBandwidth: { threads1: number; threadsAll: number };
  /** FLOP/s of fp32 FMAs with the active ISA (2 FLOPs per lane per FMA) */
  fmaPeak: { threads1: number; threadsAll: number };
  cpu: NativeCpuInfo;
  /** buffer size used for the bandwidth probe, bytes */
  bandwidthBytes: number;
}

/**
 * Probes the machine. quick: a 256 MiB buffer and 0.2 s FMA runs (about a second in all);
 * otherwise 2 GiB (this machine reports a 480 MiB shared L3, so smaller buffers partly hit cache)
 * and 1 s runs.
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
