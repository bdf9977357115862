// Lowerings of the activation family (reference: oracles/ref/kernels/activation.cpp): element-wise maps over
// the shared scalar_math.h formulas, PReLU as a broadcast binary op, softmax as a group kernel.
#include <set>

#include "oracles/cuda/lower/lowering.h"

namespace parity::cuda {
namespace {

void map(const LowerArgs& a, UnaryOp op, UnaryParams p = {}) {
  check_out_shape(a, a.in().shape);
  unary(a.be, op, p, a.in().p, a.out().p, a.in().size());
}

void activation_layer(const LowerArgs& a) {
  check_out_shape(a, a.in().shape);
  activation(a.be, attr_str(a.node, "activation"), a.in().p, a.out().p, a.in().shape);
}

// Parameters are the float32 values Keras holds (see float_attr in the reference kernels).
void relu_layer(const LowerArgs& a) {
  UnaryParams p;
  p.has_max = !attr_is_null(a.node, "max_value");
  p.b = p.has_max ? f32_attr(a.node, "max_value") : 0.0f;
  p.a = f32_attr(a.node, "negative_slope");
  p.c = f32_attr(a.node, "threshold");
  map(a, UnaryOp::KerasRelu, p);
}
void leaky_relu_layer(const LowerArgs& a) { map(a, UnaryOp::LeakyRelu, {f32_attr(a.node, "alpha")}); }
void elu_layer(const LowerArgs& a) { map(a, UnaryOp::Elu, {f32_attr(a.node, "alpha")}); }
void thresholded_relu_layer(const LowerArgs& a) { map(a, UnaryOp::ThresholdedRelu, {f32_attr(a.node, "theta")}); }

// alpha has x's shape without the batch, with `shared_axes` (1-based) set to 1: broadcast as [1, alpha...].
void prelu_layer(const LowerArgs& a) {
  const Shape& xs = a.in().shape;
  check_out_shape(a, xs);
  const json& v = a.node.attrs.at("shared_axes");
  std::set<int64_t> shared;
  if (v.is_number_integer()) shared.insert(v.get<int64_t>());
  if (v.is_array())
    for (const json& e : v) shared.insert(e.get<int64_t>());
  Shape alpha_shape(xs.begin() + 1, xs.end());
  for (int64_t ax : shared) alpha_shape.at(static_cast<size_t>(ax - 1)) = 1;
  if (a.weight(0).shape != alpha_shape)
    fail_node(a.node, "alpha has shape " + shape_str(a.weight(0).shape) + ", expected " + shape_str(alpha_shape));
  Shape ws = alpha_shape;
  ws.insert(ws.begin(), 1);
  binary(a.be, BinaryOp::Prelu, a.in().p, xs, a.weight(0).p, ws, a.out().p, xs);
}

// tf-keras Softmax: one axis -> tf.nn.softmax; several -> exp(x - reduce_logsumexp(x, axes)).
void softmax_layer(const LowerArgs& a) {
  const Shape& xs = a.in().shape;
  check_out_shape(a, xs);
  const json& v = a.node.attrs.at("axis");
  const bool several = v.is_array() && v.size() > 1;
  std::vector<bool> grouped(xs.size(), false);
  for (const json& e : v.is_array() ? v : json::array({v})) {
    const int64_t ax = e.get<int64_t>();
    grouped.at(static_cast<size_t>(ax < 0 ? ax + a.in().rank() : ax)) = true;
  }
  GroupKernel k;
  k.op = several ? GroupOp::ExpLse : GroupOp::Softmax;
  k.g = make_groups(xs, grouped);
  k.x = a.in().p;
  k.y = a.out().p;
  a.be.run(k, k.g.outer.count());
}

void gelu_op(const LowerArgs& a) { map(a, attr_bool(a.node, "approximate") ? UnaryOp::GeluTanh : UnaryOp::GeluExact); }

template <UnaryOp op>
void unary_op(const LowerArgs& a) { map(a, op); }

}  // namespace

void register_activation_lowerings(LowerTable& t) {
  t["Activation"] = activation_layer;
  t["ReLU"] = relu_layer;
  t["LeakyReLU"] = leaky_relu_layer;
  t["PReLU"] = prelu_layer;
  t["ELU"] = elu_layer;
  t["ThresholdedReLU"] = thresholded_relu_layer;
  t["Softmax"] = softmax_layer;
  t["tf.math.sqrt"] = unary_op<UnaryOp::Sqrt>;
  t["tf.math.rsqrt"] = unary_op<UnaryOp::Rsqrt>;
  t["tf.math.square"] = unary_op<UnaryOp::Square>;
  t["tf.math.reciprocal"] = unary_op<UnaryOp::Reciprocal>;
  t["tf.math.exp"] = unary_op<UnaryOp::Exp>;
  t["tf.math.log"] = unary_op<UnaryOp::Log>;
  t["tf.math.log1p"] = unary_op<UnaryOp::Log1p>;
  t["tf.math.sin"] = unary_op<UnaryOp::Sin>;
  t["tf.math.cos"] = unary_op<UnaryOp::Cos>;
  t["tf.math.tanh"] = unary_op<UnaryOp::Tanh>;
  t["tf.math.sigmoid"] = unary_op<UnaryOp::Sigmoid>;
  t["tf.math.erf"] = unary_op<UnaryOp::Erf>;
  t["tf.math.abs"] = unary_op<UnaryOp::Abs>;
  t["tf.math.negative"] = unary_op<UnaryOp::Neg>;
  t["tf.math.floor"] = unary_op<UnaryOp::Floor>;
  t["tf.math.ceil"] = unary_op<UnaryOp::Ceil>;
  t["tf.math.round"] = unary_op<UnaryOp::Round>;
  t["tf.math.sign"] = unary_op<UnaryOp::Sign>;
  t["tf.nn.relu"] = unary_op<UnaryOp::Relu>;
  t["tf.nn.gelu"] = gelu_op;
}

}  // namespace parity::cuda
