// The table of GraphDef op → catalog op rules for graph-model import (graph_model_import.h). Each rule is
// the inverse of what convert_graph.cpp (and the family lowerings) write for a catalog op, and of what
// tensorflowjs_converter keeps from a SavedModel (grappler's fused ops are decomposed into catalog ops).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "harness/core/error.h"
#include "harness/io/graph_model_import_internal.h"

namespace parity::gm_detail {

using nlohmann::json;

// ---- ImportCtx and value helpers ------------------------------------------------------------------------

ValueId ImportCtx::tensor(size_t i, const char* what) const {
  if (i >= in.size()) throw Refusal(fmt::format("expects {} {}, has {} inputs", i + 1, what, in.size()));
  if (in[i].symbolic)
    throw Refusal(fmt::format("{} {} is a shape computed from a tensor's shape (Shape); parity folds shapes only into "
                              "Reshape, Fill, Conv2DBackpropInput and StridedSlice/Pack of them", what, i));
  if (in[i].is_const())
    throw Refusal(fmt::format("{} {} is a constant; parity computes ops on tensors only (no constant folding)", what, i));
  return in[i].v;
}

const ConstTensor& ImportCtx::constant(size_t i, const char* what) const {
  if (i >= in.size()) throw Refusal(fmt::format("expects {} inputs, has {}", i + 1, in.size()));
  if (!in[i].is_const())
    throw Refusal(fmt::format("{} (input {}) is computed at run time; parity needs it constant", what, i));
  // A shape holding -1 for the batch means the batch only where -1 means "the rest": Reshape's shape (the
  // one -1 it infers is the batch), Conv2DBackpropInput's input_sizes, and the folds that carry it there.
  static const std::set<std::string> batch_aware = {"Reshape", "Fill", "Conv2DBackpropInput", "StridedSlice", "Pack"};
  if (in[i].symbolic && !batch_aware.count(node.op))
    throw Refusal(fmt::format("{} (input {}) is computed from a tensor's shape (Shape) and holds the symbolic batch; "
                              "parity folds shapes only into Reshape, Fill and Conv2DBackpropInput", what, i));
  return *in[i].c;
}

const OpSpec& ImportCtx::op(const std::string& name) const {
  const OpSpec* s = cat.find(name);
  if (!s) throw Refusal(fmt::format("parity's catalog has no op '{}' yet", name));
  return *s;
}

std::vector<ValueId> ImportCtx::add(const std::string& op_name, const json& attrs, const std::vector<ValueId>& inputs,
                                    std::vector<Weight> weights, const std::string& suffix) {
  op(op_name);
  std::string name = suffix.empty() ? node.name : node.name + "/" + suffix;
  const std::string base = name;
  for (int i = 1; names.count(name); ++i) name = fmt::format("{}_{}", base, i);
  names.insert(name);
  return g.add_node(cat, name, op_name, attrs, inputs, std::move(weights));
}

namespace {

std::vector<Operand> value(ValueId v) { return {{v, nullptr}}; }

json nested(const ConstTensor& t, size_t dim, size_t& at, bool ints) {
  if (dim == t.shape.size()) {
    const double v = t.values.at(at++);
    return ints ? json(static_cast<int64_t>(v)) : json(v);
  }
  json a = json::array();
  for (int64_t i = 0; i < t.shape[dim]; ++i) a.push_back(nested(t, dim + 1, at, ints));
  return a;
}

}  // namespace

json const_to_json(const ConstTensor& t) {
  size_t at = 0;
  return nested(t, 0, at, t.dtype == "int32");
}

json const_to_ints(const ConstTensor& t) {
  if (t.shape.empty()) return static_cast<int64_t>(t.values.at(0));
  if (t.shape.size() != 1) throw Refusal(fmt::format("expected an int vector, got a constant of rank {}", t.shape.size()));
  json a = json::array();
  for (double v : t.values) a.push_back(static_cast<int64_t>(v));
  return a;
}

Shape ints_of(const ConstTensor& t) {
  Shape s;
  for (double v : t.values) s.push_back(static_cast<int64_t>(v));
  return s;
}

bool attr_bool(const json& attr, const std::string& key, bool fallback) {
  if (!attr.is_object() || !attr.contains(key) || !attr[key].is_object()) return fallback;
  return attr[key].value("b", fallback);
}

int64_t attr_int(const json& attr, const std::string& key, int64_t fallback) {
  if (!attr.is_object() || !attr.contains(key) || !attr[key].is_object() || !attr[key].contains("i")) return fallback;
  const json& i = attr[key]["i"];
  return i.is_string() ? std::stoll(i.get<std::string>()) : i.get<int64_t>();
}

double attr_float(const json& attr, const std::string& key, double fallback) {
  if (!attr.is_object() || !attr.contains(key) || !attr[key].is_object() || !attr[key].contains("f")) return fallback;
  return attr[key]["f"].get<double>();
}

std::vector<int64_t> attr_ints(const json& attr, const std::string& key) {
  std::vector<int64_t> out;
  if (!attr.is_object() || !attr.contains(key) || !attr[key].is_object()) return out;
  const json l = attr[key].value("list", json::object());
  for (const json& i : l.value("i", json::array())) out.push_back(i.is_string() ? std::stoll(i.get<std::string>()) : i.get<int64_t>());
  return out;
}

namespace {

// ---- attribute-building helpers for specific rules ------------------------------------------------------

// Sets `key` only when the catalog op declares it (catalog attribute sets differ between ops of a family).
void set_if(const OpSpec& s, json& attrs, const std::string& key, const json& v) {
  if (s.find_attr(key)) attrs[key] = v;
}

void require_nhwc(const json& attr) {
  const std::string f = attr_string(attr, "data_format");
  if (!f.empty() && f != "NHWC") throw Refusal(fmt::format("data_format '{}' (parity's image ops are NHWC)", f));
}

Weight weight(const std::string& name, const ConstTensor& t) { return Weight{name, t.shape, t.values}; }

ValueId apply_fused_ops(ImportCtx& c, ValueId out, size_t arg);

// A catalog activation appended after a fused op (fused_ops of _FusedConv2D / _FusedMatMul).
ValueId activation(ImportCtx& c, const std::string& act, ValueId x) {
  static const std::map<std::string, std::string> ops = {{"Relu", "tf.nn.relu"}, {"Relu6", "tf.nn.relu6"},
                                                         {"Elu", "tf.nn.elu"}, {"Sigmoid", "tf.math.sigmoid"},
                                                         {"Tanh", "tf.math.tanh"}, {"LeakyRelu", "tf.nn.leaky_relu"}};
  const auto it = ops.find(act);
  if (it == ops.end()) throw Refusal(fmt::format("fused activation '{}' has no catalog op", act));
  json attrs = json::object();
  if (act == "LeakyRelu") set_if(c.op(it->second), attrs, "alpha", attr_float(c.node.attr, "leakyrelu_alpha", 0.2));
  return c.add1(it->second, attrs, {x}, {}, act);
}

// x + bias over the last axis: tf.nn.bias_add (its `bias` weight) when the catalog has it, else tf.math.add
// with a constant y.
ValueId bias_add(ImportCtx& c, ValueId x, const ConstTensor& bias, const std::string& suffix) {
  if (bias.shape.size() != 1) throw Refusal(fmt::format("bias of rank {} (expected a vector)", bias.shape.size()));
  if (const OpSpec* s = c.cat.find("tf.nn.bias_add"); s && s->weights)
    return c.add1("tf.nn.bias_add", json::object(), {x}, {weight("bias", bias)}, suffix);
  return c.add1("tf.math.add", {{"y", const_to_json(bias)}}, {x}, {}, suffix);
}

// ---- rules ----------------------------------------------------------------------------------------------

std::vector<Operand> pass_through(ImportCtx& c) { return c.in.empty() ? std::vector<Operand>{} : std::vector<Operand>{c.in[0]}; }

std::vector<Operand> concat(ImportCtx& c) {
  const bool axis_first = c.node.op == "Concat";
  if (c.in.size() < 2) throw Refusal("expects tensors and an axis");
  const ConstTensor& axis = c.constant(axis_first ? 0 : c.in.size() - 1, "axis");
  std::vector<ValueId> xs;
  for (size_t i = axis_first ? 1 : 0; i < (axis_first ? c.in.size() : c.in.size() - 1); ++i) xs.push_back(c.tensor(i));
  return value(c.add1("tf.concat", {{"axis", const_to_ints(axis)}}, xs));
}

// A shape computed from the symbolic batch ([Shape(x)[0], -1] for Keras' Flatten): the batch entry becomes
// tf.reshape's -1, and a literal -1 ("the rest") is resolved from x's per-batch size, which is static.
json symbolic_reshape(const ConstTensor& t, const Shape& in) {
  if (t.shape.size() != 1) throw Refusal("shape must be a vector");
  const auto batches = std::count(t.values.begin(), t.values.end(), kSymbolicBatch);
  if (batches > 1 || in.empty() || in[0] != kBatch) throw Refusal("a shape with the batch size twice is not representable");
  int64_t per_batch = 1, known = 1;
  for (size_t d = 1; d < in.size(); ++d) per_batch *= in[d];
  for (double v : t.values)
    if (v != kSymbolicBatch && v != -1) known *= static_cast<int64_t>(v);
  json out = json::array();
  for (double v : t.values) {
    if (v == kSymbolicBatch) out.push_back(-1);
    else if (v == -1 && batches == 1) {
      if (known <= 0 || per_batch % known) throw Refusal(fmt::format("shape entry -1 does not divide {} elements per batch", per_batch));
      out.push_back(per_batch / known);
    } else {
      out.push_back(static_cast<int64_t>(v));
    }
  }
  return out;
}

std::vector<Operand> reshape(ImportCtx& c) {
  const ValueId x = c.tensor(0);
  if (c.in.size() > 1 && c.in[1].symbolic)
    return value(c.add1("tf.reshape", {{"shape", symbolic_reshape(*c.in[1].c, c.g.values.at(static_cast<size_t>(x)).shape)}}, {x}));
  json shape = const_to_ints(c.constant(1, "shape"));
  // A model with a fixed batch (Placeholder [1, ...]) writes it into its reshapes ([1, 512, 16]); parity's
  // tf.reshape keeps dimension 0 as -1. With the input's dimension 0 that same constant and no other -1,
  // -1 there computes the same shape.
  const Shape& in = c.g.values.at(static_cast<size_t>(x)).shape;
  if (shape.is_array() && !shape.empty() && !in.empty() && in[0] != kBatch && shape[0] == in[0]) {
    bool other_unknown = false;
    for (size_t i = 1; i < shape.size(); ++i) other_unknown |= shape[i] == -1;
    if (!other_unknown) shape[0] = -1;
  }
  return value(c.add1("tf.reshape", {{"shape", shape}}, {x}));
}

std::vector<Operand> transpose(ImportCtx& c) {
  return value(c.add1("tf.transpose", {{"perm", const_to_ints(c.constant(1, "perm"))}}, {c.tensor(0)}));
}

std::vector<Operand> expand_dims(ImportCtx& c) {
  return value(c.add1("tf.expand_dims", {{"axis", const_to_ints(c.constant(1, "axis"))}}, {c.tensor(0)}));
}

std::vector<Operand> squeeze(ImportCtx& c) {
  const std::vector<int64_t> dims = attr_ints(c.node.attr, "squeeze_dims");
  if (dims.empty()) throw Refusal("Squeeze of every size-1 axis (no squeeze_dims) is not representable");
  return value(c.add1("tf.squeeze", {{"axis", dims.size() == 1 ? json(dims[0]) : json(dims)}}, {c.tensor(0)}));
}

// MatMul (transpose_a/b) and BatchMatMul[V2] (adj_x/adj_y); a constant b becomes the `b` attribute.
std::vector<Operand> matmul(ImportCtx& c) {
  const bool batch = c.node.op != "MatMul" && c.node.op != "_FusedMatMul";
  const bool ta = attr_bool(c.node.attr, batch ? "adj_x" : "transpose_a", false);
  const bool tb = attr_bool(c.node.attr, batch ? "adj_y" : "transpose_b", false);
  json attrs = {{"transpose_a", ta}, {"transpose_b", tb}};
  ValueId out;
  if (c.in.size() >= 2 && c.in[1].is_const()) {
    attrs["b"] = const_to_json(*c.in[1].c);
    out = c.add1("tf.linalg.matmul", attrs, {c.tensor(0)});
  } else {
    out = c.add1("tf.linalg.matmul", attrs, {c.tensor(0), c.tensor(1)});
  }
  if (c.node.op != "_FusedMatMul") return value(out);
  return value(apply_fused_ops(c, out, 2));
}

std::vector<Operand> clip_by_value(ImportCtx& c) {  // _ParityClipByValue(x, hi, lo)
  return value(c.add1("tf.clip_by_value",
                      {{"clip_value_min", const_to_json(c.constant(2, "clip_value_min"))},
                       {"clip_value_max", const_to_json(c.constant(1, "clip_value_max"))}},
                      {c.tensor(0)}));
}

std::vector<Operand> batch_norm(ImportCtx& c) {  // _ParityBatchNorm(x, mean, variance, offset, scale)
  return value(c.add1("tf.nn.batch_normalization", {{"variance_epsilon", attr_float(c.node.attr, "epsilon", 1e-3)}},
                      {c.tensor(0)},
                      {weight("mean", c.constant(1, "mean")), weight("variance", c.constant(2, "variance")),
                       weight("offset", c.constant(3, "offset")), weight("scale", c.constant(4, "scale"))}));
}

std::vector<Operand> gelu(ImportCtx& c) {  // _ParityGelu(x)
  return value(c.add1("tf.nn.gelu", {{"approximate", attr_bool(c.node.attr, "approximate", false)}}, {c.tensor(0)}));
}

std::vector<Operand> bias_add_rule(ImportCtx& c) {
  require_nhwc(c.node.attr);
  return value(bias_add(c, c.tensor(0), c.constant(1, "bias"), ""));
}

// The padding attribute of the tf_nn catalog ops: "SAME"/"VALID" as TF spells them, or the explicit
// [[0,0],[t,b],[l,r],[0,0]] from explicit_paddings.
json tf_padding(const json& attr) {
  const std::string p = attr_string(attr, "padding");
  if (p == "SAME" || p == "VALID") return p;
  if (p != "EXPLICIT") throw Refusal(fmt::format("padding '{}' is not representable", p));
  const std::vector<int64_t> ex = attr_ints(attr, "explicit_paddings");
  if (ex.size() != 8) throw Refusal(fmt::format("explicit_paddings {} is not of NHWC length 8", json(ex).dump()));
  json out = json::array();
  for (size_t i = 0; i < 8; i += 2) out.push_back({ex[i], ex[i + 1]});
  return out;
}

// A 4-entry NHWC list attribute as TF writes it ([1, h, w, 1]); absent: [1, 1, 1, 1].
json nhwc_list(const json& attr, const std::string& key) {
  std::vector<int64_t> v = attr_ints(attr, key);
  if (v.empty()) v = {1, 1, 1, 1};
  if (v.size() != 4 || v[0] != 1 || v[3] != 1)
    throw Refusal(fmt::format("attr '{}' {} is not of the NHWC form [1, h, w, 1]", key, json(v).dump()));
  return v;
}

// The ops grappler fuses after a convolution or matmul (fused_ops; arguments after the filter / b).
ValueId apply_fused_ops(ImportCtx& c, ValueId out, size_t arg) {
  for (const std::string& f : attr_strings(c.node.attr, "fused_ops")) {
    if (f == "BiasAdd") out = bias_add(c, out, c.constant(arg++, "bias"), "BiasAdd");
    else if (f == "FusedBatchNorm") throw Refusal("a batch normalization fused into the convolution is not representable yet");
    else if (f == "Add" || f == "AddV2") throw Refusal("a residual Add fused into the convolution is not representable yet");
    else out = activation(c, f, out);
  }
  return out;
}

// Conv2D / DepthwiseConv2dNative and their grappler-fused forms (_FusedConv2D, FusedDepthwiseConv2dNative:
// inputs x, filter, then one constant per fused op argument: the bias of BiasAdd). The filter is the catalog
// op's weight ("filters" / "filter", with its shape in filters_shape / filter_shape), as the tf_nn family
// and its lowering (graph_lower_tf_nn.cpp) hold it.
std::vector<Operand> conv(ImportCtx& c) {
  const bool depthwise = c.node.op.find("Depthwise") != std::string::npos;
  const std::string op = depthwise ? "tf.nn.depthwise_conv2d" : "tf.nn.conv2d";
  c.op(op);
  require_nhwc(c.node.attr);
  const ConstTensor& filter = c.constant(1, "filter");
  if (filter.shape.size() != 4) throw Refusal(fmt::format("filter of rank {} (expected 4)", filter.shape.size()));
  json attrs = {{"strides", nhwc_list(c.node.attr, "strides")}, {"padding", tf_padding(c.node.attr)}, {"data_format", "NHWC"}};
  const json dil = nhwc_list(c.node.attr, "dilations");
  attrs["dilations"] = depthwise ? json::array({dil[1], dil[2]}) : dil;
  attrs[depthwise ? "filter_shape" : "filters_shape"] = filter.shape;
  const ValueId out = c.add1(op, attrs, {c.tensor(0)}, {weight(depthwise ? "filter" : "filters", filter)});
  return value(apply_fused_ops(c, out, 2));
}

// FusedBatchNorm[V2|V3] at inference: tf.compat.v1.nn.fused_batch_norm (weights scale, offset, mean, variance).
// Only y, the first result, is representable; a consumer of the batch statistics is refused.
std::vector<Operand> fused_batch_norm(ImportCtx& c) {
  require_nhwc(c.node.attr);
  if (attr_bool(c.node.attr, "is_training", true)) throw Refusal("training-mode batch normalization (is_training true)");
  const double eps = attr_float(c.node.attr, "epsilon", 1e-4);
  const ConstTensor &scale = c.constant(1, "scale"), &offset = c.constant(2, "offset"), &mean = c.constant(3, "mean"),
                    &var = c.constant(4, "variance");
  const ValueId x = c.tensor(0);
  const json attrs = {{"epsilon", eps}, {"data_format", "NHWC"}, {"is_training", false},
                      {"exponential_avg_factor", attr_float(c.node.attr, "exponential_avg_factor", 1.0)}};
  return value(c.add1("tf.compat.v1.nn.fused_batch_norm", attrs, {x},
                      {weight("scale", scale), weight("offset", offset), weight("mean", mean), weight("variance", var)}));
}

std::vector<Operand> pool(ImportCtx& c) {
  const std::string op = c.node.op == "MaxPool" ? "tf.nn.max_pool2d" : "tf.nn.avg_pool2d";
  c.op(op);
  require_nhwc(c.node.attr);
  const std::string p = attr_string(c.node.attr, "padding");
  if (p != "SAME" && p != "VALID") throw Refusal(fmt::format("padding '{}' is not representable", p));
  return value(c.add1(op, {{"ksize", nhwc_list(c.node.attr, "ksize")}, {"strides", nhwc_list(c.node.attr, "strides")},
                           {"padding", p}, {"data_format", "NHWC"}},
                      {c.tensor(0)}));
}

std::vector<Operand> pad(ImportCtx& c) {
  const OpSpec& s = c.op("tf.pad");
  json attrs = {{"paddings", const_to_json(c.constant(1, "paddings"))}};
  if (c.node.op == "MirrorPad") set_if(s, attrs, "mode", attr_string(c.node.attr, "mode"));
  if (c.node.op == "PadV2") {
    const ConstTensor& v = c.constant(2, "constant_values");
    set_if(s, attrs, "constant_values", v.values.at(0));
  }
  return value(c.add1("tf.pad", attrs, {c.tensor(0)}));
}

std::vector<Operand> strided_slice(ImportCtx& c) {
  if (!c.in.empty() && c.in[0].symbolic) return fold_shape_slice(c);
  const OpSpec& s = c.op("tf.strided_slice");
  json attrs = {{"begin", const_to_ints(c.constant(1, "begin"))},
                {"end", const_to_ints(c.constant(2, "end"))},
                {"strides", const_to_ints(c.constant(3, "strides"))}};
  for (const char* m : {"begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask"})
    set_if(s, attrs, m, attr_int(c.node.attr, m, 0));
  return value(c.add1("tf.strided_slice", attrs, {c.tensor(0)}));
}

std::vector<Operand> leaky_relu(ImportCtx& c) {
  json attrs = json::object();
  set_if(c.op("tf.nn.leaky_relu"), attrs, "alpha", attr_float(c.node.attr, "alpha", 0.2));
  return value(c.add1("tf.nn.leaky_relu", attrs, {c.tensor(0)}));
}

std::vector<Operand> softmax(ImportCtx& c) {
  const std::string op = c.node.op == "Softmax" ? "tf.nn.softmax" : "tf.nn.log_softmax";
  json attrs = json::object();
  set_if(c.op(op), attrs, "axis", -1);
  return value(c.add1(op, attrs, {c.tensor(0)}));
}

std::vector<Operand> atan2(ImportCtx& c) {  // Atan2(y, x): the first operand is tf.math.atan2's y
  if (c.in.size() != 2) throw Refusal(fmt::format("expects 2 inputs, has {}", c.in.size()));
  if (c.in[0].is_const() && c.in[1].is_const()) throw Refusal("both operands are constants (parity folds no constants)");
  if (c.in[0].is_const()) return value(c.add1("tf.math.atan2", {{"y", const_to_json(*c.in[0].c)}}, {c.in[1].v}));
  if (c.in[1].is_const()) return value(c.add1("tf.math.atan2", {{"x", const_to_json(*c.in[1].c)}}, {c.in[0].v}));
  return value(c.add1("tf.math.atan2", json::object(), {c.in[0].v, c.in[1].v}));
}

std::string dtype_name(const json& attr, const std::string& key) {
  const std::string t = attr.value(key, json::object()).value("type", std::string());
  static const std::map<std::string, std::string> names = {
      {"DT_FLOAT", "float32"}, {"DT_INT32", "int32"}, {"DT_BOOL", "bool"}, {"DT_INT64", "int64"}};
  const auto it = names.find(t);
  if (it == names.end()) throw Refusal(fmt::format("dtype {} is not representable", t.empty() ? "(none)" : t));
  return it->second;
}

std::vector<Operand> cast(ImportCtx& c) {
  return value(c.add1("tf.cast", {{"dtype", dtype_name(c.node.attr, "DstT")}}, {c.tensor(0)}));
}

std::vector<Operand> arg_reduce(ImportCtx& c) {
  const std::string op = c.node.op == "ArgMax" ? "tf.math.argmax" : "tf.math.argmin";
  return value(c.add1(op, {{"axis", const_to_ints(c.constant(1, "dimension"))},
                           {"output_type", dtype_name(c.node.attr, "output_type")}},
                      {c.tensor(0)}));
}

std::vector<Operand> slice(ImportCtx& c) {
  return value(c.add1("tf.slice", {{"begin", const_to_ints(c.constant(1, "begin"))}, {"size", const_to_ints(c.constant(2, "size"))}},
                      {c.tensor(0)}));
}

std::vector<Operand> tile(ImportCtx& c) {
  return value(c.add1("tf.tile", {{"multiples", const_to_ints(c.constant(1, "multiples"))}}, {c.tensor(0)}));
}

std::vector<Operand> gather(ImportCtx& c) {
  json attrs = {{"indices", const_to_json(c.constant(1, "indices"))}, {"axis", const_to_ints(c.constant(2, "axis"))}};
  set_if(c.op("tf.gather"), attrs, "batch_dims", attr_int(c.node.attr, "batch_dims", 0));
  return value(c.add1("tf.gather", attrs, {c.tensor(0)}));
}

std::vector<Operand> pack(ImportCtx& c) {
  if (std::any_of(c.in.begin(), c.in.end(), [](const Operand& o) { return o.symbolic; })) return fold_shape_pack(c);
  std::vector<ValueId> xs;
  for (size_t i = 0; i < c.in.size(); ++i) xs.push_back(c.tensor(i));
  return value(c.add1("tf.stack", {{"axis", attr_int(c.node.attr, "axis", 0)}}, xs));
}

std::vector<Operand> unpack(ImportCtx& c) {
  json attrs = {{"axis", attr_int(c.node.attr, "axis", 0)}};
  set_if(c.op("tf.unstack"), attrs, "num", attr_int(c.node.attr, "num", 0));
  std::vector<Operand> out;
  for (ValueId v : c.add("tf.unstack", attrs, {c.tensor(0)})) out.push_back({v, nullptr});
  return out;
}

std::vector<Operand> split(ImportCtx& c) {
  std::vector<ValueId> vs;
  if (c.node.op == "Split") {  // Split(axis, value), num_split
    vs = c.add("tf.split", {{"num_or_size_splits", attr_int(c.node.attr, "num_split", 1)},
                            {"axis", const_to_ints(c.constant(0, "axis"))}},
               {c.tensor(1)});
  } else {  // SplitV(value, size_splits, axis)
    vs = c.add("tf.split", {{"num_or_size_splits", const_to_ints(c.constant(1, "size_splits"))},
                            {"axis", const_to_ints(c.constant(2, "axis"))}},
               {c.tensor(0)});
  }
  std::vector<Operand> out;
  for (ValueId v : vs) out.push_back({v, nullptr});
  return out;
}

std::vector<Operand> reverse(ImportCtx& c) {
  return value(c.add1("tf.reverse", {{"axis", const_to_ints(c.constant(1, "axis"))}}, {c.tensor(0)}));
}

std::vector<Operand> depth_space(ImportCtx& c) {
  const std::string op = c.node.op == "DepthToSpace" ? "tf.nn.depth_to_space" : "tf.nn.space_to_depth";
  require_nhwc(c.node.attr);
  json attrs = {{"block_size", attr_int(c.node.attr, "block_size", 2)}};
  set_if(c.op(op), attrs, "data_format", "NHWC");
  return value(c.add1(op, attrs, {c.tensor(0)}));
}

// ResizeBilinear / ResizeNearestNeighbor: tf.image.resize writes half_pixel_centers without align_corners
// (image_ops_impl.resize_images_v2); any other combination is the compat.v1 function's.
std::vector<Operand> resize(ImportCtx& c) {
  const bool bilinear = c.node.op == "ResizeBilinear";
  const bool align = attr_bool(c.node.attr, "align_corners", false), half = attr_bool(c.node.attr, "half_pixel_centers", false);
  const json size = const_to_ints(c.constant(1, "size"));
  if (half && !align && c.cat.find("tf.image.resize"))
    return value(c.add1("tf.image.resize", {{"size", size}, {"method", bilinear ? "bilinear" : "nearest"}}, {c.tensor(0)}));
  const std::string op = bilinear ? "tf.compat.v1.image.resize_bilinear" : "tf.compat.v1.image.resize_nearest_neighbor";
  json attrs = {{"size", size}};
  set_if(c.op(op), attrs, "align_corners", align);
  set_if(c.op(op), attrs, "half_pixel_centers", half);
  return value(c.add1(op, attrs, {c.tensor(0)}));
}

std::vector<Operand> cumulative(ImportCtx& c) {
  const std::string op = c.node.op == "Cumsum" ? "tf.math.cumsum" : "tf.math.cumprod";
  return value(c.add1(op, {{"axis", const_to_ints(c.constant(1, "axis"))},
                           {"exclusive", attr_bool(c.node.attr, "exclusive", false)},
                           {"reverse", attr_bool(c.node.attr, "reverse", false)}},
                      {c.tensor(0)}));
}

std::vector<Operand> lrn(ImportCtx& c) {
  return value(c.add1("tf.nn.local_response_normalization",
                      {{"depth_radius", attr_int(c.node.attr, "depth_radius", 5)}, {"bias", attr_float(c.node.attr, "bias", 1.0)},
                       {"alpha", attr_float(c.node.attr, "alpha", 1.0)}, {"beta", attr_float(c.node.attr, "beta", 0.5)}},
                      {c.tensor(0)}));
}

// ---- generic rules from the catalog ---------------------------------------------------------------------

const OpSpec* tf_op_spec(const Catalog& cat, const std::string& graph_op) {
  for (const OpSpec& s : cat.ops())
    if (s.family == Family::TfOp && s.tf_op == graph_op) return &s;
  return nullptr;
}

// An attribute-less op: every operand a tensor (unary math, AddN, SelectV2, logical ops, ...).
RuleFn generic_tensors(const std::string& op) {
  return [op](ImportCtx& c) {
    std::vector<ValueId> xs;
    for (size_t i = 0; i < c.in.size(); ++i) xs.push_back(c.tensor(i));
    return value(c.add1(op, json::object(), xs));
  };
}

RuleFn generic_binary(const std::string& op) {
  return [op](ImportCtx& c) {
    if (c.in.size() != 2) throw Refusal(fmt::format("expects 2 inputs, has {}", c.in.size()));
    if (c.in[0].is_const() && c.in[1].is_const()) throw Refusal("both operands are constants (parity folds no constants)");
    if (c.in[0].is_const()) return value(c.add1(op, {{"x", const_to_json(*c.in[0].c)}}, {c.in[1].v}));
    if (c.in[1].is_const()) return value(c.add1(op, {{"y", const_to_json(*c.in[1].c)}}, {c.in[0].v}));
    return value(c.add1(op, json::object(), {c.in[0].v, c.in[1].v}));
  };
}

RuleFn generic_reduction(const std::string& op) {
  return [op](ImportCtx& c) {
    return value(c.add1(op, {{"axis", const_to_ints(c.constant(1, "reduction_indices"))},
                             {"keepdims", attr_bool(c.node.attr, "keep_dims", false)}},
                        {c.tensor(0)}));
  };
}

const std::set<std::string>& control_flow_ops() {
  static const std::set<std::string> ops = {
      "Switch", "Merge", "Enter", "Exit", "NextIteration", "LoopCond", "While", "StatelessWhile", "If",
      "StatelessIf", "TensorArrayV3", "TensorArrayReadV3", "TensorArrayWriteV3", "TensorArrayGatherV3",
      "TensorArrayScatterV3", "TensorArraySizeV3", "TensorArrayConcatV3", "TensorArraySplitV3",
      "TensorArrayCloseV3", "TensorListReserve", "TensorListFromTensor", "TensorListGetItem",
      "TensorListSetItem", "TensorListStack", "TensorListLength", "TensorListPushBack", "TensorListPopBack",
      "TensorListResize", "TensorListConcatV2", "TensorListSplit", "TensorListGather", "TensorListScatter",
      "TensorListElementShape", "EmptyTensorList", "PartitionedCall", "StatefulPartitionedCall"};
  return ops;
}

const std::map<std::string, Rule>& specific_rules() {
  static const std::map<std::string, Rule> rules = [] {
    std::map<std::string, Rule> r = {
      {"Identity", {pass_through, "(pass-through)"}},
      {"StopGradient", {pass_through, "(pass-through)"}},
      {"Snapshot", {pass_through, "(pass-through)"}},
      {"PreventGradient", {pass_through, "(pass-through)"}},
      {"EnsureShape", {pass_through, "(pass-through)"}},
      {"NoOp", {[](ImportCtx&) { return std::vector<Operand>{}; }, "(pass-through)"}},
      {"IdentityN", {[](ImportCtx& c) { return c.in; }, "(pass-through)"}},
      {"ConcatV2", {concat, "tf.concat"}},
      {"Concat", {concat, "tf.concat"}},
      {"Reshape", {reshape, "tf.reshape"}},
      {"Transpose", {transpose, "tf.transpose"}},
      {"ExpandDims", {expand_dims, "tf.expand_dims"}},
      {"Squeeze", {squeeze, "tf.squeeze"}},
      {"MatMul", {matmul, "tf.linalg.matmul"}},
      {"BatchMatMul", {matmul, "tf.linalg.matmul"}},
      {"BatchMatMulV2", {matmul, "tf.linalg.matmul"}},
      {"BatchMatMulV3", {matmul, "tf.linalg.matmul"}},
      {"_FusedMatMul", {matmul, "tf.linalg.matmul"}},
      {"_ParityClipByValue", {clip_by_value, "tf.clip_by_value"}},
      {"_ParityGelu", {gelu, "tf.nn.gelu"}},
      {"_ParityBatchNorm", {batch_norm, "tf.nn.batch_normalization"}},
      {"BiasAdd", {bias_add_rule, "tf.nn.bias_add"}},
      {"Conv2D", {conv, "tf.nn.conv2d"}},
      {"_FusedConv2D", {conv, "tf.nn.conv2d"}},
      {"DepthwiseConv2dNative", {conv, "tf.nn.depthwise_conv2d"}},
      {"FusedDepthwiseConv2dNative", {conv, "tf.nn.depthwise_conv2d"}},
      {"FusedBatchNorm", {fused_batch_norm, "tf.compat.v1.nn.fused_batch_norm"}},
      {"FusedBatchNormV2", {fused_batch_norm, "tf.compat.v1.nn.fused_batch_norm"}},
      {"FusedBatchNormV3", {fused_batch_norm, "tf.compat.v1.nn.fused_batch_norm"}},
      {"MaxPool", {pool, "tf.nn.max_pool2d"}},
      {"AvgPool", {pool, "tf.nn.avg_pool2d"}},
      {"Pad", {pad, "tf.pad"}},
      {"PadV2", {pad, "tf.pad"}},
      {"MirrorPad", {pad, "tf.pad"}},
      {"StridedSlice", {strided_slice, "tf.strided_slice"}},
      {"LeakyRelu", {leaky_relu, "tf.nn.leaky_relu"}},
      {"Softmax", {softmax, "tf.nn.softmax"}},
      {"Atan2", {atan2, "tf.math.atan2"}},
      {"Slice", {slice, "tf.slice"}},
      {"ResizeBilinear", {resize, "tf.compat.v1.image.resize_bilinear"}},
      {"ResizeNearestNeighbor", {resize, "tf.compat.v1.image.resize_nearest_neighbor"}},
      {"Cumsum", {cumulative, "tf.math.cumsum"}},
      {"Cumprod", {cumulative, "tf.math.cumprod"}},
      {"LRN", {lrn, "tf.nn.local_response_normalization"}},
      {"Tile", {tile, "tf.tile"}},
      {"GatherV2", {gather, "tf.gather"}},
      {"Pack", {pack, "tf.stack"}},
      {"Unpack", {unpack, "tf.unstack"}},
      {"Split", {split, "tf.split"}},
      {"SplitV", {split, "tf.split"}},
      {"ReverseV2", {reverse, "tf.reverse"}},
      {"DepthToSpace", {depth_space, "tf.nn.depth_to_space"}},
      {"SpaceToDepth", {depth_space, "tf.nn.space_to_depth"}},
      {"Cast", {cast, "tf.cast"}},
      {"ArgMax", {arg_reduce, "tf.math.argmax"}},
      {"ArgMin", {arg_reduce, "tf.math.argmin"}},
      {"LogSoftmax", {softmax, "tf.nn.log_softmax"}},
    };
    add_tf_op_rules(r);
    return r;
  }();
  return rules;
}

// GraphDef ops that are another op's older name.
const std::map<std::string, std::string>& aliases() {
  static const std::map<std::string, std::string> a = {{"Add", "AddV2"}, {"Div", "RealDiv"}};
  return a;
}

}  // namespace

std::optional<Rule> find_rule(const std::string& graph_op, const Catalog& cat, std::string* why) {
  if (control_flow_ops().count(graph_op)) {
    if (why) *why = fmt::format("control flow ({}) cannot be represented in parity's IR", graph_op);
    return std::nullopt;
  }
  if (const auto it = specific_rules().find(graph_op); it != specific_rules().end()) {
    // A specific rule still needs its catalog op (the families grow); pass-through rules need none.
    const std::string& op = it->second.catalog_op;
    if (op.front() != '(' && !cat.find(op) && graph_op != "BiasAdd") {
      if (why) *why = fmt::format("parity's catalog has no op '{}' yet", op);
      return std::nullopt;
    }
    return Rule{it->second.fn, op};
  }
  std::string op = graph_op;
  if (const auto a = aliases().find(graph_op); a != aliases().end()) op = a->second;
  if (const OpSpec* s = tf_op_spec(cat, op)) {
    if (s->attrs.empty()) return Rule{generic_tensors(s->name), s->name};
    if (s->find_attr("x") && s->find_attr("y")) return Rule{generic_binary(s->name), s->name};
    if (s->find_attr("axis") && s->find_attr("keepdims") && s->attrs.size() == 2)
      return Rule{generic_reduction(s->name), s->name};
    if (why) *why = fmt::format("catalog op '{}' has attributes the import has no rule for", s->name);
    return std::nullopt;
  }
  if (why) *why = fmt::format("parity has no catalog op for the TF op '{}'", graph_op);
  return std::nullopt;
}

}  // namespace parity::gm_detail
