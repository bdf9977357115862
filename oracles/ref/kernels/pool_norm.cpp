// Reference kernels for pooling and normalization. Each derives its output geometry itself (window_1d for
// TF padding) and checks it against shape inference.
#include <algorithm>
#include <cmath>
#include <limits>

#include "harness/ops/conv_util.h"
#include "oracles/ref/axis_groups.h"
#include "oracles/ref/image.h"
#include "oracles/ref/kernel.h"
#include "oracles/ref/scalar_math.h"

namespace parity {
namespace {

template <class T>
void pool(const KernelArgs<T>& a, bool is_max) {
  const Tensor<T>& x = a.in();
  const size_t dims = x.shape.size() - 2;
  const Image in = pool_image_of(x.shape, attr_str(a.node, "data_format") == "channels_first");
  std::vector<int64_t> k = attr_ints(a.node, "pool_size");
  const json& sj = a.node.attrs.at("strides");
  std::vector<int64_t> s = sj.is_null() ? k : sj.is_array() ? sj.get<std::vector<int64_t>>()
                                                           : std::vector<int64_t>(dims, sj.get<int64_t>());
  if (dims == 1) k.push_back(1), s.push_back(1);  // 1-D as 2-D with a unit W window
  const std::string padding = attr_str(a.node, "padding");
  const Window1D wy = window_1d(in.h, k[0], s[0], 1, padding);
  const Window1D wx = window_1d(in.w, k[1], s[1], 1, padding);
  Image out = in;
  out.h = wy.out;
  out.w = wx.out;
  check_shape(a, pool_shape_of(out, x.shape.size()));
  Tensor<T>& y = a.out();
  for (int64_t b = 0; b < in.b; ++b)
    for (int64_t ch = 0; ch < in.c; ++ch)
      for (int64_t oy = 0; oy < out.h; ++oy)
        for (int64_t ox = 0; ox < out.w; ++ox) {
          // Only cells inside the input take part: max never sees padding (TF pads with -inf) and the average
          // divides by the number of valid cells (TF AvgPool excludes padding from the divisor).
          T acc = is_max ? -std::numeric_limits<T>::infinity() : T(0);
          int64_t count = 0;
          for (int64_t dy = 0; dy < k[0]; ++dy)
            for (int64_t dx = 0; dx < k[1]; ++dx) {
              const int64_t iy = oy * s[0] - wy.pad_before + dy, ix = ox * s[1] - wx.pad_before + dx;
              if (iy < 0 || iy >= in.h || ix < 0 || ix >= in.w) continue;
              const T v = x[in.at(b, iy, ix, ch)];
              acc = is_max ? scalar::max_nan(acc, v) : acc + v;
              ++count;
            }
          if (count == 0) fail_node(a.node, "pooling window lies entirely in padding");  // impossible with TF rules
          y[out.at(b, oy, ox, ch)] = is_max ? acc : acc / T(count);
        }
}

template <class T> void max_pool(const KernelArgs<T>& a) { pool(a, true); }
template <class T> void avg_pool(const KernelArgs<T>& a) { pool(a, false); }

template <class T>
void global_pool(const KernelArgs<T>& a, bool is_max) {
  const Tensor<T>& x = a.in();
  const Image in = pool_image_of(x.shape, attr_str(a.node, "data_format") == "channels_first");
  Shape want = {in.b, in.c};
  if (attr_bool(a.node, "keepdims")) {
    Image o = in;
    o.h = 1;
    o.w = 1;
    want = pool_shape_of(o, x.shape.size());
  }
  check_shape(a, want);
  // [N, C], [N, 1, (1,) C] and [N, C, 1(, 1)] all place (b, ch) at flat index b * C + ch.
  for (int64_t b = 0; b < in.b; ++b)
    for (int64_t ch = 0; ch < in.c; ++ch) {
      T acc = is_max ? -std::numeric_limits<T>::infinity() : T(0);
      for (int64_t iy = 0; iy < in.h; ++iy)
        for (int64_t ix = 0; ix < in.w; ++ix) {
          const T v = x[in.at(b, iy, ix, ch)];
          acc = is_max ? scalar::max_nan(acc, v) : acc + v;
        }
      a.out()[b * in.c + ch] = is_max ? acc : acc / T(in.h * in.w);
    }
}

template <class T> void global_max_pool(const KernelArgs<T>& a) { global_pool(a, true); }
template <class T> void global_avg_pool(const KernelArgs<T>& a) { global_pool(a, false); }

// Keras `axis` (int or list) as sorted non-negative dimensions. Shape inference has validated it.
std::vector<int64_t> axes_of(const NodeView& n, int64_t rank) {
  const json& j = n.attrs.at("axis");
  std::vector<int64_t> ax = j.is_array() ? j.get<std::vector<int64_t>>() : std::vector<int64_t>{j.get<int64_t>()};
  for (int64_t& v : ax) v = v < 0 ? v + rank : v;
  std::sort(ax.begin(), ax.end());
  return ax;
}

template <class T>
void batch_norm(const KernelArgs<T>& a) {
  const Tensor<T>& x = a.in();
  check_shape(a, x.shape);
  const std::vector<int64_t> ax = axes_of(a.node, x.rank());
  if (ax.size() != 1) fail_field(a.node, "axis", "kernel supports a single axis");
  const int64_t axis = ax[0], c = x.shape[static_cast<size_t>(axis)];
  int64_t inner = 1;
  for (size_t d = static_cast<size_t>(axis) + 1; d < x.shape.size(); ++d) inner *= x.shape[d];
  const bool scale = attr_bool(a.node, "scale"), center = attr_bool(a.node, "center");
  size_t wi = 0;
  const Tensor<T>* gamma = scale ? &a.weight(wi++) : nullptr;
  const Tensor<T>* beta = center ? &a.weight(wi++) : nullptr;
  const Tensor<T>& mean = a.weight(wi++);
  const Tensor<T>& var = a.weight(wi++);
  double eps = attr_float(a.node, "epsilon");
  // tf-keras runs rank-4/5 inputs normalized over channel axis 1 or last through fused_batch_norm, whose
  // Python wrapper (tf.compat.v1.nn.fused_batch_norm) silently raises epsilon to at least 1.001e-5.
  const int64_t r = x.rank();
  if ((r == 4 || r == 5) && (axis == 1 || axis == r - 1)) eps = std::max(eps, 1.001e-5);
  const T e = static_cast<T>(static_cast<float>(eps));  // TF takes epsilon as a float32 attribute
  for (int64_t i = 0; i < x.size(); ++i) {
    const int64_t ch = (i / inner) % c;
    T v = (x[i] - mean[ch]) / std::sqrt(var[ch] + e);
    if (gamma) v *= (*gamma)[ch];
    if (beta) v += (*beta)[ch];
    a.out()[i] = v;
  }
}

template <class T>
void layer_norm(const KernelArgs<T>& a) {
  const Tensor<T>& x = a.in();
  check_shape(a, x.shape);
  const std::vector<int64_t> ax = axes_of(a.node, x.rank());
  std::vector<bool> normed(x.shape.size(), false);
  for (int64_t d : ax) normed[static_cast<size_t>(d)] = true;
  const AxisGroups ag = axis_groups(x.shape, normed);
  const int64_t groups = ag.groups, k = ag.size;
  const std::vector<int64_t>& group = ag.group;
  const std::vector<int64_t>& pos = ag.pos;
  // tf.nn.moments: mean, then the mean of squared deviations (biased variance).
  std::vector<T> mean(static_cast<size_t>(groups), T(0)), var(mean.size(), T(0));
  for (int64_t i = 0; i < x.size(); ++i) mean[group[i]] += x[i];
  for (T& m : mean) m /= T(k);
  for (int64_t i = 0; i < x.size(); ++i) var[group[i]] += (x[i] - mean[group[i]]) * (x[i] - mean[group[i]]);
  for (T& v : var) v /= T(k);
  const bool scale = attr_bool(a.node, "scale"), center = attr_bool(a.node, "center");
  const Tensor<T>* gamma = scale ? &a.weight(0) : nullptr;
  const Tensor<T>* beta = center ? &a.weight(scale ? 1 : 0) : nullptr;
  const T e = static_cast<T>(static_cast<float>(attr_float(a.node, "epsilon")));
  for (int64_t i = 0; i < x.size(); ++i) {
    const size_t g = static_cast<size_t>(group[i]);
    T v = (x[i] - mean[g]) / std::sqrt(var[g] + e);
    if (gamma) v *= (*gamma)[pos[i]];
    if (beta) v += (*beta)[pos[i]];
    a.out()[i] = v;
  }
}

}  // namespace

void register_pool_norm_kernels(KernelTable& t) {
  PARITY_KERNEL(t, "MaxPooling1D", max_pool);
  PARITY_KERNEL(t, "MaxPooling2D", max_pool);
  PARITY_KERNEL(t, "AveragePooling1D", avg_pool);
  PARITY_KERNEL(t, "AveragePooling2D", avg_pool);
  PARITY_KERNEL(t, "GlobalMaxPooling1D", global_max_pool);
  PARITY_KERNEL(t, "GlobalMaxPooling2D", global_max_pool);
  PARITY_KERNEL(t, "GlobalAveragePooling1D", global_avg_pool);
  PARITY_KERNEL(t, "GlobalAveragePooling2D", global_avg_pool);
  PARITY_KERNEL(t, "BatchNormalization", batch_norm);
  PARITY_KERNEL(t, "LayerNormalization", layer_norm);
}

}  // namespace parity
