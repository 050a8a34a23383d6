/** What the seed section hands its peers: the workload, the reference output and the engines' times. */
import type { CnnModel } from '../../model/types.js';
import type { WorkloadCounts } from '../workloads.js';

/** One seed workload: the model, its counts and one input batch of the largest size. */
export interface SeedCase {
  wl: string;
  stride: 2 | 3;
  model: CnnModel;
  counts: WorkloadCounts;
  inSize: number;
  maxBatch: number;
  /** the first `b` samples of the seed input */
  inputOf(b: number): Float32Array;
}

/** The first engine's output at maxBatch: what later engines are checked against. */
export interface Reference {
  name: string;
  out: Float32Array;
}

/** Median ms by `${batch}/${threads}`, for the peers' ratios. */
export type Times = Map<string, number>;
