/**
 * A vitest reporter that adds two lines to every run: which ISAs the ISA-parameterised suites ran on
 * and which they could not (from the test names, which carry the ISA), and every skip with its reason.
 * CI logs then show what a green run did not cover.
 */
import type { Reporter, TestModule } from 'vitest/node';

const ISAS = ['scalar', 'avx2', 'avx512'];

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const tested = new Set<string>();
    const missing = new Set<string>();
    const skips = new Map<string, number>();
    for (const m of modules)
      for (const t of m.children.allTests()) {
        const r = t.result();
        const isa = ISAS.find((i) => new RegExp(`(^|[^a-z0-9])${i}($|[^a-z0-9])`).test(t.fullName));
        if (isa) {
          if (r.state === 'passed' || r.state === 'failed') tested.add(isa);
          else if (r.state === 'skipped') missing.add(isa);
        }
        if (r.state === 'skipped') {
          const why = r.note ?? `no reason given (${m.relativeModuleId}: ${t.fullName})`;
          skips.set(why, (skips.get(why) ?? 0) + 1);
        }
      }
    if (tested.size + missing.size > 0) {
      const not = ISAS.filter((i) => missing.has(i) && !tested.has(i));
      console.log(`\nISA: tested ${ISAS.filter((i) => tested.has(i)).join(', ') || 'none'}; not tested: ${not.join(', ') || 'none'}`);
    }
    if (skips.size === 0) console.log('Skipped: none');
    else for (const [why, n] of skips) console.log(`Skipped ${n}: ${why}`);
  }
}
