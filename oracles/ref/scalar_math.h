#pragma once
// Element-wise formulas shared by every executor that computes on the host (ref64 in double, cpu32 in
// float) and, later, by CUDA kernels (hence PARITY_HD). Each follows Keras 2 / TensorFlow semantics; the
// comment on each one says where that is subtle.
#include <cmath>
#include <string>

#ifdef __CUDACC__
#define PARITY_HD __host__ __device__
#else
#define PARITY_HD
#endif

namespace parity {

// The three forms of softmax parity computes over a group of elements (see activation.h, softmax_axes).
enum class SoftmaxForm {
  Softmax,     // tf.nn.softmax: exp(x - max) / sum(exp(x - max))
  LogSoftmax,  // tf.nn.log_softmax: (x - max) - log(sum(exp(x - max)))
  ExpLse,      // tf-keras Softmax layer over several axes: exp(x - reduce_logsumexp(x)), where
               // reduce_logsumexp = max + log(sum(exp(x - max)))
};

}  // namespace parity

namespace parity::scalar {

// max/min that propagate NaN. parity's reference lets a NaN input reach the output of every selecting op
// (relu, max pooling, maximum, reduce_max, clip): TF and TF.js pass NaN through these, and a NaN silently
// turned into 0 or dropped from a window would hide the very problem a conformance run should show.
template <class T> PARITY_HD inline T max_nan(T x, T y) { return x != x ? x : (y != y ? y : (x < y ? y : x)); }
template <class T> PARITY_HD inline T min_nan(T x, T y) { return x != x ? x : (y != y ? y : (y < x ? y : x)); }
template <class T> PARITY_HD inline T relu(T x) { return max_nan(x, T(0)); }
template <class T> PARITY_HD inline T relu6(T x) { return min_nan(max_nan(x, T(0)), T(6)); }
// keras.activations.elu(x, alpha=1): x for x > 0, alpha * (exp(x) - 1) otherwise (TF uses expm1).
template <class T> PARITY_HD inline T elu(T x, T alpha = T(1)) { return x > T(0) ? x : alpha * std::expm1(x); }
// SELU constants from Klambauer et al., as in tf.nn.selu / tf-keras activations.selu.
inline constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
inline constexpr double kSeluScale = 1.0507009873554804934193349852946;
template <class T> PARITY_HD inline T selu(T x) {
  return T(kSeluScale) * (x > T(0) ? x : T(kSeluAlpha) * std::expm1(x));
}
// 1 / (1 + exp(-x)), computed on the side that cannot overflow.
template <class T> PARITY_HD inline T sigmoid(T x) {
  if (x >= T(0)) return T(1) / (T(1) + std::exp(-x));
  T e = std::exp(x);
  return e / (T(1) + e);
}
// Keras 2 (tf-keras backend.hard_sigmoid): clip(0.2 * x + 0.5, 0, 1). Keras 3 changed this to
// relu6(x + 3) / 6; configs parity reads are Keras 2 semantics unless the reader maps them.
template <class T> PARITY_HD inline T hard_sigmoid(T x) {
  T y = T(0.2) * x + T(0.5);
  return y < T(0) ? T(0) : (y > T(1) ? T(1) : y);
}
// softplus(x) = log(1 + exp(x)), written as max(x, 0) + log1p(exp(-|x|)) so it neither overflows nor
// loses the small tail for very negative x.
template <class T> PARITY_HD inline T softplus(T x) {
  return (x > T(0) ? x : T(0)) + std::log1p(std::exp(-std::fabs(x)));
}
template <class T> PARITY_HD inline T softsign(T x) { return x / (T(1) + std::fabs(x)); }
template <class T> PARITY_HD inline T swish(T x) { return x * sigmoid(x); }
// gelu, exact form (tf.nn.gelu approximate=False, the Keras 2 activation default):
// 0.5 x (1 + erf(x / sqrt(2))), dividing by sqrt(2) as tf.nn.gelu does.
template <class T> PARITY_HD inline T gelu_exact(T x) {
  return T(0.5) * x * (T(1) + std::erf(x / T(1.4142135623730951)));
}
// gelu, tanh approximation (approximate=True): 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), with the
// cube formed first and then scaled, as tf.nn.gelu writes it (coeff * pow(x, 3)).
template <class T> PARITY_HD inline T gelu_tanh(T x) {
  return T(0.5) * x * (T(1) + std::tanh(T(0.7978845608028654) * (x + T(0.044715) * (x * x * x))));
}
template <class T> PARITY_HD inline T mish(T x) { return x * std::tanh(softplus(x)); }

// --- Keras layer activations with parameters. Layer parameters are float32 in Keras (cast_to_floatx),
// so callers pass them already rounded to float32. -------------------------------------------------------

// tf.nn.leaky_relu (TF's LeakyRelu kernel): x > 0 ? x : alpha * x.
template <class T> PARITY_HD inline T leaky_relu(T x, T alpha) { return x > T(0) ? x : x * alpha; }

// tf-keras backend.relu(x, alpha, max_value, threshold), composed as it is there: leaky_relu when only alpha
// is set; otherwise y = (threshold != 0 ? x * (x > threshold) : relu(x)), clipped to [0, max_value] when a
// max is given, minus alpha * relu(threshold - x). So for max_value < threshold, x in [max_value, threshold)
// still takes the negative branch (the docstring's "x >= max_value -> max_value" assumes max >= threshold).
template <class T>
PARITY_HD inline T keras_relu(T x, T alpha, bool has_max, T max_value, T threshold) {
  if (alpha != T(0) && !has_max && threshold == T(0)) return leaky_relu(x, alpha);
  T y = threshold != T(0) ? x * T(x > threshold ? 1 : 0) : relu(x);
  if (has_max) {  // tf.clip_by_value: max(min(y, hi), lo)
    y = y < max_value ? y : max_value;
    y = y > T(0) ? y : T(0);
  }
  if (alpha != T(0)) y -= alpha * relu(-x + threshold);
  return y;
}

// tf-keras ThresholdedReLU: x * cast(x > theta) -- strictly greater, so x == theta gives 0.
template <class T> PARITY_HD inline T thresholded_relu(T x, T theta) { return x * T(x > theta ? 1 : 0); }

// tf-keras PReLU.call: relu(x) + (-alpha) * relu(-x).
template <class T> PARITY_HD inline T prelu(T x, T alpha) { return relu(x) + (-alpha) * relu(-x); }

// --- TF element-wise math ops ----------------------------------------------------------------------------

template <class T> PARITY_HD inline T square(T x) { return x * x; }
template <class T> PARITY_HD inline T reciprocal(T x) { return T(1) / x; }
template <class T> PARITY_HD inline T rsqrt(T x) { return T(1) / std::sqrt(x); }
// tf.math.sign: -1, 0 or 1 (sign(-0) = 0); NaN stays NaN.
template <class T> PARITY_HD inline T sign(T x) {
  if (x != x) return x;
  return T(x > T(0) ? 1 : 0) - T(x < T(0) ? 1 : 0);
}
// tf.math.round (TF's Round op): round half to even ("banker's rounding"): 0.5 -> 0, 1.5 -> 2, 2.5 -> 2,
// -0.5 -> -0. Written out instead of std::nearbyint so it does not depend on the FP rounding mode.
template <class T> PARITY_HD inline T round_half_even(T x) {
  T r = std::floor(x);
  const T diff = x - r;  // exact: x and floor(x) share an exponent range
  if (diff > T(0.5) || (diff == T(0.5) && std::fmod(r, T(2)) != T(0))) r += T(1);
  return std::copysign(r, x);  // like rint, the result keeps x's sign (-0.4 -> -0)
}

// One element of a softmax group, given the group's max `m` and sum(exp(x - m)) `s`.
template <class T> PARITY_HD inline T softmax_finish(SoftmaxForm form, T x, T m, T s) {
  switch (form) {
    case SoftmaxForm::Softmax: return std::exp(x - m) / s;
    case SoftmaxForm::LogSoftmax: return (x - m) - std::log(s);
    case SoftmaxForm::ExpLse: return std::exp(x - (m + std::log(s)));
  }
  return x;
}

}  // namespace parity::scalar
