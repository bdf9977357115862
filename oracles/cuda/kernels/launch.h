#pragma once
// Launches a per-element kernel (oracles/cuda/elem/*.h) over [0, n) on the default stream: one thin
// __global__ wrapper per kernel type, calling the same function the host emulation calls. Returns the
// launch's cudaError_t (as int) for the caller to check. Instantiated in kernels/*.cu, one file per kind.
#include <cstdint>

namespace parity::cuda {

template <class K>
int launch(const K& k, int64_t n);

}  // namespace parity::cuda
