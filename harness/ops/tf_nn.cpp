// TF nn ops: convolutions, pooling, resize, normalization, softmax, cumulative sums and products, einsum: catalog entries.
// TF 2 semantics (nn_ops.py, image_ops_impl.py, math_ops.py and the C++ kernels named per op). Constant
// filters, biases and statistics are node weights named like the TF argument ("filters", "bias", "mean"),
// so a graph model's Const inputs map onto them; their shapes are attributes (`filters_shape`, ...), since
// TF takes them from the tensor. Everything touching the batch dimension is refused with the reason.
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>

#include "harness/catalog/attrs.h"
#include "harness/catalog/catalog.h"
#include "harness/ops/gen_choice.h"
#include "harness/ops/tf_nn_attrs.h"
#include "harness/ops/tf_nn_einsum.h"

namespace parity {

namespace {

OpSpec tf_nn_op(const std::string& fn, const std::string& graph_op, std::vector<std::string> aliases = {}) {
  OpSpec s;
  s.name = "tf." + fn;
  s.family = Family::TfOp;
  s.keras_class = "TFOpLambda";
  s.tf_function = fn;
  s.tf_function_aliases = std::move(aliases);
  s.tf_op = graph_op;
  return s;
}

AttrSpec any_attr(const std::string& name, json def, std::vector<json> gen, const std::string& doc) {
  return {.name = name, .kind = AttrKind::Any, .default_value = std::move(def), .gen = std::move(gen), .doc = doc};
}
AttrSpec shape_attr(const std::string& name, int length, const std::string& doc) {
  return {.name = name, .kind = AttrKind::IntList, .default_value = nullptr, .length = length, .doc = doc};
}
AttrSpec format_attr(const std::string& last, const std::string& first, json def) {
  return {.name = "data_format", .kind = AttrKind::Any, .default_value = std::move(def), .gen = {last},
          .doc = "'" + last + "' (channels last) only: TF's CPU kernels refuse '" + first + "'"};
}
// data_format that may be null (None = channels last).
void require_last(const NodeView& n, int nsp) {
  const json& f = n.attrs.at("data_format");
  if (f.is_null()) return;
  if (!f.is_string()) fail_field(n, "data_format", "expected a string or null, got " + f.dump());
  tf_require_channels_last(n, nsp);
}

std::vector<int64_t> ints_of(const NodeView& n, const std::string& f) { return attr_ints(n, f); }

void require_rank(const NodeView& n, size_t rank) {
  if (n.input_shapes.at(0).size() != rank)
    fail_node(n, fmt::format("expects an input of rank {}, got {}", rank, shape_str(n.input_shapes.at(0))));
}

// TF refuses strides > 1 together with dilations > 1 (nn_ops.convolution: "if any value of dilation_rate
// is > 1, then all values of strides must be 1").
void no_strided_dilation(const NodeView& n, const std::vector<int64_t>& s, const std::vector<int64_t>& d,
                         const std::string& dil_field) {
  const bool strided = *std::max_element(s.begin(), s.end()) > 1, dilated = *std::max_element(d.begin(), d.end()) > 1;
  if (strided && dilated)
    fail_field(n, dil_field, "TF does not support dilations > 1 together with strides > 1");
}

int64_t prod(const std::vector<int64_t>& v, size_t from = 0, size_t to = SIZE_MAX) {
  int64_t p = 1;
  const size_t end = std::min(to, v.size());
  for (auto it = v.begin() + static_cast<std::ptrdiff_t>(std::min(from, end)); it != v.begin() + static_cast<std::ptrdiff_t>(end); ++it) p *= *it;
  return p;
}

// ---- convolutions ----------------------------------------------------------------------------------------

const std::vector<json> kPadGen2 = {"VALID", "SAME", json::parse("[[0,0],[1,0],[0,2],[0,0]]"),
                                    json::parse("[[0,0],[1,1],[1,1],[0,0]]")};

// tf.nn.conv2d / tf.nn.convolution / tf.nn.conv1d share this: nsp spatial dims, filters [k..., cin, cout].
struct ConvInfo {
  std::vector<TfWindowDim> w;
  int64_t cin = 0, cout = 0;
  Shape out;
};

ConvInfo conv_info(const NodeView& n, int nsp, const std::string& stride_field) {
  require_rank(n, static_cast<size_t>(nsp) + 2);
  const Shape& in = n.input_shapes.at(0);
  const std::vector<int64_t> fs = ints_of(n, "filters_shape");
  if (static_cast<int>(fs.size()) != nsp + 2)
    fail_field(n, "filters_shape", fmt::format("expected {} ints, got {}", nsp + 2, json(fs).dump()));
  for (int64_t v : fs)
    if (v < 1) fail_field(n, "filters_shape", "values must be >= 1, got " + json(fs).dump());
  ConvInfo c;
  c.cin = fs[static_cast<size_t>(nsp)];
  c.cout = fs.back();
  if (c.cin != in.back())
    fail_field(n, "filters_shape", fmt::format("filters hold {} input channels, the input has {} (grouped convolution "
                                               "is not supported by TF's CPU kernel)", c.cin, in.back()));
  const auto s = tf_spatial_ints(n, stride_field, nsp), d = tf_spatial_ints(n, "dilations", nsp);
  no_strided_dilation(n, s, d, "dilations");
  c.w = tf_window(n, tf_spatial_of(in), {fs.begin(), fs.begin() + nsp}, s, d, nsp == 2);
  c.out = {in[0]};
  for (const auto& x : c.w) c.out.push_back(x.out);
  c.out.push_back(c.cout);
  return c;
}

// Draws filters_shape for the input's channels (kernel sides 1-3, 1-4 output channels).
json conv_filters_gen(const Shape& in, uint64_t choice, int nsp) {
  genattr::Choice c(choice);
  if (static_cast<int>(in.size()) != nsp + 2) return json::object();
  std::vector<int64_t> fs;
  for (int i = 0; i < nsp; ++i) fs.push_back(1 + c.below(3));
  fs.push_back(in.back());
  fs.push_back(1 + c.below(4));
  return fs;
}

void add_conv(Catalog& cat, const std::string& fn, int nsp, bool any_rank) {
  OpSpec s = tf_nn_op(fn, "Conv2D");
  const std::string stride_field = nsp == 1 && !any_rank ? "stride" : "strides";
  const bool conv1d = nsp == 1 && !any_rank;
  s.min_rank = any_rank ? 3 : nsp + 2;
  s.max_rank = any_rank ? 4 : nsp + 2;
  s.attrs = {shape_attr("filters_shape", any_rank ? 0 : nsp + 2,
                        "shape of the constant `filters` weight: [k..., in_channels, out_channels]"),
             any_attr(stride_field, any_rank ? json(1) : json(nullptr),
                      nsp == 1 && !any_rank ? std::vector<json>{1, 2, json{2}} : std::vector<json>{1, 2, json{1, 2}},
                      "an int or a list of 1, N or N+2 ints (batch/channel entries 1)"),
             any_attr("padding", any_rank ? json("VALID") : json(nullptr),
                      nsp == 2 && !any_rank ? kPadGen2 : std::vector<json>{"VALID", "SAME"},
                      conv1d || any_rank ? "\"VALID\" or \"SAME\" (the odd 'same' cell goes after)"
                                         : "\"VALID\", \"SAME\" (odd cell after) or explicit [[0,0],[t,b],[l,r],[0,0]]"),
             format_attr(nsp == 1 ? "NWC" : "NHWC", nsp == 1 ? "NCW" : "NCHW",
                         any_rank ? json(nullptr) : json(nsp == 1 ? "NWC" : "NHWC")),
             any_attr("dilations", 1, nsp == 1 && !any_rank ? std::vector<json>{1, 2, json{2}} : std::vector<json>{1, 2, json{2, 1}},
                      "tap spacing; an int or a list of 1, N or N+2 ints")};
  if (any_rank) s.attrs[3].gen = {nullptr};  // None: channels last for either rank
  auto nsp_of = [any_rank, nsp](const NodeView& n) {
    return any_rank ? static_cast<int>(n.input_shapes.at(0).size()) - 2 : nsp;
  };
  s.infer = [nsp_of, stride_field](const NodeView& n) {
    const int k = nsp_of(n);
    require_last(n, k);
    return std::vector<Shape>{conv_info(n, k, stride_field).out};
  };
  s.weights = [](const NodeView& n) { return std::vector<WeightSpec>{{"filters", ints_of(n, "filters_shape")}}; };
  s.tolerance.rule = ErrorRule::Linear;
  s.tolerance.accumulation = [](const NodeView& n) {
    const auto fs = ints_of(n, "filters_shape");
    return prod(fs, 0, fs.size() - 1);
  };
  s.gen_attrs = [nsp, any_rank](const std::vector<Shape>& in, uint64_t choice) {
    const int k = any_rank ? static_cast<int>(in.at(0).size()) - 2 : nsp;
    const json fs = conv_filters_gen(in.at(0), choice, k);
    return fs.is_array() ? json{{"filters_shape", fs}} : json::object();
  };
  s.doc = conv1d ? "tf.nn.conv1d: ExpandDims + Conv2D over a unit height + Squeeze (nn_ops.conv1d); filters [kw, cin, cout]"
          : any_rank ? "tf.nn.convolution: conv1d for rank 3, conv2d for rank 4 input; filters [k..., cin, cout]"
                     : "2-D cross-correlation (Conv2D); 'SAME' puts the odd pad cell after; explicit paddings per side";
  cat.add(std::move(s));
}

// tf.nn.depthwise_conv2d / separable_conv2d: strides are a list of 4 ([1, sh, sw, 1]); dilations a list of 2.
std::vector<int64_t> strides4(const NodeView& n) {
  const json& v = n.attrs.at("strides");
  if (!v.is_array() || v.size() != 4)
    fail_field(n, "strides", "expected a list of 4 ints [1, stride_h, stride_w, 1], got " + v.dump());
  return tf_spatial_ints(n, "strides", 2);
}

struct DepthwiseInfo {
  std::vector<TfWindowDim> w;
  int64_t cin = 0, dm = 0;
  Shape out;
};

DepthwiseInfo depthwise_info(const NodeView& n, const std::string& shape_field, bool allow_explicit) {
  require_rank(n, 4);
  require_last(n, 2);
  const Shape& in = n.input_shapes.at(0);
  const auto fs = ints_of(n, shape_field);
  for (int64_t v : fs)
    if (v < 1) fail_field(n, shape_field, "values must be >= 1, got " + json(fs).dump());
  if (fs[2] != in.back())
    fail_field(n, shape_field, fmt::format("the filter holds {} input channels, the input has {}", fs[2], in.back()));
  const auto s = strides4(n), d = tf_spatial_ints(n, "dilations", 2);
  no_strided_dilation(n, s, d, "dilations");
  DepthwiseInfo r;
  r.cin = fs[2];
  r.dm = fs[3];
  r.w = tf_window(n, tf_spatial_of(in), {fs[0], fs[1]}, s, d, allow_explicit);
  r.out = {in[0], r.w[0].out, r.w[1].out, r.cin * r.dm};
  return r;
}

json depthwise_gen(const Shape& in, uint64_t choice) {
  genattr::Choice c(choice);
  if (in.size() != 4) return json::object();
  return json::array({1 + c.below(3), 1 + c.below(3), in.back(), 1 + c.below(2)});
}

const std::vector<json> kStrides4Gen = {json{1, 1, 1, 1}, json{1, 2, 2, 1}, json{1, 1, 2, 1}};

void add_depthwise(Catalog& cat) {
  OpSpec s = tf_nn_op("nn.depthwise_conv2d", "DepthwiseConv2dNative");
  s.min_rank = s.max_rank = 4;
  s.attrs = {shape_attr("filter_shape", 4, "shape of the constant `filter` weight: [kh, kw, in_channels, multiplier]"),
             any_attr("strides", nullptr, kStrides4Gen, "[1, stride_h, stride_w, 1]"),
             any_attr("padding", nullptr, kPadGen2, "\"VALID\", \"SAME\" or explicit [[0,0],[t,b],[l,r],[0,0]]"),
             format_attr("NHWC", "NCHW", nullptr),
             any_attr("dilations", 1, {1, json{2, 2}, json{1, 2}}, "[rate_h, rate_w] (None = 1)")};
  s.infer = [](const NodeView& n) { return std::vector<Shape>{depthwise_info(n, "filter_shape", true).out}; };
  s.weights = [](const NodeView& n) { return std::vector<WeightSpec>{{"filter", ints_of(n, "filter_shape")}}; };
  s.tolerance.rule = ErrorRule::Linear;
  s.tolerance.accumulation = [](const NodeView& n) { return prod(ints_of(n, "filter_shape"), 0, 2); };
  s.gen_attrs = [](const std::vector<Shape>& in, uint64_t choice) {
    const json fs = depthwise_gen(in.at(0), choice);
    return fs.is_array() ? json{{"filter_shape", fs}} : json::object();
  };
  s.doc = "output channel c*multiplier+m = window of channel c times filter[.., c, m] (DepthwiseConv2dNative)";
  cat.add(std::move(s));
}

void add_separable(Catalog& cat) {
  OpSpec s = tf_nn_op("nn.separable_conv2d", "DepthwiseConv2dNative");  // then a 1x1 Conv2D
  s.min_rank = s.max_rank = 4;
  s.attrs = {shape_attr("depthwise_filter_shape", 4, "shape of `depthwise_filter`: [kh, kw, in_channels, multiplier]"),
             shape_attr("pointwise_filter_shape", 4, "shape of `pointwise_filter`: [1, 1, in_channels*multiplier, out]"),
             any_attr("strides", nullptr, kStrides4Gen, "[1, stride_h, stride_w, 1] of the depthwise stage"),
             any_attr("padding", nullptr, {"VALID", "SAME"}, "\"VALID\" or \"SAME\""),
             format_attr("NHWC", "NCHW", nullptr),
             any_attr("dilations", 1, {1, json{2, 2}}, "[rate_h, rate_w] of the depthwise stage (None = 1)")};
  auto info = [](const NodeView& n) {
    DepthwiseInfo d = depthwise_info(n, "depthwise_filter_shape", false);
    const auto pw = ints_of(n, "pointwise_filter_shape");
    if (pw[0] != 1 || pw[1] != 1 || pw[2] != d.cin * d.dm || pw[3] < 1)
      fail_field(n, "pointwise_filter_shape", fmt::format("expected [1, 1, {}, out >= 1], got {}", d.cin * d.dm, json(pw).dump()));
    d.out.back() = pw[3];
    return d;
  };
  s.infer = [info](const NodeView& n) { return std::vector<Shape>{info(n).out}; };
  s.weights = [](const NodeView& n) {
    return std::vector<WeightSpec>{{"depthwise_filter", ints_of(n, "depthwise_filter_shape")},
                                   {"pointwise_filter", ints_of(n, "pointwise_filter_shape")}};
  };
  // As Keras' SeparableConv2D: kh*kw*cin*dm triple products, each through kh*kw + cin*dm + 1 roundings.
  s.tolerance.rule = ErrorRule::Linear;
  s.tolerance.accumulation = [](const NodeView& n) {
    const auto d = ints_of(n, "depthwise_filter_shape");
    const int64_t win = d[0] * d[1], pw = d[2] * d[3];
    return std::max(win * pw, win + pw + 1);
  };
  s.gen_attrs = [](const std::vector<Shape>& in, uint64_t choice) {
    const json fs = depthwise_gen(in.at(0), choice);
    if (!fs.is_array()) return json::object();
    const int64_t mid = fs[2].get<int64_t>() * fs[3].get<int64_t>();
    return json{{"depthwise_filter_shape", fs},
                {"pointwise_filter_shape", {1, 1, mid, 1 + static_cast<int64_t>(choice % 3)}}};
  };
  s.doc = "depthwise_conv2d (strides, dilations, padding) then a 1x1 VALID conv2d with pointwise_filter (nn_impl.py)";
  cat.add(std::move(s));
}

void add_conv_transpose(Catalog& cat) {
  OpSpec s = tf_nn_op("nn.conv2d_transpose", "Conv2DBackpropInput");
  s.min_rank = s.max_rank = 4;
  s.attrs = {shape_attr("filters_shape", 4, "shape of the constant `filters` weight: [kh, kw, out_channels, in_channels]"),
             {.name = "output_shape", .kind = AttrKind::Shape, .default_value = nullptr, .length = 4,
              .doc = "[null, height, width, out_channels]: the batch entry is null (taken from the input; parity "
                     "never changes the batch)"},
             any_attr("strides", nullptr, {1, 2, json{1, 2}}, "an int or a list of 1, 2 or 4 ints"),
             any_attr("padding", "SAME", {"VALID", "SAME"}, "\"VALID\" or \"SAME\" of the forward conv"),
             format_attr("NHWC", "NCHW", "NHWC"),
             any_attr("dilations", 1, {1}, "1 only: TF's CPU Conv2DBackpropInput does not support dilations > 1")};
  s.infer = [](const NodeView& n) {
    require_rank(n, 4);
    tf_require_channels_last(n, 2);
    const Shape& in = n.input_shapes.at(0);
    const auto fs = ints_of(n, "filters_shape");
    const auto os = ints_of(n, "output_shape");
    for (int64_t v : fs)
      if (v < 1) fail_field(n, "filters_shape", "values must be >= 1, got " + json(fs).dump());
    if (os[0] != kBatch)
      fail_field(n, "output_shape", "the batch entry must be null: parity takes the batch from the input, got " +
                                        n.attrs.at("output_shape").dump());
    if (os[1] < 1 || os[2] < 1 || os[3] != fs[2])
      fail_field(n, "output_shape", fmt::format("expected [null, h >= 1, w >= 1, {}] (filters_shape[2]), got {}", fs[2],
                                                n.attrs.at("output_shape").dump()));
    if (fs[3] != in.back())
      fail_field(n, "filters_shape", fmt::format("filters_shape[3] must be the input's {} channels, got {}", in.back(), fs[3]));
    const auto st = tf_spatial_ints(n, "strides", 2), d = tf_spatial_ints(n, "dilations", 2);
    if (d[0] != 1 || d[1] != 1)
      fail_field(n, "dilations", "TF's CPU Conv2DBackpropInput does not support dilations > 1");
    // conv_grad_shape_utils.cc: the forward conv of output_shape must give the input's spatial size back.
    json a = n.attrs;
    const Shape fwd_in = {in[0], os[1], os[2], os[3]};
    const std::vector<Shape> fwd_shapes{fwd_in};
    const NodeView v{n.name, n.op, a, fwd_shapes};
    const auto w = tf_window(v, {os[1], os[2]}, {fs[0], fs[1]}, st, d, false);
    for (int i = 0; i < 2; ++i)
      if (w[i].out != in[static_cast<size_t>(i) + 1])
        fail_field(n, "output_shape", fmt::format("a forward conv of output size {} gives {}, not the input's {}",
                                                  os[static_cast<size_t>(i) + 1], w[i].out, in[static_cast<size_t>(i) + 1]));
    return std::vector<Shape>{{in[0], os[1], os[2], os[3]}};
  };
  s.weights = [](const NodeView& n) { return std::vector<WeightSpec>{{"filters", ints_of(n, "filters_shape")}}; };
  s.tolerance.rule = ErrorRule::Linear;  // at most ceil(k/s) taps per dim, each over every input channel
  s.tolerance.accumulation = [](const NodeView& n) {
    const auto fs = ints_of(n, "filters_shape");
    const auto st = tf_spatial_ints(n, "strides", 2);
    return fs[3] * ((fs[0] + st[0] - 1) / st[0]) * ((fs[1] + st[1] - 1) / st[1]);
  };
  s.gen_attrs = [](const std::vector<Shape>& in, uint64_t choice) {
    genattr::Choice c(choice);
    const Shape& x = in.at(0);
    if (x.size() != 4) return json::object();
    const int64_t kh = 1 + c.below(3), kw = 1 + c.below(3), sh = 1 + c.below(2), sw = 1 + c.below(2), oc = 1 + c.below(3);
    const bool same = c.coin();
    // 'SAME': out = in * s; 'VALID': out = (in - 1) * s + k; both invert the forward window rule.
    const int64_t oh = same ? x[1] * sh : (x[1] - 1) * sh + kh, ow = same ? x[2] * sw : (x[2] - 1) * sw + kw;
    return json{{"filters_shape", {kh, kw, oc, x[3]}},
                {"output_shape", {nullptr, oh, ow, oc}},
                {"strides", {sh, sw}},
                {"padding", same ? "SAME" : "VALID"}};
  };
  s.doc = "the adjoint of conv2d (Conv2DBackpropInput): the forward conv's pad before, from the output size";
  cat.add(std::move(s));
}

void add_bias_add(Catalog& cat) {
  OpSpec s = tf_nn_op("nn.bias_add", "BiasAdd");
  s.min_rank = 2;
  s.attrs = {format_attr("N...C", "NC...", nullptr)};
  s.attrs[0].gen = {nullptr};
  s.infer = [](const NodeView& n) {
    const json& f = n.attrs.at("data_format");
    if (!f.is_null() && !(f.is_string() && (f == "NHWC" || f == "NWC" || f == "NDHWC" || f == "N...C")))
      fail_field(n, "data_format", "only channels-last formats (null, 'N...C', 'NHWC') are supported, got " + f.dump());
    return std::vector<Shape>{n.input_shapes.at(0)};
  };
  s.weights = [](const NodeView& n) { return std::vector<WeightSpec>{{"bias", {n.input_shapes.at(0).back()}}}; };
  s.tolerance.rule = ErrorRule::Linear;  // x + bias: one rounded addition
  s.doc = "value + bias along the last axis (BiasAdd, channels last)";
  cat.add(std::move(s));
}

// ---- pooling -------------------------------------------------------------------------------------------------

void add_pool(Catalog& cat, const std::string& fn, const std::string& graph_op, int nsp, bool is_max) {
  OpSpec s = tf_nn_op(fn, graph_op);
  s.min_rank = s.max_rank = nsp + 2;
  const char* last = nsp == 1 ? "NWC" : nsp == 2 ? "NHWC" : "NDHWC";
  const char* first = nsp == 1 ? "NCW" : nsp == 2 ? "NCHW" : "NCDHW";
  std::vector<json> kgen = {1, 2, 3}, sgen = {1, 2, 3};
  if (nsp >= 2) kgen.push_back(nsp == 2 ? json{2, 3} : json{1, 2, 2}), sgen.push_back(nsp == 2 ? json{1, 2} : json{2, 1, 1});
  s.attrs = {any_attr("ksize", nullptr, kgen, "window: an int or a list of 1, N or N+2 ints"),
             any_attr("strides", nullptr, sgen, "step: an int or a list of 1, N or N+2 ints"),
             any_attr("padding", nullptr, {"VALID", "SAME"}, "\"VALID\" or \"SAME\" (odd cell after)"),
             format_attr(last, first, last)};
  auto window = [nsp](const NodeView& n) {
    require_rank(n, static_cast<size_t>(nsp) + 2);
    tf_require_channels_last(n, nsp);
    const auto k = tf_spatial_ints(n, "ksize", nsp), st = tf_spatial_ints(n, "strides", nsp);
    return tf_window(n, tf_spatial_of(n.input_shapes.at(0)), k, st, std::vector<int64_t>(static_cast<size_t>(nsp), 1), false);
  };
  s.infer = [window](const NodeView& n) {
    Shape out = n.input_shapes.at(0);
    const auto w = window(n);
    for (size_t i = 0; i < w.size(); ++i) out[i + 1] = w[i].out;
    return std::vector<Shape>{out};
  };
  s.tolerance.rule = ErrorRule::Monotone;
  if (is_max) {
    s.tolerance.ulps = 0;
    s.doc = "max over each window; padded cells never win";
  } else {
    s.tolerance.ulps = 1;
    s.tolerance.accumulation = [nsp](const NodeView& n) { return prod(tf_spatial_ints(n, "ksize", nsp)); };
    s.doc = "mean over each window, dividing by the in-bounds cells only (TF AvgPool excludes padding)";
  }
  if (nsp != 2) s.doc += nsp == 1 ? " (ExpandDims + 2-D pool + Squeeze)" : " (3-D)";
  cat.add(std::move(s));
}

// ---- resize ----------------------------------------------------------------------------------------------------

json size_gen(const std::vector<Shape>& in, uint64_t choice) {
  genattr::Choice c(choice);
  if (in.at(0).size() != 4) return json::object();
  const std::vector<int64_t> opts = {1, 2, 3, 5, 7};
  return json{{"size", {c.pick(opts), c.pick(opts)}}};
}

// Bilinear: 4 weighted terms, plus the source coordinates' float32 rounding (TF computes them in float32,
// an implementation may use doubles): a coordinate of magnitude up to `in` is off by in * u, which moves the
// output by that times |x1 - x0| <= 2 max|x|; K = 4 + 2 (in_h + in_w) scales Monotone's (K+1) u f(|x|) term.
int64_t bilinear_terms(const NodeView& n) {
  const Shape& in = n.input_shapes.at(0);
  return 4 + 2 * (in.at(1) + in.at(2));
}

void add_resize(Catalog& cat) {
  OpSpec s = tf_nn_op("image.resize", "ResizeBilinear");
  s.min_rank = s.max_rank = 4;
  s.attrs = {shape_attr("size", 2, "[new_height, new_width]"),
             {.name = "method", .kind = AttrKind::String, .default_value = "bilinear", .choices = {"bilinear", "nearest"},
              .gen = {"bilinear", "nearest"},
              .doc = "bilinear: ResizeBilinear, nearest: ResizeNearestNeighbor, both half_pixel_centers=True"},
             // Any, not Bool: only false is supported, so probes must not enumerate true.
             any_attr("preserve_aspect_ratio", false, {false}, "false only"),
             any_attr("antialias", false, {false}, "false only (true is ScaleAndTranslate, which TF.js does not map)")};
  s.infer = [](const NodeView& n) {
    if (attr_bool(n, "preserve_aspect_ratio")) fail_field(n, "preserve_aspect_ratio", "true is not supported");
    if (attr_bool(n, "antialias"))
      fail_field(n, "antialias", "true is not supported (TF runs ScaleAndTranslate, which TF.js does not map)");
    const auto sz = ints_of(n, "size");
    if (sz[0] < 1 || sz[1] < 1) fail_field(n, "size", "must be >= 1, got " + json(sz).dump());
    const Shape& in = n.input_shapes.at(0);
    return std::vector<Shape>{{in[0], sz[0], sz[1], in[3]}};
  };
  s.gen_attrs = size_gen;
  s.tolerance.rule = ErrorRule::Monotone;  // a convex combination of at most 4 inputs with float32 weights
  s.tolerance.ulps = 4;
  s.tolerance.accumulation = [](const NodeView& n) -> int64_t {
    return attr_str(n, "method") == "bilinear" ? bilinear_terms(n) : 1;  // nearest selects exactly
  };
  s.doc = "TF 2 tf.image.resize: half-pixel centers; bilinear lerps x then y (compute_lerp), nearest picks "
          "floor((dst + 0.5) * in / out) in float32 (resize_nearest_neighbor_op.cc)";
  cat.add(std::move(s));
}

void add_resize_v1(Catalog& cat, const std::string& fn, const std::string& graph_op, bool bilinear) {
  OpSpec s = tf_nn_op(fn, graph_op);
  s.min_rank = s.max_rank = 4;
  s.attrs = {shape_attr("size", 2, "[new_height, new_width]"),
             {.name = "align_corners", .kind = AttrKind::Bool, .default_value = false, .gen = {false, true},
              .doc = "scale (in - 1) / (out - 1) so corner pixels align"},
             {.name = "half_pixel_centers", .kind = AttrKind::Bool, .default_value = false, .gen = {false, true},
              .doc = "sample at pixel centers; TF refuses it together with align_corners"}};
  s.infer = [](const NodeView& n) {
    if (attr_bool(n, "align_corners") && attr_bool(n, "half_pixel_centers"))
      fail_field(n, "half_pixel_centers", "TF refuses half_pixel_centers together with align_corners");
    const auto sz = ints_of(n, "size");
    if (sz[0] < 1 || sz[1] < 1) fail_field(n, "size", "must be >= 1, got " + json(sz).dump());
    const Shape& in = n.input_shapes.at(0);
    return std::vector<Shape>{{in[0], sz[0], sz[1], in[3]}};
  };
  s.gen_attrs = size_gen;
  s.tolerance.rule = ErrorRule::Monotone;
  s.tolerance.ulps = bilinear ? 4 : 0;
  if (bilinear) s.tolerance.accumulation = bilinear_terms;
  s.doc = bilinear ? "ResizeBilinear: src = dst * scale (legacy) or (dst + 0.5) * scale - 0.5 (half pixel), scale "
                     "(in-1)/(out-1) with align_corners; float32 geometry as TF"
                   : "ResizeNearestNeighbor: floor(dst * scale) (legacy), floor((dst + 0.5) * scale) (half pixel), "
                     "round(dst * scale) with align_corners; clamped to in - 1";
  cat.add(std::move(s));
}

// ---- normalization ---------------------------------------------------------------------------------------------

int64_t axis_of(const NodeView& n, const std::string& field = "axis") {
  const int64_t rank = static_cast<int64_t>(n.input_shapes.at(0).size());
  int64_t a = attr_int(n, field);
  if (a < -rank || a >= rank) fail_field(n, field, fmt::format("{} is out of range for rank {}", a, rank));
  if (a < 0) a += rank;
  if (a == 0) fail_field(n, field, "must not be the batch axis 0 (parity never normalizes or accumulates across the batch)");
  return a;
}

void add_softmax(Catalog& cat, const std::string& fn, const std::string& graph_op, bool log) {
  OpSpec s = tf_nn_op(fn, graph_op, {log ? "math.log_softmax" : "math.softmax"});
  s.min_rank = 2;
  s.attrs = {{.name = "axis", .kind = AttrKind::Int, .default_value = -1, .gen = {-1, 1, -2, 2},
              .doc = "the normalized axis (None = -1); not the batch"}};
  s.infer = [](const NodeView& n) {
    axis_of(n);
    return std::vector<Shape>{n.input_shapes.at(0)};
  };
  s.tolerance.rule = ErrorRule::Softmax;
  s.tolerance.ulps = 4;
  s.tolerance.accumulation = [](const NodeView& n) { return n.input_shapes.at(0).at(static_cast<size_t>(axis_of(n))); };
  s.doc = log ? "(x - max) - log(sum(exp(x - max))) over axis; another axis than the last is swapped to the end "
                "(nn_ops._wrap_2d_function)"
              : "exp(x - max) / sum(exp(x - max)) over axis; another axis than the last is swapped to the end";
  cat.add(std::move(s));
}

void add_lrn(Catalog& cat) {
  OpSpec s = tf_nn_op("nn.local_response_normalization", "LRN", {"nn.lrn"});
  s.min_rank = s.max_rank = 4;
  s.attrs = {{.name = "depth_radius", .kind = AttrKind::Int, .default_value = 5, .gen = {0, 1, 2, 5},
              .doc = "half-width of the channel window"},
             {.name = "bias", .kind = AttrKind::Float, .default_value = 1.0, .gen = {1.0, 2.0, 0.5}, .doc = "offset"},
             {.name = "alpha", .kind = AttrKind::Float, .default_value = 1.0, .gen = {1.0, 0.5, 1e-4}, .doc = "scale"},
             {.name = "beta", .kind = AttrKind::Float, .default_value = 0.5, .gen = {0.5, 0.75, 1.0}, .doc = "exponent"}};
  s.infer = [](const NodeView& n) {
    if (attr_int(n, "depth_radius") < 0) fail_field(n, "depth_radius", "must be >= 0");
    if (attr_float(n, "bias") <= 0) fail_field(n, "bias", "must be > 0 (parity keeps the base positive)");
    if (attr_float(n, "alpha") < 0) fail_field(n, "alpha", "must be >= 0");
    return std::vector<Shape>{n.input_shapes.at(0)};
  };
  // No rule fits exactly (an output falls as its neighbours grow). Monotone is the closest: it perturbs the
  // inputs together and, with K = the 2r+1 summed squares, adds their (K+1) u |y| rounding; the ulps cover
  // the power and the multiplication. An analytic rule would make this a proven bound (reported).
  s.tolerance.rule = ErrorRule::Monotone;
  s.tolerance.ulps = 8;
  s.tolerance.accumulation = [](const NodeView& n) {
    return std::min<int64_t>(2 * attr_int(n, "depth_radius") + 1, n.input_shapes.at(0).back());
  };
  s.doc = "x / (bias + alpha * sum of x^2 over channels [c - r, c + r]) ^ beta (lrn_op.cc)";
  cat.add(std::move(s));
}

std::vector<int64_t> l2_axes(const NodeView& n) {
  const json& a = n.attrs.at("axis");
  const int64_t rank = static_cast<int64_t>(n.input_shapes.at(0).size());
  if (a.is_null())
    fail_field(n, "axis", "null normalizes over every axis, the batch included: give the axes explicitly");
  std::vector<int64_t> ax;
  if (a.is_number_integer()) ax.push_back(a.get<int64_t>());
  else if (a.is_array() && !a.empty() && std::all_of(a.begin(), a.end(), [](const json& e) { return e.is_number_integer(); }))
    ax = a.get<std::vector<int64_t>>();
  else fail_field(n, "axis", "expected an int or a non-empty list of ints, got " + a.dump());
  for (int64_t& x : ax) {
    if (x < -rank || x >= rank) fail_field(n, "axis", fmt::format("{} is out of range for rank {}", a.dump(), rank));
    if (x < 0) x += rank;
    if (x == 0) fail_field(n, "axis", "must not include the batch axis 0, got " + a.dump());
  }
  std::sort(ax.begin(), ax.end());
  if (std::adjacent_find(ax.begin(), ax.end()) != ax.end()) fail_field(n, "axis", "duplicate axis in " + a.dump());
  return ax;
}

void add_l2_normalize(Catalog& cat) {
  OpSpec s = tf_nn_op("math.l2_normalize", "", {"linalg.l2_normalize", "nn.l2_normalize"});
  s.min_rank = 2;
  s.attrs = {any_attr("axis", nullptr, {-1, 1, json{1, 2}, -2}, "int or list of ints; null (all axes) is refused"),
             {.name = "epsilon", .kind = AttrKind::Float, .default_value = 1e-12, .gen = {1e-12, 1e-3, 0.5},
              .doc = "lower bound of the squared sum (a float32 constant)"}};
  s.infer = [](const NodeView& n) {
    l2_axes(n);
    return std::vector<Shape>{n.input_shapes.at(0)};
  };
  // Not monotone (a group's squared sum): its own analytic rule (budget.cpp, l2_normalize_budget).
  s.tolerance.rule = ErrorRule::L2Normalize;
  s.tolerance.ulps = 4;
  s.tolerance.accumulation = [](const NodeView& n) {
    int64_t k = 1;
    for (int64_t a : l2_axes(n)) k *= n.input_shapes.at(0).at(static_cast<size_t>(a));
    return k;
  };
  s.doc = "x * rsqrt(max(sum(x^2, axis), epsilon)) (nn_impl.l2_normalize: Square, Sum, Maximum, Rsqrt, Mul)";
  cat.add(std::move(s));
}

void add_batch_normalization(Catalog& cat) {
  OpSpec s = tf_nn_op("nn.batch_normalization", "");
  s.min_rank = 2;
  s.attrs = {{.name = "variance_epsilon", .kind = AttrKind::Float, .default_value = nullptr, .gen = {1e-3, 1e-5, 0.1},
              .doc = "added to the variance (a float32 constant)"}};
  s.infer = [](const NodeView& n) {
    if (attr_float(n, "variance_epsilon") < 0) fail_field(n, "variance_epsilon", "must be >= 0");
    return std::vector<Shape>{n.input_shapes.at(0)};
  };
  s.weights = [](const NodeView& n) {
    const Shape p{n.input_shapes.at(0).back()};
    return std::vector<WeightSpec>{{"mean", p, {-1, 1}}, {"variance", p, {0.1, 2}}, {"offset", p, {-1, 1}}, {"scale", p, {0.5, 1.5}}};
  };
  s.tolerance.rule = ErrorRule::Linear;  // affine in x
  s.tolerance.ulps = 4;
  s.tolerance.accumulation = [](const NodeView&) -> int64_t { return 3; };
  s.doc = "inv = rsqrt(variance + eps) * scale; x * inv + (offset - mean * inv) (nn_impl.batch_normalization); "
          "the statistics are per last-axis channel (a None offset/scale equals zeros/ones exactly)";
  cat.add(std::move(s));
}

void add_fused_batch_norm(Catalog& cat) {
  OpSpec s = tf_nn_op("compat.v1.nn.fused_batch_norm", "FusedBatchNormV3");
  s.min_rank = s.max_rank = 4;
  s.attrs = {{.name = "epsilon", .kind = AttrKind::Float, .default_value = 0.001, .gen = {0.001, 1e-6, 0.1},
              .doc = "raised to at least 1.001e-5 by the Python wrapper"},
             format_attr("NHWC", "NCHW", "NHWC"),
             any_attr("is_training", true, {false}, "must be false: training uses statistics across the batch"),
             {.name = "exponential_avg_factor", .kind = AttrKind::Float, .default_value = 1.0, .gen = {1.0},
              .doc = "training only"}};
  s.infer = [](const NodeView& n) {
    tf_require_channels_last(n, 2);
    if (attr_bool(n, "is_training"))
      fail_field(n, "is_training", "true computes the statistics across the batch; parity supports inference (false) only");
    return std::vector<Shape>{n.input_shapes.at(0)};
  };
  s.weights = [](const NodeView& n) {
    const Shape p{n.input_shapes.at(0).back()};
    return std::vector<WeightSpec>{{"scale", p, {0.5, 1.5}}, {"offset", p, {-1, 1}}, {"mean", p, {-1, 1}}, {"variance", p, {0.1, 2}}};
  };
  s.tolerance.rule = ErrorRule::Linear;
  s.tolerance.ulps = 4;
  s.tolerance.accumulation = [](const NodeView&) -> int64_t { return 3; };
  s.doc = "inference: (x - mean) * (rsqrt(variance + epsilon) * scale) + offset (fused_batch_norm_op.cc); only y, "
          "the first of the three results, is the op's output";
  cat.add(std::move(s));
}

// ---- cumulative ----------------------------------------------------------------------------------------------

void add_cumulative(Catalog& cat, const std::string& fn, const std::string& graph_op, bool product) {
  OpSpec s = tf_nn_op(fn, graph_op, product ? std::vector<std::string>{} : std::vector<std::string>{"cumsum"});
  s.min_rank = 2;
  // gen has no negative axis: TF.js 4.22's Cumsum/Cumprod mishandle one (a tensor of shape [null, ...] on
  // cpu, a wasm memory fault that kills the worker process), which would stop every random graph holding it;
  // the refusal is a finding, and the reference tests cover negative axes.
  s.attrs = {{.name = "axis", .kind = AttrKind::Int, .default_value = 0, .gen = {1, 2},
              .doc = "the scanned axis; TF's default 0 is the batch, which parity refuses"},
             {.name = "exclusive", .kind = AttrKind::Bool, .default_value = false, .gen = {false, true},
              .doc = "each output leaves its own element out (the first is 0, or 1 for a product)"},
             {.name = "reverse", .kind = AttrKind::Bool, .default_value = false, .gen = {false, true},
              .doc = "scan from the end of the axis"}};
  s.infer = [](const NodeView& n) {
    axis_of(n);
    return std::vector<Shape>{n.input_shapes.at(0)};
  };
  s.tolerance.rule = product ? ErrorRule::Linear : ErrorRule::Monotone;  // a product is multilinear; a sum monotone
  s.tolerance.ulps = 0;
  s.tolerance.accumulation = [](const NodeView& n) { return n.input_shapes.at(0).at(static_cast<size_t>(axis_of(n))); };
  s.doc = product ? "running product along axis (Cumprod); exclusive starts at 1, reverse scans from the end"
                  : "running sum along axis (Cumsum); exclusive starts at 0, reverse scans from the end";
  cat.add(std::move(s));
}

// ---- einsum ----------------------------------------------------------------------------------------------------

Einsum einsum_of(const NodeView& n) {
  Einsum e = parse_einsum(n, {}, false);
  std::vector<Shape> shapes = n.input_shapes;
  const size_t ins = n.input_shapes.size();
  if (e.operands.size() == 2 && ins == 1) {
    if (attr_is_null(n, "b_shape"))
      fail_field(n, "b_shape", "the equation names two operands and the node has one input: give the constant's shape");
    shapes.push_back(attr_ints(n, "b_shape"));
    if (e.operands[1].find(e.operands[0][0]) != std::string::npos)
      fail_field(n, "equation", "the constant operand must not use the batch letter");
  } else if (e.operands.size() == 2 && ins == 2) {
    if (!attr_is_null(n, "b_shape")) fail_field(n, "b_shape", "must be null when both operands are inputs");
    if (e.operands[1][0] != e.operands[0][0])
      fail_field(n, "equation", "a second tensor operand must start with the batch letter (each batch entry with its own)");
  } else if (e.operands.size() != ins) {
    fail_field(n, "equation", fmt::format("names {} operand(s), the node has {} input(s)", e.operands.size(), ins));
  }
  return parse_einsum(n, shapes, true);
}

void add_einsum(Catalog& cat) {
  OpSpec s = tf_nn_op("einsum", "Einsum", {"linalg.einsum"});
  s.min_inputs = 1;
  s.max_inputs = 2;
  s.min_rank = 2;
  s.max_rank = 4;
  s.attrs = {{.name = "equation", .kind = AttrKind::String, .default_value = nullptr,
              .doc = "one or two operands, explicit '->', letters only; the batch letter leads the output"},
             {.name = "b_shape", .kind = AttrKind::Any, .default_value = nullptr,
              .doc = "shape of the constant second operand (weight `b`); null when it is an input"}};
  s.infer = [](const NodeView& n) {
    const Einsum e = einsum_of(n);
    Shape out;
    for (char ch : e.output) out.push_back(e.size.at(ch));
    return std::vector<Shape>{out};
  };
  s.weights = [](const NodeView& n) {
    std::vector<WeightSpec> w;
    if (n.input_shapes.size() == 1 && !attr_is_null(n, "b_shape")) w.push_back({"b", attr_ints(n, "b_shape")});
    return w;
  };
  s.tolerance.rule = ErrorRule::Linear;
  s.tolerance.accumulation = [](const NodeView& n) { return einsum_of(n).contracted; };
  // Equations for the drawn input shapes: a constant right operand contracting the last axis, a transpose,
  // a reduction, or (two inputs) a batch-shared contraction.
  s.gen_attrs = [](const std::vector<Shape>& in, uint64_t choice) {
    genattr::Choice c(choice);
    const Shape& a = in.at(0);
    if (a.size() < 2 || a.size() > 4) return json::object();
    const std::string L = std::string("bijk").substr(0, a.size());
    const char last = L.back();
    if (in.size() == 2) {
      const Shape& b = in.at(1);
      if (b == a && c.coin()) return json{{"equation", L + "," + L + "->" + L}, {"b_shape", nullptr}};
      if (a.size() == 3 && b.size() == 3) {
        if (a[2] == b[2]) return json{{"equation", "bij,bkj->bik"}, {"b_shape", nullptr}};
        if (a[2] == b[1]) return json{{"equation", "bij,bjk->bik"}, {"b_shape", nullptr}};
      }
      if (b == a) return json{{"equation", L + "," + L + "->" + L}, {"b_shape", nullptr}};
      return json::object();
    }
    switch (c.below(4)) {
      case 0: return json{{"equation", L + "," + last + "z->" + L.substr(0, L.size() - 1) + "z"},
                          {"b_shape", {a.back(), 1 + c.below(4)}}};
      case 1: return json{{"equation", L + ",z" + last + "->" + L.substr(0, L.size() - 1) + "z"},
                          {"b_shape", {1 + c.below(4), a.back()}}};
      case 2: {
        std::string o = L;
        if (o.size() >= 3) std::swap(o[1], o[2]);
        return json{{"equation", L + "->" + o}, {"b_shape", nullptr}};
      }
      default: return json{{"equation", L + "->" + L.substr(0, L.size() - 1)}, {"b_shape", nullptr}};
    }
  };
  s.doc = "tf.einsum (Einsum) on one or two operands: products over every letter, summed over the letters not in "
          "the output";
  cat.add(std::move(s));
}

}  // namespace

void register_tf_nn_ops(Catalog& c) {
  add_conv(c, "nn.conv2d", 2, false);
  add_conv(c, "nn.conv1d", 1, false);
  add_conv(c, "nn.convolution", 2, true);
  add_depthwise(c);
  add_separable(c);
  add_conv_transpose(c);
  add_bias_add(c);
  add_pool(c, "nn.max_pool2d", "MaxPool", 2, true);
  add_pool(c, "nn.avg_pool2d", "AvgPool", 2, false);
  add_pool(c, "nn.max_pool1d", "MaxPool", 1, true);
  add_pool(c, "nn.avg_pool1d", "AvgPool", 1, false);
  add_pool(c, "nn.max_pool3d", "MaxPool3D", 3, true);
  add_pool(c, "nn.avg_pool3d", "AvgPool3D", 3, false);
  add_resize(c);
  add_resize_v1(c, "compat.v1.image.resize_bilinear", "ResizeBilinear", true);
  add_resize_v1(c, "compat.v1.image.resize_nearest_neighbor", "ResizeNearestNeighbor", false);
  add_softmax(c, "nn.softmax", "Softmax", false);
  add_softmax(c, "nn.log_softmax", "LogSoftmax", true);
  add_lrn(c);
  add_l2_normalize(c);
  add_batch_normalization(c);
  add_fused_batch_norm(c);
  add_cumulative(c, "math.cumsum", "Cumsum", false);
  add_cumulative(c, "math.cumprod", "Cumprod", true);
  add_einsum(c);
}

}  // namespace parity
