// Every MLP kernel family the CPU supports (scalar, avx2, avx512) against a naive float64 TS
// evaluation, over the edge shapes: rows/cols off the tile sizes, cols < 16, one row, empty CSR
// rows, zero weights, batch 1..33, and layers large enough to split across threads.
// Tolerance: per-output worst-case float32 summation bound γ(K + 1)·Σ|w·x| (test/support/tolerance.ts),
// K the reduction length; a wrong index or a missed tile gives errors of order |w·x|, far above it.
// On wide rows that bound (~K²·u of one product) is too loose to see one dropped product, so every
// shape also runs on dyadic data (test/support/mlp-reference.ts), which any correct kernel sums
// exactly: there the bound is zero.
import { afterAll, describe, expect, it } from 'vitest';
import { setIsa } from '../../src/runtime.js';
import { ALL_ISAS, skipUnlessIsa } from '../support/skips.js';
import { mlpFromLayers, type MlpLayerSpec } from '../../src/mlp/layers.js';
import { runMlp, runMlpSync } from '../../src/mlp/run.js';
import { dyadic, dyadicLayer, randomCsr, randomDense, randomInput, referenceMlp, worstRatio } from '../support/mlp-reference.js';
import { mulberry32 } from '../../src/util/random.js';

const refs = new Map<string, { y: Float64Array; tol: Float64Array }>();
afterAll(() => {
  setIsa('auto');
});

async function check(inputSize: number, layers: MlpLayerSpec[], batch: number, threads: number, seed: number): Promise<void> {
  // The float64 reference is ISA-independent: compute it once per case.
  const key = `${seed}:${batch}`;
  const x = randomInput(mulberry32(seed), batch * inputSize);
  if (!refs.has(key)) refs.set(key, referenceMlp(inputSize, layers, x));
  const { y, tol } = refs.get(key)!;
  using mlp = mlpFromLayers(inputSize, layers);
  const got = threads === 1 ? runMlpSync(mlp, x, { threads }) : await runMlp(mlp, x, { threads });
  const { ratio, at } = worstRatio(got, y, tol);
  expect(ratio, `worst at output ${at}: got ${got[at]}, want ${y[at]} ± ${tol[at]}`).toBeLessThanOrEqual(1);
}

const BATCHES = [1, 2, 7, 15, 16, 17, 31, 32, 33];
const DENSE_SHAPES: Array<[number, number]> = [
  [1, 1],
  [1, 40],
  [3, 15],
  [5, 16],
  [13, 17],
  [12, 33],
  [25, 100],
  [37, 300],
  // K > 1024: the GEMM's K blocks (KC = 1024) accumulate partial sums in the output panel.
  [13, 4200],
  // Several 12-row tiles per K block (each prefetches the next tile's W, the last one the next K
  // block's first tile), 2 tail rows, a partial last K block; GEMV: 4-row groups + 2 tail rows.
  [50, 2100],
];

/** Dyadic weights and inputs: the result must be exact (see the file comment). */
function checkExact(inputSize: number, layer: MlpLayerSpec, batch: number, seed: number, threads = 1): void {
  const rand = mulberry32(seed);
  const l = dyadicLayer(layer, rand);
  const x = dyadic(rand, batch * inputSize);
  const { y } = referenceMlp(inputSize, [l], x);
  using mlp = mlpFromLayers(inputSize, [l]);
  const got = runMlpSync(mlp, x, { threads });
  const at = got.findIndex((v, i) => v !== y[i]);
  expect(at, `dyadic ${layer.format} ${layer.rows}×${layer.cols}, batch ${batch}: output ${at} is ${got[at]}, exactly ${y[at]}`).toBe(-1);
}

describe.each(ALL_ISAS)('MLP kernels, %s', (isa) => {
  skipUnlessIsa(isa);
  it('dense and CSR sums are exact on dyadic data, wide rows included (a dropped product shows)', () => {
    setIsa(isa);
    let seed = 500;
    for (const [rows, cols] of DENSE_SHAPES)
      for (const batch of [1, 2, 7, 32, 33]) checkExact(cols, randomDense(mulberry32(seed), rows, cols), batch, seed++);
    for (const [rows, cols, density] of [[19, 40, 0.3], [50, 2100, 0.5], [13, 4200, 1]] as const)
      for (const batch of [1, 3, 16, 33]) checkExact(cols, randomCsr(mulberry32(seed), rows, cols, density, 4), batch, seed++);
  });

  it('dense GEMV/GEMM: rows and cols off the tile, one row, cols < 16, batch 1..33', async () => {
    setIsa(isa);
    let seed = 1;
    for (const [rows, cols] of DENSE_SHAPES)
      for (const batch of BATCHES) await check(cols, [randomDense(mulberry32(seed), rows, cols)], batch, 1, seed++);
  });

  it('CSR SpMV/SpMM: empty rows, short and long rows, batch 1..33', async () => {
    setIsa(isa);
    let seed = 100;
    const shapes: Array<[number, number, number, number]> = [
      [1, 5, 1, 0],
      [7, 3, 0.5, 2],
      [19, 40, 0.3, 3],
      [50, 200, 0.2, 7],
      [30, 64, 1, 0],
    ];
    for (const [rows, cols, density, empty] of shapes)
      for (const batch of BATCHES) await check(cols, [randomCsr(mulberry32(seed), rows, cols, density, empty)], batch, 1, seed++);
  });

  it('CSR rows made of consecutive-column runs (the SpMV plain-load path) mixed with gathers', async () => {
    setIsa(isa);
    // Runs of 1..40 consecutive columns at random gaps, like a converted conv's kw·cin runs: some
    // 8/16-nonzero groups are consecutive (one plain load), some straddle a gap (a gather), and
    // the last column is reached (a load ending exactly at cols).
    const rand = mulberry32(31);
    const rows = 60;
    const cols = 400;
    const rowPtr = [0];
    const colIdx: number[] = [];
    const values: number[] = [];
    for (let r = 0; r < rows; r++) {
      let c = r % 3 === 0 ? 0 : Math.floor(rand() * 30);
      while (c < cols) {
        const len = 1 + Math.floor(rand() * 40);
        for (let q = 0; q < len && c < cols; q++, c++) {
          colIdx.push(c);
          values.push(rand() * 2 - 1);
        }
        c += r % 5 === 0 ? 0 : 1 + Math.floor(rand() * 20);
      }
      rowPtr.push(colIdx.length);
    }
    const layer: MlpLayerSpec = {
      format: 'csr', rows, cols, rowPtr, colIdx: Int32Array.from(colIdx), values: Float32Array.from(values),
      bias: new Float32Array(rows).map(() => rand() - 0.5),
    } as MlpLayerSpec;
    for (const batch of [1, 3, 32]) await check(cols, [layer], batch, 1, 300 + batch);
  });

  it('all-zero weights give exactly act(bias)', async () => {
    setIsa(isa);
    const rand = mulberry32(7);
    const dense = randomDense(rand, 9, 20, { activation: 'relu' });
    (dense.values as Float32Array).fill(0);
    const csr = randomCsr(rand, 9, 9, 0.5, 0, { activation: 'relu' });
    (csr.values as Float32Array).fill(0);
    using mlp = mlpFromLayers(20, [dense, csr]);
    const y = runMlpSync(mlp, randomInput(rand, 20 * 3), { threads: 1 });
    const want = Array.from(csr.bias!, (b) => Math.max(0, b));
    for (let b = 0; b < 3; b++) expect(Array.from(y.subarray(b * 9, b * 9 + 9))).toEqual(want);
  });

  it('multi-chunk layers on 1 and 2 threads (rows split, nonzeros balanced)', async () => {
    setIsa(isa);
    const dense = randomDense(mulberry32(11), 3000, 500, { activation: 'relu' });
    const csr = randomCsr(mulberry32(12), 20000, 3000, 0.01, 5, { activation: 'tanh' });
    for (const threads of [1, 2]) {
      await check(500, [dense], 1, threads, 21);
      await check(500, [dense], 17, threads, 22);
      await check(3000, [csr], 1, threads, 23);
      await check(3000, [csr], 33, threads, 24);
    }
  });
});
