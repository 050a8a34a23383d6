/**
 * The benchmark's view of cnn2mlp itself: which native pieces the loaded addon has, conversion,
 * MLPs built from raw matrices, and an MLP's layers read back for the peers — thin wrappers over
 * the public pieces (convert, Mlp) so the report times exactly what a user calls.
 */
import { native, type NativeMlpHandle } from '../native.js';
import type { Activation, CnnModel } from '../model/types.js';
import { Mlp } from '../mlp/mlp.js';
import { convert } from '../convert/convert.js';
import type { StreamedDenseLayer } from './peers/onnx-mlp.js';

/** Which native pieces this build of the addon has (a stale build/ may lack newer exports). */
export interface Availability {
  cnn: boolean;
  convert: boolean;
  mlpRun: boolean;
  probes: boolean;
  seedNetwork: boolean;
  missing: string[];
}

export async function availability(): Promise<Availability> {
  const n = native() as unknown as Record<string, unknown>;
  const has = (name: string) => typeof n[name] === 'function';
  const out: Availability = {
    cnn: has('cnnRun'),
    convert: has('convertBuild'),
    mlpRun: has('mlpRun'),
    probes: has('probeReadBandwidth') && has('probeFmaPeak'),
    seedNetwork: true,
    missing: [],
  };
  const rebuild = "is not in the loaded addon (run 'npm run build:native')";
  if (!out.cnn) out.missing.push(`runCnn: native cnnRun ${rebuild}`);
  if (!out.convert) out.missing.push(`convert: native convertBuild ${rebuild}`);
  if (!out.mlpRun) out.missing.push(`runMlp: native mlpRun ${rebuild}`);
  if (!out.probes) out.missing.push(`machine probes: native probeReadBandwidth/probeFmaPeak ${rebuild}`);
  return out;
}

/** convert(model, { format, precision }), refusing beyond maxBytes before allocating. */
export async function convertModel(model: CnnModel, format: 'dense' | 'csr' | 'auto', maxBytes?: number, precision: 'f32' | 'bf16' = 'f32'): Promise<Mlp> {
  return convert(model, { format, precision, ...(maxBytes ? { maxBytes: Math.max(1, Math.floor(maxBytes)) } : {}) });
}

/** Builds an Mlp from raw layers (dense values row-major or CSR), for the density crossover. */
export async function mlpFromLayers(
  inputSize: number,
  layers: Array<
    | { format: 'dense'; rows: number; cols: number; values: Float32Array; bias: Float32Array; act?: number }
    | { format: 'csr'; rows: number; cols: number; rowPtr: Float64Array; colIdx: Int32Array; values: Float32Array; bias: Float32Array; act?: number }
  >,
): Promise<Mlp> {
  const handle: NativeMlpHandle = native().mlpFromLayers(
    inputSize,
    layers.map((l) => ({
      format: l.format === 'dense' ? 0 : 1,
      rows: l.rows,
      cols: l.cols,
      values: l.values,
      rowPtr: l.format === 'csr' ? l.rowPtr : undefined,
      colIdx: l.format === 'csr' ? l.colIdx : undefined,
      bias: l.bias,
      act: l.act ?? 0,
    })),
  );
  return new Mlp(handle, { layout: 'NHWC', inputShape: [inputSize], outputShape: [layers[layers.length - 1].rows] });
}

/** The dense layers of an MLP as the peers read them: row blocks, bias and activation per layer. */
export function streamedLayers(mlp: Mlp): StreamedDenseLayer[] {
  return mlp.layers.map((l, i) => ({
    rows: l.rows,
    cols: l.cols,
    readRows: (start: number, count: number) => native().mlpReadRows(mlp.handle, i, start, count) as Float32Array,
    bias: native().mlpReadBias(mlp.handle, i),
    activation: layerActivation(mlp, i),
  }));
}

/** Activation of MLP layer i as a model-type Activation (for rebuilding it in a peer). */
function layerActivation(mlp: Mlp, i: number): Activation {
  const l = mlp.layers[i];
  switch (l.activation) {
    case 'leakyRelu':
    case 'elu':
      return { type: l.activation, alpha: l.alpha };
    case 'clip':
      return { type: 'clip', min: l.min, max: l.max };
    default:
      return l.activation as Activation;
  }
}

/** Bytes of memory the OS can give us now (native probe; falls back to os.freemem()). */
export async function availableMemory(): Promise<number> {
  try {
    return native().availableMemoryBytes();
  } catch {
    const os = await import('node:os');
    return os.freemem();
  }
}
