// Lowerings of Dense, the convolutions and matmul (reference: oracles/ref/kernels/dense_conv.cpp). GEMM-shaped
// work goes through the backend GEMM (cuBLAS on the device): Dense directly, convolutions as im2col + GEMM per
// group (so TF's asymmetric 'same' padding is just the im2col tap arithmetic, no pre-padding copy), matmul per
// output batch. Conv2DTranspose is an own gather kernel (elem/window.h says why).
#include <fmt/format.h>

#include "harness/ops/const_matrix.h"
#include "harness/ops/conv_attrs.h"
#include "harness/ops/conv_geom.h"
#include "harness/ops/conv_util.h"
#include "harness/ops/matmul_geom.h"
#include "oracles/cuda/lower/lowering.h"

namespace parity::cuda {
namespace {

// Bias per output channel (when the layer has one), then the activation, on the output in its layout.
void finish(const LowerArgs& a, size_t bias_index, bool cf) {
  DevTensor& y = a.out();
  if (attr_bool(a.node, "use_bias")) {
    const DevTensor& bias = a.weight(bias_index);
    Shape bs{bias.size()};
    if (cf) bs.resize(y.shape.size() - 1, 1);  // [C, 1, (1)] right-aligned against [B, C, ...]
    binary(a.be, BinaryOp::Add, y.p, y.shape, bias.p, bs, y.p, y.shape);
  }
  activation(a.be, attr_str(a.node, "activation"), y.p, y.p, y.shape);
}

// A grouped convolution into `y` channels_last [B*OH*OW, cout]: im2col, then for each group g
// y[:, g*cout_g..] = cols[g] (R x K) * w[:, g*cout_g..] (K x cout_g, row stride cout) as one batched GEMM.
void conv_gemm(Backend& be, const float* x, const Image& xi, int64_t oh, int64_t ow, const ConvGeom& g,
               const float* w, int64_t cout, float* y) {
  const int64_t cin_g = xi.c / g.groups, cout_g = cout / g.groups, K = g.k[0] * g.k[1] * cin_g;
  const int64_t R = xi.b * oh * ow;
  float* cols = be.alloc(g.groups * R * K);
  be.run(Im2colKernel{xi, oh, ow, g, x, cols}, g.groups * R * K);
  gemm_row_major(be, false, false, R, cout_g, K, cols, K, w, cout, y, cout, g.groups, R * K, cout_g, cout_g);
}

// Writes a channels_last result [B, OH, OW, C] (held in `tmp`) to the output in the layer's layout.
void store(const LowerArgs& a, const float* tmp, const Image& yi) {
  if (!yi.cf) return;  // conv_gemm wrote the output directly
  transpose(a.be, tmp, {yi.b, yi.h, yi.w, yi.c}, {0, 3, 1, 2}, a.out().p);
}

void conv_common(const LowerArgs& a, const ConvAttrs& c, ConvGeom g, const int64_t out[2], int64_t cout,
                 const float* w, size_t bias_index) {
  const Image xi = conv_image_of(a.in().shape, c.channels_first), yi = conv_image_of(a.out().shape, c.channels_first);
  float* tmp = yi.cf ? a.be.alloc(yi.count()) : a.out().p;
  conv_gemm(a.be, a.in().p, xi, out[0], out[1], g, w, cout, tmp);
  store(a, tmp, yi);
  finish(a, bias_index, c.channels_first);
}

void conv(const LowerArgs& a, int rank) {
  ConvAttrs c = conv_attrs(a.node, rank);
  int64_t out[2];
  ConvGeom g = forward_geom(c, out);
  g.groups = c.groups;
  const int64_t filters = attr_int(a.node, "filters");
  check_out_shape(a, c.output_shape(spatial_of(c, out), filters));
  conv_common(a, c, g, out, filters, a.weight(0).p, 1);
}
void conv1d(const LowerArgs& a) { conv(a, 1); }
void conv2d(const LowerArgs& a) { conv(a, 2); }

// A grouped conv with one group per input channel; the [kh,kw,cin,dm] kernel is a [kh,kw,1,cin*dm] one.
void depthwise_conv2d(const LowerArgs& a) {
  ConvAttrs c = conv_attrs(a.node, 2);
  int64_t out[2];
  ConvGeom g = forward_geom(c, out);
  g.groups = c.channels;
  const int64_t cout = c.channels * attr_int(a.node, "depth_multiplier");
  check_out_shape(a, c.output_shape(spatial_of(c, out), cout));
  conv_common(a, c, g, out, cout, a.weight(0).p, 1);
}

// Depthwise stage into a channels_last buffer [R, cin*dm], then the 1x1 pointwise conv as one GEMM.
void separable_conv2d(const LowerArgs& a) {
  ConvAttrs c = conv_attrs(a.node, 2);
  const int64_t dm = attr_int(a.node, "depth_multiplier"), filters = attr_int(a.node, "filters");
  int64_t out[2];
  ConvGeom g = forward_geom(c, out);
  g.groups = c.channels;
  check_out_shape(a, c.output_shape(spatial_of(c, out), filters));
  const Image xi = conv_image_of(a.in().shape, c.channels_first), yi = conv_image_of(a.out().shape, c.channels_first);
  const int64_t R = yi.b * yi.h * yi.w, mid_c = c.channels * dm;
  float* mid = a.be.alloc(R * mid_c);
  conv_gemm(a.be, a.in().p, xi, out[0], out[1], g, a.weight(0).p, mid_c, mid);
  float* tmp = yi.cf ? a.be.alloc(yi.count()) : a.out().p;
  gemm_row_major(a.be, false, false, R, filters, mid_c, mid, mid_c, a.weight(1).p, filters, tmp, filters);
  store(a, tmp, yi);
  finish(a, 2, c.channels_first);
}

void conv2d_transpose(const LowerArgs& a) {
  ConvAttrs c = conv_attrs(a.node, 2);
  const int64_t filters = attr_int(a.node, "filters");
  std::vector<int64_t> len;
  const ConvGeom g = transpose_geom(a.node, c, len);
  check_out_shape(a, c.output_shape(len, filters));
  const Image xi = conv_image_of(a.in().shape, c.channels_first), yi = conv_image_of(a.out().shape, c.channels_first);
  a.be.run(ConvTransposeKernel{xi, yi, g, a.in().p, a.weight(0).p, a.out().p}, yi.count());
  finish(a, 1, c.channels_first);
}

// Every row of the last axis times kernel [in, units] (tf.tensordot for rank > 2), plus bias.
void dense(const LowerArgs& a) {
  const DevTensor& x = a.in();
  const int64_t in = x.shape.back(), units = attr_int(a.node, "units"), rows = x.size() / in;
  Shape want = x.shape;
  want.back() = units;
  check_out_shape(a, want);
  gemm_row_major(a.be, false, false, rows, units, in, x.p, in, a.weight(0).p, units, a.out().p, units);
  finish(a, 1, false);
}

// tf.linalg.matmul with broadcast leading dims: one GEMM per output batch at the operands' offsets.
void matmul(const LowerArgs& a) {
  const DevTensor& x = a.in();
  const bool ta = attr_bool(a.node, "transpose_a") || attr_bool(a.node, "adjoint_a");
  const bool tb = attr_bool(a.node, "transpose_b") || attr_bool(a.node, "adjoint_b");
  DevTensor bconst;
  if (!attr_is_null(a.node, "b")) {
    ConstMatrix m = const_matrix(a.node, "b");
    bconst = upload(a.be, {m.rows, m.cols}, std::vector<float>(m.values.begin(), m.values.end()));
  }
  const DevTensor& y = a.inputs.size() == 2 ? a.in(1) : bconst;
  const MatmulGeom g = matmul_geom(x.shape, y.shape, ta, tb);
  check_out_shape(a, g.out);
  for (size_t bi = 0; bi < g.offset_a.size(); ++bi)
    gemm_row_major(a.be, ta, tb, g.M, g.P, g.K, x.p + g.offset_a[bi], g.lda, y.p + g.offset_b[bi], g.ldb,
                   a.out().p + static_cast<int64_t>(bi) * g.M * g.P, g.P);
}

}  // namespace

void register_dense_conv_lowerings(LowerTable& t) {
  t["Dense"] = dense;
  t["Conv1D"] = conv1d;
  t["Conv2D"] = conv2d;
  t["DepthwiseConv2D"] = depthwise_conv2d;
  t["SeparableConv2D"] = separable_conv2d;
  t["Conv2DTranspose"] = conv2d_transpose;
  t["tf.linalg.matmul"] = matmul;
}

}  // namespace parity::cuda
