#include "oracles/cuda/cuda_check.h"

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

namespace parity::cuda {

void throw_cuda_failure(const char* call, const std::string& what) {
  throw ExecutorError("cuda", std::string(call) + ": " + what);
}

void check_cuda(int status, const char* call) {
  if (status == cudaSuccess) return;
  const auto e = static_cast<cudaError_t>(status);
  throw_cuda_failure(call, std::string(cudaGetErrorString(e)) + " (" + cudaGetErrorName(e) + ")");
}

void check_cublas(int status, const char* call) {
  if (status == CUBLAS_STATUS_SUCCESS) return;
  throw_cuda_failure(call, cublasGetStatusString(static_cast<cublasStatus_t>(status)));
}

void check_cudnn(int status, const char* call) {
  if (status == CUDNN_STATUS_SUCCESS) return;
  throw_cuda_failure(call, cudnnGetErrorString(static_cast<cudnnStatus_t>(status)));
}

}  // namespace parity::cuda
