/**
 * The CNN description every part of cnn2mlp shares: a plain, JSON-serialisable object
 * (weights are Float32Arrays; see `serialize.ts` for JSON round trips).
 *
 * Conventions, whatever the model's declared layout:
 * - conv2d weights are HWIO: `[kernelH, kernelW, inChannels / groups, filters]`
 *   (TensorFlow's order; loaders of OIHW formats transpose once at load time).
 * - dense weights are `[inUnits, units]` (y = x · W + b, TensorFlow's order).
 * - the model's `layout` says how its input and output tensors are laid out and in what order
 *   `flatten` reads a 3-D tensor (NHWC → h, w, c; NCHW → c, h, w).
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
  | 'softmax';

/** An activation with its parameters. `leakyRelu` and `elu` use `alpha`; `clip` uses `min`/`max`. */
export interface ActivationSpec {
  type: ActivationName;
  /** slope for leakyRelu (default 0.2 as Keras, ONNX uses 0.01: loaders set it), alpha for elu (default 1) */
  alpha?: number;
  /** clip bounds; relu6 is clip(0, 6) */
  min?: number;
  max?: number;
}

export type Activation = ActivationName | ActivationSpec;

/** 'same' pads so that out = ceil(in / stride) (TF SAME, i.e. ONNX SAME_UPPER: the extra pixel goes at the end);
 *  'sameLower' puts the extra pixel at the start (ONNX SAME_LOWER); explicit is [top, bottom, left, right]. */
export type Padding = 'same' | 'sameLower' | 'valid' | [number, number, number, number];

export type Pair = [number, number];

export interface Conv2dLayer {
  type: 'conv2d';
  name?: string;
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

export interface DenseLayer {
  type: 'dense';
  name?: string;
  units: number;
  /** [inUnits, units] */
  weights: Float32Array;
  /** [units] */
  bias?: Float32Array;
  activation?: Activation;
}

export interface FlattenLayer {
  type: 'flatten';
  name?: string;
}

export interface Pool2dLayer {
  type: 'maxPool2d' | 'avgPool2d';
  name?: string;
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

export interface GlobalPoolLayer {
  type: 'globalAvgPool2d' | 'globalMaxPool2d';
  name?: string;
}

/** Inference batch normalisation over the channel axis (the last axis of a 1-D tensor). */
export interface BatchNormLayer {
  type: 'batchNorm';
  name?: string;
  gamma?: Float32Array; // default ones
  beta?: Float32Array; // default zeros
  mean: Float32Array;
  variance: Float32Array;
  epsilon?: number; // default 1e-3 (Keras); ONNX loaders pass 1e-5
}

export interface ZeroPad2dLayer {
  type: 'zeroPad2d';
  name?: string;
  padding: [number, number, number, number]; // top, bottom, left, right
}

export interface ActivationLayer {
  type: 'activation';
  name?: string;
  activation: Activation;
}

/** Parametric ReLU: y = x for x ≥ 0, alpha[c]·x otherwise; alpha has one value or one per channel. */
export interface PReluLayer {
  type: 'prelu';
  name?: string;
  alpha: Float32Array;
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
  | PReluLayer;

export type LayerType = Layer['type'];

export interface CnnModel {
  name?: string;
  /** How input and output tensors are laid out, and the order flatten reads a 3-D tensor. */
  layout: Layout;
  /** One sample's shape in the model's layout: [H, W, C] for NHWC, [C, H, W] for NCHW, or [N] for a vector input. */
  inputShape: number[];
  layers: Layer[];
}

/** A tensor shape as the runtime tracks it internally: spatial (always h, w, c) or a vector. */
export type Shape = { kind: 'spatial'; h: number; w: number; c: number } | { kind: 'vector'; n: number };
