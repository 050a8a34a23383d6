// FMA throughput probe, AVX2: 12 independent ymm chains (5-cycle latency × 2 ports needs ≥ 10).
// FLOPs = iters · 12 chains · 8 lanes · 2.
#include <immintrin.h>

namespace cnn2mlp {
float fmaProbeAvx2(long iters) {
  __m256 a[12];
  for (int i = 0; i < 12; i++) a[i] = _mm256_set1_ps(float(i) * 1e-3f);
  const __m256 m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
  for (long k = 0; k < iters; k++)
    for (int i = 0; i < 12; i++) a[i] = _mm256_fmadd_ps(a[i], m, c);
  __m256 s = a[0];
  for (int i = 1; i < 12; i++) s = _mm256_add_ps(s, a[i]);
  float out[8];
  _mm256_storeu_ps(out, s);
  return out[0] + out[1] + out[2] + out[3] + out[4] + out[5] + out[6] + out[7];
}
}  // namespace cnn2mlp
