#include "oracles/cuda/host_backend.h"

#include <algorithm>
#include <limits>

namespace parity::cuda {

float* HostBackend::alloc(int64_t n) {
  buffers_.push_back(std::make_unique<float[]>(static_cast<size_t>(std::max<int64_t>(n, 1))));
  std::fill_n(buffers_.back().get(), n, std::numeric_limits<float>::quiet_NaN());
  return buffers_.back().get();
}

void HostBackend::upload(float* dst, const float* src, int64_t n) { std::copy_n(src, n, dst); }
void HostBackend::download(float* dst, const float* src, int64_t n) { std::copy_n(src, n, dst); }

// Sums over l in increasing order, as the reference kernels do, so an emulated GEMM matches them exactly.
void HostBackend::gemm(const Gemm& g) {
  for (int64_t p = 0; p < g.batch; ++p) {
    const float* a = g.a + p * g.stride_a;
    const float* b = g.b + p * g.stride_b;
    float* c = g.c + p * g.stride_c;
    for (int64_t j = 0; j < g.n; ++j)
      for (int64_t i = 0; i < g.m; ++i) {
        float acc = 0;
        for (int64_t l = 0; l < g.k; ++l) {
          const float av = g.trans_a ? a[l + i * g.lda] : a[i + l * g.lda];
          const float bv = g.trans_b ? b[j + l * g.ldb] : b[l + j * g.ldb];
          acc += av * bv;
        }
        c[i + j * g.ldc] = acc;
      }
  }
}

}  // namespace parity::cuda
