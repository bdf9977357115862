#pragma once
// The window geometry of one forward convolution as the kernels compute it (TF's rule, window_1d), shared
// by the reference kernels and the CUDA lowering so both derive it one way. ConvGeom is a plain struct that
// device code can hold; forward_geom is host code.
#include <cstdint>
#include <vector>

namespace parity {

// Index 0 is height, 1 width (a 1-D convolution has a unit height).
struct ConvGeom {
  int64_t k[2] = {1, 1}, s[2] = {1, 1}, d[2] = {1, 1}, pad[2] = {0, 0};  // pad = padding before
  int64_t groups = 1;
};

}  // namespace parity

#ifndef __CUDACC__
#include <fmt/format.h>

#include "harness/ops/conv_attrs.h"
#include "harness/ops/conv_util.h"

namespace parity {

// TF's window rule, or Keras' causal left pad then 'valid'. Fills the output spatial sizes (height first;
// a 1-D conv gets height 1).
inline ConvGeom forward_geom(const ConvAttrs& c, int64_t out[2]) {
  ConvGeom g;
  const int off = c.rank == 1 ? 1 : 0;
  out[0] = 1;
  for (int i = 0; i < c.rank; ++i) {
    const int d = i + off;
    g.k[d] = c.kernel[i];
    g.s[d] = c.strides[i];
    g.d[d] = c.dilation[i];
    if (c.padding == "causal") {
      g.pad[d] = (c.kernel[i] - 1) * c.dilation[i];  // tf-keras Conv._compute_causal_padding
      out[d] = window_1d(c.spatial[i] + g.pad[d], c.kernel[i], c.strides[i], c.dilation[i], "valid").out;
    } else {
      const Window1D w = window_1d(c.spatial[i], c.kernel[i], c.strides[i], c.dilation[i], c.padding);
      g.pad[d] = w.pad_before;
      out[d] = w.out;
    }
  }
  return g;
}

// Conv2DTranspose: the output size is Keras' (deconv_output_length, into `len`); TF requires the forward
// conv of that size to give the input back (Conv2DBackpropInput), and its pad before is the transpose's.
inline ConvGeom transpose_geom(const NodeView& node, const ConvAttrs& c, std::vector<int64_t>& len) {
  len.assign(2, 0);
  ConvGeom g;
  for (int i = 0; i < 2; ++i) {
    len[i] = deconv_output_length(c.spatial[i], c.kernel[i], c.padding, c.output_padding[i], c.strides[i],
                                  c.dilation[i]);
    const Window1D w = window_1d(len[i], c.kernel[i], c.strides[i], c.dilation[i], c.padding);
    if (w.out != c.spatial[i])
      fail_node(node, fmt::format("forward conv of size {} gives {}, not {}", len[i], w.out, c.spatial[i]));
    g.k[i] = c.kernel[i];
    g.s[i] = c.strides[i];
    g.d[i] = c.dilation[i];
    g.pad[i] = w.pad_before;
  }
  return g;
}

// The output's spatial sizes in the layer's own rank.
inline std::vector<int64_t> spatial_of(const ConvAttrs& c, const int64_t out[2]) {
  return c.rank == 1 ? std::vector<int64_t>{out[1]} : std::vector<int64_t>{out[0], out[1]};
}

}  // namespace parity
#endif
