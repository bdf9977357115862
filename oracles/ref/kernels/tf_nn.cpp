// TF nn ops: convolutions, pooling, resize, normalization, softmax, cumulative sums and products, einsum: reference kernels.
// Each derives its own geometry (tf_nn_attrs.h, TF's window rule) and checks it against shape inference.
#include <algorithm>
#include <cmath>
#include <limits>

#include "harness/ops/tf_nn_attrs.h"
#include "harness/ops/tf_nn_einsum.h"
#include "oracles/ref/activation.h"
#include "oracles/ref/axis_groups.h"
#include "oracles/ref/conv_loops.h"
#include "oracles/ref/kernel.h"
#include "oracles/ref/tf_nn_resize.h"

namespace parity {
namespace {

template <class T>
void tf_conv(const KernelArgs<T>& a) {
  const Shape& xs = a.in().shape;
  const int nsp = static_cast<int>(xs.size()) - 2;
  const auto fs = attr_ints(a.node, "filters_shape");
  const std::string sf = a.node.attrs.contains("stride") ? "stride" : "strides";
  const auto w = tf_window(a.node, tf_spatial_of(xs), {fs.begin(), fs.begin() + nsp}, tf_spatial_ints(a.node, sf, nsp),
                           tf_spatial_ints(a.node, "dilations", nsp));
  check_shape(a, window_out_shape(xs, w, fs.back()));
  conv_forward(a.in().data, conv_image_of(xs, false), a.weight(0).data, a.out().data,
               conv_image_of(a.out().shape, false), conv_geom_of(w));
}

// A depthwise conv is a grouped conv with one group per input channel ([kh,kw,cin,dm] = [kh,kw,1,cin*dm]).
template <class T>
void depthwise(const KernelArgs<T>& a, const std::string& shape_field, const std::vector<T>& filter,
               std::vector<T>& y, const Image& yi) {
  const Shape& xs = a.in().shape;
  const auto fs = attr_ints(a.node, shape_field);
  const auto w = tf_window(a.node, tf_spatial_of(xs), {fs[0], fs[1]}, tf_spatial_ints(a.node, "strides", 2),
                           tf_spatial_ints(a.node, "dilations", 2));
  if (w[0].out != yi.h || w[1].out != yi.w) fail_node(a.node, "kernel geometry disagrees with shape inference");
  ConvGeom g = conv_geom_of(w);
  g.groups = fs[2];
  conv_forward(a.in().data, conv_image_of(xs, false), filter, y, yi, g);
}

template <class T>
void depthwise_conv2d(const KernelArgs<T>& a) {
  const auto fs = attr_ints(a.node, "filter_shape");
  const Image yi = conv_image_of(a.out().shape, false);
  if (yi.c != fs[2] * fs[3]) fail_node(a.node, "output channels disagree with filter_shape");
  depthwise(a, "filter_shape", a.weight(0).data, a.out().data, yi);
}

// Depthwise into a channels_last buffer, then the 1x1 pointwise conv (nn_impl.separable_conv2d).
template <class T>
void separable_conv2d(const KernelArgs<T>& a) {
  const auto fs = attr_ints(a.node, "depthwise_filter_shape");
  const Image yi = conv_image_of(a.out().shape, false);
  const Image mid{yi.b, yi.h, yi.w, fs[2] * fs[3], false};
  std::vector<T> tmp(static_cast<size_t>(mid.count()));
  depthwise(a, "depthwise_filter_shape", a.weight(0).data, tmp, mid);
  conv_forward(tmp, mid, a.weight(1).data, a.out().data, yi, ConvGeom{});
}

template <class T>
void conv2d_transpose(const KernelArgs<T>& a) {
  const Shape& xs = a.in().shape;
  const auto fs = attr_ints(a.node, "filters_shape");
  const auto os = attr_ints(a.node, "output_shape");
  // The forward conv's geometry over the output size gives the pad before (conv_grad_shape_utils.cc).
  const auto w = tf_window(a.node, {os[1], os[2]}, {fs[0], fs[1]}, tf_spatial_ints(a.node, "strides", 2), {1, 1}, false);
  if (w[0].out != xs[1] || w[1].out != xs[2]) fail_node(a.node, "forward conv of output_shape does not give the input size");
  check_shape(a, {xs[0], os[1], os[2], os[3]});
  conv_transpose(a.in().data, conv_image_of(xs, false), a.weight(0).data, a.out().data,
                 conv_image_of(a.out().shape, false), conv_geom_of(w));
}

template <class T>
void bias_add(const KernelArgs<T>& a) {
  const Tensor<T>& x = a.in();
  check_shape(a, x.shape);
  const int64_t c = x.shape.back();
  for (int64_t i = 0; i < x.size(); ++i) a.out()[i] = x[i] + a.weight(0)[i % c];
}

// N-d pooling, channels last. Only in-bounds cells take part: max never sees padding, the average divides
// by the number of in-bounds cells (TF AvgPool / AvgPool3D exclude padding from the divisor).
template <class T>
void pool(const KernelArgs<T>& a, bool is_max) {
  const Tensor<T>& x = a.in();
  const int nsp = static_cast<int>(x.rank()) - 2;
  const auto w = tf_window(a.node, tf_spatial_of(x.shape), tf_spatial_ints(a.node, "ksize", nsp),
                           tf_spatial_ints(a.node, "strides", nsp), std::vector<int64_t>(static_cast<size_t>(nsp), 1), false);
  check_shape(a, window_out_shape(x.shape, w, x.shape.back()));
  const Tensor<T>& in = x;
  Tensor<T>& y = a.out();
  const int64_t C = x.shape.back();
  const std::vector<int64_t> xst = strides_of(x.shape), yst = strides_of(y.shape);
  int64_t win = 1;
  for (const auto& d : w) win *= d.k;
  for (int64_t o = 0; o < y.size() / C; ++o) {
    int64_t oc[3] = {0, 0, 0}, rest = o;
    for (int i = nsp - 1; i >= 0; --i) oc[i] = rest % w[i].out, rest /= w[i].out;
    const int64_t b = rest;
    for (int64_t ch = 0; ch < C; ++ch) {
      T acc = is_max ? -std::numeric_limits<T>::infinity() : T(0);
      int64_t count = 0;
      for (int64_t t = 0; t < win; ++t) {
        int64_t off = b * xst[0] + ch, tr = t;
        bool inside = true;
        for (int i = nsp - 1; i >= 0; --i) {
          const int64_t k = tr % w[i].k;
          tr /= w[i].k;
          const int64_t ix = oc[i] * w[i].s - w[i].pad_before + k;
          if (ix < 0 || ix >= w[i].in) inside = false;
          off += ix * xst[static_cast<size_t>(i) + 1];
        }
        if (!inside) continue;
        acc = is_max ? scalar::max_nan(acc, in[off]) : acc + in[off];
        ++count;
      }
      y[o * C + ch] = is_max ? acc : acc / T(count);
    }
  }
}
template <class T> void max_pool(const KernelArgs<T>& a) { pool(a, true); }
template <class T> void avg_pool(const KernelArgs<T>& a) { pool(a, false); }

template <class T>
void resize(const KernelArgs<T>& a, ResizeMode m) {
  const Tensor<T>& x = a.in();
  const auto sz = attr_ints(a.node, "size");
  check_shape(a, {x.shape[0], sz[0], sz[1], x.shape[3]});
  const Image in = conv_image_of(x.shape, false), out = conv_image_of(a.out().shape, false);
  for (int64_t e = 0; e < out.count(); ++e) a.out()[e] = resize_at(m, in, out, x.data.data(), e);
}
template <class T> void image_resize(const KernelArgs<T>& a) { resize(a, resize_mode_v2(attr_str(a.node, "method"))); }
template <class T> void resize_bilinear(const KernelArgs<T>& a) {
  resize(a, resize_mode_v1(true, attr_bool(a.node, "align_corners"), attr_bool(a.node, "half_pixel_centers")));
}
template <class T> void resize_nearest(const KernelArgs<T>& a) {
  resize(a, resize_mode_v1(false, attr_bool(a.node, "align_corners"), attr_bool(a.node, "half_pixel_centers")));
}

int64_t norm_axis(const NodeView& n, int64_t rank) {
  const int64_t ax = attr_int(n, "axis");
  return ax < 0 ? ax + rank : ax;
}

template <class T>
void softmax(const KernelArgs<T>& a, SoftmaxForm form) {
  check_shape(a, a.in().shape);
  a.out().data = a.in().data;
  softmax_axes(a.out(), {norm_axis(a.node, a.in().rank())}, form);
}
template <class T> void tf_softmax(const KernelArgs<T>& a) { softmax(a, SoftmaxForm::Softmax); }
template <class T> void tf_log_softmax(const KernelArgs<T>& a) { softmax(a, SoftmaxForm::LogSoftmax); }

// lrn_op.cc: sqr_sum = sum of x^2 over channels [c - r, c + r] clipped to the range; out = x * (bias + alpha *
// sqr_sum) ^ -beta. TF takes bias/alpha/beta as float32 attributes.
template <class T>
void lrn(const KernelArgs<T>& a) {
  const Tensor<T>& x = a.in();
  check_shape(a, x.shape);
  const int64_t C = x.shape.back(), r = attr_int(a.node, "depth_radius");
  const T bias = T(static_cast<float>(attr_float(a.node, "bias"))), alpha = T(static_cast<float>(attr_float(a.node, "alpha")));
  const T beta = T(static_cast<float>(attr_float(a.node, "beta")));
  for (int64_t i = 0; i < x.size(); ++i) {
    const int64_t c = i % C, row = i - c;
    T ss = 0;
    for (int64_t j = std::max<int64_t>(c - r, 0); j <= std::min<int64_t>(c + r, C - 1); ++j) ss += x[row + j] * x[row + j];
    a.out()[i] = x[i] * std::pow(bias + alpha * ss, -beta);
  }
}

template <class T>
void l2_normalize(const KernelArgs<T>& a) {
  const Tensor<T>& x = a.in();
  check_shape(a, x.shape);
  std::vector<bool> grouped(x.shape.size(), false);
  const json& ax = a.node.attrs.at("axis");
  for (int64_t d : ax.is_array() ? ax.get<std::vector<int64_t>>() : std::vector<int64_t>{ax.get<int64_t>()})
    grouped[static_cast<size_t>(d < 0 ? d + x.rank() : d)] = true;
  const AxisGroups g = axis_groups(x.shape, grouped);
  std::vector<T> ss(static_cast<size_t>(g.groups), T(0));
  for (int64_t i = 0; i < x.size(); ++i) ss[g.group[i]] += x[i] * x[i];
  const T eps = T(static_cast<float>(attr_float(a.node, "epsilon")));
  for (int64_t i = 0; i < x.size(); ++i) {
    const T s = ss[g.group[i]];
    a.out()[i] = x[i] * (T(1) / std::sqrt(std::isnan(s) ? s : std::max(s, eps)));  // Maximum propagates NaN
  }
}

// nn_impl.batch_normalization: inv = rsqrt(variance + eps) * scale; x * inv + (offset - mean * inv).
template <class T>
void batch_normalization(const KernelArgs<T>& a) {
  const Tensor<T>& x = a.in();
  check_shape(a, x.shape);
  const int64_t C = x.shape.back();
  const T eps = T(static_cast<float>(attr_float(a.node, "variance_epsilon")));
  const Tensor<T>&mean = a.weight(0), &var = a.weight(1), &offset = a.weight(2), &scale = a.weight(3);
  for (int64_t i = 0; i < x.size(); ++i) {
    const int64_t c = i % C;
    const T inv = T(1) / std::sqrt(var[c] + eps) * scale[c];
    a.out()[i] = x[i] * inv + (offset[c] - mean[c] * inv);
  }
}

// fused_batch_norm_op.cc (inference): (x - mean) * (rsqrt(variance + epsilon) * scale) + offset, epsilon
// raised to 1.001e-5 by nn_impl.fused_batch_norm.
template <class T>
void fused_batch_norm(const KernelArgs<T>& a) {
  const Tensor<T>& x = a.in();
  check_shape(a, x.shape);
  const int64_t C = x.shape.back();
  const T eps = T(static_cast<float>(std::max(attr_float(a.node, "epsilon"), 1.001e-5)));
  const Tensor<T>&scale = a.weight(0), &offset = a.weight(1), &mean = a.weight(2), &var = a.weight(3);
  for (int64_t i = 0; i < x.size(); ++i) {
    const int64_t c = i % C;
    a.out()[i] = (x[i] - mean[c]) * (T(1) / std::sqrt(var[c] + eps) * scale[c]) + offset[c];
  }
}

template <class T>
void cumulative(const KernelArgs<T>& a, bool product) {
  const Tensor<T>& x = a.in();
  check_shape(a, x.shape);
  const int64_t axis = norm_axis(a.node, x.rank()), n = x.shape[static_cast<size_t>(axis)];
  const int64_t inner = strides_of(x.shape)[static_cast<size_t>(axis)], outer = x.size() / (n * inner);
  const bool exclusive = attr_bool(a.node, "exclusive"), reverse = attr_bool(a.node, "reverse");
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t in = 0; in < inner; ++in) {
      T acc = product ? T(1) : T(0);
      for (int64_t t = 0; t < n; ++t) {
        const int64_t k = reverse ? n - 1 - t : t, i = (o * n + k) * inner + in;
        if (exclusive) {
          a.out()[i] = acc;
          acc = product ? acc * x[i] : acc + x[i];
        } else {
          acc = product ? acc * x[i] : acc + x[i];
          a.out()[i] = acc;
        }
      }
    }
}
template <class T> void cumsum(const KernelArgs<T>& a) { cumulative(a, false); }
template <class T> void cumprod(const KernelArgs<T>& a) { cumulative(a, true); }

// Every output element sums, over the contracted letters (row-major), the product of the operands' elements.
template <class T>
void einsum(const KernelArgs<T>& a) {
  std::vector<Shape> shapes;
  std::vector<const std::vector<T>*> data;
  for (const auto* t : a.inputs) shapes.push_back(t->shape), data.push_back(&t->data);
  if (a.inputs.size() == 1 && !a.weights.empty()) shapes.push_back(a.weight(0).shape), data.push_back(&a.weight(0).data);
  const Einsum e = parse_einsum(a.node, shapes, true);
  Shape out;
  for (char ch : e.output) out.push_back(e.size.at(ch));
  check_shape(a, out);
  const size_t L = e.letters.size(), nout = e.output.size();
  std::vector<int64_t> size(L);
  for (size_t i = 0; i < L; ++i) size[i] = e.size.at(e.letters[i]);
  // Per operand, the stride of each letter (0 when the operand does not use it).
  std::vector<std::vector<int64_t>> st(e.operands.size(), std::vector<int64_t>(L, 0));
  for (size_t o = 0; o < e.operands.size(); ++o) {
    const auto s = strides_of(shapes[o]);
    for (size_t p = 0; p < e.operands[o].size(); ++p) st[o][e.letters.find(e.operands[o][p])] = s[p];
  }
  std::vector<int64_t> idx(L, 0);
  for (int64_t oi = 0; oi < e.out_count; ++oi) {
    int64_t r = oi;
    for (size_t i = nout; i-- > 0;) idx[i] = r % size[i], r /= size[i];
    T acc = 0;
    for (int64_t ci = 0; ci < e.contracted; ++ci) {
      int64_t c = ci;
      for (size_t i = L; i-- > nout;) idx[i] = c % size[i], c /= size[i];
      T prod = 1;
      for (size_t o = 0; o < e.operands.size(); ++o) {
        int64_t off = 0;
        for (size_t i = 0; i < L; ++i) off += idx[i] * st[o][i];
        prod = o == 0 ? (*data[o])[off] : prod * (*data[o])[off];
      }
      acc += prod;
    }
    a.out()[oi] = acc;
  }
}

}  // namespace

void register_tf_nn_kernels(KernelTable& t) {
  PARITY_KERNEL(t, "tf.nn.conv2d", tf_conv);
  PARITY_KERNEL(t, "tf.nn.conv1d", tf_conv);
  PARITY_KERNEL(t, "tf.nn.convolution", tf_conv);
  PARITY_KERNEL(t, "tf.nn.depthwise_conv2d", depthwise_conv2d);
  PARITY_KERNEL(t, "tf.nn.separable_conv2d", separable_conv2d);
  PARITY_KERNEL(t, "tf.nn.conv2d_transpose", conv2d_transpose);
  PARITY_KERNEL(t, "tf.nn.bias_add", bias_add);
  PARITY_KERNEL(t, "tf.nn.max_pool2d", max_pool);
  PARITY_KERNEL(t, "tf.nn.avg_pool2d", avg_pool);
  PARITY_KERNEL(t, "tf.nn.max_pool1d", max_pool);
  PARITY_KERNEL(t, "tf.nn.avg_pool1d", avg_pool);
  PARITY_KERNEL(t, "tf.nn.max_pool3d", max_pool);
  PARITY_KERNEL(t, "tf.nn.avg_pool3d", avg_pool);
  PARITY_KERNEL(t, "tf.image.resize", image_resize);
  PARITY_KERNEL(t, "tf.compat.v1.image.resize_bilinear", resize_bilinear);
  PARITY_KERNEL(t, "tf.compat.v1.image.resize_nearest_neighbor", resize_nearest);
  PARITY_KERNEL(t, "tf.nn.softmax", tf_softmax);
  PARITY_KERNEL(t, "tf.nn.log_softmax", tf_log_softmax);
  PARITY_KERNEL(t, "tf.nn.local_response_normalization", lrn);
  PARITY_KERNEL(t, "tf.math.l2_normalize", l2_normalize);
  PARITY_KERNEL(t, "tf.nn.batch_normalization", batch_normalization);
  PARITY_KERNEL(t, "tf.compat.v1.nn.fused_batch_norm", fused_batch_norm);
  PARITY_KERNEL(t, "tf.math.cumsum", cumsum);
  PARITY_KERNEL(t, "tf.math.cumprod", cumprod);
  PARITY_KERNEL(t, "tf.einsum", einsum);
}

}  // namespace parity
