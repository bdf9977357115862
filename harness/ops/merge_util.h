#pragma once
// Helpers shared by the merge family's catalog entries (harness/ops/merge.cpp) and its reference kernels
// (oracles/ref/kernels/merge.cpp): NumPy broadcasting, the constant operand of a TF binary op, and axis
// normalization. Shape inference and kernels both call these, so each kernel still derives its output shape
// itself and checks it with check_shape().
#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harness/catalog/attrs.h"

namespace parity::merge {

// tf-keras _Merge.call: a lower-rank input is expand_dims'ed at axis 1 (after the batch) until every input
// has the top rank; then TF broadcasting applies with equal ranks. Returns the expanded operand shapes and
// sets `out` to the broadcast output shape (a non-1 dim wins; shape inference has checked compatibility).
inline std::vector<Shape> merge_operand_shapes(const std::vector<Shape>& in, Shape& out) {
  size_t rank = 0;
  for (const Shape& s : in) rank = std::max(rank, s.size());
  std::vector<Shape> shapes;
  out.assign(rank, 1);
  for (const Shape& s : in) {
    Shape e = s;
    e.insert(e.begin() + 1, static_cast<std::ptrdiff_t>(rank - s.size()), 1);
    for (size_t d = 0; d < rank; ++d)
      if (e[d] != 1) out[d] = e[d];
    shapes.push_back(std::move(e));
  }
  return shapes;
}

inline std::string shapes_str(const std::vector<Shape>& shapes) {
  std::string s;
  for (const Shape& sh : shapes) s += (s.empty() ? "" : ", ") + shape_str(sh);
  return s;
}

// NumPy broadcasting: shapes aligned on the right, a dimension of 1 stretches to the other. The result has
// the larger rank. nullopt when two aligned dimensions differ and neither is 1.
inline std::optional<Shape> broadcast_shapes(const Shape& a, const Shape& b) {
  const size_t r = std::max(a.size(), b.size());
  Shape out(r);
  for (size_t i = 0; i < r; ++i) {
    const int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    const int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    if (da != db && da != 1 && db != 1) return std::nullopt;
    out[i] = da == 1 ? db : da;
  }
  return out;
}

// The batch dimension shared by several batched shapes: the concrete size if any input has one (they must
// agree), else kBatch. As tf-keras _Merge.compute_output_shape: {s[0]} - {None} must have at most 1 element.
inline std::optional<int64_t> common_batch(const std::vector<Shape>& shapes) {
  int64_t batch = kBatch;
  for (const Shape& s : shapes) {
    if (s.empty() || s[0] == kBatch) continue;
    if (batch != kBatch && batch != s[0]) return std::nullopt;
    batch = s[0];
  }
  return batch;
}

// A constant operand given as an attribute: a number (shape []) or rectangular nested lists of numbers.
struct Constant {
  Shape shape;
  std::vector<double> values;  // row-major
};

inline void parse_constant_into(const NodeView& n, const std::string& field, const json& v, size_t depth,
                                Constant& c) {
  if (v.is_number()) {
    if (depth != c.shape.size()) fail_field(n, field, "nested lists are not rectangular: " + v.dump());
    c.values.push_back(v.get<double>());
    return;
  }
  if (!v.is_array() || v.empty())
    fail_field(n, field, "expected a number or non-empty nested lists of numbers, got " + v.dump());
  if (depth == c.shape.size() && c.values.empty()) c.shape.push_back(static_cast<int64_t>(v.size()));
  if (depth >= c.shape.size() || c.shape[depth] != static_cast<int64_t>(v.size()))
    fail_field(n, field, "nested lists are not rectangular");
  for (const json& e : v) parse_constant_into(n, field, e, depth + 1, c);
}

inline Constant parse_constant(const NodeView& n, const std::string& field) {
  Constant c;
  parse_constant_into(n, field, n.attrs.at(field), 0, c);
  return c;
}

// The operands of a TF binary op (tf.math.add(x, y), ...): two input tensors, or one input tensor and the
// constant attribute `x` (constant first: 2.0 - t) or `y` (constant second: t - 2.0). Exactly two in total.
struct BinaryOperands {
  int const_pos = -1;  // -1: both are input tensors; 0: the constant is x; 1: the constant is y
  Constant constant;
};

inline BinaryOperands binary_operands(const NodeView& n) {
  const bool has_x = !attr_is_null(n, "x"), has_y = !attr_is_null(n, "y");
  const size_t tensors = n.input_shapes.size();
  const size_t total = tensors + (has_x ? 1 : 0) + (has_y ? 1 : 0);
  if (total != 2)
    fail_node(n, fmt::format("takes exactly two operands (input tensors plus the constants x / y), got {} input "
                             "tensor(s){}{}", tensors, has_x ? " and constant x" : "", has_y ? " and constant y" : ""));
  BinaryOperands b;
  if (has_x || has_y) {
    b.const_pos = has_x ? 0 : 1;
    b.constant = parse_constant(n, has_x ? "x" : "y");
  }
  return b;
}

// A shape without its batch dim.
inline Shape tail(const Shape& s) { return Shape(s.begin() + 1, s.end()); }

// The output shape of a binary op on one batched input tensor and a constant operand (attribute `field`, no
// batch dim, or a leading 1): NumPy broadcasting of the input's non-batch dims with the constant's; a constant
// that would broadcast over the batch or does not broadcast is rejected naming the field.
inline Shape broadcast_with_constant(const NodeView& n, const Shape& in, Shape c, const std::string& field) {
  if (c.size() > in.size() || (c.size() == in.size() && c[0] != 1))
    fail_field(n, field, fmt::format("constant of shape {} would broadcast over the batch of input {}", shape_str(c),
                                     shape_str(in)));
  if (c.size() == in.size()) c.erase(c.begin());
  auto t = broadcast_shapes(tail(in), c);
  if (!t) fail_field(n, field, fmt::format("constant of shape {} does not broadcast with input {}", shape_str(c), shape_str(in)));
  t->insert(t->begin(), in[0]);
  return *t;
}

// An axis in [-rank, rank) made non-negative; the batch axis 0 and anything out of range are rejected.
inline int64_t normalize_axis(const NodeView& n, const std::string& field, int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    fail_field(n, field, fmt::format("axis {} is out of range for rank {}", axis, rank));
  if (axis < 0) axis += rank;
  if (axis == 0) fail_field(n, field, "axis 0 is the batch dimension; parity ops never operate across the batch");
  return axis;
}

// The `axis` of tf.math.reduce_*: an int or a list of ints, as a mask over the input's axes. A repeated
// axis is an error, as in TF's ReductionHelper ("Axes contains duplicate dimension"). null means every axis
// including the batch, which parity rejects.
inline std::vector<bool> reduce_axes(const NodeView& n, int64_t rank) {
  const json& v = n.attrs.at("axis");
  if (v.is_null())
    fail_field(n, "axis", "null reduces over every axis including the batch; give the non-batch axes explicitly");
  std::vector<json> items = v.is_array() ? std::vector<json>(v.begin(), v.end()) : std::vector<json>{v};
  std::vector<bool> mask(static_cast<size_t>(rank), false);
  for (const json& e : items) {
    if (!e.is_number_integer()) fail_field(n, "axis", "expected an int or a list of ints, got " + v.dump());
    const auto ax = static_cast<size_t>(normalize_axis(n, "axis", e.get<int64_t>(), rank));
    if (mask[ax]) fail_field(n, "axis", fmt::format("axes contain duplicate dimension {} ({})", ax, v.dump()));
    mask[ax] = true;
  }
  return mask;
}

// Keras Dot `axes`: an int (the same axis of both inputs) or a pair; negative axes count from the end of each
// input's own rank (tf-keras Dot._merge_function). The batch axis is rejected (backend.batch_dot does too).
inline std::pair<int64_t, int64_t> dot_axes(const NodeView& n) {
  const json& v = n.attrs.at("axes");
  int64_t a0 = 0, a1 = 0;
  if (v.is_number_integer()) {
    a0 = a1 = v.get<int64_t>();
  } else if (v.is_array() && v.size() == 2 && v[0].is_number_integer() && v[1].is_number_integer()) {
    a0 = v[0].get<int64_t>();
    a1 = v[1].get<int64_t>();
  } else {
    fail_field(n, "axes", "expected an int or a list of 2 ints, got " + v.dump());
  }
  const int64_t r0 = static_cast<int64_t>(n.input_shapes.at(0).size());
  const int64_t r1 = static_cast<int64_t>(n.input_shapes.at(1).size());
  return {normalize_axis(n, "axes", a0, r0), normalize_axis(n, "axes", a1, r1)};
}

// For each element of a tensor of concrete shape `out` (row-major), the offset of the element of a tensor of
// shape `in` that NumPy broadcasting reads: `in` is right-aligned against `out`, its size-1 dims repeat.
inline std::vector<int64_t> broadcast_offsets(const Shape& in, const Shape& out) {
  const size_t lead = out.size() - in.size();
  std::vector<int64_t> stride(out.size(), 0);  // 0 on broadcast (size-1 or missing) dims
  int64_t s = 1;
  for (size_t i = in.size(); i-- > 0;) {
    stride[lead + i] = in[i] == 1 ? 0 : s;
    s *= in[i];
  }
  std::vector<int64_t> offsets(static_cast<size_t>(num_elements(out)));
  std::vector<int64_t> idx(out.size(), 0);
  int64_t off = 0;
  for (int64_t& o : offsets) {
    o = off;
    for (size_t d = out.size(); d-- > 0;) {  // odometer increment of the multi-index
      off += stride[d];
      if (++idx[d] < out[d]) break;
      off -= stride[d] * idx[d];
      idx[d] = 0;
    }
  }
  return offsets;
}

// Shape inference, accumulation length and attributes of a reduction over `axis` (never the batch) with
// `keepdims` (tf.math.reduce_*): shared by the merge, tf_math and tf_logic families.
inline std::vector<Shape> infer_reduce(const NodeView& n) {
  const Shape& in = n.input_shapes[0];
  const std::vector<bool> mask = reduce_axes(n, static_cast<int64_t>(in.size()));
  const bool keep = attr_bool(n, "keepdims");
  Shape out;
  for (size_t d = 0; d < in.size(); ++d) {
    if (!mask[d]) out.push_back(in[d]);
    else if (keep) out.push_back(1);
  }
  return {out};
}

inline int64_t reduced_count(const NodeView& n) {
  const Shape& in = n.input_shapes[0];
  const std::vector<bool> mask = reduce_axes(n, static_cast<int64_t>(in.size()));
  int64_t k = 1;
  for (size_t d = 0; d < in.size(); ++d)
    if (mask[d]) k *= in[d];
  return k;
}

inline std::vector<AttrSpec> reduce_attrs(std::vector<json> axis_gen = {1, -1, json::array({1, 2}), json::array({-1, 1}), 2,
                                                                      json::array({-2}), json::array()}) {
  return {{.name = "axis", .kind = AttrKind::Any, .gen = std::move(axis_gen),
           .doc = "int or list of ints, negative from the end, never the batch; null (all axes) is rejected"},
          {.name = "keepdims", .kind = AttrKind::Bool, .default_value = false, .gen = {false, true},
           .doc = "keep reduced axes as size 1"}};
}

}  // namespace parity::merge
