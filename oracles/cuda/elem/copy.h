#pragma once
// The one data-movement kernel: a gather over an iteration space with per-dimension source arithmetic.
// For iteration coordinate c_d the source coordinate is c_d / div_d - shift_d; a source coordinate outside
// [0, src_dim_d) reads 0. That covers transposes (permuted strides), zero padding (shift = pad before),
// cropping (shift = -crop before), nearest upsampling (div = factor), RepeatVector and broadcasting
// (stride 0), and with destination strides, writing one input of a concatenation into its slice.
#include <cstdint>

#include "oracles/cuda/elem/index.h"

namespace parity::cuda {

struct CopyKernel {
  int rank = 0;
  int64_t dim[kMaxRank] = {};         // iteration space, row-major
  int64_t div[kMaxRank] = {};         // >= 1
  int64_t shift[kMaxRank] = {};
  int64_t src_dim[kMaxRank] = {};
  int64_t src_stride[kMaxRank] = {};
  int64_t dst_stride[kMaxRank] = {};
  int64_t dst_offset = 0;
  const float* x = nullptr;
  float* y = nullptr;

  PARITY_HD void operator()(int64_t i) const {
    int64_t src = 0, dst = dst_offset;
    bool inside = true;
    for (int d = rank - 1; d >= 0; --d) {
      const int64_t c = i % dim[d];
      i /= dim[d];
      const int64_t sc = c / div[d] - shift[d];
      inside = inside && sc >= 0 && sc < src_dim[d];
      src += sc * src_stride[d];
      dst += c * dst_stride[d];
    }
    y[dst] = inside ? x[src] : 0.0f;
  }
};

// Embedding: out[i, j] = table[trunc(ids[i]), j] (ids are cast to int32 as Embedding.call does; the
// lowering has checked every id is in range, since a kernel cannot raise TF's error).
struct GatherRowsKernel {
  int64_t width = 1;
  const float* ids = nullptr;
  const float* table = nullptr;
  float* y = nullptr;
  PARITY_HD void operator()(int64_t e) const {
    const int64_t row = static_cast<int64_t>(ids[e / width]);  // conversion truncates toward 0
    y[e] = table[row * width + e % width];
  }
};

}  // namespace parity::cuda
