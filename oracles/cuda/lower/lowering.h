#pragma once
// Op lowerings: for each catalog op, host code that turns one node into backend calls (per-element kernels,
// GEMMs). One file per op family, mirroring oracles/ref/kernels/. Each lowering computes exactly what the
// family's reference kernel computes, and derives the geometry it needs itself, checking it against shape
// inference where the reference kernel does.
#include <map>
#include <string>
#include <vector>

#include "harness/catalog/attrs.h"
#include "harness/ops/merge_util.h"
#include "oracles/cuda/backend.h"

namespace parity::cuda {

// A tensor in backend memory (device or, for the host emulation, host).
struct DevTensor {
  Shape shape;
  float* p = nullptr;
  int64_t size() const { return num_elements(shape); }
  int64_t rank() const { return static_cast<int64_t>(shape.size()); }
};

struct LowerArgs {
  const NodeView& node;
  Backend& be;
  std::vector<const DevTensor*> inputs;
  std::vector<DevTensor> weights;     // catalog order, uploaded
  std::vector<DevTensor>& outputs;    // shaped by shape inference and allocated; a lowering may instead
                                      // point an output at its input (reshapes move no data)
  const DevTensor& in(size_t i = 0) const { return *inputs.at(i); }
  DevTensor& out(size_t i = 0) const { return outputs.at(i); }
  const DevTensor& weight(size_t i) const { return weights.at(i); }
};

using LowerFn = void (*)(const LowerArgs&);
using LowerTable = std::map<std::string, LowerFn>;

void register_input_lowerings(LowerTable& t);
void register_activation_lowerings(LowerTable& t);
void register_dense_conv_lowerings(LowerTable& t);
void register_pool_norm_lowerings(LowerTable& t);
void register_shape_lowerings(LowerTable& t);
void register_merge_lowerings(LowerTable& t);
void register_recurrent_lowerings(LowerTable& t);
void register_tf_math_lowerings(LowerTable& t);
void register_tf_array_lowerings(LowerTable& t);
void register_tf_nn_lowerings(LowerTable& t);
void register_tf_logic_lowerings(LowerTable& t);

// Every family's lowerings (built once).
const LowerTable& default_lowerings();

// --- helpers shared by the lowerings (lower/common.cpp) ---------------------------------------------------

// Throws ParityError when a lowering's own output shape disagrees with shape inference.
void check_out_shape(const LowerArgs& a, const Shape& expected, size_t output = 0);
// A scalar attribute as the float32 value Keras / TF hold.
float f32_attr(const NodeView& n, const std::string& field);

void unary(Backend& be, UnaryOp op, const UnaryParams& p, const float* x, float* y, int64_t n);
// NumPy broadcasting of x (shape xs) and w (shape ws) into y of shape ys (ys is the broadcast shape).
void binary(Backend& be, BinaryOp op, const float* x, const Shape& xs, const float* w, const Shape& ws, float* y,
            const Shape& ys);
// y = x with x's dims permuted (numpy transpose: y dim j is x dim perm[j]).
void transpose(Backend& be, const float* x, const Shape& xs, const std::vector<int64_t>& perm, float* y);
// x's strides along the dims of `ys` (right-aligned, NumPy broadcasting: 0 where x has no such dim or size 1).
StridedDims broadcast_strides(const Shape& xs, const Shape& ys);
// Copies x (shape xs, NumPy-broadcast against ys) into y of shape ys.
void broadcast_to(Backend& be, const float* x, const Shape& xs, float* y, const Shape& ys);
// Groups of a tensor of `shape`: grouped[d] marks the axes one group spans.
Groups make_groups(const Shape& shape, const std::vector<bool>& grouped);
// A Keras activation by name (tf-keras activations.get), applied to x into y (same shape; may alias).
void activation(Backend& be, const std::string& name, const float* x, float* y, const Shape& shape);
// Row-major C[M,N] = op(A) op(B), op(A) being M x K: A is [M,K] (or [K,M] when trans_a), row stride lda; B is
// [K,N] (or [N,K] when trans_b), row stride ldb; C's row stride ldc. `batch` triples at the given strides.
void gemm_row_major(Backend& be, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const float* A,
                    int64_t lda, const float* B, int64_t ldb, float* C, int64_t ldc, int64_t batch = 1,
                    int64_t stride_a = 0, int64_t stride_b = 0, int64_t stride_c = 0);
// A new backend tensor holding `values` (weights, constants).
DevTensor upload(Backend& be, const Shape& shape, const std::vector<float>& values);

// The two operands of a TF binary op (merge::binary_operands: input tensors, or one input and the constant x /
// y, which TF converts to a float32 tensor: uploaded here) and their broadcast shape, checked as the node's
// output shape.
struct BinaryDevOperands {
  DevTensor x, y;
  Shape out;
};
BinaryDevOperands binary_dev_operands(const LowerArgs& a, const merge::BinaryOperands& ops);

}  // namespace parity::cuda
