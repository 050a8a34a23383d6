/**
 * Tidies a freshly loaded layer graph without changing what it computes: x·sigmoid(x) becomes
 * swish and x·hardSigmoid(x) with PyTorch's constants hardSwish; a constant scale/shift right after
 * a conv or dense layer folds into its weights and bias; consecutive scale/shifts merge. Activations stay
 * separate layers, as the file declares them (the planner fuses them at compile time). Every rewrite needs
 * the producer's output to have no other reader. Finally `inputs` that name the previous layer are
 * dropped, so a chain reads as a plain list. Shared by the ONNX and TF.js loaders.
 */
import type { Activation, CnnModel, Layer } from '../model/types.js';

/** A layer without its graph wiring (what loaders build before naming it). */
export type LayerSpec = Layer extends infer L ? (L extends Layer ? Omit<L, 'name' | 'inputs'> : never) : never;

const actType = (a: Activation) => (typeof a === 'string' ? a : a.type);

class Graph {
  readers = new Map<string, number>();
  constructor(
    public layers: Layer[],
    public output: string,
  ) {
    this.count();
  }
  count(): void {
    this.readers.clear();
    for (const l of this.layers) for (const i of l.inputs ?? []) this.readers.set(i, (this.readers.get(i) ?? 0) + 1);
    this.readers.set(this.output, (this.readers.get(this.output) ?? 0) + 1);
  }
  byName(name: string): Layer | undefined {
    return this.layers.find((l) => l.name === name);
  }
  /** the single-input producer of `layer`, if it has no other reader */
  soleProducer(layer: Layer): Layer | undefined {
    const ins = layer.inputs ?? [];
    if (ins.length !== 1 || this.readers.get(ins[0]) !== 1) return undefined;
    return this.byName(ins[0]);
  }
  /** removes `gone`, whose output `keep` now produces under gone's name */
  replace(keep: Layer, gone: Layer): void {
    keep.name = gone.name;
    this.layers = this.layers.filter((l) => l !== gone);
    this.count();
  }
}

function gatedActivation(g: Graph): boolean {
  for (const m of g.layers) {
    if (m.type !== 'multiply' || m.inputs?.length !== 2) continue;
    for (const k of [0, 1]) {
      const gate = g.byName(m.inputs[k]);
      const x = m.inputs[1 - k];
      if (gate?.type !== 'activation' || gate.inputs?.[0] !== x || g.readers.get(gate.name!) !== 1) continue;
      const a = gate.activation;
      const t = actType(a);
      const hs = typeof a === 'object' && t === 'hardSigmoid' && Math.abs((a.alpha ?? 0.2) - 1 / 6) < 1e-6 && (a.beta ?? 0.5) === 0.5;
      if (t !== 'sigmoid' && !hs) continue;
      Object.assign(gate, { activation: t === 'sigmoid' ? 'swish' : 'hardSwish' });
      g.replace(gate, m);
      return true;
    }
  }
  return false;
}

const at = (v: Float32Array | undefined, c: number, def: number) => (v ? (v.length === 1 ? v[0] : v[c]) : def);

function foldScaleShift(g: Graph): boolean {
  for (const s of g.layers) {
    if (s.type !== 'scaleShift' || s.activation) continue;
    const p = g.soleProducer(s);
    if (!p) continue;
    if (p.type === 'scaleShift' && !p.activation) {
      const n = Math.max(p.scale?.length ?? 1, p.shift?.length ?? 1, s.scale?.length ?? 1, s.shift?.length ?? 1);
      const scale = new Float32Array(n).map((_, c) => at(p.scale, c, 1) * at(s.scale, c, 1));
      const shift = new Float32Array(n).map((_, c) => at(p.shift, c, 0) * at(s.scale, c, 1) + at(s.shift, c, 0));
      Object.assign(p, { scale, shift });
      g.replace(p, s);
      return true;
    }
    const scaled = s.scale !== undefined;
    if ((p.type === 'conv2d' || p.type === 'dense' || (p.type === 'conv2dTranspose' && !scaled)) && !p.activation) {
      const n = p.type === 'dense' ? p.units : p.filters;
      if (scaled) {
        const w = Float32Array.from(p.weights);
        for (let k = 0; k < w.length; k++) w[k] *= at(s.scale, k % n, 1);
        p.weights = w;
      }
      p.bias = new Float32Array(n).map((_, c) => at(p.bias, c, 0) * at(s.scale, c, 1) + at(s.shift, c, 0));
      g.replace(p, s);
      return true;
    }
  }
  return false;
}

/** Layers the output does not depend on (a loader's dead branches). */
function live(layers: Layer[], output: string): Layer[] {
  const need = new Set([output]);
  for (let k = layers.length - 1; k >= 0; k--) if (need.has(layers[k].name!)) for (const i of layers[k].inputs ?? []) need.add(i);
  return layers.filter((l) => need.has(l.name!));
}

/** Applies the rewrites to a model whose layers all carry names and explicit inputs. */
export function tidyGraph(model: CnnModel): CnnModel {
  const output = model.output ?? model.layers[model.layers.length - 1].name!;
  const g = new Graph(live(model.layers, output), output);
  while (gatedActivation(g) || foldScaleShift(g));
  const layers = g.layers.map((l, k) => {
    const prev = k === 0 ? (model.inputName ?? 'input') : g.layers[k - 1].name;
    if (l.inputs?.length === 1 && l.inputs[0] === prev) {
      const { inputs: _drop, ...rest } = l;
      return rest as Layer;
    }
    return l;
  });
  const last = layers[layers.length - 1];
  const { output: _o, ...rest } = model;
  return { ...rest, layers, ...(last.name === output ? {} : { output }) };
}
