// Device launchers of the element-wise kernels (formulas: oracles/ref/scalar_math.h via elem/elementwise.h).
#include "oracles/cuda/elem/elementwise.h"
#include "oracles/cuda/kernels/launch_impl.cuh"

namespace parity::cuda {
template int launch<UnaryKernel>(const UnaryKernel&, int64_t);
template int launch<BinaryKernel>(const BinaryKernel&, int64_t);
template int launch<BatchNormKernel>(const BatchNormKernel&, int64_t);
}  // namespace parity::cuda
