// Device launchers of the windowed kernels (elem/window.h): pooling, im2col, Conv2DTranspose, bilinear.
#include "oracles/cuda/elem/window.h"
#include "oracles/cuda/kernels/launch_impl.cuh"

namespace parity::cuda {
template int launch<PoolKernel>(const PoolKernel&, int64_t);
template int launch<Im2colKernel>(const Im2colKernel&, int64_t);
template int launch<ConvTransposeKernel>(const ConvTransposeKernel&, int64_t);
template int launch<BilinearKernel>(const BilinearKernel&, int64_t);
}  // namespace parity::cuda
