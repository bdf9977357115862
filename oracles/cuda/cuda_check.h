#pragma once
// Every CUDA runtime, cuBLAS and cuDNN call goes through one of these checks: a failure throws
// ExecutorError("cuda", "<call>: <error string>"), which the engine records as ERRORED for the case; nothing
// aborts. The status is taken as a plain int so host tests can feed fake error codes.
#include <string>

#include "oracles/executor.h"

namespace parity::cuda {

[[noreturn]] void throw_cuda_failure(const char* call, const std::string& what);
void check_cuda(int status, const char* call);    // cudaError_t
void check_cublas(int status, const char* call);  // cublasStatus_t
void check_cudnn(int status, const char* call);   // cudnnStatus_t

}  // namespace parity::cuda

#define PARITY_CUDA_CHECK(call) ::parity::cuda::check_cuda(static_cast<int>(call), #call)
#define PARITY_CUBLAS_CHECK(call) ::parity::cuda::check_cublas(static_cast<int>(call), #call)
#define PARITY_CUDNN_CHECK(call) ::parity::cuda::check_cudnn(static_cast<int>(call), #call)
