/**
 * The CNN description every part of cnn2mlp shares: a plain, JSON-serialisable object
 * (weights are Float32Arrays; see `serialize.ts` for JSON round trips).
 *
 * Conventions, whatever the model's declared layout:
 * - conv2d weights are HWIO: `[kernelH, kernelW, inChannels / groups, filters]`
 *   (TensorFlow's order; loaders of OIHW formats transpose once at load time).
 * - conv2dTranspose weights are `[kernelH, kernelW, filters / groups, inChannels]` (TF Conv2DTranspose order).
 * - dense weights are `[inUnits, units]` (y = x · W + b, TensorFlow's order).
 * - the model's `layout` says how its input and output tensors are laid out and in what order
 *   `flatten` reads a 3-D tensor (NHWC → h, w, c; NCHW → c, h, w).
 *
 * A model is a graph of named tensors. Every layer's output is a tensor named by the layer's `name`
 * (or, unnamed, reachable only as the next layer's default input). A layer reads `inputs`: names of
 * earlier layers or the model's `inputName`; omitted, it reads the previous layer's output (the
 * model input for the first layer), so a chain needs no names at all. One input, one output (the
 * last layer, or `output`). A layer may only read earlier layers (the layer order is the schedule);
 * every layer's output must be read by some later layer or be the model output.
 */

export type Layout = 'NHWC' | 'NCHW';

export type ActivationName =
  | 'linear'
  | 'relu'
  | 'leakyRelu'
  | 'clip'
  | 'relu6'
  | 'sigmoid'
  | 'tanh'
  | 'elu'
  | 'selu'
  | 'softplus'
  | 'softmax'
  | 'hardSigmoid'
  | 'hardSwish'
  | 'swish';

/**
 * An activation with its parameters. `leakyRelu` and `elu` use `alpha`; `clip` uses `min`/`max`;
 * `hardSigmoid` is max(0, min(1, alpha·x + beta)); `hardSwish` is x · relu6(x + 3) / 6; `swish` is
 * x · sigmoid(x) (SiLU).
 */
export interface ActivationSpec {
  type: ActivationName;
  /** slope for leakyRelu (default 0.2 as Keras, ONNX uses 0.01: loaders set it), alpha for elu (default 1),
   *  hardSigmoid slope (default 0.2 as ONNX; PyTorch's Hardsigmoid is 1/6) */
  alpha?: number;
  /** hardSigmoid offset (default 0.5) */
  beta?: number;
  /** clip bounds; relu6 is clip(0, 6) */
  min?: number;
  max?: number;
}

export type Activation = ActivationName | ActivationSpec;

/** 'same' pads so that out = ceil(in / stride) (TF SAME, i.e. ONNX SAME_UPPER: the extra pixel goes at the end);
 *  'sameLower' puts the extra pixel at the start (ONNX SAME_LOWER); explicit is [top, bottom, left, right]. */
export type Padding = 'same' | 'sameLower' | 'valid' | [number, number, number, number];

export type Pair = [number, number];

/** What every layer may carry: a tensor name and the tensors it reads. */
export interface LayerBase {
  /** the name of this layer's output tensor; unique in the model */
  name?: string;
  /** names of earlier layers (or the model's inputName) this layer reads; default: the previous layer's output */
  inputs?: string[];
}

export interface Conv2dLayer extends LayerBase {
  type: 'conv2d';
  filters: number;
  kernelSize: Pair;
  strides?: Pair; // default [1, 1]
  padding?: Padding; // default 'valid'
  dilation?: Pair; // default [1, 1]
  groups?: number; // default 1; groups === inChannels === filters/multiplier is depthwise
  /** HWIO: [kh, kw, inChannels / groups, filters] */
  weights: Float32Array;
  /** [filters] */
  bias?: Float32Array;
  activation?: Activation;
}

export interface DenseLayer extends LayerBase {
  type: 'dense';
  units: number;
  /** [inUnits, units] */
  weights: Float32Array;
  /** [units] */
  bias?: Float32Array;
  activation?: Activation;
}

export interface FlattenLayer extends LayerBase {
  type: 'flatten';
}

export interface Pool2dLayer extends LayerBase {
  type: 'maxPool2d' | 'avgPool2d';
  poolSize: Pair;
  strides?: Pair; // default = poolSize
  padding?: Padding; // default 'valid'
  dilation?: Pair; // default [1, 1] (ONNX MaxPool dilations)
  /** ONNX ceil_mode: output size rounds up; a window may then start in the padding but never wholly. */
  ceilMode?: boolean;
  /** avgPool2d only: divide by the full window including padding (ONNX count_include_pad=1).
   *  Default false: divide by the number of real input pixels (TF, Keras, ONNX default). */
  countIncludePad?: boolean;
}

export interface GlobalPoolLayer extends LayerBase {
  type: 'globalAvgPool2d' | 'globalMaxPool2d';
}

/** Inference batch normalisation over the channel axis (the last axis of a 1-D tensor). */
export interface BatchNormLayer extends LayerBase {
  type: 'batchNorm';
  gamma?: Float32Array; // default ones
  beta?: Float32Array; // default zeros
  mean: Float32Array;
  variance: Float32Array;
  epsilon?: number; // default 1e-3 (Keras); ONNX loaders pass 1e-5
}

export interface ZeroPad2dLayer extends LayerBase {
  type: 'zeroPad2d';
  padding: [number, number, number, number]; // top, bottom, left, right
}

export interface ActivationLayer extends LayerBase {
  type: 'activation';
  activation: Activation;
}

/** Parametric ReLU: y = x for x ≥ 0, alpha[c]·x otherwise; alpha has one value or one per channel. */
export interface PReluLayer extends LayerBase {
  type: 'prelu';
  alpha: Float32Array;
}

/** Elementwise sum of two or more tensors of one shape ([C] and 1×1×C count as one shape). */
export interface AddLayer extends LayerBase {
  type: 'add';
  activation?: Activation;
}

/** Elementwise product of two tensors; one may be 1×1×C / [C] (per channel) or 1×1×1 / [1] (one value per
 *  sample), broadcast over the other (squeeze-and-excitation). */
export interface MultiplyLayer extends LayerBase {
  type: 'multiply';
}

/** Concatenation of two or more tensors along the channel axis; spatial sizes must match. */
export interface ConcatLayer extends LayerBase {
  type: 'concat';
}

/** y = x · scale + shift per channel (constant Mul/Div/Sub/Add, input normalisation). Each array has one
 *  value per channel or a single value for all; an omitted one is 1 (scale) or 0 (shift). */
export interface ScaleShiftLayer extends LayerBase {
  type: 'scaleShift';
  scale?: Float32Array;
  shift?: Float32Array;
  activation?: Activation;
}

export type CoordinateMode = 'asymmetric' | 'halfPixel' | 'pytorchHalfPixel' | 'alignCorners';
export type NearestMode = 'floor' | 'roundPreferFloor' | 'roundPreferCeil' | 'ceil';

/**
 * Upsampling by integer factors (ONNX Resize/Upsample, Keras UpSampling2D). The source coordinate of
 * output pixel x along an axis of input length `in` and factor s is, by `coordinateMode`:
 * asymmetric x / s; halfPixel (x + 0.5) / s − 0.5; pytorchHalfPixel the same but 0 when the output
 * length is 1; alignCorners x · (in − 1) / (s·in − 1) (0 when s·in = 1). Nearest rounds it by
 * `nearestMode`; bilinear interpolates its two neighbours; both clamp indices to [0, in − 1].
 */
export interface Upsample2dLayer extends LayerBase {
  type: 'upsample2d';
  /** [factorH, factorW], integers ≥ 1 */
  size: Pair;
  mode: 'nearest' | 'bilinear';
  /** default: 'asymmetric' for nearest, 'halfPixel' for bilinear */
  coordinateMode?: CoordinateMode;
  /** nearest only; default 'floor' */
  nearestMode?: NearestMode;
}

/** Removes rows and columns from the edges. */
export interface Cropping2dLayer extends LayerBase {
  type: 'cropping2d';
  /** [top, bottom, left, right] */
  cropping: [number, number, number, number];
}

/**
 * Transposed convolution (the gradient of conv2d with respect to its input). Output length per axis:
 * explicit pads [t, b, l, r] (ONNX): (in − 1)·s + (k − 1)·d + 1 − before − after + outputPadding;
 * 'valid': (in − 1)·s + (k − 1)·d + 1 + outputPadding, or in·s + max(span − s, 0) without outputPadding (Keras);
 * 'same': in·s, or (in − 1)·s + span − 2·⌊span/2⌋ + outputPadding with it (Keras), cropping
 * ⌊max((in − 1)·s + span − out, 0) / 2⌋ at the start (TF).
 */
export interface Conv2dTransposeLayer extends LayerBase {
  type: 'conv2dTranspose';
  filters: number;
  kernelSize: Pair;
  strides?: Pair; // default [1, 1]
  padding?: 'same' | 'valid' | [number, number, number, number]; // default 'valid'
  outputPadding?: Pair; // default none
  dilation?: Pair; // default [1, 1]
  groups?: number; // default 1
  /** [kh, kw, filters / groups, inChannels]; group g's outputs read inputs g·inChannels/groups … */
  weights: Float32Array;
  /** [filters] */
  bias?: Float32Array;
  activation?: Activation;
}

export type Layer =
  | Conv2dLayer
  | DenseLayer
  | FlattenLayer
  | Pool2dLayer
  | GlobalPoolLayer
  | BatchNormLayer
  | ZeroPad2dLayer
  | ActivationLayer
  | PReluLayer
  | AddLayer
  | MultiplyLayer
  | ConcatLayer
  | ScaleShiftLayer
  | Upsample2dLayer
  | Cropping2dLayer
  | Conv2dTransposeLayer;

export type LayerType = Layer['type'];

export interface CnnModel {
  name?: string;
  /** How input and output tensors are laid out, and the order flatten reads a 3-D tensor. */
  layout: Layout;
  /** One sample's shape in the model's layout: [H, W, C] for NHWC, [C, H, W] for NCHW, or [N] for a vector input;
   *  with spatialRank 1: [L, C] (NHWC) or [C, L] (NCHW). */
  inputShape: number[];
  /** 2 (default) for images; 1 for sequences: every tensor is viewed with H = 1, and 1-D layers are the 2-D
   *  ones with a kernel / pool / stride / pad of height 1 (conv1d = conv2d with kernelSize [1, k], padding [0, 0, l, r]). */
  spatialRank?: 1 | 2;
  /** the model input's name, which layers list in `inputs` (default 'input') */
  inputName?: string;
  /** the layer whose output is the model output (default: the last layer) */
  output?: string;
  layers: Layer[];
}

/** A tensor shape as the runtime tracks it internally: spatial (always h, w, c) or a vector. */
export type Shape = { kind: 'spatial'; h: number; w: number; c: number } | { kind: 'vector'; n: number };
