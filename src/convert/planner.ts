/**
 * The planner driver: walks the plan's ops and decides what each becomes — a layer of its own
 * (conv2d, dense, average pool), a change of the current input map (layouts, flatten, zero padding,
 * batch-norm), an activation folded into the open layer, or explicit ReLU stages. It tracks:
 *  - `layers` so far and `units`, the width of the last one (whether they are known ≥ 0);
 *  - `features`: the current tensor's logical features (internal h, w, c order) as an affine map
 *    over those units;
 *  - `bytes`, the exact size so far in the budget's format. Explicit layers are counted before
 *    they are stored; once the total passes the limit nothing more is stored, only counted, so
 *    the caller can refuse with the whole estimate having allocated at most about the limit.
 * Everything is exact; what has no exact MLP form throws ERR_NOT_CONVERTIBLE naming the layer.
 */
import { Cnn2MlpError } from '../errors.js';
import { ACT, FLAG_FLATTEN_CHW, OP, type Plan, type PlanOp, type ResolvedActivation } from '../model/plan.js';
import { activateConst, LINEAR, nonNegativeAct, RELU, rowFolded } from './activation.js';
import { entries, fromChannelFirst, gather, identityMap, isIdentity, isInjective, isPermutation, toChannelFirst, type AffineMap } from './affine-map.js';
import { CsrWriter } from './explicit-layer.js';
import { PRIM, type LayerKind, type LayerPlan, type MlpPlan, type Prim } from './layer-plan.js';
import { carriesPast, carryRows, recombine, reluRewrite, secondCopy } from './carry.js';
import { concatMaps, selectPixels, sumMaps, upsampleMap } from './graph-maps.js';
import { transposeConvRows } from './transpose-conv.js';
import { anyMaybeNegative, maxNetwork, maxStages, poolWindows, preluStage } from './relu-stages.js';
import { layerBytes, primaryNonzeros, type MlpFormat } from './size.js';

export interface PlanOptions {
  /** the format whose bytes `limit` and MlpPlan.bytes count */
  format: MlpFormat;
  /** stop storing explicit layers once the plan's bytes would pass this (default: no limit) */
  limit?: number;
  /** false: count explicit layers only, store none (for figures) */
  store?: boolean;
}

function notConvertible(op: PlanOp, msg: string): never {
  throw new Cnn2MlpError('ERR_NOT_CONVERTIBLE', `${op.layerName}: ${msg}`);
}

function refuseSpatialSoftmax(op: PlanOp, act: ResolvedActivation): void {
  if (act.code === ACT.softmax && op.outShape.kind === 'spatial' && op.outH * op.outW > 1)
    notConvertible(op, `softmax over the channels of a ${op.outH}×${op.outW} spatial output is not an MLP layer activation (the MLP's softmax spans the whole output vector)`);
}

class MlpPlanner {
  readonly layers: LayerPlan[] = [];
  private units: number;
  private unitsNonNeg = false;
  /** the tensor the current op transforms (its input 0, then its result) */
  private features: AffineMap;
  /** every tensor still to be read, by value id (0 the input, k + 1 the output of op k), over the current units */
  private readonly values: (AffineMap | null)[];
  /** the last op that reads each value (the model output: ops.length) */
  private readonly lastRead: Int32Array;
  /** the op being planned */
  private at = -1;
  private bytes = 0;
  private stored: boolean;
  private readonly limit: number;

  constructor(
    private readonly plan: Plan,
    private readonly options: PlanOptions,
  ) {
    this.units = plan.inputSize;
    this.stored = options.store !== false;
    this.limit = options.limit ?? Infinity;
    const s = plan.inputShape;
    this.features = s.kind === 'spatial' && plan.layout === 'NCHW' ? fromChannelFirst(identityMap(this.units), s.h, s.w, s.c) : identityMap(this.units);
    const n = plan.ops.length;
    this.values = new Array<AffineMap | null>(n + 1).fill(null);
    this.values[0] = this.features;
    this.lastRead = new Int32Array(n + 1).fill(-1);
    plan.ops.forEach((op, k) => {
      for (const v of op.inputs) this.lastRead[v] = k;
      if (op.residual >= 0) this.lastRead[op.residual] = k;
    });
    this.lastRead[n] = n;
  }

  run(): MlpPlan {
    this.plan.ops.forEach((op, k) => {
      this.at = k;
      this.features = this.values[op.inputs[0]]!;
      this.lower(op, k);
      this.values[k + 1] = this.features;
      for (let v = 0; v <= k; v++) if (this.lastRead[v] <= k) this.values[v] = null;
    });
    this.at = this.plan.ops.length; // past every reader: nothing is carried from here on
    this.features = this.values[this.at]!;
    this.outputLayout();
    return { inputSize: this.plan.inputSize, outputSize: this.units, layers: this.layers, bytes: this.bytes, stored: this.stored };
  }

  private lower(op: PlanOp, opIndex: number): void {
    switch (op.op) {
      case OP.conv2d:
        return this.primary(op, opIndex, PRIM.conv, 'conv2d');
      case OP.dense:
        return this.primary(op, opIndex, PRIM.dense, 'dense');
      case OP.avgPool2d:
      case OP.globalAvgPool2d:
        return this.primary(op, opIndex, PRIM.avgPool, 'avgPool');
      case OP.zeroPad2d:
        this.zeroPad(op);
        return this.activate(op.activation, op);
      case OP.flatten:
        if (op.flags & FLAG_FLATTEN_CHW) this.features = toChannelFirst(this.features, op.inH, op.inW, op.inC);
        return;
      case OP.batchNorm:
        this.batchNorm(op);
        return this.activate(op.activation, op);
      case OP.activation:
        return this.activate(op.activation, op);
      case OP.maxPool2d:
      case OP.globalMaxPool2d:
        this.maxPool(op);
        return this.activate(op.activation, op);
      case OP.prelu:
        this.prelu(op);
        return this.activate(op.activation, op);
      case OP.add:
        this.features = sumMaps(op.inputs.map((v) => this.values[v]!));
        return this.activate(op.activation, op);
      case OP.concat:
        this.features = concatMaps(op.inputs.map((v) => this.values[v]!), op.inputs.map((v) => this.channels(v)), op.outH * op.outW);
        return this.activate(op.activation, op);
      case OP.cropping2d:
        this.features = selectPixels(this.features, op.outH, op.outW, op.inW, op.inC, (y, x) => [y + op.pads[0], x + op.pads[2]]);
        return this.activate(op.activation, op);
      case OP.upsample2d:
        this.features = upsampleMap(this.features, op);
        return this.activate(op.activation, op);
      case OP.conv2dTranspose:
        this.transposeConv(op);
        return this.activate(op.activation, op);
      case OP.multiply:
        notConvertible(op, 'the product of two tensors is not affine in the input, and an MLP layer (y = act(W·x + b)) is affine before its activation');
      // eslint-disable-next-line no-fallthrough
      default:
        notConvertible(op, `op ${op.op} has no exact MLP form`);
    }
  }

  /** Channels of value v (the model input, or an op's output). */
  private channels(v: number): number {
    if (v > 0) return this.plan.ops[v - 1].outC;
    const s = this.plan.inputShape;
    return s.kind === 'vector' ? s.n : s.c;
  }

  /** Values a later op still reads, other than through the current op's result. */
  private carried(): number[] {
    const out: number[] = [];
    for (let v = 0; v < this.values.length; v++) if (this.values[v] && this.lastRead[v] > this.at) out.push(v);
    return out;
  }

  /** Appends carry rows for `values` to `w`; returns their maps over the layer's units. */
  private carryInto(w: CsrWriter, values: number[], maps: AffineMap[], unitsNonNeg: boolean, act: ResolvedActivation): AffineMap[] {
    return values.map((_, k) => carryRows(w, maps[k], unitsNonNeg, act, this.plan.ops[this.at].layerName));
  }

  private pushLayer(layer: LayerPlan): void {
    this.layers.push(layer);
    this.bytes += layerBytes(this.options.format, layer.rows, layer.cols, layer.nonzeros);
    this.units = layer.rows;
    this.unitsNonNeg = nonNegativeAct(layer.act);
  }

  /** A layer computed by a plan op, reading the current features. */
  private primary(op: PlanOp, opIndex: number, prim: Prim, kind: LayerKind): void {
    refuseSpatialSoftmax(op, op.activation);
    const inMap = this.features;
    const outputs = op.outH * op.outW * op.outC;
    // carrying past an activation ReLU rewrites exactly: the op's rows twice, in a ReLU layer
    const rw = this.carried().length && !carriesPast(op.activation) ? reluRewrite(op.activation) : null;
    const act = rw ? RELU : op.activation;
    const primaryRows = rw ? 2 * outputs : outputs;
    const addend = this.addend(op, primaryRows, act);
    const rows = addend ? addend.rows : primaryRows;
    const nonzeros = primaryNonzeros(prim, op, inMap, this.units, addend?.csr ?? null, rw ? 2 : 1);
    const layer = { prim, opIndex, rows, cols: this.units, inMap, csr: addend?.csr ?? null, nonzeros, primaryRows };
    const carry = { carryRows: rows - primaryRows, carryNonzeros: addend?.carryNonzeros ?? 0, addend: addend !== null };
    const copies = rw ? secondCopy(rows, outputs, rw) : { rowLogical: null, rowScale: null, rowShift: null };
    const fold = rowFolded(act); // (nothing is carried past it: carryRows refused that above)
    if (fold) Object.assign(copies, { rowScale: new Float64Array(rows).fill(fold.scale), rowShift: new Float64Array(rows).fill(fold.shift) });
    this.pushLayer({ ...layer, ...carry, ...copies, act: fold ? fold.act : act, origin: op.layerName, kind });
    addend?.values.forEach((v, k) => (this.values[v] = addend.maps[k]));
    this.features = rw ? recombine(outputs, rw) : identityMap(outputs);
  }

  /**
   * Rows added to a primary layer's: a residual fused into the op (row r of the op's output plus
   * feature r of the residual, in each copy of the rows) and the carry rows of every value read
   * later. Null when neither.
   */
  private addend(op: PlanOp, primaryRows: number, act: ResolvedActivation) {
    const values = this.carried();
    const residual = op.residual >= 0 ? this.values[op.residual]! : null;
    if (!values.length && !residual) return null;
    const maps = values.map((v) => this.values[v]!);
    const w = new CsrWriter(op.layerName);
    const outputs = op.outH * op.outW * op.outC;
    const write = () => {
      for (let r = 0; r < primaryRows; r++) {
        const i = r % outputs;
        w.begin();
        if (residual) for (let j = residual.off[i]; j < residual.off[i + 1]; j++) w.add(residual.unit[j], residual.coef[j]);
        w.end(residual ? residual.cnst[i] : 0);
      }
      const own = w.nonzeros;
      const carried = this.carryInto(w, values, maps, this.unitsNonNeg, act);
      return { carried, carryNonzeros: w.nonzeros - own };
    };
    const { carried, carryNonzeros } = write();
    // stored even when the plan is only counted: it is activation-sized, and the exact nonzero
    // count of the layer needs its columns (see primaryNonzeros)
    w.allocate();
    write();
    return { rows: w.rows, nonzeros: w.nonzeros, csr: w.result(), values, maps: carried, carryNonzeros };
  }

  private zeroPad(op: PlanOp): void {
    const [pt, , pl] = op.pads;
    this.features = gather(this.features, op.outH * op.outW * op.outC, (i) => {
      const ch = i % op.outC;
      const p = (i - ch) / op.outC;
      const x = (p % op.outW) - pl;
      const y = Math.floor(p / op.outW) - pt;
      return y < 0 || y >= op.inH || x < 0 || x >= op.inW ? -1 : (y * op.inW + x) * op.inC + ch;
    });
  }

  /** Per-channel scale and shift: into the open layer's rows when nothing nonlinear sits between, else forwards. */
  private batchNorm(op: PlanOp): void {
    const scale = this.plan.tensors[op.weights];
    const shift = this.plan.tensors[op.bias];
    const c = op.inC;
    this.features = gather(this.features, this.features.n, (i) => i, (i) => scale[i % c], (i) => shift[i % c]);
    this.foldIntoRows(false);
  }

  /** The last layer has no activation yet: an affine map after it can move into its rows. */
  private openLayer(): LayerPlan | null {
    const last = this.layers[this.layers.length - 1];
    return last && last.act.code === ACT.linear ? last : null;
  }

  /** Moves each feature's scale and constant into the open layer's rows; features become a plain selection. */
  private foldIntoRows(cover: boolean): boolean {
    const L = this.openLayer();
    const m = this.features;
    // The open layer's rows change for every reader: only when no other tensor reads them.
    if (!L || this.carried().length > 0 || L.carryRows > 0 || !isInjective(m, this.units, cover)) return false;
    const scale = (L.rowScale ??= new Float64Array(L.rows).fill(1));
    const shift = (L.rowShift ??= new Float64Array(L.rows));
    for (let i = 0; i < m.n; i++) {
      const j = m.off[i];
      if (entries(m, i) === 0) continue;
      const u = m.unit[j];
      const a = m.coef[j];
      scale[u] *= a;
      shift[u] = shift[u] * a + m.cnst[i];
      m.coef[j] = 1;
      m.cnst[i] = 0;
    }
    return true;
  }

  /** An elementwise activation of the current features: the open layer's, or an identity layer's. */
  private activate(act: ResolvedActivation, op: PlanOp): void {
    if (act.code === ACT.linear) return;
    refuseSpatialSoftmax(op, act);
    if (this.foldIntoRows(act.code === ACT.softmax)) {
      const L = this.openLayer()!;
      const fold = rowFolded(act);
      if (fold) for (let r = 0; r < L.rows; r++) [L.rowScale![r], L.rowShift![r]] = [L.rowScale![r] * fold.scale, L.rowShift![r] * fold.scale + fold.shift];
      L.act = fold ? fold.act : act;
      this.unitsNonNeg = nonNegativeAct(act);
      const m = this.features;
      for (let i = 0; i < m.n; i++) if (entries(m, i) === 0) m.cnst[i] = activateConst(act, m.cnst[i]);
      return;
    }
    this.identityLayer(act, op.layerName);
  }

  /** A layer whose row i is feature i, with activation `act`. */
  private identityLayer(act: ResolvedActivation, origin: string): void {
    const m = this.features;
    // carrying past it: a ReLU layer with each feature twice, when ReLU rewrites `act` (see carry.ts)
    const rw = this.carried().length && !carriesPast(act) ? reluRewrite(act) : null;
    const fold = rowFolded(act);
    const copies: [number, number][] = rw ? [[1, 0], [rw.scale, rw.shift]] : fold ? [[fold.scale, fold.shift]] : [[1, 0]];
    this.explicitLayers([origin], rw ? RELU : fold ? fold.act : act, 'identity', ([w], mapAfter) => {
      for (const [scale, shift] of copies)
        for (let i = 0; i < m.n; i++) {
          w.begin();
          for (let j = m.off[i]; j < m.off[i + 1]; j++) w.add(m.unit[j], scale * m.coef[j]);
          w.end(scale * m.cnst[i] + shift);
        }
      return mapAfter ? (rw ? recombine(m.n, rw) : identityMap(m.n)) : null;
    });
  }

  /** Its own sparse layer (linear: the op's activation follows as for any other op). */
  private transposeConv(op: PlanOp): void {
    const input = this.features;
    const residual = op.residual >= 0 ? this.values[op.residual]! : null;
    const weights = this.plan.tensors[op.weights];
    const bias = op.bias >= 0 ? this.plan.tensors[op.bias] : null;
    this.explicitLayers([op.layerName], LINEAR, 'convTranspose', ([w], mapAfter) => {
      transposeConvRows(op, weights, bias, input, residual, w);
      return mapAfter ? identityMap(op.outH * op.outW * op.outC) : null;
    });
  }

  private maxPool(op: PlanOp): void {
    const windows = poolWindows(op);
    const origins = Array.from({ length: maxStages(windows.longest) }, (_, s) => `${op.layerName} stage ${s + 1}`);
    const input = this.features;
    const nonNeg = this.unitsNonNeg;
    this.explicitLayers(origins, RELU, 'maxPoolStage', (writers, mapAfter) => maxNetwork(input, nonNeg, windows, writers, mapAfter));
  }

  private prelu(op: PlanOp): void {
    const input = this.features;
    const nonNeg = this.unitsNonNeg;
    if (!anyMaybeNegative(input, nonNeg)) return;
    const alpha = this.plan.tensors[op.weights];
    this.explicitLayers([op.layerName], RELU, 'preluStage', ([w], mapAfter) => preluStage(input, nonNeg, alpha, w, mapAfter));
  }

  /**
   * Explicit layers written by `write` (one writer per layer, each over the previous one's rows):
   * a counting pass that also returns the features after them, then — if the budget allows — a
   * storing pass into arrays of exactly the counted size.
   */
  private explicitLayers(origins: string[], act: ResolvedActivation, kind: LayerKind, write: (writers: CsrWriter[], mapAfter: boolean) => AffineMap | null): void {
    const writers = origins.map((o) => new CsrWriter(o));
    const values = this.carried();
    const start = values.map((v) => this.values[v]!);
    const carryRows: number[] = [];
    const carryNonzeros: number[] = [];
    // each layer's own rows, then the rows carrying every value read later past it
    const writeAll = (mapAfter: boolean) => {
      const after = write(writers, mapAfter);
      let maps = start;
      writers.forEach((w, s) => {
        const [rows, nonzeros] = [w.rows, w.nonzeros];
        maps = this.carryInto(w, values, maps, s === 0 ? this.unitsNonNeg : nonNegativeAct(act), act);
        carryRows[s] = w.rows - rows;
        carryNonzeros[s] = w.nonzeros - nonzeros;
      });
      return { after, maps };
    };
    const { after, maps } = writeAll(true);
    let cols = this.units;
    let bytes = 0;
    for (const w of writers) {
      bytes += layerBytes(this.options.format, w.rows, cols, w.nonzeros);
      cols = w.rows;
    }
    this.stored &&= this.bytes + bytes <= this.limit;
    if (this.stored) {
      for (const w of writers) w.allocate();
      writeAll(false);
    }
    writers.forEach((w, s) => {
      const layer = { prim: PRIM.explicit, opIndex: -1, rows: w.rows, cols: this.units, inMap: null, csr: w.result(), nonzeros: w.nonzeros };
      this.pushLayer({ ...layer, carryRows: carryRows[s], carryNonzeros: carryNonzeros[s], addend: false, rowLogical: null, rowScale: null, rowShift: null, act, origin: origins[s], kind });
    });
    values.forEach((v, k) => (this.values[v] = maps[k]));
    this.features = after!;
  }

  /** The MLP's output is the model's output in its own layout: reorder the last rows, or add a layer. */
  private outputLayout(): void {
    const out = this.plan.outputShape;
    if (out.kind === 'spatial' && this.plan.layout === 'NCHW') this.features = toChannelFirst(this.features, out.h, out.w, out.c);
    if (this.layers.length > 0 && isIdentity(this.features, this.units)) return;
    const L = this.layers[this.layers.length - 1];
    // (a layer with addend rows keeps its row order: the native builder indexes the addend by row)
    if (L && !L.addend && (isPermutation(this.features, this.units) || (L.act.code === ACT.linear && this.foldIntoRows(true)))) {
      // new row j = old row unit[j]
      const m = this.features;
      const perm = Int32Array.from({ length: m.n }, (_, j) => m.unit[m.off[j]]);
      const logical = L.rowLogical;
      L.rowLogical = Int32Array.from(perm, (u) => (logical ? logical[u] : u));
      if (L.rowScale) L.rowScale = Float64Array.from(perm, (u) => L.rowScale![u]);
      if (L.rowShift) L.rowShift = Float64Array.from(perm, (u) => L.rowShift![u]);
      this.units = m.n;
    } else this.identityLayer(LINEAR, 'output layout');
  }
}

/**
 * Plans the MLP for `plan`: maps the size of activations, explicit layers for ReLU stages, the
 * exact size in `options.format`. Throws ERR_NOT_CONVERTIBLE for what has no exact MLP form.
 */
export function planMlp(plan: Plan, options: PlanOptions = { format: 'csr' }): MlpPlan {
  return new MlpPlanner(plan, options).run();
}
