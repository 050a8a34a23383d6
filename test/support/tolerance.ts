/**
 * The one place test tolerances are derived. Every bound here is a worst-case bound on what a
 * float32 computation can differ from the exact one, per output, from the actual reduction:
 *
 * - A float32 sum of K products plus a bias, added in any order (SIMD lanes, K blocks, FMA or
 *   not), differs from the exact value by at most γ(K + 1)·(|b| + Σ|w·x|), with u = 2^-24 the unit
 *   roundoff and γ(n) = n·u / (1 − n·u) (Higham, Accuracy and Stability of Numerical Algorithms,
 *   §3.1: each product is one rounding, each addition one more).
 * - A value that is already off by e_j upstream moves the sum by at most Σ|w_j|·e_j.
 * - An activation passes an error on times its Lipschitz constant and adds its own rounding:
 *   one rounding for piecewise-linear ones, a few ulps of the result plus a few ulps absolute for
 *   exp/tanh/log1p (float32 library or polynomial versions, whose error near zero is absolute).
 * - A weight stored once in float32 after being composed in double (convert's MLP weights, the
 *   planner's batch-norm scale and shift) is off by at most u·|w|: u·Σ|w·x| for the row.
 *
 * These bounds hold for any correct implementation, so a test using them cannot fail spuriously,
 * yet they are O(K·u) of the output's magnitude: a dropped product, a wrong tap or a relative
 * error of 1e-5 in any kernel exceeds them on small-K outputs (test/kernels, test/convert).
 */

/** float32 unit roundoff */
export const U = 2 ** -24;

/** γ(n) = n·u / (1 − n·u): the relative error bound of n chained float32 roundings. */
export function gamma(n: number): number {
  return (n * U) / (1 - n * U);
}

/** Bound for a float32 dot product of `terms` products plus a bias whose Σ|terms| + |bias| is `mag`. */
export function dotError(terms: number, mag: number): number {
  return gamma(terms + 1) * mag;
}

/** Activations as the model format names them (resolved: defaults filled in). */
export interface ActParams {
  type: string;
  alpha: number;
  min: number;
  max: number;
  /** hardSigmoid's offset */
  beta?: number;
}

const SELU_L = 1.0507009873554805;
const SELU_A = 1.6732632423543772;

/** Exact activation value in float64 (softmax is handled by the caller, over a whole group). */
export function activate(a: ActParams, v: number): number {
  switch (a.type) {
    case 'relu': return v > 0 ? v : 0;
    case 'leakyRelu': return v >= 0 ? v : a.alpha * v;
    case 'clip': return Math.min(Math.max(v, a.min), a.max);
    case 'sigmoid': return 1 / (1 + Math.exp(-v));
    case 'tanh': return Math.tanh(v);
    case 'elu': return v >= 0 ? v : a.alpha * Math.expm1(v);
    case 'selu': return v >= 0 ? SELU_L * v : SELU_L * SELU_A * Math.expm1(v);
    case 'softplus': return v > 30 ? v : Math.log1p(Math.exp(v));
    case 'hardSigmoid': return Math.max(0, Math.min(1, a.alpha * v + (a.beta ?? 0.5)));
    case 'hardSwish': return (v * Math.min(Math.max(v + 3, 0), 6)) / 6;
    case 'swish': return v / (1 + Math.exp(-v));
    default: return v;
  }
}

/** The activation's Lipschitz constant: how much an input error can grow through it. */
export function lipschitz(a: ActParams): number {
  switch (a.type) {
    case 'leakyRelu':
    case 'elu': return Math.max(1, Math.abs(a.alpha));
    case 'selu': return SELU_L * SELU_A;
    case 'sigmoid': return 0.25;
    case 'hardSigmoid': return Math.abs(a.alpha);
    case 'hardSwish': return 1.5; // slope (2x + 3) / 6 at x = 3
    case 'swish': return 1.1; // max of σ(x)(1 + x(1 − σ(x))) ≈ 1.0998
    default: return 1;
  }
}

/** How far an activation's float32 result may be from the exact one, given its input is off by `e`. */
export function activationError(a: ActParams, y: number, e: number): number {
  switch (a.type) {
    case 'linear': return e;
    case 'relu': return e;
    // bounds and slopes are stored in float32 (one rounding), a slope then multiplies (one more)
    case 'clip': return e + U * Math.abs(y);
    case 'leakyRelu': return Math.max(1, Math.abs(a.alpha)) * e + 2 * U * Math.abs(y);
    case 'elu': return Math.max(1, Math.abs(a.alpha)) * e + 8 * U * (Math.abs(y) + Math.abs(a.alpha));
    case 'selu': return SELU_L * SELU_A * e + 8 * U * (Math.abs(y) + SELU_L * SELU_A);
    case 'sigmoid': return 0.25 * e + 8 * U * (Math.abs(y) + 1);
    case 'tanh': return e + 8 * U * (Math.abs(y) + 1);
    case 'softplus': return e + 8 * U * (Math.abs(y) + 1);
    case 'swish': return 1.1 * e + 8 * U * (Math.abs(y) + 1);
    // slope and offset stored in float32, then a multiply-add and a clamp; x·relu6(x + 3)/6: 4 roundings
    case 'hardSigmoid': return Math.abs(a.alpha) * e + 4 * U * (Math.abs(y) + 1);
    case 'hardSwish': return 1.5 * e + 4 * U * (Math.abs(y) + 1);
    default: return e;
  }
}

/**
 * Softmax over `y` in place, with its errors: ∂y_i/∂z_j = y_i(δ_ij − y_j), so an input error of at
 * most E moves y_i by at most 2·y_i·E (first order; E is ~1e-6 here), plus the float32 exp/divide.
 */
export function softmaxWithError(y: Float64Array, e: Float64Array, from: number, n: number): void {
  let m = -Infinity;
  let E = 0;
  for (let i = from; i < from + n; i++) {
    m = Math.max(m, y[i]);
    E = Math.max(E, e[i]);
  }
  let s = 0;
  for (let i = from; i < from + n; i++) s += y[i] = Math.exp(y[i] - m);
  for (let i = from; i < from + n; i++) {
    y[i] /= s;
    e[i] = 2.01 * y[i] * E + gamma(n + 8) * y[i] + 1e-30;
  }
}

/** Largest |got − want| / tol; ≤ 1 means within the bound everywhere (NaN counts as infinitely far). */
export function worstRatio(got: ArrayLike<number>, want: ArrayLike<number>, tol: ArrayLike<number>): { ratio: number; at: number } {
  let ratio = 0;
  let at = -1;
  for (let i = 0; i < got.length; i++) {
    const r = Math.abs(got[i] - want[i]) / tol[i];
    if (!(r <= ratio) && !(got[i] === want[i])) {
      ratio = Number.isNaN(r) ? Infinity : r;
      at = i;
    }
  }
  return { ratio, at };
}

/** Fails with the worst output named unless every |got − want| ≤ tol. */
export function assertWithin(got: ArrayLike<number>, want: ArrayLike<number>, tol: ArrayLike<number>, what: string): number {
  if (got.length !== want.length) throw new Error(`${what}: ${got.length} outputs, expected ${want.length}`);
  const { ratio, at } = worstRatio(got, want, tol);
  if (!(ratio <= 1)) throw new Error(`${what}: output ${at} is ${got[at]}, expected ${want[at]} ± ${tol[at]} (${ratio.toPrecision(3)}× the bound)`);
  return ratio;
}
