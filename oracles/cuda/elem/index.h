#pragma once
// Index arithmetic shared by the per-element kernels: row-major coordinates of a flat index, and groups of
// elements (the reduced axes of a reduction, the normalized axes of softmax / layer norm). Compiled by nvcc
// and g++ alike (PARITY_HD), so host tests run exactly the index logic the device runs.
#include <cstdint>

#include "oracles/ref/scalar_math.h"

namespace parity::cuda {

inline constexpr int kMaxRank = 8;

// A set of dimensions with one element stride each (into some tensor), walked in row-major order.
struct StridedDims {
  int rank = 0;
  int64_t dim[kMaxRank] = {};
  int64_t stride[kMaxRank] = {};

  // The offset of the i-th element of the row-major walk over `dim`.
  PARITY_HD int64_t offset(int64_t i) const {
    int64_t off = 0;
    for (int d = rank - 1; d >= 0; --d) {
      off += (i % dim[d]) * stride[d];
      i /= dim[d];
    }
    return off;
  }
  PARITY_HD int64_t count() const {
    int64_t n = 1;
    for (int d = 0; d < rank; ++d) n *= dim[d];
    return n;
  }
};

// Groups of a tensor: `outer` enumerates the groups (row-major over the kept axes), `inner` the elements of
// one group (row-major over the grouped axes in increasing axis order, as the reference kernels walk them).
struct Groups {
  StridedDims outer, inner;
  PARITY_HD int64_t base(int64_t g) const { return outer.offset(g); }
  PARITY_HD int64_t at(int64_t g, int64_t k) const { return outer.offset(g) + inner.offset(k); }
};

}  // namespace parity::cuda
