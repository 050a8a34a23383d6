/**
 * Options several subcommands share, declared and parsed once: threads, the size guard in front of
 * a large conversion, and how pixel data (images and uint8 arrays) becomes model input.
 */
import { Command, Option } from 'commander';
import { Cnn2MlpError } from '../errors.js';
import { stats } from '../convert/stats.js';
import type { CnnModel } from '../model/types.js';
import { bytes, type Output } from './output.js';

/** Conversions estimated above this many bytes need --yes or --max-bytes. */
export const LARGE_BYTES = 1e9;

export const PIXEL_RULE =
  'Pixel data (PNG/JPEG images and uint8 .npy arrays) becomes input as (pixel × scale − mean) / std, ' +
  'scale 1/255 unless --pixel-scale, mean 0 and std 1 unless --mean/--std (one value, or one per channel ' +
  'in the model\'s channel order); --channel-order bgr swaps colour images to BGR first. ' +
  'float32/float64 .npy and raw .f32/.bin/.raw inputs are fed exactly as stored.';

export interface ThreadsOption {
  threads?: string;
}

export function addThreads(cmd: Command): Command {
  return cmd.option('--threads <n>', 'kernel threads, 1–256 (default: all logical cores)');
}

/** The --threads value as a number, or undefined for the library default. */
export function threadsOf(o: ThreadsOption): number | undefined {
  if (o.threads === undefined) return undefined;
  const v = Number(o.threads);
  if (!Number.isInteger(v) || v < 1 || v > 256) throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected an integer from 1 to 256 for --threads but received '${o.threads}'`);
  return v;
}

export interface SizeOptions {
  yes?: boolean;
  maxBytes?: string;
}

export function addSizeGuard(cmd: Command): Command {
  return cmd
    .option('--max-bytes <size>', 'refuse an MLP larger than this, e.g. 500M, 4G (also accepts a conversion over 1 GB)')
    .option('-y, --yes', 'go ahead with a conversion estimated over 1 GB');
}

/** "4G", "500MB", "1.5e9", "2GiB" → bytes (decimal units; KiB/MiB/GiB binary). */
export function parseBytes(text: string, what: string): number {
  const m = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*(|b|k|kb|m|mb|g|gb|t|tb|kib|mib|gib|tib)\s*$/i.exec(text);
  const units: Record<string, number> = { '': 1, b: 1, k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, t: 1e12, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 };
  const v = m ? Math.floor(Number(m[1]) * units[m[2].toLowerCase()]) : NaN;
  if (!(v >= 1)) throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected a size such as 500M or 4G for ${what} but received '${text}'`);
  return v;
}

/**
 * Estimates the MLP `format` makes of `model` (exact byte counts, nothing allocated). Over 1 GB
 * the estimate is printed; without --yes or --max-bytes the conversion is refused, and past
 * --max-bytes always. Returns the byte limit to hand to convert().
 */
export function guardSize(out: Output, model: CnnModel, format: 'dense' | 'csr', o: SizeOptions): number | undefined {
  const maxBytes = o.maxBytes === undefined ? undefined : parseBytes(o.maxBytes, '--max-bytes');
  const s = stats(model);
  const estimate = s[format].totals.bytes;
  const other = format === 'dense' ? s.csr.totals.bytes : s.dense.totals.bytes;
  const alt = format === 'dense' ? `--format csr needs ${bytes(other)}` : `--format dense would need ${bytes(other)}`;
  if (maxBytes !== undefined && estimate > maxBytes) {
    throw new Cnn2MlpError('ERR_TOO_LARGE', `the ${format} MLP of this model needs ${bytes(estimate)}, more than --max-bytes ${bytes(maxBytes)} (${alt})`);
  }
  if (estimate > LARGE_BYTES) {
    if (!o.yes && maxBytes === undefined) {
      throw new Cnn2MlpError('ERR_TOO_LARGE', `the ${format} MLP of this model needs ${bytes(estimate)} of memory (and as much on disk if written): pass --yes to go ahead, or --max-bytes to set a limit (${alt})`);
    }
    out.note(`estimate: the ${format} MLP of this model needs ${bytes(estimate)} of memory, and about as much on disk when written (${alt})`);
  }
  return maxBytes;
}

export interface PixelOptions {
  pixelScale?: string;
  mean?: string;
  std?: string;
  channelOrder?: 'rgb' | 'bgr';
}

export function addPixelOptions(cmd: Command): Command {
  return cmd
    .option('--pixel-scale <s>', 'pixel data: multiply each 0–255 value by this first (default 1/255, so [0, 1])')
    .option('--mean <list>', 'pixel data: subtract this after scaling (one value or one per channel), e.g. 0.485,0.456,0.406')
    .option('--std <list>', 'pixel data: then divide by this (one value or one per channel), e.g. 0.229,0.224,0.225')
    .addOption(new Option('--channel-order <order>', 'colour images: channel order the model expects').choices(['rgb', 'bgr']).default('rgb'));
}

/** How pixels become input: x = (p · scale − mean[c]) / std[c]. */
export interface PixelRule {
  scale: number;
  mean: number[];
  std: number[];
  bgr: boolean;
}

function floats(text: string, what: string): number[] {
  const v = text.split(/[,\s]+/).filter((s) => s.length > 0).map(Number);
  if (v.length === 0 || !v.every(Number.isFinite)) throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected a number or a comma-separated list of numbers for ${what} but received '${text}'`);
  return v;
}

export function pixelRule(o: PixelOptions): PixelRule {
  const scale = o.pixelScale === undefined ? 1 / 255 : Number(o.pixelScale);
  if (o.pixelScale !== undefined && !Number.isFinite(scale)) throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected a number for --pixel-scale but received '${o.pixelScale}'`);
  const std = o.std === undefined ? [1] : floats(o.std, '--std');
  if (std.some((s) => s === 0)) throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected nonzero values for --std but received '${o.std}'`);
  return { scale, mean: o.mean === undefined ? [0] : floats(o.mean, '--mean'), std, bgr: o.channelOrder === 'bgr' };
}
