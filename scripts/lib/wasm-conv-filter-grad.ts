/**
 * A JS Conv2DBackpropFilter kernel for tfjs' WASM backend, which has none (so it cannot train a
 * convolution without it). Used by scripts/train-fashion-mnist.ts only.
 */
import * as tf from '@tensorflow/tfjs';

/** dW[kh,kw,ci,co] = Σ_{n,oy,ox} x[n, oy·sh + kh·dh − top, ox·sw + kw·dw − left, ci] · dy[n,oy,ox,co] (NHWC, HWIO). */
export function registerWasmConvFilterGrad(): void {
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as unknown as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as {
        strides: [number, number] | number;
        pad: 'same' | 'valid' | number;
        dataFormat: 'NHWC' | 'NCHW';
        dimRoundingMode?: 'floor' | 'round' | 'ceil';
        filterShape: [number, number, number, number];
      };
      if (dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter (JS fallback): NCHW is not supported');
      const info = tf.backend_util.computeConv2DInfo(
        x.shape as [number, number, number, number],
        filterShape,
        strides,
        1,
        pad,
        dimRoundingMode,
      );
      const wasm = backend as unknown as {
        readSync(id: unknown): Float32Array;
        makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
        typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
      };
      const xv = wasm.readSync(x.dataId);
      const dyv = wasm.readSync(dy.dataId);
      const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: CO } = info;
      const { filterHeight: KH, filterWidth: KW, strideHeight: SH, strideWidth: SW, dilationHeight: DH, dilationWidth: DW } = info;
      const top = info.padInfo.top;
      const left = info.padInfo.left;
      const dw = new Float32Array(KH * KW * C * CO);
      for (let n = 0; n < N; n++) {
        for (let oy = 0; oy < OH; oy++) {
          for (let ox = 0; ox < OW; ox++) {
            const dyBase = ((n * OH + oy) * OW + ox) * CO;
            for (let kh = 0; kh < KH; kh++) {
              const iy = oy * SH + kh * DH - top;
              if (iy < 0 || iy >= H) continue;
              for (let kw = 0; kw < KW; kw++) {
                const ix = ox * SW + kw * DW - left;
                if (ix < 0 || ix >= W) continue;
                const xBase = ((n * H + iy) * W + ix) * C;
                const wBase = (kh * KW + kw) * C * CO;
                for (let ci = 0; ci < C; ci++) {
                  const v = xv[xBase + ci];
                  if (v === 0) continue; // post-ReLU inputs are mostly zero
                  const row = wBase + ci * CO;
                  for (let co = 0; co < CO; co++) dw[row + co] += v * dyv[dyBase + co];
                }
              }
            }
          }
        }
      }
      const out = wasm.makeOutput(filterShape, 'float32');
      wasm.typedArrayFromHeap(out).set(dw);
      return out;
    },
  });
}

