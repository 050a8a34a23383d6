/**
 * convert() as the package exports it: the conversion planner and builder (a dozen modules) load on
 * its first call, not at `import('cnn2mlp')`.
 */
import type { Mlp } from '../mlp/mlp.js';
import type { CnnModel } from '../model/types.js';
import type { ConvertOptions } from './convert.js';

/**
 * Converts `model` to an exactly equivalent MLP (convert/convert.ts). The MLP takes one sample as
 * the flat input of the model in its own layout and returns the model's output flattened the same
 * way. Throws ERR_NOT_CONVERTIBLE naming the layer when a layer has no exact MLP form,
 * ERR_TOO_LARGE (before allocating) when the estimate exceeds `maxBytes` or available memory,
 * ERR_ABORTED when `signal` fires.
 */
export async function convert(model: CnnModel, options?: ConvertOptions): Promise<Mlp> {
  return (await import('./convert.js')).convert(model, options);
}
