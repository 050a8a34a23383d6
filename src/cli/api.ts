/**
 * The library functions the CLI drives, resolved from the public API (src/index.ts) when the CLI
 * runs. Several of them arrive from other branches (cnn, convert, mlpkern, formats, seedpath,
 * bench); resolving them by name keeps the CLI building before they land, and a missing one is a
 * clear ERR_UNSUPPORTED naming what is missing, not an import error. All of them are on main now;
 * the types come from the library itself, so a signature change is a compile error here.
 */
import { Cnn2MlpError } from '../errors.js';
import type * as Lib from '../index.js';
import type { CnnModel, CnnStats, MlpStats } from '../index.js';

/** Options every runner takes; the batch size is always input.length / inputSize. */
export interface RunOptions {
  threads?: number;
}

export type { CnnStats, CompiledCnn } from '../index.js';
export type MlpStatsTotals = MlpStats['totals'];

/** What the CLI calls: the library's own signatures (type-only imports; the values are resolved at run time). */
export interface Api {
  compileCnn: typeof Lib.compileCnn;
  runCnn: typeof Lib.runCnn;
  seedNetwork: typeof Lib.seedNetwork;
  convert: typeof Lib.convert;
  stats: (model: CnnModel) => CnnStats;
  runMlp: typeof Lib.runMlp;
  saveMlp: typeof Lib.saveMlp;
  loadMlp: typeof Lib.loadMlp;
  loadOnnx: typeof Lib.loadOnnx;
  loadTfjs: typeof Lib.loadTfjs;
  exportOnnx: typeof Lib.exportOnnx;
  loadCheckpoint: typeof Lib.loadCheckpoint;
  exportOpenCv: typeof Lib.exportOpenCv;
}

export type ApiName = keyof Api;

/** Where each function lives (the public API is tried first), and the branch that brings it. */
const HOME: Record<ApiName, { module: string; branch: string }> = {
  compileCnn: { module: '../cnn/cnn.js', branch: 'cnn' },
  runCnn: { module: '../cnn/cnn.js', branch: 'cnn' },
  seedNetwork: { module: '../model/seed.js', branch: 'cnn' },
  convert: { module: '../convert/convert.js', branch: 'convert' },
  stats: { module: '../convert/stats.js', branch: 'convert' },
  runMlp: { module: '../mlp/run.js', branch: 'mlpkern' },
  saveMlp: { module: '../mlp/file.js', branch: 'mlpkern' },
  loadMlp: { module: '../mlp/file.js', branch: 'mlpkern' },
  loadOnnx: { module: '../formats/onnx.js', branch: 'formats' },
  loadTfjs: { module: '../formats/tfjs.js', branch: 'formats' },
  exportOnnx: { module: '../formats/onnx-export.js', branch: 'formats' },
  loadCheckpoint: { module: '../formats/checkpoint.js', branch: 'seedpath' },
  exportOpenCv: { module: '../formats/opencv.js', branch: 'seedpath' },
};

const resolved = new Map<string, unknown>();

/** Imports a module by a computed path (so a module that has not landed is not a compile error); undefined when absent. */
async function tryImport(specifier: string): Promise<Record<string, unknown> | undefined> {
  try {
    return (await import(specifier)) as Record<string, unknown>;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return undefined;
    throw err; // a module that exists but fails to load is a real error
  }
}

async function lookup(name: string, module: string): Promise<unknown> {
  if (resolved.has(name)) return resolved.get(name);
  let f = (await tryImport('../index.js'))?.[name];
  if (typeof f !== 'function') f = (await tryImport(module))?.[name];
  const value = typeof f === 'function' ? f : undefined;
  resolved.set(name, value);
  return value;
}

/** True when this build has `name`. */
export async function has(name: ApiName): Promise<boolean> {
  return (await lookup(name, HOME[name].module)) !== undefined;
}

/** The function `name`, or ERR_UNSUPPORTED saying it is not in this build. */
export async function api<K extends ApiName>(name: K): Promise<Api[K]> {
  const f = await lookup(name, HOME[name].module);
  if (f === undefined) {
    throw new Cnn2MlpError('ERR_UNSUPPORTED', `${name}() is not available in this build yet (it comes with the '${HOME[name].branch}' work)`);
  }
  return f as Api[K];
}

/** A CNN ready for repeated runs: compiled once when compileCnn exists. */
export async function cnnRunner(model: CnnModel): Promise<{ run(input: Float32Array, batch?: number): Promise<Float32Array>; dispose(): void }> {
  const runCnn = await api('runCnn');
  const compiled = (await has('compileCnn')) ? (await api('compileCnn'))(model) : undefined;
  return {
    run: (input) => runCnn(compiled ?? model, input),
    dispose: () => compiled?.dispose(),
  };
}

/** Loads `runBenchmarks` (branch bench, src/bench/report.ts). */
export async function runBenchmarksFn(): Promise<(options: Record<string, unknown>) => Promise<unknown>> {
  const f = await lookup('runBenchmarks', '../bench/report.js');
  if (f === undefined) {
    throw new Cnn2MlpError('ERR_UNSUPPORTED', `benchmarks are not available in this build yet (runBenchmarks comes with the 'bench' work)`);
  }
  return f as (options: Record<string, unknown>) => Promise<unknown>;
}
