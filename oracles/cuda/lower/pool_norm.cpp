// Lowerings of pooling and normalization (reference: oracles/ref/kernels/pool_norm.cpp).
#include <algorithm>

#include "harness/ops/conv_util.h"
#include "oracles/cuda/lower/lowering.h"

namespace parity::cuda {
namespace {

bool channels_first(const NodeView& n) { return attr_str(n, "data_format") == "channels_first"; }

void pool(const LowerArgs& a, bool is_max) {
  const Shape& xs = a.in().shape;
  const size_t dims = xs.size() - 2;
  PoolKernel k;
  k.in = pool_image_of(xs, channels_first(a.node));
  std::vector<int64_t> ks = attr_ints(a.node, "pool_size");
  const json& sj = a.node.attrs.at("strides");
  std::vector<int64_t> ss = sj.is_null() ? ks : sj.is_array() ? sj.get<std::vector<int64_t>>()
                                                             : std::vector<int64_t>(dims, sj.get<int64_t>());
  if (dims == 1) ks.push_back(1), ss.push_back(1);
  const std::string padding = attr_str(a.node, "padding");
  const Window1D wy = window_1d(k.in.h, ks[0], ss[0], 1, padding), wx = window_1d(k.in.w, ks[1], ss[1], 1, padding);
  k.out = k.in;
  k.out.h = wy.out;
  k.out.w = wx.out;
  check_out_shape(a, pool_shape_of(k.out, xs.size()));
  k.k[0] = ks[0], k.k[1] = ks[1], k.s[0] = ss[0], k.s[1] = ss[1];
  k.pad[0] = wy.pad_before, k.pad[1] = wx.pad_before;
  k.pad_after[0] = wy.pad_after, k.pad_after[1] = wx.pad_after;
  k.is_max = is_max;
  k.x = a.in().p;
  k.y = a.out().p;
  a.be.run(k, k.out.count());
}
void max_pool(const LowerArgs& a) { pool(a, true); }
void avg_pool(const LowerArgs& a) { pool(a, false); }

// A reduction over the spatial axes: groups (b, ch) in that order give the flat output index b * C + ch for
// [N, C], [N, 1, (1,) C] and [N, C, 1(, 1)] alike.
void global_pool(const LowerArgs& a, bool is_max) {
  const Shape& xs = a.in().shape;
  const bool cf = channels_first(a.node);
  const Image in = pool_image_of(xs, cf);
  Shape want = {in.b, in.c};
  if (attr_bool(a.node, "keepdims")) {
    Image o = in;
    o.h = 1;
    o.w = 1;
    want = pool_shape_of(o, xs.size());
  }
  check_out_shape(a, want);
  ReduceKernel k;
  k.op = is_max ? ReduceOp::Max : ReduceOp::Mean;
  const std::vector<int64_t> st = strides_of(xs);
  const size_t ch_axis = cf ? 1 : xs.size() - 1;
  k.g.outer.rank = 2;
  k.g.outer.dim[0] = in.b, k.g.outer.stride[0] = st[0];
  k.g.outer.dim[1] = in.c, k.g.outer.stride[1] = st[ch_axis];
  for (size_t d = 1; d < xs.size(); ++d) {
    if (d == ch_axis) continue;
    k.g.inner.dim[k.g.inner.rank] = xs[d];
    k.g.inner.stride[k.g.inner.rank++] = st[d];
  }
  k.x = a.in().p;
  k.y = a.out().p;
  a.be.run(k, in.b * in.c);
}
void global_max_pool(const LowerArgs& a) { global_pool(a, true); }
void global_avg_pool(const LowerArgs& a) { global_pool(a, false); }

std::vector<int64_t> axes_of(const NodeView& n, int64_t rank) {
  const json& j = n.attrs.at("axis");
  std::vector<int64_t> ax = j.is_array() ? j.get<std::vector<int64_t>>() : std::vector<int64_t>{j.get<int64_t>()};
  for (int64_t& v : ax) v = v < 0 ? v + rank : v;
  std::sort(ax.begin(), ax.end());
  return ax;
}

void batch_norm(const LowerArgs& a) {
  const DevTensor& x = a.in();
  check_out_shape(a, x.shape);
  const std::vector<int64_t> ax = axes_of(a.node, x.rank());
  if (ax.size() != 1) fail_field(a.node, "axis", "kernel supports a single axis");
  const int64_t axis = ax[0];
  BatchNormKernel k;
  k.channels = x.shape[static_cast<size_t>(axis)];
  for (size_t d = static_cast<size_t>(axis) + 1; d < x.shape.size(); ++d) k.inner *= x.shape[d];
  size_t wi = 0;
  if (attr_bool(a.node, "scale")) k.gamma = a.weight(wi++).p;
  if (attr_bool(a.node, "center")) k.beta = a.weight(wi++).p;
  k.mean = a.weight(wi++).p;
  k.var = a.weight(wi++).p;
  double eps = attr_float(a.node, "epsilon");
  // fused_batch_norm (rank 4/5, channel axis 1 or last) raises epsilon to at least 1.001e-5, as in the reference.
  const int64_t r = x.rank();
  if ((r == 4 || r == 5) && (axis == 1 || axis == r - 1)) eps = std::max(eps, 1.001e-5);
  k.eps = static_cast<float>(eps);
  k.x = x.p;
  k.y = a.out().p;
  a.be.run(k, x.size());
}

void layer_norm(const LowerArgs& a) {
  const DevTensor& x = a.in();
  check_out_shape(a, x.shape);
  std::vector<bool> normed(x.shape.size(), false);
  for (int64_t d : axes_of(a.node, x.rank())) normed[static_cast<size_t>(d)] = true;
  GroupKernel k;
  k.op = GroupOp::LayerNorm;
  k.g = make_groups(x.shape, normed);
  const bool scale = attr_bool(a.node, "scale"), center = attr_bool(a.node, "center");
  if (scale) k.gamma = a.weight(0).p;
  if (center) k.beta = a.weight(scale ? 1 : 0).p;
  k.eps = f32_attr(a.node, "epsilon");
  k.x = x.p;
  k.y = a.out().p;
  a.be.run(k, k.g.outer.count());
}

}  // namespace

void register_pool_norm_lowerings(LowerTable& t) {
  t["MaxPooling1D"] = max_pool;
  t["MaxPooling2D"] = max_pool;
  t["AveragePooling1D"] = avg_pool;
  t["AveragePooling2D"] = avg_pool;
  t["GlobalMaxPooling1D"] = global_max_pool;
  t["GlobalMaxPooling2D"] = global_max_pool;
  t["GlobalAveragePooling1D"] = global_avg_pool;
  t["GlobalAveragePooling2D"] = global_avg_pool;
  t["BatchNormalization"] = batch_norm;
  t["LayerNormalization"] = layer_norm;
}

}  // namespace parity::cuda
