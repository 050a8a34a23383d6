/**
 * ONNX's own backend test data (Debian libonnx-testdata, ONNX 1.12: data/node at opsets 1–17 and
 * data/pytorch-converted at opset 6) through loadOnnx and runCnn. Every case either loads and
 * matches its expected output, or is refused at load with ERR_UNSUPPORTED — never a wrong answer,
 * never another error. The pass count has a floor so a loader regression that turns passes into
 * refusals fails here too.
 *
 * Tolerance: rtol 1e-3, atol 1e-7 — the defaults of ONNX's own backend test runner
 * (onnx/backend/test/loader), which these expected outputs were made for.
 */
import { describe, expect, it } from 'vitest';
import { runCnn } from '../../src/cnn/cnn.js';
import { Cnn2MlpError } from '../../src/errors.js';
import { loadOnnx } from '../../src/formats/onnx.js';
import type { CnnModel } from '../../src/model/types.js';
import { backendCases, readCase, type BackendCase } from '../support/onnx-testdata.js';

const SUITES = ['node', 'pytorch-converted'];
/** Cases that pass today; fewer means a regression. */
const MIN_PASSING = 144;

type Outcome = { kind: 'load'; c: BackendCase; model: CnnModel } | { kind: 'refused'; name: string; reason: string };

function classify(suite: string, name: string): Outcome {
  const c = readCase(suite, name);
  if (typeof c === 'string') return { kind: 'refused', name, reason: `case data: ${c}` };
  try {
    return { kind: 'load', c, model: loadOnnx(c.bytes) };
  } catch (err) {
    if (err instanceof Cnn2MlpError && err.code === 'ERR_UNSUPPORTED') return { kind: 'refused', name, reason: err.message };
    throw new Error(`${suite}/${name}: loadOnnx threw ${(err as Error).message}`, { cause: err });
  }
}

function worstExcess(actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, rtol: number): { at: number; excess: number } {
  let at = -1;
  let excess = 0;
  for (let k = 0; k < expected.length; k++) {
    const e = Math.abs(actual[k] - expected[k]) - (atol + rtol * Math.abs(expected[k]));
    if (!(e <= excess)) {
      excess = Number.isNaN(e) ? Infinity : e;
      at = k;
    }
  }
  return { at, excess };
}

const installed = backendCases('node').length > 0;

describe.skipIf(!installed)('ONNX backend test data through runCnn', () => {
  const outcomes = SUITES.flatMap((suite) => backendCases(suite).map((name) => ({ suite, ...classify(suite, name) })));
  const loaded = outcomes.filter((o): o is Extract<typeof o, { kind: 'load' }> => o.kind === 'load');

  it.each(loaded.map((o) => [`${o.suite}/${o.c.name} (opset ${o.c.opset}: ${o.c.ops.join(' ')})`, o] as const))('%s', async (_, o) => {
    const { c, model } = o;
    const actual = await runCnn(model, c.input.data as Float32Array);
    const expected = c.output.data as Float32Array;
    expect(actual.length).toBe(expected.length);
    const { at, excess } = worstExcess(actual, expected, 1e-7, 1e-3);
    if (at >= 0) expect.fail(`element ${at}: ${actual[at]} vs ${expected[at]} (beyond rtol 1e-3 / atol 1e-7 by ${excess})`);
  });

  it(`at least ${MIN_PASSING} cases load (the rest are refused with ERR_UNSUPPORTED)`, () => {
    const refused = outcomes.length - loaded.length;
    console.log(`ONNX backend data: ${outcomes.length} cases, ${loaded.length} run through runCnn, ${refused} refused at load`);
    expect(loaded.length).toBeGreaterThanOrEqual(MIN_PASSING);
  });
});
