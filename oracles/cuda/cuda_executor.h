#pragma once
// The `cuda` executor: the catalog in float32 on an NVIDIA GPU (GraphRunner over CudaBackend). Constructing
// it touches no device, so `parity ops` lists its support on any machine; run() reports ExecutorUnavailable
// ("no CUDA device ...", SKIPPED) where there is none.
#include <memory>

#include "harness/catalog/catalog.h"
#include "oracles/executor.h"

namespace parity::cuda {

std::unique_ptr<Executor> make_cuda_executor(const Catalog& catalog, const ExecutorOptions& opt);

}  // namespace parity::cuda
