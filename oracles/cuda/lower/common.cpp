// Helpers shared by the op lowerings: broadcasting, transposes, groups, activations and the row-major GEMM.
#include <fmt/format.h>

#include "oracles/cuda/lower/lowering.h"

namespace parity::cuda {

void check_out_shape(const LowerArgs& a, const Shape& expected, size_t output) {
  if (a.out(output).shape != expected)
    fail_node(a.node, "cuda lowering computes output shape " + shape_str(expected) + " but shape inference gave " +
                          shape_str(a.out(output).shape));
}

float f32_attr(const NodeView& n, const std::string& field) { return static_cast<float>(attr_float(n, field)); }

static void check_rank(size_t rank) {
  if (rank > static_cast<size_t>(kMaxRank)) fail("cuda executor: rank {} exceeds {}", rank, kMaxRank);
}

void unary(Backend& be, UnaryOp op, const UnaryParams& p, const float* x, float* y, int64_t n) {
  be.run(UnaryKernel{op, p, x, y}, n);
}

StridedDims broadcast_strides(const Shape& xs, const Shape& ys) {
  check_rank(ys.size());
  if (xs.size() > ys.size()) fail("cuda executor: cannot broadcast {} to {}", shape_str(xs), shape_str(ys));
  StridedDims s;
  s.rank = static_cast<int>(ys.size());
  const size_t lead = ys.size() - xs.size();
  int64_t st = 1;
  for (size_t i = ys.size(); i-- > 0;) {
    s.dim[i] = ys[i];
    if (i >= lead) {
      const int64_t d = xs[i - lead];
      s.stride[i] = d == 1 ? 0 : st;
      st *= d;
    }
  }
  return s;
}

void binary(Backend& be, BinaryOp op, const float* x, const Shape& xs, const float* w, const Shape& ws, float* y,
            const Shape& ys) {
  BinaryKernel k;
  k.op = op;
  k.a = broadcast_strides(xs, ys);
  k.b = broadcast_strides(ws, ys);
  k.x = x;
  k.w = w;
  k.y = y;
  be.run(k, num_elements(ys));
}

static CopyKernel plain_copy(const Shape& dims) {
  check_rank(dims.size());
  CopyKernel k;
  k.rank = static_cast<int>(dims.size());
  const std::vector<int64_t> st = strides_of(dims);
  for (size_t d = 0; d < dims.size(); ++d) {
    k.dim[d] = dims[d];
    k.div[d] = 1;
    k.src_dim[d] = dims[d];
    k.dst_stride[d] = st[d];
  }
  return k;
}

void transpose(Backend& be, const float* x, const Shape& xs, const std::vector<int64_t>& perm, float* y) {
  Shape ys;
  for (int64_t p : perm) ys.push_back(xs.at(static_cast<size_t>(p)));
  CopyKernel k = plain_copy(ys);
  const std::vector<int64_t> st = strides_of(xs);
  for (size_t j = 0; j < perm.size(); ++j) k.src_stride[j] = st[static_cast<size_t>(perm[j])];
  k.x = x;
  k.y = y;
  be.run(k, num_elements(ys));
}

void broadcast_to(Backend& be, const float* x, const Shape& xs, float* y, const Shape& ys) {
  CopyKernel k = plain_copy(ys);
  const StridedDims s = broadcast_strides(xs, ys);
  for (int d = 0; d < s.rank; ++d) k.src_stride[d] = s.stride[d];
  k.x = x;
  k.y = y;
  be.run(k, num_elements(ys));
}

Groups make_groups(const Shape& shape, const std::vector<bool>& grouped) {
  check_rank(shape.size());
  Groups g;
  const std::vector<int64_t> st = strides_of(shape);
  for (size_t d = 0; d < shape.size(); ++d) {
    StridedDims& s = grouped[d] ? g.inner : g.outer;
    s.dim[s.rank] = shape[d];
    s.stride[s.rank] = st[d];
    ++s.rank;
  }
  return g;
}

void activation(Backend& be, const std::string& name, const float* x, float* y, const Shape& shape) {
  static const std::map<std::string, UnaryOp> ops = {
      {"linear", UnaryOp::Identity},   {"relu", UnaryOp::Relu},           {"relu6", UnaryOp::Relu6},
      {"elu", UnaryOp::Elu},           {"selu", UnaryOp::Selu},           {"sigmoid", UnaryOp::Sigmoid},
      {"hard_sigmoid", UnaryOp::HardSigmoid}, {"tanh", UnaryOp::Tanh},    {"softplus", UnaryOp::Softplus},
      {"softsign", UnaryOp::Softsign}, {"swish", UnaryOp::Swish},         {"silu", UnaryOp::Swish},
      {"gelu", UnaryOp::GeluExact},    {"exponential", UnaryOp::Exp},     {"mish", UnaryOp::Mish}};
  if (name == "softmax" || name == "log_softmax") {  // over the last axis (keras.activations default)
    if (shape.empty()) fail("softmax needs at least one axis");
    std::vector<bool> last(shape.size(), false);
    last.back() = true;
    GroupKernel k;
    k.op = name == "softmax" ? GroupOp::Softmax : GroupOp::LogSoftmax;
    k.g = make_groups(shape, last);
    k.x = x;
    k.y = y;
    be.run(k, k.g.outer.count());
    return;
  }
  auto it = ops.find(name);
  if (it == ops.end()) fail("unknown activation '{}'", name);
  if (it->second == UnaryOp::Identity && x == y) return;
  UnaryParams p;
  p.a = 1.0f;  // elu's alpha in keras.activations.elu
  unary(be, it->second, p, x, y, num_elements(shape));
}

// Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: cuBLAS gets B first, with m = N, n = M.
void gemm_row_major(Backend& be, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const float* A,
                    int64_t lda, const float* B, int64_t ldb, float* C, int64_t ldc, int64_t batch,
                    int64_t stride_a, int64_t stride_b, int64_t stride_c) {
  Gemm g;
  g.trans_a = trans_b;
  g.trans_b = trans_a;
  g.m = N;
  g.n = M;
  g.k = K;
  g.a = B;
  g.lda = ldb;
  g.b = A;
  g.ldb = lda;
  g.c = C;
  g.ldc = ldc;
  g.batch = batch;
  g.stride_a = stride_b;
  g.stride_b = stride_a;
  g.stride_c = stride_c;
  be.gemm(g);
}

DevTensor upload(Backend& be, const Shape& shape, const std::vector<float>& values) {
  DevTensor t{shape, be.alloc(static_cast<int64_t>(values.size()))};
  be.upload(t.p, values.data(), static_cast<int64_t>(values.size()));
  return t;
}

void register_input_lowerings(LowerTable& t) {
  t["InputLayer"] = [](const LowerArgs&) {};  // the runner binds graph inputs itself
}

const LowerTable& default_lowerings() {
  static const LowerTable table = [] {
    LowerTable t;
    register_input_lowerings(t);
    register_activation_lowerings(t);
    register_dense_conv_lowerings(t);
    register_pool_norm_lowerings(t);
    register_shape_lowerings(t);
    register_merge_lowerings(t);
    register_recurrent_lowerings(t);
    register_tf_math_lowerings(t);
    register_tf_array_lowerings(t);
    register_tf_nn_lowerings(t);
    register_tf_logic_lowerings(t);
    return t;
  }();
  return table;
}

BinaryDevOperands binary_dev_operands(const LowerArgs& a, const merge::BinaryOperands& ops) {
  DevTensor c;
  if (ops.const_pos >= 0)
    c = upload(a.be, ops.constant.shape, std::vector<float>(ops.constant.values.begin(), ops.constant.values.end()));
  BinaryDevOperands r;
  size_t next = 0;
  r.x = ops.const_pos == 0 ? c : a.in(next++);
  r.y = ops.const_pos == 1 ? c : a.in(next++);
  auto out = merge::broadcast_shapes(r.x.shape, r.y.shape);
  if (!out) fail_node(a.node, "operands do not broadcast");
  check_out_shape(a, *out);
  r.out = *out;
  return r;
}

}  // namespace parity::cuda
