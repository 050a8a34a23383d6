/**
 * Carrying a tensor past a layer: a value a later op still needs (the skip side of a residual
 * add, a concat input) gets rows of its own in every layer it crosses. Through a linear layer a
 * feature is one row. Through a ReLU layer a feature known ≥ 0 is one row (relu(v) = v) and a
 * signed one two, relu(v) and relu(−v), recombined as u₁ − u₂ by whoever reads it next. Other
 * activations would change the value, so a tensor cannot be carried past them exactly.
 */
import { Cnn2MlpError } from '../errors.js';
import { ACT, type ResolvedActivation } from '../model/plan.js';
import { featureNonNegative, MapBuilder, type AffineMap } from './affine-map.js';
import type { CsrWriter } from './explicit-layer.js';

/** Whether values can be carried past a layer with activation `act`. */
export function carriesPast(act: ResolvedActivation): boolean {
  return act.code === ACT.linear || act.code === ACT.relu;
}

/**
 * Appends to `w` the rows that carry every feature of `m` (over units known ≥ 0 when
 * `unitsNonNeg`) past a layer with activation `act`; returns `m` over the layer's units.
 */
export function carryRows(w: CsrWriter, m: AffineMap, unitsNonNeg: boolean, act: ResolvedActivation, where: string): AffineMap {
  if (!carriesPast(act))
    throw new Cnn2MlpError(
      'ERR_NOT_CONVERTIBLE',
      `${where}: a tensor a later layer reads would have to cross this layer's ${act.name} activation; values are carried exactly only past linear and ReLU layers`,
    );
  const out = new MapBuilder(m.n, 2 * m.n);
  const relu = act.code === ACT.relu;
  for (let i = 0; i < m.n; i++) {
    w.begin();
    for (let j = m.off[i]; j < m.off[i + 1]; j++) w.add(m.unit[j], m.coef[j]);
    out.add(w.end(m.cnst[i]), 1);
    if (relu && !featureNonNegative(m, i, unitsNonNeg)) {
      w.begin();
      for (let j = m.off[i]; j < m.off[i + 1]; j++) w.add(m.unit[j], -m.coef[j]);
      out.add(w.end(-m.cnst[i]), -1);
    }
    out.end(0);
  }
  return out.finish();
}

/**
 * An activation ReLU units express exactly with two rows per value, act(x) = relu(x) +
 * coef·relu(scale·x + shift): relu6 and clip(0, M) as relu(x) − relu(x − M), leakyRelu as
 * relu(x) − α·relu(−x). A layer with such an activation that must also carry tensors becomes a
 * ReLU layer with its rows twice (the second copy scaled and shifted), recombined by its reader;
 * that costs one copy of the layer's rows, the alternative (per-unit activations) a runtime the
 * MLP format does not have.
 */
export interface ReluRewrite {
  scale: number;
  shift: number;
  coef: number;
}

export function reluRewrite(act: ResolvedActivation): ReluRewrite | null {
  if (act.code === ACT.clip && act.min === 0 && Number.isFinite(act.max)) return { scale: 1, shift: -act.max, coef: -1 };
  if (act.code === ACT.leakyRelu) return { scale: -1, shift: 0, coef: -act.alpha };
  return null;
}

/** Feature i = unit i + coef·unit (n + i): the value of a rewritten layer's n outputs. */
export function recombine(n: number, rw: ReluRewrite): AffineMap {
  const out = new MapBuilder(n, 2 * n);
  for (let i = 0; i < n; i++) {
    out.add(i, 1);
    out.add(n + i, rw.coef);
    out.end(0);
  }
  return out.finish();
}

/** Rows [outputs, 2·outputs) compute the op's outputs again, scaled and shifted (see reluRewrite). */
export function secondCopy(rows: number, outputs: number, rw: ReluRewrite) {
  const rowLogical = Int32Array.from({ length: rows }, (_, r) => (r < 2 * outputs ? r % outputs : 0));
  const second = (r: number) => r >= outputs && r < 2 * outputs;
  const rowScale = rw.scale === 1 ? null : Float64Array.from({ length: rows }, (_, r) => (second(r) ? rw.scale : 1));
  const rowShift = rw.shift === 0 ? null : Float64Array.from({ length: rows }, (_, r) => (second(r) ? rw.shift : 0));
  return { rowLogical, rowScale, rowShift };
}
