/**
 * Reads the network of a TF1 checkpoint from its `.meta` MetaGraphDef: finds the first weighted op
 * (Conv2D/MatMul whose weights are a checkpoint variable), walks back to the input (through a
 * leading Reshape [-1, H, W, C] or a Placeholder's shape), then follows the dataflow forward while
 * each tensor has exactly one consumer outside `gradients/` — Conv2D, BiasAdd, Relu, MaxPool,
 * Reshape (flatten), MatMul, … — up to the logits (the tensor that feeds several heads: softmax,
 * argmax, loss). Weight inputs are traced through Identity / `read` / ReadVariableOp to the
 * VariableV2 / VarHandleOp node, whose name is the checkpoint key.
 */
import { Cnn2MlpError } from '../../errors.js';
import type { ActivationName, Padding } from '../../model/types.js';
import type { CheckpointArchitecture, CheckpointLayer } from '../checkpoint.js';
import { decodeMetaGraph, shapeDims, toNumber, type AttrValue, type NodeDef } from './proto.js';

const ACTIVATIONS: Record<string, ActivationName> = {
  Relu: 'relu',
  Relu6: 'relu6',
  Elu: 'elu',
  Selu: 'selu',
  Tanh: 'tanh',
  Sigmoid: 'sigmoid',
  Softplus: 'softplus',
  Softmax: 'softmax',
  LeakyRelu: 'leakyRelu',
};
const PASS = new Set(['Identity', 'StopGradient', 'PreventGradient']);
const VARIABLE_OPS = new Set(['VariableV2', 'Variable', 'VarHandleOp']);
const WEIGHTED = new Set(['Conv2D', 'MatMul']);
const LAYER_OPS = new Set([...Object.keys(ACTIVATIONS), ...PASS, ...WEIGHTED, 'BiasAdd', 'Add', 'AddV2', 'MaxPool', 'AvgPool', 'Reshape']);

const tensorNode = (input: string | undefined) => (input ?? '').replace(/^\^/, '').replace(/:\d+$/, '');
const sameTensor = (input: string | undefined, t: string) => input === t || input === `${t}:0` || `${input}:0` === t;
const str = (a: AttrValue | undefined) => (a?.s ? new TextDecoder().decode(a.s) : undefined);
const ints = (a: AttrValue | undefined) => (a?.list?.i ?? []).map(toNumber);

export function architectureFromMetaGraph(
  bytes: Uint8Array,
  metaPath: string,
  hasVariable: (name: string) => boolean,
  outputNode?: string,
): CheckpointArchitecture {
  let nodes: NodeDef[];
  try {
    nodes = decodeMetaGraph(bytes).graph_def?.node ?? [];
  } catch (err) {
    throw new Cnn2MlpError('ERR_BAD_FILE', `${metaPath}: not a MetaGraphDef (${(err as Error).message})`);
  }
  if (nodes.length === 0) throw new Cnn2MlpError('ERR_BAD_FILE', `${metaPath}: the MetaGraphDef holds no graph nodes`);
  const unsupported = (msg: string): never => {
    throw new Cnn2MlpError('ERR_UNSUPPORTED', `${metaPath}: ${msg}; pass an explicit architecture to loadCheckpoint instead`);
  };
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const inModel = (n: NodeDef) => !n.name.startsWith('gradients/') && !n.name.startsWith('gradients_');
  const consumers = new Map<string, NodeDef[]>();
  for (const n of nodes) {
    if (!inModel(n)) continue;
    for (const inp of n.input) {
      if (inp.startsWith('^')) continue;
      const src = tensorNode(inp);
      if (!consumers.has(src)) consumers.set(src, []);
      consumers.get(src)!.push(n);
    }
  }
  const consumersOf = (t: string) => (consumers.get(tensorNode(t)) ?? []).filter((n) => n.input.some((i) => sameTensor(i, t)));

  /** The checkpoint variable a weight input reads, or undefined. */
  const variableOf = (input: string): string | undefined => {
    let n = byName.get(tensorNode(input));
    for (let hops = 0; n && hops < 8; hops++) {
      if (VARIABLE_OPS.has(n.op)) {
        const shared = str(n.attr.shared_name);
        return [n.name, shared].find((s) => s && hasVariable(s));
      }
      if (!PASS.has(n.op) && n.op !== 'ReadVariableOp') return undefined;
      n = byName.get(tensorNode(n.input[0]));
    }
    return undefined;
  };
  const constInts = (input: string): number[] | undefined => {
    const n = byName.get(tensorNode(input));
    const t = n?.op === 'Const' ? n.attr.value?.tensor : undefined;
    if (!t) return undefined;
    if (t.int_val?.length) return t.int_val;
    if (t.int64_val?.length) return t.int64_val.map(toNumber);
    if (t.tensor_content?.length) {
      const c = t.tensor_content;
      const dv = new DataView(c.buffer, c.byteOffset, c.byteLength);
      return t.dtype === 9
        ? Array.from({ length: c.length / 8 }, (_, i) => Number(dv.getBigInt64(i * 8, true)))
        : Array.from({ length: c.length / 4 }, (_, i) => dv.getInt32(i * 4, true));
    }
    return shapeDims(t.tensor_shape).length === 0 ? [] : undefined;
  };

  const reaches = (from: string, to: string): boolean => {
    const seen = new Set<string>();
    const stack = [from];
    while (stack.length) {
      const n = stack.pop()!;
      if (n === to) return true;
      if (seen.has(n)) continue;
      seen.add(n);
      for (const c of consumers.get(n) ?? []) stack.push(c.name);
    }
    return false;
  };

  // 1. the first weighted op: a Conv2D/MatMul on a checkpoint variable whose data input does not
  //    come from another one.
  const weighted = nodes.filter((n) => inModel(n) && WEIGHTED.has(n.op) && variableOf(n.input[1]) !== undefined);
  if (weighted.length === 0) unsupported('found no Conv2D or MatMul reading a checkpoint variable');
  const upstream = (n: NodeDef) => {
    const chain: NodeDef[] = [];
    let cur = byName.get(tensorNode(n.input[0]));
    let hitWeighted = false;
    while (cur && LAYER_OPS.has(cur.op) && chain.length < 10000) {
      if (WEIGHTED.has(cur.op)) {
        hitWeighted = true;
        break;
      }
      chain.push(cur);
      cur = byName.get(tensorNode(cur.input[0]));
    }
    return { chain: chain.reverse(), source: cur, hitWeighted };
  };
  const first = weighted.find((n) => !upstream(n).hitWeighted);
  if (!first) unsupported('could not find where the network starts');
  const { chain: lead, source } = upstream(first!);
  if (!source) unsupported(`the input of '${first!.name}' leads to no node`);
  const sourceTensor = lead.length ? lead[0].input[0] : first!.input[0];

  // 2. the input shape: a leading Reshape to [-1, H, W, C] (or [-1, N]), else the Placeholder's shape.
  let inputShape: number[] | undefined;
  let start = sourceTensor;
  const leadReshape = lead.find((n) => n.op === 'Reshape');
  if (leadReshape && lead.every((n) => n.op === 'Reshape' || PASS.has(n.op))) {
    const s = constInts(leadReshape.input[1]);
    if (s && s.length >= 2 && s[0] === -1 && s.slice(1).every((d) => d > 0)) {
      inputShape = s.slice(1);
      start = leadReshape.name;
    }
  }
  if (!inputShape && source!.op === 'Placeholder') {
    const dims = shapeDims(source!.attr.shape?.shape);
    if (dims.length >= 2 && dims.slice(1).every((d) => d > 0)) inputShape = dims.slice(1);
  }
  if (!inputShape || !(inputShape.length === 1 || inputShape.length === 3))
    unsupported(`cannot tell the input shape of '${first!.name}' (no Reshape to [-1, H, W, C] and no Placeholder with a static shape)`);

  // 3. walk forward.
  const layers: CheckpointLayer[] = [];
  let spatial = inputShape!.length === 3; // exact sizes are checked against the weights later
  const last = () => layers[layers.length - 1];
  const padding = (n: NodeDef): Padding => {
    const p = str(n.attr.padding);
    if (p === 'SAME') return 'same';
    if (p === 'VALID') return 'valid';
    if (p === 'EXPLICIT') {
      const e = ints(n.attr.explicit_paddings);
      return [e[2], e[3], e[4], e[5]];
    }
    return unsupported(`'${n.name}' has padding '${p}'`);
  };
  const nhwc = (n: NodeDef) => {
    const f = str(n.attr.data_format) ?? 'NHWC';
    if (f !== 'NHWC') unsupported(`'${n.name}' uses data_format ${f}; only NHWC graphs are read`);
  };
  const spatialPair = (n: NodeDef, attr: string, def: number): [number, number] => {
    const v = ints(n.attr[attr]);
    if (v.length === 0) return [def, def];
    if (v.length !== 4 || v[0] !== 1 || v[3] !== 1) unsupported(`'${n.name}' has ${attr} [${v.join(', ')}] over batch or channels`);
    return [v[1], v[2]];
  };
  const scopeOf = (variable: string) => variable.replace(/\/(kernel|weights|W|w)$/, '');

  let cur = start;
  for (let steps = 0; steps < 100000; steps++) {
    if (outputNode !== undefined && tensorNode(cur) === outputNode) break;
    let next = consumersOf(cur);
    // At a branch (logits feeding softmax, argmax and the loss), an explicit output picks the way.
    if (next.length > 1 && outputNode !== undefined) next = next.filter((c) => LAYER_OPS.has(c.op) && reaches(c.name, outputNode));
    if (next.length !== 1 || !LAYER_OPS.has(next[0].op)) break;
    const n = next[0];
    if (!sameTensor(n.input[0], cur) && !(n.op === 'Add' || n.op === 'AddV2')) unsupported(`'${n.name}' (${n.op}) takes the activations as a weight input`);
    if (PASS.has(n.op)) {
      // nothing
    } else if (n.op === 'Conv2D') {
      nhwc(n);
      const v = variableOf(n.input[1]);
      if (!v) unsupported(`'${n.name}' reads weights that are not a checkpoint variable`);
      layers.push({ type: 'conv2d', name: scopeOf(v!), kernel: v!, bias: null, strides: spatialPair(n, 'strides', 1), dilation: spatialPair(n, 'dilations', 1), padding: padding(n) });
    } else if (n.op === 'MatMul') {
      if (n.attr.transpose_a?.b) unsupported(`'${n.name}' has transpose_a`);
      const v = variableOf(n.input[1]);
      if (!v) unsupported(`'${n.name}' reads weights that are not a checkpoint variable`);
      if (spatial) layers.push({ type: 'flatten' });
      spatial = false;
      layers.push({ type: 'dense', name: scopeOf(v!), kernel: v!, bias: null, transposeKernel: n.attr.transpose_b?.b === true });
    } else if (n.op === 'BiasAdd' || n.op === 'Add' || n.op === 'AddV2') {
      const other = n.input.find((i) => !sameTensor(i, cur) && !i.startsWith('^'));
      const v = other ? variableOf(other) : undefined;
      const l = last();
      if (!v || !l || (l.type !== 'conv2d' && l.type !== 'dense') || l.bias !== null || l.activation !== undefined)
        unsupported(`'${n.name}' (${n.op}) is not a bias add right after a Conv2D or MatMul`);
      if (n.op === 'BiasAdd') nhwc(n);
      (l as { bias?: string | null }).bias = v;
    } else if (n.op in ACTIVATIONS) {
      const act = ACTIVATIONS[n.op];
      const spec = act === 'leakyRelu' ? { type: act, alpha: n.attr.alpha?.f ?? 0.2 } : act;
      const l = last();
      if (l && (l.type === 'conv2d' || l.type === 'dense') && l.activation === undefined) l.activation = spec;
      else layers.push({ type: 'activation', activation: spec });
    } else if (n.op === 'MaxPool' || n.op === 'AvgPool') {
      nhwc(n);
      layers.push({ type: n.op === 'MaxPool' ? 'maxPool2d' : 'avgPool2d', name: n.name.replace(/\/(MaxPool|AvgPool)$/, ''), poolSize: spatialPair(n, 'ksize', 1), strides: spatialPair(n, 'strides', 1), padding: padding(n) });
    } else if (n.op === 'Reshape') {
      const s = constInts(n.input[1]);
      if (!s || s.length !== 2 || s[0] !== -1)
        unsupported(`'${n.name}' reshapes to [${s?.join(', ') ?? '?'}]; only a flatten to [-1, N] is understood`);
      if (spatial) layers.push({ type: 'flatten', name: n.name });
      spatial = false;
    }
    cur = n.name;
  }
  if (outputNode !== undefined && tensorNode(cur) !== outputNode)
    unsupported(`the walk from the input stopped at '${cur}' before reaching output node '${outputNode}'`);
  if (!layers.some((l) => l.type === 'conv2d' || l.type === 'dense')) unsupported('the walk from the input found no weighted layer');
  return { name: metaPath.replace(/^.*\//, '').replace(/\.meta$/, ''), layout: 'NHWC', inputShape: inputShape!, layers };
}
