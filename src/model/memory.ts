/**
 * Activation memory of one sample: every tensor the schedule produces gets an offset in one arena,
 * and two tensors share bytes only when their lifetimes (producing op to last reading op) do not
 * overlap. Placement is greedy by size, largest first, each at the lowest offset that fits among
 * the tensors already placed that live at the same time (TFLite's "greedy by size" arena planner).
 */

/** One tensor of the schedule. */
export interface TensorLife {
  /** floats per sample */
  size: number;
  /** index of the op that writes it (-1: the model input) */
  first: number;
  /** index of the last op that reads it (ops.length for the model output) */
  last: number;
  /** lives outside the arena (the caller's input or output array) */
  external: boolean;
}

export interface ArenaPlan {
  /** per tensor: offset in floats, or -1 when external */
  offsets: number[];
  /** arena floats per sample (what the runtime allocates per sample) */
  arenaFloats: number;
  /** the largest sum of sizes of arena tensors alive at one op: the least any placement needs */
  peakLiveFloats: number;
}

/** Offsets are multiples of 16 floats (64 bytes: one cache line, one AVX-512 vector). */
const ALIGN = 16;

const overlaps = (a: TensorLife, b: TensorLife) => a.first <= b.last && b.first <= a.last;

export function planArena(tensors: TensorLife[]): ArenaPlan {
  const offsets = tensors.map(() => -1);
  const padded = tensors.map((t) => Math.ceil(t.size / ALIGN) * ALIGN);
  const order = tensors.map((_, i) => i).filter((i) => !tensors[i].external);
  order.sort((a, b) => padded[b] - padded[a] || tensors[a].first - tensors[b].first);
  const placed: number[] = [];
  let arenaFloats = 0;
  for (const i of order) {
    const busy = placed.filter((j) => overlaps(tensors[i], tensors[j])).sort((a, b) => offsets[a] - offsets[b]);
    let at = 0;
    for (const j of busy) {
      if (offsets[j] - at >= padded[i]) break;
      at = Math.max(at, offsets[j] + padded[j]);
    }
    offsets[i] = at;
    placed.push(i);
    arenaFloats = Math.max(arenaFloats, at + padded[i]);
  }
  let peakLiveFloats = 0;
  const lastOp = Math.max(0, ...tensors.map((t) => t.last));
  for (let op = -1; op <= lastOp; op++) {
    let live = 0;
    for (const i of order) if (tensors[i].first <= op && op <= tensors[i].last) live += tensors[i].size;
    peakLiveFloats = Math.max(peakLiveFloats, live);
  }
  return { offsets, arenaFloats, peakLiveFloats };
}
