// Reference kernels for the recurrent family (harness/ops/recurrent.cpp).
#include "oracles/ref/kernel.h"

namespace parity {

void register_recurrent_kernels(KernelTable&) {}

}  // namespace parity
