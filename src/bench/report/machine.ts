/** Report section 1: the machine's read bandwidth and FMA peak, at 1 and all threads. */
import { measureMachine } from '../../machine.js';
import { fmtMiB } from '../format.js';
import { errMsg } from './context.js';
import type { MeasuredLimits, Skip } from './types.js';

/** measureMachine() in the report's shape: one entry per thread count (1 and all cores). */
export async function measureLimits(quick: boolean): Promise<MeasuredLimits> {
  const m = await measureMachine({ quick });
  const all = m.cpu.logicalCores;
  const ts = [...new Set([1, all])];
  return {
    readBandwidth: ts.map((t) => ({ threads: t, bytesPerSecond: t === 1 ? m.readBandwidth.threads1 : m.readBandwidth.threadsAll })),
    fmaPeak: ts.map((t) => ({ threads: t, flopsPerSecond: t === 1 ? m.fmaPeak.threads1 : m.fmaPeak.threadsAll })),
    source: `measureMachine() (read buffer ${fmtMiB(m.bandwidthBytes)})`,
  };
}

/** The limits, or null and the reason they could not be measured. */
export async function machineSection(quick: boolean): Promise<{ machine: MeasuredLimits | null; skipped: Skip[] }> {
  try {
    return { machine: await measureLimits(quick), skipped: [] };
  } catch (e) {
    return { machine: null, skipped: [{ section: 'machine', what: 'read bandwidth and FMA peak', reason: errMsg(e) }] };
  }
}
