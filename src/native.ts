/**
 * The only importer of the compiled addon, and the typed declaration of everything C++ exposes.
 * Every other module goes through `native()`; nothing else loads the `.node` file.
 * Arguments here are already validated by the TS layer; C++ checks them again.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Cnn2MlpError } from './errors.js';
import type { MatrixFormatCode, Prim } from './model/op-contract.js';

/** Opaque, type-tagged native handles: passing one kind where another is expected is a TypeError. */
export interface NativeCnnHandle {
  readonly __nativeCnn: unique symbol;
}
export interface NativeMlpHandle {
  readonly __nativeMlp: unique symbol;
}

export type IsaName = 'scalar' | 'avx2' | 'avx512';

export interface NativeCpuInfo {
  vendor: string;
  brand: string;
  logicalCores: number;
  supportedIsas: IsaName[];
  bestIsa: IsaName;
  activeIsa: IsaName;
  /**
   * The kernels the active ISA dispatches to, one per kernel op in registry order (conv2d,
   * dwconv2d, gconv2d, gemv, gemm, spmv, spmm, spmv_rcsr, spmm_rcsr, sum, fma, gemv_bf16, gemm_bf16,
   * spmv_rcsr_bf16, spmm_rcsr_bf16), e.g. 'f32_gemm_dense_6x16__avx2'.
   */
  kernels: string[];
}

/** One entry of the kernel registry (native/kernels/registry.cc; names: docs/kernels.md). */
export interface NativeKernelInfo {
  name: string;
  op: 'conv2d' | 'dwconv2d' | 'gconv2d' | 'gemv' | 'gemm' | 'spmv' | 'spmm' | 'spmv_rcsr' | 'spmm_rcsr' | 'sum' | 'fma' | 'gemv_bf16' | 'gemm_bf16' | 'spmv_rcsr_bf16' | 'spmm_rcsr_bf16';
  isa: IsaName;
  /** the name's M×N register tile */
  tileM: number;
  tileN: number;
  /** fp32 lanes per vector register */
  lanes: number;
  /** the naive kernel it is checked against (itself for a reference) */
  reference: string;
  /** whether this CPU can run it */
  supported: boolean;
}

/**
 * Arguments of kernelRun, by the kernel's op (native/napi/kernels.cc checks each). Row ranges are
 * run in chunks of `chunk` rows (conv: `pixelChunk` pixels × `unitChunk` 16-channel units).
 */
export type NativeKernelArgs =
  | { W: Float32Array; rows: number; ld: number; x: Float32Array; bias: Float32Array; chunk: number } // gemv (gemv_bf16, gemm_bf16: W rounded to bf16)
  | { W: Float32Array; rows: number; ld: number; K: number; Xt: Float32Array; bp: number; bias: Float32Array; chunk: number } // gemm
  | { rowPtr: Float64Array; colIdx: Int32Array; values: Float32Array; rows: number; cols: number; bias: Float32Array; chunk: number; x?: Float32Array; Xt?: Float32Array; bp?: number } // spmv, spmm
  | { record: Float64Array; tensors: Float32Array[]; input: Float32Array; batch?: number; inPitch: number; outPitch: number; pixelChunk: number; unitChunk: number } // conv ops
  | { x: Float32Array } // sum
  | { iters: number }; // fma

/** One MLP layer as native code describes it. */
export interface NativeMlpLayerInfo {
  format: 'dense' | 'csr' | 'rcsr';
  /** weight values: 'bf16' (dense layers of a precision 'bf16' convert; fp32 accumulation) or 'f32' */
  precision: 'f32' | 'bf16';
  /** run-CSR: distinct column patterns and their runs (0 otherwise) */
  patterns: number;
  runs: number;
  /** weight bytes the layer would take as [dense, csr, rcsr] when the builder weighed them (else -1) */
  candidateBytes: [number, number, number];
  rows: number;
  cols: number;
  /** dense row stride in floats (cols rounded up to 16); 0 for csr */
  ld: number;
  /** stored entries: rows*cols for dense */
  nnz: number;
  weightBytes: number;
  bytes: number;
  act: number;
  activation: string;
  alpha: number;
  min: number;
  max: number;
}

export interface NativeMlpInfo {
  inputSize: number;
  outputSize: number;
  bytes: number;
  layers: NativeMlpLayerInfo[];
}

/** A layer handed to mlpFromLayers (copied into native memory). */
export interface NativeLayerInput {
  format: MatrixFormatCode; // dense: values row-major rows×cols
  rows: number;
  cols: number;
  values: Float32Array;
  rowPtr?: Float64Array; // csr: rows + 1 offsets
  colIdx?: Int32Array; // csr: sorted per row
  bias?: Float32Array;
  act: number;
  alpha?: number;
  min?: number;
  max?: number;
}

/** One MLP layer for convertBuild: a primary op (conv, dense, avg pool, or an explicit CSR matrix) with its maps. */
export interface NativeConvertLayer {
  prim: Prim;
  opIndex: number; // plan op (prim 0–2)
  rows: number;
  cols: number;
  act: number;
  alpha: number;
  min: number;
  max: number;
  // input map: logical input i = Σ inCoef[k]·column inUnit[k] + inConst[i], k in [inOff[i], inOff[i+1])
  inOff?: Int32Array;
  inUnit?: Int32Array;
  inCoef?: Float64Array;
  inConst?: Float64Array;
  // explicit layers: CSR over the columns, bias per logical row. prim 0–2: an addend, CSR over the
  // columns added to row r (rows ≥ primaryRows: the addend alone — values carried past the op)
  csrPtr?: Int32Array;
  csrCol?: Int32Array;
  csrVal?: Float64Array;
  csrBias?: Float64Array;
  // output map: row r computes logical output rowLogical[r], times rowScale[r], plus rowShift[r]
  rowLogical?: Int32Array;
  rowScale?: Float64Array;
  rowShift?: Float64Array;
  // prim 0–2: rows [0, primaryRows) compute the op's outputs (default: its output size; more with rowLogical)
  primaryRows?: number;
}

export interface NativeConvertSpec {
  inputSize: number;
  format: MatrixFormatCode | 3; // a storage, or 3: 'auto' (per layer the smallest)
  threads: number;
  maxBytes: number; // 0: no limit
  records: Float64Array;
  tensors: Float32Array[];
  layers: NativeConvertLayer[];
}

export interface NativeAddon {
  // --- runtime (native/napi/runtime_info.cc, mlp_handle.cc) ---
  cpuInfo(): NativeCpuInfo;
  /** Forces a kernel family ('auto' = best); throws ERR_UNSUPPORTED when the CPU lacks it. Returns the active one. */
  setIsa(isa: IsaName | 'auto'): IsaName;
  residentBytes(): number;
  /** MemAvailable lowered to the memory cgroup's headroom; `root` stands in for '/' (tests). -1 when unknown. */
  availableMemoryBytes(root?: string): number;

  // --- the kernel registry (native/napi/kernels.cc) ---
  kernelList(): NativeKernelInfo[];
  /**
   * Runs one registered kernel by name on the JS thread (for the kernel tests). Returns the output
   * (NaN where the kernel wrote nothing), Σx for sum, [FMAs per lane-vector, sink] for fma.
   * Throws ERR_UNSUPPORTED for a kernel this CPU cannot run.
   */
  kernelRun(name: string, args: NativeKernelArgs): Float32Array | number | [number, number];

  // --- MLP handles (native/napi/mlp_handle.cc) ---
  mlpFromLayers(inputSize: number, layers: NativeLayerInput[]): NativeMlpHandle;
  mlpInfo(mlp: NativeMlpHandle): NativeMlpInfo;
  /** a new MLP whose dense and rcsr layers hold bf16 weights (round to nearest even); csr layers shared as f32 */
  mlpToBf16(mlp: NativeMlpHandle, threads: number): NativeMlpHandle;
  /** dense: Float32Array(rowCount*cols); csr: rows relative to rowStart */
  mlpReadRows(
    mlp: NativeMlpHandle,
    layer: number,
    rowStart: number,
    rowCount: number,
  ): Float32Array | { rowPtr: Float64Array; colIdx: Int32Array; values: Float32Array };
  mlpReadBias(mlp: NativeMlpHandle, layer: number): Float32Array;
  mlpDispose(mlp: NativeMlpHandle): void;

  // --- CNN (native/napi/cnn.cc) ---
  /** Copies the plan's weights into native memory (records: plan.ts RECORD_SIZE doubles per op; edges: the ops'
   *  input value ids; inputOffset: an NCHW model's input place in the arena, -1 for NHWC). */
  cnnCreate(
    records: Float64Array,
    tensors: Float32Array[],
    layoutNchw: boolean,
    inputSize: number,
    outputSize: number,
    edges: Float64Array,
    inputOffset: number,
  ): NativeCnnHandle;
  /** input: batch × inputSize in the model's layout; output: batch × outputSize, written in place. */
  cnnRun(cnn: NativeCnnHandle, input: Float32Array, batch: number, threads: number, output: Float32Array): Promise<void>;
  cnnRunSync(cnn: NativeCnnHandle, input: Float32Array, batch: number, threads: number, output: Float32Array): void;
  cnnDispose(cnn: NativeCnnHandle): void;

  // --- input checks (native/napi/non_finite.cc) ---
  /** Index of the first NaN or ±Infinity in x, or -1 (src/validate.ts checkFinite: runCnn's and runMlp's input check). */
  firstNonFinite(x: Float32Array): number;

  // --- MLP execution, files and machine probes (native/napi/mlp_run.cc, mlp_file.cc, probes.cc) ---
  mlpRun(mlp: NativeMlpHandle, input: Float32Array, batch: number, threads: number, output: Float32Array): Promise<void>;
  mlpRunSync(mlp: NativeMlpHandle, input: Float32Array, batch: number, threads: number, output: Float32Array): void;
  /** Streams the MLP to `<path>.tmp-<pid>-<rand>`, fsyncs, renames onto path (docs/mlp-format.md). */
  mlpSave(mlp: NativeMlpHandle, path: string, metadataJson: string): Promise<void>;
  /** Maps the file read-only (no copy); verify (default true) checks every section checksum. */
  mlpLoad(path: string, verify?: boolean): Promise<{ mlp: NativeMlpHandle; metadataJson: string }>;
  /** STREAM-style read bandwidth in bytes/s over `bytes` of memory, best of `reps`. */
  probeReadBandwidth(bytes: number, threads: number, reps: number): Promise<number>;
  /** fp32 FMA peak in FLOP/s (2 per FMA lane) on `threads` threads with the active ISA. */
  probeFmaPeak(threads: number, seconds: number): Promise<number>;
  /**
   * Benchmark input (native/napi/bench_random.cc): a one-layer MLP with the exact pattern of a
   * converted 'same'-padded k×k conv on an H×W×cin NHWC input, random weights, dense or CSR.
   */
  benchRandomConvMlp(H: number, W: number, cin: number, cout: number, k: number, stride: number, csr: boolean, seed: number): Promise<NativeMlpHandle>;

  // --- conversion (native/napi/convert.cc) ---
  /**
   * Builds a converted MLP off the event loop from the plan records/tensors and one entry per MLP
   * layer (see src/convert/planner.ts and nativeSpec() in src/convert/convert.ts). The job writes
   * progress [done, total] as it goes and stops with ERR_ABORTED once abortFlag[0] is nonzero.
   */
  convertBuild(spec: NativeConvertSpec, progress: Float64Array, abortFlag: Int32Array): Promise<NativeMlpHandle>;
  [fn: string]: unknown;
}

let cached: NativeAddon | undefined;

function packageRoot(): string {
  // dist/native.js and src/native.ts both sit one level below the package root.
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
}

/** Loads the addon once: prebuilds/ first, then build/Release; explains a failure and what to do. */
export function native(): NativeAddon {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const root = packageRoot();
  try {
    const load = require('node-gyp-build') as (dir: string) => NativeAddon;
    cached = load(root);
  } catch (err) {
    const msg = (err as Error).message ?? String(err);
    throw new Cnn2MlpError(
      'ERR_NATIVE',
      `cnn2mlp: the native addon could not be loaded from ${root} (${msg.split('\n')[0]}). ` +
        `No prebuilt binary matches ${process.platform}-${process.arch} (N-API 8), and no local build exists. ` +
        `Build it with 'npm rebuild cnn2mlp' (needs python3, make and a C++17 compiler), or reinstall the package.`,
      { cause: err },
    );
  }
  return cached;
}
