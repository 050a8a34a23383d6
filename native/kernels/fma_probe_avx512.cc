// FMA throughput probe for the CNN benchmark: 16 independent zmm FMA chains (enough to cover
// 4-cycle latency × 2 ports), `iters` rounds. Returns a value that depends on every lane so the
// loop cannot be removed. FLOPs = iters · 16 chains · 16 lanes · 2.
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

namespace cnn2mlp {
float fmaProbeAvx512(long iters) {
  __m512 a[16];
  for (int i = 0; i < 16; i++) a[i] = _mm512_set1_ps(float(i) * 1e-3f);
  const __m512 m = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
  for (long k = 0; k < iters; k++)
    for (int i = 0; i < 16; i++) a[i] = _mm512_fmadd_ps(a[i], m, c);
  __m512 s = a[0];
  for (int i = 1; i < 16; i++) s = _mm512_add_ps(s, a[i]);
  return _mm512_reduce_add_ps(s);
}
}  // namespace cnn2mlp
