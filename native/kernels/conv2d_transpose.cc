// Transposed convolution, NHWC, gathered per output pixel (no scatter, so output rows can be split
// over threads): each output pixel starts at its bias and adds, for every kernel tap whose input
// position falls on the stride grid inside the input, that input pixel times the tap's
// [inC][coutG] weight block. The inner loop runs over a group's output channels (contiguous in both
// the repacked weights and the output), which the compiler vectorises.
#include <algorithm>
#include <cstring>

#include "kernels/activation.h"
#include "kernels/cnn_ops.h"

namespace cnn2mlp {

void repackTransposeWeights(const PlanOp& p, const float* src, float* dst) {
  const int64_t inC = p.inC, coutG = p.outC / p.groups;
  for (int64_t t = 0; t < int64_t(p.kh) * p.kw; t++)
    for (int64_t o = 0; o < coutG; o++)
      for (int64_t ci = 0; ci < inC; ci++) dst[(t * inC + ci) * coutG + o] = src[(t * coutG + o) * inC + ci];
}

// The input index along one axis that output position `o` reads through tap k, or -1.
static inline int64_t tapSource(int64_t o, int k, int pad, int stride, int dilation, int64_t in) {
  const int64_t f = o + pad - int64_t(k) * dilation;
  if (f < 0 || f % stride != 0) return -1;
  const int64_t i = f / stride;
  return i < in ? i : -1;
}

void convTransposeRows(const PlanOp& p, const float* w, const float* bias, const float* in, float* out, int64_t y0, int64_t y1) {
  const int64_t inC = p.inC, outC = p.outC, G = p.groups, cinG = inC / G, coutG = outC / G;
  for (int64_t oy = y0; oy < y1; oy++)
    for (int64_t ox = 0; ox < p.outW; ox++) {
      float* o = out + (oy * p.outW + ox) * outC;
      std::memcpy(o, bias, size_t(outC) * sizeof(float));
      for (int ky = 0; ky < p.kh; ky++) {
        const int64_t iy = tapSource(oy, ky, p.padTop, p.sh, p.dh, p.inH);
        if (iy < 0) continue;
        for (int kx = 0; kx < p.kw; kx++) {
          const int64_t ix = tapSource(ox, kx, p.padLeft, p.sw, p.dw, p.inW);
          if (ix < 0) continue;
          const float* ip = in + (iy * p.inW + ix) * inC;
          const float* wt = w + (int64_t(ky) * p.kw + kx) * inC * coutG;
          for (int64_t g = 0; g < G; g++) {
            float* og = o + g * coutG;
            for (int64_t ci = g * cinG; ci < (g + 1) * cinG; ci++) {
              const float x = ip[ci];
              const float* wr = wt + ci * coutG;
              for (int64_t c = 0; c < coutG; c++) og[c] += x * wr[c];
            }
          }
        }
      }
      if (p.act.code != ActSoftmax) applyActivation(p.act, o, outC, outC);
    }
}

}  // namespace cnn2mlp
