#pragma once
// The host emulation of the CUDA backend: host memory, each per-element kernel run in a loop over the same
// index space the device grid covers, and a plain-loop GEMM with cuBLAS's column-major semantics. Fresh
// buffers are NaN-filled, so a kernel that leaves an element unwritten shows up in the comparison.
#include <memory>
#include <vector>

#include "oracles/cuda/backend.h"

namespace parity::cuda {

class HostBackend : public Backend {
 public:
  float* alloc(int64_t n) override;
  void reset() override { buffers_.clear(); }
  void upload(float* dst, const float* src, int64_t n) override;
  void download(float* dst, const float* src, int64_t n) override;
#define PARITY_CUDA_HOST_RUN(K) void run(const K& k, int64_t n) override { for (int64_t i = 0; i < n; ++i) k(i); }
  PARITY_CUDA_ELEM_KERNELS(PARITY_CUDA_HOST_RUN)
#undef PARITY_CUDA_HOST_RUN
  void gemm(const Gemm& g) override;

 private:
  std::vector<std::unique_ptr<float[]>> buffers_;
};

}  // namespace parity::cuda
