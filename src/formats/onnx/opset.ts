/**
 * Operator versions: where each opset keeps an operand. Attributes became inputs over the years
 * (Squeeze/Unsqueeze/Reduce axes, Clip bounds, Pad pads, Upsample scales); these readers return
 * the operand whatever the model's opset, so the op mappers see one form.
 */
import type { Tensor } from './tensor.js';
import { Attrs, bad, unsupported, type NodeProto } from './tensor.js';

export { ONNX_MAX_OPSET, ONNX_MIN_OPSET } from '../supported.js';

const ints = (t: Tensor | undefined) => (t ? Array.from(t.data as ArrayLike<number>) : undefined);

/** Axes of Squeeze/Unsqueeze/Reduce*: an attribute before `inputSince`, the second input from then on. */
export function axesOf(node: NodeProto, opset: number, inputSince: number, a: Attrs, input: Tensor | undefined, where: string): number[] | undefined {
  const v = opset < inputSince ? a.ints('axes') : ints(input);
  if (v && v.some((x) => !Number.isInteger(x))) throw bad(`${where}: axes [${v.join(', ')}] must be integers`);
  if (opset >= inputSince && a.has('axes')) throw bad(`${where}: axes is an input from opset ${inputSince}, but ${node.opType} carries it as an attribute`);
  return v;
}

/** Clip bounds: attributes min/max before opset 11, optional inputs 1 and 2 from then on. */
export function clipBounds(opset: number, a: Attrs, min: Tensor | undefined, max: Tensor | undefined): { min: number; max: number } {
  const lo = opset < 11 ? a.float('min', -Infinity) : min ? (min.data as ArrayLike<number>)[0] : -Infinity;
  const hi = opset < 11 ? a.float('max', Infinity) : max ? (max.data as ArrayLike<number>)[0] : Infinity;
  return { min: Math.max(lo, -3.4e38), max: Math.min(hi, 3.4e38) };
}

/** Pad: [x1_begin, x2_begin, …, x1_end, …] over every axis, its mode and constant value. */
export function padOperands(
  opset: number,
  a: Attrs,
  rank: number,
  ins: (Tensor | undefined)[],
  where: string,
): { pads: number[]; mode: string; value: number } {
  const mode = a.string('mode', 'constant');
  if (opset < 11) {
    // Pad-1 called them `paddings`; Pad-2 `pads`
    const pads = a.ints('pads') ?? a.ints('paddings');
    if (!pads) throw bad(`${where}: no pads attribute`);
    return { pads, mode, value: a.float('value', 0) };
  }
  let pads = ints(ins[1]);
  if (!pads) throw bad(`${where}: no pads input`);
  const value = ins[2] ? Number((ins[2].data as ArrayLike<number>)[0] ?? 0) : 0;
  const axes = ints(ins[3]);
  if (axes) {
    const full = new Array<number>(2 * rank).fill(0);
    axes.forEach((ax0, j) => {
      const ax = ax0 < 0 ? ax0 + rank : ax0;
      full[ax] = pads![j];
      full[ax + rank] = pads![j + axes.length];
    });
    pads = full;
  }
  return { pads, mode, value };
}

export interface ResizeParams {
  mode: 'nearest' | 'bilinear';
  coordinateMode: 'asymmetric' | 'halfPixel' | 'pytorchHalfPixel' | 'alignCorners';
  nearestMode: 'floor' | 'roundPreferFloor' | 'roundPreferCeil' | 'ceil';
  /** per axis, batch included: scales (floats) or output sizes */
  scales?: number[];
  sizes?: number[];
}

const COORD: Record<string, ResizeParams['coordinateMode']> = {
  asymmetric: 'asymmetric',
  half_pixel: 'halfPixel',
  // equal to half_pixel whenever the output length is an integer multiple of the input's
  half_pixel_symmetric: 'halfPixel',
  pytorch_half_pixel: 'pytorchHalfPixel',
  align_corners: 'alignCorners',
};
const NEAREST: Record<string, ResizeParams['nearestMode']> = {
  floor: 'floor',
  ceil: 'ceil',
  round_prefer_floor: 'roundPreferFloor',
  round_prefer_ceil: 'roundPreferCeil',
};

/** Upsample (7: scales attribute, 9: scales input) and Resize (10: scales; 11+: roi, scales, sizes). */
export function resizeParams(op: string, opset: number, a: Attrs, ins: (Tensor | undefined)[], rank: number, where: string): ResizeParams {
  const rawMode = a.string('mode', 'nearest');
  const mode = rawMode === 'nearest' ? 'nearest' : rawMode === 'linear' || rawMode === 'bilinear' ? 'bilinear' : undefined;
  if (!mode) throw unsupported(`${where}: mode '${rawMode}'; cnn2mlp upsamples with 'nearest' or 'linear' (bilinear)`);
  if (op === 'Upsample' || opset < 11) {
    // Upsample and Resize-10 sample at x_in = x_out / scale, rounding down for nearest
    let scales: number[] | undefined;
    if (op === 'Upsample' && opset < 9) scales = a.floats('scales') ?? (a.has('height_scale') ? [1, 1, a.float('height_scale', 1), a.float('width_scale', 1)] : undefined);
    else scales = ints(ins[1]);
    if (!scales) throw bad(`${where}: no scales`);
    return { mode, coordinateMode: 'asymmetric', nearestMode: 'floor', scales };
  }
  const ct = a.string('coordinate_transformation_mode', 'half_pixel');
  const coordinateMode = COORD[ct];
  if (!coordinateMode)
    throw unsupported(`${where}: coordinate_transformation_mode '${ct}'; supported: ${Object.keys(COORD).join(', ')}`);
  const nm = a.string('nearest_mode', 'round_prefer_floor');
  const nearestMode = NEAREST[nm];
  if (!nearestMode) throw bad(`${where}: unknown nearest_mode '${nm}'`);
  if (a.int('exclude_outside', 0) !== 0) throw unsupported(`${where}: exclude_outside=1 (it renormalises weights at the border; cnn2mlp clamps)`);
  const policy = a.string('keep_aspect_ratio_policy', 'stretch');
  if (policy !== 'stretch') throw unsupported(`${where}: keep_aspect_ratio_policy '${policy}'; only 'stretch' is supported`);
  let scales = ints(ins[2]);
  let sizes = ints(ins[3]);
  if (scales && scales.length === 0) scales = undefined;
  if (sizes && sizes.length === 0) sizes = undefined;
  const axes = a.ints('axes');
  if (axes) {
    const expand = (v: number[] | undefined, fill: (k: number) => number) => {
      if (!v) return v;
      const full = Array.from({ length: rank }, (_, k) => fill(k));
      axes.forEach((ax, j) => (full[ax < 0 ? ax + rank : ax] = v[j]));
      return full;
    };
    scales = expand(scales, () => 1);
    sizes = expand(sizes, () => NaN);
  }
  return { mode, coordinateMode, nearestMode, scales, sizes };
}
