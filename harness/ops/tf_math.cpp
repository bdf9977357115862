// TF element-wise math: unary and binary tf.math.* and tf.nn.* activation functions, tf.math.add_n and the
// reductions beyond sum/mean/max/min: catalog entries. Formulas: oracles/ref/tf_math_scalar.h.
//
// Domains. The generator feeds an op whose domain holds [-1, 1] intermediate values of any size (up to 1e6)
// and keeps ops with a narrower domain on graph inputs (generator.cpp, restricted()). Ops that grow fast
// (sinh, cosh, expm1, tan, squared_difference, multiply_no_nan, reduce_prod) therefore get a domain just
// inside [-1, 1] (hi = 0.99), so no intermediate overflows or lands on a pole of tan; ops defined only on part
// of the line get that part, kept away from the points where the function itself is ill-conditioned
// (acos/asin/atanh at +-1, acosh at 1, lgamma's zeros at 1 and 2, digamma's at 1.46) so a float32 TF
// kernel's correctly rounded input does not already amplify into many ulps.
#include <fmt/format.h>

#include <cmath>

#include "harness/catalog/attrs.h"
#include "harness/catalog/catalog.h"
#include "harness/ops/gen_choice.h"
#include "harness/ops/tf_math_util.h"

namespace parity {
namespace {

using merge::infer_reduce;
using merge::reduced_count;
using merge::tail;

std::vector<Shape> same_shape(const NodeView& n) { return {n.input_shapes.at(0)}; }

OpSpec tf_op(const std::string& function, const std::string& graph_op, std::vector<std::string> aliases = {}) {
  OpSpec s;
  s.name = "tf." + function;
  s.family = Family::TfOp;
  s.keras_class = "TFOpLambda";
  s.tf_function = function;
  s.tf_function_aliases = std::move(aliases);
  s.tf_op = graph_op;
  return s;
}

OpSpec unary(const std::string& function, const std::string& graph_op, Interval domain, double ulps,
             std::string doc, std::vector<std::string> aliases = {}) {
  OpSpec s = tf_op(function, graph_op, std::move(aliases));
  s.infer = same_shape;
  s.domain = domain;
  s.tolerance.rule = ErrorRule::Elementwise;
  s.tolerance.ulps = ulps;
  s.doc = std::move(doc);
  return s;
}

// As merge.cpp's TF binary ops: both operands batched tensors of equal rank (NumPy broadcasting of the
// non-batch dims), or one tensor and a constant that must not broadcast over the batch.
std::vector<Shape> infer_binary(const NodeView& n) {
  const merge::BinaryOperands ops = tfmath::binary_operands(n);
  if (ops.const_pos < 0) {
    const Shape& a = n.input_shapes[0];
    const Shape& b = n.input_shapes[1];
    if (a.size() != b.size())
      fail_node(n, "both input tensors are batched, so their ranks must match: " + merge::shapes_str(n.input_shapes));
    auto t = merge::broadcast_shapes(tail(a), tail(b));
    if (!t) fail_node(n, "input shapes do not broadcast: " + merge::shapes_str(n.input_shapes));
    auto batch = merge::common_batch(n.input_shapes);
    if (!batch) fail_node(n, "inputs have different batch sizes: " + merge::shapes_str(n.input_shapes));
    t->insert(t->begin(), *batch);
    return {*t};
  }
  const auto names = tfmath::operand_names(n.op);
  return {merge::broadcast_with_constant(n, n.input_shapes[0], ops.constant.shape, ops.const_pos == 0 ? names.first : names.second)};
}

// Values of a generated constant operand.
struct ConstRange {
  Interval r;
  bool either_sign = false;  // draw from r or -r (a divisor on both sides of 0, never 0)
  bool with_zero = false;    // sometimes an exact 0 (the *_no_nan ops and xlogy / xdivy's x == 0 case)
};

// gen_attrs of a binary op, as merge.cpp's binary_gen: with one input tensor, a constant first or second
// operand (coin) of shape scalar, last dim, full non-batch shape, that shape with some 1s, or a leading 1.
std::function<json(const std::vector<Shape>&, uint64_t)> binary_gen(const std::string& op, ConstRange first,
                                                                   ConstRange second) {
  const auto names = tfmath::operand_names(op);
  return [=](const std::vector<Shape>& in, uint64_t choice) {
    genattr::Choice c(choice);
    if (in.size() != 1) return json{{names.first, nullptr}, {names.second, nullptr}};
    const bool is_first = c.coin();
    const ConstRange r = is_first ? first : second;
    const Shape t = tail(in[0]);
    Shape shape;
    switch (t.empty() ? 0 : c.below(5)) {
      case 0: break;
      case 1: shape = {t.back()}; break;
      case 2: shape = t; break;
      case 3: shape = t; for (int64_t& d : shape) if (c.coin()) d = 1; break;
      default: shape = t; shape.insert(shape.begin(), 1); break;
    }
    std::function<json(size_t)> fill = [&](size_t d) -> json {
      if (d == shape.size()) {
        if (r.with_zero && c.below(4) == 0) return 0.0;
        const double v = c.value(r.r.lo, r.r.hi);
        return r.either_sign && c.coin() ? -v : v;
      }
      json a = json::array();
      for (int64_t i = 0; i < shape[d]; ++i) a.push_back(fill(d + 1));
      return a;
    };
    const json v = fill(0);
    return is_first ? json{{names.first, v}, {names.second, nullptr}} : json{{names.first, nullptr}, {names.second, v}};
  };
}

AttrSpec const_attr(const std::string& name, std::vector<json> gen) {
  return {.name = name, .kind = AttrKind::Any, .gen = std::move(gen),
          .doc = "constant operand (number or nested lists, no batch dim); null when it is an input tensor"};
}

OpSpec binary(const std::string& function, const std::string& graph_op, Interval domain, double ulps,
              ConstRange first, ConstRange second, std::vector<json> first_gen, std::vector<json> second_gen,
              std::string doc, std::vector<std::string> aliases = {}) {
  OpSpec s = tf_op(function, graph_op, std::move(aliases));
  s.min_inputs = 1;
  s.max_inputs = 2;
  const auto names = tfmath::operand_names(s.name);
  s.attrs = {const_attr(names.first, std::move(first_gen)), const_attr(names.second, std::move(second_gen))};
  s.infer = infer_binary;
  s.gen_attrs = binary_gen(s.name, first, second);
  s.domain = domain;
  s.tolerance.rule = ErrorRule::Elementwise;
  s.tolerance.ulps = ulps;
  s.doc = std::move(doc);
  return s;
}

// As merge.cpp's tf_reduce: `axis` never includes the batch (null = every axis is rejected).
OpSpec reduction(const std::string& function, const std::string& graph_op, Interval domain, ErrorRule rule,
                 double ulps, std::string doc, std::vector<std::string> aliases = {}) {
  OpSpec s = tf_op(function, graph_op, std::move(aliases));
  s.attrs = merge::reduce_attrs();
  s.infer = infer_reduce;
  s.domain = domain;
  s.tolerance.rule = rule;
  s.tolerance.ulps = ulps;
  s.tolerance.accumulation = reduced_count;
  s.doc = std::move(doc);
  return s;
}

void add_unary(Catalog& c) {
  const Interval wide{-3, 3};
  const Interval small{-0.99, 0.99};  // restricted: fast-growing ops read graph inputs only (see the top)
  // libm transcendentals (TF: Eigen / std, correctly rounded to within a few ulps).
  c.add(unary("math.acos", "Acos", {-0.95, 0.95}, 4, "arccos(x), x in [-1, 1]", {"acos"}));
  c.add(unary("math.acosh", "Acosh", {1.05, 4}, 4, "arcosh(x), x >= 1", {"acosh"}));
  c.add(unary("math.asin", "Asin", {-0.95, 0.95}, 4, "arcsin(x), x in [-1, 1]", {"asin"}));
  c.add(unary("math.asinh", "Asinh", wide, 4, "arsinh(x)", {"asinh"}));
  c.add(unary("math.atan", "Atan", wide, 4, "arctan(x)", {"atan"}));
  c.add(unary("math.atanh", "Atanh", {-0.95, 0.95}, 4, "artanh(x), |x| < 1", {"atanh"}));
  {  // monotone between its poles at pi/2 + k pi: a pole between x - b and x + b allows any value
    OpSpec tan = unary("math.tan", "Tan", small, 4, "tan(x)", {"tan"});
    tan.tolerance.pole_period = M_PI;
    tan.tolerance.pole_offset = M_PI / 2;
    c.add(std::move(tan));
  }
  c.add(unary("math.sinh", "Sinh", small, 4, "sinh(x)", {"sinh"}));
  c.add(unary("math.cosh", "Cosh", small, 4, "cosh(x)", {"cosh"}));
  c.add(unary("math.expm1", "Expm1", {-3, 0.99}, 4, "exp(x) - 1, accurate near 0", {"expm1"}));
  c.add(unary("math.erfc", "Erfc", wide, 4, "1 - erf(x), accurate for large x", {"erfc"}));
  // glibc's lgammaf is within about 7 ulps (libm-test-ulps); [2.5, 4] stays clear of the zeros at 1 and 2.
  c.add(unary("math.lgamma", "Lgamma", {2.5, 4}, 8, "log|Gamma(x)|", {"lgamma"}));
  // A float32 digamma (Eigen's, parity's) adds up to 8 recurrence terms 1/x that cancel against log x:
  // about 12 roundings of values near 1-2 for a result near 0.7-1.3.
  c.add(unary("math.digamma", "Digamma", {2.5, 4}, 16, "psi(x) = d/dx log Gamma(x)", {"digamma"}));
  c.add(unary("math.rint", "Rint", wide, 0, "round half to even: rint(0.5) = 0, rint(1.5) = 2, rint(-2.5) = -2",
              {"rint"}));
  // TF's float32 Softplus kernel is log(exp(x) + 1): the + 1 rounds by u, which for x = -3 (result 0.049) is
  // about 10 ulps of the result; log_sigmoid inherits it through -softplus(-x).
  c.add(unary("math.softplus", "Softplus", wide, 12, "log(1 + exp(x)) (TF: x above -log(eps) - 2, exp(x) below "
                                                       "log(eps) + 2)", {"nn.softplus"}));
  c.add(unary("math.log_sigmoid", "", wide, 12, "log(sigmoid(x)) = -softplus(-x) (math_ops.log_sigmoid; graph: "
                                                  "Neg, Softplus, Neg)"));
  c.add(unary("math.softsign", "Softsign", wide, 2, "x / (1 + |x|)", {"nn.softsign"}));
  OpSpec relu6 = unary("nn.relu6", "Relu6", wide, 0, "min(max(x, 0), 6); NaN propagates");
  relu6.tolerance.rule = ErrorRule::Monotone;
  c.add(std::move(relu6));
  // exp, the subtraction of 1 (or expm1) and, for selu, two scalings.
  // TF's own Elu / Selu kernels compute exp(x) - 1 in float32 (relu_op_functor.h), as TF.js wasm does: an
  // absolute error of order u near the cancellation (times selu's scale * alpha = 1.76 < 2).
  OpSpec elu = unary("nn.elu", "Elu", wide, 5, "x > 0 ? x : exp(x) - 1 (TF's Elu kernel, alpha fixed at 1)");
  elu.tolerance.abs_scale = [](const json&) { return 1.0; };
  c.add(std::move(elu));
  OpSpec selu = unary("nn.selu", "Selu", wide, 6, "scale * (x > 0 ? x : alpha * (exp(x) - 1)), scale = "
                                                  "1.0507009873554805, alpha = 1.6732632423543772 (TF's Selu kernel)");
  selu.tolerance.abs_scale = [](const json&) { return 2.0; };
  c.add(std::move(selu));
  {
    OpSpec s = unary("nn.leaky_relu", "LeakyRelu", wide, 1, "x > 0 ? x : alpha * x (TF's LeakyRelu kernel; the "
                                                            "graph op's alpha attr is a float32)");
    s.attrs = {{.name = "alpha", .kind = AttrKind::Float, .default_value = 0.2, .gen = {0.2, 0.01, 0.3, 1.5, 0.0},
                .doc = "slope for x <= 0, rounded to float32 (a float attr of LeakyRelu); tf.nn default 0.2"}};
    c.add(std::move(s));
  }
  {
    // sigmoid (4 ulps) and two multiplications.
    OpSpec s = unary("nn.silu", "", wide, 6, "x * sigmoid(beta * x) (nn_impl.swish; graph: Mul, Sigmoid, Mul under "
                                             "a custom-gradient IdentityN)", {"nn.swish"});
    s.attrs = {{.name = "beta", .kind = AttrKind::Float, .default_value = 1.0, .gen = {1.0, 0.5, 2.0},
                .doc = "converted to a float32 tensor of the features' dtype"}};
    c.add(std::move(s));
  }
  {
    OpSpec s = unary("math.scalar_mul", "", {-1, 1}, 1, "scalar * x (math_ops.scalar_mul; graph: Const, Mul)");
    s.attrs = {{.name = "scalar", .kind = AttrKind::Number, .gen = {0.5, -2.0, 1.5},
                .doc = "a number, converted to a float32 tensor of x's dtype"}};
    c.add(std::move(s));
  }
  c.add(unary("math.reciprocal_no_nan", "", {0.25, 4}, 1, "x == 0 ? 0 : 1 / x (math_ops.reciprocal_no_nan: "
                                                          "div_no_nan(1, x); graph: Const, DivNoNan)"));
}

void add_binary(Catalog& c) {
  const Interval pos{0.25, 4};
  const ConstRange any{{-4, 4}}, positive{{0.5, 4}}, divisor{{0.5, 4}, true};
  const ConstRange any_or_zero{{-4, 4}, false, true}, positive_or_zero{{0.5, 4}, false, true};
  c.add(binary("math.xlogy", "Xlogy", pos, 5, any_or_zero, positive, {nullptr, 0.0, json::array({0.0, 1.5})},
               {nullptr, 2.0, json::array({0.5, 3.0})},
               "x == 0 ? 0 : x * log(y) (TF's xlogy functor: 0 even for y = 0 or NaN)"));
  c.add(binary("math.xdivy", "Xdivy", pos, 1, any_or_zero, divisor, {nullptr, 0.0, json::array({0.0, -1.5})},
               {nullptr, 2.0, json::array({-0.5, 3.0})}, "x == 0 ? 0 : x / y (TF's xdivy functor)"));
  // atan2(y, x): y is the first operand. The branch cut on the negative x axis is a jump of 2 pi that the
  // elementwise rule's perturbations see when an input's budget reaches across y = 0.
  c.add(binary("math.atan2", "Atan2", {-3, 3}, 4, any, any, {nullptr, 1.0, json::array({-0.5, 2.0})},
               {nullptr, -1.0, json::array({0.5, -2.0})}, "atan2(y, x) in [-pi, pi]; the signature is (y, x)"));
  c.add(binary("math.squared_difference", "SquaredDifference", {-0.99, 0.99}, 2, any, any,
               {nullptr, 0.5, json::array({-1.0, 2.0})}, {nullptr, -0.5, json::array({1.0, -2.0})},
               "(x - y) * (x - y)"));
  // floor of a rounded quotient: in float32, x / y can round onto an integer the exact quotient lies just
  // below; with float32-exact inputs of a few significant bits (the generator's) that does not happen.
  c.add(binary("math.floordiv", "FloorDiv", pos, 1, any, divisor, {nullptr, -2.5, json::array({-3.0, 3.0})},
               {nullptr, -1.5, json::array({0.75, -2.0})}, "floor(x / y) for floats (google_floor_div_real)",
               {"floordiv"}));
  c.add(binary("math.floormod", "FloorMod", pos, 1, any, divisor, {nullptr, -2.5, json::array({-3.0, 3.0})},
               {nullptr, -1.5, json::array({0.75, -2.0})},
               "x - floor(x / y) * y computed as TF's google_floor_fmod: r = fmod(x, y), r + y when r != 0 and "
               "sign(r) != sign(y); the result has the divisor's sign", {"floormod", "math.mod", "mod"}));
  c.add(binary("math.divide_no_nan", "DivNoNan", pos, 1, any, positive_or_zero, {nullptr, 1.0, json::array({-2.0, 0.5})},
               {nullptr, 0.0, json::array({0.0, 2.0})}, "y == 0 ? 0 : x / y (0 even for x NaN or inf)"));
  c.add(binary("math.multiply_no_nan", "MulNoNan", {-0.99, 0.99}, 1, any, any_or_zero,
               {nullptr, 2.0, json::array({-2.0, 0.5})}, {nullptr, 0.0, json::array({0.0, -1.5})},
               "y == 0 ? 0 : x * y (0 even for x NaN or inf)"));
}

void add_n_and_reductions(Catalog& c) {
  {
    OpSpec s = tf_op("math.add_n", "AddN", {"add_n"});
    s.max_inputs = OpSpec::kVariadic;
    s.infer = [](const NodeView& n) {
      // AddN takes tensors of one shape (no broadcasting); the batch may be symbolic in some inputs.
      auto batch = merge::common_batch(n.input_shapes);
      for (const Shape& sh : n.input_shapes)
        if (sh.size() != n.input_shapes[0].size() || !std::equal(sh.begin() + 1, sh.end(), n.input_shapes[0].begin() + 1))
          fail_node(n, "inputs must all have the same shape (AddN does not broadcast): " + merge::shapes_str(n.input_shapes));
      if (!batch) fail_node(n, "inputs have different batch sizes: " + merge::shapes_str(n.input_shapes));
      Shape out = n.input_shapes[0];
      out[0] = *batch;
      return std::vector<Shape>{out};
    };
    s.tolerance.rule = ErrorRule::Monotone;  // a sum
    s.tolerance.ulps = 1;
    s.tolerance.accumulation = [](const NodeView& n) { return static_cast<int64_t>(n.input_shapes.size()); };
    s.doc = "sum of the input tensors, all of one shape; one input gives Identity (math_ops.add_n)";
    c.add(std::move(s));
  }
  // Multilinear in its inputs (a product), so the abs-kernel rule bounds it; K factors.
  c.add(reduction("math.reduce_prod", "Prod", {-0.99, 0.99}, ErrorRule::Linear, 1, "product over axis",
                  {"reduce_prod"}));
  // Non-decreasing in every input: log(sum exp(x - m)) + m, with m = max (0 when not finite).
  c.add(reduction("math.reduce_logsumexp", "", {-3, 3}, ErrorRule::Monotone, 4,
                  "m + log(sum(exp(x - m))), m = reduce_max(x) or 0 when that is not finite (math_ops; graph: Max, "
                  "IsFinite, ZerosLike, SelectV2, StopGradient, Sub, Exp, Sum, Log, Reshape, AddV2)",
                  {"reduce_logsumexp"}));
  // A function of |x| that is non-decreasing in each |x_i|: the abs-kernel rule bounds it (sqrt halves the
  // sum's relative error, which the K-term accumulation term covers).
  {
    OpSpec norm = reduction("math.reduce_euclidean_norm", "EuclideanNorm", {-3, 3}, ErrorRule::Linear, 2,
                            "sqrt(sum(x^2)) over axis (TF's EuclideanNorm)");
    norm.tolerance.squares_may_flush = true;  // x = 1e-30: x^2 is 0 in float32 (seed 6, case 7568)
    c.add(std::move(norm));
  }
}

}  // namespace

void register_tf_math_ops(Catalog& c) {
  add_unary(c);
  add_binary(c);
  add_n_and_reductions(c);
}

}  // namespace parity
