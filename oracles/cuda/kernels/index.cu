// Device launchers of the data-movement and per-group kernels (elem/copy.h, elem/reduce.h).
#include "oracles/cuda/elem/copy.h"
#include "oracles/cuda/elem/reduce.h"
#include "oracles/cuda/kernels/launch_impl.cuh"

namespace parity::cuda {
template int launch<CopyKernel>(const CopyKernel&, int64_t);
template int launch<GatherRowsKernel>(const GatherRowsKernel&, int64_t);
template int launch<ReduceKernel>(const ReduceKernel&, int64_t);
template int launch<GroupKernel>(const GroupKernel&, int64_t);
}  // namespace parity::cuda
