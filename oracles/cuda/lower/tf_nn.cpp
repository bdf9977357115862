// TF nn ops: convolutions, pooling, resize, normalization, softmax, cumulative sums and products, einsum: CUDA lowerings.
// Reference: oracles/ref/kernels/tf_nn.cpp. Convolutions are im2col + GEMM per group (as the Keras layers'
// lowering), the rest per-element kernels of elem/tf_nn.h and the shared group kernels.
#include "harness/ops/conv_geom.h"
#include "harness/ops/tf_nn_attrs.h"
#include "harness/ops/tf_nn_einsum.h"
#include "oracles/cuda/lower/lowering.h"

namespace parity::cuda {
namespace {

// A grouped channels-last convolution into y [B*OH*OW, cout]: im2col, then one batched GEMM over the groups.
void conv_gemm(Backend& be, const float* x, const Image& xi, const Image& yi, const ConvGeom& g, const float* w,
               float* y) {
  const int64_t cin_g = xi.c / g.groups, cout = yi.c, cout_g = cout / g.groups, K = g.k[0] * g.k[1] * cin_g;
  const int64_t R = xi.b * yi.h * yi.w;
  float* cols = be.alloc(g.groups * R * K);
  be.run(Im2colKernel{xi, yi.h, yi.w, g, x, cols}, g.groups * R * K);
  gemm_row_major(be, false, false, R, cout_g, K, cols, K, w, cout, y, cout, g.groups, R * K, cout_g, cout_g);
}

void tf_conv(const LowerArgs& a) {
  const Shape& xs = a.in().shape;
  const int nsp = static_cast<int>(xs.size()) - 2;
  const auto fs = attr_ints(a.node, "filters_shape");
  const std::string sf = a.node.attrs.contains("stride") ? "stride" : "strides";
  const auto w = tf_window(a.node, tf_spatial_of(xs), {fs.begin(), fs.begin() + nsp}, tf_spatial_ints(a.node, sf, nsp),
                           tf_spatial_ints(a.node, "dilations", nsp));
  check_out_shape(a, window_out_shape(xs, w, fs.back()));
  conv_gemm(a.be, a.in().p, conv_image_of(xs, false), conv_image_of(a.out().shape, false), conv_geom_of(w), a.weight(0).p,
            a.out().p);
}

void depthwise(const LowerArgs& a, const std::string& shape_field, const Image& yi, float* y) {
  const Shape& xs = a.in().shape;
  const auto fs = attr_ints(a.node, shape_field);
  const auto w = tf_window(a.node, tf_spatial_of(xs), {fs[0], fs[1]}, tf_spatial_ints(a.node, "strides", 2),
                           tf_spatial_ints(a.node, "dilations", 2));
  if (w[0].out != yi.h || w[1].out != yi.w) fail_node(a.node, "lowering geometry disagrees with shape inference");
  ConvGeom g = conv_geom_of(w);
  g.groups = fs[2];
  conv_gemm(a.be, a.in().p, conv_image_of(xs, false), yi, g, a.weight(0).p, y);
}

void depthwise_conv2d(const LowerArgs& a) {
  depthwise(a, "filter_shape", conv_image_of(a.out().shape, false), a.out().p);
}

void separable_conv2d(const LowerArgs& a) {
  const auto fs = attr_ints(a.node, "depthwise_filter_shape");
  const Image yi = conv_image_of(a.out().shape, false);
  const Image mid{yi.b, yi.h, yi.w, fs[2] * fs[3], false};
  float* tmp = a.be.alloc(mid.count());
  depthwise(a, "depthwise_filter_shape", mid, tmp);
  const int64_t R = yi.b * yi.h * yi.w;
  gemm_row_major(a.be, false, false, R, yi.c, mid.c, tmp, mid.c, a.weight(1).p, yi.c, a.out().p, yi.c);
}

void conv2d_transpose(const LowerArgs& a) {
  const Shape& xs = a.in().shape;
  const auto fs = attr_ints(a.node, "filters_shape");
  const auto os = attr_ints(a.node, "output_shape");
  const auto w = tf_window(a.node, {os[1], os[2]}, {fs[0], fs[1]}, tf_spatial_ints(a.node, "strides", 2), {1, 1}, false);
  check_out_shape(a, {xs[0], os[1], os[2], os[3]});
  ConvTransposeKernel k;
  k.in = conv_image_of(xs, false);
  k.out = conv_image_of(a.out().shape, false);
  k.g = conv_geom_of(w);
  k.x = a.in().p;
  k.w = a.weight(0).p;
  k.y = a.out().p;
  a.be.run(k, k.out.count());
}

void bias_add(const LowerArgs& a) {
  check_out_shape(a, a.in().shape);
  binary(a.be, BinaryOp::Add, a.in().p, a.in().shape, a.weight(0).p, a.weight(0).shape, a.out().p, a.out().shape);
}

void pool(const LowerArgs& a, bool is_max) {
  const Shape& xs = a.in().shape;
  const int nsp = static_cast<int>(xs.size()) - 2;
  const auto w = tf_window(a.node, tf_spatial_of(xs), tf_spatial_ints(a.node, "ksize", nsp),
                           tf_spatial_ints(a.node, "strides", nsp), std::vector<int64_t>(static_cast<size_t>(nsp), 1), false);
  check_out_shape(a, window_out_shape(xs, w, xs.back()));
  TfPoolKernel k;
  k.nsp = nsp;
  k.C = xs.back();
  const auto st = strides_of(xs);
  k.xstride[0] = st[0];
  for (int i = 0; i < nsp; ++i) {
    k.in[i] = w[i].in, k.out[i] = w[i].out, k.k[i] = w[i].k, k.s[i] = w[i].s, k.pad[i] = w[i].pad_before;
    k.xstride[i + 1] = st[static_cast<size_t>(i) + 1];
  }
  k.is_max = is_max;
  k.x = a.in().p;
  k.y = a.out().p;
  a.be.run(k, a.out().size());
}
void max_pool(const LowerArgs& a) { pool(a, true); }
void avg_pool(const LowerArgs& a) { pool(a, false); }

void resize(const LowerArgs& a, ResizeMode m) {
  const Shape& xs = a.in().shape;
  const auto sz = attr_ints(a.node, "size");
  check_out_shape(a, {xs[0], sz[0], sz[1], xs[3]});
  ResizeKernel k{m, conv_image_of(xs, false), conv_image_of(a.out().shape, false), a.in().p, a.out().p};
  a.be.run(k, a.out().size());
}
void image_resize(const LowerArgs& a) { resize(a, resize_mode_v2(attr_str(a.node, "method"))); }
void resize_bilinear(const LowerArgs& a) {
  resize(a, resize_mode_v1(true, attr_bool(a.node, "align_corners"), attr_bool(a.node, "half_pixel_centers")));
}
void resize_nearest(const LowerArgs& a) {
  resize(a, resize_mode_v1(false, attr_bool(a.node, "align_corners"), attr_bool(a.node, "half_pixel_centers")));
}

void group(const LowerArgs& a, GroupOp op, const std::vector<int64_t>& axes, float eps = 0) {
  check_out_shape(a, a.in().shape);
  std::vector<bool> grouped(a.in().shape.size(), false);
  for (int64_t ax : axes) grouped.at(static_cast<size_t>(ax < 0 ? ax + a.in().rank() : ax)) = true;
  GroupKernel k;
  k.op = op;
  k.g = make_groups(a.in().shape, grouped);
  k.eps = eps;
  k.x = a.in().p;
  k.y = a.out().p;
  a.be.run(k, k.g.outer.count());
}
void softmax(const LowerArgs& a) { group(a, GroupOp::Softmax, {attr_int(a.node, "axis")}); }
void log_softmax(const LowerArgs& a) { group(a, GroupOp::LogSoftmax, {attr_int(a.node, "axis")}); }
void l2_normalize(const LowerArgs& a) {
  const json& ax = a.node.attrs.at("axis");
  group(a, GroupOp::L2Normalize, ax.is_array() ? ax.get<std::vector<int64_t>>() : std::vector<int64_t>{ax.get<int64_t>()},
        f32_attr(a.node, "epsilon"));
}

void lrn(const LowerArgs& a) {
  check_out_shape(a, a.in().shape);
  LrnKernel k;
  k.C = a.in().shape.back();
  k.r = attr_int(a.node, "depth_radius");
  k.bias = f32_attr(a.node, "bias"), k.alpha = f32_attr(a.node, "alpha"), k.beta = f32_attr(a.node, "beta");
  k.x = a.in().p;
  k.y = a.out().p;
  a.be.run(k, a.in().size());
}

void batch_norm(const LowerArgs& a, bool fused) {
  check_out_shape(a, a.in().shape);
  TfBatchNormKernel k;
  k.fused = fused;
  k.C = a.in().shape.back();
  if (fused) {
    k.eps = static_cast<float>(std::max(attr_float(a.node, "epsilon"), 1.001e-5));
    k.scale = a.weight(0).p, k.offset = a.weight(1).p, k.mean = a.weight(2).p, k.var = a.weight(3).p;
  } else {
    k.eps = f32_attr(a.node, "variance_epsilon");
    k.mean = a.weight(0).p, k.var = a.weight(1).p, k.offset = a.weight(2).p, k.scale = a.weight(3).p;
  }
  k.x = a.in().p;
  k.y = a.out().p;
  a.be.run(k, a.in().size());
}
void batch_normalization(const LowerArgs& a) { batch_norm(a, false); }
void fused_batch_norm(const LowerArgs& a) { batch_norm(a, true); }

void cumulative(const LowerArgs& a, bool product) {
  const Shape& xs = a.in().shape;
  check_out_shape(a, xs);
  int64_t axis = attr_int(a.node, "axis");
  if (axis < 0) axis += a.in().rank();
  CumulativeKernel k;
  k.product = product;
  k.exclusive = attr_bool(a.node, "exclusive");
  k.reverse = attr_bool(a.node, "reverse");
  k.n = xs[static_cast<size_t>(axis)];
  k.inner = strides_of(xs)[static_cast<size_t>(axis)];
  k.x = a.in().p;
  k.y = a.out().p;
  a.be.run(k, a.in().size() / k.n);
}
void cumsum(const LowerArgs& a) { cumulative(a, false); }
void cumprod(const LowerArgs& a) { cumulative(a, true); }

void einsum(const LowerArgs& a) {
  std::vector<Shape> shapes;
  std::vector<const float*> data;
  for (const DevTensor* t : a.inputs) shapes.push_back(t->shape), data.push_back(t->p);
  if (a.inputs.size() == 1 && !a.weights.empty()) shapes.push_back(a.weight(0).shape), data.push_back(a.weight(0).p);
  const Einsum e = parse_einsum(a.node, shapes, true);
  Shape out;
  for (char ch : e.output) out.push_back(e.size.at(ch));
  check_out_shape(a, out);
  if (e.letters.size() > static_cast<size_t>(kMaxRank)) fail_node(a.node, "einsum with more than 8 letters");
  EinsumKernel k;
  k.nletters = static_cast<int>(e.letters.size());
  k.nout = static_cast<int>(e.output.size());
  k.noperands = static_cast<int>(e.operands.size());
  for (size_t i = 0; i < e.letters.size(); ++i) k.size[i] = e.size.at(e.letters[i]);
  for (size_t o = 0; o < e.operands.size(); ++o) {
    const auto st = strides_of(shapes[o]);
    for (size_t p = 0; p < e.operands[o].size(); ++p) k.stride[o][e.letters.find(e.operands[o][p])] = st[p];
    k.op[o] = data[o];
  }
  k.contracted = e.contracted;
  k.y = a.out().p;
  a.be.run(k, e.out_count);
}

}  // namespace

void register_tf_nn_lowerings(LowerTable& t) {
  t["tf.nn.conv2d"] = tf_conv;
  t["tf.nn.conv1d"] = tf_conv;
  t["tf.nn.convolution"] = tf_conv;
  t["tf.nn.depthwise_conv2d"] = depthwise_conv2d;
  t["tf.nn.separable_conv2d"] = separable_conv2d;
  t["tf.nn.conv2d_transpose"] = conv2d_transpose;
  t["tf.nn.bias_add"] = bias_add;
  t["tf.nn.max_pool2d"] = max_pool;
  t["tf.nn.avg_pool2d"] = avg_pool;
  t["tf.nn.max_pool1d"] = max_pool;
  t["tf.nn.avg_pool1d"] = avg_pool;
  t["tf.nn.max_pool3d"] = max_pool;
  t["tf.nn.avg_pool3d"] = avg_pool;
  t["tf.image.resize"] = image_resize;
  t["tf.compat.v1.image.resize_bilinear"] = resize_bilinear;
  t["tf.compat.v1.image.resize_nearest_neighbor"] = resize_nearest;
  t["tf.nn.softmax"] = softmax;
  t["tf.nn.log_softmax"] = log_softmax;
  t["tf.nn.local_response_normalization"] = lrn;
  t["tf.math.l2_normalize"] = l2_normalize;
  t["tf.nn.batch_normalization"] = batch_normalization;
  t["tf.compat.v1.nn.fused_batch_norm"] = fused_batch_norm;
  t["tf.math.cumsum"] = cumsum;
  t["tf.math.cumprod"] = cumprod;
  t["tf.einsum"] = einsum;
}

}  // namespace parity::cuda
