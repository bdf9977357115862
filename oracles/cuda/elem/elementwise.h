#pragma once
// Per-element functions of the element-wise kernels (one output element per call). The formulas are the
// reference kernels' own (oracles/ref/scalar_math.h), so CPU and GPU share them; these structs only add the
// op selection and, for binary ops, NumPy broadcasting by strides.
#include <cmath>
#include <cstdint>

#include "oracles/cuda/elem/index.h"
#include "oracles/ref/scalar_math.h"

namespace parity::cuda {

enum class UnaryOp : int {
  Identity, Relu, Relu6, Elu, Selu, Sigmoid, HardSigmoid, Tanh, Softplus, Softsign, Swish, GeluExact, GeluTanh,
  Exp, Mish, KerasRelu, LeakyRelu, ThresholdedRelu, Sqrt, Rsqrt, Square, Reciprocal, Log, Log1p, Sin, Cos, Erf,
  Abs, Neg, Floor, Ceil, Round, Sign,
  Affine,    // x * a + b (Rescaling: tf-keras multiplies, then adds)
  Clip,      // tf.clip_by_value: maximum(minimum(x, b), a)
  DivConst,  // x / a (Average: the sum divided by the input count)
};

// Layer parameters, already rounded to float32 as Keras holds them. KerasRelu: a = negative_slope,
// b = max_value (when has_max), c = threshold.
struct UnaryParams {
  float a = 0, b = 0, c = 0;
  bool has_max = false;
};

template <class T>
PARITY_HD inline T unary_value(UnaryOp op, const UnaryParams& p, T x) {
  namespace s = scalar;
  switch (op) {
    case UnaryOp::Identity: return x;
    case UnaryOp::Relu: return s::relu(x);
    case UnaryOp::Relu6: return s::relu6(x);
    case UnaryOp::Elu: return s::elu(x, T(p.a));
    case UnaryOp::Selu: return s::selu(x);
    case UnaryOp::Sigmoid: return s::sigmoid(x);
    case UnaryOp::HardSigmoid: return s::hard_sigmoid(x);
    case UnaryOp::Tanh: return std::tanh(x);
    case UnaryOp::Softplus: return s::softplus(x);
    case UnaryOp::Softsign: return s::softsign(x);
    case UnaryOp::Swish: return s::swish(x);
    case UnaryOp::GeluExact: return s::gelu_exact(x);
    case UnaryOp::GeluTanh: return s::gelu_tanh(x);
    case UnaryOp::Exp: return std::exp(x);
    case UnaryOp::Mish: return s::mish(x);
    case UnaryOp::KerasRelu: return s::keras_relu(x, T(p.a), p.has_max, T(p.b), T(p.c));
    case UnaryOp::LeakyRelu: return s::leaky_relu(x, T(p.a));
    case UnaryOp::ThresholdedRelu: return s::thresholded_relu(x, T(p.a));
    case UnaryOp::Sqrt: return std::sqrt(x);
    case UnaryOp::Rsqrt: return s::rsqrt(x);
    case UnaryOp::Square: return s::square(x);
    case UnaryOp::Reciprocal: return s::reciprocal(x);
    case UnaryOp::Log: return std::log(x);
    case UnaryOp::Log1p: return std::log1p(x);
    case UnaryOp::Sin: return std::sin(x);
    case UnaryOp::Cos: return std::cos(x);
    case UnaryOp::Erf: return std::erf(x);
    case UnaryOp::Abs: return std::fabs(x);
    case UnaryOp::Neg: return -x;
    case UnaryOp::Floor: return std::floor(x);
    case UnaryOp::Ceil: return std::ceil(x);
    case UnaryOp::Round: return s::round_half_even(x);
    case UnaryOp::Sign: return s::sign(x);
    case UnaryOp::Affine: return x * T(p.a) + T(p.b);
    case UnaryOp::Clip: return s::max_nan(s::min_nan(x, T(p.b)), T(p.a));
    case UnaryOp::DivConst: return x / T(p.a);
  }
  return x;
}

struct UnaryKernel {
  UnaryOp op = UnaryOp::Identity;
  UnaryParams p;
  const float* x = nullptr;
  float* y = nullptr;  // may equal x (in place)
  PARITY_HD void operator()(int64_t i) const { y[i] = unary_value(op, p, x[i]); }
};

enum class BinaryOp : int { Add, Sub, Mul, Div, Max, Min, Pow, Prelu };

template <class T>
PARITY_HD inline T binary_value(BinaryOp op, T x, T y) {
  switch (op) {
    case BinaryOp::Add: return x + y;
    case BinaryOp::Sub: return x - y;
    case BinaryOp::Mul: return x * y;
    case BinaryOp::Div: return x / y;
    case BinaryOp::Max: return scalar::max_nan(x, y);  // Maximum / tf.math.maximum propagate NaN
    case BinaryOp::Min: return scalar::min_nan(x, y);
    case BinaryOp::Pow: return std::pow(x, y);
    case BinaryOp::Prelu: return scalar::prelu(x, y);  // y = alpha
  }
  return x;
}

// y[i] = op(a[.], b[.]) over the output's row-major elements; `a` and `b` hold each operand's strides along
// the output dims (0 where the operand is broadcast). y may alias a when a is not broadcast (a fold).
struct BinaryKernel {
  BinaryOp op = BinaryOp::Add;
  StridedDims a, b;  // same rank and dims (the output's)
  const float* x = nullptr;
  const float* w = nullptr;
  float* y = nullptr;
  PARITY_HD void operator()(int64_t i) const { y[i] = binary_value(op, x[a.offset(i)], w[b.offset(i)]); }
};

// BatchNormalization inference: (x - mean) / sqrt(var + eps), then * gamma, then + beta, per channel of the
// normalized axis (channel = (i / inner) % channels), in the reference kernel's order.
struct BatchNormKernel {
  int64_t inner = 1, channels = 1;
  float eps = 0;
  const float *x = nullptr, *mean = nullptr, *var = nullptr, *gamma = nullptr, *beta = nullptr;
  float* y = nullptr;
  PARITY_HD void operator()(int64_t i) const {
    const int64_t ch = (i / inner) % channels;
    float v = (x[i] - mean[ch]) / std::sqrt(var[ch] + eps);
    if (gamma) v *= gamma[ch];
    if (beta) v += beta[ch];
    y[i] = v;
  }
};

}  // namespace parity::cuda
