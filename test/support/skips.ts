/**
 * Skips that say why. `skipUnless(ok, reason)` inside a describe block skips each of its tests
 * with `reason` as the note, which test/support/summary-reporter.ts prints at the end of the run;
 * with CNN2MLP_REQUIRE_DEPS=1 (CI) a missing dependency fails the tests instead.
 * ISA-specific suites are declared for every ISA the runtime has kernels for and skipped, with a
 * reason, where this CPU lacks one: what did not run is listed, never silently left out.
 */
import { beforeEach } from 'vitest';
import { cpuInfo } from '../../src/runtime.js';

export function skipUnless(ok: unknown, reason: string): void {
  beforeEach((ctx) => {
    if (ok) return;
    // CI installs every optional dependency: there a missing one is a failure, not a skip
    if (process.env.CNN2MLP_REQUIRE_DEPS === '1' && !reason.startsWith('ISA ')) throw new Error(`CNN2MLP_REQUIRE_DEPS=1 but: ${reason}`);
    ctx.skip(reason);
  });
}

/** Every ISA with native kernels, whether or not this CPU has it. */
export const ALL_ISAS = ['scalar', 'avx2', 'avx512'] as const;
export type Isa = (typeof ALL_ISAS)[number];

const info = cpuInfo();

/** CNN2MLP_TEST_ISAS=scalar,avx2 limits the run to those ISAs (to check the skip path, or to save time). */
const only = process.env.CNN2MLP_TEST_ISAS?.split(',').map((s) => s.trim());

/** undefined if this CPU runs `isa`, else the reason it cannot be tested here. */
export function isaMissing(isa: Isa): string | undefined {
  if (!(info.supportedIsas as string[]).includes(isa)) return `ISA ${isa} not available on this CPU (${info.brand}; supports ${info.supportedIsas.join(', ')})`;
  if (only && !only.includes(isa)) return `ISA ${isa} left out by CNN2MLP_TEST_ISAS=${only.join(',')}`;
  return undefined;
}

/** Inside an ISA-parameterised describe: skip its tests, with the reason, when the CPU lacks `isa`. */
export function skipUnlessIsa(isa: Isa): void {
  const missing = isaMissing(isa);
  skipUnless(!missing, missing ?? '');
}
