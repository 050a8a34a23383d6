/**
 * The op contract between TypeScript and C++: op codes, activation codes, the plan record's field
 * offsets, size and flags, matrix formats, the converter's primary-op codes and the SELU constants. Defined here
 * once; native/core/op_contract.h is generated from this file (`npm run gen:op-contract`, which
 * runs scripts/gen-op-contract.ts) and test/kernels/op-contract.test.ts fails when the two differ.
 * Activation codes are also stored in MLP files (docs/mlp-format.md): append, never renumber.
 */

/** Op codes of plan records (C++: `Op<Name>`). */
export const OP = {
  conv2d: 0,
  dense: 1,
  maxPool2d: 2,
  avgPool2d: 3,
  globalAvgPool2d: 4,
  globalMaxPool2d: 5,
  batchNorm: 6, // per-channel y = x * scale + shift (scale/shift precomputed by planModel)
  zeroPad2d: 7,
  activation: 8, // elementwise only
  prelu: 9,
  flatten: 10, // (h, w, c) -> (1, 1, h*w*c), reading in CHW order when FLAG_FLATTEN_CHW is set
  add: 11, // sum of numInputs tensors of the op's output shape
  multiply: 12, // input 0 (full shape) times input 1 (full, 1×1×C or 1×1×1), broadcast
  concat: 13, // inputs stacked along channels, in order
  upsample2d: 14, // integer factors sh, sw; FLAG_BILINEAR, coordinateMode, nearestMode
  cropping2d: 15, // pads = [top, bottom, left, right] removed
  conv2dTranspose: 16, // kh, kw, sh, sw, dh, dw, groups; padTop / padLeft = cropped at the start; weights [kh][kw][outC/groups][inC]
} as const;
export type OpCode = (typeof OP)[keyof typeof OP];

/** Activation names in code order: the index is the code (C++: `Act<Name>`). */
export const ACT_NAMES = ['linear', 'relu', 'leakyRelu', 'clip', 'sigmoid', 'tanh', 'elu', 'selu', 'softplus', 'softmax', 'hardSigmoid', 'hardSwish', 'swish'] as const;
export type ActCodeName = (typeof ACT_NAMES)[number];

/** Field offsets inside one record of RECORD_SIZE float64 values (C++: `field::<name>`). */
export const F = {
  op: 0,
  inH: 1,
  inW: 2,
  inC: 3,
  outH: 4,
  outW: 5,
  outC: 6,
  kh: 7,
  kw: 8,
  sh: 9,
  sw: 10,
  dh: 11,
  dw: 12,
  padTop: 13,
  padBottom: 14,
  padLeft: 15,
  padRight: 16,
  groups: 17,
  act: 18,
  actAlpha: 19,
  actMin: 20,
  actMax: 21,
  weights: 22, // tensor index or -1 (conv/dense weights, batchNorm scale, prelu alpha)
  bias: 23, // tensor index or -1 (conv/dense bias, batchNorm shift)
  flags: 24,
  layerIndex: 25, // index of the source layer in model.layers, for error messages
  numInputs: 26, // how many tensors the op reads
  inputsAt: 27, // where its input value ids start in the plan's edge list
  residual: 28, // value id added before the activation (conv → add fused), or -1
  outOffset: 29, // where its output starts in one sample's activation arena (floats), or -1: the caller's output array
  actBeta: 30, // hardSigmoid offset
  coordinateMode: 31, // upsample2d: index in COORDINATE_MODES
  nearestMode: 32, // upsample2d: index in NEAREST_MODES
} as const;
export const RECORD_SIZE = 40;
/** Most inputs one add or concat reads (the runtime keeps their pointers on the stack; C++: kMaxOpInputs). */
export const MAX_OP_INPUTS = 64;

/** Record flags: bits of the F.flags field (C++: `kFlag<Name>`, every `FLAG_*` export here). */
export const FLAG_COUNT_INCLUDE_PAD = 1; // avgPool2d divides by every tap of the padded window
export const FLAG_FLATTEN_CHW = 2; // flatten reads channel-major (NCHW models)
export const FLAG_BILINEAR = 4; // upsample2d interpolates (else nearest)

/** upsample2d source coordinates (ONNX Resize coordinate_transformation_mode; C++: `Coord<Name>`). */
export const COORDINATE_MODES = ['asymmetric', 'halfPixel', 'pytorchHalfPixel', 'alignCorners'] as const;
/** upsample2d nearest rounding (ONNX Resize nearest_mode; C++: `Nearest<Name>`). */
export const NEAREST_MODES = ['floor', 'roundPreferFloor', 'roundPreferCeil', 'ceil'] as const;

/**
 * Storage of an MLP layer's matrix, in convertBuild, mlpFromLayers and MLP files (C++: `MatrixFormat::<Name>`);
 * rcsr: run-CSR (docs/run-csr.md), built by convert and stored in files, not taken by mlpFromLayers.
 */
export const MATRIX_FORMAT = { dense: 0, csr: 1, rcsr: 2 } as const;
export type MatrixFormatCode = (typeof MATRIX_FORMAT)[keyof typeof MATRIX_FORMAT];

/** Primary op of a converted MLP layer, as convertBuild receives it (C++: `Prim<Name>`). */
export const PRIM = { conv: 0, dense: 1, avgPool: 2, explicit: 3 } as const;
export type Prim = (typeof PRIM)[keyof typeof PRIM];

/** SELU: selu(x) = γ·x for x ≥ 0, γ·α·(eˣ − 1) below (Klambauer et al. 2017; C++: kSeluAlpha, kSeluGamma). */
export const SELU_ALPHA = 1.6732632423543772;
export const SELU_GAMMA = 1.0507009873554805;
