/**
 * A transposed convolution as an explicit sparse layer: output (oy, ox, g·coutG + o) is the bias plus,
 * for each kernel tap whose input position falls on the stride grid inside the input, that input
 * pixel's group channels times the tap's weights — the runtime's gather form (see
 * native/kernels/conv2d_transpose.cc), one CSR row per output over the units the input lives on.
 * A fused residual adds its feature to the row. Rows hold only the taps that land, so the layer's
 * cost is its nonzeros.
 */
import type { PlanOp } from '../model/plan.js';
import type { AffineMap } from './affine-map.js';
import type { CsrWriter } from './explicit-layer.js';

/** The input index along one axis that output o reads through tap k, or −1. */
function tapSource(o: number, k: number, pad: number, stride: number, dilation: number, size: number): number {
  const f = o + pad - k * dilation;
  if (f < 0 || f % stride !== 0) return -1;
  const i = f / stride;
  return i < size ? i : -1;
}

/** Writes the op's rows (weights [kh][kw][coutG][inC], bias or none) reading `input` (and `residual`). */
export function transposeConvRows(op: PlanOp, weights: Float32Array, bias: Float32Array | null, input: AffineMap, residual: AffineMap | null, w: CsrWriter): void {
  const coutG = op.outC / op.groups;
  const cinG = op.inC / op.groups;
  for (let oy = 0; oy < op.outH; oy++)
    for (let ox = 0; ox < op.outW; ox++)
      for (let oc = 0; oc < op.outC; oc++) {
        const g = Math.floor(oc / coutG);
        const o = oc % coutG;
        let k = bias ? bias[oc] : 0;
        w.begin();
        for (let ky = 0; ky < op.kh; ky++) {
          const iy = tapSource(oy, ky, op.pads[0], op.sh, op.dh, op.inH);
          if (iy < 0) continue;
          for (let kx = 0; kx < op.kw; kx++) {
            const ix = tapSource(ox, kx, op.pads[2], op.sw, op.dw, op.inW);
            if (ix < 0) continue;
            const wt = ((ky * op.kw + kx) * coutG + o) * op.inC;
            for (let ci = g * cinG; ci < (g + 1) * cinG; ci++) {
              const a = weights[wt + ci];
              const i = (iy * op.inW + ix) * op.inC + ci;
              if (a === 0) continue;
              k += a * input.cnst[i];
              for (let j = input.off[i]; j < input.off[i + 1]; j++) w.add(input.unit[j], a * input.coef[j]);
            }
          }
        }
        if (residual) {
          const i = (oy * op.outW + ox) * op.outC + oc;
          k += residual.cnst[i];
          for (let j = residual.off[i]; j < residual.off[i + 1]; j++) w.add(residual.unit[j], residual.coef[j]);
        }
        w.end(k);
      }
}
