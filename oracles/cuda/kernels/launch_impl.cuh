#pragma once
// The one __global__ template: a grid-stride loop calling k(i), so any n fits a bounded grid.
#include <cuda_runtime.h>

#include <cstdint>

#include "oracles/cuda/kernels/launch.h"

namespace parity::cuda {

template <class K>
__global__ void elem_kernel(const K k, int64_t n) {
  const int64_t step = int64_t(blockDim.x) * gridDim.x;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) k(i);
}

template <class K>
int launch(const K& k, int64_t n) {
  if (n <= 0) return cudaSuccess;
  constexpr int kThreads = 256;
  const int64_t blocks = (n + kThreads - 1) / kThreads;
  elem_kernel<K><<<static_cast<unsigned>(blocks < 8192 ? blocks : 8192), kThreads>>>(k, n);
  return static_cast<int>(cudaGetLastError());
}

}  // namespace parity::cuda
