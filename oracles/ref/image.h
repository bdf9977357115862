#pragma once
// A batch of images as the convolution and pooling kernels index it, shared by the reference kernels
// (oracles/ref/kernels/) and the CUDA per-element functions (oracles/cuda/elem/), so both read one layout.
#include <cstdint>

#include "oracles/ref/scalar_math.h"

namespace parity {

// A batch of images [B,H,W,C] (channels_last) or [B,C,H,W] (channels_first); 1-D data has W = 1 (pooling)
// or H = 1 (convolutions), as the reference kernels view it.
struct Image {
  int64_t b = 1, h = 1, w = 1, c = 1;
  bool cf = false;
  PARITY_HD int64_t at(int64_t n, int64_t y, int64_t x, int64_t ch) const {
    return cf ? ((n * c + ch) * h + y) * w + x : ((n * h + y) * w + x) * c + ch;
  }
  PARITY_HD int64_t count() const { return b * h * w * c; }
  // The coordinates of flat index i (the inverse of at()).
  PARITY_HD void coords(int64_t i, int64_t& n, int64_t& y, int64_t& x, int64_t& ch) const {
    if (cf) {
      x = i % w, i /= w;
      y = i % h, i /= h;
      ch = i % c, n = i / c;
    } else {
      ch = i % c, i /= c;
      x = i % w, i /= w;
      y = i % h, n = i / h;
    }
  }
};

}  // namespace parity

#ifndef __CUDACC__
#include <cstddef>
#include <vector>

namespace parity {

// A convolution's input or output [B,H,W,C] / [B,C,H,W]; rank 3 (Conv1D) is the same memory with H = 1.
inline Image conv_image_of(const std::vector<int64_t>& s, bool cf) {
  Image m;
  m.cf = cf;
  m.b = s[0];
  m.c = cf ? s[1] : s.back();
  const size_t first = cf ? 2 : 1;
  if (s.size() == 4) {
    m.h = s[first];
    m.w = s[first + 1];
  } else {
    m.w = s[first];
  }
  return m;
}

// A pooling input or output viewed as an Image: rank 3 (1-D pooling) has W = 1 (pooling runs along H).
inline Image pool_image_of(const std::vector<int64_t>& s, bool cf) {
  Image m;
  m.cf = cf;
  m.b = s[0];
  m.c = cf ? s[1] : s.back();
  m.h = cf ? s[2] : s[1];
  if (s.size() == 4) m.w = cf ? s[3] : s[2];
  return m;
}

// The tensor shape of a pooling image of the given rank (the inverse of pool_image_of).
inline std::vector<int64_t> pool_shape_of(const Image& m, size_t rank) {
  if (rank == 3) return m.cf ? std::vector<int64_t>{m.b, m.c, m.h} : std::vector<int64_t>{m.b, m.h, m.c};
  return m.cf ? std::vector<int64_t>{m.b, m.c, m.h, m.w} : std::vector<int64_t>{m.b, m.h, m.w, m.c};
}

}  // namespace parity
#endif
