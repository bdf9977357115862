#pragma once
// Applies a Keras 2 (tf-keras) activation (by name, as in a layer config) in place. softmax and log_softmax
// act on the last axis, as keras.activations.softmax does for its default axis=-1; gelu is the exact (erf)
// form, the keras.activations.gelu default; hard_sigmoid is Keras 2's clip(0.2 x + 0.5, 0, 1).
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "harness/core/error.h"
#include "harness/core/tensor.h"
#include "oracles/ref/scalar_math.h"

namespace parity {

template <class T, class F>
void map_inplace(Tensor<T>& t, F f) {
  for (T& v : t.data) v = f(v);
}

// Softmax over the (distinct, non-negative) `axes` of `t` jointly: each group of elements that differ only
// in those axes is normalized together. All three forms subtract the group max first, as TF does, so large
// logits cannot overflow.
template <class T>
void softmax_axes(Tensor<T>& t, const std::vector<int64_t>& axes, SoftmaxForm form) {
  const std::vector<int64_t> stride = strides_of(t.shape);
  // base[i]: the flat index of element i with its softmax-axis coordinates set to 0 (its group's key).
  std::vector<int64_t> base(t.data.size());
  for (int64_t i = 0; i < t.size(); ++i) {
    int64_t b = i;
    for (int64_t ax : axes) b -= (i / stride[ax]) % t.shape[ax] * stride[ax];
    base[i] = b;
  }
  std::vector<T> gmax(t.data.size(), -std::numeric_limits<T>::infinity()), gsum(t.data.size(), T(0));
  for (int64_t i = 0; i < t.size(); ++i) gmax[base[i]] = scalar::max_nan(gmax[base[i]], t[i]);
  for (int64_t i = 0; i < t.size(); ++i) gsum[base[i]] += std::exp(t[i] - gmax[base[i]]);
  for (int64_t i = 0; i < t.size(); ++i) {
    const T m = gmax[base[i]], s = gsum[base[i]];
    t[i] = scalar::softmax_finish(form, t[i], m, s);
  }
}

// softmax (or log_softmax) over the last axis, as keras.activations.softmax / log_softmax do by default.
template <class T>
void softmax_last_axis(Tensor<T>& t, bool log) {
  if (t.shape.empty()) fail("softmax needs at least one axis");
  softmax_axes(t, {t.rank() - 1}, log ? SoftmaxForm::LogSoftmax : SoftmaxForm::Softmax);
}

template <class T>
void apply_activation(const std::string& name, Tensor<T>& t) {
  namespace s = scalar;
  if (name == "linear") return;
  if (name == "relu") return map_inplace(t, [](T x) { return s::relu(x); });
  if (name == "relu6") return map_inplace(t, [](T x) { return s::relu6(x); });
  if (name == "elu") return map_inplace(t, [](T x) { return s::elu(x); });
  if (name == "selu") return map_inplace(t, [](T x) { return s::selu(x); });
  if (name == "sigmoid") return map_inplace(t, [](T x) { return s::sigmoid(x); });
  if (name == "hard_sigmoid") return map_inplace(t, [](T x) { return s::hard_sigmoid(x); });
  if (name == "tanh") return map_inplace(t, [](T x) { return std::tanh(x); });
  if (name == "softplus") return map_inplace(t, [](T x) { return s::softplus(x); });
  if (name == "softsign") return map_inplace(t, [](T x) { return s::softsign(x); });
  if (name == "swish" || name == "silu") return map_inplace(t, [](T x) { return s::swish(x); });
  if (name == "gelu") return map_inplace(t, [](T x) { return s::gelu_exact(x); });
  if (name == "exponential") return map_inplace(t, [](T x) { return std::exp(x); });
  if (name == "mish") return map_inplace(t, [](T x) { return s::mish(x); });
  if (name == "softmax") return softmax_last_axis(t, false);
  if (name == "log_softmax") return softmax_last_axis(t, true);
  fail("unknown activation '{}'", name);
}

}  // namespace parity
