/**
 * Every fuzz target by name (test/fuzz/child.ts runs one). A new loader becomes a target by adding
 * a file here that exports a FuzzTarget and one line below, plus a budget in ../loaders.test.ts and
 * its name in scripts/fuzz-long.ts.
 */
import { apiTarget } from './api.js';
import { checkpointTarget } from './checkpoint.js';
import { cliTarget } from './cli.js';
import { mlpFileTarget } from './mlpfile.js';
import { onnxGraphTarget } from './onnx-graph.js';
import { onnxTarget } from './onnx.js';
import { selfTest } from './self-test.js';
import type { FuzzTarget } from './target.js';
import { tfjsGraphTarget } from './tfjs-graph.js';
import { tfjsTarget } from './tfjs.js';

export { tmpRoot, type FuzzTarget } from './target.js';

export const TARGETS: Record<string, FuzzTarget<never>> = {
  _crash: selfTest('crash') as FuzzTarget<never>,
  _hog: selfTest('hog') as FuzzTarget<never>,
  _hang: selfTest('hang') as FuzzTarget<never>,
  _throw: selfTest('throw') as FuzzTarget<never>,
  _slow: selfTest('slow') as FuzzTarget<never>,
  onnx: onnxTarget as FuzzTarget<never>,
  tfjs: tfjsTarget as FuzzTarget<never>,
  'onnx-graph': onnxGraphTarget as FuzzTarget<never>,
  'tfjs-graph': tfjsGraphTarget as FuzzTarget<never>,
  checkpoint: checkpointTarget as FuzzTarget<never>,
  mlpfile: mlpFileTarget as FuzzTarget<never>,
  api: apiTarget as FuzzTarget<never>,
  cli: cliTarget as FuzzTarget<never>,
};
