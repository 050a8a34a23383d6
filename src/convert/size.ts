/**
 * The size rules, stated once: how many nonzeros each planned layer has, how many bytes a layer
 * takes in each format (what native/runtime/builder.cc allocates), and the budget that refuses a
 * conversion with ERR_TOO_LARGE before anything large is allocated.
 */
import { Cnn2MlpError } from '../errors.js';
import { OP, type PlanOp } from '../model/plan.js';
import { validTaps, validTapsSum, windowAxes } from '../model/window.js';
import type { AffineMap } from './affine-map.js';
import type { ExplicitCsr } from './explicit-layer.js';
import { PRIM, type Prim } from './layer-plan.js';

/** A convert format: a storage, or 'auto' (per layer the smallest; docs/run-csr.md). */
export type MlpFormat = 'dense' | 'csr' | 'rcsr' | 'auto';

/** Dense rows are padded to a multiple of 16 floats (64 bytes) so every row starts aligned. */
export function denseStride(cols: number): number {
  return Math.ceil(cols / 16) * 16;
}

/**
 * Native bytes of one layer: dense float32 rows × padded cols, or CSR float32 values + int32
 * columns per nonzero and int64 row pointers; plus float32 biases. Run-CSR and 'auto' depend on
 * the runs, which only the builder counts: here their lower bound (values, row pointers and row
 * patterns; 'auto' the smaller of that and dense); the builder checks the budget on the real size.
 */
export function layerBytes(format: MlpFormat, rows: number, cols: number, nonzeros: number): number {
  const dense = rows * denseStride(cols) * 4;
  const runCsr = nonzeros * 4 + (rows + 1) * 8 + rows * 4;
  const weights = format === 'dense' ? dense : format === 'csr' ? nonzeros * 8 + (rows + 1) * 8 : format === 'rcsr' ? runCsr : Math.min(dense, runCsr);
  return weights + rows * 4;
}

/** Some unit appears twice in the map (then one row's taps can meet on a column and merge). */
function repeatsUnits(m: AffineMap, cols: number): boolean {
  const seen = new Uint8Array(cols);
  for (let k = 0; k < m.off[m.n]; k++) {
    if (seen[m.unit[k]]) return true;
    seen[m.unit[k]] = 1;
  }
  return false;
}

/**
 * Nonzeros of a layer of `cols` columns whose rows are the plan op `p` read through `inMap`
 * (null: the identity), plus `addend` rows (a residual, carried values) when given.
 */
export function primaryNonzeros(prim: Prim, p: PlanOp, inMap: AffineMap | null, cols: number, addend: ExplicitCsr | null = null, copies = 1): number {
  if ((inMap && repeatsUnits(inMap, cols)) || (addend && meets(inMap, cols, addend, copies * p.outH * p.outW * p.outC)))
    return mergedNonzeros(prim, p, inMap, cols, addend, copies);
  return copies * tapNonzeros(prim, p, inMap) + (addend ? addend.rowPtr[addend.bias.length] : 0);
}

/** Some addend entry of the op's rows (a residual) is on a column the op's taps can reach. */
function meets(inMap: AffineMap | null, cols: number, addend: ExplicitCsr, tapRows: number): boolean {
  const end = addend.rowPtr[tapRows];
  if (end === 0) return false;
  if (!inMap) return true;
  const reached = new Uint8Array(cols);
  for (let k = 0; k < inMap.off[inMap.n]; k++) reached[inMap.unit[k]] = 1;
  for (let k = 0; k < end; k++) if (reached[addend.colIdx[k]]) return true;
  return false;
}

/** Nonzeros of the op's rows read through `inMap` when no two entries of a row share a column. */
function tapNonzeros(prim: Prim, p: PlanOp, inMap: AffineMap | null): number {
  const nIn = p.inH * p.inW * p.inC;
  const count = inMap ? (i: number) => inMap.off[i + 1] - inMap.off[i] : () => 1;
  if (prim === PRIM.dense) return p.outC * (inMap ? inMap.off[nIn] : nIn);
  const cinG = prim === PRIM.conv ? p.inC / p.groups : 1;
  const { y, x } = windowAxes(p);
  // every feature with the same number of entries (1 for a plain selection, 2 after a ReLU rewrite)
  const each = inMap ? count(0) : 1;
  let uniform = true;
  for (let i = 0; inMap && i < nIn && uniform; i++) uniform = count(i) === each;
  // every output channel sees cinG input channels at each valid tap
  if (uniform) return each * p.outC * cinG * validTapsSum(y) * validTapsSum(x);
  // General input map: Σ over outputs of Σ over valid taps of the map's entry counts.
  const groups = prim === PRIM.conv ? p.groups : p.inC;
  const coutG = p.outC / groups;
  let sum = 0;
  for (let oy = 0; oy < p.outH; oy++) {
    const ty = validTaps(y, oy);
    for (let ox = 0; ox < p.outW; ox++) {
      const tx = validTaps(x, ox);
      for (let g = 0; g < groups; g++) {
        let s = 0;
        for (let ky = ty.lo; ky <= ty.hi; ky++) {
          const iy = oy * p.sh - p.pads[0] + ky * p.dh;
          for (let kx = tx.lo; kx <= tx.hi; kx++) {
            const base = (iy * p.inW + ox * p.sw - p.pads[2] + kx * p.dw) * p.inC + g * cinG;
            for (let ci = 0; ci < cinG; ci++) s += count(base + ci);
          }
        }
        sum += s * coutG;
      }
    }
  }
  return sum;
}

/**
 * The same count where entries can meet on a column (what the native builder merges): row by
 * row, the distinct columns its taps reach through the map, then its addend row's other columns.
 * O(the layer's entries); used for graph layers, whose maps and addends are small.
 */
function mergedNonzeros(prim: Prim, p: PlanOp, inMap: AffineMap | null, cols: number, addend: ExplicitCsr | null, copies: number): number {
  const stamp = new Int32Array(cols).fill(-1);
  let mark = 0;
  let total = 0;
  const reach = (i: number) => {
    let n = 0;
    if (!inMap) {
      if (stamp[i] !== mark) (stamp[i] = mark), n++;
      return n;
    }
    for (let j = inMap.off[i]; j < inMap.off[i + 1]; j++) if (stamp[inMap.unit[j]] !== mark) (stamp[inMap.unit[j]] = mark), n++;
    return n;
  };
  // distinct addend columns of row r not reached by its taps (stamped with `mark`)
  const extra = (r: number) => {
    let n = 0;
    if (addend) for (let j = addend.rowPtr[r]; j < addend.rowPtr[r + 1]; j++) n += stamp[addend.colIdx[j]] === mark ? 0 : 1;
    return n;
  };
  const primaryRows = p.outH * p.outW * p.outC;
  if (prim === PRIM.dense) {
    let taps = 0;
    for (let i = 0; i < p.inC; i++) taps += reach(i);
    for (let r = 0; r < copies * primaryRows; r++) total += taps + extra(r);
  } else {
    const { y, x } = windowAxes(p);
    const groups = prim === PRIM.conv ? p.groups : p.inC;
    const cinG = p.inC / groups;
    const coutG = p.outC / groups;
    for (let oy = 0; oy < p.outH; oy++) {
      const ty = validTaps(y, oy);
      for (let ox = 0; ox < p.outW; ox++) {
        const tx = validTaps(x, ox);
        for (let g = 0; g < groups; g++) {
          mark++;
          let taps = 0;
          for (let ky = ty.lo; ky <= ty.hi; ky++)
            for (let kx = tx.lo; kx <= tx.hi; kx++) {
              const base = ((oy * p.sh - p.pads[0] + ky * p.dh) * p.inW + ox * p.sw - p.pads[2] + kx * p.dw) * p.inC + g * cinG;
              for (let ci = 0; ci < cinG; ci++) taps += reach(base + ci);
            }
          for (let c = 0; c < copies; c++)
            for (let co = g * coutG; co < (g + 1) * coutG; co++) total += taps + extra(c * primaryRows + (oy * p.outW + ox) * p.outC + co);
        }
      }
    }
  }
  if (addend) total += addend.rowPtr[addend.bias.length] - addend.rowPtr[copies * primaryRows]; // carry rows
  return total;
}

export function formatBytes(b: number): string {
  return b >= 1e9 ? `${(b / 1e9).toFixed(2)} GB` : b >= 1e6 ? `${(b / 1e6).toFixed(2)} MB` : `${(b / 1e3).toFixed(2)} kB`;
}

/**
 * A cheap lower bound of the dense MLP's bytes from the plan alone: each linear op becomes at
 * least one rows × cols layer, cols being the previous layer's units (zero padding adds none).
 * Also returns how many features the planner's maps would hold.
 */
export function denseLowerBound(ops: PlanOp[], inputSize: number): { bytes: number; features: number } {
  let bytes = 0;
  let features = 0;
  let units = inputSize;
  for (const op of ops) {
    const out = op.outH * op.outW * op.outC;
    if (op.op === OP.conv2d || op.op === OP.dense || op.op === OP.avgPool2d || op.op === OP.globalAvgPool2d) bytes += out * units * 4;
    if (op.op !== OP.zeroPad2d) units = out;
    features += out;
  }
  return { bytes, features };
}

/** The most bytes a conversion may take: maxBytes and the memory available, and which one binds. */
export interface ByteLimit {
  bytes: number;
  /** 'maxBytes 1.00 GB' or 'the 3.20 GB of memory available' */
  label: string;
}

export function byteLimit(maxBytes: number | undefined, available: number): ByteLimit {
  const avail = available > 0 ? available : Infinity;
  if (maxBytes !== undefined && maxBytes <= avail) return { bytes: maxBytes, label: `maxBytes ${formatBytes(maxBytes)}` };
  return { bytes: avail, label: `the ${formatBytes(avail)} of memory available` };
}

/** The refusal, with the estimate in a fixed form ("needs 1.23 GB (1234 bytes)") and what to do. */
export function tooLarge(format: MlpFormat, bytes: number, limit: ByteLimit, orMore = false): Cnn2MlpError {
  const hint = format === 'dense' ? "; use format 'auto' or 'csr', which store only the nonzeros" : '; use a smaller input shape (--input-shape)';
  return new Cnn2MlpError('ERR_TOO_LARGE', `the ${format} MLP of this model needs ${formatBytes(bytes)} (${bytes} bytes)${orMore ? ' or more' : ''}: over ${limit.label}${hint}`);
}
