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
import type { CheckpointArchitecture, CheckpointLayer } from './architecture.js';
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
  const g = new MetaGraph(nodes, metaPath, hasVariable);
  const { inputShape, start, spatial } = g.findInput();
  const { layers, end } = g.walkForward(start, spatial, outputNode);
  if (outputNode !== undefined && tensorNode(end) !== outputNode)
    g.unsupported(`the walk from the input stopped at '${end}' before reaching output node '${outputNode}'`);
  if (!layers.some((l) => l.type === 'conv2d' || l.type === 'dense')) g.unsupported('the walk from the input found no weighted layer');
  return { name: metaPath.replace(/^.*\//, '').replace(/\.meta$/, ''), layout: 'NHWC', inputShape, layers };
}

const scopeOf = (variable: string) => variable.replace(/\/(kernel|weights|W|w)$/, '');
const inModel = (n: NodeDef) => !n.name.startsWith('gradients/') && !n.name.startsWith('gradients_');

/** The graph's nodes indexed by name and by consumer (training nodes under `gradients/` left out). */
class MetaGraph {
  private readonly byName: Map<string, NodeDef>;
  private readonly consumers = new Map<string, NodeDef[]>();

  constructor(
    private readonly nodes: NodeDef[],
    private readonly metaPath: string,
    private readonly hasVariable: (name: string) => boolean,
  ) {
    this.byName = new Map(nodes.map((n) => [n.name, n]));
    for (const n of nodes) {
      if (!inModel(n)) continue;
      for (const inp of n.input) {
        if (inp.startsWith('^')) continue;
        const src = tensorNode(inp);
        if (!this.consumers.has(src)) this.consumers.set(src, []);
        this.consumers.get(src)!.push(n);
      }
    }
  }

  unsupported(msg: string): never {
    throw new Cnn2MlpError('ERR_UNSUPPORTED', `${this.metaPath}: ${msg}; pass an explicit architecture to loadCheckpoint instead`);
  }

  private consumersOf(t: string): NodeDef[] {
    return (this.consumers.get(tensorNode(t)) ?? []).filter((n) => n.input.some((i) => sameTensor(i, t)));
  }

  /** The checkpoint variable a weight input reads, or undefined. */
  private variableOf(input: string): string | undefined {
    let n = this.byName.get(tensorNode(input));
    for (let hops = 0; n && hops < 8; hops++) {
      if (VARIABLE_OPS.has(n.op)) {
        const shared = str(n.attr.shared_name);
        return [n.name, shared].find((s) => s && this.hasVariable(s));
      }
      if (!PASS.has(n.op) && n.op !== 'ReadVariableOp') return undefined;
      n = this.byName.get(tensorNode(n.input[0]));
    }
    return undefined;
  }

  /** The integers of a Const input, or undefined when the input is not a Const. */
  private constInts(input: string): number[] | undefined {
    const n = this.byName.get(tensorNode(input));
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
  }

  private reaches(from: string, to: string): boolean {
    const seen = new Set<string>();
    const stack = [from];
    while (stack.length) {
      const n = stack.pop()!;
      if (n === to) return true;
      if (seen.has(n)) continue;
      seen.add(n);
      for (const c of this.consumers.get(n) ?? []) stack.push(c.name);
    }
    return false;
  }

  /** The layer ops feeding `n`'s data input, back to the first node that is none (or a weighted op). */
  private upstream(n: NodeDef) {
    const chain: NodeDef[] = [];
    let cur = this.byName.get(tensorNode(n.input[0]));
    let hitWeighted = false;
    while (cur && LAYER_OPS.has(cur.op) && chain.length < 10000) {
      if (WEIGHTED.has(cur.op)) {
        hitWeighted = true;
        break;
      }
      chain.push(cur);
      cur = this.byName.get(tensorNode(cur.input[0]));
    }
    return { chain: chain.reverse(), source: cur, hitWeighted };
  }

  /**
   * Where the network starts: the first weighted op (a Conv2D/MatMul on a checkpoint variable whose
   * data input does not come from another one), and the input shape, from a leading Reshape to
   * [-1, H, W, C] (or [-1, N]), else from the Placeholder's shape.
   */
  findInput(): { inputShape: number[]; start: string; spatial: boolean } {
    const weighted = this.nodes.filter((n) => inModel(n) && WEIGHTED.has(n.op) && this.variableOf(n.input[1]) !== undefined);
    if (weighted.length === 0) this.unsupported('found no Conv2D or MatMul reading a checkpoint variable');
    const first = weighted.find((n) => !this.upstream(n).hitWeighted);
    if (!first) return this.unsupported('could not find where the network starts');
    const { chain: lead, source } = this.upstream(first);
    if (!source) this.unsupported(`the input of '${first.name}' leads to no node`);
    let inputShape: number[] | undefined;
    let start = lead.length ? lead[0].input[0] : first.input[0];
    const leadReshape = lead.find((n) => n.op === 'Reshape');
    if (leadReshape && lead.every((n) => n.op === 'Reshape' || PASS.has(n.op))) {
      const s = this.constInts(leadReshape.input[1]);
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
      return this.unsupported(`cannot tell the input shape of '${first.name}' (no Reshape to [-1, H, W, C] and no Placeholder with a static shape)`);
    return { inputShape, start, spatial: inputShape.length === 3 }; // exact sizes are checked against the weights later
  }

  /**
   * Follows the dataflow from `start` while each tensor has exactly one consumer that is a layer op
   * (at a branch, an explicit `outputNode` picks the way), turning each node into layers.
   */
  walkForward(start: string, spatial: boolean, outputNode: string | undefined): { layers: CheckpointLayer[]; end: string } {
    const layers: CheckpointLayer[] = [];
    const state = { spatial };
    let cur = start;
    for (let steps = 0; steps < 100000; steps++) {
      if (outputNode !== undefined && tensorNode(cur) === outputNode) break;
      let next = this.consumersOf(cur);
      // At a branch (logits feeding softmax, argmax and the loss), an explicit output picks the way.
      if (next.length > 1 && outputNode !== undefined) next = next.filter((c) => LAYER_OPS.has(c.op) && this.reaches(c.name, outputNode));
      if (next.length !== 1 || !LAYER_OPS.has(next[0].op)) break;
      const n = next[0];
      if (!sameTensor(n.input[0], cur) && !(n.op === 'Add' || n.op === 'AddV2')) this.unsupported(`'${n.name}' (${n.op}) takes the activations as a weight input`);
      this.addLayers(n, cur, layers, state);
      cur = n.name;
    }
    return { layers, end: cur };
  }

  /** Appends what node `n` (reading tensor `cur`) becomes; `state.spatial` is false once flattened. */
  private addLayers(n: NodeDef, cur: string, layers: CheckpointLayer[], state: { spatial: boolean }): void {
    const last = layers[layers.length - 1];
    if (PASS.has(n.op)) {
      // nothing
    } else if (n.op === 'Conv2D') {
      this.nhwc(n);
      const v = this.weightOf(n);
      layers.push({ type: 'conv2d', name: scopeOf(v), kernel: v, bias: null, strides: this.spatialPair(n, 'strides', 1), dilation: this.spatialPair(n, 'dilations', 1), padding: this.padding(n) });
    } else if (n.op === 'MatMul') {
      if (n.attr.transpose_a?.b) this.unsupported(`'${n.name}' has transpose_a`);
      const v = this.weightOf(n);
      if (state.spatial) layers.push({ type: 'flatten' });
      state.spatial = false;
      layers.push({ type: 'dense', name: scopeOf(v), kernel: v, bias: null, transposeKernel: n.attr.transpose_b?.b === true });
    } else if (n.op === 'BiasAdd' || n.op === 'Add' || n.op === 'AddV2') {
      const other = n.input.find((i) => !sameTensor(i, cur) && !i.startsWith('^'));
      const v = other ? this.variableOf(other) : undefined;
      if (!v || !last || (last.type !== 'conv2d' && last.type !== 'dense') || last.bias !== null || last.activation !== undefined)
        this.unsupported(`'${n.name}' (${n.op}) is not a bias add right after a Conv2D or MatMul`);
      if (n.op === 'BiasAdd') this.nhwc(n);
      (last as { bias?: string | null }).bias = v;
    } else if (n.op in ACTIVATIONS) {
      const act = ACTIVATIONS[n.op];
      const spec = act === 'leakyRelu' ? { type: act, alpha: n.attr.alpha?.f ?? 0.2 } : act;
      if (last && (last.type === 'conv2d' || last.type === 'dense') && last.activation === undefined) last.activation = spec;
      else layers.push({ type: 'activation', activation: spec });
    } else if (n.op === 'MaxPool' || n.op === 'AvgPool') {
      this.nhwc(n);
      layers.push({ type: n.op === 'MaxPool' ? 'maxPool2d' : 'avgPool2d', name: n.name.replace(/\/(MaxPool|AvgPool)$/, ''), poolSize: this.spatialPair(n, 'ksize', 1), strides: this.spatialPair(n, 'strides', 1), padding: this.padding(n) });
    } else if (n.op === 'Reshape') {
      const s = this.constInts(n.input[1]);
      if (!s || s.length !== 2 || s[0] !== -1)
        this.unsupported(`'${n.name}' reshapes to [${s?.join(', ') ?? '?'}]; only a flatten to [-1, N] is understood`);
      if (state.spatial) layers.push({ type: 'flatten', name: n.name });
      state.spatial = false;
    }
  }

  private weightOf(n: NodeDef): string {
    const v = this.variableOf(n.input[1]);
    return v ?? this.unsupported(`'${n.name}' reads weights that are not a checkpoint variable`);
  }

  private padding(n: NodeDef): Padding {
    const p = str(n.attr.padding);
    if (p === 'SAME') return 'same';
    if (p === 'VALID') return 'valid';
    if (p === 'EXPLICIT') {
      const e = ints(n.attr.explicit_paddings);
      return [e[2], e[3], e[4], e[5]];
    }
    return this.unsupported(`'${n.name}' has padding '${p}'`);
  }

  private nhwc(n: NodeDef): void {
    const f = str(n.attr.data_format) ?? 'NHWC';
    if (f !== 'NHWC') this.unsupported(`'${n.name}' uses data_format ${f}; only NHWC graphs are read`);
  }

  private spatialPair(n: NodeDef, attr: string, def: number): [number, number] {
    const v = ints(n.attr[attr]);
    if (v.length === 0) return [def, def];
    if (v.length !== 4 || v[0] !== 1 || v[3] !== 1) this.unsupported(`'${n.name}' has ${attr} [${v.join(', ')}] over batch or channels`);
    return [v[1], v[2]];
  }
}
