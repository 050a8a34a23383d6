/**
 * TF.js graph models (format "graph-model", written by tensorflowjs_converter): modelTopology is a
 * TensorFlow GraphDef as protobuf JSON whose Const nodes keep their values in the weights. Nodes are
 * visited in dependency order from the one Placeholder to the signature's output; constants and the
 * shape arithmetic Keras writes for Flatten (Shape → StridedSlice → Pack → Reshape, with the batch
 * size marked as unknown) fold at load; every other node maps to CnnModel layers (graph-ops.ts).
 */
import { describe } from '../../errors.js';
import type { CnnModel, Layer } from '../../model/types.js';
import { GRAPH_OPS, type GConst, type GCtx, type GData, type GValue } from './graph-ops.js';
import { attrNum, type GNode } from './graph-node.js';
import { bad, isObj, unsupported, type Json, type Weight } from './weights.js';

/** TensorFlow ops loadTfjs maps in graph models (besides Const, Placeholder, Identity, NoOp and folded shape ops). */
export const TFJS_GRAPH_OPS: readonly string[] = Object.keys(GRAPH_OPS).sort();

const PASS = new Set(['Identity', 'StopGradient', 'Snapshot']);
const FOLD = new Set(['Shape', 'StridedSlice', 'Pack', 'Cast', 'ConcatV2', 'Identity']);

const nodeName = (input: string) => input.replace(/^\^/, '').replace(/:\d+$/, '');
const outputIndex = (input: string) => (/:(\d+)$/.exec(input) ? Number(/:(\d+)$/.exec(input)![1]) : 0);

function parseNodes(topology: Json): GNode[] {
  const list = topology.node;
  if (!Array.isArray(list)) throw bad(`graph-model modelTopology has no node list`);
  return list.map((n: unknown, k: number) => {
    if (!isObj(n) || typeof n.name !== 'string' || typeof n.op !== 'string') throw bad(`node ${k} needs a name and an op`);
    const input = Array.isArray(n.input) ? n.input.map(String) : [];
    return { name: n.name, op: n.op, input, attr: isObj(n.attr) ? n.attr : {} };
  });
}

/** Folds shape arithmetic on constants (1-D int vectors). */
function fold(n: GNode, ins: GConst[]): GConst {
  const vals = (c: GConst) => Array.from(c.data);
  switch (n.op) {
    case 'Identity':
    case 'Cast':
      return ins[0];
    case 'Pack': {
      if (ins.some((c) => c.shape.length !== 0)) throw unsupported(`node '${n.name}' (Pack) of non-scalars`);
      return { kind: 'const', shape: [ins.length], data: Float32Array.from(ins.map((c) => c.data[0])), batch: ins.map((c) => c.batch?.[0] === true) };
    }
    case 'ConcatV2': {
      const parts = ins.slice(0, -1);
      if (parts.some((c) => c.shape.length !== 1)) throw unsupported(`node '${n.name}' (ConcatV2) of constants that are not vectors`);
      return { kind: 'const', shape: [parts.reduce((s, c) => s + c.shape[0], 0)], data: Float32Array.from(parts.flatMap(vals)), batch: parts.flatMap((c) => c.shape.length ? Array.from(c.data, (_, k) => c.batch?.[k] === true) : []) };
    }
    case 'StridedSlice': {
      const [x, b, e, s] = ins;
      if (x.shape.length !== 1 || attrNum(n, 'ellipsis_mask', 0) || attrNum(n, 'new_axis_mask', 0)) throw unsupported(`node '${n.name}' (StridedSlice) beyond a 1-D slice`);
      const len = x.shape[0];
      const step = s.data[0];
      const norm = (v: number) => (v < 0 ? v + len : v);
      let start = attrNum(n, 'begin_mask', 0) & 1 ? (step > 0 ? 0 : len - 1) : norm(b.data[0]);
      let end = attrNum(n, 'end_mask', 0) & 1 ? (step > 0 ? len : -1) : norm(e.data[0]);
      start = Math.max(0, Math.min(len, start));
      end = Math.max(-1, Math.min(len, end));
      const idx: number[] = [];
      for (let k = start; step > 0 ? k < end : k > end; k += step) idx.push(k);
      if (attrNum(n, 'shrink_axis_mask', 0) & 1) return { kind: 'const', shape: [], data: Float32Array.of(x.data[start]), batch: [x.batch?.[start] === true] };
      return { kind: 'const', shape: [idx.length], data: Float32Array.from(idx.map((k) => x.data[k])), batch: idx.map((k) => x.batch?.[k] === true) };
    }
    default:
      throw unsupported(`node '${n.name}': cannot fold ${n.op}`);
  }
}

/** Dependency order of the nodes the output needs (depth-first with an explicit stack: graphs may be 10k nodes deep). */
function schedule(nodes: Map<string, GNode>, output: string): GNode[] {
  const order: GNode[] = [];
  const state = new Map<string, 1 | 2>();
  const enter = (name: string, stack: [GNode, number][]) => {
    const s = state.get(name);
    if (s === 2) return;
    if (s === 1) throw bad(`the graph has a cycle through node '${name}'`);
    const n = nodes.get(name);
    if (!n) throw bad(`an input names node '${name}', which the graph does not have`);
    state.set(name, 1);
    stack.push([n, 0]);
  };
  const stack: [GNode, number][] = [];
  enter(output, stack);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [n, k] = top;
    if (k < n.input.length) {
      top[1]++;
      if (!n.input[k].startsWith('^')) enter(nodeName(n.input[k]), stack);
      continue;
    }
    stack.pop();
    state.set(n.name, 2);
    order.push(n);
  }
  return order;
}

function outputOf(signature: unknown, nodes: GNode[]): string {
  if (isObj(signature) && isObj(signature.outputs)) {
    const outs = Object.values(signature.outputs);
    if (outs.length !== 1) throw unsupported(`the signature has ${outs.length} outputs; cnn2mlp models have one`);
    const o = outs[0];
    if (isObj(o) && typeof o.name === 'string') return nodeName(o.name);
  }
  // without a signature: the one node nothing reads
  const read = new Set(nodes.flatMap((n) => n.input.map(nodeName)));
  const sinks = nodes.filter((n) => !read.has(n.name) && n.op !== 'NoOp' && n.op !== 'Const');
  if (sinks.length !== 1) throw unsupported(`the graph has ${sinks.length} unread nodes (${sinks.slice(0, 4).map((n) => n.name).join(', ')}) and no signature naming the output`);
  return sinks[0].name;
}

export function graphModel(topology: Json, weights: Map<string, Weight>, signature: unknown): CnnModel {
  const list = parseNodes(topology);
  const nodes = new Map(list.map((n) => [n.name, n]));
  const output = outputOf(signature, list);
  const values = new Map<string, GValue>();
  const layers: Layer[] = [];
  const names = new Set<string>();
  let input: GData | undefined;
  for (const n of schedule(nodes, output)) {
    const where = `node '${n.name}' (${n.op})`;
    if (n.op === 'Const') {
      const w = weights.get(n.name);
      if (!w) throw bad(`${where}: its value is missing from weightsManifest`);
      values.set(n.name, { kind: 'const', shape: w.shape, data: w.data });
      continue;
    }
    if (n.op === 'Placeholder') {
      if (input) throw unsupported(`${where}: a second graph input; cnn2mlp models have one`);
      const dims = (() => {
        const sh = isObj(n.attr.shape) && isObj(n.attr.shape.shape) ? n.attr.shape.shape.dim : undefined;
        return Array.isArray(sh) ? sh.map((d) => Number(isObj(d) ? d.size : NaN)) : [];
      })();
      const shape = dims.slice(1);
      if (dims.length < 2 || dims.length > 4 || !shape.every((d) => Number.isInteger(d) && d > 0))
        throw unsupported(`${where}: input shape [${dims.join(', ')}]; cnn2mlp needs [N, H, W, C], [N, L, C] or [N, features] with fixed sizes after the batch`);
      input = { kind: 'data', ref: n.name, shape };
      names.add(n.name);
      values.set(n.name, input);
      continue;
    }
    const ins = n.input.filter((i) => !i.startsWith('^')).map((i) => {
      const v = values.get(nodeName(i));
      if (!v) throw bad(`${where} reads '${i}', which is not computed before it`);
      if (outputIndex(i) !== 0) throw unsupported(`${where} reads output ${outputIndex(i)} of '${nodeName(i)}'`);
      return v;
    });
    if (!ins.length) throw bad(`${where} reads no input`);
    if (PASS.has(n.op)) {
      values.set(n.name, ins[0]);
      continue;
    }
    if (n.op === 'Shape' && ins[0]?.kind === 'data') {
      const s = ins[0].shape;
      values.set(n.name, { kind: 'const', shape: [s.length + 1], data: Float32Array.from([NaN, ...s]), batch: [true, ...s.map(() => false)] });
      continue;
    }
    if (FOLD.has(n.op) && ins.every((v) => v.kind === 'const')) {
      values.set(n.name, fold(n, ins as GConst[]));
      continue;
    }
    const map = GRAPH_OPS[n.op];
    if (!map) throw unsupported(`${where}: op '${n.op}' is not supported; it would need a new layer kind. Supported: ${TFJS_GRAPH_OPS.join(', ')}`);
    const c: GCtx = {
      node: n,
      where,
      ins,
      emit: (spec, from, shape, suffix = '') => {
        let name = `${n.name}${suffix}`;
        for (let k = 1; names.has(name); k++) name = `${n.name}${suffix}_${k}`;
        names.add(name);
        layers.push({ ...spec, name, inputs: from.map((d) => d.ref) } as Layer);
        return { kind: 'data', ref: name, shape };
      },
    };
    values.set(n.name, map(c));
  }
  if (!input) throw unsupported('the graph has no Placeholder input');
  const result = values.get(output);
  if (!result || result.kind !== 'data' || result.ref === input.ref) throw unsupported(`the output '${output}' is not computed from the input (${describe(result?.kind)})`);
  return {
    layout: 'NHWC',
    inputShape: input.shape,
    ...(input.shape.length === 2 ? { spatialRank: 1 as const } : {}),
    inputName: input.ref,
    output: result.ref,
    layers,
  };
}
