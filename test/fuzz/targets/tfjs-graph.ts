/**
 * loadTfjs on the real functional, quantized and graph-model fixtures with structured edits: lying
 * shard sizes, overflowing quantization parameters, uint16 declared over uint8 data, dangling,
 * cyclic and duplicate names, layer widths that break Add/Concatenate, graph models with weights
 * missing from the manifest, 10k-node chains and fan-outs, plus generic JSON mutations.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import * as api from '../../../src/index.js';
import { exercise } from './model.js';
import { jsonMutation, mutateJson, type JsonMutation } from './mutate.js';
import type { FuzzTarget } from './target.js';

const FIXTURES = path.join(import.meta.dirname, '../../fixtures');
const SEEDS = [
  'tfjs/resnet/model.json',
  'tfjs/resnet/model-uint8.json',
  'tfjs/resnet/model-uint16.json',
  'tfjs/resnet/model-float16.json',
  'tfjs/separable/model.json',
  'tfjs/squeezenet/model.json',
  'tfjs-graph/cnn/model.json',
  'tfjs-graph/mobilenet/model.json',
];
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
interface Seed {
  json: Json;
  shards: Map<string, Uint8Array>;
}
const seeds: Seed[] = [];

export interface TfjsGraphCase {
  seed: number;
  edit: number; // 0 shard size, 1 quantization, 2 names/topology, 3 widths, 4 missing weight, 5 big graph, 6 json
  pick: number;
  other: number;
  delta: number;
  evil: unknown;
  size: number;
  json: JsonMutation[];
}

/** The layer (functional) or node (graph model) list of a model.json, with how each names its inputs. */
function entries(j: Json): { list: Json[]; inputsOf: (e: Json) => string[]; setInputs: (e: Json, v: string[]) => void } | undefined {
  const layers = j.modelTopology?.config?.layers ?? j.modelTopology?.model_config?.config?.layers;
  if (Array.isArray(layers)) {
    return {
      list: layers,
      inputsOf: (e) => (e.inbound_nodes?.[0] ?? []).map((r: unknown[]) => r[0] as string),
      setInputs: (e, v) => {
        e.inbound_nodes = [v.map((n) => [n, 0, 0, {}])];
      },
    };
  }
  const nodes = j.modelTopology?.node;
  if (Array.isArray(nodes)) return { list: nodes, inputsOf: (e) => e.input ?? [], setInputs: (e, v) => (e.input = v) };
  return undefined;
}

const EVIL_QUANT = [1e38, -1e38, 1e308, -1e308, 0, -1, null, 'NaN', 'Infinity', 2 ** 31, 1e-45];

function shardEdit(s: Seed, c: TfjsGraphCase): void {
  const [name, bytes] = [...s.shards][c.pick % s.shards.size];
  const deltas = [-1, -2, -4, 1, 4, -bytes.length, -(bytes.length >> 1), 1 << 20];
  const d = deltas[c.delta % deltas.length];
  if (d < 0) s.shards.set(name, bytes.subarray(0, bytes.length + d));
  else s.shards.set(name, Buffer.concat([bytes, new Uint8Array(d).fill(0x7f)]));
  // Sometimes the manifest also lies about a weight's shape so the declared total matches neither.
  if (c.other % 3 === 0) {
    const w = s.json.weightsManifest?.[0]?.weights?.[c.pick % s.json.weightsManifest[0].weights.length];
    if (w?.shape?.length) w.shape[0] = [0, 1e6, 2 ** 31, w.shape[0] * 2][c.other % 4];
  }
}

function quantEdit(s: Seed, c: TfjsGraphCase): void {
  const ws: Json[] = (s.json.weightsManifest ?? []).flatMap((g: Json) => g.weights ?? []);
  const w = ws[c.pick % Math.max(1, ws.length)];
  if (!w) return;
  const q = (w.quantization ??= { dtype: 'uint8', min: 0, scale: 1 });
  switch (c.other % 5) {
    case 0: q.scale = EVIL_QUANT[c.delta % EVIL_QUANT.length]; break;
    case 1: q.min = EVIL_QUANT[c.delta % EVIL_QUANT.length]; break;
    // uint16 declared over data sized for uint8 (or the reverse), float16 over anything
    case 2: q.dtype = q.dtype === 'uint16' ? 'uint8' : 'uint16'; break;
    case 3: q.dtype = ['float16', 'int8', 'float64', '', null][c.delta % 5]; break;
    default: delete q.scale;
  }
}

function topologyEdit(s: Seed, c: TfjsGraphCase): void {
  const e = entries(s.json);
  if (!e || e.list.length < 3) return;
  const i = 1 + (c.pick % (e.list.length - 1));
  const node = e.list[i];
  const ins = e.inputsOf(node);
  const later = e.list[i + ((c.other % (e.list.length - i)) | 0)];
  switch (c.delta % 5) {
    case 0: e.setInputs(node, [...ins.slice(1), 'no_such_tensor']); break; // dangling
    case 1: e.setInputs(node, [...ins, later.name]); break; // cycle (or self-loop)
    case 2: node.name = e.list[c.other % e.list.length].name; if (node.config) node.config.name = node.name; break; // duplicate
    case 3: e.setInputs(node, []); break;
    default: e.list.splice(i, 1); // removed: consumers now dangle
  }
}

/** Changes one layer's filters/units (functional) or one weight's shape (graph) so Add/Concat inputs disagree. */
function widthEdit(s: Seed, c: TfjsGraphCase): void {
  const layers: Json[] | undefined = s.json.modelTopology?.config?.layers;
  const widths = [1, 3, 7, 0, 1e6];
  if (layers) {
    const ws = layers.filter((l) => l.config?.filters !== undefined || l.config?.units !== undefined);
    const l = ws[c.pick % Math.max(1, ws.length)];
    if (l) l.config[l.config.filters !== undefined ? 'filters' : 'units'] = widths[c.delta % widths.length];
    return;
  }
  const ws: Json[] = (s.json.weightsManifest ?? []).flatMap((g: Json) => g.weights ?? []);
  const w = ws[c.pick % Math.max(1, ws.length)];
  if (w?.shape?.length) w.shape[w.shape.length - 1] = widths[c.delta % widths.length];
}

/** A graph model of `n` nodes after the input: a chain of Relu, or a fan-out of Relu joined by AddN. */
function bigGraph(n: number, wide: boolean): Json {
  const node: Json[] = [{ name: 'x', op: 'Placeholder', attr: { shape: { shape: { dim: [{ size: '-1' }, { size: '4' }, { size: '4' }, { size: '2' }] } }, dtype: { type: 'DT_FLOAT' } } }];
  for (let k = 0; k < n; k++) node.push({ name: `r${k}`, op: 'Relu', input: [wide || k === 0 ? 'x' : `r${k - 1}`], attr: { T: { type: 'DT_FLOAT' } } });
  const last = wide ? 'sum' : `r${n - 1}`;
  if (wide) node.push({ name: 'sum', op: 'AddN', input: node.slice(1).map((x) => x.name), attr: { N: { i: String(n) }, T: { type: 'DT_FLOAT' } } });
  node.push({ name: 'Identity', op: 'Identity', input: [last], attr: { T: { type: 'DT_FLOAT' } } });
  return {
    format: 'graph-model',
    modelTopology: { node, versions: { producer: 1 } },
    signature: { inputs: { 'x:0': { name: 'x:0' } }, outputs: { 'Identity:0': { name: 'Identity:0' } } },
    weightsManifest: [],
  };
}

export const tfjsGraphTarget: FuzzTarget<TfjsGraphCase> = {
  describe: 'loadTfjs on the functional/quantized/graph-model fixtures with lying shard sizes, NaN/Inf/1e38 quantization, uint16-over-uint8 data, dangling/cyclic/duplicate names, Add/Concat width mismatches, missing weights, 10k-node chains and fan-outs, and JSON mutations',
  async setup() {
    for (const rel of SEEDS) {
      const file = path.join(FIXTURES, rel);
      if (!fs.existsSync(file)) return `fixture ${rel} missing`;
      const json = JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
      const shards = new Map<string, Uint8Array>();
      for (const g of json.weightsManifest ?? []) for (const p of g.paths) shards.set(p, fs.readFileSync(path.join(path.dirname(file), p)));
      seeds.push({ json, shards });
      await exercise(api.loadTfjs(file));
    }
  },
  arb: fc.record({
    seed: fc.nat(),
    edit: fc.integer({ min: 0, max: 6 }),
    pick: fc.nat(),
    other: fc.nat(),
    delta: fc.nat(),
    evil: fc.constant(null),
    size: fc.constantFrom(10, 1000, 10_000),
    json: fc.array(jsonMutation, { minLength: 1, maxLength: 2 }),
  }),
  async run(c, dir, index) {
    const base = seeds[c.seed % seeds.length];
    const s: Seed = { json: structuredClone(base.json), shards: new Map(base.shards) };
    let json = s.json;
    if (c.edit === 0) shardEdit(s, c);
    else if (c.edit === 1) quantEdit(s, c);
    else if (c.edit === 2) topologyEdit(s, c);
    else if (c.edit === 3) widthEdit(s, c);
    else if (c.edit === 4) {
      // graph-model JSON whose manifest lacks a weight a node reads
      const g = s.json.weightsManifest?.[0];
      if (g?.weights?.length) g.weights.splice(c.pick % g.weights.length, 1);
    } else if (c.edit === 5) json = bigGraph(c.size, c.other % 2 === 1);
    else json = mutateJson(s.json, c.json) as Json;
    const d = path.join(dir, `tg${index}`);
    fs.mkdirSync(d);
    try {
      fs.writeFileSync(path.join(d, 'model.json'), JSON.stringify(json));
      for (const [name, bytes] of s.shards) if (typeof name === 'string' && !name.includes('/')) fs.writeFileSync(path.join(d, name), bytes);
      const model = api.loadTfjs(path.join(d, 'model.json'));
      await exercise(model);
      return model;
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  },
};
