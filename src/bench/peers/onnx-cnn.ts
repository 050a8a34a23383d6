/**
 * The CNN benchmark's peer: the same CnnModel as an ONNX graph (built with onnx-proto) run by
 * onnxruntime-node. Supports what the seed network and the per-layer benchmarks need: conv2d
 * (any groups, explicit pads from the plan), dense, flatten, and activation relu / linear.
 * The graph takes the model's NHWC input and transposes it to NCHW once; convolution weights are
 * transposed HWIO → OIHW; before flatten the tensor goes back to NHWC so flatten reads (h, w, c)
 * as the model defines.
 */
import { createRequire } from 'node:module';
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';
import { planModel, OP, ACT } from '../../model/plan.js';
import type { CnnModel } from '../../model/types.js';
import { Cnn2MlpError } from '../../errors.js';

// onnx-proto is CommonJS: its namespace arrives as the default export.
const { onnx } = onnxProto;

type Ort = typeof import('onnxruntime-node');

let ortCache: Ort | undefined;
/** onnxruntime-node is a devDependency: loaded lazily, only by the benchmark. */
export function loadOrt(): Ort {
  if (!ortCache) ortCache = createRequire(import.meta.url)('onnxruntime-node') as Ort;
  return ortCache;
}

function tensor(name: string, dims: number[], data: Float32Array): OnnxTypes.ITensorProto {
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) };
}
function ints(name: string, v: number[]): OnnxTypes.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: v };
}
function int(name: string, v: number): OnnxTypes.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i: v };
}
function valueInfo(name: string, dims: (number | string)[]): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
  };
}

/** Serialised ONNX model (opset 13) equivalent to `model` (NHWC models only). */
export function cnnToOnnx(model: CnnModel): Uint8Array {
  const plan = planModel(model);
  if (plan.layout !== 'NHWC') throw new Cnn2MlpError('ERR_UNSUPPORTED', 'the ONNX peer builds NHWC models only');
  const nodes: OnnxTypes.INodeProto[] = [];
  const inits: OnnxTypes.ITensorProto[] = [];
  let cur = 'input';
  let nchw = false;
  let k = 0;
  const next = () => `t${k++}`;
  const toNchw = () => {
    if (nchw) return;
    const o = next();
    nodes.push({ opType: 'Transpose', input: [cur], output: [o], attribute: [ints('perm', [0, 3, 1, 2])] });
    cur = o;
    nchw = true;
  };
  const toNhwc = () => {
    if (!nchw) return;
    const o = next();
    nodes.push({ opType: 'Transpose', input: [cur], output: [o], attribute: [ints('perm', [0, 2, 3, 1])] });
    cur = o;
    nchw = false;
  };
  for (const op of plan.ops) {
    const act = op.activation.code;
    if (act !== ACT.linear && act !== ACT.relu) throw new Cnn2MlpError('ERR_UNSUPPORTED', `the ONNX peer supports relu/linear only (${op.layerName})`);
    if (op.op === OP.conv2d) {
      toNchw();
      const w = plan.tensors[op.weights];
      const cinG = op.inC / op.groups;
      const oihw = new Float32Array(w.length);
      for (let ky = 0; ky < op.kh; ky++)
        for (let kx = 0; kx < op.kw; kx++)
          for (let ci = 0; ci < cinG; ci++)
            for (let o = 0; o < op.outC; o++) oihw[((o * cinG + ci) * op.kh + ky) * op.kw + kx] = w[((ky * op.kw + kx) * cinG + ci) * op.outC + o];
      const wn = `w${k}`;
      inits.push(tensor(wn, [op.outC, cinG, op.kh, op.kw], oihw));
      const input = [cur, wn];
      if (op.bias >= 0) {
        inits.push(tensor(`b${k}`, [op.outC], plan.tensors[op.bias]));
        input.push(`b${k}`);
      }
      const o = next();
      const [t, b, l, r] = op.pads;
      nodes.push({
        opType: 'Conv',
        input,
        output: [o],
        attribute: [ints('kernel_shape', [op.kh, op.kw]), ints('strides', [op.sh, op.sw]), ints('dilations', [op.dh, op.dw]), ints('pads', [t, l, b, r]), int('group', op.groups)],
      });
      cur = o;
    } else if (op.op === OP.flatten) {
      toNhwc();
      const o = next();
      nodes.push({ opType: 'Flatten', input: [cur], output: [o], attribute: [int('axis', 1)] });
      cur = o;
    } else if (op.op === OP.dense) {
      const wn = `w${k}`;
      inits.push(tensor(wn, [op.inC, op.outC], plan.tensors[op.weights]));
      const input = [cur, wn];
      if (op.bias >= 0) {
        inits.push(tensor(`b${k}`, [op.outC], plan.tensors[op.bias]));
        input.push(`b${k}`);
      }
      const o = next();
      nodes.push({ opType: 'Gemm', input, output: [o] });
      cur = o;
    } else {
      throw new Cnn2MlpError('ERR_UNSUPPORTED', `the ONNX peer does not build ${op.layerName}`);
    }
    if (act === ACT.relu) {
      const o = next();
      nodes.push({ opType: 'Relu', input: [cur], output: [o] });
      cur = o;
    }
  }
  toNhwc();
  nodes.push({ opType: 'Identity', input: [cur], output: ['output'] });
  const s = plan.inputShape;
  const inDims = s.kind === 'spatial' ? ['N', s.h, s.w, s.c] : ['N', s.n];
  const o = plan.outputShape;
  const outDims = o.kind === 'spatial' ? ['N', o.h, o.w, o.c] : ['N', o.n];
  const m = onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'cnn2mlp-bench',
    opsetImport: [{ domain: '', version: 13 }],
    graph: { name: model.name ?? 'cnn', node: nodes, initializer: inits, input: [valueInfo('input', inDims)], output: [valueInfo('output', outDims)] },
  });
  return onnx.ModelProto.encode(m).finish();
}

/** An onnxruntime-node session for `model` on `threads` intra-op threads (inter-op 1, sequential). */
export async function onnxCnnSession(model: CnnModel, threads: number) {
  const ort = loadOrt();
  const session = await ort.InferenceSession.create(cnnToOnnx(model), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const inShape = model.inputShape;
  return {
    async run(x: Float32Array, batch: number): Promise<Float32Array> {
      const out = await session.run({ input: new ort.Tensor('float32', x, [batch, ...inShape]) });
      return out.output.data as Float32Array;
    },
    release: () => session.release(),
  };
}
