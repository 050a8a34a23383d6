/**
 * ReLU stages: the explicit layers that make max pooling and PReLU exact with ReLU units only.
 *  - max(a, b) = b + relu(a − b), and b = relu(b) when b ≥ 0 is known, else relu(b) − relu(−b):
 *    one stage halves every window (a pair costs 2 or 3 units, a carried odd value 1 or 2), so a
 *    window of m values takes ⌈log2 m⌉ stages (see docs/conversion.md).
 *  - prelu(v) = relu(v) − alpha·relu(−v); a value known ≥ 0 passes as relu(v) = v.
 * Each function writes its rows through CsrWriters (called once to count and, when the caller
 * stores, once more to fill) and returns the map of its results over the last stage's units.
 */
import type { PlanOp } from '../model/plan.js';
import { validTaps, windowAxes } from '../model/window.js';
import { entries, featureNonNegative, MapBuilder, type AffineMap } from './affine-map.js';
import type { CsrWriter } from './explicit-layer.js';

/** Windows to take the max of: `count` windows, window w lists feature indices of the input map. */
export interface Windows {
  count: number;
  /** the longest window's length */
  longest: number;
  /** writes window w's features into `out` (length ≥ longest) and returns how many */
  features(w: number, out: Int32Array): number;
}

/** The windows of a max pool (or global max pool) op, in output order (y, x, channel). */
export function poolWindows(op: PlanOp): Windows {
  const { y, x } = windowAxes(op);
  const span = (t: { lo: number; hi: number }) => Math.max(0, t.hi - t.lo + 1);
  let ny = 0;
  let nx = 0;
  for (let o = 0; o < op.outH; o++) ny = Math.max(ny, span(validTaps(y, o)));
  for (let o = 0; o < op.outW; o++) nx = Math.max(nx, span(validTaps(x, o)));
  return {
    count: op.outH * op.outW * op.outC,
    longest: ny * nx,
    features(w, out) {
      const ch = w % op.outC;
      const pix = (w - ch) / op.outC;
      const ox = pix % op.outW;
      const oy = (pix - ox) / op.outW;
      const ty = validTaps(y, oy);
      const tx = validTaps(x, ox);
      let n = 0;
      for (let ky = ty.lo; ky <= ty.hi; ky++) {
        const row = (oy * op.sh - op.pads[0] + ky * op.dh) * op.inW;
        for (let kx = tx.lo; kx <= tx.hi; kx++) out[n++] = (row + ox * op.sw - op.pads[2] + kx * op.dw) * op.inC + ch;
      }
      return n;
    },
  };
}

/** Stages a max network over windows of up to `longest` values needs. */
export function maxStages(longest: number): number {
  let stages = 0;
  for (let m = longest; m > 1; m = Math.ceil(m / 2)) stages++;
  return stages;
}

/** The values of one window at one stage: value v = Σ coef·unit + k over [off[v], off[v+1]). */
class ValueList {
  n = 0;
  off = new Int32Array(17);
  unit = new Int32Array(64);
  coef = new Float64Array(64);
  k = new Float64Array(16);
  nonNeg = new Uint8Array(16);

  clear(): void {
    this.n = 0;
  }

  /** Appends a value: `len` entries from units/coefs (each coef times `sign`), constant k. */
  push(units: ArrayLike<number>, coefs: ArrayLike<number>, from: number, len: number, sign: number, k: number, nonNeg: boolean): void {
    const v = this.n;
    if (v + 1 >= this.k.length) this.growValues();
    const at = this.off[v];
    if (at + len > this.unit.length) this.growEntries(at + len);
    for (let j = 0; j < len; j++) {
      this.unit[at + j] = units[from + j];
      this.coef[at + j] = sign * coefs[from + j];
    }
    this.off[v + 1] = at + len;
    this.k[v] = k;
    this.nonNeg[v] = nonNeg ? 1 : 0;
    this.n++;
  }

  /** Writes value v (times `sign`) as entries of the writer's open row. */
  addTo(w: CsrWriter, v: number, sign: number): void {
    for (let j = this.off[v]; j < this.off[v + 1]; j++) w.add(this.unit[j], sign === 1 ? this.coef[j] : -this.coef[j]);
  }

  private growValues(): void {
    const n = this.k.length * 2;
    const off = new Int32Array(n + 1);
    off.set(this.off);
    this.off = off;
    this.k = Float64Array.from({ length: n }, (_, i) => this.k[i] ?? 0);
    const nn = new Uint8Array(n);
    nn.set(this.nonNeg);
    this.nonNeg = nn;
  }

  private growEntries(need: number): void {
    const n = Math.max(need, this.unit.length * 2);
    const u = new Int32Array(n);
    const c = new Float64Array(n);
    u.set(this.unit);
    c.set(this.coef);
    this.unit = u;
    this.coef = c;
  }
}

// Reused by every call (calls never nest): a window's values, before and after a stage.
const scratch = [new ValueList(), new ValueList()];

const ONE = [1, 1, -1];
const MINUS = [1, -1];

/** One stage over one window's values `cur`: rows into `w`, the halved window into `next`. */
function halve(cur: ValueList, next: ValueList, w: CsrWriter): void {
  next.clear();
  const units = [0, 0, 0];
  for (let j = 0; j + 1 < cur.n; j += 2) {
    const swap = cur.nonNeg[j] === 1 && cur.nonNeg[j + 1] === 0;
    const a = swap ? j + 1 : j;
    const b = swap ? j : j + 1;
    w.begin();
    cur.addTo(w, a, 1);
    cur.addTo(w, b, -1);
    units[0] = w.end(cur.k[a] - cur.k[b]); // relu(a − b)
    w.begin();
    cur.addTo(w, b, 1);
    units[1] = w.end(cur.k[b]); // relu(b)
    if (cur.nonNeg[b]) next.push(units, ONE, 0, 2, 1, 0, true);
    else {
      w.begin();
      cur.addTo(w, b, -1);
      units[2] = w.end(-cur.k[b]); // relu(−b)
      next.push(units, ONE, 0, 3, 1, 0, cur.nonNeg[a] === 1);
    }
  }
  if (cur.n % 2) {
    const v = cur.n - 1;
    w.begin();
    cur.addTo(w, v, 1);
    units[0] = w.end(cur.k[v]);
    if (cur.nonNeg[v]) next.push(units, ONE, 0, 1, 1, 0, true);
    else {
      w.begin();
      cur.addTo(w, v, -1);
      units[1] = w.end(-cur.k[v]);
      next.push(units, MINUS, 0, 2, 1, 0, false);
    }
  }
}

/**
 * Max over each window of features of `input` (over units known ≥ 0 when `unitsNonNeg`): one
 * writer per stage, all windows advancing together (a window shorter than the longest keeps
 * carrying its value). Returns each window's max as a map over the last stage's units, or over
 * the input's units when no window has two values. With `mapAfter` false only the rows are written.
 */
export function maxNetwork(input: AffineMap, unitsNonNeg: boolean, windows: Windows, stages: CsrWriter[], mapAfter: boolean): AffineMap | null {
  let [cur, next] = scratch;
  const feats = new Int32Array(windows.longest);
  const after = mapAfter ? new MapBuilder(windows.count, windows.count * (stages.length ? 3 : 1)) : null;
  for (let w = 0; w < windows.count; w++) {
    const m = windows.features(w, feats);
    cur.clear();
    for (let i = 0; i < m; i++) {
      const f = feats[i];
      cur.push(input.unit, input.coef, input.off[f], entries(input, f), 1, input.cnst[f], featureNonNegative(input, f, unitsNonNeg));
    }
    for (const stage of stages) {
      halve(cur, next, stage);
      [cur, next] = [next, cur];
    }
    if (after) {
      for (let j = cur.off[0]; j < cur.off[1]; j++) after.add(cur.unit[j], cur.coef[j]);
      after.end(cur.k[0]);
    }
  }
  return after ? after.finish() : null;
}

/**
 * PReLU of every feature of `input` with per-channel `alpha` (channel = feature mod c): rows into
 * `w` (relu(v), and relu(−v) where v may be negative). Returns the results over those rows.
 */
export function preluStage(input: AffineMap, unitsNonNeg: boolean, alpha: Float32Array, w: CsrWriter, mapAfter: boolean): AffineMap | null {
  const after = mapAfter ? new MapBuilder(input.n, 2 * input.n) : null;
  const c = alpha.length;
  for (let i = 0; i < input.n; i++) {
    w.begin();
    for (let j = input.off[i]; j < input.off[i + 1]; j++) w.add(input.unit[j], input.coef[j]);
    const p = w.end(input.cnst[i]);
    after?.add(p, 1);
    if (!featureNonNegative(input, i, unitsNonNeg)) {
      w.begin();
      for (let j = input.off[i]; j < input.off[i + 1]; j++) w.add(input.unit[j], -input.coef[j]);
      const q = w.end(-input.cnst[i]);
      after?.add(q, -alpha[i % c]);
    }
    after?.end(0);
  }
  return after ? after.finish() : null;
}

/** True when some feature of `input` may be negative (else PReLU is the identity on it). */
export function anyMaybeNegative(input: AffineMap, unitsNonNeg: boolean): boolean {
  for (let i = 0; i < input.n; i++) if (!featureNonNegative(input, i, unitsNonNeg)) return true;
  return false;
}
