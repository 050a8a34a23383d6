/**
 * Exact size and cost figures. For a CnnModel: per-layer conv/dense MACs and parameters, and what
 * its dense and CSR MLPs would be — rows, columns, stored weights, nonzeros, MACs, bytes — from
 * closed-form formulas over the layer plan (no matrix is built). For an Mlp: the same figures
 * read from the built matrices.
 */
import { createRequire } from 'node:module';
import { Cnn2MlpError, describe } from '../errors.js';
import { Mlp } from '../mlp/mlp.js';
import type { CnnModel } from '../model/types.js';
import { onDemand } from '../util/on-demand.js';

const require = createRequire(import.meta.url);
// stats(model) needs the conversion planner; it loads on the first such call (util/on-demand.ts).
const cnnStatsModule = onDemand('stats', () => require('./cnn-stats.js'), () => import('./cnn-stats.js'));

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
  /** stats(model) only: of the rows, those that only carry a tensor a later layer reads (graph models), and their nonzeros */
  carryUnits?: number;
  carryNonzeros?: number;
  /** stats(model) only: the bytes of those rows in the layer's format (their weights, row pointers and biases) */
  carryBytes?: number;
  /** stored weights: rows×cols for dense, nonzeros for csr */
  weights: number;
  biases: number;
  /** multiply-accumulates per sample: rows×cols dense, nonzeros csr */
  macs: number;
  /**
   * native bytes (see layerBytes in size.ts): weights (dense rows padded to 16 floats; csr 4-B values + 4-B columns + 8-B row
   * pointers; rcsr 4-B values + 8-B row pointers + 4-B row patterns + 8 B per run + 4 B per
   * pattern) + 4-B biases
   */
  bytes: number;
  activation: string;
  /** built MLPs: the layer's storage ('dense', 'csr' or 'rcsr') */
  format?: 'dense' | 'csr' | 'rcsr';
  /** built MLPs: the weight values' type ('bf16': 2-byte weights, dense and rcsr layers of a precision 'bf16' convert) */
  precision?: 'f32' | 'bf16';
  /** built MLPs whose builder weighed the forms (sparse and 'auto' converts): why this one, with each form's weight bytes */
  formatReason?: string;
}

export interface MlpStats {
  /** the layers' common storage, or 'mixed' (format 'auto' picks per layer) */
  format: 'dense' | 'csr' | 'rcsr' | 'mixed';
  layers: MlpLayerStats[];
  /** `carry*`: stats(model) only, the part of the totals that carries tensors for later layers (graph models) */
  totals: { layers: number; weights: number; nonzeros: number; biases: number; macs: number; bytes: number; carryUnits?: number; carryNonzeros?: number; carryMacs?: number; carryBytes?: number };
}

export interface CnnStats {
  layers: CnnLayerStats[];
  totals: { macs: number; macsWithoutPadding: number; weights: number; biases: number; convMacs: number; convWeights: number };
  /** what convert(model, { format: 'dense' }) builds */
  dense: MlpStats;
  /** what convert(model, { format: 'csr' }) builds */
  csr: MlpStats;
}

/** Sums of the layers' figures. */
export function totalsOf(layers: MlpLayerStats[]): MlpStats['totals'] {
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

/** Why the builder stored a layer as it did, from the weight bytes of each form it weighed. */
function formatReason(format: string, cand: readonly number[] | undefined): string | undefined {
  if (!cand || cand[0] < 0) return undefined;
  const mb = (b: number) => (b < 0 ? 'not weighed' : `${(b / 1e6).toFixed(2)} MB`);
  const sizes = `dense ${mb(cand[0])}, csr ${mb(cand[1])}, rcsr ${mb(cand[2])}`;
  const sparse = Math.min(...cand.slice(1).filter((b) => b >= 0));
  if (format === 'dense') return `dense is within 25 % of the smallest sparse form (${sizes}): a matrix this full runs faster as a dense GEMM at batch > 1`;
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
    precision: l.precision,
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
  return cnnStatsModule().cnnStats(x);
}
