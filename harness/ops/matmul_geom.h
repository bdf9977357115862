#pragma once
// tf.linalg.matmul's geometry from its operand shapes, shared by the reference kernel and the CUDA lowering:
// out[..., m, p] = sum_k A[..., m, k] B[..., k, p] after the optional transposes, leading (batch) dims
// broadcast (a size-1 dim repeats; a 2-D b, e.g. a constant, is shared by every batch).
#include <algorithm>
#include <cstdint>
#include <vector>

#include "harness/core/tensor.h"

namespace parity {

struct MatmulGeom {
  int64_t M = 0, K = 0, P = 0;
  int64_t lda = 0, ldb = 0;                  // row lengths of A and B as stored (before transposing)
  Shape out;                                 // [batch dims..., M, P]
  std::vector<int64_t> offset_a, offset_b;   // element offset of each output batch's A and B matrices
};

inline MatmulGeom matmul_geom(const Shape& x, const Shape& y, bool ta, bool tb) {
  MatmulGeom g;
  const size_t r = x.size(), rb = y.size(), nb = r - 2;
  const int64_t ar = x[r - 2], ac = x[r - 1], br = y[rb - 2], bc = y[rb - 1];
  g.M = ta ? ac : ar;
  g.K = ta ? ar : ac;
  g.P = tb ? br : bc;
  g.lda = ac;
  g.ldb = bc;
  // Each operand's element stride along the batch dims, 0 where it is broadcast.
  g.out.assign(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(nb));
  std::vector<int64_t> sa(nb), sb(nb, 0);
  const std::vector<int64_t> xs = strides_of(x), ys = strides_of(y);
  for (size_t d = 0; d < nb; ++d) {
    if (rb == r) g.out[d] = std::max(x[d], y[d]);
    sa[d] = x[d] == 1 ? 0 : xs[d];
    if (rb == r) sb[d] = y[d] == 1 ? 0 : ys[d];
  }
  const int64_t batches = num_elements(g.out);
  for (int64_t bi = 0; bi < batches; ++bi) {
    int64_t rest = bi, off_a = 0, off_b = 0;
    for (size_t d = nb; d-- > 0;) {
      const int64_t idx = rest % g.out[d];
      rest /= g.out[d];
      off_a += idx * sa[d];
      off_b += idx * sb[d];
    }
    g.offset_a.push_back(off_a);
    g.offset_b.push_back(off_b);
  }
  g.out.push_back(g.M);
  g.out.push_back(g.P);
  return g;
}

}  // namespace parity
