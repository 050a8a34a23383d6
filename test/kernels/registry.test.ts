/**
 * The kernel registry, kernel by kernel. Each registered kernel is called by name (kernelRun) on
 * the edge shapes of support/kernel-cases.ts and compared with its reference kernel, element by
 * element, within the bound derived there (2·γ_n·Σ|terms|, n the reduction length); each
 * reference is compared with the float64 oracle of the same file. Outputs the kernel must not
 * write (pitch gaps) must stay NaN. The FMA probes are checked by the count their FLOP accounting
 * relies on. Kernels whose ISA this CPU lacks are listed as not run (skipped, never attempted).
 * Also checked: the naming scheme, run-time dispatch (cpuInfo().kernels under every ISA the CPU
 * has) and that docs/kernels.md lists exactly the registry.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KERNELS_DOC, renderKernelTable, withTable } from '../../scripts/gen-kernels-doc.js';
import { native } from '../../src/native.js';
import { cpuInfo, setIsa } from '../../src/runtime.js';
import { casesFor, tolerance, type KernelCase } from '../support/kernel-cases.js';

const kernels = native().kernelList();
const byName = new Map(kernels.map((k) => [k.name, k]));
const report = new Map<string, string>();
const ISA_ORDER = ['scalar', 'avx2', 'avx512'];

afterAll(() => {
  const cpu = cpuInfo();
  const lines = kernels.map((k) => `  ${k.name.padEnd(32)} ${report.get(k.name) ?? 'not run'}`);
  console.log(`kernel registry: ${kernels.length} kernels; CPU ${cpu.brand} (${cpu.supportedIsas.join(', ')})\n${lines.join('\n')}`);
});

/** Runs `name` on case c; the output as numbers. */
function run(name: string, c: KernelCase): ArrayLike<number> {
  const out = native().kernelRun(name, c.args);
  return typeof out === 'number' ? [out] : (out as Float32Array);
}

/** Largest error/tolerance ratio of `got` against `want` (want null: the exact values); fails on a bad element. */
function compare(c: KernelCase, got: ArrayLike<number>, want: ArrayLike<number> | null, what: string): number {
  expect(got.length, `${what}: output length`).toBe(c.exact.length);
  let worst = 0;
  for (let i = 0; i < got.length; i++) {
    if (Number.isNaN(c.exact[i])) {
      if (!Number.isNaN(got[i])) expect.fail(`${what}, ${c.label}: wrote element ${i}, which lies in a pitch gap`);
      continue;
    }
    const w = want ? want[i] : c.exact[i];
    const tol = want ? tolerance(c, i) : tolerance(c, i) / 2;
    const err = Math.abs(got[i] - w);
    if (!(err <= tol)) expect.fail(`${what}, ${c.label}: element ${i} is ${got[i]}, expected ${w} ± ${tol}`);
    if (tol > 0) worst = Math.max(worst, err / tol);
  }
  return worst;
}

describe('kernel registry', () => {
  it('names follow <f32|bf16>_<op>_<layout>_<M>x<N>__<isa>; each op has one __ref, which every kernel of the op names', () => {
    const scheme = /^(f32|bf16)_(conv2d|dwconv2d|gconv2d|gemv|gemm|spmv|spmm|sum|fma)_(nhwc|dense|csr|rcsr|read|peak)_(\d+)x(\d+)__(ref|avx2|avx512)$/;
    expect(new Set(kernels.map((k) => k.name)).size).toBe(kernels.length);
    for (const k of kernels) {
      const m = scheme.exec(k.name);
      expect(m, k.name).not.toBeNull();
      const [, type, op, layout, M, N, isa] = m!;
      // run-CSR and bf16-weight kernels have their own ops (their own signature): spmv_rcsr, gemv_bf16, spmv_rcsr_bf16, ...
      const kind = (layout === 'rcsr' ? '_rcsr' : '') + (type === 'bf16' ? '_bf16' : '');
      expect([`${op}${kind}`, Number(M), Number(N)], k.name).toEqual([k.op, k.tileM, k.tileN]);
      expect(isa === 'ref' ? 'scalar' : isa, k.name).toBe(k.isa);
      const ref = byName.get(k.reference);
      expect([ref?.op, ref?.isa, ref?.reference], `${k.name} → ${k.reference}`).toEqual([k.op, 'scalar', k.reference]);
    }
    for (const op of new Set(kernels.map((k) => k.op))) expect(kernels.filter((k) => k.op === op && k.isa === 'scalar').length, op).toBe(1);
  });

  it('dispatch: cpuInfo().kernels names, per op, the widest registered kernel the active ISA covers', () => {
    const before = cpuInfo().activeIsa;
    try {
      for (const isa of cpuInfo().supportedIsas) {
        setIsa(isa);
        const inUse = cpuInfo().kernels;
        const ops = [...new Set(kernels.map((k) => k.op))];
        expect(inUse.map((n) => byName.get(n)?.op)).toEqual(ops);
        for (const name of inUse) {
          const k = byName.get(name)!;
          const widest = kernels.filter((o) => o.op === k.op && ISA_ORDER.indexOf(o.isa) <= ISA_ORDER.indexOf(isa)).map((o) => ISA_ORDER.indexOf(o.isa));
          expect(ISA_ORDER.indexOf(k.isa), `${isa}: ${name}`).toBe(Math.max(...widest));
        }
      }
    } finally {
      setIsa(before);
    }
  });

  it('kernelRun refuses unknown names, and kernels this CPU cannot run', () => {
    expect(() => native().kernelRun('f32_gemm_dense_99x99__avx2', { iters: 1 })).toThrow(/no kernel is registered/);
    const missing = kernels.find((k) => !k.supported);
    if (missing) expect(() => native().kernelRun(missing.name, { iters: 1 })).toThrow(/cannot run/);
  });

  it(`${KERNELS_DOC} lists exactly the registry (npm run gen:kernels-doc)`, () => {
    const doc = readFileSync(path.resolve(import.meta.dirname, '../..', KERNELS_DOC), 'utf8');
    expect(withTable(doc, renderKernelTable(kernels))).toBe(doc);
  });

  for (const k of kernels) {
    const cases = casesFor(k.op);
    const title = k.op === 'fma' ? `${k.name}: FMA count` : `${k.name} vs ${k.reference === k.name ? 'the float64 oracle' : k.reference}: ${cases.length} edge cases`;
    it.skipIf(!k.supported)(title, () => {
      report.set(k.name, 'FAILED');
      if (k.op === 'fma') {
        const [count, sink] = native().kernelRun(k.name, { iters: 1000 }) as [number, number];
        expect(count, 'FMAs per lane-vector = iterations × chains (tile M)').toBe(1000 * k.tileM);
        expect(k.lanes).toBe(k.tileN);
        expect(Number.isFinite(sink)).toBe(true);
        report.set(k.name, `ran: count ${count} = 1000 × ${k.tileM} chains`);
        return;
      }
      let worst = 0;
      for (const c of cases) {
        const got = run(k.name, c);
        worst = Math.max(worst, compare(c, got, k.reference === k.name ? null : run(k.reference, c), k.name));
      }
      report.set(k.name, `ran ${cases.length} cases, worst error/bound ${worst.toFixed(3)}`);
    });
    if (!k.supported) report.set(k.name, `not run: this CPU has no ${k.isa}`);
  }
});
