/**
 * Validates a CnnModel and lowers it to a plan: one fixed-size numeric record per op with every
 * shape and pad resolved, the tensors each op reads, where each op's output lives in one sample's
 * activation arena, and the weight tensors the records point at. The plan is what crosses into C++
 * (native/runtime/plan.h reads the same record layout and re-checks it) and what the converter walks.
 *
 * The schedule is the layer order (the graph only lets a layer read earlier ones). Two fusions
 * shorten it, each only when the fused tensor has no other reader: an activation layer folds into
 * the op before it when that op has none, and an add of two tensors folds into the conv that
 * produced one of them (the other is added in the conv's epilogue, before its activation), so
 * conv → add(skip) → relu is one op.
 */
import { Cnn2MlpError, describe } from '../errors.js';
import { fail, isPositiveInt, MAX_ELEMENTS } from './checks.js';
import { layerLabel, MODEL_INPUT, resolveGraph, type LayerGraph } from './graph.js';
import { dims, lowerLayer, shapeSize, type Lowered } from './lower.js';
import { planArena, type TensorLife } from './memory.js';
import { ACT, F, OP, RECORD_SIZE, type PlanOp } from './ops.js';
import type { CnnModel, Shape } from './types.js';

export { resolveActivation, poolOrConvAxis } from './checks.js';
export { shapeSize } from './lower.js';
export * from './ops.js';

/** Activation memory of one sample, in floats (× 4 for bytes). */
export interface PlanMemory {
  /** what the runtime allocates per sample: every intermediate tensor at its offset in one arena */
  arenaFloats: number;
  /** the largest set of intermediate tensors alive at one op (the least any placement needs) */
  peakLiveFloats: number;
}

export interface Plan {
  layout: CnnModel['layout'];
  spatialRank: 1 | 2;
  inputShape: Shape;
  outputShape: Shape;
  inputSize: number;
  outputSize: number;
  ops: PlanOp[];
  tensors: Float32Array[];
  records: Float64Array;
  /** the input value ids of every op, concatenated (records point into it with inputsAt / numInputs) */
  edges: Float64Array;
  /** where an NCHW model's input, transposed to (h, w, c), lives in the arena (-1 for NHWC: read in place) */
  inputOffset: number;
  memory: PlanMemory;
  /** false for a plain chain of the original layer kinds (what the CNN → MLP converter handles) */
  graph: boolean;
}

function shapeOf(inputShape: unknown, layout: unknown, rank: 1 | 2): Shape {
  if (layout !== 'NHWC' && layout !== 'NCHW') fail('model', `Expected layout 'NHWC' or 'NCHW' but received ${describe(layout)}`);
  if (!Array.isArray(inputShape) || !inputShape.every(isPositiveInt))
    fail('model', `Expected inputShape to be an array of positive integers but received ${describe(inputShape)}`);
  if (inputShape.length === 1) return { kind: 'vector', n: inputShape[0] };
  const nhwc = layout === 'NHWC';
  if (rank === 1) {
    if (inputShape.length !== 2) fail('model', `Expected inputShape of rank 2 (${nhwc ? '[L, C]' : '[C, L]'}) or 1 ([N]) for a 1-D model (spatialRank 1) but received rank ${inputShape.length}`);
    const [a, b] = inputShape as number[];
    return nhwc ? { kind: 'spatial', h: 1, w: a, c: b } : { kind: 'spatial', h: 1, w: b, c: a };
  }
  if (inputShape.length !== 3) fail('model', `Expected inputShape of rank 3 (${nhwc ? '[H, W, C]' : '[C, H, W]'}) or 1 ([N]) but received rank ${inputShape.length}`);
  const [a, b, c] = inputShape as number[];
  return nhwc ? { kind: 'spatial', h: a, w: b, c } : { kind: 'spatial', h: b, w: c, c: a };
}

/** Shape as the model's layout writes it (for messages and for outputs); 1-D models drop H. */
export function layoutShape(s: Shape, layout: CnnModel['layout'], spatialRank: 1 | 2 = 2): number[] {
  if (s.kind === 'vector') return [s.n];
  if (spatialRank === 1) return layout === 'NHWC' ? [s.w, s.c] : [s.c, s.w];
  return layout === 'NHWC' ? [s.h, s.w, s.c] : [s.c, s.h, s.w];
}

/** The op before, when `value` is its output and nothing else reads that output: it can absorb this layer. */
function fusable(ops: PlanOp[], graph: LayerGraph, i: number, slot: number, value: number): PlanOp | undefined {
  const src = graph.inputs[i][slot];
  if (src === MODEL_INPUT || graph.readers[src] !== 1 || value !== ops.length) return undefined;
  return ops[ops.length - 1];
}

/** Folds `low` (an activation or add layer) into the op before when it can; returns whether it did. */
function tryFuse(ops: PlanOp[], graph: LayerGraph, i: number, low: Lowered, values: number[]): boolean {
  const d = low.draft;
  if (d.op === OP.activation) {
    const prev = fusable(ops, graph, i, 0, values[0]);
    if (!prev || prev.activation.code !== ACT.linear || prev.op === OP.flatten || prev.op === OP.activation) return false;
    prev.activation = d.activation;
    return true;
  }
  if (d.op === OP.add && values.length === 2 && d.activation.code !== ACT.softmax) {
    for (const slot of [0, 1]) {
      const prev = fusable(ops, graph, i, slot, values[slot]);
      const other = values[1 - slot];
      if (!prev || prev.op !== OP.conv2d || prev.activation.code !== ACT.linear || prev.residual >= 0 || other === values[slot]) continue;
      prev.residual = other;
      prev.activation = d.activation;
      return true;
    }
  }
  return false;
}

function writeRecords(ops: PlanOp[]): { records: Float64Array; edges: Float64Array } {
  const records = new Float64Array(ops.length * RECORD_SIZE);
  const edges: number[] = [];
  ops.forEach((op, i) => {
    const r = records.subarray(i * RECORD_SIZE, (i + 1) * RECORD_SIZE);
    const set: [number, number][] = [
      [F.op, op.op], [F.inH, op.inH], [F.inW, op.inW], [F.inC, op.inC], [F.outH, op.outH], [F.outW, op.outW], [F.outC, op.outC],
      [F.kh, op.kh], [F.kw, op.kw], [F.sh, op.sh], [F.sw, op.sw], [F.dh, op.dh], [F.dw, op.dw],
      [F.padTop, op.pads[0]], [F.padBottom, op.pads[1]], [F.padLeft, op.pads[2]], [F.padRight, op.pads[3]], [F.groups, op.groups],
      [F.act, op.activation.code], [F.actAlpha, op.activation.alpha], [F.actMin, op.activation.min], [F.actMax, op.activation.max], [F.actBeta, op.activation.beta],
      [F.weights, op.weights], [F.bias, op.bias], [F.flags, op.flags], [F.layerIndex, op.layerIndex],
      [F.numInputs, op.inputs.length], [F.inputsAt, edges.length], [F.residual, op.residual], [F.outOffset, op.outOffset],
      [F.coordinateMode, op.coordinateMode], [F.nearestMode, op.nearestMode],
    ]; // prettier-ignore
    for (const [f, v] of set) r[f] = v;
    edges.push(...op.inputs);
  });
  return { records, edges: Float64Array.from(edges) };
}

/** Gives every intermediate tensor its arena offset (op.outOffset) and returns the arena's size. */
function placeTensors(ops: PlanOp[], inputSize: number, nchw: boolean): { memory: PlanMemory; inputOffset: number } {
  const last = new Array<number>(ops.length + 1).fill(-1);
  ops.forEach((op, i) => {
    for (const v of op.inputs) last[v] = i;
    if (op.residual >= 0) last[op.residual] = i;
  });
  last[ops.length] = ops.length; // the model output is read after the last op
  const lives: TensorLife[] = [{ size: inputSize, first: -1, last: last[0], external: !nchw }];
  ops.forEach((op, i) => lives.push({ size: op.outH * op.outW * op.outC, first: i, last: last[i + 1], external: !nchw && i === ops.length - 1 }));
  const arena = planArena(lives);
  ops.forEach((op, i) => (op.outOffset = arena.offsets[i + 1]));
  return { memory: { arenaFloats: arena.arenaFloats, peakLiveFloats: arena.peakLiveFloats }, inputOffset: arena.offsets[0] };
}

/** Validates `model` and lowers it to a plan. Throws Cnn2MlpError('ERR_INVALID_MODEL') naming the layer and field. */
export function planModel(model: CnnModel): Plan {
  if (typeof model !== 'object' || model === null) throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected a CnnModel object but received ${describe(model)}`);
  const rank = model.spatialRank ?? 2;
  if (rank !== 1 && rank !== 2) fail('model', `Expected spatialRank 1 or 2 but received ${describe(model.spatialRank)}`);
  const inputShape = shapeOf(model.inputShape, model.layout, rank);
  if (!Array.isArray(model.layers)) fail('model', `Expected layers to be an array but received ${describe(model.layers)}`);
  if (model.layers.length === 0) fail('model', 'the model has no layers');
  const graph = resolveGraph(model);
  const tensors: Float32Array[] = [];
  const ops: PlanOp[] = [];
  const addTensor = (t: Float32Array) => tensors.push(t) - 1;
  const shapes: Shape[] = [inputShape]; // by value id: 0 the model input, k + 1 the output of ops[k]
  const valueOf: number[] = []; // by layer

  model.layers.forEach((layer, i) => {
    const where = layerLabel(layer, i);
    const values = graph.inputs[i].map((j) => (j === MODEL_INPUT ? 0 : valueOf[j]));
    const low = lowerLayer(layer, where, values.map((v) => shapes[v]), model.layout, addTensor);
    if (rank === 1 && low.out.kind === 'spatial' && low.out.h !== 1) fail(where, `makes a tensor of height ${low.out.h} in a 1-D model (spatialRank 1); 1-D layers have height-1 kernels, strides and pads`);
    const [oh, ow, oc] = dims(low.out);
    if (oh * ow * oc > MAX_ELEMENTS) fail(where, `its output has ${oh * ow * oc} elements per sample, more than ${MAX_ELEMENTS}`);
    if (tryFuse(ops, graph, i, low, values)) {
      valueOf[i] = ops.length;
      return;
    }
    if (low.swapInputs) values.reverse();
    ops.push({ ...low.draft, layerIndex: i, layerName: where, outH: oh, outW: ow, outC: oc, outShape: low.out, inputs: values, residual: -1, outOffset: -1 });
    shapes.push(low.out);
    valueOf[i] = ops.length;
  });

  ops.forEach((op, i) => {
    if (op.activation.code === ACT.softmax && i !== ops.length - 1) fail(op.layerName, 'softmax is only supported as the final activation of the model');
  });
  if (valueOf[graph.output] !== ops.length) fail('model', 'the output layer must be the last op of the schedule'); // the graph's dangling check makes this unreachable
  const inputSize = shapeSize(inputShape);
  const { memory, inputOffset } = placeTensors(ops, inputSize, model.layout === 'NCHW');
  const { records, edges } = writeRecords(ops);
  const outputShape = shapes[ops.length];
  const chain = ops.every((op, i) => op.inputs.length === 1 && op.inputs[0] === i && op.residual < 0 && op.op <= OP.flatten && op.activation.code <= ACT.softmax);
  return {
    layout: model.layout,
    spatialRank: rank,
    inputShape,
    outputShape,
    inputSize,
    outputSize: shapeSize(outputShape),
    ops,
    tensors,
    records,
    edges,
    inputOffset,
    memory,
    graph: !chain,
  };
}
