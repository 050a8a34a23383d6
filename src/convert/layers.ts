/**
 * Plans the MLP a CNN converts to, layer by layer, without building any weight matrix.
 *
 * Each MLP layer is y = act(diag(s)·(P·M·x) + shift) where
 *  - P is the primary op of one plan record (conv2d, dense, avg pool, global avg pool) or an
 *    explicit small CSR matrix built here (identity layers, max-pool and prelu ReLU stages);
 *  - M is the *input map*: logical input feature i (the primary op's input, internal h,w,c or
 *    vector index) = Σ coef·unit + const over the previous layer's physical units. Permutations
 *    (layouts, flatten), zero padding (empty entries), batch-norm folded forwards and the linear
 *    recombination of a max-pool / prelu network all live here;
 *  - the *output map*: row r computes logical output rowLogical[r] of P (a permutation, used for
 *    the model's output layout), scaled by rowScale[r] and shifted by rowShift[r] (batch-norm and
 *    affine maps folded backwards into the rows).
 * These maps are the size of activations, not of weights; native/runtime/builder.cc composes them
 * with the primary op's weights. Everything here is exact; anything that cannot be expressed
 * exactly throws ERR_NOT_CONVERTIBLE naming the layer.
 */
import { Cnn2MlpError } from '../errors.js';
import { ACT, FLAG_COUNT_INCLUDE_PAD, FLAG_FLATTEN_CHW, OP, type Plan, type PlanOp, type ResolvedActivation } from '../model/plan.js';
import { PRIM, SELU_ALPHA, SELU_GAMMA, type Prim } from '../model/op-contract.js';

/** logical feature i = Σ_k coef[k]·unit[k] + cnst[i] for k in [off[i], off[i+1]) */
export interface AffineMap {
  n: number;
  off: Int32Array;
  unit: Int32Array;
  coef: Float64Array;
  cnst: Float64Array;
}

export { PRIM, type Prim } from '../model/op-contract.js';

export interface LayerPlan {
  prim: Prim;
  /** plan op index (conv/dense/avg); -1 for explicit layers */
  opIndex: number;
  rows: number;
  cols: number;
  /** primary input map (null = identity: logical input i is column i) */
  inMap: AffineMap | null;
  /** explicit layers: CSR over the previous layer's units (sorted, merged), bias per logical row */
  csr?: { rowPtr: Int32Array; colIdx: Int32Array; values: Float64Array; bias: Float64Array };
  rowLogical: Int32Array | null;
  rowScale: Float64Array | null;
  rowShift: Float64Array | null;
  act: ResolvedActivation;
  /** what this layer comes from, for stats and metadata */
  origin: string;
  kind: 'conv2d' | 'dense' | 'avgPool' | 'identity' | 'maxPoolStage' | 'preluStage';
}

export interface MlpPlan {
  inputSize: number;
  outputSize: number;
  layers: LayerPlan[];
}

const LINEAR: ResolvedActivation = { name: 'linear', code: 0, alpha: 0, min: 0, max: 0 };
const RELU: ResolvedActivation = { name: 'relu', code: ACT.relu, alpha: 0, min: 0, max: 0 };

/** Activations whose output is never negative (max-pool stages can then use 2 units, not 3). */
export function nonNegativeAct(a: ResolvedActivation): boolean {
  return a.code === ACT.relu || (a.code === ACT.clip && a.min >= 0) || a.code === ACT.sigmoid || a.code === ACT.softplus;
}

/** The activation in float64, for constant features (padding that went through batch-norm). */
function activateConst(a: ResolvedActivation, v: number): number {
  const f = Math.fround;
  v = f(v);
  switch (a.code) {
    case ACT.relu:
      return v > 0 ? v : 0;
    case ACT.leakyRelu:
      return v >= 0 ? v : f(a.alpha * v);
    case ACT.clip:
      return Math.min(Math.max(v, a.min), a.max);
    case ACT.sigmoid:
      return f(1 / (1 + Math.exp(-v)));
    case ACT.tanh:
      return f(Math.tanh(v));
    case ACT.elu:
      return v >= 0 ? v : f(a.alpha * (Math.exp(v) - 1));
    case ACT.selu:
      return v >= 0 ? f(SELU_GAMMA * v) : f(SELU_GAMMA * SELU_ALPHA * (Math.exp(v) - 1));
    case ACT.softplus:
      return v > 20 ? v : f(Math.log1p(Math.exp(v)));
    default:
      return v;
  }
}

function identityMap(n: number): AffineMap {
  const off = new Int32Array(n + 1);
  const unit = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    off[i + 1] = i + 1;
    unit[i] = i;
  }
  return { n, off, unit, coef: new Float64Array(n).fill(1), cnst: new Float64Array(n) };
}

/** new[i] = old[src(i)] (src < 0: the constant 0), optionally scaled and shifted. */
function gather(m: AffineMap, n: number, src: (i: number) => number, scale?: (i: number) => number, shift?: (i: number) => number): AffineMap {
  let total = 0;
  for (let i = 0; i < n; i++) {
    const s = src(i);
    if (s >= 0) total += m.off[s + 1] - m.off[s];
  }
  const off = new Int32Array(n + 1);
  const unit = new Int32Array(total);
  const coef = new Float64Array(total);
  const cnst = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const s = src(i);
    const a = scale ? scale(i) : 1;
    const b = shift ? shift(i) : 0;
    if (s >= 0) {
      for (let j = m.off[s]; j < m.off[s + 1]; j++) {
        unit[k] = m.unit[j];
        coef[k++] = m.coef[j] * a;
      }
      cnst[i] = m.cnst[s] * a + b;
    } else cnst[i] = b;
    off[i + 1] = k;
  }
  return { n, off, unit, coef, cnst };
}

/** A value built during max-pool / prelu networks: Σ coef·unit + k, with a known sign bound. */
interface Val {
  u: number[];
  c: number[];
  k: number;
  nonNeg: boolean;
}

/** Some output position along an axis whose window misses every input position. */
function emptyWindow(out: number, size: number, k: number, s: number, d: number, before: number): boolean {
  for (let o = 0; o < out; o++) {
    let any = false;
    for (let t = 0; t < k && !any; t++) {
      const p = o * s - before + t * d;
      any = p >= 0 && p < size;
    }
    if (!any) return true;
  }
  return false;
}

function convertError(op: PlanOp, msg: string): never {
  throw new Cnn2MlpError('ERR_NOT_CONVERTIBLE', `${op.layerName}: ${msg}`);
}

/** Plans the MLP for `plan`. Throws ERR_NOT_CONVERTIBLE for what has no exact MLP form. */
export function planMlp(plan: Plan): MlpPlan {
  const layers: LayerPlan[] = [];
  let units = plan.inputSize;
  let unitsNonNeg = false;
  // Logical features of the current tensor (internal h,w,c order) over the current units.
  let S: AffineMap;
  const inShape = plan.inputShape;
  if (inShape.kind === 'spatial' && plan.layout === 'NCHW') {
    const { h, w, c } = inShape;
    S = gather(identityMap(units), units, (i) => {
      const ch = i % c;
      const p = (i - ch) / c;
      return ch * h * w + p; // internal (p = y*w + x, ch) -> physical ch*h*w + p
    });
  } else S = identityMap(units);

  const last = () => layers[layers.length - 1];
  const open = () => layers.length > 0 && last().act.code === ACT.linear;

  const valueNonNeg = (m: AffineMap, i: number) => {
    if (m.cnst[i] < 0) return false;
    if (m.off[i + 1] === m.off[i]) return true;
    if (!unitsNonNeg) return false;
    for (let j = m.off[i]; j < m.off[i + 1]; j++) if (m.coef[j] < 0) return false;
    return true;
  };

  /** S maps each feature to at most one unit, each unit used at most once (and, if `cover`, every unit exactly once, no constant features). */
  const injective = (m: AffineMap, cover: boolean) => {
    const seen = new Uint8Array(units);
    let used = 0;
    for (let i = 0; i < m.n; i++) {
      const len = m.off[i + 1] - m.off[i];
      if (len > 1) return false;
      if (len === 0) {
        if (cover) return false;
        continue;
      }
      const u = m.unit[m.off[i]];
      if (seen[u] || m.coef[m.off[i]] === 0) return false;
      seen[u] = 1;
      used++;
    }
    return !cover || used === units;
  };

  /** Moves S's per-feature affine part into the open last layer's rows; S becomes a plain selection. */
  const foldIntoRows = (cover: boolean): boolean => {
    if (!open() || !injective(S, cover)) return false;
    const L = last();
    if (!L.rowScale) L.rowScale = new Float64Array(L.rows).fill(1);
    if (!L.rowShift) L.rowShift = new Float64Array(L.rows);
    for (let i = 0; i < S.n; i++) {
      const j = S.off[i];
      if (S.off[i + 1] === j) continue;
      const u = S.unit[j];
      const a = S.coef[j];
      L.rowScale[u] *= a;
      L.rowShift[u] = L.rowShift[u] * a + S.cnst[i];
      S.coef[j] = 1;
      S.cnst[i] = 0;
    }
    return true;
  };

  /** An explicit layer whose row i is value vals[i], with activation `act`. */
  const explicitLayer = (vals: Val[], act: ResolvedActivation, kind: LayerPlan['kind'], origin: string) => {
    const rowPtr = new Int32Array(vals.length + 1);
    const cols: number[] = [];
    const values: number[] = [];
    const bias = new Float64Array(vals.length);
    vals.forEach((v, r) => {
      const order = v.u.map((_, j) => j).sort((a, b) => v.u[a] - v.u[b]);
      for (const j of order) {
        if (cols.length > rowPtr[r] && cols[cols.length - 1] === v.u[j]) values[values.length - 1] += v.c[j];
        else {
          cols.push(v.u[j]);
          values.push(v.c[j]);
        }
      }
      rowPtr[r + 1] = cols.length;
      bias[r] = v.k;
    });
    layers.push({
      prim: PRIM.explicit,
      opIndex: -1,
      rows: vals.length,
      cols: units,
      inMap: null,
      csr: { rowPtr, colIdx: Int32Array.from(cols), values: Float64Array.from(values), bias },
      rowLogical: null,
      rowScale: null,
      rowShift: null,
      act,
      origin,
      kind,
    });
    units = vals.length;
    unitsNonNeg = nonNegativeAct(act);
  };

  const valOf = (m: AffineMap, i: number): Val => {
    const u: number[] = [];
    const c: number[] = [];
    for (let j = m.off[i]; j < m.off[i + 1]; j++) {
      u.push(m.unit[j]);
      c.push(m.coef[j]);
    }
    return { u, c, k: m.cnst[i], nonNeg: valueNonNeg(m, i) };
  };

  /** S from values over the current units. */
  const mapOf = (vals: Val[]): AffineMap => {
    const n = vals.length;
    const off = new Int32Array(n + 1);
    let total = 0;
    vals.forEach((v, i) => {
      total += v.u.length;
      off[i + 1] = total;
    });
    const unit = new Int32Array(total);
    const coef = new Float64Array(total);
    const cnst = new Float64Array(n);
    vals.forEach((v, i) => {
      unit.set(v.u, off[i]);
      coef.set(v.c, off[i]);
      cnst[i] = v.k;
    });
    return { n, off, unit, coef, cnst };
  };

  const identityLayer = (act: ResolvedActivation, origin: string) => {
    const vals: Val[] = [];
    for (let i = 0; i < S.n; i++) vals.push(valOf(S, i));
    explicitLayer(vals, act, 'identity', origin);
    S = identityMap(units);
  };

  /** Applies an elementwise activation to the current features. */
  const applyAct = (act: ResolvedActivation, op: PlanOp) => {
    if (act.code === ACT.linear) return;
    if (act.code === ACT.softmax && op.outShape.kind === 'spatial' && op.outH * op.outW > 1)
      convertError(op, `softmax over the channels of a ${op.outH}×${op.outW} spatial output is not an MLP layer activation (the MLP's softmax spans the whole output vector)`);
    const cover = act.code === ACT.softmax;
    if (foldIntoRows(cover)) {
      last().act = act;
      unitsNonNeg = nonNegativeAct(act);
      for (let i = 0; i < S.n; i++) if (S.off[i + 1] === S.off[i]) S.cnst[i] = activateConst(act, S.cnst[i]);
      return;
    }
    identityLayer(act, op.layerName);
  };

  const primary = (op: PlanOp, opIndex: number, prim: Prim, kind: LayerPlan['kind']) => {
    const rows = op.outH * op.outW * op.outC;
    layers.push({ prim, opIndex, rows, cols: units, inMap: S, rowLogical: null, rowScale: null, rowShift: null, act: op.activation, origin: op.layerName, kind });
    if (op.activation.code === ACT.softmax && op.outShape.kind === 'spatial' && op.outH * op.outW > 1)
      convertError(op, `softmax over the channels of a ${op.outH}×${op.outW} spatial output is not an MLP layer activation (the MLP's softmax spans the whole output vector)`);
    units = rows;
    unitsNonNeg = nonNegativeAct(op.activation);
    S = identityMap(rows);
  };

  /** max over each window: a tournament of ReLU stages (see docs/conversion.md). */
  const maxNetwork = (windows: number[][], op: PlanOp) => {
    let vals: Val[][] = windows.map((w) => w.map((i) => valOf(S, i)));
    let stage = 0;
    while (vals.some((v) => v.length > 1)) {
      stage++;
      const rows: Val[] = [];
      const next: Val[][] = [];
      const unitOf = (v: Val) => rows.push(v) - 1 + 0;
      for (const vs of vals) {
        const out: Val[] = [];
        for (let j = 0; j + 1 < vs.length; j += 2) {
          let a = vs[j];
          let b = vs[j + 1];
          if (a.nonNeg && !b.nonNeg) [a, b] = [b, a];
          // max(a, b) = b + relu(a − b); b = relu(b) when b ≥ 0, else relu(b) − relu(−b)
          const d = unitOf({ u: [...a.u, ...b.u], c: [...a.c, ...b.c.map((x) => -x)], k: a.k - b.k, nonNeg: false });
          const p = unitOf({ ...b, nonNeg: false });
          if (b.nonNeg) out.push({ u: [d, p], c: [1, 1], k: 0, nonNeg: true });
          else {
            const q = unitOf({ u: b.u, c: b.c.map((x) => -x), k: -b.k, nonNeg: false });
            out.push({ u: [d, p, q], c: [1, 1, -1], k: 0, nonNeg: a.nonNeg });
          }
        }
        if (vs.length % 2) {
          const v = vs[vs.length - 1];
          const p = unitOf({ ...v });
          if (v.nonNeg) out.push({ u: [p], c: [1], k: 0, nonNeg: true });
          else {
            const q = unitOf({ u: v.u, c: v.c.map((x) => -x), k: -v.k, nonNeg: false });
            out.push({ u: [p, q], c: [1, -1], k: 0, nonNeg: false });
          }
        }
        next.push(out);
      }
      explicitLayer(rows, RELU, 'maxPoolStage', `${op.layerName} stage ${stage}`);
      vals = next;
    }
    // Stage units are ReLU outputs: the structural sign test in valueNonNeg reads them as such.
    S = mapOf(vals.map((v) => v[0]));
  };

  plan.ops.forEach((op, opIndex) => {
    switch (op.op) {
      case OP.conv2d:
        primary(op, opIndex, PRIM.conv, 'conv2d');
        break;
      case OP.dense:
        primary(op, opIndex, PRIM.dense, 'dense');
        break;
      case OP.avgPool2d:
        // A dilated window may miss every input pixel: 0/0 without count_include_pad.
        if (!(op.flags & FLAG_COUNT_INCLUDE_PAD) && (emptyWindow(op.outH, op.inH, op.kh, op.sh, op.dh, op.pads[0]) || emptyWindow(op.outW, op.inW, op.kw, op.sw, op.dw, op.pads[2])))
          convertError(op, 'a pooling window holds only padding (its average is 0/0)');
        primary(op, opIndex, PRIM.avgPool, 'avgPool');
        break;
      case OP.globalAvgPool2d:
        primary(op, opIndex, PRIM.avgPool, 'avgPool');
        break;
      case OP.zeroPad2d: {
        const [pt, , pl] = op.pads;
        S = gather(S, op.outH * op.outW * op.outC, (i) => {
          const ch = i % op.outC;
          const p = (i - ch) / op.outC;
          const x = (p % op.outW) - pl;
          const y = Math.floor(p / op.outW) - pt;
          return y < 0 || y >= op.inH || x < 0 || x >= op.inW ? -1 : (y * op.inW + x) * op.inC + ch;
        });
        applyAct(op.activation, op);
        break;
      }
      case OP.flatten: {
        if (op.flags & FLAG_FLATTEN_CHW) {
          const { inH: h, inW: w, inC: c } = op;
          // vector index j = ch*h*w + p reads internal (p, ch)
          S = gather(S, h * w * c, (j) => {
            const ch = Math.floor(j / (h * w));
            const p = j - ch * h * w;
            return p * c + ch;
          });
        }
        break;
      }
      case OP.batchNorm: {
        const scale = plan.tensors[op.weights];
        const shift = plan.tensors[op.bias];
        const c = op.inC;
        S = gather(S, S.n, (i) => i, (i) => scale[i % c], (i) => shift[i % c]);
        // Fold into the previous layer's rows when nothing nonlinear sits between, else forwards.
        foldIntoRows(false);
        applyAct(op.activation, op);
        break;
      }
      case OP.activation:
        applyAct(op.activation, op);
        break;
      case OP.maxPool2d:
      case OP.globalMaxPool2d: {
        const windows: number[][] = [];
        for (let oy = 0; oy < op.outH; oy++)
          for (let ox = 0; ox < op.outW; ox++)
            for (let ch = 0; ch < op.outC; ch++) {
              const w: number[] = [];
              for (let ky = 0; ky < op.kh; ky++) {
                const y = oy * op.sh - op.pads[0] + ky * op.dh;
                if (y < 0 || y >= op.inH) continue;
                for (let kx = 0; kx < op.kw; kx++) {
                  const x = ox * op.sw - op.pads[2] + kx * op.dw;
                  if (x < 0 || x >= op.inW) continue;
                  w.push((y * op.inW + x) * op.inC + ch);
                }
              }
              if (w.length === 0) convertError(op, 'a pooling window holds only padding');
              windows.push(w);
            }
        maxNetwork(windows, op);
        applyAct(op.activation, op);
        break;
      }
      case OP.prelu: {
        const alpha = plan.tensors[op.weights];
        const c = op.inC;
        const vals: Val[] = [];
        for (let i = 0; i < S.n; i++) vals.push(valOf(S, i));
        if (vals.some((v) => !v.nonNeg)) {
          // prelu(v) = relu(v) − alpha·relu(−v); a value known ≥ 0 passes as relu(v) = v.
          const rows: Val[] = [];
          const out: Val[] = [];
          vals.forEach((v, i) => {
            const p = rows.push({ ...v }) - 1;
            if (v.nonNeg) out.push({ u: [p], c: [1], k: 0, nonNeg: true });
            else {
              const q = rows.push({ u: v.u, c: v.c.map((x) => -x), k: -v.k, nonNeg: false }) - 1;
              out.push({ u: [p, q], c: [1, -alpha[i % c]], k: 0, nonNeg: false });
            }
          });
          explicitLayer(rows, RELU, 'preluStage', op.layerName);
          S = mapOf(out);
        }
        applyAct(op.activation, op);
        break;
      }
      default:
        convertError(op, `op ${op.op} has no exact MLP form`);
    }
  });

  // The MLP's output is the model's output in its own layout.
  const out = plan.outputShape;
  if (out.kind === 'spatial' && plan.layout === 'NCHW') {
    const { h, w, c } = out;
    S = gather(S, h * w * c, (j) => {
      const ch = Math.floor(j / (h * w));
      return (j - ch * h * w) * c + ch;
    });
  }
  let identity = layers.length > 0 && S.n === units;
  for (let i = 0; identity && i < S.n; i++)
    identity = S.off[i + 1] - S.off[i] === 1 && S.unit[S.off[i]] === i && S.coef[S.off[i]] === 1 && S.cnst[i] === 0;
  if (!identity) {
    const L = layers.length ? last() : undefined;
    const isPerm = (m: AffineMap) => {
      if (!injective(m, true)) return false;
      for (let i = 0; i < m.n; i++) if (m.coef[m.off[i]] !== 1 || m.cnst[i] !== 0) return false;
      return true;
    };
    if (L && (isPerm(S) || (L.act.code === ACT.linear && foldIntoRows(true)))) {
      // Reorder the last layer's rows: new row j = old row S.unit[j].
      const perm = Int32Array.from({ length: S.n }, (_, j) => S.unit[S.off[j]]);
      const oldLogical = L.rowLogical;
      L.rowLogical = Int32Array.from(perm, (u) => (oldLogical ? oldLogical[u] : u));
      if (L.rowScale) L.rowScale = Float64Array.from(perm, (u) => L.rowScale![u]);
      if (L.rowShift) L.rowShift = Float64Array.from(perm, (u) => L.rowShift![u]);
      units = S.n;
    } else {
      identityLayer(LINEAR, 'output layout');
    }
  }
  return { inputSize: plan.inputSize, outputSize: units, layers };
}
