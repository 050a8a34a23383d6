/** stats(model): the CNN's figures and, from the conversion plan, its dense and CSR MLPs' (stats.ts). */
import { OP, planModel } from '../model/plan.js';
import type { CnnModel } from '../model/types.js';
import { validTapsSum, windowAxes } from '../model/window.js';
import type { MlpPlan } from './layer-plan.js';
import { planMlp } from './planner.js';
import { layerBytes } from './size.js';
import { totalsOf, type CnnLayerStats, type CnnStats, type MlpLayerStats, type MlpStats } from './stats.js';

function mlpPlanStats(mp: MlpPlan, format: 'dense' | 'csr'): MlpStats {
  const layers = mp.layers.map((l): MlpLayerStats => {
    const nnz = l.nonzeros;
    const weights = format === 'dense' ? l.rows * l.cols : nnz;
    const bytes = layerBytes(format, l.rows, l.cols, nnz);
    const carryBytes = layerBytes(format, l.carryRows, l.cols, l.carryNonzeros) - layerBytes(format, 0, l.cols, 0);
    const carry = { carryUnits: l.carryRows, carryNonzeros: l.carryNonzeros, carryBytes };
    return { origin: l.origin, kind: l.kind, rows: l.rows, cols: l.cols, nonzeros: nnz, ...carry, weights, biases: l.rows, macs: weights, bytes, activation: l.act.name };
  });
  const sum = (k: 'carryUnits' | 'carryNonzeros' | 'carryBytes') => layers.reduce((a, l) => a + (l[k] ?? 0), 0);
  // carry MACs = carry weights: rows × cols dense, nonzeros csr
  const carryMacs = format === 'dense' ? mp.layers.reduce((a, l) => a + l.carryRows * l.cols, 0) : sum('carryNonzeros');
  return { format, layers, totals: { ...totalsOf(layers), carryUnits: sum('carryUnits'), carryNonzeros: sum('carryNonzeros'), carryMacs, carryBytes: sum('carryBytes') } };
}

export function cnnStats(model: CnnModel): CnnStats {
  const plan = planModel(model);
  const layers = plan.ops.map((p): CnnLayerStats => {
    const base = { index: p.layerIndex, name: p.layerName, type: model.layers[p.layerIndex].type, outShape: [p.outH, p.outW, p.outC] as [number, number, number] };
    if (p.op === OP.conv2d) {
      const cinG = p.inC / p.groups;
      const weights = p.kh * p.kw * cinG * p.outC;
      const { y, x } = windowAxes(p);
      return { ...base, macs: p.outH * p.outW * weights, macsWithoutPadding: p.outC * cinG * validTapsSum(y) * validTapsSum(x), weights, biases: p.bias >= 0 ? p.outC : 0 };
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
  // Counted, not stored: explicit layers are sized without being written.
  const mp = planMlp(plan, { format: 'csr', store: false });
  return { layers, totals, dense: mlpPlanStats(mp, 'dense'), csr: mlpPlanStats(mp, 'csr') };
}
