/**
 * The values an ONNX graph walk tracks, and the CnnModel layers it emits.
 *
 * Every ONNX tensor is either a constant (folded at load) or data: a CnnModel tensor (`ref`, a layer
 * name or the model input) seen through ONNX dims (batch axis left out). Reshape-like ops that keep
 * NCHW memory order change only `dims`; `vector` says whether the CnnModel itself sees a vector
 * ([C] after a global pool, dense or flatten) or a spatial tensor. A Transpose that is not undone
 * yet is carried as `perm` and only layout-blind ops may touch the value until it is.
 */
import type { Layer } from '../../model/types.js';
import type { LayerSpec } from '../graph-tidy.js';
import { unsupported, type Tensor } from './tensor.js';

export interface Data {
  kind: 'data';
  ref: string;
  /** ONNX dims without the batch axis */
  dims: number[];
  /** the CnnModel tensor is a vector (else spatial: [C, H, W], or [C, L] in a 1-D model) */
  vector: boolean;
  /** a pending Transpose (full perm, batch axis included) that a later Transpose must undo */
  perm?: number[];
}
export interface Const {
  kind: 'const';
  t: Tensor;
}
export type Value = Data | Const;


export const count = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

export class LayerBuilder {
  readonly layers: Layer[] = [];
  private used = new Set<string>();

  constructor(readonly inputName: string) {
    this.used.add(inputName);
  }

  /** Appends a layer reading `ins`; its output tensor is named after `hint` (the ONNX output name). */
  emit(spec: LayerSpec, ins: Data[], hint: string, dims: number[], vector: boolean): Data {
    let name = hint || spec.type;
    for (let k = 1; this.used.has(name); k++) name = `${hint || spec.type}_${k}`;
    this.used.add(name);
    this.layers.push({ ...spec, name, inputs: ins.map((d) => d.ref) } as Layer);
    return { kind: 'data', ref: name, dims, vector };
  }
}

/** The same CnnModel tensor seen through other ONNX dims (a reshape that keeps memory order). */
export function view(d: Data, dims: number[]): Data {
  return { ...d, dims };
}

/** Spatial extent of data dims as the CnnModel sees it: [C, H, W], [C, L] → H = 1, [C] → 1 × 1. */
export function spatial(d: Data, where: string): { c: number; h: number; w: number } {
  const s = d.dims;
  if (s.length === 3) return { c: s[0], h: s[1], w: s[2] };
  if (s.length === 2) return { c: s[0], h: 1, w: s[1] };
  if (s.length === 1) return { c: s[0], h: 1, w: 1 };
  throw unsupported(`${where}: a tensor of rank ${s.length + 1} ([N, ${s.join(', ')}]); cnn2mlp runs [N, C, H, W], [N, C, L] and [N, features] tensors`);
}

export function noPerm(d: Data, where: string): Data {
  if (d.perm)
    throw unsupported(
      `${where} reads a tensor transposed by perm [${d.perm.join(', ')}]; cnn2mlp follows a Transpose only through elementwise ops up to a Transpose that undoes it (a layout round trip)`,
    );
  return d;
}
