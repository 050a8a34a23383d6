/**
 * The network a TF checkpoint's variables belong to, as loadCheckpoint takes it (or reads it from
 * a `.meta` graph): weighted layers name their variables, the others are CnnModel layers.
 */
import type { Activation, ActivationLayer, FlattenLayer, GlobalPoolLayer, Layout, Padding, Pair, Pool2dLayer, ZeroPad2dLayer } from '../../model/types.js';

/** Which checkpoint variables a weighted layer reads. Give `scope` (e.g. 'conv2d_1' or
 *  'layer_with_weights-1') to mean `<scope>/kernel` and `<scope>/bias`, or name them outright.
 *  Keras object-based names resolve too: 'x/kernel' finds 'x/kernel/.ATTRIBUTES/VARIABLE_VALUE'. */
export interface CheckpointVariables {
  scope?: string;
  /** conv2d: HWIO [kh, kw, in, filters]; dense: [in, units] (or [units, in] with transposeKernel) */
  kernel?: string;
  /** null: the layer has no bias */
  bias?: string | null;
}

export interface CheckpointConv2d extends CheckpointVariables {
  type: 'conv2d';
  name?: string;
  /** optional cross-checks against the kernel's shape */
  kernelSize?: Pair;
  filters?: number;
  strides?: Pair;
  padding?: Padding;
  dilation?: Pair;
  activation?: Activation;
}

export interface CheckpointDense extends CheckpointVariables {
  type: 'dense';
  name?: string;
  units?: number;
  /** the kernel is stored [units, in] (MatMul transpose_b) */
  transposeKernel?: boolean;
  activation?: Activation;
}

export interface CheckpointBatchNorm {
  type: 'batchNorm';
  name?: string;
  /** `<scope>/gamma`, `/beta`, `/moving_mean`, `/moving_variance` unless named below */
  scope?: string;
  gamma?: string | null;
  beta?: string | null;
  mean?: string;
  variance?: string;
  epsilon?: number;
}

export type CheckpointLayer =
  | CheckpointConv2d
  | CheckpointDense
  | CheckpointBatchNorm
  | Pool2dLayer
  | GlobalPoolLayer
  | FlattenLayer
  | ZeroPad2dLayer
  | ActivationLayer;

/** The network a checkpoint's variables belong to, in execution order. */
export interface CheckpointArchitecture {
  name?: string;
  /** default 'NHWC' (TensorFlow's); kernels in a TF checkpoint are HWIO either way */
  layout?: Layout;
  /** one sample: [H, W, C] (NHWC), [C, H, W] (NCHW) or [N] */
  inputShape: number[];
  layers: CheckpointLayer[];
}
