#include "runtime/mlp_random.h"

#include <algorithm>
#include <vector>

#include "core/errors.h"
#include "runtime/memory.h"
#include "runtime/thread_pool.h"

namespace cnn2mlp {
namespace {
inline uint64_t splitmix(uint64_t& s) {
  uint64_t z = (s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
inline float uniform(uint64_t& s) { return float(int64_t(splitmix(s) >> 40) - (int64_t(1) << 23)) / float(1 << 23); }
}  // namespace

std::shared_ptr<Mlp> randomConvMlp(int64_t H, int64_t W, int64_t cin, int64_t cout, int k, int stride, bool csr, uint64_t seed) {
  const int64_t Ho = (H + stride - 1) / stride, Wo = (W + stride - 1) / stride;
  const int64_t padH = std::max<int64_t>(0, (Ho - 1) * stride + k - H) / 2, padW = std::max<int64_t>(0, (Wo - 1) * stride + k - W) / 2;
  MlpLayer l;
  l.rows = Ho * Wo * cout;
  l.cols = H * W * cin;
  l.format = csr ? MatrixFormat::Csr : MatrixFormat::Dense;
  auto bias = Buffer::allocate(size_t(l.rows) * 4, "bias");
  for (int64_t r = 0; r < l.rows; r++) {
    uint64_t s = seed ^ (uint64_t(r) * 0x632BE59BD9B4E019ull);
    bias->as<float>()[r] = 0.1f * uniform(s);
  }
  l.bias = bias->as<float>();
  l.storage.push_back(bias);
  // Taps of output pixel (oy, ox): the in-range (iy, ix) of its k×k window, row-major.
  auto taps = [&](int64_t oy, int64_t ox, std::vector<int64_t>& pix) {
    pix.clear();
    for (int dy = 0; dy < k; dy++)
      for (int dx = 0; dx < k; dx++) {
        const int64_t iy = oy * stride + dy - padH, ix = ox * stride + dx - padW;
        if (iy >= 0 && iy < H && ix >= 0 && ix < W) pix.push_back(iy * W + ix);
      }
  };
  const int threads = resolveThreads(0);
  std::shared_ptr<Buffer> rp, ci, va;
  if (csr) {
    rp = Buffer::allocate(size_t(l.rows + 1) * 8, "CSR row pointers");
    int64_t* rowPtr = rp->as<int64_t>();
    std::vector<int64_t> pix;
    for (int64_t p = 0; p < Ho * Wo; p++) {
      taps(p / Wo, p % Wo, pix);
      for (int64_t oc = 0; oc < cout; oc++) rowPtr[p * cout + oc + 1] = rowPtr[p * cout + oc] + int64_t(pix.size()) * cin;
    }
    l.nnz = rowPtr[l.rows];
    ci = Buffer::allocate(size_t(l.nnz) * 4, "CSR column indices");
    va = Buffer::allocate(size_t(l.nnz) * 4, "CSR values");
    l.rowPtr = rowPtr;
    l.colIdx = ci->as<int32_t>();
    l.values = va->as<float>();
    l.storage.insert(l.storage.end(), {rp, ci, va});
  } else {
    l.ld = denseLd(l.cols);
    l.nnz = l.rows * l.cols;
    va = Buffer::allocate(size_t(l.rows) * size_t(l.ld) * 4, "dense weights");
    l.values = va->as<float>();
    l.storage.push_back(va);
  }
  parallelFor(Ho * Wo, threads, [&](int64_t p, int) {
    std::vector<int64_t> pix;
    taps(p / Wo, p % Wo, pix);
    for (int64_t oc = 0; oc < cout; oc++) {
      const int64_t r = p * cout + oc;
      uint64_t s = seed + uint64_t(r) * 0x9E3779B97F4A7C15ull;
      int64_t j = csr ? l.rowPtr[r] : 0;
      float* row = csr ? nullptr : va->as<float>() + r * l.ld;
      // Touch every page: untouched anonymous pages all map the shared zero page, which reads at
      // cache speed and would flatter the dense bandwidth figures.
      if (row) std::fill(row, row + l.ld, 0.f);
      for (int64_t q : pix)
        for (int64_t c = 0; c < cin; c++) {
          const float v = uniform(s);
          if (csr) {
            ci->as<int32_t>()[j] = int32_t(q * cin + c);
            va->as<float>()[j++] = v;
          } else {
            row[q * cin + c] = v;
          }
        }
    }
  });
  auto mlp = std::make_shared<Mlp>();
  mlp->inputSize = l.cols;
  mlp->outputSize = l.rows;
  mlp->layers.push_back(std::move(l));
  return mlp;
}

}  // namespace cnn2mlp
