/**
 * The ONNX nodes of the graph ops (cnnToOnnx handles the chain ops): Sum, Mul, Concat, Resize,
 * Slice, ConvTranspose. Tensors are NCHW (4-D) or vectors (N, C); a vector meeting a 4-D tensor is
 * reshaped to (N, C, 1, 1) first, as the model treats [C] and 1 × 1 × C alike.
 */
import { Cnn2MlpError } from '../errors.js';
import { COORDINATE_MODES, FLAG_BILINEAR, NEAREST_MODES, OP, type PlanOp } from '../model/plan.js';
import type { GraphBuilder } from './onnx-graph-builder.js';

interface In {
  name: string;
  spatial: boolean;
}

/** (N, C) → (N, C, 1, 1). */
export function toSpatial(g: GraphBuilder, name: string): string {
  return g.node('Reshape', [name, g.int64s([0, -1, 1, 1])]);
}

const ONNX_COORD: Record<(typeof COORDINATE_MODES)[number], string> = {
  asymmetric: 'asymmetric',
  halfPixel: 'half_pixel',
  pytorchHalfPixel: 'pytorch_half_pixel',
  alignCorners: 'align_corners',
};
const ONNX_NEAREST: Record<(typeof NEAREST_MODES)[number], string> = {
  floor: 'floor',
  roundPreferFloor: 'round_prefer_floor',
  roundPreferCeil: 'round_prefer_ceil',
  ceil: 'ceil',
};

function convTranspose(g: GraphBuilder, op: PlanOp, x: string, T: Float32Array[]): string {
  const coutG = op.outC / op.groups;
  const w = T[op.weights]; // [kh][kw][coutG][inC] → ONNX [inC][coutG][kh][kw]
  const onnxW = new Float32Array(w.length);
  for (let t = 0; t < op.kh * op.kw; t++)
    for (let o = 0; o < coutG; o++) for (let ci = 0; ci < op.inC; ci++) onnxW[(ci * coutG + o) * op.kh * op.kw + t] = w[(t * coutG + o) * op.inC + ci];
  // the plan keeps the output size and the crop at the start; ONNX wants end pads or output padding
  const axis = (inLen: number, k: number, s: number, d: number, before: number, out: number) => {
    const end = (inLen - 1) * s + d * (k - 1) + 1 - before - out;
    return end >= 0 ? { end, extra: 0 } : { end: 0, extra: -end };
  };
  const ah = axis(op.inH, op.kh, op.sh, op.dh, op.pads[0], op.outH);
  const aw = axis(op.inW, op.kw, op.sw, op.dw, op.pads[2], op.outW);
  const inputs = [x, g.floats([op.inC, coutG, op.kh, op.kw], onnxW)];
  if (op.bias >= 0) inputs.push(g.floats([op.outC], T[op.bias], 'b'));
  return g.node('ConvTranspose', inputs, {
    kernel_shape: { ints: [op.kh, op.kw] },
    strides: { ints: [op.sh, op.sw] },
    dilations: { ints: [op.dh, op.dw] },
    pads: { ints: [op.pads[0], op.pads[2], ah.end, aw.end] },
    output_padding: { ints: [ah.extra, aw.extra] },
    group: { i: op.groups },
  });
}

/** Emits `op` (reading `ins`, `x` = input 0 as cnnToOnnx holds it); returns its output and rank. */
export function emitGraphOp(g: GraphBuilder, op: PlanOp, x: string, ins: In[], T: Float32Array[]): { cur: string; spatial: boolean } {
  const anySpatial = ins.some((i) => i.spatial);
  const all = () => ins.map((i) => (anySpatial && !i.spatial ? toSpatial(g, i.name) : i.name));
  switch (op.op) {
    case OP.add:
      return { cur: g.node('Sum', all()), spatial: anySpatial };
    case OP.multiply:
      return { cur: g.node('Mul', all()), spatial: anySpatial };
    case OP.concat:
      return { cur: g.node('Concat', all(), { axis: { i: 1 } }), spatial: anySpatial };
    case OP.upsample2d: {
      const bilinear = (op.flags & FLAG_BILINEAR) !== 0;
      const attrs = {
        mode: { s: bilinear ? 'linear' : 'nearest' },
        coordinate_transformation_mode: { s: ONNX_COORD[COORDINATE_MODES[op.coordinateMode]] },
        nearest_mode: { s: ONNX_NEAREST[NEAREST_MODES[op.nearestMode]] },
      };
      const scales = g.floats([4], Float32Array.of(1, 1, op.sh, op.sw), 'scales');
      return { cur: g.node('Resize', [x, '', scales], attrs), spatial: true };
    }
    case OP.cropping2d: {
      const [t, , l] = op.pads;
      return { cur: g.node('Slice', [x, g.int64s([t, l]), g.int64s([t + op.outH, l + op.outW]), g.int64s([2, 3])]), spatial: true };
    }
    case OP.conv2dTranspose:
      return { cur: convTranspose(g, op, x, T), spatial: true };
    default:
      throw new Cnn2MlpError('ERR_UNSUPPORTED', `cnnToOnnx: ${op.layerName} has no ONNX mapping`);
  }
}
