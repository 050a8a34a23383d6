/**
 * Sliding windows along one axis: output position o reads input positions
 * o·stride − before + t·dilation for taps t in [0, kernel). Every rule about which taps land on
 * the input (not in padding) is stated here once, for plan validation, the converter's planner
 * and the size formulas alike.
 */

/** One axis of a conv or pool window. */
export interface WindowAxis {
  /** input size along the axis */
  size: number;
  /** output positions */
  out: number;
  kernel: number;
  stride: number;
  dilation: number;
  /** padding before the first input position */
  before: number;
}

/** Taps of output position `o` that land inside [0, size): t in [lo, hi] (empty when hi < lo). */
export function validTaps(a: WindowAxis, o: number): { lo: number; hi: number } {
  const start = o * a.stride - a.before;
  const lo = Math.max(0, Math.ceil(-start / a.dilation));
  const hi = Math.min(a.kernel - 1, Math.floor((a.size - 1 - start) / a.dilation));
  return { lo, hi };
}

/** Σ over output positions of the taps that land on the input. */
export function validTapsSum(a: WindowAxis): number {
  let sum = 0;
  for (let o = 0; o < a.out; o++) {
    const { lo, hi } = validTaps(a, o);
    if (hi >= lo) sum += hi - lo + 1;
  }
  return sum;
}

/** First output position whose window holds only padding, or -1. */
export function firstEmptyWindow(a: WindowAxis): number {
  for (let o = 0; o < a.out; o++) {
    const { lo, hi } = validTaps(a, o);
    if (hi < lo) return o;
  }
  return -1;
}

/** The height and width axes of a plan op's window (internal h, w, c shapes; pads [top, bottom, left, right]). */
export function windowAxes(op: {
  inH: number;
  inW: number;
  outH: number;
  outW: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  pads: readonly number[];
}): { y: WindowAxis; x: WindowAxis } {
  return {
    y: { size: op.inH, out: op.outH, kernel: op.kh, stride: op.sh, dilation: op.dh, before: op.pads[0] },
    x: { size: op.inW, out: op.outW, kernel: op.kw, stride: op.sw, dilation: op.dw, before: op.pads[2] },
  };
}
