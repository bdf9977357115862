#pragma once
// The device backend: per-element kernels launched through kernels/*.cu, GEMMs through cuBLAS, pooling
// through cuDNN where cuDNN expresses TF's semantics exactly (else the own kernel), memory from a DeviceArena.
// Construct only after cuda_device_available() said yes. Every call is checked (cuda_check.h).
#include <memory>
#include <string>

#include "oracles/cuda/backend.h"
#include "oracles/cuda/device_arena.h"

namespace parity::cuda {

class CudaBackend final : public Backend {
 public:
  explicit CudaBackend(bool tf32);
  ~CudaBackend() override;
  CudaBackend(const CudaBackend&) = delete;
  CudaBackend& operator=(const CudaBackend&) = delete;

  float* alloc(int64_t n) override;
  void reset() override { arena_.reset(); }
  void upload(float* dst, const float* src, int64_t n) override;
  void download(float* dst, const float* src, int64_t n) override;
#define PARITY_CUDA_DEVICE_RUN(K) void run(const K& k, int64_t n) override;
  PARITY_CUDA_ELEM_KERNELS(PARITY_CUDA_DEVICE_RUN)
#undef PARITY_CUDA_DEVICE_RUN
  void gemm(const Gemm& g) override;
  // "CUDA runtime 13.0, cuBLAS 130100, cuDNN 91900, <device> (sm_XY), TF32 off"
  std::string version() const { return version_; }

 private:
  bool cudnn_pool(const PoolKernel& k);  // false when cuDNN cannot express this pooling exactly
  struct Handles;
  std::unique_ptr<Handles> h_;
  DeviceArena arena_;
  std::string version_;
};

// Whether a CUDA device can be used; otherwise *why holds the runtime's reason.
bool cuda_device_available(std::string* why);

}  // namespace parity::cuda
