/**
 * The seed study's network (2019): 80×80×3 images, three 3×3 convolutions (32, 64, 64 filters,
 * 'same' padding, all with the same stride), flatten, dense 1024, dense 29. Stride 2 gives
 * 80→40→20→10, stride 3 gives 80→27→9→3. Weights are He-initialised from a seeded PRNG, so a
 * (stride, seed) pair always yields the same model.
 */
import { Cnn2MlpError, describe } from '../errors.js';
import type { Activation, CnnModel } from './types.js';
import { heNormal, mulberry32 } from '../util/random.js';

export interface SeedNetworkOptions {
  /** stride of all three convolutions */
  stride: 2 | 3;
  /** PRNG seed (any integer) */
  seed: number;
  /** activation of the convolutions and of the 1024-unit dense layer (default 'relu') */
  activation?: Activation;
}

/** The seed network as an NHWC CnnModel with input [80, 80, 3] and output [29]. Biases are zero (Keras default). */
export function seedNetwork(options: SeedNetworkOptions): CnnModel {
  const { stride, seed, activation = 'relu' } = options ?? ({} as SeedNetworkOptions);
  if (stride !== 2 && stride !== 3) throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected 2 or 3 for options.stride but received ${describe(stride)}`);
  if (!Number.isInteger(seed)) throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected an integer for options.seed but received ${describe(seed)}`);
  const rnd = mulberry32(seed);
  const conv = (cin: number, filters: number, name: string) => ({
    type: 'conv2d' as const,
    name,
    filters,
    kernelSize: [3, 3] as [number, number],
    strides: [stride, stride] as [number, number],
    padding: 'same' as const,
    weights: heNormal(9 * cin * filters, 9 * cin, rnd),
    bias: new Float32Array(filters),
    activation,
  });
  const side = [80, 0, 0, 0];
  for (let i = 1; i < 4; i++) side[i] = Math.ceil(side[i - 1] / stride);
  const flat = side[3] * side[3] * 64;
  return {
    name: `seed-stride${stride}`,
    layout: 'NHWC',
    inputShape: [80, 80, 3],
    layers: [
      conv(3, 32, 'conv1'),
      conv(32, 64, 'conv2'),
      conv(64, 64, 'conv3'),
      { type: 'flatten', name: 'flatten' },
      { type: 'dense', name: 'dense1', units: 1024, weights: heNormal(flat * 1024, flat, rnd), bias: new Float32Array(1024), activation },
      { type: 'dense', name: 'dense2', units: 29, weights: heNormal(1024 * 29, 1024, rnd), bias: new Float32Array(29) },
    ],
  };
}
