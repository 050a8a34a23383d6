/** Input checks shared by runCnn and runMlp. */
import { native } from './native.js';
import { Cnn2MlpError } from './errors.js';

/**
 * Throws ERR_NON_FINITE if x holds a NaN or ±Infinity, naming the sample and the element within it.
 * @param x batch × sampleSize float32 values, sample-major.
 * @param sampleSize values per sample (the model's input size).
 * @param what the argument in messages, e.g. 'runMlp(x)'.
 */
export function checkFinite(x: Float32Array, sampleSize: number, what: string): void {
  const i = native().firstNonFinite(x);
  if (i < 0) return;
  const sample = Math.floor(i / sampleSize);
  const element = i - sample * sampleSize;
  throw new Cnn2MlpError(
    'ERR_NON_FINITE',
    `${what}: sample ${sample} has ${x[i]} at index ${element} (sample ${sample}, element ${element}; flat index ${i}); ` +
      `inputs must be finite (pass { nonFinite: 'propagate' } to skip this check)`,
  );
}
