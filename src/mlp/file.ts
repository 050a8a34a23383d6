/**
 * The native MLP file (docs/mlp-format.md): `saveMlp` streams the weights to disk with checksums;
 * `loadMlp` maps the file read-only so the weights are used in place, without a copy.
 */
import { native } from '../native.js';
import { Cnn2MlpError, fromNative, invalidArg } from '../errors.js';
import { Mlp, type MlpMetadata } from './mlp.js';
import { dirname } from 'node:path';
import { removeStaleTemps, tempsOf } from '../util/stale-temps.js';

/**
 * Writes `mlp` (weights, biases, activations and its metadata) to `path`; bf16 layers are stored as
 * bf16 (2 bytes a weight, file version 3). Writes a temporary file
 * next to it, fsyncs and renames, so `path` is never left half-written (the temporary file of a
 * killed save is removed by the next save); memory use stays flat (the arrays are written straight
 * from native memory).
 */
export async function saveMlp(mlp: Mlp, path: string): Promise<void> {
  if (!(mlp instanceof Mlp)) throw invalidArg('an Mlp', 'saveMlp(mlp)', mlp);
  if (typeof path !== 'string' || path.length === 0 || path.includes('\0')) throw invalidArg('a non-empty file path', 'saveMlp(path)', path);
  const json = JSON.stringify(mlp.metadata);
  const callSite = new Error();
  try {
    // The job holds the MLP from this call on; temp files of killed earlier saves go meanwhile.
    const job = native().mlpSave(mlp.handle, path, json);
    await Promise.all([job, removeStaleTemps(dirname(path), tempsOf(path))]);
  } catch (err) {
    throw fromNative(err, callSite);
  }
}

export interface LoadMlpOptions {
  /**
   * true (default): check every section's XXH64 checksum, which reads the whole file once (about
   * a second per 10 GB from page cache). false: check only the header, table, metadata, biases and
   * CSR structure, and let the weights page in lazily on first use — for large trusted files.
   */
  verify?: boolean;
}

/**
 * Loads an MLP written by {@link saveMlp}. The weights stay in the read-only mapping of the file
 * (shared with the page cache), in the precision they were saved in (bf16 layers stay bf16). A truncated, corrupted or foreign file throws ERR_BAD_FILE; a file
 * from a newer format version throws ERR_UNSUPPORTED. Do not truncate or rewrite the file in place
 * while the MLP is alive (saveMlp's rename is safe: the old file stays mapped).
 */
export async function loadMlp(path: string, options: LoadMlpOptions = {}): Promise<Mlp> {
  if (typeof path !== 'string' || path.length === 0 || path.includes('\0')) throw invalidArg('a non-empty file path', 'loadMlp(path)', path);
  if (typeof options !== 'object' || options === null) throw invalidArg('an options object', 'loadMlp options', options);
  const verify = options.verify ?? true;
  if (typeof verify !== 'boolean') throw invalidArg('a boolean', 'options.verify', verify);
  const callSite = new Error();
  let res;
  try {
    res = await native().mlpLoad(path, verify);
  } catch (err) {
    throw fromNative(err, callSite);
  }
  let metadata: MlpMetadata;
  try {
    metadata = JSON.parse(res.metadataJson) as MlpMetadata;
    if (typeof metadata !== 'object' || metadata === null || !Array.isArray(metadata.inputShape) || !Array.isArray(metadata.outputShape))
      throw new Error('not an MlpMetadata object');
  } catch (err) {
    native().mlpDispose(res.mlp);
    throw new Cnn2MlpError('ERR_BAD_FILE', `${path}: the metadata section is not valid MLP metadata JSON (${(err as Error).message})`, { cause: err });
  }
  return new Mlp(res.mlp, metadata);
}
