/**
 * What `verify --precision bf16` reports: the MLP with its weights rounded to bf16 against the fp32
 * MLP of the same format and against the direct CNN, on the same inputs. Approximate by design, so
 * reported beside the check, never part of it.
 */
import type { Mlp } from '../mlp/mlp.js';
import { argmaxRows } from './models.js';
import { table } from './output.js';

export interface Bf16Effect {
  engine: string;
  /** layers holding bf16 weights, of all layers (CSR and run-CSR layers stay fp32) */
  bf16Layers: number;
  layers: number;
  /** weight bytes of the bf16 MLP */
  bytes: number;
  /** max |bf16 − fp32 MLP| over all outputs */
  maxAbsVsMlp: number;
  /** max |bf16 − CNN| over all outputs */
  maxAbsVsCnn: number;
  /** samples whose argmax differs from the fp32 MLP's / the CNN's */
  predictionsDifferVsMlp: number;
  predictionsDifferVsCnn: number;
}

function diff(x: Float32Array, ref: Float32Array, batch: number): { maxAbs: number; differ: number } {
  let maxAbs = x.length === ref.length ? 0 : NaN;
  for (let i = 0; i < ref.length && !Number.isNaN(maxAbs); i++) {
    const d = Math.abs(x[i] - ref[i]);
    if (!(d <= maxAbs)) maxAbs = d; // a NaN sticks
  }
  const a = argmaxRows(x, batch);
  const b = argmaxRows(ref, batch);
  let differ = 0;
  for (let i = 0; i < batch; i++) if (a[i] !== b[i]) differ++;
  return { maxAbs, differ };
}

/** `y` (the bf16 MLP's outputs) against the fp32 MLP's `mlpOut` and the CNN's `cnnOut`. */
export function bf16Effect(engine: string, mlp: Mlp, y: Float32Array, mlpOut: Float32Array, cnnOut: Float32Array, batch: number): Bf16Effect {
  const vsMlp = diff(y, mlpOut, batch);
  const vsCnn = diff(y, cnnOut, batch);
  return {
    engine,
    bf16Layers: mlp.layers.filter((l) => l.precision === 'bf16').length,
    layers: mlp.layers.length,
    bytes: mlp.bytes,
    maxAbsVsMlp: vsMlp.maxAbs,
    maxAbsVsCnn: vsCnn.maxAbs,
    predictionsDifferVsMlp: vsMlp.differ,
    predictionsDifferVsCnn: vsCnn.differ,
  };
}

/** The human-readable table of the bf16 rows. */
export function bf16Table(rows: Bf16Effect[], batch: number): string {
  const head = ['bf16 weights (not checked)', 'bf16 layers', 'max |Δ| vs fp32 MLP', 'max |Δ| vs CNN', `argmax differs vs fp32 MLP (of ${batch})`, 'vs CNN'];
  const body = rows.map((r) => [r.engine, `${r.bf16Layers} of ${r.layers}`, r.maxAbsVsMlp.toExponential(2), r.maxAbsVsCnn.toExponential(2), String(r.predictionsDifferVsMlp), String(r.predictionsDifferVsCnn)]);
  return table([head, ...body]);
}
