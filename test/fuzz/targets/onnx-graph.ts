/**
 * loadOnnx on the PyTorch-exported graph fixtures with structured edits (dangling, cyclic and
 * duplicate names, Concat/Add inputs that disagree, other opsets down to 1, removed nodes), on
 * 10k-node chains and fan-outs, and on constant-folding bombs (Shape/Concat doubling, squared
 * Gather dims, Reshape/Expand/ConstantOfShape to absurd shapes).
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import * as api from '../../../src/index.js';
import { onnx, type OnnxNs } from '../../../src/formats/onnx-proto.js';
import { exercise } from './model.js';
import { byteMutation, mutateBytes, type ByteMutation } from './mutate.js';
import type { FuzzTarget } from './target.js';

const FIXTURES = path.join(import.meta.dirname, '../../fixtures/pytorch');
const SEEDS = ['resnet-basic/torchscript.onnx', 'resnet-basic/torchscript-opset7.onnx', 'resnet-basic/dynamo.onnx', 'squeezenet/torchscript.onnx', 'decoder/torchscript.onnx', 'unet/torchscript.onnx', 'mobilenetv3-block/torchscript.onnx'];
type Model = OnnxNs.IModelProto;
const seeds: { bytes: Uint8Array; model: Model }[] = [];

export interface OnnxGraphCase {
  mode: number; // 0 graph edit on a fixture, 1 opset change, 2 10k-node graph, 3 folding bomb, 4 byte flips
  seed: number;
  edit: number;
  pick: number;
  other: number;
  opset: number;
  size: number;
  bytes: ByteMutation[];
}

const i64 = (name: string, vals: number[]): OnnxNs.ITensorProto => ({ name, dataType: 7, dims: [vals.length], int64Data: vals });
const n = (opType: string, input: string[], output: string[], attribute: OnnxNs.IAttributeProto[] = []): OnnxNs.INodeProto => ({ opType, input, output, attribute, name: output[0] });

/** A model with input x: float [1, 2, 4, 4] and output `out`. */
export function graph(node: OnnxNs.INodeProto[], initializer: OnnxNs.ITensorProto[], out: string, opset = 13): Model {
  const vi = (name: string, dims: number[]) => ({ name, type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });
  return { irVersion: 8, opsetImport: [{ domain: '', version: opset }], graph: { name: 'g', node, initializer, input: [vi('x', [1, 2, 4, 4])], output: [{ name: out }] } };
}

export function bigGraph(size: number, wide: boolean, op: string): Model {
  const nodes: OnnxNs.INodeProto[] = [];
  for (let k = 0; k < size; k++) nodes.push(n('Relu', [wide || k === 0 ? 'x' : `r${k - 1}`], [`r${k}`]));
  if (!wide) return graph(nodes, [], `r${size - 1}`);
  const all = nodes.map((x) => x.output![0]);
  nodes.push(op === 'Concat' ? n('Concat', all, ['out'], [{ name: 'axis', type: 2, i: 1 }]) : n('Sum', all, ['out']));
  return graph(nodes, [], 'out');
}

/** Graphs whose constant folding or shape inference would produce huge tensors if not bounded. */
export function bomb(kind: number, size: number): Model {
  const huge = [1e12, 2 ** 40, 2 ** 62, -1, 0][size % 5];
  switch (kind % 6) {
    case 0: // ConstantOfShape with a 1e12-element shape, added to x
      return graph([n('ConstantOfShape', ['s'], ['c']), n('Add', ['x', 'c'], ['out'])], [i64('s', [1, 2, huge, 4])], 'out');
    case 1: // Reshape to absurd dims
      return graph([n('Reshape', ['x', 's'], ['out'])], [i64('s', [huge, huge, -1])], 'out');
    case 2: { // Shape → Concat doubling: a 4·2^k-element shape vector, then ConstantOfShape of it
      const nodes = [n('Shape', ['x'], ['s0'])];
      const k = 10 + (size % 25);
      for (let j = 1; j <= k; j++) nodes.push(n('Concat', [`s${j - 1}`, `s${j - 1}`], [`s${j}`], [{ name: 'axis', type: 2, i: 0 }]));
      nodes.push(n('ConstantOfShape', [`s${k}`], ['c']), n('Add', ['x', 'c'], ['out']));
      return graph(nodes, [], 'out');
    }
    case 3: { // Gather a dim and square it repeatedly (2 → 2^1024 = Infinity), then Reshape with it
      const nodes = [n('Shape', ['x'], ['s']), n('Gather', ['s', 'i'], ['d0'], [{ name: 'axis', type: 2, i: 0 }])];
      const k = 4 + (size % 8);
      for (let j = 1; j <= k; j++) nodes.push(n('Mul', [`d${j - 1}`, `d${j - 1}`], [`d${j}`]));
      nodes.push(n('Concat', ['one', `d${k}`], ['t'], [{ name: 'axis', type: 2, i: 0 }]), n('Reshape', ['x', 't'], ['out']));
      return graph(nodes, [i64('i', [1]), i64('one', [1])], 'out');
    }
    case 4: // Expand a constant to a huge shape, added to x
      return graph([n('Expand', ['one', 's'], ['c']), n('Add', ['x', 'c'], ['out'])], [i64('s', [1, 2, huge, huge]), i64('one', [1])], 'out');
    default: // Range with a huge count, fed to Reshape
      return graph([n('Range', ['zero', 'lim', 'one'], ['r']), n('Reshape', ['x', 'r'], ['out'])], [i64('zero', [0]), i64('lim', [huge]), i64('one', [1])], 'out');
  }
}

function graphEdit(m: Model, c: OnnxGraphCase): void {
  const nodes = m.graph!.node!;
  if (nodes.length < 2) return;
  const i = c.pick % nodes.length;
  const node = nodes[i];
  const j = c.other % nodes.length;
  const ins = (node.input ??= []); // protobufjs omits empty repeated fields (a Constant has no inputs)
  switch (c.edit % 7) {
    case 0: ins[c.other % Math.max(1, ins.length)] = 'dangling'; break;
    case 1: ins[0] = nodes[Math.max(i, j)].output![0]; break; // cycle or self-loop
    case 2: node.output![0] = nodes[j].output![0]; break; // duplicate output name
    case 3: nodes.splice(i, 1); break;
    case 4: { // an Add/Concat input swapped for another tensor of a different shape
      const join = nodes.filter((x) => x.opType === 'Add' || x.opType === 'Concat' || x.opType === 'Mul');
      const t = join[c.pick % Math.max(1, join.length)];
      if (t?.input?.length) t.input[c.other % t.input.length] = nodes[j].output![0];
      break;
    }
    case 5: node.opType = ['Concat', 'Add', 'Resize', 'ConvTranspose', 'Reshape', 'Gather', 'Shape', 'Upsample', 'Pad'][c.other % 9]; break;
    default: { // an initializer's first dim changed so widths disagree downstream
      const inits = m.graph!.initializer!;
      const t = inits[c.pick % Math.max(1, inits.length)];
      if (t?.dims?.length) t.dims[0] = [1, 3, 0, 2 ** 31][c.other % 4];
    }
  }
}

export const onnxGraphTarget: FuzzTarget<OnnxGraphCase> = {
  describe: 'loadOnnx on the PyTorch graph fixtures with dangling/cyclic/duplicate names, Add/Concat mismatches, op swaps, opsets 0–1000, byte flips; 10k-node chains and fan-outs; Shape/Concat/Gather/Reshape/Expand/Range/ConstantOfShape folding bombs',
  async setup() {
    for (const rel of SEEDS) {
      const file = path.join(FIXTURES, rel);
      if (!fs.existsSync(file)) return `fixture ${rel} missing`;
      const bytes = fs.readFileSync(file);
      seeds.push({ bytes, model: onnx.ModelProto.toObject(onnx.ModelProto.decode(bytes), { longs: Number }) as Model });
      await exercise(api.loadOnnx(bytes));
    }
  },
  arb: fc.record({
    mode: fc.integer({ min: 0, max: 4 }),
    seed: fc.nat(),
    edit: fc.nat(),
    pick: fc.nat(),
    other: fc.nat(),
    opset: fc.constantFrom(0, 1, 2, 5, 6, 7, 9, 10, 11, 12, 13, 17, 18, 21, 22, 1000),
    size: fc.constantFrom(10, 1000, 10_000, 3, 7),
    bytes: fc.array(byteMutation, { minLength: 1, maxLength: 3 }),
  }),
  async run(c, _dir, _index) {
    const s = seeds[c.seed % seeds.length];
    let input: Uint8Array;
    if (c.mode === 4) input = mutateBytes(s.bytes, c.bytes);
    else {
      let m: Model;
      if (c.mode === 2) m = bigGraph(c.size, c.edit % 2 === 1, c.other % 2 ? 'Concat' : 'Sum');
      else if (c.mode === 3) m = bomb(c.edit, c.pick);
      else {
        m = structuredClone(s.model);
        if (c.mode === 0) graphEdit(m, c);
        else m.opsetImport = [{ domain: '', version: c.opset }];
      }
      try {
        input = onnx.ModelProto.encode(onnx.ModelProto.fromObject(m)).finish();
      } catch {
        return 'unencodable';
      }
    }
    const model = api.loadOnnx(input);
    await exercise(model);
    return model;
  },
};
