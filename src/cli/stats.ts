/** `cnn2mlp stats <model>`: the exact complexity of a CNN and of the MLPs it converts to. */
import { Command, Option } from 'commander';
import { type CnnStats, type MlpStatsTotals } from './api.js';
import { stats } from '../convert/stats.js';
import { seedNetwork } from '../model/seed.js';
import { cnnCounts } from './counts.js';
import { loadCnn, type ModelOverrides } from './models.js';
import { Output, int, bytes, table } from './output.js';
import type { CnnModel } from '../model/types.js';
import { Cnn2MlpError } from '../errors.js';

interface StatsOptions extends ModelOverrides {
  json?: boolean;
  layers?: boolean;
}

/** `seed` (optionally with --strides 3) names the seed study's network; anything else is a model file. */
export async function modelOrSeed(spec: string, o: ModelOverrides): Promise<{ model: CnnModel; label: string }> {
  if (spec === 'seed') {
    const stride = o.strides === undefined ? 2 : Number(o.strides);
    if (stride !== 2 && stride !== 3) {
      throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected 2 or 3 for --strides of the seed network but received '${o.strides}'`);
    }
    // the weights are seeded random values: counts do not depend on them (structural nonzeros)
    return { model: seedNetwork({ stride, seed: 1 }), label: `seed network, stride ${stride}` };
  }
  return { model: await loadCnn(spec, o), label: spec };
}

/** The totals table of stats(model): the CNN and both MLP forms. */
export function statsTable(s: CnnStats): string {
  const t = s.totals;
  const row = (name: string, m: MlpStatsTotals) => [name, int(m.macs), int(m.weights), int(m.nonzeros), int(m.biases), bytes(m.bytes)];
  return table([
    ['', 'MACs/sample', 'weights', 'nonzeros', 'biases', 'bytes'],
    ['CNN (direct conv)', int(t.macs), int(t.weights), '', int(t.biases), bytes(4 * (t.weights + t.biases))],
    row('MLP dense', s.dense.totals),
    row('MLP CSR', s.csr.totals),
    ...carryRows(s),
  ]);
}

/** Graph models: the part of each MLP that carries tensors for later layers (units, nonzeros, bytes). */
function carryRows(s: CnnStats): string[][] {
  const c = (m: MlpStatsTotals) => m.carryUnits ?? 0;
  if (!c(s.csr.totals)) return [];
  const row = (name: string, m: MlpStatsTotals) => [name, int(m.carryMacs ?? 0), int(m.carryMacs ?? 0), int(m.carryNonzeros ?? 0), int(c(m)) + ' units', bytes(m.carryBytes ?? 0)];
  return [row('  of which carry, dense', s.dense.totals), row('  of which carry, CSR', s.csr.totals)];
}

/** The per-layer table of the CNN. */
function layerTable(s: CnnStats): string {
  return table([
    ['layer', 'type', 'output (h, w, c)', 'MACs', 'MACs w/o padding', 'weights', 'biases'],
    ...s.layers.map((l) => [l.name || String(l.index), l.type, l.outShape.join(' × '), int(l.macs), int(l.macsWithoutPadding), int(l.weights), int(l.biases)]),
  ]);
}

export function statsCommand(): Command {
  return new Command('stats')
    .description("exact complexity of a CNN and its MLP forms: MACs, weights, nonzeros, bytes ('seed' names the seed study's network)")
    .argument('<model>', "ONNX (.onnx), TF.js (model.json), TF checkpoint prefix, or 'seed'")
    .option('--input-shape <shape>', 'override one sample\'s input shape, e.g. 28,28,1')
    .option('--strides <list>', 'override conv strides: one value for all conv layers or one per conv layer')
    .option('--arch <file>', 'JSON network description for a weights-only TF checkpoint')
    .option('--layers', 'also print the per-layer table of the CNN')
    .addOption(new Option('--json', 'print the result as JSON on stdout'))
    .action(async (spec: string, o: StatsOptions) => {
      const out = new Output(o);
      const { model, label } = await modelOrSeed(spec, o);
      const cnn = cnnCounts(model);
      const full = stats(model);
      out.result({ model: label, cnn, stats: full });
      out.line(`${label}: exact counts per sample (MACs count every kernel tap, padding included; nonzeros are structural)`);
      out.line(statsTable(full));
      if (o.layers) {
        out.line();
        out.line(layerTable(full));
      }
    });
}
