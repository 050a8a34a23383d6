/**
 * Affine index maps: logical feature i of a tensor = Σ coef·unit + cnst[i] over the physical units
 * of the MLP layer before it. Layout permutations, flatten, zero padding (features with no entry),
 * batch-norm folded forwards and the recombination after ReLU stages are all such maps; they are
 * the size of activations, never of weights.
 */

/** logical feature i = Σ_k coef[k]·unit[k] + cnst[i] for k in [off[i], off[i+1]) */
export interface AffineMap {
  n: number;
  off: Int32Array;
  unit: Int32Array;
  coef: Float64Array;
  cnst: Float64Array;
}

export function identityMap(n: number): AffineMap {
  const off = new Int32Array(n + 1);
  const unit = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    off[i + 1] = i + 1;
    unit[i] = i;
  }
  return { n, off, unit, coef: new Float64Array(n).fill(1), cnst: new Float64Array(n) };
}

export function entries(m: AffineMap, i: number): number {
  return m.off[i + 1] - m.off[i];
}

/** new[i] = scale(i)·old[src(i)] + shift(i); src(i) < 0 reads the constant 0. */
export function gather(m: AffineMap, n: number, src: (i: number) => number, scale?: (i: number) => number, shift?: (i: number) => number): AffineMap {
  let total = 0;
  for (let i = 0; i < n; i++) {
    const s = src(i);
    if (s >= 0) total += entries(m, s);
  }
  const off = new Int32Array(n + 1);
  const unit = new Int32Array(total);
  const coef = new Float64Array(total);
  const cnst = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const s = src(i);
    const a = scale ? scale(i) : 1;
    const b = shift ? shift(i) : 0;
    if (s >= 0) {
      for (let j = m.off[s]; j < m.off[s + 1]; j++) {
        unit[k] = m.unit[j];
        coef[k++] = m.coef[j] * a;
      }
      cnst[i] = m.cnst[s] * a + b;
    } else cnst[i] = b;
    off[i + 1] = k;
  }
  return { n, off, unit, coef, cnst };
}

/** Internal (h, w, c) feature order from channel-first (c, h, w) input units. */
export function fromChannelFirst(m: AffineMap, h: number, w: number, c: number): AffineMap {
  return gather(m, h * w * c, (i) => {
    const ch = i % c;
    return ch * h * w + (i - ch) / c;
  });
}

/** Channel-first (c, h, w) order from internal (h, w, c) features. */
export function toChannelFirst(m: AffineMap, h: number, w: number, c: number): AffineMap {
  return gather(m, h * w * c, (j) => {
    const ch = Math.floor(j / (h * w));
    return (j - ch * h * w) * c + ch;
  });
}

/**
 * Each feature reads at most one unit with a nonzero coefficient and no unit is read twice;
 * with `cover`, every one of `units` is read exactly once and no feature is a bare constant.
 */
export function isInjective(m: AffineMap, units: number, cover: boolean): boolean {
  const seen = new Uint8Array(units);
  let used = 0;
  for (let i = 0; i < m.n; i++) {
    const len = entries(m, i);
    if (len > 1) return false;
    if (len === 0) {
      if (cover) return false;
      continue;
    }
    const u = m.unit[m.off[i]];
    if (seen[u] || m.coef[m.off[i]] === 0) return false;
    seen[u] = 1;
    used++;
  }
  return !cover || used === units;
}

/** A pure reordering of all `units`: one entry per feature, coefficient 1, no constant. */
export function isPermutation(m: AffineMap, units: number): boolean {
  if (!isInjective(m, units, true)) return false;
  for (let i = 0; i < m.n; i++) if (m.coef[m.off[i]] !== 1 || m.cnst[i] !== 0) return false;
  return true;
}

/** Feature i is unit i, unchanged, for all `units`. */
export function isIdentity(m: AffineMap, units: number): boolean {
  if (m.n !== units) return false;
  for (let i = 0; i < m.n; i++)
    if (entries(m, i) !== 1 || m.unit[m.off[i]] !== i || m.coef[m.off[i]] !== 1 || m.cnst[i] !== 0) return false;
  return true;
}

/** Feature i is provably ≥ 0: a constant ≥ 0 plus non-negative multiples of units known to be ≥ 0. */
export function featureNonNegative(m: AffineMap, i: number, unitsNonNegative: boolean): boolean {
  if (m.cnst[i] < 0) return false;
  if (entries(m, i) === 0) return true;
  if (!unitsNonNegative) return false;
  for (let j = m.off[i]; j < m.off[i + 1]; j++) if (m.coef[j] < 0) return false;
  return true;
}

/** Builds a map of `n` features one at a time (entries grow, then are trimmed). */
export class MapBuilder {
  private readonly off: Int32Array;
  private readonly cnst: Float64Array;
  private unit: Int32Array;
  private coef: Float64Array;
  private len = 0;
  private features = 0;

  /** `expected`: likely total entries (the arrays grow past it when needed) */
  constructor(
    readonly n: number,
    expected = n,
  ) {
    this.off = new Int32Array(n + 1);
    this.cnst = new Float64Array(n);
    this.unit = new Int32Array(Math.max(expected, 4));
    this.coef = new Float64Array(Math.max(expected, 4));
  }

  add(unit: number, coef: number): void {
    if (this.len === this.unit.length) {
      const u = new Int32Array(this.len * 2);
      const c = new Float64Array(this.len * 2);
      u.set(this.unit);
      c.set(this.coef);
      this.unit = u;
      this.coef = c;
    }
    this.unit[this.len] = unit;
    this.coef[this.len++] = coef;
  }

  /** Ends the current feature with constant `k`. */
  end(k: number): void {
    this.cnst[this.features++] = k;
    this.off[this.features] = this.len;
  }

  finish(): AffineMap {
    if (this.features !== this.n) throw new Error(`MapBuilder: ${this.features} of ${this.n} features written`);
    const fit = this.len === this.unit.length;
    return { n: this.n, off: this.off, unit: fit ? this.unit : this.unit.slice(0, this.len), coef: fit ? this.coef : this.coef.slice(0, this.len), cnst: this.cnst };
  }
}
