// Lowerings of the merge family (reference: oracles/ref/kernels/merge.cpp): broadcast binary folds,
// concatenation as slice copies, reductions as group kernels, Dot as transposes + one batched GEMM.
#include <algorithm>

#include "harness/ops/merge_util.h"
#include "oracles/cuda/lower/lowering.h"

namespace parity::cuda {
namespace {

// tf-keras _Merge: lower-rank inputs get unit dims after the batch; out = x0, then out = op(out, xi).
void fold_merge(const LowerArgs& a, BinaryOp op) {
  std::vector<Shape> in;
  for (const auto* t : a.inputs) in.push_back(t->shape);
  Shape out;
  const std::vector<Shape> shapes = merge::merge_operand_shapes(in, out);
  check_out_shape(a, out);
  float* y = a.out().p;
  broadcast_to(a.be, a.in(0).p, shapes[0], y, out);
  for (size_t i = 1; i < a.inputs.size(); ++i) binary(a.be, op, y, out, a.in(i).p, shapes[i], y, out);
}

void add_k(const LowerArgs& a) { fold_merge(a, BinaryOp::Add); }
void subtract_k(const LowerArgs& a) { fold_merge(a, BinaryOp::Sub); }
void multiply_k(const LowerArgs& a) { fold_merge(a, BinaryOp::Mul); }
void maximum_k(const LowerArgs& a) { fold_merge(a, BinaryOp::Max); }
void minimum_k(const LowerArgs& a) { fold_merge(a, BinaryOp::Min); }
void average_k(const LowerArgs& a) {  // the sum, then divided by len(inputs)
  fold_merge(a, BinaryOp::Add);
  UnaryParams p;
  p.a = static_cast<float>(a.inputs.size());
  unary(a.be, UnaryOp::DivConst, p, a.out().p, a.out().p, a.out().size());
}

// Each input is copied into its slice of the output along `axis`.
void concat_k(const LowerArgs& a) {
  const Shape& first = a.in(0).shape;
  const int64_t axis = merge::normalize_axis(a.node, "axis", attr_int(a.node, "axis"), static_cast<int64_t>(first.size()));
  Shape out = first;
  out[static_cast<size_t>(axis)] = 0;
  for (const auto* t : a.inputs) out[static_cast<size_t>(axis)] += t->shape[static_cast<size_t>(axis)];
  check_out_shape(a, out);
  const std::vector<int64_t> os = strides_of(out);
  int64_t at = 0;
  for (const auto* t : a.inputs) {
    CopyKernel k;
    k.rank = static_cast<int>(t->shape.size());
    const std::vector<int64_t> is = strides_of(t->shape);
    for (size_t d = 0; d < t->shape.size(); ++d) {
      k.dim[d] = t->shape[d];
      k.div[d] = 1;
      k.src_dim[d] = t->shape[d];
      k.src_stride[d] = is[d];
      k.dst_stride[d] = os[d];
    }
    k.dst_offset = at * os[static_cast<size_t>(axis)];
    k.x = t->p;
    k.y = a.out().p;
    a.be.run(k, t->size());
    at += t->shape[static_cast<size_t>(axis)];
  }
}

void binary_op(const LowerArgs& a, BinaryOp op) {
  const BinaryDevOperands o = binary_dev_operands(a, merge::binary_operands(a.node));
  binary(a.be, op, o.x.p, o.x.shape, o.y.p, o.y.shape, a.out().p, o.out);
}

template <BinaryOp op>
void tf_binary(const LowerArgs& a) { binary_op(a, op); }

void clip_k(const LowerArgs& a) {
  check_out_shape(a, a.in().shape);
  UnaryParams p;
  p.a = f32_attr(a.node, "clip_value_min");
  p.b = f32_attr(a.node, "clip_value_max");
  unary(a.be, UnaryOp::Clip, p, a.in().p, a.out().p, a.in().size());
}

template <ReduceOp op>
void reduce_k(const LowerArgs& a) {
  const Shape& in = a.in().shape;
  const std::vector<bool> mask = merge::reduce_axes(a.node, static_cast<int64_t>(in.size()));
  Shape out;
  for (size_t d = 0; d < in.size(); ++d) {
    if (!mask[d]) out.push_back(in[d]);
    else if (attr_bool(a.node, "keepdims")) out.push_back(1);
  }
  check_out_shape(a, out);
  ReduceKernel k;
  k.op = op;
  k.g = make_groups(in, mask);
  k.x = a.in().p;
  k.y = a.out().p;
  a.be.run(k, k.g.outer.count());
}

// x l2-normalized along `axis` (tf.linalg.l2_normalize, epsilon 1e-12 as a float32) into a new buffer.
const float* l2_normalize(Backend& be, const DevTensor& x, int64_t axis) {
  std::vector<bool> along(x.shape.size(), false);
  along[static_cast<size_t>(axis)] = true;
  GroupKernel k;
  k.op = GroupOp::L2Normalize;
  k.g = make_groups(x.shape, along);
  k.eps = static_cast<float>(1e-12);
  k.x = x.p;
  k.y = be.alloc(x.size());
  be.run(k, k.g.outer.count());
  return k.y;
}

// Keras 2 Dot = backend.batch_dot: out[b, i..., j...] = sum_k x[b, i..., k@a0] * y[b, j..., k@a1]. x becomes
// [B, Fx, K] and y [B, K, Fy] (free axes in order), then one strided-batched GEMM.
void dot_k(const LowerArgs& a) {
  const auto [a0, a1] = merge::dot_axes(a.node);
  const DevTensor& x = a.in(0);
  const DevTensor& y = a.in(1);
  const float* xp = attr_bool(a.node, "normalize") ? l2_normalize(a.be, x, a0) : x.p;
  const float* yp = attr_bool(a.node, "normalize") ? l2_normalize(a.be, y, a1) : y.p;
  const int64_t batch = x.shape[0], K = x.shape[static_cast<size_t>(a0)];
  Shape out{batch};
  std::vector<int64_t> px{0}, py{0, a1};
  int64_t fx = 1, fy = 1;
  for (size_t d = 1; d < x.shape.size(); ++d)
    if (static_cast<int64_t>(d) != a0) out.push_back(x.shape[d]), px.push_back(static_cast<int64_t>(d)), fx *= x.shape[d];
  for (size_t d = 1; d < y.shape.size(); ++d)
    if (static_cast<int64_t>(d) != a1) out.push_back(y.shape[d]), py.push_back(static_cast<int64_t>(d)), fy *= y.shape[d];
  px.push_back(a0);
  if (out.size() == 1) out.push_back(1);  // both rank 2: [N, 1]
  check_out_shape(a, out);
  float* xt = a.be.alloc(x.size());
  float* yt = a.be.alloc(y.size());
  transpose(a.be, xp, x.shape, px, xt);
  transpose(a.be, yp, y.shape, py, yt);
  gemm_row_major(a.be, false, false, fx, fy, K, xt, K, yt, fy, a.out().p, fy, batch, fx * K, K * fy, fx * fy);
}

}  // namespace

void register_merge_lowerings(LowerTable& t) {
  t["Add"] = add_k;
  t["Subtract"] = subtract_k;
  t["Multiply"] = multiply_k;
  t["Average"] = average_k;
  t["Maximum"] = maximum_k;
  t["Minimum"] = minimum_k;
  t["Concatenate"] = concat_k;
  t["Dot"] = dot_k;
  t["tf.math.add"] = tf_binary<BinaryOp::Add>;
  t["tf.math.subtract"] = tf_binary<BinaryOp::Sub>;
  t["tf.math.multiply"] = tf_binary<BinaryOp::Mul>;
  t["tf.math.truediv"] = tf_binary<BinaryOp::Div>;
  t["tf.math.maximum"] = tf_binary<BinaryOp::Max>;
  t["tf.math.minimum"] = tf_binary<BinaryOp::Min>;
  t["tf.math.pow"] = tf_binary<BinaryOp::Pow>;
  t["tf.clip_by_value"] = clip_k;
  t["tf.concat"] = concat_k;
  t["tf.math.reduce_sum"] = reduce_k<ReduceOp::Sum>;
  t["tf.math.reduce_mean"] = reduce_k<ReduceOp::Mean>;
  t["tf.math.reduce_max"] = reduce_k<ReduceOp::Max>;
  t["tf.math.reduce_min"] = reduce_k<ReduceOp::Min>;
}

}  // namespace parity::cuda
