// Graph-model import rules for the TF ops of the tf_array, tf_logic and tf_nn families that need more than the
// generic rules (graph_model_import_internal.h): batch/space moves, Roll, ReverseSequence, band and diagonal
// parts, one-hot, top-k, Select, 3-D pooling, Einsum, ZerosLike/OnesLike, the transposed convolution, and the shape
// arithmetic TF writes around a symbolic batch (Shape, Fill, and StridedSlice/Pack of a shape).
// Each rule reads what TF's op definition allows (attributes with their defaults, Const operands of either
// int type) and refuses, naming the attribute, what the catalog op cannot express.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "harness/io/graph_model_import_internal.h"

namespace parity::gm_detail {

using nlohmann::json;

namespace {

std::vector<Operand> value(ValueId v) { return {{v, nullptr}}; }

Weight weight(const std::string& name, const ConstTensor& t) { return Weight{name, t.shape, t.values}; }

// An int scalar operand (k, depth, num_lower): TF's shape functions require rank 0.
int64_t scalar_int(ImportCtx& c, size_t i, const char* what) {
  const ConstTensor& t = c.constant(i, what);
  if (!t.shape.empty()) throw Refusal(fmt::format("{} must be a scalar, got a constant of shape {}", what, shape_str(t.shape)));
  return static_cast<int64_t>(t.values.at(0));
}

double scalar_float(ImportCtx& c, size_t i, const char* what) {
  const ConstTensor& t = c.constant(i, what);
  if (t.values.size() != 1) throw Refusal(fmt::format("{} must be a scalar, got a constant of shape {}", what, shape_str(t.shape)));
  return t.values[0];
}

// The int vector operand (seq_lengths, block_shape): rank 1.
json vector_ints(ImportCtx& c, size_t i, const char* what) {
  const ConstTensor& t = c.constant(i, what);
  if (t.shape.size() != 1) throw Refusal(fmt::format("{} must be a vector, got a constant of shape {}", what, shape_str(t.shape)));
  return const_to_ints(t);
}

// The node's T attribute (absent: float, as parity's writer and TF's defaults agree) must be float32.
void require_float(const ImportCtx& c, const char* key = "T") {
  const std::string t = c.node.attr.value(key, json::object()).value("type", std::string("DT_FLOAT"));
  if (t != "DT_FLOAT") throw Refusal(fmt::format("attr '{}' {}: parity's {} is float32 only", key, t, c.node.op));
}

// A TF window/stride list [1, s..., 1] over `nsp` spatial dims (absent: all 1s); TF refuses pooling and
// striding over the batch or channels.
std::vector<int64_t> outer_list(const json& attr, const std::string& key, size_t nsp) {
  std::vector<int64_t> v = attr_ints(attr, key);
  if (v.empty()) v.assign(nsp + 2, 1);
  if (v.size() != nsp + 2 || v.front() != 1 || v.back() != 1)
    throw Refusal(fmt::format("attr '{}' {} is not of the form [1, {} spatial, 1]", key, json(v).dump(), nsp));
  return v;
}

std::string same_or_valid(const json& attr) {
  const std::string p = attr_string(attr, "padding");
  if (p != "SAME" && p != "VALID") throw Refusal(fmt::format("attr 'padding' '{}' is not representable (SAME or VALID)", p));
  return p;
}

// ---- data movement (tf_array) -----------------------------------------------------------------------------

// BatchToSpaceND(input, block_shape, crops) / SpaceToBatchND(input, block_shape, paddings). The catalog op
// refuses blocks > 1 (they move data into or out of the symbolic batch), naming block_shape.
std::vector<Operand> batch_space(ImportCtx& c) {
  const bool to_space = c.node.op == "BatchToSpaceND";
  const char* field = to_space ? "crops" : "paddings";
  const json block = vector_ints(c, 1, "block_shape");
  const ConstTensor& pairs = c.constant(2, field);
  if (pairs.shape != Shape{static_cast<int64_t>(block.size()), 2})
    throw Refusal(fmt::format("{} of shape {} (TF requires [{}, 2], one pair per block_shape entry)", field, shape_str(pairs.shape),
                              block.size()));
  return value(c.add1(to_space ? "tf.batch_to_space" : "tf.space_to_batch_nd", {{"block_shape", block}, {field, const_to_json(pairs)}},
                      {c.tensor(0)}));
}

// Roll(input, shift, axis): a scalar or a vector each, as tf.roll's ints or lists.
std::vector<Operand> roll(ImportCtx& c) {
  const ConstTensor &shift = c.constant(1, "shift"), &axis = c.constant(2, "axis");
  if (shift.shape.size() > 1 || shift.shape != axis.shape)
    throw Refusal(fmt::format("shift {} and axis {} must be scalars or vectors of one shape", shape_str(shift.shape), shape_str(axis.shape)));
  return value(c.add1("tf.roll", {{"shift", const_to_ints(shift)}, {"axis", const_to_ints(axis)}}, {c.tensor(0)}));
}

// ReverseSequence(input, seq_lengths), attrs seq_dim (required) and batch_dim (default 0).
std::vector<Operand> reverse_sequence(ImportCtx& c) {
  if (!c.node.attr.contains("seq_dim")) throw Refusal("attr 'seq_dim' is missing (TF requires it)");
  return value(c.add1("tf.reverse_sequence",
                      {{"seq_lengths", vector_ints(c, 1, "seq_lengths")}, {"seq_axis", attr_int(c.node.attr, "seq_dim", 0)},
                       {"batch_axis", attr_int(c.node.attr, "batch_dim", 0)}},
                      {c.tensor(0)}));
}

std::vector<Operand> band_part(ImportCtx& c) {  // MatrixBandPart(input, num_lower, num_upper)
  return value(c.add1("tf.linalg.band_part",
                      {{"num_lower", scalar_int(c, 1, "num_lower")}, {"num_upper", scalar_int(c, 2, "num_upper")}}, {c.tensor(0)}));
}

// MatrixDiagPart(input) (the main diagonal), MatrixDiagPartV2/V3(input, k, padding_value[, align]). One
// diagonal (k scalar, or [k0, k0]) has exactly its own length: no padding, so padding_value and align do not
// change it (matrix_diag_part's doc: num_diags == 1 gives rank r - 1 and [..., max_diag_len]). A band of
// several diagonals adds an axis the catalog op does not have.
std::vector<Operand> diag_part(ImportCtx& c) {
  int64_t k = 0;
  if (c.node.op != "MatrixDiagPart") {
    const ConstTensor& kt = c.constant(1, "k");
    if (kt.shape.size() > 1 || kt.values.empty() || kt.values.size() > 2)
      throw Refusal(fmt::format("k of shape {} (TF takes a scalar or [lower, upper])", shape_str(kt.shape)));
    if (kt.values.size() == 2 && kt.values[0] != kt.values[1])
      throw Refusal(fmt::format("k [{}, {}] extracts a band of {} diagonals; parity's tf.linalg.diag_part takes one", kt.values[0],
                                kt.values[1], kt.values[1] - kt.values[0] + 1));
    k = static_cast<int64_t>(kt.values[0]);
    scalar_float(c, 2, "padding_value");
  }
  if (c.node.op == "MatrixDiagPartV3") {
    const std::string align = attr_string(c.node.attr, "align");
    static const std::set<std::string> ok = {"", "LEFT_LEFT", "LEFT_RIGHT", "RIGHT_LEFT", "RIGHT_RIGHT"};
    if (!ok.count(align)) throw Refusal(fmt::format("attr 'align' '{}' is not one of TF's four alignments", align));
  }
  return value(c.add1("tf.linalg.diag_part", {{"k", k}}, {c.tensor(0)}));
}

std::vector<Operand> zeros_ones_like(ImportCtx& c) {  // ZerosLike(x) / OnesLike(x)
  const ValueId x = c.tensor(0);
  if (c.g.values.at(static_cast<size_t>(x)).dtype != DType::F32)
    throw Refusal(fmt::format("attr 'T' {}: parity's tf.zeros_like/ones_like are float32 only",
                              dtype_name(c.g.values.at(static_cast<size_t>(x)).dtype)));
  return value(c.add1(c.node.op == "ZerosLike" ? "tf.zeros_like" : "tf.ones_like", {{"dtype", nullptr}}, {x}));
}

// ---- shape arithmetic --------------------------------------------------------------------------------------

Operand symbolic(ImportCtx& c, Shape shape, std::vector<double> values, ValueId of = -1) {
  Operand o = c.konst(ConstTensor{std::move(shape), "int32", std::move(values)});
  o.symbolic = true;
  o.shape_of = of;
  return o;
}

// Shape(x): x's shape, known at import time but for the batch (kSymbolicBatch).
std::vector<Operand> shape(ImportCtx& c) {
  const ValueId x = c.tensor(0);
  const Shape& s = c.g.values.at(static_cast<size_t>(x)).shape;
  std::vector<double> v;
  for (int64_t d : s) v.push_back(d == kBatch ? kSymbolicBatch : static_cast<double>(d));
  return {symbolic(c, {static_cast<int64_t>(s.size())}, std::move(v), x)};
}

// Fill(Shape(x), v): tf.ones_like(x) (v == 1), tf.zeros_like(x) (v == +0), else tf.ones_like(x) * v, which is v
// exactly (1 * v, NaN and -0 included). ones_like_impl writes exactly this Fill.
std::vector<Operand> fill(ImportCtx& c) {
  require_float(c);
  const Operand& dims = c.in.at(0);
  if (!dims.is_const()) throw Refusal("dims (input 0) is computed at run time; parity needs it constant or Shape(x)");
  if (dims.shape_of < 0)
    throw Refusal(dims.symbolic ? "dims assembled from parts of a shape: only Fill(Shape(x), v) is representable"
                                : "Fill of a constant shape is a constant (parity folds no constants)");
  const double v = scalar_float(c, 1, "value");
  const ValueId x = dims.shape_of;
  if (v == 0 && !std::signbit(v)) return value(c.add1("tf.zeros_like", {{"dtype", nullptr}}, {x}));
  const ValueId ones = c.add1("tf.ones_like", {{"dtype", nullptr}}, {x});
  if (v == 1) return value(ones);
  return value(c.add1("tf.math.multiply", {{"y", v}}, {ones}, {}, "value"));
}

}  // namespace

// StridedSlice of a shape vector (Shape(x)[0], the batch, when TF builds an output size): folded as TF's
// constant folding would, the batch staying symbolic. Only the 1-D forms TF writes for a shape are folded.
std::vector<Operand> fold_shape_slice(ImportCtx& c) {
  const ConstTensor& v = *c.in.at(0).c;
  const ConstTensor &b = c.constant(1, "begin"), &e = c.constant(2, "end"), &s = c.constant(3, "strides");
  if (v.shape.size() != 1 || b.values.size() != 1 || e.values.size() != 1 || s.values.size() != 1)
    throw Refusal("a multi-dimensional StridedSlice of a shape is not representable");
  for (const char* m : {"ellipsis_mask", "new_axis_mask"})
    if (attr_int(c.node.attr, m, 0) != 0) throw Refusal(fmt::format("attr '{}' on a shape vector is not representable", m));
  const auto n = static_cast<int64_t>(v.values.size());
  const auto st = static_cast<int64_t>(s.values[0]);
  if (st == 0) throw Refusal("strides 0 (TF refuses a zero stride)");
  auto wrap = [n](int64_t i) { return i < 0 ? i + n : i; };
  if (attr_int(c.node.attr, "shrink_axis_mask", 0) & 1) {
    const int64_t i = wrap(static_cast<int64_t>(b.values[0]));
    if (i < 0 || i >= n) throw Refusal(fmt::format("index {} out of the shape's {} entries", b.values[0], n));
    return {symbolic(c, {}, {v.values[static_cast<size_t>(i)]})};
  }
  const int64_t lo = st > 0 ? 0 : -1, hi = st > 0 ? n : n - 1;
  int64_t from = (attr_int(c.node.attr, "begin_mask", 0) & 1) ? (st > 0 ? 0 : n - 1) : std::clamp(wrap(static_cast<int64_t>(b.values[0])), lo, hi);
  const int64_t to = (attr_int(c.node.attr, "end_mask", 0) & 1) ? (st > 0 ? n : -1) : std::clamp(wrap(static_cast<int64_t>(e.values[0])), lo, hi);
  std::vector<double> out;
  for (; st > 0 ? from < to : from > to; from += st) out.push_back(v.values[static_cast<size_t>(from)]);
  return {symbolic(c, {static_cast<int64_t>(out.size())}, std::move(out))};
}

// Pack of int scalars, one of them from a shape (TF's [Shape(x)[0], h, w, c]): the folded vector.
std::vector<Operand> fold_shape_pack(ImportCtx& c) {
  const int64_t axis = attr_int(c.node.attr, "axis", 0);
  if (axis != 0 && axis != -1) throw Refusal(fmt::format("attr 'axis' {} on shape scalars", axis));
  std::vector<double> out;
  for (size_t i = 0; i < c.in.size(); ++i) {
    const ConstTensor& t = c.constant(i, "shape entry");
    if (!t.shape.empty()) throw Refusal("a Pack of shape vectors is not representable (only scalars)");
    out.push_back(t.values.at(0));
  }
  return {symbolic(c, {static_cast<int64_t>(out.size())}, std::move(out))};
}

namespace {

// Conv2DBackpropInput(input_sizes, filter, out_backprop): tf.nn.conv2d_transpose with the filter as its
// `filters` weight. input_sizes is [batch, h, w, c] (or TF 2's [h, w]); its batch entry is Shape(x)[0]
// (kSymbolicBatch here) or, in a fixed-batch model, the input's own batch.
std::vector<Operand> conv_transpose(ImportCtx& c) {
  const std::string f = attr_string(c.node.attr, "data_format");
  if (!f.empty() && f != "NHWC") throw Refusal(fmt::format("attr 'data_format' '{}' (parity's image ops are NHWC)", f));
  const ConstTensor& sizes = c.constant(0, "input_sizes");
  const ConstTensor& filter = c.constant(1, "filter");
  const ValueId x = c.tensor(2, "out_backprop");
  if (filter.shape.size() != 4) throw Refusal(fmt::format("filter of rank {} (expected 4)", filter.shape.size()));
  if (sizes.shape.size() != 1 || (sizes.values.size() != 4 && sizes.values.size() != 2))
    throw Refusal(fmt::format("input_sizes of shape {} (TF takes 4 entries or 2 spatial ones)", shape_str(sizes.shape)));
  std::vector<double> s = sizes.values;
  const Shape& in = c.g.values.at(static_cast<size_t>(x)).shape;
  if (s.size() == 2) s = {kSymbolicBatch, s[0], s[1], static_cast<double>(filter.shape[2])};
  if (s[0] != kSymbolicBatch && (in.empty() || s[0] != static_cast<double>(in[0])))
    throw Refusal(fmt::format("input_sizes batch {} differs from the input's batch; parity never changes the batch", s[0]));
  const json output_shape = {nullptr, static_cast<int64_t>(s[1]), static_cast<int64_t>(s[2]), static_cast<int64_t>(s[3])};
  const json attrs = {{"filters_shape", filter.shape},
                      {"output_shape", output_shape},
                      {"strides", outer_list(c.node.attr, "strides", 2)},
                      {"padding", same_or_valid(c.node.attr)},
                      {"data_format", "NHWC"},
                      {"dilations", outer_list(c.node.attr, "dilations", 2)}};
  return value(c.add1("tf.nn.conv2d_transpose", attrs, {x}, {weight("filters", filter)}));
}

// ---- nn ------------------------------------------------------------------------------------------------------

// MaxPool3D / AvgPool3D: NDHWC only (TF's CPU kernels refuse NCDHW too); ksize/strides [1, d, h, w, 1].
std::vector<Operand> pool3d(ImportCtx& c) {
  const std::string f = attr_string(c.node.attr, "data_format");
  if (!f.empty() && f != "NDHWC") throw Refusal(fmt::format("attr 'data_format' '{}' (parity's 3-D pooling is NDHWC)", f));
  const std::string op = c.node.op == "MaxPool3D" ? "tf.nn.max_pool3d" : "tf.nn.avg_pool3d";
  return value(c.add1(op, {{"ksize", outer_list(c.node.attr, "ksize", 3)}, {"strides", outer_list(c.node.attr, "strides", 3)},
                           {"padding", same_or_valid(c.node.attr)}, {"data_format", "NDHWC"}},
                      {c.tensor(0)}));
}

// Einsum(inputs..., equation): one tensor, two tensors, or a tensor and a constant (the catalog's weight `b`,
// as Keras' EinsumDense writes its kernel). The equation is a base64 string attribute; TF's Python strips
// spaces before writing it, so spaces are dropped here too.
std::vector<Operand> einsum(ImportCtx& c) {
  std::string eq = attr_string(c.node.attr, "equation");
  eq.erase(std::remove(eq.begin(), eq.end(), ' '), eq.end());
  if (eq.empty()) throw Refusal("attr 'equation' is missing or empty");
  if (c.in.size() == 1) return value(c.add1("tf.einsum", {{"equation", eq}, {"b_shape", nullptr}}, {c.tensor(0)}));
  if (c.in.size() != 2) throw Refusal(fmt::format("Einsum of {} operands (parity's tf.einsum takes one or two)", c.in.size()));
  if (c.in[0].is_const())
    throw Refusal("the first operand is a constant; parity's tf.einsum takes a constant second operand only");
  if (c.in[1].is_const())
    return value(c.add1("tf.einsum", {{"equation", eq}, {"b_shape", c.in[1].c->shape}}, {c.tensor(0)}, {weight("b", *c.in[1].c)}));
  return value(c.add1("tf.einsum", {{"equation", eq}, {"b_shape", nullptr}}, {c.tensor(0), c.tensor(1)}));
}

// ---- logic ---------------------------------------------------------------------------------------------------

// OneHot(indices, depth, on_value, off_value), attr axis (default -1). TF's shape function refuses axis < -1
// ("axis must be >= -1"), so -1 or [0, rank] is all a GraphDef can hold.
std::vector<Operand> one_hot(ImportCtx& c) {
  require_float(c);
  const int64_t axis = attr_int(c.node.attr, "axis", -1);
  if (axis < -1) throw Refusal(fmt::format("attr 'axis' {}: TF's OneHot takes -1 or [0, rank] (axis must be >= -1)", axis));
  return value(c.add1("tf.one_hot",
                      {{"depth", scalar_int(c, 1, "depth")}, {"on_value", scalar_float(c, 2, "on_value")},
                       {"off_value", scalar_float(c, 3, "off_value")}, {"axis", axis}},
                      {c.tensor(0, "indices")}));
}

// Select(condition, t, e), TF 1's select: with a condition of t's shape it is SelectV2 (tf.where); a vector
// condition picking whole rows of a higher-rank t does not broadcast that way and is refused.
std::vector<Operand> select_v1(ImportCtx& c) {
  if (c.in.size() != 3) throw Refusal(fmt::format("expects 3 inputs, has {}", c.in.size()));
  const ValueId cond = c.tensor(0, "condition"), t = c.tensor(1), e = c.tensor(2);
  const Shape &cs = c.g.values.at(static_cast<size_t>(cond)).shape, &ts = c.g.values.at(static_cast<size_t>(t)).shape;
  if (cs != ts)
    throw Refusal(fmt::format("condition {} selects rows of t {} (Select's vector form), which tf.where does not express",
                              shape_str(cs), shape_str(ts)));
  return value(c.add1("tf.where", json::object(), {cond, t, e}));
}

// TopKV2(input, k) and the older TopK (k an attribute): values and int32 indices. `sorted` false leaves the
// order unspecified in TF, which the catalog op (sorted order only) cannot state.
std::vector<Operand> top_k(ImportCtx& c) {
  if (!attr_bool(c.node.attr, "sorted", true))
    throw Refusal("attr 'sorted' false: TF leaves the order of the k values unspecified; parity's tf.math.top_k is sorted");
  const std::string it = c.node.attr.value("index_type", json::object()).value("type", std::string("DT_INT32"));
  if (it != "DT_INT32" && it != "DT_INT64")
    throw Refusal(fmt::format("attr 'index_type' {} (parity's indices are int32)", it));
  int64_t k = 0;
  if (c.node.op == "TopK") {
    if (!c.node.attr.contains("k")) throw Refusal("attr 'k' is missing");
    k = attr_int(c.node.attr, "k", 1);
  } else {
    k = scalar_int(c, 1, "k");
  }
  std::vector<Operand> out;
  for (ValueId v : c.add("tf.math.top_k", {{"k", k}}, {c.tensor(0)})) out.push_back({v, nullptr});
  return out;
}

}  // namespace

void add_tf_op_rules(std::map<std::string, Rule>& r) {
  r["BatchToSpaceND"] = {batch_space, "tf.batch_to_space"};
  r["SpaceToBatchND"] = {batch_space, "tf.space_to_batch_nd"};
  r["Roll"] = {roll, "tf.roll"};
  r["ReverseSequence"] = {reverse_sequence, "tf.reverse_sequence"};
  r["MatrixBandPart"] = {band_part, "tf.linalg.band_part"};
  r["MatrixDiagPart"] = {diag_part, "tf.linalg.diag_part"};
  r["MatrixDiagPartV2"] = {diag_part, "tf.linalg.diag_part"};
  r["MatrixDiagPartV3"] = {diag_part, "tf.linalg.diag_part"};
  r["ZerosLike"] = {zeros_ones_like, "tf.zeros_like"};
  r["OnesLike"] = {zeros_ones_like, "tf.ones_like"};
  r["Shape"] = {shape, "(pass-through)"};  // folded into its users at import: no catalog node of its own
  r["Fill"] = {fill, "tf.ones_like"};
  r["Conv2DBackpropInput"] = {conv_transpose, "tf.nn.conv2d_transpose"};
  r["MaxPool3D"] = {pool3d, "tf.nn.max_pool3d"};
  r["AvgPool3D"] = {pool3d, "tf.nn.avg_pool3d"};
  r["Einsum"] = {einsum, "tf.einsum"};
  r["OneHot"] = {one_hot, "tf.one_hot"};
  r["TopKV2"] = {top_k, "tf.math.top_k"};
  r["TopK"] = {top_k, "tf.math.top_k"};
  r["Select"] = {select_v1, "tf.where"};
  r["_ParityLogSumExp"] = {[](ImportCtx& c) {
                             return value(c.add1("tf.math.reduce_logsumexp",
                                                 {{"axis", const_to_ints(c.constant(1, "axis"))},
                                                  {"keepdims", attr_bool(c.node.attr, "keep_dims", false)}},
                                                 {c.tensor(0)}));
                           },
                           "tf.math.reduce_logsumexp"};
}

}  // namespace parity::gm_detail
