/**
 * Modules a sync function loads on its first call, so importing the package does not load them.
 * `load` is the caller's `require('./x.js')`: from Node 20.19 / 22.12 require() loads an ES module
 * synchronously into the same module graph import() uses (one copy of each module); the CommonJS
 * build requires its .cjs twins. Test runners that execute the TypeScript sources cannot require
 * them: they call preloadOnDemand() once, which loads every registered module with import().
 */
import { Cnn2MlpError } from '../errors.js';

export interface OnDemand<T> {
  /** the module, loaded now if it was not */
  (): T;
  preload(): Promise<void>;
}

const registered: OnDemand<unknown>[] = [];

/** `fn` names the public function that needs the module (for the error message). */
export function onDemand<T>(fn: string, load: () => unknown, loadAsync: () => Promise<T>): OnDemand<T> {
  let mod: T | undefined;
  const get = (() => (mod ??= requireModule(load, fn) as T)) as OnDemand<T>;
  get.preload = async () => {
    mod ??= await loadAsync();
  };
  registered.push(get as OnDemand<unknown>);
  return get;
}

/** Loads every module registered so far (by the modules imported so far) with import(). */
export async function preloadOnDemand(): Promise<void> {
  await Promise.all(registered.map((g) => g.preload()));
}

function requireModule(load: () => unknown, fn: string): unknown {
  try {
    return load();
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_REQUIRE_ESM') throw err;
    throw new Cnn2MlpError(
      'ERR_UNSUPPORTED',
      `${fn} loads part of cnn2mlp on its first call, synchronously, which needs require() of ES modules: Node.js 20.19 or 22.12 and later ` +
        `(this is ${process.version}). Upgrade Node.js, or load cnn2mlp with require('cnn2mlp').`,
      { cause: err },
    );
  }
}
