// TF ops with bool and int32 values: comparisons, logical ops, select, cast, arg max/min, is_nan/is_inf,
// reduce_any/all, one_hot, top_k: catalog entries. Kernels: oracles/ref/kernels/tf_logic.cpp.
//
// Graph inputs are float32; int32 and bool values arise inside the graph from these ops. Every kernel holds
// them in T (double for ref64, float for cpu32) as exact integers and 0/1: int32 values are exact in cpu32
// only below 2^24 in magnitude, and the generator keeps them tiny (indices, depths, truncated [-4, 4]).
#include <array>
#include <tuple>

#include "harness/catalog/attrs.h"
#include "harness/catalog/catalog.h"
#include "harness/ops/gen_choice.h"
#include "harness/ops/merge_util.h"

namespace parity {

namespace {

using merge::shapes_str;

const std::vector<DType> kF32{DType::F32};
const std::vector<DType> kBool{DType::Bool};
const std::vector<DType> kI32{DType::I32};
const std::vector<DType> kAny{DType::F32, DType::I32, DType::Bool};

using merge::infer_reduce;
using merge::tail;

OpSpec tf_op(const std::string& fn, const std::string& graph_op, const std::string& doc) {
  OpSpec s;
  s.name = "tf." + fn;
  s.family = Family::TfOp;
  s.keras_class = "TFOpLambda";
  s.tf_function = fn;
  s.tf_op = graph_op;
  s.tolerance.ulps = 0;  // every op here is exact: comparisons, selections, integer results
  s.doc = doc;
  return s;
}

std::function<std::vector<DType>(const NodeView&)> outputs_of(std::vector<DType> d) {
  return [d](const NodeView&) { return d; };
}

int64_t batch_of(const NodeView& n) {
  auto b = merge::common_batch(n.input_shapes);
  if (!b) fail_node(n, "inputs have different batch sizes: " + shapes_str(n.input_shapes));
  return *b;
}

// NumPy broadcasting of batched tensors of equal rank (the batch stays dim 0), as the TF binary ops.
std::vector<Shape> infer_broadcast(const NodeView& n) {
  const size_t rank = n.input_shapes[0].size();
  Shape out;
  for (const Shape& s : n.input_shapes) {
    if (s.size() != rank)
      fail_node(n, "all input tensors are batched, so their ranks must match: " + shapes_str(n.input_shapes));
    auto b = merge::broadcast_shapes(out, tail(s));
    if (!b) fail_node(n, "input shapes do not broadcast: " + shapes_str(n.input_shapes));
    out = *b;
  }
  out.insert(out.begin(), batch_of(n));
  return {out};
}

// A comparison x OP y with one operand possibly a constant attribute (as tf.math.add: see merge.cpp).
std::vector<Shape> infer_compare(const NodeView& n) {
  const merge::BinaryOperands ops = merge::binary_operands(n);
  if (ops.const_pos < 0) return infer_broadcast(n);
  return {merge::broadcast_with_constant(n, n.input_shapes[0], ops.constant.shape, ops.const_pos == 0 ? "x" : "y")};
}

// Constants of a comparison: a scalar or the last dim, multiples of 1/8 in [-1, 1] (so generated inputs land
// near and on them: ties exercise equal / greater_equal).
json compare_gen(const std::vector<Shape>& in, uint64_t choice) {
  genattr::Choice c(choice);
  if (in.size() != 1) return json{{"x", nullptr}, {"y", nullptr}};
  const bool is_x = c.coin();
  json v;
  if (c.coin() || in[0].size() < 2) {
    v = c.value(-1, 1);
  } else {
    v = json::array();
    for (int64_t i = 0; i < in[0].back(); ++i) v.push_back(c.value(-1, 1));
  }
  return is_x ? json{{"x", v}, {"y", nullptr}} : json{{"x", nullptr}, {"y", v}};
}

AttrSpec const_attr(const std::string& name) {
  return {.name = name, .kind = AttrKind::Any, .gen = {nullptr, 0.0, 0.5},
          .doc = "constant float32 operand (number or nested lists, no batch dim); null when it is an input tensor"};
}

OpSpec comparison(const std::string& fn, const std::string& graph_op, const std::string& doc) {
  OpSpec s = tf_op(fn, graph_op, doc + "; NaN compares false (not_equal: true); NumPy broadcasting");
  s.min_inputs = 1;
  s.max_inputs = 2;
  s.attrs = {const_attr("x"), const_attr("y")};
  s.infer = infer_compare;
  s.gen_attrs = compare_gen;
  s.output_dtypes = outputs_of({DType::Bool});
  // A comparison jumps at its boundary: the element-wise rule evaluates it at x +- b, so an operand within
  // its budget of the boundary may flip (budget 1) and one farther away may not (budget 0).
  s.tolerance.rule = ErrorRule::Elementwise;
  return s;
}

OpSpec logical(const std::string& fn, const std::string& graph_op, int inputs, const std::string& doc) {
  OpSpec s = tf_op(fn, graph_op, doc);
  s.min_inputs = s.max_inputs = inputs;
  s.input_dtypes = {kBool};
  s.infer = infer_broadcast;
  s.output_dtypes = outputs_of({DType::Bool});
  // Kernels read any nonzero as true, so perturbing a bool by its budget (1 where it may flip) shows the flip.
  s.tolerance.rule = ErrorRule::Elementwise;
  return s;
}

OpSpec reduce_bool(const std::string& fn, const std::string& graph_op, const std::string& doc) {
  OpSpec s = tf_op(fn, graph_op, doc);
  s.attrs = merge::reduce_attrs({1, -1, json::array({1, 2}), json::array({-1})});
  s.input_dtypes = {kBool};
  s.infer = infer_reduce;
  s.output_dtypes = outputs_of({DType::Bool});
  s.tolerance.rule = ErrorRule::Monotone;  // any = max and all = min over 0/1: non-decreasing in every input
  return s;
}

// The axis of arg max/min, one_hot and top_k: in [-rank, rank), never the batch.
int64_t axis_of(const NodeView& n, int64_t rank) { return merge::normalize_axis(n, "axis", attr_int(n, "axis"), rank); }

OpSpec arg_reduce(const std::string& fn, const std::string& graph_op, const std::string& doc) {
  OpSpec s = tf_op(fn, graph_op, doc);
  s.attrs = {
      {.name = "axis", .kind = AttrKind::Int, .gen = {-1, 1, 2},
       .doc = "the reduced axis (required: TF's default None means axis 0, the batch)"},
      {.name = "output_type", .kind = AttrKind::String, .default_value = "int64", .choices = {"int64", "int32"},
       .gen = {"int64", "int32"},
       .doc = "TF's index dtype; int64 becomes int32 in TF.js and in parity (indices stay tiny)"},
  };
  s.infer = [](const NodeView& n) {
    const Shape& in = n.input_shapes[0];
    const int64_t axis = axis_of(n, static_cast<int64_t>(in.size()));
    Shape out = in;
    out.erase(out.begin() + axis);
    return std::vector<Shape>{out};
  };
  s.output_dtypes = outputs_of({DType::I32});
  s.tolerance.rule = ErrorRule::Index;
  return s;
}

std::vector<Shape> infer_one_hot(const NodeView& n) {
  const Shape& in = n.input_shapes[0];
  const int64_t depth = attr_int(n, "depth");
  if (depth < 1) fail_field(n, "depth", fmt::format("must be >= 1, got {}", depth));
  const int64_t rank = static_cast<int64_t>(in.size()) + 1;
  // TF's OneHot takes -1 (the new last axis) or an axis in [0, rank); it refuses any other negative axis
  // (one_hot_op.cc: "Expected axis to be -1 or between [0, ...)"), so -2 is invalid, not "second to last".
  if (const int64_t a = attr_int(n, "axis"); a < -1)
    fail_field(n, "axis", fmt::format("TF's OneHot accepts -1 or an axis in [0, {}), got {}", rank, a));
  const int64_t axis = axis_of(n, rank);
  Shape out = in;
  out.insert(out.begin() + axis, depth);
  return {out};
}

std::vector<Shape> infer_top_k(const NodeView& n) {
  const Shape& in = n.input_shapes[0];
  const int64_t k = attr_int(n, "k");
  if (in.size() < 2) fail_node(n, "input must have a non-batch last dimension");
  if (k < 0 || k > in.back())
    fail_field(n, "k", fmt::format("must be in [0, {}] (the last dimension of {}), got {}", in.back(), shape_str(in), k));
  Shape out = in;
  out.back() = k;
  return {out, out};
}

}  // namespace

void register_tf_logic_ops(Catalog& c) {
  // x == y jumps on a single point: x >= y and x <= y flip wherever it may (their kernels take the same
  // attributes and inputs), and the budget evaluates them too.
  for (auto [function, graph_op, doc] : {std::tuple{"math.equal", "Equal", "x == y"},
                                         std::tuple{"math.not_equal", "NotEqual", "x != y"}}) {
    OpSpec eq = comparison(function, graph_op, doc);
    eq.tolerance.jump_witnesses = {"tf.math.greater_equal", "tf.math.less_equal"};
    c.add(std::move(eq));
  }
  c.add(comparison("math.greater", "Greater", "x > y"));
  c.add(comparison("math.greater_equal", "GreaterEqual", "x >= y"));
  c.add(comparison("math.less", "Less", "x < y"));
  c.add(comparison("math.less_equal", "LessEqual", "x <= y"));
  c.add(logical("math.logical_and", "LogicalAnd", 2, "x AND y for bool tensors, NumPy broadcasting"));
  c.add(logical("math.logical_or", "LogicalOr", 2, "x OR y for bool tensors, NumPy broadcasting"));
  c.add(logical("math.logical_not", "LogicalNot", 1, "NOT x for a bool tensor"));
  // No graph op: TF's math_ops.logical_xor writes logical_and(logical_or(x, y), logical_not(logical_and(x, y))).
  c.add(logical("math.logical_xor", "", 2, "x XOR y (TF composite: (x OR y) AND NOT (x AND y)), NumPy broadcasting"));
  {
    OpSpec s = tf_op("where", "SelectV2",
                     "condition ? x : y element-wise, the three tensors broadcast NumPy-style (SelectV2)");
    s.min_inputs = s.max_inputs = 3;
    s.input_dtypes = {kBool, kF32};
    s.infer = infer_broadcast;
    // One element of each input per output; a condition that may flip (budget 1) gives |x - y|.
    s.tolerance.rule = ErrorRule::Elementwise;
    c.add(std::move(s));
  }
  {
    OpSpec s = tf_op("cast", "Cast",
                     "dtype conversion: float -> int32 truncates toward zero (C++ static_cast; NaN and values "
                     "outside int32 give INT32_MIN as TF's CPU kernel on x86), nonzero (NaN too) -> true, "
                     "bool -> 0/1");
    s.attrs = {{.name = "dtype", .kind = AttrKind::String, .choices = {"float32", "int32", "bool"},
                .gen = {"int32", "bool", "float32"}, .doc = "the target dtype (TF's DstT)"}};
    s.input_dtypes = {kAny};
    s.infer = [](const NodeView& n) { return std::vector<Shape>{n.input_shapes[0]}; };
    s.output_dtypes = [](const NodeView& n) { return std::vector<DType>{dtype_from_name(attr_str(n, "dtype"))}; };
    // Truncation jumps at every integer: the element-wise rule sees jumps within the input's budget.
    s.tolerance.rule = ErrorRule::Elementwise;
    // Random inputs over [-4, 4] so that truncation to int32 gives the indices -4..4 (one_hot probes).
    s.domain = {-4, 4};
    c.add(std::move(s));
  }
  c.add(arg_reduce("math.argmax", "ArgMax",
                   "index of the largest value along axis; ties give the first; NaN is never selected (Eigen's "
                   "ArgMax reducer: NaN > v and NaN < v are false), all NaN gives 0"));
  c.add(arg_reduce("math.argmin", "ArgMin",
                   "index of the smallest value along axis; ties give the first; NaN is never selected, all NaN "
                   "gives 0"));
  for (const auto& [fn, op, what] : std::vector<std::array<std::string, 3>>{
           {"math.is_nan", "IsNan", "x is NaN"},
           {"math.is_inf", "IsInf", "x is +inf or -inf"},
           {"math.is_finite", "IsFinite", "x is neither NaN nor infinite"}}) {
    OpSpec s = tf_op(fn, op, what);
    s.infer = [](const NodeView& n) { return std::vector<Shape>{n.input_shapes[0]}; };
    s.output_dtypes = outputs_of({DType::Bool});
    s.tolerance.rule = ErrorRule::Elementwise;
    c.add(std::move(s));
  }
  c.add(reduce_bool("math.reduce_any", "Any", "logical OR over axis"));
  c.add(reduce_bool("math.reduce_all", "All", "logical AND over axis"));
  {
    OpSpec s = tf_op("one_hot", "OneHot",
                     "indices -> on_value at position index along a new axis of size depth, off_value elsewhere; "
                     "an index outside [0, depth) gives an all-off row (TF OneHot)");
    s.attrs = {
        {.name = "depth", .kind = AttrKind::Int, .gen = {3, 5, 2}, .doc = "size of the new axis"},
        {.name = "on_value", .kind = AttrKind::Float, .default_value = 1.0, .gen = {1.0, 0.5, -2.0},
         .doc = "value at the index (float32)"},
        {.name = "off_value", .kind = AttrKind::Float, .default_value = 0.0, .gen = {0.0, -1.0, 0.25},
         .doc = "value elsewhere (float32)"},
        {.name = "axis", .kind = AttrKind::Int, .default_value = -1, .gen = {-1, 1, 2},
         .doc = "position of the new axis in the output: -1 = last, or in [1, rank]; no other negative axis (TF)"},
    };
    s.input_dtypes = {kI32};
    s.infer = infer_one_hot;
    s.tolerance.rule = ErrorRule::Index;
    c.add(std::move(s));
  }
  {
    OpSpec s = tf_op("math.top_k", "TopKV2",
                     "the k largest values along the last axis, sorted descending, and their indices (int32); "
                     "equal values keep the lower index first (TF TopKV2 is stable)");
    // TF's `sorted` (default true) is not an attribute here: parity supports the sorted order only (unsorted
    // order is unspecified in TF).
    s.attrs = {{.name = "k", .kind = AttrKind::Int, .default_value = 1, .gen = {1, 2, 3}, .doc = "how many"}};
    s.infer = infer_top_k;
    s.output_dtypes = outputs_of({DType::F32, DType::I32});
    s.tolerance.rule = ErrorRule::Index;
    c.add(std::move(s));
  }
}

}  // namespace parity
