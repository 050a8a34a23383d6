/**
 * convert() as the package exports it: the conversion planner and builder (a dozen modules) load on
 * its first call, not at `import('cnn2mlp')`.
 */
import type { Mlp } from '../mlp/mlp.js';
import type { CnnModel } from '../model/types.js';
import type { ConvertOptions } from './convert.js';

let loaded: typeof import('./convert.js') | undefined;

/**
 * Converts `model` to an exactly equivalent MLP (convert/convert.ts). The MLP takes one sample as
 * the flat input of the model in its own layout and returns the model's output flattened the same
 * way. Throws ERR_NOT_CONVERTIBLE naming the layer when a layer has no exact MLP form,
 * ERR_TOO_LARGE (before allocating) when the estimate exceeds `maxBytes` or available memory,
 * ERR_ABORTED when `signal` fires.
 */
export async function convert(model: CnnModel, options?: ConvertOptions): Promise<Mlp> {
  if (loaded) return loaded.convert(model, options);
  // convert reads the weights before it first yields, so a buffer transferred or resized right after
  // the call cannot change what is converted. Loading the planner yields first: convert a copy then.
  // (import(), not require(): a runner that compiles TS to CommonJS would give a second Mlp class.)
  const own = snapshot(model);
  loaded = await import('./convert.js');
  return loaded.convert(own, options);
}

function snapshot(model: CnnModel): CnnModel {
  try {
    return structuredClone(model);
  } catch {
    return model; // not plain data (e.g. a getter or function in it): convert's own checks will say what is wrong
  }
}
