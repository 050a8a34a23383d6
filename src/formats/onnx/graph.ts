/**
 * The graph walk: ONNX ModelProto → CnnModel. Nodes are visited in topological order (Kahn, stable);
 * only nodes that the graph output depends on are visited. A node whose operands are all constant is
 * folded; Shape of data yields a constant whose batch entry is marked; every other node goes to its
 * op mapper, which emits layers reading the CnnModel tensors of its data operands.
 */
import type { CnnModel } from '../../model/types.js';
import { DTYPE_NAMES, toNum, type OnnxNs } from '../onnx-proto.js';
import { LayerBuilder, type Value } from './builder.js';
import { constValue, OpCtx } from './context.js';
import { fold, FOLDABLE } from './fold.js';
import { ONNX_MAX_OPSET, ONNX_MIN_OPSET } from './opset.js';
import { WEIGHTED_OPS } from './ops-weighted.js';
import { TENSOR_OPS } from './ops-tensor.js';
import { VIEW_OPS } from './ops-view.js';
import { Attrs, bad, decodeTensor, MAX_DIM, nodeLabel, unsupported, type Ctx, type NodeProto, type Tensor, type TensorProto } from './tensor.js';

const MAPPERS: Record<string, (c: OpCtx) => Value> = { ...WEIGHTED_OPS, ...TENSOR_OPS, ...VIEW_OPS };

/** Ops loadOnnx maps to layers or drops, on data (also listed in its ERR_UNSUPPORTED message). */
export const ONNX_SUPPORTED_OPS: readonly string[] = [...Object.keys(MAPPERS), 'Constant', 'Shape'].sort();
/** Ops evaluated at load time when all their operands are constants (shape arithmetic, weight maths). */
export const ONNX_FOLDED_OPS: readonly string[] = [...FOLDABLE].sort();

function opsetOf(model: OnnxNs.IModelProto): number {
  const entries = model.opsetImport ?? [];
  if (entries.length === 0) throw bad('the model has no opset_import; cannot tell which operator versions it uses');
  const main = entries.find((e) => !e.domain || e.domain === 'ai.onnx');
  if (!main) throw unsupported(`the model imports only custom operator domains (${entries.map((e) => e.domain).join(', ')})`);
  const v = toNum(main.version);
  if (!(v >= ONNX_MIN_OPSET && v <= ONNX_MAX_OPSET)) throw unsupported(`opset ${v} is not supported; cnn2mlp reads opsets ${ONNX_MIN_OPSET} to ${ONNX_MAX_OPSET}`);
  return v;
}

/** A Constant node's tensor, from whichever attribute carries it. */
function constantNode(n: NodeProto, where: string): TensorProto {
  const a = new Attrs(n, where);
  const name = n.output?.[0] ?? '';
  const t = a.tensor('value');
  if (t) return { ...t, name };
  if (a.has('value_float')) return { name, dims: [], dataType: 1, floatData: [a.float('value_float', 0)] };
  if (a.has('value_floats')) {
    const v = a.floats('value_floats') ?? [];
    return { name, dims: [v.length], dataType: 1, floatData: v };
  }
  if (a.has('value_int')) return { name, dims: [], dataType: 7, int64Data: [a.int('value_int', 0)] };
  if (a.has('value_ints')) {
    const v = a.ints('value_ints') ?? [];
    return { name, dims: [v.length], dataType: 7, int64Data: v };
  }
  throw unsupported(`${where}: a Constant without a numeric value (sparse or string constants)`);
}

interface Input {
  name: string;
  dims: number[];
}

function dataInput(graph: OnnxNs.IGraphProto, isConst: (n: string) => boolean): Input {
  const inputs = (graph.input ?? []).filter((v) => !isConst(v.name ?? ''));
  if (inputs.length !== 1) throw unsupported(`the graph must have exactly one data input; it has ${inputs.length} (${inputs.map((v) => `'${v.name}'`).join(', ')})`);
  const input = inputs[0];
  const tt = input.type?.tensorType;
  if (!tt) throw unsupported(`graph input '${input.name}' is not a tensor`);
  if (tt.elemType !== 1) throw unsupported(`graph input '${input.name}' has element type ${DTYPE_NAMES[tt.elemType ?? 0] ?? tt.elemType}; only FLOAT is supported`);
  const dims = (tt.shape?.dim ?? []).slice(1).map((d, k) => {
    const v = d.dimValue === undefined || d.dimValue === null ? NaN : toNum(d.dimValue);
    if (d.dimParam || !(Number.isInteger(v) && v > 0 && v <= MAX_DIM))
      throw (d.dimParam ? unsupported : bad)(`graph input '${input.name}' dimension ${k + 1} is ${d.dimParam ? `symbolic '${d.dimParam}'` : v}; cnn2mlp needs fixed positive sizes (up to ${MAX_DIM}) for all but the batch axis`);
    return v;
  });
  if (dims.length > 3) throw unsupported(`graph input '${input.name}' has rank ${dims.length + 1}; supported: [N, C, H, W], [N, C, L], [N, features] or [N]`);
  return { name: input.name ?? '', dims };
}

/** Nodes in a topological order that keeps the file's order where it can, restricted to those the output needs. */
function schedule(nodes: NodeProto[], output: string): number[] {
  const producer = new Map<string, number>();
  nodes.forEach((n, k) => (n.output ?? []).forEach((o) => o && producer.set(o, k)));
  const live = new Set<number>();
  const stack = [output];
  while (stack.length) {
    const k = producer.get(stack.pop()!);
    if (k === undefined || live.has(k)) continue;
    live.add(k);
    for (const i of nodes[k].input ?? []) if (i) stack.push(i);
  }
  const deps = nodes.map((n) => new Set((n.input ?? []).flatMap((i) => (producer.has(i) ? [producer.get(i)!] : []))));
  // a cycle makes the file invalid even where the output does not depend on it
  const indeg = deps.map((d) => d.size);
  const readers = nodes.map(() => [] as number[]);
  deps.forEach((d, k) => d.forEach((j) => readers[j].push(k)));
  const ready = indeg.flatMap((d, k) => (d === 0 ? [k] : []));
  for (let seen = 0; ready.length; seen++) for (const r of readers[ready.pop()!]) if (--indeg[r] === 0) ready.push(r);
  const cyclic = indeg.flatMap((d, k) => (d > 0 ? [nodeLabel(nodes[k], k)] : []));
  if (cyclic.length) throw bad(`the graph has a cycle through ${cyclic.join(', ')}; ONNX graphs are acyclic`);
  const order: number[] = [];
  const done = new Set<number>();
  let progress = true;
  while (progress) {
    progress = false;
    for (const k of [...live].sort((a, b) => a - b)) {
      if (done.has(k) || [...deps[k]].some((d) => !done.has(d))) continue;
      done.add(k);
      order.push(k);
      progress = true;
    }
  }
  if (order.length < live.size) {
    const cyc = [...live].filter((k) => !done.has(k)).map((k) => nodeLabel(nodes[k], k));
    throw bad(`the graph has a cycle through ${cyc.join(', ')}; ONNX graphs are acyclic`);
  }
  return order;
}

function visit(node: NodeProto, where: string, opset: number, ins: (Value | undefined)[], b: LayerBuilder): Value[] {
  if (node.domain && node.domain !== 'ai.onnx') throw unsupported(`${where} is in custom domain '${node.domain}'`);
  const op = node.opType ?? '';
  const allConst = ins.every((v) => v === undefined || v.kind === 'const');
  const a = new Attrs(node, where);
  if (op === 'Shape' && ins[0]?.kind === 'data') {
    const d = ins[0];
    const full = [NaN, ...d.dims];
    const shape = d.perm ? d.perm.map((p) => full[p]) : full;
    const r = shape.length;
    const clamp = (v: number) => Math.max(0, Math.min(r, v < 0 ? v + r : v));
    const s = clamp(a.int('start', 0));
    const e = clamp(a.has('end') ? a.int('end', r) : r);
    const data = shape.slice(s, e);
    return [constValue({ name: node.output?.[0] ?? '', dims: [data.length], data, batch: data.map((v) => Number.isNaN(v)) })];
  }
  if (allConst && FOLDABLE.has(op)) return fold(node, opset, a, ins.map((v) => (v as { t: Tensor } | undefined)?.t), where).map(constValue);
  const mapper = MAPPERS[op];
  if (!mapper && FOLDABLE.has(op))
    throw unsupported(`${where}: '${op}' on data; cnn2mlp evaluates it only on constants (folded at load) and has no layer for it. On data: ${ONNX_SUPPORTED_OPS.join(', ')}`);
  if (!mapper) throw unsupported(`${where}: operator '${op}' is not supported; it would need a new layer kind. Supported on data: ${ONNX_SUPPORTED_OPS.join(', ')}`);
  return [mapper(new OpCtx(node, where, opset, ins, b))];
}

/** Builds the CnnModel's layers from the graph; `finish` (optimize.ts) tidies them. */
export function walkGraph(model: OnnxNs.IModelProto, ctx: Ctx): CnnModel {
  const graph = model.graph;
  if (!graph) throw bad('the model has no graph');
  const opset = opsetOf(model);
  const nodes = graph.node ?? [];
  const protos = new Map<string, TensorProto>();
  for (const t of graph.initializer ?? []) protos.set(t.name ?? '', t);
  nodes.forEach((n, i) => {
    if (n.opType === 'Constant' && (!n.domain || n.domain === 'ai.onnx')) protos.set(n.output?.[0] ?? '', constantNode(n, nodeLabel(n, i)));
  });
  const input = dataInput(graph, (n) => protos.has(n));
  const outputs = graph.output ?? [];
  if (outputs.length !== 1) throw unsupported(`the graph must have exactly one output; it declares ${outputs.map((o) => `'${o.name}'`).join(', ') || 'none'}`);
  const outName = outputs[0].name ?? '';

  const values = new Map<string, Value>();
  // a rank-1 input [N] is one value per sample: the vector [1]
  values.set(input.name, { kind: 'data', ref: input.name, dims: input.dims, vector: input.dims.length <= 1 });
  const valueOf = (name: string, where: string): Value | undefined => {
    if (name === '') return undefined;
    const hit = values.get(name);
    if (hit) return hit;
    const p = protos.get(name);
    if (!p) throw bad(`${where} reads '${name}', which no node, initializer or input defines`);
    const v = constValue(decodeTensor(p, ctx, 'initializer'));
    values.set(name, v);
    return v;
  };
  const b = new LayerBuilder(input.name);
  for (const k of schedule(nodes, outName)) {
    const node = nodes[k];
    if (node.opType === 'Constant' && (!node.domain || node.domain === 'ai.onnx')) continue;
    const where = nodeLabel(node, k);
    const ins = (node.input ?? []).map((n) => valueOf(n, where));
    const outs = visit(node, where, opset, ins, b);
    outs.forEach((v, j) => node.output?.[j] && values.set(node.output[j], v));
  }
  const result = valueOf(outName, 'the graph output');
  if (!result || result.kind !== 'data') throw unsupported(`the graph output '${outName}' is a constant; the model computes nothing from its input`);
  if (result.perm) throw unsupported(`the graph output '${outName}' is transposed by perm [${result.perm.join(', ')}]; cnn2mlp returns tensors in the input's layout`);
  if (result.ref === input.name) throw unsupported(`the graph output '${outName}' is its input; the model computes nothing`);
  return {
    name: graph.name || undefined,
    layout: 'NCHW',
    inputShape: input.dims.length === 0 ? [1] : input.dims,
    ...(input.dims.length === 2 ? { spatialRank: 1 as const } : {}),
    inputName: input.name,
    output: result.ref,
    layers: b.layers,
  };
}
