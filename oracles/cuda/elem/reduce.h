#pragma once
// Per-group functions: one call computes one group of elements (a reduction's output element, a softmax or
// normalization group). Each walks its group in row-major order, the order the reference kernels
// accumulate in, so float32 sums round the same way.
#include <cmath>
#include <cstdint>

#include "oracles/cuda/elem/index.h"
#include "oracles/ref/scalar_math.h"

namespace parity::cuda {

enum class ReduceOp : int { Sum, Mean, Max, Min };

// y[g] = fold of x over group g (reduce_sum/mean/max/min, the global poolings). Max/Min propagate NaN.
struct ReduceKernel {
  ReduceOp op = ReduceOp::Sum;
  Groups g;
  const float* x = nullptr;
  float* y = nullptr;
  PARITY_HD void operator()(int64_t gi) const {
    const int64_t base = g.base(gi), n = g.inner.count();
    float acc = op == ReduceOp::Max ? -INFINITY : op == ReduceOp::Min ? INFINITY : 0.0f;
    for (int64_t k = 0; k < n; ++k) {
      const float v = x[base + g.inner.offset(k)];
      if (op == ReduceOp::Max) acc = scalar::max_nan(acc, v);
      else if (op == ReduceOp::Min) acc = scalar::min_nan(acc, v);
      else acc += v;
    }
    y[gi] = op == ReduceOp::Mean ? acc / float(n) : acc;
  }
};

enum class GroupOp : int {
  Softmax,     // the three SoftmaxForm values, in order
  LogSoftmax,
  ExpLse,
  LayerNorm,   // tf.nn.moments (mean, then biased variance), (x - mean) / sqrt(var + eps) * gamma + beta
  L2Normalize, // tf.linalg.l2_normalize: x * 1 / sqrt(max(sum x^2, eps))
};

// Writes every element of group `gi` (x and y share the layout; y may equal x).
struct GroupKernel {
  GroupOp op = GroupOp::Softmax;
  Groups g;
  float eps = 0;
  const float* gamma = nullptr;  // LayerNorm: indexed by the position inside the group; null = absent
  const float* beta = nullptr;
  const float* x = nullptr;
  float* y = nullptr;

  PARITY_HD void operator()(int64_t gi) const {
    const int64_t base = g.base(gi), n = g.inner.count();
    if (op == GroupOp::LayerNorm) {
      float mean = 0, var = 0;
      for (int64_t k = 0; k < n; ++k) mean += x[base + g.inner.offset(k)];
      mean /= float(n);
      for (int64_t k = 0; k < n; ++k) {
        const float d = x[base + g.inner.offset(k)] - mean;
        var += d * d;
      }
      var /= float(n);
      for (int64_t k = 0; k < n; ++k) {
        const int64_t o = base + g.inner.offset(k);
        float v = (x[o] - mean) / std::sqrt(var + eps);
        if (gamma) v *= gamma[k];
        if (beta) v += beta[k];
        y[o] = v;
      }
    } else if (op == GroupOp::L2Normalize) {
      float ss = 0;
      for (int64_t k = 0; k < n; ++k) {
        const float v = x[base + g.inner.offset(k)];
        ss += v * v;
      }
      const float inv = 1.0f / std::sqrt(ss < eps ? eps : ss);  // std::max(ss, eps): a NaN sum stays NaN
      for (int64_t k = 0; k < n; ++k) {
        const int64_t o = base + g.inner.offset(k);
        y[o] = x[o] * inv;
      }
    } else {
      float m = -INFINITY, s = 0;
      for (int64_t k = 0; k < n; ++k) m = scalar::max_nan(m, x[base + g.inner.offset(k)]);
      for (int64_t k = 0; k < n; ++k) s += std::exp(x[base + g.inner.offset(k)] - m);
      const auto form = static_cast<SoftmaxForm>(static_cast<int>(op));
      for (int64_t k = 0; k < n; ++k) {
        const int64_t o = base + g.inner.offset(k);
        y[o] = scalar::softmax_finish(form, x[o], m, s);
      }
    }
  }
};

}  // namespace parity::cuda
