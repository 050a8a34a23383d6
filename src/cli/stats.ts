/** `cnn2mlp stats <model>`: the exact complexity of a CNN and of the MLPs it converts to. */
import { Command, Option } from 'commander';
import { has, api } from './api.js';
import { cnnCounts } from './counts.js';
import { loadCnn, type ModelOverrides } from './models.js';
import { Output, int, bytes, table, toJson } from './output.js';
import type { CnnModel } from '../model/types.js';
import { Cnn2MlpError } from '../errors.js';

interface StatsOptions extends ModelOverrides {
  json?: boolean;
}

/** `seed` (optionally with --strides 3) names the seed study's network; anything else is a model file. */
export async function modelOrSeed(spec: string, o: ModelOverrides): Promise<{ model: CnnModel; label: string }> {
  if (spec === 'seed') {
    const stride = o.strides === undefined ? 2 : Number(o.strides);
    if (!Number.isInteger(stride) || stride < 1) {
      throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected one positive integer for --strides of the seed network but received '${o.strides}'`);
    }
    return { model: await (await api('seedNetwork'))({ stride }), label: `seed network, stride ${stride}` };
  }
  return { model: await loadCnn(spec, o), label: spec };
}

/** Renders the result of stats() whatever its exact shape: nested count objects become a table. */
export function renderStats(s: unknown): string {
  if (s && typeof s === 'object' && typeof (s as { toString?: unknown }).toString === 'function') {
    const text = String(s);
    if (text !== '[object Object]') return text;
  }
  if (s && typeof s === 'object' && !Array.isArray(s)) {
    const entries = Object.entries(s as Record<string, unknown>);
    const nested = entries.filter(([, v]) => v && typeof v === 'object' && !Array.isArray(v));
    const numericKeys = [...new Set(nested.flatMap(([, v]) => Object.entries(v as object).filter(([, x]) => typeof x === 'number' || typeof x === 'bigint').map(([k]) => k)))];
    if (nested.length > 0 && numericKeys.length > 0) {
      const rows = [['', ...numericKeys]];
      for (const [name, v] of nested) {
        rows.push([name, ...numericKeys.map((k) => {
          const x = (v as Record<string, unknown>)[k];
          return typeof x === 'number' || typeof x === 'bigint' ? int(x) : '';
        })]);
      }
      const scalars = entries.filter(([, v]) => typeof v !== 'object' || v === null).map(([k, v]) => `${k}: ${typeof v === 'number' ? int(v) : String(v)}`);
      return [table(rows), ...scalars].join('\n');
    }
  }
  return toJson(s, 2);
}

export function statsCommand(): Command {
  return new Command('stats')
    .description("exact complexity of a CNN and its MLP forms: MACs, weights, nonzeros, bytes ('seed' names the seed study's network)")
    .argument('<model>', "ONNX (.onnx), TF.js (model.json), TF checkpoint prefix, or 'seed'")
    .option('--input-shape <shape>', 'override one sample\'s input shape, e.g. 28,28,1')
    .option('--strides <list>', 'override conv strides: one value for all conv layers or one per conv layer')
    .option('--arch <file>', 'JSON network description for a weights-only TF checkpoint')
    .addOption(new Option('--json', 'print the result as JSON on stdout'))
    .action(async (spec: string, o: StatsOptions) => {
      const out = new Output(o);
      const { model, label } = await modelOrSeed(spec, o);
      const cnn = cnnCounts(model);
      const full = (await has('stats')) ? await (await api('stats'))(model) : undefined;
      out.result({ model: label, cnn, stats: full ?? null });
      out.line(`${label}`);
      out.line(
        table([
          ['CNN (direct)', 'MACs', 'weights', 'nonzeros', 'bytes'],
          ['per sample', int(cnn.macs), int(cnn.weights), int(cnn.nonzeros), bytes(cnn.bytes)],
        ]),
      );
      if (full !== undefined) {
        out.line();
        out.line(renderStats(full));
      } else {
        out.line('(MLP counts: stats() is not in this build yet)');
      }
    });
}
