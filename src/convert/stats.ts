/**
 * Exact size and cost figures. For a CnnModel: per-layer conv/dense MACs and parameters, and what
 * its dense and CSR MLPs would be — rows, columns, stored weights, nonzeros, MACs, bytes — from
 * closed-form formulas over the layer plan (no matrix is built). For an Mlp: the same figures
 * read from the built matrices.
 */
import { Cnn2MlpError, describe } from '../errors.js';
import { Mlp } from '../mlp/mlp.js';
import { OP, planModel, type PlanOp } from '../model/plan.js';
import type { CnnModel } from '../model/types.js';
import { planMlp, PRIM, type AffineMap, type LayerPlan, type MlpPlan } from './layers.js';

/** One CNN layer's cost. MACs count every multiply-accumulate of a direct convolution, padding taps included. */
export interface CnnLayerStats {
  index: number;
  name: string;
  type: string;
  /** output shape, internal (h, w, c) */
  outShape: [number, number, number];
  macs: number;
  /** MACs with taps that land in zero padding left out (what a sparse MLP row stores) */
  macsWithoutPadding: number;
  weights: number;
  biases: number;
}

/** One MLP layer's size. `weights` is what the format stores: rows×cols (dense) or nonzeros (csr). */
export interface MlpLayerStats {
  origin: string;
  kind: string;
  rows: number;
  cols: number;
  /** structural nonzeros (entries a CSR matrix stores) */
  nonzeros: number;
  /** stored weights: rows×cols for dense, nonzeros for csr */
  weights: number;
  biases: number;
  /** multiply-accumulates per sample: rows×cols dense, nonzeros csr */
  macs: number;
  /**
   * native bytes: weights (dense rows padded to 16 floats; csr 4-B values + 4-B columns + 8-B row
   * pointers; rcsr 4-B values + 8-B row pointers + 4-B row patterns + 8 B per run + 4 B per
   * pattern) + 4-B biases
   */
  bytes: number;
  activation: string;
  /** built MLPs: the layer's storage ('dense', 'csr' or 'rcsr') */
  format?: 'dense' | 'csr' | 'rcsr';
  /** built MLPs whose builder weighed the forms (sparse and 'auto' converts): why this one, with each form's weight bytes */
  formatReason?: string;
}

export interface MlpStats {
  /** the layers' common storage, or 'mixed' (format 'auto' picks per layer) */
  format: 'dense' | 'csr' | 'rcsr' | 'mixed';
  layers: MlpLayerStats[];
  totals: { layers: number; weights: number; nonzeros: number; biases: number; macs: number; bytes: number };
}

export interface CnnStats {
  layers: CnnLayerStats[];
  totals: { macs: number; macsWithoutPadding: number; weights: number; biases: number; convMacs: number; convWeights: number };
  /** what convert(model, { format: 'dense' }) builds */
  dense: MlpStats;
  /** what convert(model, { format: 'csr' }) builds */
  csr: MlpStats;
}

/** Taps of a window along one axis that land inside [0, size): closed form per output position, summed. */
function validTapsSum(out: number, size: number, k: number, s: number, d: number, before: number): number {
  let sum = 0;
  for (let o = 0; o < out; o++) {
    const start = o * s - before;
    const lo = Math.max(0, Math.ceil(-start / d));
    const hi = Math.min(k - 1, Math.floor((size - 1 - start) / d));
    if (hi >= lo) sum += hi - lo + 1;
  }
  return sum;
}

function mapCounts(m: AffineMap | null, n: number): { allOne: boolean; cnt: (i: number) => number; total: number } {
  if (!m) return { allOne: true, cnt: () => 1, total: n };
  let allOne = true;
  for (let i = 0; i < n && allOne; i++) allOne = m.off[i + 1] - m.off[i] === 1;
  return { allOne, cnt: (i) => m.off[i + 1] - m.off[i], total: m.off[n] };
}

/** Nonzeros of layer `l` without building it. */
export function layerNonzeros(l: LayerPlan, ops: PlanOp[]): number {
  if (l.prim === PRIM.explicit) return l.csr!.colIdx.length;
  const p = ops[l.opIndex];
  const nIn = p.inH * p.inW * p.inC;
  const { allOne, cnt, total } = mapCounts(l.inMap, nIn);
  if (l.prim === PRIM.dense) return p.outC * total;
  const cinG = l.prim === PRIM.conv ? p.inC / p.groups : 1;
  const perOut = l.prim === PRIM.conv ? p.outC : p.outC; // every output channel sees cinG input channels
  if (allOne) {
    const sy = validTapsSum(p.outH, p.inH, p.kh, p.sh, p.dh, p.pads[0]);
    const sx = validTapsSum(p.outW, p.inW, p.kw, p.sw, p.dw, p.pads[2]);
    return perOut * cinG * sy * sx;
  }
  // General input map: Σ over outputs of Σ over in-range taps of the map's entry counts.
  let sum = 0;
  const groups = l.prim === PRIM.conv ? p.groups : p.inC;
  const coutG = p.outC / groups;
  for (let oy = 0; oy < p.outH; oy++)
    for (let ox = 0; ox < p.outW; ox++)
      for (let g = 0; g < groups; g++) {
        let s = 0;
        for (let ky = 0; ky < p.kh; ky++) {
          const y = oy * p.sh - p.pads[0] + ky * p.dh;
          if (y < 0 || y >= p.inH) continue;
          for (let kx = 0; kx < p.kw; kx++) {
            const x = ox * p.sw - p.pads[2] + kx * p.dw;
            if (x < 0 || x >= p.inW) continue;
            const base = (y * p.inW + x) * p.inC + g * cinG;
            for (let ci = 0; ci < cinG; ci++) s += cnt(base + ci);
          }
        }
        sum += s * coutG;
      }
  return sum;
}

function mlpPlanStats(mp: MlpPlan, ops: PlanOp[], format: 'dense' | 'csr'): MlpStats {
  const layers = mp.layers.map((l): MlpLayerStats => {
    const nnz = layerNonzeros(l, ops);
    const ld = Math.ceil(l.cols / 16) * 16;
    const weights = format === 'dense' ? l.rows * l.cols : nnz;
    const bytes = (format === 'dense' ? l.rows * ld * 4 : nnz * 8 + (l.rows + 1) * 8) + l.rows * 4;
    return { origin: l.origin, kind: l.kind, rows: l.rows, cols: l.cols, nonzeros: nnz, weights, biases: l.rows, macs: weights, bytes, activation: l.act.name };
  });
  return { format, layers, totals: totalsOf(layers) };
}

function totalsOf(layers: MlpLayerStats[]): MlpStats['totals'] {
  const t = { layers: layers.length, weights: 0, nonzeros: 0, biases: 0, macs: 0, bytes: 0 };
  for (const l of layers) {
    t.weights += l.weights;
    t.nonzeros += l.nonzeros;
    t.biases += l.biases;
    t.macs += l.macs;
    t.bytes += l.bytes;
  }
  return t;
}

function cnnStats(model: CnnModel): CnnStats {
  const plan = planModel(model);
  const layers = plan.ops.map((p): CnnLayerStats => {
    const base = { index: p.layerIndex, name: p.layerName, type: model.layers[p.layerIndex].type, outShape: [p.outH, p.outW, p.outC] as [number, number, number] };
    if (p.op === OP.conv2d) {
      const cinG = p.inC / p.groups;
      const weights = p.kh * p.kw * cinG * p.outC;
      const sy = validTapsSum(p.outH, p.inH, p.kh, p.sh, p.dh, p.pads[0]);
      const sx = validTapsSum(p.outW, p.inW, p.kw, p.sw, p.dw, p.pads[2]);
      return { ...base, macs: p.outH * p.outW * weights, macsWithoutPadding: p.outC * cinG * sy * sx, weights, biases: p.bias >= 0 ? p.outC : 0 };
    }
    if (p.op === OP.dense) {
      const weights = p.inC * p.outC;
      return { ...base, macs: weights, macsWithoutPadding: weights, weights, biases: p.bias >= 0 ? p.outC : 0 };
    }
    return { ...base, macs: 0, macsWithoutPadding: 0, weights: 0, biases: 0 };
  });
  const totals = { macs: 0, macsWithoutPadding: 0, weights: 0, biases: 0, convMacs: 0, convWeights: 0 };
  for (const l of layers) {
    totals.macs += l.macs;
    totals.macsWithoutPadding += l.macsWithoutPadding;
    totals.weights += l.weights;
    totals.biases += l.biases;
    if (l.type === 'conv2d') {
      totals.convMacs += l.macs;
      totals.convWeights += l.weights;
    }
  }
  const mp = planMlp(plan);
  return { layers, totals, dense: mlpPlanStats(mp, plan.ops, 'dense'), csr: mlpPlanStats(mp, plan.ops, 'csr') };
}

/** Why the builder stored a layer as it did, from the weight bytes of each form it weighed. */
function formatReason(format: string, cand: readonly number[] | undefined): string | undefined {
  if (!cand || cand[0] < 0) return undefined;
  const mb = (b: number) => (b < 0 ? 'not weighed' : `${(b / 1e6).toFixed(2)} MB`);
  const sizes = `dense ${mb(cand[0])}, csr ${mb(cand[1])}, rcsr ${mb(cand[2])}`;
  const sparse = Math.min(...cand.slice(1).filter((b) => b >= 0));
  if (format === 'dense') return `dense is within 25 % of the smallest sparse form (${sizes}): the GEMV streams it at full bandwidth`;
  return cand[0] * 4 <= sparse * 5 ? `stored as requested (${sizes})` : `${format} is the smallest (${sizes})`;
}

function builtStats(mlp: Mlp): MlpStats {
  const kinds = new Set(mlp.layers.map((l) => l.format));
  const format = kinds.size === 1 ? mlp.layers[0].format : 'mixed';
  const layers = mlp.layers.map((l, i): MlpLayerStats => ({
    origin: String((mlp.metadata.source?.layers as string[] | undefined)?.[i] ?? `layer ${i}`),
    kind: l.format,
    rows: l.rows,
    cols: l.cols,
    nonzeros: l.format === 'dense' ? l.rows * l.cols : l.nnz,
    weights: l.format === 'dense' ? l.rows * l.cols : l.nnz,
    biases: l.rows,
    macs: l.format === 'dense' ? l.rows * l.cols : l.nnz,
    bytes: l.bytes,
    activation: l.activation,
    format: l.format,
    ...(formatReason(l.format, l.candidateBytes) ? { formatReason: formatReason(l.format, l.candidateBytes) } : {}),
  }));
  return { format, layers, totals: totalsOf(layers) };
}

/**
 * Exact per-layer figures. `stats(model)`: conv/dense MACs and parameters of the CNN and, by
 * closed-form formulas over the conversion plan, what its dense and CSR MLPs would be (nothing is
 * built). `stats(mlp)`: rows, columns, stored weights, MACs and bytes of a built MLP (dense
 * layers count rows×cols; nonzeros of a dense layer are not scanned).
 */
export function stats(model: CnnModel): CnnStats;
export function stats(mlp: Mlp): MlpStats;
export function stats(x: CnnModel | Mlp): CnnStats | MlpStats {
  if (x instanceof Mlp) return builtStats(x);
  if (typeof x !== 'object' || x === null || !('layers' in x))
    throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected a CnnModel or an Mlp for stats() but received ${describe(x)}`);
  return cnnStats(x);
}
