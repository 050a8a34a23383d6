/**
 * `cnn2mlp inspect <model>`: the model as its file declares it — input and output names and shapes,
 * layout, opset (ONNX), and per layer: kernel, stride, padding, dilation, groups, activation (fused
 * ones included), output shape in the model's own layout. A .mlp shows its layers as stored.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import type { CnnStats } from './api.js';
import { stats } from '../convert/stats.js';
import { loadMlp } from '../mlp/file.js';
import { onnx } from '../formats/onnx-proto.js';
import { modelKind, modelOrSeed, type ModelOverrides } from './models.js';
import { Output, int, bytes, table } from './output.js';
import type { Activation, CnnModel, Layer, Layout } from '../model/types.js';
import type { Mlp } from '../mlp/mlp.js';
import { layoutShape, planModel } from '../model/plan.js';

export interface Io {
  name: string;
  shape: Array<number | string>;
}

/** What the file itself says about its inputs and outputs (names, declared shapes, opset). */
export function declaredIo(file: string): { inputs: Io[]; outputs: Io[]; opset?: number; producer?: string } | undefined {
  const { kind, path: p } = modelKind(file);
  if (kind === 'onnx') {
    const m = onnx.ModelProto.decode(readFileSync(p));
    const g = m.graph;
    const inits = new Set((g?.initializer ?? []).map((t) => t.name));
    const io = (v: { name?: string | null; type?: { tensorType?: { shape?: { dim?: Array<{ dimValue?: unknown; dimParam?: string | null }> | null } | null } | null } | null }): Io => ({
      name: v.name ?? '',
      shape: (v.type?.tensorType?.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue ?? 0))),
    });
    const opset = (m.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx')?.version;
    return {
      inputs: (g?.input ?? []).filter((v) => !inits.has(v.name ?? '')).map(io),
      outputs: (g?.output ?? []).map(io),
      ...(opset !== undefined && opset !== null ? { opset: Number(opset) } : {}),
      ...(m.producerName ? { producer: `${m.producerName} ${m.producerVersion ?? ''}`.trim() } : {}),
    };
  }
  if (kind === 'tfjs') {
    const j = JSON.parse(readFileSync(p, 'utf8')) as { modelTopology?: any; generatedBy?: string };
    const cfg = (j.modelTopology?.model_config ?? j.modelTopology)?.config;
    const layers: any[] = Array.isArray(cfg) ? cfg : (cfg?.layers ?? []);
    const first = layers[0]?.config;
    const shape = (first?.batch_input_shape ?? first?.batchInputShape ?? []).map((d: number | null) => (d === null ? 'N' : d));
    const last = layers[layers.length - 1]?.config;
    return { inputs: [{ name: first?.name ?? 'input', shape }], outputs: [{ name: last?.name ?? 'output', shape: [] }], ...(j.generatedBy ? { producer: j.generatedBy } : {}) };
  }
  return undefined;
}

function act(a: Activation | undefined): string {
  if (a === undefined) return 'linear';
  if (typeof a === 'string') return a;
  const p = a.type === 'leakyRelu' || a.type === 'elu' ? `(${a.alpha ?? ''})` : a.type === 'clip' ? `(${a.min ?? ''}, ${a.max ?? ''})` : '';
  return a.type + p;
}

function pair(p: [number, number] | undefined, def = '1'): string {
  return p ? (p[0] === p[1] ? String(p[0]) : `${p[0]}×${p[1]}`) : def;
}

function pad(p: Layer & { padding?: unknown }): string {
  const v = p.padding;
  if (v === undefined) return 'valid';
  return Array.isArray(v) ? `[${v.join(', ')}]` : String(v);
}

/** Kernel, stride, padding, dilation, groups and activation of a layer, as its file declares them. */
function layerParams(l: Layer): { kernel: string; stride: string; padding: string; extra: string; activation: string } {
  const none = { kernel: '', stride: '', padding: '', extra: '', activation: '' };
  switch (l.type) {
    case 'conv2d':
      return {
        kernel: `${l.kernelSize[0]}×${l.kernelSize[1]}×${l.filters}`,
        stride: pair(l.strides),
        padding: pad(l),
        extra: [l.dilation && (l.dilation[0] > 1 || l.dilation[1] > 1) ? `dilation ${pair(l.dilation)}` : '', l.groups && l.groups > 1 ? `groups ${l.groups}` : ''].filter(Boolean).join(', '),
        activation: act(l.activation),
      };
    case 'dense':
      return { ...none, kernel: `${l.units} units`, activation: act(l.activation) };
    case 'maxPool2d':
    case 'avgPool2d':
      return { ...none, kernel: `${l.poolSize[0]}×${l.poolSize[1]}`, stride: pair(l.strides, pair(l.poolSize)), padding: pad(l), extra: l.ceilMode ? 'ceil' : '' };
    case 'zeroPad2d':
      return { ...none, padding: `[${l.padding.join(', ')}]` };
    case 'activation':
      return { ...none, activation: act(l.activation) };
    default:
      return none;
  }
}

/** A layer's output shape in the model's own layout; vectors (after flatten or dense) as one number. */
function shapeOf(s: CnnStats['layers'][number], layout: Layout, vector: boolean): string {
  const [h, w, c] = s.outShape;
  if (vector) return String(h * w * c);
  return (layout === 'NHWC' ? [h, w, c] : [c, h, w]).join(' × ');
}

/**
 * The per-layer table of a CNN, every layer its file declares (a separate activation node too),
 * with the shape header labelled for its layout. `counts` adds MACs without padding, weights and
 * biases apart (stats --layers).
 */
export function cnnLayerTable(model: CnnModel, s: CnnStats, counts = false): string {
  const byIndex = new Map(s.layers.map((ls) => [ls.index, ls]));
  let vector = model.inputShape.length === 1;
  let shape = '';
  const rows = model.layers.map((l, index) => {
    const ls = byIndex.get(index);
    if (l.type === 'flatten' || l.type === 'dense' || l.type === 'globalAvgPool2d' || l.type === 'globalMaxPool2d') vector = true;
    if (ls) shape = shapeOf(ls, model.layout, vector);
    const p = layerParams(l);
    const name = ls?.name || `layer ${index} (${l.type}${l.name ? ` '${l.name}'` : ''})`;
    const n = (v: number | undefined) => (ls ? int(v ?? 0) : '0');
    const tail = counts ? [n(ls?.macs), n(ls?.macsWithoutPadding), n(ls?.weights), n(ls?.biases)] : [n(ls?.macs), n(ls ? ls.weights + ls.biases : 0)];
    return [name, l.type, p.kernel, p.stride, p.padding, p.extra, p.activation, shape, ...tail];
  });
  const label = model.layout === 'NHWC' ? 'output (h, w, c)' : 'output (c, h, w)';
  const head = counts ? ['MACs', 'MACs w/o padding', 'weights', 'biases'] : ['MACs', 'params'];
  return table([['layer', 'type', 'kernel', 'stride', 'padding', 'other', 'activation', label, ...head], ...rows]);
}

/** The layers of an MLP as stored. */
export function mlpLayerTable(mlp: Mlp): string {
  return table([
    ['layer', 'format', 'rows × cols', 'nonzeros', 'activation', 'bytes'],
    ...mlp.layers.map((l, i) => [String(i), l.precision === 'bf16' ? `${l.format} bf16` : l.format, `${int(l.rows)} × ${int(l.cols)}`, int(l.nnz), l.activation + (l.activation === 'leakyRelu' ? `(${l.alpha})` : ''), bytes(l.bytes)]),
  ]);
}

function ioLine(what: string, io: Io[]): string {
  return `${what}: ${io.map((x) => `${x.name} [${x.shape.join(', ')}]`).join(', ')}`;
}

export function inspectCommand(): Command {
  return new Command('inspect')
    .description('show a model as its file declares it: inputs, outputs, layout, opset, and every layer with its parameters')
    .argument('<model>', "ONNX (.onnx), TF.js (model.json), TF checkpoint prefix, a .mlp, or 'seed'")
    .option('--input-shape <shape>', "override one sample's input shape, e.g. 28,28,1")
    .option('--strides <list>', 'override conv strides: one value for all conv layers or one per conv layer')
    .option('--arch <file>', 'JSON network description for a weights-only TF checkpoint')
    .addOption(new Option('--json', 'print the result as JSON on stdout'))
    .action(async (spec: string, o: ModelOverrides & { json?: boolean }) => {
      const out = new Output(o);
      if (spec !== 'seed' && modelKind(spec).kind === 'mlp') {
        const mlp = await loadMlp(spec);
        try {
          const m = mlp.metadata;
          out.result({ model: spec, kind: 'mlp', layout: m.layout, inputShape: m.inputShape, outputShape: m.outputShape, inputSize: mlp.inputSize, outputSize: mlp.outputSize, bytes: mlp.bytes, layers: mlp.layers, source: m.source ?? null });
          out.line(`${spec}: cnn2mlp MLP, ${mlp.layers.length} layers, ${bytes(mlp.bytes)}`);
          out.line(`input: [N, ${m.inputShape.join(', ')}] (${m.layout}), ${int(mlp.inputSize)} values; output: [N, ${m.outputShape.join(', ')}]`);
          out.line(mlpLayerTable(mlp));
        } finally {
          mlp.dispose();
        }
        return;
      }
      const { model, label } = await modelOrSeed(spec, o);
      const s = stats(model);
      const io = spec === 'seed' ? undefined : declaredIo(spec);
      // TF.js files do not state the output shape: the plan gives it, in the model's layout
      for (const x of io?.outputs ?? []) if (x.shape.length === 0) x.shape = ['N', ...layoutShape(planModel(model).outputShape, model.layout)];
      out.result({ model: label, kind: spec === 'seed' ? 'seed' : modelKind(spec).kind, layout: model.layout, inputShape: model.inputShape, ...(io ?? {}), layers: s.layers.map((ls) => ({ ...ls, ...(model.layers[ls.index] ? layerParams(model.layers[ls.index]) : {}) })) });
      out.line(`${label}: ${spec === 'seed' ? 'seed network' : modelKind(spec).kind}, layout ${model.layout} (one sample: [${model.inputShape.join(', ')}])${io?.opset !== undefined ? `, opset ${io.opset}` : ''}${io?.producer ? `, produced by ${io.producer}` : ''}`);
      if (io) {
        out.line(ioLine('inputs', io.inputs));
        out.line(ioLine('outputs', io.outputs));
      }
      out.line(cnnLayerTable(model, s));
    });
}
