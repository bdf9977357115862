// The merge family: Keras merge layers (Concatenate, Add, Subtract, Multiply, Average, Maximum, Minimum,
// Dot) and the TF ops that combine tensors (binary element-wise math, clip_by_value, concat, reductions).
#include "harness/catalog/attrs.h"
#include "harness/catalog/catalog.h"
#include "harness/ops/gen_choice.h"
#include "harness/ops/merge_util.h"

namespace parity {

using merge::shapes_str;

namespace {

using merge::infer_reduce;
using merge::reduced_count;
using merge::tail;

int64_t batch_of(const NodeView& n) {
  auto b = merge::common_batch(n.input_shapes);
  if (!b) fail_node(n, "inputs have different batch sizes: " + shapes_str(n.input_shapes));
  return *b;
}

// tf-keras _Merge (merging/base_merge.py): the non-batch shapes broadcast NumPy-style, right-aligned; at run
// time a lower-rank input is expand_dims'ed at axis 1 until the ranks match, which is the same alignment.
std::vector<Shape> infer_elementwise_merge(const NodeView& n) {
  const int64_t batch = batch_of(n);
  Shape out = tail(n.input_shapes[0]);
  for (const Shape& s : n.input_shapes) {
    auto b = merge::broadcast_shapes(out, tail(s));
    if (!b) fail_node(n, "inputs have incompatible shapes (non-batch dims broadcast right-aligned): " +
                             shapes_str(n.input_shapes));
    out = *b;
  }
  out.insert(out.begin(), batch);
  return {out};
}

// Concatenate and tf.concat: equal ranks, every dimension but `axis` equal (the batch may be symbolic).
std::vector<Shape> infer_concat(const NodeView& n) {
  const int64_t rank = static_cast<int64_t>(n.input_shapes[0].size());
  for (const Shape& s : n.input_shapes)
    if (static_cast<int64_t>(s.size()) != rank) fail_node(n, "inputs must have equal ranks: " + shapes_str(n.input_shapes));
  const int64_t axis = merge::normalize_axis(n, "axis", attr_int(n, "axis"), rank);
  Shape out = n.input_shapes[0];
  out[0] = batch_of(n);
  out[axis] = 0;
  for (const Shape& s : n.input_shapes) {
    for (int64_t d = 1; d < rank; ++d)
      if (d != axis && s[d] != out[d])
        fail_node(n, fmt::format("inputs must match except on axis {}: {}", axis, shapes_str(n.input_shapes)));
    out[axis] += s[axis];
  }
  return {out};
}

// tf-keras Dot + backend.batch_dot: out[b, i..., j...] = sum_k x[b, i..., k@a0] * y[b, j..., k@a1], the free
// axes of x then of y in order; two rank-2 inputs give [N, 1] (Dot.compute_output_shape appends the 1).
std::vector<Shape> infer_dot(const NodeView& n) {
  if (attr_is_null(n, "axes")) fail_field(n, "axes", "required but missing");
  const auto [a0, a1] = merge::dot_axes(n);
  const Shape& x = n.input_shapes[0];
  const Shape& y = n.input_shapes[1];
  if (x[a0] != y[a1])
    fail_field(n, "axes", fmt::format("dot axes differ in size: {} (axis {} of {}) vs {} (axis {} of {})", x[a0], a0,
                                      shape_str(x), y[a1], a1, shape_str(y)));
  Shape out{batch_of(n)};
  for (size_t d = 1; d < x.size(); ++d)
    if (static_cast<int64_t>(d) != a0) out.push_back(x[d]);
  for (size_t d = 1; d < y.size(); ++d)
    if (static_cast<int64_t>(d) != a1) out.push_back(y[d]);
  if (out.size() == 1) out.push_back(1);
  return {out};
}

// TF binary ops broadcast NumPy-style over the full shapes. Both tensors carry the batch in dim 0, so their
// ranks must match (right-alignment would pair a batch with a feature axis). A constant has no batch: it may
// not reach dim 0 unless that dim is 1, so the output keeps the batch first.
std::vector<Shape> infer_binary(const NodeView& n) {
  const merge::BinaryOperands ops = merge::binary_operands(n);
  if (ops.const_pos < 0) {
    const Shape& a = n.input_shapes[0];
    const Shape& b = n.input_shapes[1];
    if (a.size() != b.size())
      fail_node(n, "both input tensors are batched, so their ranks must match: " + shapes_str(n.input_shapes));
    auto t = merge::broadcast_shapes(tail(a), tail(b));
    if (!t) fail_node(n, "input shapes do not broadcast: " + shapes_str(n.input_shapes));
    t->insert(t->begin(), batch_of(n));
    return {*t};
  }
  return {merge::broadcast_with_constant(n, n.input_shapes[0], ops.constant.shape, ops.const_pos == 0 ? "x" : "y")};
}

int64_t input_count(const NodeView& n) { return static_cast<int64_t>(n.input_shapes.size()); }

OpSpec with_gen(OpSpec s, std::function<json(const std::vector<Shape>&, uint64_t)> gen) {
  s.gen_attrs = std::move(gen);
  return s;
}

// gen_attrs of a TF binary op. Two input tensors: no constants. One: a constant x or y (coin) with values in
// that operand's range and a shape that broadcasts against the input without reaching the batch: a scalar,
// the last dim, the full non-batch shape, that shape with some dims set to 1, or it with a leading 1.
std::function<json(const std::vector<Shape>&, uint64_t)> binary_gen(Interval x_range, Interval y_range) {
  return [=](const std::vector<Shape>& in, uint64_t choice) {
    genattr::Choice c(choice);
    if (in.size() != 1) return json{{"x", nullptr}, {"y", nullptr}};
    const bool is_x = c.coin();
    const Interval r = is_x ? x_range : y_range;
    const Shape t = tail(in[0]);
    Shape shape;
    switch (t.empty() ? 0 : c.below(5)) {
      case 0: break;  // a scalar
      case 1: shape = {t.back()}; break;
      case 2: shape = t; break;
      case 3: shape = t; for (int64_t& d : shape) if (c.coin()) d = 1; break;
      default: shape = t; shape.insert(shape.begin(), 1); break;
    }
    // Nested lists, innermost dim last.
    std::function<json(size_t)> fill = [&](size_t d) -> json {
      if (d == shape.size()) return c.value(r.lo, r.hi);
      json a = json::array();
      for (int64_t i = 0; i < shape[d]; ++i) a.push_back(fill(d + 1));
      return a;
    };
    json v = fill(0);
    return is_x ? json{{"x", v}, {"y", nullptr}} : json{{"x", nullptr}, {"y", v}};
  };
}

// gen_attrs of Concatenate / tf.concat: an axis (positive or negative form) on which the inputs may be joined,
// i.e. every other dim agrees. None: the `gen` draw stays, and shape inference rejects the inputs.
json concat_gen(const std::vector<Shape>& in, uint64_t choice) {
  genattr::Choice c(choice);
  const size_t rank = in.at(0).size();
  std::vector<int64_t> ok;
  for (size_t axis = 1; axis < rank; ++axis) {
    bool good = true;
    for (const Shape& s : in)
      for (size_t d = 1; d < rank && good; ++d)
        good = s.size() == rank && (d == axis || s[d] == in[0][d]);
    if (good) ok.push_back(static_cast<int64_t>(axis));
  }
  if (ok.empty()) return json::object();
  const int64_t a = c.pick(ok);
  return json{{"axis", c.coin() ? a - static_cast<int64_t>(rank) : a}};
}

// gen_attrs of Dot: a pair of non-batch axes of equal size, as an int when both are the same axis.
json dot_gen(const std::vector<Shape>& in, uint64_t choice) {
  genattr::Choice c(choice);
  if (in.size() != 2) return json::object();
  std::vector<std::pair<int64_t, int64_t>> ok;
  for (size_t i = 1; i < in[0].size(); ++i)
    for (size_t j = 1; j < in[1].size(); ++j)
      if (in[0][i] == in[1][j]) ok.emplace_back(i, j);
  if (ok.empty()) return json::object();
  const auto [a0, a1] = c.pick(ok);
  if (a0 == a1 && in[0].size() == in[1].size() && c.coin()) return json{{"axes", a0}};
  if (c.coin()) return json{{"axes", {a0 - static_cast<int64_t>(in[0].size()), a1 - static_cast<int64_t>(in[1].size())}}};
  return json{{"axes", {a0, a1}}};
}

OpSpec keras_merge(const std::string& name, int min_inputs, int max_inputs, ErrorRule rule, double ulps,
                   bool accumulates, const std::string& doc) {
  OpSpec s;
  s.name = name;
  s.keras_class = name;
  s.min_inputs = min_inputs;
  s.max_inputs = max_inputs;
  s.infer = infer_elementwise_merge;
  s.tolerance.rule = rule;
  s.tolerance.ulps = ulps;
  // n inputs folded left to right (output = output op input_i): n - 1 chained roundings.
  if (accumulates) s.tolerance.accumulation = input_count;
  s.doc = doc;
  return s;
}

OpSpec tf_op(const std::string& fn, const std::vector<std::string>& aliases, const std::string& graph_op) {
  OpSpec s;
  s.name = "tf." + fn;
  s.family = Family::TfOp;
  s.keras_class = "TFOpLambda";
  s.tf_function = fn;
  s.tf_function_aliases = aliases;
  s.tf_op = graph_op;
  return s;
}

// A constant operand: a number or nested lists (shape without batch), broadcast against the input tensor.
AttrSpec const_attr(const std::string& name, std::vector<json> gen) {
  return {.name = name, .kind = AttrKind::Any, .gen = std::move(gen),
          .doc = "constant operand (number or nested lists, no batch dim); null when it is an input tensor"};
}

OpSpec tf_binary(const std::string& fn, const std::vector<std::string>& aliases, const std::string& graph_op,
                 ErrorRule rule, double ulps, Interval domain, std::vector<json> x_gen, std::vector<json> y_gen,
                 const std::string& doc) {
  OpSpec s = tf_op(fn, aliases, graph_op);
  s.min_inputs = 1;
  s.max_inputs = 2;
  s.attrs = {const_attr("x", std::move(x_gen)), const_attr("y", std::move(y_gen))};
  s.infer = infer_binary;
  s.domain = domain;
  s.tolerance.rule = rule;
  s.tolerance.ulps = ulps;
  s.doc = doc;
  return s;
}

OpSpec tf_reduce(const std::string& fn, const std::string& graph_op, bool accumulates, const std::string& doc) {
  OpSpec s = tf_op(fn, {}, graph_op);
  s.attrs = merge::reduce_attrs();
  s.infer = infer_reduce;
  s.tolerance.rule = ErrorRule::Monotone;  // a sum, a mean, a max or a min
  s.tolerance.ulps = accumulates ? 1 : 0;
  if (accumulates) s.tolerance.accumulation = reduced_count;
  s.doc = doc;
  return s;
}

const std::vector<json> kAxisGen = {-1, 1, 2, -2, 3};

}  // namespace

void register_merge_ops(Catalog& c) {
  // tf-keras merge layers accept "a list of at least 1 input" (base_merge.py build); Subtract and Dot exactly 2.
  const int any = OpSpec::kVariadic;
  c.add(keras_merge("Add", 1, any, ErrorRule::Monotone, 1, true,
                    "sum of the inputs, non-batch dims broadcast (tf-keras _Merge)"));
  c.add(keras_merge("Subtract", 2, 2, ErrorRule::Elementwise, 1, false, "inputs[0] - inputs[1], broadcast as Add"));
  c.add(keras_merge("Multiply", 1, any, ErrorRule::Linear, 1, true, "product of the inputs, broadcast as Add"));
  c.add(keras_merge("Average", 1, any, ErrorRule::Monotone, 1, true,
                    "sum of the inputs divided by their count, broadcast as Add"));
  c.add(keras_merge("Maximum", 1, any, ErrorRule::Monotone, 0, false,
                    "element-wise maximum of the inputs, broadcast as Add"));
  c.add(keras_merge("Minimum", 1, any, ErrorRule::Monotone, 0, false,
                    "element-wise minimum of the inputs, broadcast as Add"));
  {
    OpSpec s;
    s.name = s.keras_class = "Concatenate";
    s.max_inputs = any;
    s.attrs = {{.name = "axis", .kind = AttrKind::Int, .default_value = -1, .gen = kAxisGen,
                .doc = "concatenation axis, negative from the end; never the batch"}};
    s.infer = infer_concat;
    s.tolerance.rule = ErrorRule::Monotone;  // data movement
    s.tolerance.ulps = 0;
    s.doc = "concatenation along axis; other dims must match (tf-keras Concatenate)";
    s.gen_attrs = concat_gen;
    c.add(std::move(s));
  }
  {
    OpSpec s;
    s.name = s.keras_class = "Dot";
    s.min_inputs = s.max_inputs = 2;
    s.min_rank = 2;
    s.attrs = {
        {.name = "axes", .kind = AttrKind::Any,
         .gen = {1, 2, -1, json::array({1, 2}), json::array({2, 1}), json::array({-1, 1}), json::array({1, 1})},
         .doc = "int or [a0, a1]: the dot axis of each input; negative from the end of that input; not 0"},
        {.name = "normalize", .kind = AttrKind::Bool, .default_value = false, .gen = {false, true},
         .doc = "l2-normalize each input along its dot axis first (tf.linalg.l2_normalize, epsilon 1e-12)"},
    };
    s.infer = infer_dot;
    // Normalization adds, per operand, rsqrt(max(sum x^2, eps)) and a multiply (about 2 ulps each way) and a
    // second K-term sum (the squared norm), hence 3 ulps and 2K when normalizing.
    s.tolerance.rule = ErrorRule::LinearOrDotNormalize;
    s.tolerance.ulps = 3;
    s.tolerance.accumulation = [](const NodeView& n) {
      const auto [a0, a1] = merge::dot_axes(n);
      (void)a1;
      const int64_t k = n.input_shapes[0][a0];
      return attr_bool(n, "normalize") ? 2 * k : k;
    };
    s.doc = "Keras 2 Dot = backend.batch_dot over the batch; rank-2 inputs give [N, 1]; normalize uses "
            "x * rsqrt(max(sum x^2, 1e-12)) (tf.linalg.l2_normalize)";
    s.gen_attrs = dot_gen;
    c.add(std::move(s));
  }

  // TF binary ops. Domains keep divisors and pow bases in [0.25, 2]; constants in `gen` stay safe as well.
  // gen_attrs draws constants from the ranges given to binary_gen (x, then y): divisors and bases positive.
  const Interval pos{0.25, 2};
  const std::vector<json> x_gen = {nullptr, 0.5, 2.0, json::array({1.5}), json::array({json::array({0.75}), json::array({1.25})})};
  const std::vector<json> y_gen = {nullptr, 0.5, -2.0, json::array({0.5, 1.5, 1.0}), json::array({json::array({1.5})})};
  const std::vector<json> pos_gen = {nullptr, 0.5, 4.0, json::array({1.5, 0.75, 1.25})};
  c.add(with_gen(tf_binary("math.add", {"__operators__.add"}, "AddV2",
                           ErrorRule::Elementwise, 1, {-1, 1}, x_gen, y_gen, "x + y, NumPy broadcasting"),
                 binary_gen({-2, 2}, {-2, 2})));
  c.add(with_gen(tf_binary("math.subtract", {"__operators__.sub"}, "Sub",
                           ErrorRule::Elementwise, 1, {-1, 1}, x_gen, y_gen, "x - y, NumPy broadcasting"),
                 binary_gen({-2, 2}, {-2, 2})));
  c.add(with_gen(tf_binary("math.multiply", {"__operators__.mul"}, "Mul",
                           ErrorRule::Elementwise, 1, {-1, 1}, x_gen, y_gen, "x * y, NumPy broadcasting"),
                 binary_gen({-2, 2}, {-2, 2})));
  c.add(with_gen(tf_binary("math.truediv", {"math.divide", "__operators__.truediv"}, "RealDiv",
                           ErrorRule::Elementwise, 1, pos, pos_gen, pos_gen,
                  "x / y for floats (RealDiv), NumPy broadcasting"),
                 binary_gen({-2, 2}, {0.5, 4})));
  c.add(with_gen(tf_binary("math.maximum", {}, "Maximum",
                           ErrorRule::Monotone, 0, {-1, 1}, x_gen, y_gen, "max(x, y), NumPy broadcasting"),
                 binary_gen({-2, 2}, {-2, 2})));
  c.add(with_gen(tf_binary("math.minimum", {}, "Minimum",
                           ErrorRule::Monotone, 0, {-1, 1}, x_gen, y_gen, "min(x, y), NumPy broadcasting"),
                 binary_gen({-2, 2}, {-2, 2})));
  // pow is a libm transcendental (std::pow, as TF's Eigen scalar_pow_op on CPU): about 4 ulps.
  c.add(with_gen(tf_binary("math.pow", {"__operators__.pow"}, "Pow",
                           ErrorRule::Elementwise, 4, pos, {nullptr, 1.5, 0.5},
                  {nullptr, 2.0, 0.5, -1.5, 3.0, json::array({0.5, 2.0})}, "x ** y (std::pow), NumPy broadcasting"),
                 binary_gen({0.5, 2}, {-1.5, 2.5})));
  {
    // TF computes maximum(minimum(t, clip_value_max), clip_value_min) (clip_ops.py); for min > max that gives
    // min everywhere, and parity keeps that.
    // No single graph op: TF 2 writes Minimum then Maximum (the raw ClipByValue op is not what it emits).
    OpSpec s = tf_op("clip_by_value", {}, "");
    s.attrs = {
        {.name = "clip_value_min", .kind = AttrKind::Number, .gen = {-0.5, 0.0, -1.0}, .doc = "lower bound"},
        {.name = "clip_value_max", .kind = AttrKind::Number, .gen = {0.5, 1.0, 0.25}, .doc = "upper bound"},
    };
    s.infer = [](const NodeView& n) { return std::vector<Shape>{n.input_shapes[0]}; };
    s.tolerance.rule = ErrorRule::Monotone;
    s.tolerance.ulps = 0;
    s.doc = "max(min(t, clip_value_max), clip_value_min), as TF's clip_ops.clip_by_value (graph: Minimum, Maximum)";
    c.add(std::move(s));
  }
  {
    OpSpec s = tf_op("concat", {}, "ConcatV2");
    s.max_inputs = any;
    s.attrs = {{.name = "axis", .kind = AttrKind::Int, .gen = kAxisGen,
                .doc = "concatenation axis (required), negative from the end; never the batch"}};
    s.infer = infer_concat;
    s.tolerance.rule = ErrorRule::Monotone;  // data movement
    s.tolerance.ulps = 0;
    s.doc = "concatenation of the input tensors along axis; other dims must match";
    s.gen_attrs = concat_gen;
    c.add(std::move(s));
  }
  c.add(tf_reduce("math.reduce_sum", "Sum", true, "sum over axis"));
  c.add(tf_reduce("math.reduce_mean", "Mean", true, "sum over axis divided by the reduced count"));
  c.add(tf_reduce("math.reduce_max", "Max", false, "maximum over axis"));
  c.add(tf_reduce("math.reduce_min", "Min", false, "minimum over axis"));
}

}  // namespace parity
