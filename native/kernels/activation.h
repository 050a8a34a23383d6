// Elementwise activations applied in kernel epilogues, y[i] = act(y[i]) over a contiguous run.
// Softmax is over the last axis: `channels` consecutive values form one distribution (n must be a
// multiple of channels). Scalar and header-only so every kernel TU (any ISA flags) can inline it;
// transcendental activations cost little next to the matrix work they follow.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "core/plan.h"

namespace cnn2mlp {

inline float activate1(const Activation& a, float v) {
  switch (a.code) {
    case ActRelu: return v > 0.f ? v : 0.f;
    case ActLeakyRelu: return v >= 0.f ? v : a.alpha * v;
    case ActClip: return std::min(std::max(v, a.min), a.max);
    case ActSigmoid: return 1.f / (1.f + std::exp(-v));
    case ActTanh: return std::tanh(v);
    case ActElu: return v >= 0.f ? v : a.alpha * (std::exp(v) - 1.f);
    case ActSelu: return v >= 0.f ? float(kSeluGamma) * v : float(kSeluGamma) * float(kSeluAlpha) * (std::exp(v) - 1.f);
    // log1p(exp(v)) overflows for large v, where softplus(v) = v to float precision.
    case ActSoftplus: return v > 20.f ? v : std::log1p(std::exp(v));
    case ActHardSigmoid: return std::min(std::max(a.alpha * v + a.beta, 0.f), 1.f);
    case ActHardSwish: return v * std::min(std::max(v + 3.f, 0.f), 6.f) / 6.f;
    case ActSwish: return v / (1.f + std::exp(-v));
    default: return v;
  }
}

inline void applyActivation(const Activation& a, float* y, int64_t n, int64_t channels) {
  if (a.code == ActLinear) return;
  if (a.code == ActRelu) {
    for (int64_t i = 0; i < n; i++) y[i] = y[i] > 0.f ? y[i] : 0.f;
    return;
  }
  if (a.code == ActSoftmax) {
    for (int64_t base = 0; base + channels <= n; base += channels) {
      float m = y[base];
      for (int64_t c = 1; c < channels; c++) m = std::max(m, y[base + c]);
      double sum = 0;
      for (int64_t c = 0; c < channels; c++) {
        y[base + c] = std::exp(y[base + c] - m);
        sum += y[base + c];
      }
      const float inv = static_cast<float>(1.0 / sum);
      for (int64_t c = 0; c < channels; c++) y[base + c] *= inv;
    }
    return;
  }
  for (int64_t i = 0; i < n; i++) y[i] = activate1(a, y[i]);
}

}  // namespace cnn2mlp
