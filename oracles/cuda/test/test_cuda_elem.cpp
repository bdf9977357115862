// The per-element functions the CUDA kernels call, on the host: each unary/binary op against the reference
// kernels' scalar formulas, softmax_finish against softmax_axes, and the index arithmetic (row-major walks,
// image coordinates, copy gathers, im2col) against direct loops. No GPU or toolkit needed.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "oracles/cuda/elem/copy.h"
#include "oracles/cuda/elem/elementwise.h"
#include "oracles/cuda/elem/reduce.h"
#include "oracles/cuda/elem/window.h"
#include "oracles/ref/activation.h"

namespace parity::cuda {
namespace {

void expect_same(float a, float b, const std::string& what) {
  if (std::isnan(a) && std::isnan(b)) return;
  EXPECT_EQ(a, b) << what;
}

TEST(CudaElem, UnaryOpsAreTheReferenceFormulas) {
  namespace s = scalar;
  const float xs[] = {-7.5f, -2.5f, -1.0f, -0.5f, -0.0f, 0.0f, 0.3f, 0.5f, 1.5f, 2.5f, 6.0f, 9.0f, NAN, INFINITY};
  UnaryParams p;
  for (float x : xs) {
    const std::string at = "x = " + std::to_string(x);
    expect_same(unary_value(UnaryOp::Relu6, p, x), s::relu6(x), at);
    expect_same(unary_value(UnaryOp::Selu, p, x), s::selu(x), at);
    expect_same(unary_value(UnaryOp::GeluTanh, p, x), s::gelu_tanh(x), at);
    expect_same(unary_value(UnaryOp::Round, p, x), s::round_half_even(x), at);
    expect_same(unary_value(UnaryOp::Sign, p, x), s::sign(x), at);
    expect_same(unary_value(UnaryOp::Log1p, p, x), std::log1p(x), at);
    UnaryParams relu{0.1f, 4.0f, 0.5f, true};  // negative_slope, max_value, threshold
    expect_same(unary_value(UnaryOp::KerasRelu, relu, x), s::keras_relu(x, 0.1f, true, 4.0f, 0.5f), at);
    UnaryParams clip{-1.0f, 2.0f};
    expect_same(unary_value(UnaryOp::Clip, clip, x), s::max_nan(s::min_nan(x, 2.0f), -1.0f), at);
    expect_same(binary_value(BinaryOp::Prelu, x, 0.25f), s::prelu(x, 0.25f), at);
    expect_same(binary_value(BinaryOp::Max, x, 1.0f), s::max_nan(x, 1.0f), at);
  }
  // Values that pin the semantics, not just the sharing.
  EXPECT_EQ(unary_value(UnaryOp::Round, p, 2.5f), 2.0f);
  EXPECT_EQ(unary_value(UnaryOp::ThresholdedRelu, UnaryParams{1.0f}, 1.0f), 0.0f);  // strictly greater
  EXPECT_TRUE(std::isnan(binary_value(BinaryOp::Min, 1.0f, NAN)));
  EXPECT_EQ(unary_value(UnaryOp::Affine, UnaryParams{2.0f, 1.0f}, 3.0f), 7.0f);
}

TEST(CudaElem, GroupSoftmaxMatchesSoftmaxAxes) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-5, 5);
  Tensor<float> t({2, 3, 4});
  for (float& v : t.data) v = u(rng);
  for (auto [form, op] : {std::pair{SoftmaxForm::Softmax, GroupOp::Softmax}, {SoftmaxForm::LogSoftmax, GroupOp::LogSoftmax},
                          {SoftmaxForm::ExpLse, GroupOp::ExpLse}}) {
    Tensor<float> want = t;
    softmax_axes(want, {0 + 1, 2}, form);  // axes 1 and 2 jointly
    GroupKernel k;
    k.op = op;
    k.g.outer = StridedDims{1, {2}, {12}};
    k.g.inner = StridedDims{2, {3, 4}, {4, 1}};
    std::vector<float> got(t.data.size(), NAN);
    k.x = t.data.data();
    k.y = got.data();
    for (int64_t g = 0; g < 2; ++g) k(g);
    for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], want.data[i]) << i;
  }
}

TEST(CudaElem, ImageCoordsInvertAt) {
  for (bool cf : {false, true}) {
    const Image m{2, 3, 4, 5, cf};
    for (int64_t i = 0; i < m.count(); ++i) {
      int64_t b, y, x, c;
      m.coords(i, b, y, x, c);
      ASSERT_EQ(m.at(b, y, x, c), i) << "cf " << cf;
      ASSERT_TRUE(b < 2 && y < 3 && x < 4 && c < 5);
    }
  }
}

TEST(CudaElem, StridedDimsWalkRowMajor) {
  const StridedDims s{3, {2, 3, 4}, {1, 8, 2}};  // a permuted view
  int64_t i = 0;
  for (int64_t a = 0; a < 2; ++a)
    for (int64_t b = 0; b < 3; ++b)
      for (int64_t c = 0; c < 4; ++c) EXPECT_EQ(s.offset(i++), a * 1 + b * 8 + c * 2);
  EXPECT_EQ(s.count(), 24);
}

TEST(CudaElem, CopyGatherPadsCropsAndUpsamples) {
  // 1-D source [0..4]: pad 2 before (shift 2), upsample x2 (div 2); outside reads 0.
  const float src[] = {10, 11, 12, 13, 14};
  CopyKernel k;
  k.rank = 1;
  k.dim[0] = 9;
  k.div[0] = 1;
  k.shift[0] = 2;
  k.src_dim[0] = 5;
  k.src_stride[0] = 1;
  k.dst_stride[0] = 1;
  float out[9];
  k.x = src;
  k.y = out;
  for (int64_t i = 0; i < 9; ++i) k(i);
  const float padded[] = {0, 0, 10, 11, 12, 13, 14, 0, 0};
  for (int i = 0; i < 9; ++i) EXPECT_EQ(out[i], padded[i]) << i;
  k.shift[0] = -1;  // crop 1
  k.dim[0] = 3;
  for (int64_t i = 0; i < 3; ++i) k(i);
  EXPECT_EQ(out[0], 11);
  EXPECT_EQ(out[2], 13);
  k.shift[0] = 0;
  k.div[0] = 2;  // nearest upsampling
  k.dim[0] = 4;
  for (int64_t i = 0; i < 4; ++i) k(i);
  EXPECT_EQ(out[0], 10);
  EXPECT_EQ(out[1], 10);
  EXPECT_EQ(out[3], 11);
}

TEST(CudaElem, Im2colMatchesDirectTaps) {
  // [1, 3, 4, 2] channels_last, 2x2 taps, stride 1, dilation 2 in x, 'same'-style pad 1 before.
  const Image in{1, 3, 4, 2, false};
  std::vector<float> x(static_cast<size_t>(in.count()));
  for (size_t i = 0; i < x.size(); ++i) x[i] = float(i + 1);
  ConvGeom g;
  g.k[0] = g.k[1] = 2;
  g.d[1] = 2;
  g.pad[0] = g.pad[1] = 1;
  const int64_t oh = 3, ow = 4, K = 2 * 2 * 2;
  std::vector<float> cols(static_cast<size_t>(oh * ow * K), NAN);
  Im2colKernel k{in, oh, ow, g, x.data(), cols.data()};
  for (int64_t e = 0; e < oh * ow * K; ++e) k(e);
  for (int64_t oy = 0; oy < oh; ++oy)
    for (int64_t ox = 0; ox < ow; ++ox)
      for (int64_t i = 0; i < 2; ++i)
        for (int64_t j = 0; j < 2; ++j)
          for (int64_t c = 0; c < 2; ++c) {
            const int64_t iy = oy + i - 1, ix = ox + 2 * j - 1;
            const float want = iy < 0 || iy >= 3 || ix < 0 || ix >= 4 ? 0.0f : x[in.at(0, iy, ix, c)];
            EXPECT_EQ(cols[(oy * ow + ox) * K + (i * 2 + j) * 2 + c], want);
          }
}

TEST(CudaElem, BilinearTapsFollowHalfPixelCenters) {
  // in 2 -> out 4: src = (d + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25
  const BilinearTap t0 = bilinear_tap(0, 2, 4), t1 = bilinear_tap(1, 2, 4), t3 = bilinear_tap(3, 2, 4);
  EXPECT_EQ(t0.lo, 0);
  EXPECT_EQ(t0.hi, 0);  // clamped at the left edge
  EXPECT_EQ(t1.lo, 0);
  EXPECT_EQ(t1.hi, 1);
  EXPECT_FLOAT_EQ(t1.frac, 0.25f);
  EXPECT_EQ(t3.lo, 1);
  EXPECT_EQ(t3.hi, 1);  // clamped at the right edge
}

}  // namespace
}  // namespace parity::cuda
