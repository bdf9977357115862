// TF element-wise math: unary and binary tf.math.* and tf.nn.* activation functions, add_n and reductions:
// CUDA lowerings (reference: oracles/ref/kernels/tf_math.cpp). The per-element functions are
// elem/tf_math.h's, over the formulas both executors share (oracles/ref/tf_math_scalar.h).
#include "harness/ops/tf_math_util.h"
#include "oracles/cuda/lower/lowering.h"

namespace parity::cuda {
namespace {

template <tfm::Unary op>
void unary_op(const LowerArgs& a) {
  check_out_shape(a, a.in().shape);
  TfMathUnaryKernel k;
  k.op = op;
  if constexpr (op == tfm::Unary::LeakyRelu) k.a = f32_attr(a.node, "alpha");
  if constexpr (op == tfm::Unary::Silu) k.a = f32_attr(a.node, "beta");
  if constexpr (op == tfm::Unary::ScalarMul) k.a = f32_attr(a.node, "scalar");
  k.x = a.in().p;
  k.y = a.out().p;
  a.be.run(k, a.in().size());
}

template <tfm::Binary op>
void binary_op(const LowerArgs& a) {
  const BinaryDevOperands o = binary_dev_operands(a, tfmath::binary_operands(a.node));
  TfMathBinaryKernel k;
  k.op = op;
  k.a = broadcast_strides(o.x.shape, o.out);
  k.b = broadcast_strides(o.y.shape, o.out);
  k.x = o.x.p;
  k.w = o.y.p;
  k.y = a.out().p;
  a.be.run(k, num_elements(o.out));
}

// AddN: out = x0, then out += xi, left to right as the reference kernel adds.
void add_n(const LowerArgs& a) {
  const Shape& s = a.in(0).shape;
  for (const auto* t : a.inputs)
    if (t->shape != s) fail_node(a.node, "AddN inputs differ in shape: " + shape_str(t->shape) + " vs " + shape_str(s));
  check_out_shape(a, s);
  broadcast_to(a.be, a.in(0).p, s, a.out().p, s);
  for (size_t i = 1; i < a.inputs.size(); ++i) binary(a.be, BinaryOp::Add, a.out().p, s, a.in(i).p, s, a.out().p, s);
}

template <tfm::Reduce op>
void reduce_op(const LowerArgs& a) {
  const Shape& in = a.in().shape;
  const std::vector<bool> mask = merge::reduce_axes(a.node, static_cast<int64_t>(in.size()));
  check_out_shape(a, tfmath::reduced_shape(in, mask, attr_bool(a.node, "keepdims")));
  TfMathReduceKernel k;
  k.op = op;
  k.g = make_groups(in, mask);
  k.x = a.in().p;
  k.y = a.out().p;
  a.be.run(k, k.g.outer.count());
}

}  // namespace

void register_tf_math_lowerings(LowerTable& t) {
  using U = tfm::Unary;
  using B = tfm::Binary;
  using R = tfm::Reduce;
  t["tf.math.acos"] = unary_op<U::Acos>;
  t["tf.math.acosh"] = unary_op<U::Acosh>;
  t["tf.math.asin"] = unary_op<U::Asin>;
  t["tf.math.asinh"] = unary_op<U::Asinh>;
  t["tf.math.atan"] = unary_op<U::Atan>;
  t["tf.math.atanh"] = unary_op<U::Atanh>;
  t["tf.math.tan"] = unary_op<U::Tan>;
  t["tf.math.sinh"] = unary_op<U::Sinh>;
  t["tf.math.cosh"] = unary_op<U::Cosh>;
  t["tf.math.expm1"] = unary_op<U::Expm1>;
  t["tf.math.erfc"] = unary_op<U::Erfc>;
  t["tf.math.lgamma"] = unary_op<U::Lgamma>;
  t["tf.math.digamma"] = unary_op<U::Digamma>;
  t["tf.math.rint"] = unary_op<U::Rint>;
  t["tf.math.scalar_mul"] = unary_op<U::ScalarMul>;
  t["tf.math.softplus"] = unary_op<U::Softplus>;
  t["tf.math.log_sigmoid"] = unary_op<U::LogSigmoid>;
  t["tf.math.softsign"] = unary_op<U::Softsign>;
  t["tf.nn.relu6"] = unary_op<U::Relu6>;
  t["tf.nn.elu"] = unary_op<U::Elu>;
  t["tf.nn.selu"] = unary_op<U::Selu>;
  t["tf.nn.leaky_relu"] = unary_op<U::LeakyRelu>;
  t["tf.nn.silu"] = unary_op<U::Silu>;
  t["tf.math.reciprocal_no_nan"] = unary_op<U::ReciprocalNoNan>;
  t["tf.math.xlogy"] = binary_op<B::Xlogy>;
  t["tf.math.xdivy"] = binary_op<B::Xdivy>;
  t["tf.math.atan2"] = binary_op<B::Atan2>;
  t["tf.math.squared_difference"] = binary_op<B::SquaredDifference>;
  t["tf.math.floordiv"] = binary_op<B::FloorDiv>;
  t["tf.math.floormod"] = binary_op<B::FloorMod>;
  t["tf.math.divide_no_nan"] = binary_op<B::DivNoNan>;
  t["tf.math.multiply_no_nan"] = binary_op<B::MulNoNan>;
  t["tf.math.add_n"] = add_n;
  t["tf.math.reduce_prod"] = reduce_op<R::Prod>;
  t["tf.math.reduce_logsumexp"] = reduce_op<R::LogSumExp>;
  t["tf.math.reduce_euclidean_norm"] = reduce_op<R::EuclideanNorm>;
}

}  // namespace parity::cuda
