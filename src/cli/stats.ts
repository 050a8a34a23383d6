/** `cnn2mlp stats <model>`: the exact complexity of a CNN and of the MLPs it converts to, or of a stored .mlp. */
import { Command, Option } from 'commander';
import { type CnnStats, type MlpStatsTotals } from './api.js';
import { stats } from '../convert/stats.js';
import { cnnCounts } from './counts.js';
import { modelKind, modelOrSeed, type ModelOverrides } from './models.js';
import { cnnLayerTable, mlpLayerTable } from './inspect.js';
import { loadMlp } from '../mlp/file.js';
import { Output, int, bytes, table } from './output.js';

interface StatsOptions extends ModelOverrides {
  json?: boolean;
  layers?: boolean;
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

export function statsCommand(): Command {
  return new Command('stats')
    .description("exact complexity of a CNN and its MLP forms: MACs, weights, nonzeros, bytes ('seed' names the seed study's network)")
    .argument('<model>', "ONNX (.onnx), TF.js (model.json), TF checkpoint prefix, a .mlp, or 'seed'")
    .option('--input-shape <shape>', 'override one sample\'s input shape, e.g. 28,28,1')
    .option('--strides <list>', 'override conv strides: one value for all conv layers or one per conv layer')
    .option('--arch <file>', 'JSON network description for a weights-only TF checkpoint')
    .option('--layers', 'also print the per-layer table (kernel, stride, padding, activation, output shape); see also cnn2mlp inspect')
    .addOption(new Option('--json', 'print the result as JSON on stdout'))
    .action(async (spec: string, o: StatsOptions) => {
      const out = new Output(o);
      if (spec !== 'seed' && modelKind(spec).kind === 'mlp') {
        const mlp = await loadMlp(spec);
        try {
          const m = stats(mlp);
          out.result({ model: spec, stats: m });
          out.line(`${spec}: stored ${m.format} MLP, exact counts per sample`);
          const t = m.totals;
          out.line(table([['', 'layers', 'MACs/sample', 'weights', 'nonzeros', 'biases', 'bytes'], ['MLP', String(t.layers), int(t.macs), int(t.weights), int(t.nonzeros), int(t.biases), bytes(t.bytes)]]));
          if (o.layers) {
            out.line();
            out.line(mlpLayerTable(mlp));
          }
        } finally {
          mlp.dispose();
        }
        return;
      }
      const { model, label } = await modelOrSeed(spec, o);
      const cnn = cnnCounts(model);
      const full = stats(model);
      out.result({ model: label, cnn, stats: full });
      out.line(`${label}: exact counts per sample (MACs count every kernel tap, padding included; nonzeros are structural)`);
      out.line(statsTable(full));
      if (o.layers) {
        out.line();
        out.line(cnnLayerTable(model, full, true));
      }
    });
}
