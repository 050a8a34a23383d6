/**
 * Edge-shape cases for every kernel op of the registry, each with its exact result computed here
 * in float64 (an oracle independent of the native code) and the magnitude that bounds the error.
 *
 * The shapes are the ones tiling gets wrong (XNNPACK's tester list): reduction lengths below one
 * vector or block (k < 16), rows and pixels that are not a multiple of the register tile, odd
 * pixel pitches and strides, row chunks that start mid-tile, channel tails, empty CSR rows, runs
 * of consecutive columns (the plain-load path) next to scattered ones (the gather path), and zero
 * weights. Outputs a kernel must not write (pitch gaps) are NaN in `exact`.
 *
 * Error bound: a float32 sum of n terms (products and the bias) differs from the exact sum by at
 * most γ_n·Σ|terms|, γ_n = n·u/(1 − n·u), u = 2^-24 (Higham, Accuracy and Stability, §3.1), in any
 * order of summation; FMA only removes roundings. A kernel and its reference therefore differ by
 * at most 2·γ_n·Σ|terms|. Every activation used here is 1-Lipschitz, so the bound carries through
 * it; a float32 activation adds its own few roundings of the output (4·u·|y|).
 */
import { planModel } from '../../src/model/plan.js';
import type { Activation, CnnModel, Padding } from '../../src/model/types.js';
import type { NativeKernelArgs, NativeKernelInfo } from '../../src/native.js';
import { mulberry32, seededUniform } from '../../src/util/random.js';
import { U, gamma } from './tolerance.js';


export interface KernelCase {
  label: string;
  args: NativeKernelArgs;
  /** float64 result per output element; NaN where the kernel must leave the output untouched */
  exact: Float64Array;
  /** Σ|terms| per output element (products and bias, before the activation) */
  magnitude: Float64Array;
  /** the longest reduction (terms per output, bias included) */
  terms: number;
}

/** The largest |a − b| a kernel and its reference may differ by at element i (see the header). */
export function tolerance(c: KernelCase, i: number): number {
  return 2 * gamma(c.terms + 1) * c.magnitude[i] + 4 * U * Math.abs(c.exact[i]);
}

type Act = (v: number) => number;
const actName = (a: Activation) => (typeof a === 'string' ? a : a.type);
const ACTS: { spec: Activation; f: Act }[] = [
  { spec: 'linear', f: (v) => v },
  { spec: 'relu', f: (v) => Math.max(v, 0) },
  { spec: { type: 'leakyRelu', alpha: 0.1 }, f: (v) => (v >= 0 ? v : Math.fround(0.1) * v) },
  { spec: { type: 'clip', min: -0.5, max: 0.5 }, f: (v) => Math.min(Math.max(v, -0.5), 0.5) },
  { spec: 'sigmoid', f: (v) => 1 / (1 + Math.exp(-v)) },
];

// --- dense GEMV / GEMM: W rows × ld (zero past K), x or Xt panels [K][bp] ---
/** f rounded to the nearest bfloat16 (ties to even), as native/kernels/bf16_kernels.h stores weights (finite stays finite). */
export function roundBf16(f: number): number {
  const u = new Uint32Array(new Float32Array([f]).buffer);
  const finite = Number.isFinite(Math.fround(f));
  u[0] = ((u[0] + 0x7fff + ((u[0] >>> 16) & 1)) >>> 16) << 16;
  const r = new Float32Array(u.buffer)[0];
  return finite && !Number.isFinite(r) ? Math.sign(r) * 3.3895313892515355e38 : r;
}

// bf16 ops get weights already rounded to bf16, so kernel and oracle use the same weights.
function denseCase(op: 'gemv' | 'gemm', rows: number, K: number, bp: number, chunk: number, seed: number, zero = false, bf16 = false): KernelCase {
  const ld = Math.ceil(K / 16) * 16;
  const lanes = op === 'gemv' ? 1 : bp;
  const W = new Float32Array(rows * ld);
  const w = seededUniform(rows * K, seed);
  for (let r = 0; r < rows; r++) for (let k = 0; k < K; k++) W[r * ld + k] = zero ? 0 : bf16 ? roundBf16(w[r * K + k]) : w[r * K + k];
  const bias = seededUniform(rows, seed + 1);
  const X = new Float32Array(op === 'gemv' ? ld : K * bp);
  X.set(seededUniform(op === 'gemv' ? K : K * bp, seed + 2));
  const exact = new Float64Array(rows * lanes);
  const magnitude = new Float64Array(rows * lanes);
  for (let r = 0; r < rows; r++)
    for (let b = 0; b < lanes; b++) {
      let s = bias[r];
      let m = Math.abs(bias[r]);
      for (let k = 0; k < K; k++) {
        const t = W[r * ld + k] * X[k * lanes + b];
        s += t;
        m += Math.abs(t);
      }
      exact[r * lanes + b] = s;
      magnitude[r * lanes + b] = m;
    }
  const label = `rows ${rows}, K ${K}${op === 'gemm' ? `, bp ${bp}` : ''}, chunk ${chunk}${zero ? ', zero weights' : ''}`;
  const args = op === 'gemv' ? { W, rows, ld, x: X, bias, chunk } : { W, rows, ld, K, Xt: X, bp, bias, chunk };
  return { label, args, exact, magnitude, terms: K + 1 };
}

// --- CSR SpMV / SpMM. Row r % 4: 0 empty, 1 a run of consecutive columns, 2 scattered, 3 three columns ---
type SparseOp = 'spmv' | 'spmm' | 'spmv_rcsr' | 'spmm_rcsr' | 'spmv_rcsr_bf16' | 'spmm_rcsr_bf16';
function csrCase(op: SparseOp, rows: number, cols: number, bp: number, chunk: number, seed: number, zero = false): KernelCase {
  const rnd = mulberry32(seed);
  const ptr = [0];
  const idx: number[] = [];
  for (let r = 0; r < rows; r++) {
    const kind = r % 4;
    if (kind === 1) for (let c = r % cols; c < Math.min(cols, (r % cols) + 9 + r); c++) idx.push(c);
    if (kind === 2) for (let c = 0; c < cols; c++) if (rnd() < 0.3) idx.push(c);
    if (kind === 3) for (const c of new Set([0, Math.floor(cols / 2), cols - 1])) idx.push(c);
    ptr.push(idx.length);
  }
  return sparseCase(op, rows, cols, ptr, idx, bp, chunk, seed, zero ? ', zero values' : '', zero);
}

/**
 * The structure of a converted convolution (NHWC input of h × w × cin, k × k kernel, stride s,
 * padding pad, cout outputs per position): rows of one position share kh runs of kw·cin columns,
 * clipped where the window leaves the input; windows wholly in the padding give empty rows.
 */
function convCsrCase(op: SparseOp, h: number, w: number, cin: number, k: number, s: number, pad: number, cout: number, bp: number, chunk: number, seed: number): KernelCase {
  const oh = Math.floor((h + 2 * pad - k) / s) + 1, ow = Math.floor((w + 2 * pad - k) / s) + 1;
  const ptr = [0];
  const idx: number[] = [];
  for (let oy = 0; oy < oh; oy++)
    for (let ox = 0; ox < ow; ox++)
      for (let co = 0; co < cout; co++) {
        for (let ky = 0; ky < k; ky++) {
          const y = oy * s - pad + ky;
          if (y < 0 || y >= h) continue;
          for (let kx = 0; kx < k; kx++) {
            const x = ox * s - pad + kx;
            if (x >= 0 && x < w) for (let c = 0; c < cin; c++) idx.push((y * w + x) * cin + c);
          }
        }
        ptr.push(idx.length);
      }
  const label = `, conv ${h}×${w}×${cin} k${k} s${s} pad ${pad} → ${oh}×${ow}×${cout}`;
  return sparseCase(op, oh * ow * cout, h * w * cin, ptr, idx, bp, chunk, seed, label, false);
}

function sparseCase(op: SparseOp, rows: number, cols: number, ptr: number[], idx: number[], bp: number, chunk: number, seed: number, note: string, zero: boolean): KernelCase {
  const values = zero ? new Float32Array(idx.length) : seededUniform(idx.length, seed + 1);
  if (op.endsWith('_bf16')) values.forEach((v, i) => (values[i] = roundBf16(v)));
  const bias = seededUniform(rows, seed + 2);
  const vector = op.startsWith('spmv');
  const lanes = vector ? 1 : bp;
  const X = seededUniform(cols * lanes, seed + 3);
  const exact = new Float64Array(rows * lanes);
  const magnitude = new Float64Array(rows * lanes);
  let terms = 1;
  for (let r = 0; r < rows; r++) {
    terms = Math.max(terms, ptr[r + 1] - ptr[r] + 1);
    for (let b = 0; b < lanes; b++) {
      let s = bias[r];
      let m = Math.abs(bias[r]);
      for (let j = ptr[r]; j < ptr[r + 1]; j++) {
        const t = values[j] * X[idx[j] * lanes + b];
        s += t;
        m += Math.abs(t);
      }
      exact[r * lanes + b] = s;
      magnitude[r * lanes + b] = m;
    }
  }
  const base = { rowPtr: Float64Array.from(ptr), colIdx: Int32Array.from(idx), values, rows, cols, bias, chunk };
  const args = vector ? { ...base, x: X } : { ...base, Xt: X, bp };
  return { label: `rows ${rows}, cols ${cols}, nnz ${idx.length}${vector ? '' : `, bp ${bp}`}, chunk ${chunk}${note}`, args, exact, magnitude, terms };
}

interface ConvSpec {
  h: number;
  w: number;
  c: number;
  filters: number;
  k: [number, number];
  s?: [number, number];
  d?: [number, number];
  padding: Padding;
  groups?: number;
  act?: number; // index into ACTS
  zero?: boolean;
}

// --- convolutions, run as the plan record the runtime would hand the kernel; pixels at odd pitches ---
function convCase(op: NativeKernelInfo['op'], sp: ConvSpec, pitchExtra: number, pixelChunk: number, allUnits: boolean, seed: number): KernelCase {
  const groups = sp.groups ?? 1;
  const cinG = sp.c / groups;
  const coutG = sp.filters / groups;
  const weights = sp.zero ? new Float32Array(sp.k[0] * sp.k[1] * cinG * sp.filters) : seededUniform(sp.k[0] * sp.k[1] * cinG * sp.filters, seed);
  const bias = seededUniform(sp.filters, seed + 1);
  const act = ACTS[sp.act ?? 0];
  const model: CnnModel = {
    layout: 'NHWC',
    inputShape: [sp.h, sp.w, sp.c],
    layers: [{ type: 'conv2d', filters: sp.filters, kernelSize: sp.k, strides: sp.s, dilation: sp.d, padding: sp.padding, groups, activation: act.spec, weights, bias }],
  };
  const plan = planModel(model);
  const p = plan.ops[0];
  const inPitch = sp.c + pitchExtra;
  const outPitch = sp.filters + pitchExtra;
  const input = seededUniform((sp.h * sp.w - 1) * inPitch + sp.c, seed + 2);
  const P = p.outH * p.outW;
  const exact = new Float64Array((P - 1) * outPitch + sp.filters).fill(NaN);
  const magnitude = new Float64Array(exact.length);
  for (let oy = 0; oy < p.outH; oy++)
    for (let ox = 0; ox < p.outW; ox++)
      for (let oc = 0; oc < sp.filters; oc++) {
        const g = Math.floor(oc / coutG);
        let s = bias[oc];
        let m = Math.abs(bias[oc]);
        for (let ky = 0; ky < p.kh; ky++) {
          const iy = oy * p.sh - p.pads[0] + ky * p.dh;
          if (iy < 0 || iy >= sp.h) continue;
          for (let kx = 0; kx < p.kw; kx++) {
            const ix = ox * p.sw - p.pads[2] + kx * p.dw;
            if (ix < 0 || ix >= sp.w) continue;
            for (let ci = 0; ci < cinG; ci++) {
              const t = input[(iy * sp.w + ix) * inPitch + g * cinG + ci] * weights[((ky * p.kw + kx) * cinG + ci) * sp.filters + oc];
              s += t;
              m += Math.abs(t);
            }
          }
        }
        const o = (oy * p.outW + ox) * outPitch + oc;
        exact[o] = act.f(s);
        magnitude[o] = m;
      }
  const units = op === 'conv2d' ? groups * Math.ceil(coutG / 16) : 1;
  const label = `${sp.h}×${sp.w}×${sp.c} → ${sp.filters}, k ${sp.k}, s ${sp.s ?? [1, 1]}, groups ${groups}, pitch +${pitchExtra}, ${actName(act.spec)}${sp.zero ? ', zero weights' : ''}, chunks ${pixelChunk}×${allUnits ? units : 1}`;
  const args = { record: plan.records, tensors: plan.tensors, input, inPitch, outPitch, pixelChunk: Math.min(pixelChunk, P), unitChunk: allUnits ? units : 1 };
  return { label, args, exact, magnitude, terms: p.kh * p.kw * cinG + 1 };
}

// Dense layer over a batch as the runtime runs it: a 1 × batch image through the general conv kernel.
function denseAsConvCase(K: number, N: number, batch: number, pitchExtra: number, pixelChunk: number, seed: number): KernelCase {
  const weights = seededUniform(K * N, seed);
  const bias = seededUniform(N, seed + 1);
  const plan = planModel({ layout: 'NHWC', inputShape: [K], layers: [{ type: 'dense', units: N, weights, bias, activation: 'relu' }] });
  const inPitch = K + pitchExtra;
  const outPitch = N + pitchExtra;
  const input = seededUniform((batch - 1) * inPitch + K, seed + 2);
  const exact = new Float64Array((batch - 1) * outPitch + N).fill(NaN);
  const magnitude = new Float64Array(exact.length);
  for (let b = 0; b < batch; b++)
    for (let o = 0; o < N; o++) {
      let s = bias[o];
      let m = Math.abs(bias[o]);
      for (let k = 0; k < K; k++) {
        const t = input[b * inPitch + k] * weights[k * N + o];
        s += t;
        m += Math.abs(t);
      }
      exact[b * outPitch + o] = Math.max(s, 0);
      magnitude[b * outPitch + o] = m;
    }
  const args = { record: plan.records, tensors: plan.tensors, input, batch, inPitch, outPitch, pixelChunk, unitChunk: 1 };
  return { label: `dense ${K} → ${N} over batch ${batch}, pitch +${pitchExtra}, chunk ${pixelChunk}`, args, exact, magnitude, terms: K + 1 };
}

function sumCase(n: number, seed: number): KernelCase {
  const x = seededUniform(n, seed);
  let s = 0;
  let m = 0;
  for (const v of x) {
    s += v;
    m += Math.abs(v);
  }
  return { label: `n ${n}`, args: { x }, exact: Float64Array.of(s), magnitude: Float64Array.of(m), terms: n };
}

/** The cases for one kernel op (fma is checked by its count, see registry.test.ts). */
export function casesFor(op: NativeKernelInfo['op']): KernelCase[] {
  switch (op) {
    case 'gemv_bf16':
      return [denseCase('gemv', 1, 1, 1, 1, 51, false, true), denseCase('gemv', 13, 33, 1, 3, 52, false, true), denseCase('gemv', 37, 130, 1, 37, 53, false, true)];
    case 'gemm_bf16':
      return [denseCase('gemm', 7, 5, 16, 7, 54, false, true), denseCase('gemm', 13, 33, 48, 5, 55, false, true), denseCase('gemm', 25, 1030, 32, 13, 56, false, true)];
    case 'gemv':
      return [denseCase('gemv', 1, 1, 1, 1, 11), denseCase('gemv', 5, 7, 1, 5, 12), denseCase('gemv', 13, 33, 1, 3, 13), denseCase('gemv', 37, 130, 1, 37, 14), denseCase('gemv', 9, 16, 1, 4, 15, true)];
    case 'gemm':
      return [
        denseCase('gemm', 1, 1, 16, 1, 21),
        denseCase('gemm', 7, 5, 16, 7, 22),
        denseCase('gemm', 13, 33, 48, 5, 23),
        denseCase('gemm', 25, 1030, 32, 13, 24), // K past one 1024 block
        denseCase('gemm', 12, 16, 64, 12, 25, true),
      ];
    case 'spmv':
    case 'spmm': {
      const bp = op === 'spmv' ? 1 : 48;
      return [csrCase(op, 1, 1, 16, 1, 31), csrCase(op, 11, 7, bp, 3, 32), csrCase(op, 29, 70, op === 'spmv' ? 1 : 80, 29, 33), csrCase(op, 9, 40, 16, 4, 34, true)];
    }
    case 'spmv_rcsr':
    case 'spmm_rcsr':
    case 'spmv_rcsr_bf16':
    case 'spmm_rcsr_bf16': {
      // Runs shorter than a vector (1·3) and of one column (cin 1, k 1), runs of 7·3 = 21 and
      // 5·5 = 25, runs ending on the last column, padding-clipped and empty rows (pad 3, k 2).
      // Value chunks (16 rows sharing a pattern): fewer rows (cout 2, 3, 5), exactly 16, and 40 or
      // 17 rows per pattern (cut into 16 + 16 + 8, 16 + 1); row ranges (chunk) that start and end
      // inside a value chunk (5, 7, 11, 13); scattered rows (patterns of one row each).
      const bp = op.startsWith('spmv') ? 1 : 48;
      return [
        csrCase(op, 1, 1, 16, 1, 41),
        csrCase(op, 29, 70, op.startsWith('spmv') ? 1 : 80, 29, 42),
        csrCase(op, 9, 40, 16, 4, 43, true),
        convCsrCase(op, 5, 6, 3, 1, 1, 0, 2, bp, 7, 44),
        convCsrCase(op, 9, 8, 3, 7, 2, 3, 3, bp, 5, 45),
        convCsrCase(op, 6, 7, 5, 5, 1, 2, 5, 16, 11, 46),
        convCsrCase(op, 3, 3, 2, 2, 3, 3, 2, bp, 4, 47),
        convCsrCase(op, 6, 5, 3, 3, 1, 1, 40, bp, 13, 48),
        convCsrCase(op, 4, 4, 1, 1, 1, 0, 17, bp, 5, 49),
        convCsrCase(op, 5, 5, 2, 3, 2, 1, 16, op.startsWith('spmv') ? 1 : 32, 16, 50),
        // a full 1100-column pattern on 19 rows: the SpMM's column blocks (1024 columns at bp 16)
        convCsrCase(op, 1, 1, 1100, 1, 1, 0, 19, op.startsWith('spmv') ? 1 : 16, 7, 51),
      ];
    }
    case 'conv2d':
      return [
        convCase(op, { h: 5, w: 7, c: 3, filters: 5, k: [3, 3], padding: 'same', act: 1 }, 0, 1000, true, 41),
        convCase(op, { h: 9, w: 11, c: 17, filters: 33, k: [3, 2], s: [3, 1], padding: 'valid', act: 2 }, 3, 7, false, 42),
        convCase(op, { h: 4, w: 13, c: 20, filters: 70, k: [1, 1], padding: 'valid', act: 3 }, 1, 5, true, 43),
        convCase(op, { h: 3, w: 2, c: 2, filters: 9, k: [5, 4], padding: [2, 2, 2, 1], act: 4 }, 1, 1000, true, 44), // every tap of some pixels in padding
        convCase(op, { h: 7, w: 9, c: 6, filters: 34, k: [3, 3], d: [2, 1], padding: 'same', groups: 2 }, 0, 11, false, 45),
        convCase(op, { h: 6, w: 6, c: 4, filters: 16, k: [3, 3], padding: 'same', zero: true }, 1, 1000, true, 46),
        denseAsConvCase(37, 21, 7, 3, 7, 47),
        denseAsConvCase(5, 40, 13, 1, 5, 48),
      ];
    case 'dwconv2d':
      return [
        convCase(op, { h: 9, w: 9, c: 20, filters: 20, k: [3, 3], padding: 'same', groups: 20, act: 1 }, 0, 1000, true, 51),
        convCase(op, { h: 11, w: 13, c: 70, filters: 70, k: [5, 3], s: [2, 3], padding: [2, 1, 0, 3], groups: 70 }, 3, 7, true, 52),
        convCase(op, { h: 4, w: 5, c: 5, filters: 5, k: [3, 3], padding: 'valid', groups: 5, act: 4, zero: true }, 1, 1000, true, 53),
      ];
    case 'gconv2d':
      return [
        convCase(op, { h: 7, w: 8, c: 8, filters: 12, k: [3, 2], padding: [1, 0, 2, 1], groups: 4, act: 2 }, 0, 1000, true, 61),
        convCase(op, { h: 9, w: 7, c: 12, filters: 15, k: [3, 3], s: [2, 3], padding: 'same', groups: 3 }, 3, 5, true, 62),
        convCase(op, { h: 5, w: 5, c: 6, filters: 6, k: [1, 1], padding: 'valid', groups: 2, act: 3, zero: true }, 1, 1000, true, 63),
      ];
    case 'sum':
      return [sumCase(64, 71), sumCase(64 * 37, 72)];
    default:
      return [];
  }
}
