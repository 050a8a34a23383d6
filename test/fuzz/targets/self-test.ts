/** Harness self-tests (../harness.test.ts): each must be reported as a failure by the watcher. */
import fc from 'fast-check';
import { caseDeadlineMs, type FuzzTarget } from './target.js';

export const selfTest = (what: 'crash' | 'hog' | 'throw' | 'hang' | 'slow'): FuzzTarget<number> => ({
  describe: `self-test: ${what} on case 3`,
  async setup() {},
  arb: fc.nat(),
  async run(_v, _dir, index) {
    if (index !== 3) return 'fine';
    if (what === 'crash') process.kill(process.pid, 'SIGSEGV');
    if (what === 'hog') {
      const blocks: Buffer[] = [];
      for (let k = 0; k < 40; k++) blocks.push(Buffer.alloc(64 * 2 ** 20, 1));
      await new Promise((r) => setTimeout(r, 2000));
      return blocks.length;
    }
    if (what === 'hang') for (;;) Math.random(); // a spinning loader
    if (what === 'slow') return new Promise((r) => setTimeout(r, 2 * caseDeadlineMs())); // async, finishes late
    throw new TypeError('not a Cnn2MlpError');
  },
});
