// Lowerings of the shape family (reference: oracles/ref/kernels/shape.cpp). Reshapes move no data (the
// output is the input's buffer); every other data movement is the CopyKernel gather.
#include <array>

#include "oracles/cuda/lower/lowering.h"

namespace parity {
// Attribute parsers of the catalog entries (harness/ops/shape.cpp).
std::array<std::array<int64_t, 2>, 2> spatial_pairs(const NodeView& n, const std::string& field);
std::vector<int64_t> squeeze_axes(const NodeView& n);
}  // namespace parity

namespace parity::cuda {
namespace {

void alias_as(const LowerArgs& a, const Shape& derived) {
  check_out_shape(a, derived);
  a.out().p = const_cast<float*>(a.in().p);  // never written through: outputs are only written by their node
}

void identity(const LowerArgs& a) { alias_as(a, a.in().shape); }

void permute_into(const LowerArgs& a, const std::vector<int64_t>& perm) {
  Shape ys;
  for (int64_t p : perm) ys.push_back(a.in().shape.at(static_cast<size_t>(p)));
  check_out_shape(a, ys);
  transpose(a.be, a.in().p, a.in().shape, perm, a.out().p);
}

bool channels_first(const NodeView& n) { return attr_str(n, "data_format") == "channels_first"; }

void flatten(const LowerArgs& a) {
  const Shape& s = a.in().shape;
  int64_t per = 1;
  for (size_t i = 1; i < s.size(); ++i) per *= s[i];
  if (!channels_first(a.node) || s.size() <= 2) return alias_as(a, {s[0], per});
  std::vector<int64_t> perm{0};  // channels_first: axis 1 moves last before flattening (tf-keras Flatten.call)
  for (size_t i = 2; i < s.size(); ++i) perm.push_back(static_cast<int64_t>(i));
  perm.push_back(1);
  check_out_shape(a, {s[0], per});
  transpose(a.be, a.in().p, s, perm, a.out().p);
}

void reshape_layer(const LowerArgs& a) {
  const Shape& s = a.in().shape;
  Shape out{s[0]};
  int64_t known = 1, per = 1, unknown = -1;
  for (int64_t d : attr_ints(a.node, "target_shape")) {
    if (d == -1) unknown = static_cast<int64_t>(out.size()); else known *= d;
    out.push_back(d);
  }
  for (size_t i = 1; i < s.size(); ++i) per *= s[i];
  if (unknown >= 0) out[static_cast<size_t>(unknown)] = per / known;
  alias_as(a, out);
}

void tf_reshape(const LowerArgs& a) {
  Shape out = attr_ints(a.node, "shape");
  out[0] = a.in().shape[0];
  alias_as(a, out);
}

void permute_layer(const LowerArgs& a) {
  std::vector<int64_t> perm{0};
  for (int64_t d : attr_ints(a.node, "dims")) perm.push_back(d);
  permute_into(a, perm);
}

void tf_transpose(const LowerArgs& a) { permute_into(a, attr_ints(a.node, "perm")); }

void tf_expand_dims(const LowerArgs& a) {
  Shape out = a.in().shape;
  int64_t axis = attr_int(a.node, "axis");
  if (axis < 0) axis += static_cast<int64_t>(out.size()) + 1;
  out.insert(out.begin() + axis, 1);
  alias_as(a, out);
}

void tf_squeeze(const LowerArgs& a) {
  Shape out = a.in().shape;
  const auto axes = squeeze_axes(a.node);
  for (size_t i = axes.size(); i-- > 0;) out.erase(out.begin() + axes[i]);
  alias_as(a, out);
}

// A gather over the output's dims: source coordinate = c / div - shift, out of range reads 0.
CopyKernel gather(const Shape& out, const Shape& in) {
  CopyKernel k;
  k.rank = static_cast<int>(out.size());
  const std::vector<int64_t> os = strides_of(out), is = strides_of(in);
  for (size_t d = 0; d < out.size(); ++d) {
    k.dim[d] = out[d];
    k.div[d] = 1;
    k.src_dim[d] = in[d];
    k.src_stride[d] = is[d];
    k.dst_stride[d] = os[d];
  }
  return k;
}

void run_gather(const LowerArgs& a, CopyKernel k) {
  k.x = a.in().p;
  k.y = a.out().p;
  a.be.run(k, a.out().size());
}

// [B, F] -> [B, n, F]: the repeat axis reads with stride 0.
void repeat_vector(const LowerArgs& a) {
  const Shape& s = a.in().shape;
  const int64_t reps = attr_int(a.node, "n");
  check_out_shape(a, {s[0], reps, s[1]});
  CopyKernel k = gather({s[0], reps, s[1]}, {s[0], 1, s[1]});
  k.src_stride[1] = 0;
  k.src_dim[1] = reps;
  run_gather(a, k);
}

// The spatial axes of a rank-4 image: (1, 2) channels_last, (2, 3) channels_first.
size_t first_spatial(const NodeView& n) { return channels_first(n) ? 2 : 1; }

void zero_padding_2d(const LowerArgs& a) {
  const auto p = spatial_pairs(a.node, "padding");
  const size_t f = first_spatial(a.node);
  Shape out = a.in().shape;
  for (size_t i = 0; i < 2; ++i) out[f + i] += p[i][0] + p[i][1];
  check_out_shape(a, out);
  CopyKernel k = gather(out, a.in().shape);
  for (size_t i = 0; i < 2; ++i) k.shift[f + i] = p[i][0];
  run_gather(a, k);
}

void cropping_2d(const LowerArgs& a) {
  const auto p = spatial_pairs(a.node, "cropping");
  const size_t f = first_spatial(a.node);
  Shape out = a.in().shape;
  for (size_t i = 0; i < 2; ++i) out[f + i] -= p[i][0] + p[i][1];
  check_out_shape(a, out);
  CopyKernel k = gather(out, a.in().shape);
  for (size_t i = 0; i < 2; ++i) k.shift[f + i] = -p[i][0];
  run_gather(a, k);
}

void upsampling_2d(const LowerArgs& a) {
  const bool cf = channels_first(a.node);
  const auto size = attr_ints(a.node, "size");
  const size_t f = first_spatial(a.node);
  const Shape& in = a.in().shape;
  Shape out = in;
  for (size_t i = 0; i < 2; ++i) out[f + i] *= size[i];
  check_out_shape(a, out);
  if (attr_str(a.node, "interpolation") == "nearest") {
    // TF's half-pixel nearest reduces to floor(dst / size) for an integer factor (see the reference).
    CopyKernel k = gather(out, in);
    for (size_t i = 0; i < 2; ++i) k.div[f + i] = size[i];
    return run_gather(a, k);
  }
  const Image ii{in[0], in[f], in[f + 1], cf ? in[1] : in[3], cf};
  const Image oi{out[0], out[f], out[f + 1], ii.c, cf};
  a.be.run(BilinearKernel{ii, oi, a.in().p, a.out().p}, oi.count());
}

// x * scale + offset with float32 constants, as tf-keras Rescaling computes it.
void rescaling(const LowerArgs& a) {
  check_out_shape(a, a.in().shape);
  UnaryParams p;
  p.a = f32_attr(a.node, "scale");
  p.b = f32_attr(a.node, "offset");
  unary(a.be, UnaryOp::Affine, p, a.in().p, a.out().p, a.in().size());
}

}  // namespace

void register_shape_lowerings(LowerTable& t) {
  t["Flatten"] = flatten;
  t["Reshape"] = reshape_layer;
  t["Permute"] = permute_layer;
  t["RepeatVector"] = repeat_vector;
  t["ZeroPadding2D"] = zero_padding_2d;
  t["Cropping2D"] = cropping_2d;
  t["UpSampling2D"] = upsampling_2d;
  t["Rescaling"] = rescaling;
  for (const char* op : {"Dropout", "SpatialDropout1D", "GaussianNoise", "GaussianDropout", "AlphaDropout"})
    t[op] = identity;
  t["tf.reshape"] = tf_reshape;
  t["tf.transpose"] = tf_transpose;
  t["tf.expand_dims"] = tf_expand_dims;
  t["tf.squeeze"] = tf_squeeze;
}

}  // namespace parity::cuda
