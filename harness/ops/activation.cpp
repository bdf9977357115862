// Activation layers (Activation, ReLU, LeakyReLU, PReLU, ELU, ThresholdedReLU, Softmax) and element-wise TF
// math ops (TFOpLambda). Semantics are Keras 2 (tf-keras) / TensorFlow; formulas live in
// oracles/ref/scalar_math.h and oracles/ref/activation.h.
#include <fmt/format.h>

#include <cmath>
#include <set>

#include "harness/catalog/attrs.h"
#include "harness/catalog/catalog.h"
#include "harness/ops/activation_names.h"

namespace parity {
namespace {

std::vector<Shape> same_shape(const NodeView& n) { return {n.input_shapes.at(0)}; }

int64_t rank_of(const NodeView& n) { return static_cast<int64_t>(n.input_shapes.at(0).size()); }

// Softmax layer `axis`: an int or a list of ints (tf-keras Softmax accepts both). Returns the normalized,
// sorted axes; rejects the batch axis, out-of-range and repeated axes.
std::vector<int64_t> softmax_layer_axes(const NodeView& n) {
  const json& v = n.attrs.at("axis");
  std::vector<json> items;
  if (v.is_array()) items.assign(v.begin(), v.end()); else items.push_back(v);
  if (items.empty()) fail_field(n, "axis", "empty list of axes");
  const int64_t r = rank_of(n);
  std::set<int64_t> axes;
  for (const json& a : items) {
    if (!a.is_number_integer()) fail_field(n, "axis", "expected an int or a list of ints, got " + v.dump());
    const int64_t ax = a.get<int64_t>() < 0 ? a.get<int64_t>() + r : a.get<int64_t>();
    if (ax < 0 || ax >= r) fail_field(n, "axis", fmt::format("axis {} is out of range for rank {}", a.dump(), r));
    if (ax == 0) fail_field(n, "axis", "softmax over the batch axis is not supported");
    if (!axes.insert(ax).second) fail_field(n, "axis", "repeated axis in " + v.dump());
  }
  return {axes.begin(), axes.end()};
}

// A layer parameter that tf-keras requires to be a number >= 0 (ReLU, ThresholdedReLU __init__).
void require_non_negative(const NodeView& n, const std::string& field) {
  if (attr_float(n, field) < 0) fail_field(n, field, fmt::format("must be >= 0, got {}", attr_float(n, field)));
}

// PReLU `shared_axes`: null, an int or a list of ints (tf-keras wraps a bare int in a list). They are
// 1-based Keras axes counting the batch, so valid values are 1 .. rank-1.
std::vector<int64_t> prelu_shared_axes(const NodeView& n) {
  const json& v = n.attrs.at("shared_axes");
  if (v.is_null()) return {};
  std::vector<json> items;
  if (v.is_array()) items.assign(v.begin(), v.end()); else items.push_back(v);
  std::vector<int64_t> out;
  for (const json& a : items) {
    if (!a.is_number_integer()) fail_field(n, "shared_axes", "expected null, an int or a list of ints, got " + v.dump());
    const int64_t ax = a.get<int64_t>();
    if (ax < 1 || ax >= rank_of(n))
      fail_field(n, "shared_axes", fmt::format("axis {} is not in 1..{} (the batch axis 0 cannot be shared)", ax,
                                               rank_of(n) - 1));
    out.push_back(ax);
  }
  return out;
}

OpSpec layer(const std::string& name, std::string doc) {
  OpSpec s;
  s.name = name;
  s.keras_class = name;
  s.infer = same_shape;
  s.domain = {-3, 3};  // wide enough to exercise both sides of every threshold and slope
  s.doc = std::move(doc);
  return s;
}

void add_layers(Catalog& c) {
  {
    OpSpec s = layer("Activation", "keras.layers.Activation: applies a Keras 2 activation by name");
    s.attrs = {{.name = "activation", .kind = AttrKind::String, .default_value = "linear",
                .choices = keras_activation_names(), .gen = keras_activation_names(),
                .doc = "activation name; gelu is exact (erf), hard_sigmoid is Keras 2's clip(0.2x+0.5, 0, 1)"}};
    s.infer = [](const NodeView& n) {
      const std::string a = attr_str(n, "activation");
      // backend.softmax raises on rank <= 1; for log_softmax the only axis would be the batch.
      if ((a == "softmax" || a == "log_softmax") && rank_of(n) < 2)
        fail_field(n, "activation", a + " needs an axis besides the batch (input rank >= 2)");
      return same_shape(n);
    };
    // The worst activation: gelu and mish chain a transcendental with 3-5 roundings; softmax adds its sum.
    s.tolerance.rule = ErrorRule::Activation;
    s.tolerance.ulps = 8;
    s.tolerance.accumulation = [](const NodeView& n) -> int64_t {
      const std::string a = attr_str(n, "activation");
      return a == "softmax" || a == "log_softmax" ? n.input_shapes.at(0).back() : 1;
    };
    c.add(std::move(s));
  }
  {
    OpSpec s = layer("ReLU", "tf-keras backend.relu: leaky_relu if only negative_slope is set, else "
                             "clip(x * (x > threshold), 0, max_value) - negative_slope * relu(threshold - x)");
    s.attrs = {
        {.name = "max_value", .kind = AttrKind::Any, .gen = {nullptr, 6.0, 1.0, 0.5},
         .doc = "null (no upper bound) or a number >= 0; float32 in Keras"},
        {.name = "negative_slope", .kind = AttrKind::Float, .default_value = 0.0, .gen = {0.0, 0.1, 0.3},
         .doc = ">= 0; float32 in Keras"},
        {.name = "threshold", .kind = AttrKind::Float, .default_value = 0.0, .gen = {0.0, 0.5, 1.0},
         .doc = ">= 0; x must be strictly greater to pass; float32 in Keras"}};
    s.infer = [](const NodeView& n) {
      const json& m = n.attrs.at("max_value");
      if (!m.is_null() && !m.is_number()) fail_field(n, "max_value", "expected null or a number, got " + m.dump());
      if (m.is_number()) require_non_negative(n, "max_value");
      require_non_negative(n, "negative_slope");
      require_non_negative(n, "threshold");
      return same_shape(n);
    };
    // (threshold - x) and its product with the slope round once each; the rest is exact selection.
    s.tolerance.rule = ErrorRule::Elementwise;
    s.tolerance.ulps = 2;
    c.add(std::move(s));
  }
  {
    OpSpec s = layer("LeakyReLU", "tf.nn.leaky_relu: x > 0 ? x : alpha * x (Keras 2 key `alpha`, default 0.3)");
    s.attrs = {{.name = "alpha", .kind = AttrKind::Float, .default_value = 0.3, .gen = {0.3, 0.01, 0.2, 0.0},
                .doc = "negative slope; float32 in Keras"}};
    s.tolerance.rule = ErrorRule::Elementwise;
    s.tolerance.ulps = 1;  // one multiplication
    c.add(std::move(s));
  }
  {
    OpSpec s = layer("PReLU", "tf-keras PReLU: relu(x) - alpha * relu(-x), alpha of shape input_shape[1:] "
                              "with shared_axes (1-based, counting the batch) set to 1");
    s.attrs = {{.name = "shared_axes", .kind = AttrKind::Any, .gen = {nullptr, 1, json::array({1}),
                                                                      json::array({1, 2}), json::array({2})},
                .doc = "null, an int or a list of ints: axes (1-based, batch = 0) sharing one alpha"}};
    s.min_rank = 2;  // rank 1 would give a scalar alpha; Keras configs with it are not known to exist
    s.infer = [](const NodeView& n) {
      prelu_shared_axes(n);
      return same_shape(n);
    };
    s.weights = [](const NodeView& n) {
      Shape shape(n.input_shapes.at(0).begin() + 1, n.input_shapes.at(0).end());
      for (int64_t ax : prelu_shared_axes(n)) shape[ax - 1] = 1;
      return std::vector<WeightSpec>{{.name = "alpha", .shape = shape, .init = {-1, 1}}};
    };
    s.tolerance.rule = ErrorRule::Elementwise;
    s.tolerance.ulps = 1;  // one multiplication; adding relu(x) = 0 is exact
    c.add(std::move(s));
  }
  {
    OpSpec s = layer("ELU", "tf-keras backend.elu: x > 0 ? x : alpha * (exp(x) - 1)");
    s.attrs = {{.name = "alpha", .kind = AttrKind::Float, .default_value = 1.0, .gen = {1.0, 0.5, 2.0},
                .doc = "scale of the negative part; float32 in Keras"}};
    s.tolerance.rule = ErrorRule::Elementwise;
    s.tolerance.ulps = 5;  // expm1 (~4) and the alpha multiplication
    // alpha * (exp(x) - 1): TF.js computes exp(x) - 1 (no expm1), an absolute error of order u * alpha
    // near the cancellation (activation_abs_scale("elu")).
    s.tolerance.abs_scale = [](const json& attrs) { return std::fabs(attrs.value("alpha", 1.0)); };
    c.add(std::move(s));
  }
  {
    OpSpec s = layer("ThresholdedReLU", "tf-keras ThresholdedReLU: x * (x > theta); x == theta gives 0");
    s.attrs = {{.name = "theta", .kind = AttrKind::Float, .default_value = 1.0, .gen = {1.0, 0.0, 0.5, 2.0},
                .doc = ">= 0; float32 in Keras"}};
    s.infer = [](const NodeView& n) {
      require_non_negative(n, "theta");
      return same_shape(n);
    };
    s.tolerance.rule = ErrorRule::Elementwise;
    s.tolerance.ulps = 0;  // selection
    c.add(std::move(s));
  }
  {
    OpSpec s = layer("Softmax", "tf-keras Softmax: tf.nn.softmax over one axis; over several axes "
                                "exp(x - reduce_logsumexp(x, axes))");
    s.attrs = {{.name = "axis", .kind = AttrKind::Any, .default_value = -1,
                .gen = {-1, 1, 2, -2, json::array({1, 2}), json::array({-1})},
                .doc = "an int or a list of ints; the batch axis is rejected"}};
    s.min_rank = 2;
    s.infer = [](const NodeView& n) {
      softmax_layer_axes(n);
      return same_shape(n);
    };
    s.tolerance.rule = ErrorRule::Softmax;
    s.tolerance.ulps = 4;  // exp, log and a division per element; the sum is the accumulation
    s.tolerance.accumulation = [](const NodeView& n) {
      int64_t k = 1;
      for (int64_t ax : softmax_layer_axes(n)) k *= n.input_shapes.at(0).at(ax);
      return k;
    };
    c.add(std::move(s));
  }
}

// One element-wise TF op. `function` is the canonical symbol Keras's TFOpLambda writes (the first
// non-deprecated tf_export name); `aliases` are other TF2 export names Keras's from_config also resolves.
OpSpec unary(const std::string& function, const std::string& tf_op, Interval domain, double ulps, std::string doc,
             std::vector<std::string> aliases = {}) {
  OpSpec s;
  s.name = "tf." + function;
  s.family = Family::TfOp;
  s.keras_class = "TFOpLambda";
  s.tf_function = function;
  s.tf_function_aliases = std::move(aliases);
  s.tf_op = tf_op;
  s.infer = same_shape;
  s.domain = domain;
  s.tolerance.rule = ErrorRule::Elementwise;  // tf.nn.relu overrides it below
  s.tolerance.ulps = ulps;
  s.doc = std::move(doc);
  return s;
}

void add_tf_ops(Catalog& c) {
  const Interval wide{-3, 3};
  // Correctly rounded single operations.
  c.add(unary("math.sqrt", "Sqrt", {0, 4}, 1, "sqrt(x)", {"sqrt"}));
  c.add(unary("math.square", "Square", wide, 1, "x * x", {"square"}));
  c.add(unary("math.reciprocal", "Reciprocal", {0.25, 4}, 1, "1 / x"));
  // Two roundings (sqrt, then divide); TF's CPU kernel may also use a refined hardware estimate.
  c.add(unary("math.rsqrt", "Rsqrt", {0.25, 4}, 2, "1 / sqrt(x)"));
  // libm transcendentals.
  c.add(unary("math.exp", "Exp", wide, 4, "exp(x)", {"exp"}));
  // Range-reduced polynomial sin/cos (XNNPACK, GPU) and log near 1 are accurate to a few u absolute, not
  // relative to a result near a zero of the function.
  const auto one = [](const json&) { return 1.0; };
  OpSpec log = unary("math.log", "Log", {0.1, 4}, 4, "natural log");
  log.tolerance.abs_scale = one;
  c.add(std::move(log));
  c.add(unary("math.log1p", "Log1p", {-0.9, 4}, 4, "log(1 + x), accurate near 0"));
  // sin and cos are not monotone: between x - b and x + b they change by at most min(b, 2).
  for (const auto& [function, graph_op] : {std::pair{"math.sin", "Sin"}, std::pair{"math.cos", "Cos"}}) {
    OpSpec t = unary(function, graph_op, wide, 4, std::string(function).substr(5) + "(x)");
    t.tolerance.abs_scale = one;
    t.tolerance.slope_bound = 1;
    t.tolerance.range_bound = 2;
    c.add(std::move(t));
  }
  c.add(unary("math.tanh", "Tanh", wide, 4, "tanh(x)", {"nn.tanh", "tanh"}));
  c.add(unary("math.sigmoid", "Sigmoid", wide, 4, "1 / (1 + exp(-x))", {"nn.sigmoid", "sigmoid"}));
  c.add(unary("math.erf", "Erf", wide, 4, "error function"));
  // Exact.
  c.add(unary("math.abs", "Abs", wide, 0, "|x|; Python abs(t) also records math.abs", {"abs"}));
  c.add(unary("math.negative", "Neg", wide, 0, "-x; Python -t also records math.negative", {"negative"}));
  c.add(unary("math.floor", "Floor", wide, 0, "floor(x)", {"floor"}));
  c.add(unary("math.ceil", "Ceil", wide, 0, "ceil(x)"));
  c.add(unary("math.round", "Round", wide, 0, "round half to even (TF Round): 0.5 -> 0, 1.5 -> 2, -2.5 -> -2",
              {"round"}));
  c.add(unary("math.sign", "Sign", wide, 0, "-1, 0 or 1; sign(0) = 0", {"sign"}));
  OpSpec relu = unary("nn.relu", "Relu", wide, 0, "max(x, 0)");
  relu.tolerance.rule = ErrorRule::Monotone;
  c.add(std::move(relu));
  // tf.nn.gelu is a Python composite (no single graph op). Composite of 5-6 roundings and erf/tanh; for
  // x < -2, 1 + erf(x / sqrt 2) cancels, so the error there is small only relative to |x|, not to the output.
  OpSpec gelu = unary("nn.gelu", "", wide, 8, "tf.nn.gelu: 0.5 x (1 + erf(x / sqrt 2)); approximate=True: "
                                              "0.5 x (1 + tanh(0.7978845608028654 (x + 0.044715 x^3)))");
  gelu.attrs = {{.name = "approximate", .kind = AttrKind::Bool, .default_value = false, .gen = {false, true},
                 .doc = "false: exact erf form; true: tanh approximation"}};
  gelu.tolerance.abs_scale = [](const json&) { return 1.0; };
  gelu.tolerance.abs_scale_times_abs_x = true;
  c.add(std::move(gelu));
}

}  // namespace

void register_activation_ops(Catalog& c) {
  add_layers(c);
  add_tf_ops(c);
}

}  // namespace parity
