/**
 * What a fuzz target is. Each target builds a valid file or value, draws a mutation of it with
 * fast-check and feeds it to a public function (or the CLI). The contract under test: every case
 * ends in a result or a Cnn2MlpError within the per-case deadline — never another exception, a
 * crash, a hang or a huge allocation. The child runner (../child.ts) applies the contract; the
 * parent (../harness.ts) watches for crashes, hangs, the deadline and RSS.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type fc from 'fast-check';

export interface FuzzTarget<T> {
  /** what is fed in, for the report */
  describe: string;
  /** builds the valid base (files, models); returns a reason string to skip the target */
  setup(dir: string): Promise<string | void>;
  arb: fc.Arbitrary<T>;
  run(input: T, dir: string, index: number): Promise<unknown>;
}

export const tmpRoot = () => fs.mkdtempSync(path.join(os.tmpdir(), 'cnn2mlp-fuzz-'));

/**
 * The per-case deadline (ms): one case (a load, convert or run of one hostile input) must end by
 * then. Set by the parent (../harness.ts) in FUZZ_CASE_DEADLINE_MS; 10 s by default.
 */
export const caseDeadlineMs = () => Number(process.env.FUZZ_CASE_DEADLINE_MS ?? 10_000);
