/**
 * Explicit layers: small sparse matrices the planner writes itself (ReLU stages of max pooling and
 * PReLU, identity layers that apply an activation or a final reordering). They are written twice
 * by the same code: a counting pass gives the exact rows and nonzeros, then typed arrays of exactly
 * that size are filled — nothing grows, nothing is held per unit as a JS object, and the size is
 * known (and can be refused) before anything large is allocated.
 */
import { Cnn2MlpError } from '../errors.js';

/** A layer's CSR over the previous layer's units: columns sorted and merged per row, one bias per row. */
export interface ExplicitCsr {
  rowPtr: Int32Array;
  colIdx: Int32Array;
  values: Float64Array;
  bias: Float64Array;
}

const MAX_INT32 = 2 ** 31 - 1;

/**
 * Writes rows one at a time: begin(), add(unit, coef)…, end(bias) → the row's index. Until
 * allocate() it only counts; afterwards it stores. A row's entries are sorted by unit (stably) and
 * entries of one unit summed in the order they were added.
 */
export class CsrWriter {
  rows = 0;
  nonzeros = 0;
  private csr: ExplicitCsr | null = null;
  private len = 0;
  // The open row. One row is open at a time across all writers (a row is ended before the next
  // begins), so they share one buffer instead of each allocating its own.
  private static units = new Int32Array(64);
  private static coefs = new Float64Array(64);
  private get units(): Int32Array {
    return CsrWriter.units;
  }
  private get coefs(): Float64Array {
    return CsrWriter.coefs;
  }

  constructor(readonly what: string) {}

  begin(): void {
    this.len = 0;
  }

  add(unit: number, coef: number): void {
    if (this.len === this.units.length) {
      const u = new Int32Array(this.len * 2);
      const c = new Float64Array(this.len * 2);
      u.set(this.units);
      c.set(this.coefs);
      CsrWriter.units = u;
      CsrWriter.coefs = c;
    }
    this.units[this.len] = unit;
    this.coefs[this.len++] = coef;
  }

  /** Closes the row with constant `bias`; returns its index (the unit it becomes in this layer). */
  end(bias: number): number {
    const n = this.merge();
    const r = this.rows++;
    const csr = this.csr;
    if (csr) {
      const at = csr.rowPtr[r];
      const u = this.units;
      const c = this.coefs;
      for (let j = 0; j < n; j++) {
        csr.colIdx[at + j] = u[j];
        csr.values[at + j] = c[j];
      }
      csr.rowPtr[r + 1] = at + n;
      csr.bias[r] = bias;
    }
    this.nonzeros += n;
    if (this.nonzeros > MAX_INT32)
      throw new Cnn2MlpError('ERR_TOO_LARGE', `${this.what}: more than ${MAX_INT32} nonzeros in one layer; use a smaller input shape`);
    return r;
  }

  /** Switches from counting to storing: arrays sized by the counts so far, counters reset. */
  allocate(): void {
    this.csr = {
      rowPtr: new Int32Array(this.rows + 1),
      colIdx: new Int32Array(this.nonzeros),
      values: new Float64Array(this.nonzeros),
      bias: new Float64Array(this.rows),
    };
    this.rows = 0;
    this.nonzeros = 0;
  }

  /** The stored matrix (after a storing pass), or null when the writer only counted. */
  result(): ExplicitCsr | null {
    return this.csr;
  }

  /** Sorts the pending row by unit (stably: insertion sort for the usual short rows) and sums repeated units. */
  private merge(): number {
    const u = this.units;
    const c = this.coefs;
    const n = this.len;
    let sorted = true;
    for (let j = 1; j < n && sorted; j++) sorted = u[j - 1] < u[j];
    if (sorted) return n;
    if (n > 64) this.sortLong();
    else for (let j = 1; j < n; j++) {
      const uj = u[j];
      const cj = c[j];
      let k = j - 1;
      while (k >= 0 && u[k] > uj) {
        u[k + 1] = u[k];
        c[k + 1] = c[k];
        k--;
      }
      u[k + 1] = uj;
      c[k + 1] = cj;
    }
    let k = 0;
    for (let j = 0; j < n; j++) {
      if (k > 0 && u[k - 1] === u[j]) c[k - 1] += c[j];
      else {
        u[k] = u[j];
        c[k++] = c[j];
      }
    }
    return k;
  }

  private sortLong(): void {
    const n = this.len;
    const order = Array.from({ length: n }, (_, j) => j).sort((a, b) => this.units[a] - this.units[b]);
    const u = Int32Array.from(order, (j) => this.units[j]);
    const c = Float64Array.from(order, (j) => this.coefs[j]);
    this.units.set(u);
    this.coefs.set(c);
  }
}
