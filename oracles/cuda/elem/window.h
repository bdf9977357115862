#pragma once
// Per-output-element functions of the windowed kernels: pooling, im2col (the convolutions' GEMM operand),
// the transposed convolution and bilinear resizing. Each mirrors its reference kernel's loop body
// (oracles/ref/kernels/pool_norm.cpp, dense_conv.cpp, shape.cpp); only the loop over output elements
// becomes the flat index `i`.
#include <cmath>
#include <cstdint>

#include "harness/ops/conv_geom.h"
#include "oracles/cuda/elem/index.h"
#include "oracles/ref/image.h"
#include "oracles/ref/scalar_math.h"

namespace parity::cuda {


// Max or average pooling with TF padding: only cells inside the input take part (max never sees padding,
// the average divides by the number of valid cells, as TF's AvgPool excludes padding).
struct PoolKernel {
  Image in, out;
  int64_t k[2] = {1, 1}, s[2] = {1, 1}, pad[2] = {0, 0}, pad_after[2] = {0, 0};
  bool is_max = true;
  const float* x = nullptr;
  float* y = nullptr;
  PARITY_HD void operator()(int64_t i) const {
    int64_t b, oy, ox, ch;
    out.coords(i, b, oy, ox, ch);
    float acc = is_max ? -INFINITY : 0.0f;
    int64_t count = 0;
    for (int64_t dy = 0; dy < k[0]; ++dy)
      for (int64_t dx = 0; dx < k[1]; ++dx) {
        const int64_t iy = oy * s[0] - pad[0] + dy, ix = ox * s[1] - pad[1] + dx;
        if (iy < 0 || iy >= in.h || ix < 0 || ix >= in.w) continue;
        const float v = x[in.at(b, iy, ix, ch)];
        acc = is_max ? scalar::max_nan(acc, v) : acc + v;
        ++count;
      }
    y[i] = count == 0 ? NAN : is_max ? acc : acc / float(count);  // count 0 is impossible with TF geometry
  }
};


// im2col for a grouped convolution: cols[g][r][kk] with r = (b, oy, ox) row-major over the output and
// kk = (i, j, ci) row-major over the taps and the group's input channels -- the row order of the Keras kernel
// [kh, kw, cin/groups, cout], so group g's GEMM is cols[g] (R x K) times the kernel's columns of group g.
// Taps outside the input are 0 (the zero padding).
struct Im2colKernel {
  Image in;
  int64_t oh = 1, ow = 1;
  ConvGeom g;
  const float* x = nullptr;
  float* cols = nullptr;
  PARITY_HD void operator()(int64_t e) const {
    const int64_t cin_g = in.c / g.groups, K = g.k[0] * g.k[1] * cin_g, R = in.b * oh * ow;
    int64_t t = e;
    const int64_t kk = t % K;
    t /= K;
    const int64_t r = t % R, grp = t / R;
    const int64_t ci = kk % cin_g, j = (kk / cin_g) % g.k[1], ii = kk / (cin_g * g.k[1]);
    const int64_t ox = r % ow, oy = (r / ow) % oh, b = r / (ow * oh);
    const int64_t iy = oy * g.s[0] + ii * g.d[0] - g.pad[0], ix = ox * g.s[1] + j * g.d[1] - g.pad[1];
    const bool inside = iy >= 0 && iy < in.h && ix >= 0 && ix < in.w;
    cols[e] = inside ? x[in.at(b, iy, ix, grp * cin_g + ci)] : 0.0f;
  }
};

// Conv2DTranspose (TF Conv2DBackpropInput) as a gather: out[b,oy,ox,f] sums x[b,iy,ix,c] * w[i,j,f,c] over
// every (iy, ix, i, j) with oy = iy*s + i*d - pad, the reference kernel's loop. cuDNN's backward-data would
// need the asymmetric TF padding re-expressed by over-allocating and cropping; this gather is exact as is.
struct ConvTransposeKernel {
  Image in, out;
  ConvGeom g;
  const float* x = nullptr;
  const float* w = nullptr;  // [kh, kw, filters, cin]
  float* y = nullptr;
  PARITY_HD void operator()(int64_t e) const {
    int64_t b, oy, ox, f;
    out.coords(e, b, oy, ox, f);
    float acc = 0;
    for (int64_t i = 0; i < g.k[0]; ++i) {
      const int64_t ty = oy + g.pad[0] - i * g.d[0];  // = iy * s
      if (ty < 0 || ty % g.s[0] != 0 || ty / g.s[0] >= in.h) continue;
      for (int64_t j = 0; j < g.k[1]; ++j) {
        const int64_t tx = ox + g.pad[1] - j * g.d[1];
        if (tx < 0 || tx % g.s[1] != 0 || tx / g.s[1] >= in.w) continue;
        for (int64_t ci = 0; ci < in.c; ++ci)
          acc += x[in.at(b, ty / g.s[0], tx / g.s[1], ci)] * w[((i * g.k[1] + j) * out.c + f) * in.c + ci];
      }
    }
    y[e] = acc;
  }
};

// One axis of TF ResizeBilinear with half_pixel_centers: src = (dst + 0.5) * in / out - 0.5,
// lo = max(floor(src), 0), hi = min(ceil(src), in - 1), frac = src - floor(src).
struct BilinearTap {
  int64_t lo, hi;
  float frac;
};
PARITY_HD inline BilinearTap bilinear_tap(int64_t dst, int64_t in, int64_t out) {
  const float scale = float(in) / float(out);
  const float src = (float(dst) + 0.5f) * scale - 0.5f;
  const float fl = std::floor(src);
  const int64_t lo = static_cast<int64_t>(fl), hi = static_cast<int64_t>(std::ceil(src));
  return {lo < 0 ? 0 : lo, hi > in - 1 ? in - 1 : hi, src - fl};
}

// UpSampling2D(interpolation="bilinear"): lerp along x on the two rows, then along y (TF's compute_lerp).
struct BilinearKernel {
  Image in, out;
  const float* x = nullptr;
  float* y = nullptr;
  PARITY_HD void operator()(int64_t e) const {
    int64_t b, oy, ox, ch;
    out.coords(e, b, oy, ox, ch);
    const BilinearTap v = bilinear_tap(oy, in.h, out.h), u = bilinear_tap(ox, in.w, out.w);
    const float tl = x[in.at(b, v.lo, u.lo, ch)], tr = x[in.at(b, v.lo, u.hi, ch)];
    const float bl = x[in.at(b, v.hi, u.lo, ch)], br = x[in.at(b, v.hi, u.hi, ch)];
    const float top = tl + (tr - tl) * u.frac, bot = bl + (br - bl) * u.frac;
    y[e] = top + (bot - top) * v.frac;
  }
};

}  // namespace parity::cuda
