#pragma once
// The attributes of TF's nn functions (tf.nn.conv2d, pools, ...), read and validated one way for shape
// inference, the reference kernels, the CUDA lowering and the graph-model lowering. TF 2 semantics:
//  - strides / ksize / dilations: an int, or a list of 1, N or N+2 ints (nn_ops._get_sequence); in the N+2
//    form the batch and channel entries must be 1 (parity refuses anything touching the batch).
//  - padding: "VALID", "SAME" (kernel_shape_util.cc: the odd 'same' cell goes after), or an explicit list of
//    N+2 [before, after] pairs (batch and channel pairs [0, 0]).
//  - data_format: channels last only (NWC / NHWC / NDHWC); TF's CPU Conv2D / pooling kernels refuse NCHW.
#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

#include "harness/catalog/attrs.h"
#include "harness/ops/conv_geom.h"
#include "harness/ops/conv_util.h"

namespace parity {

// N ints for the spatial dims from an int or a list of 1, N or N+2 (outer entries must be 1).
inline std::vector<int64_t> tf_spatial_ints(const NodeView& n, const std::string& field, int nsp) {
  const json& v = n.attrs.at(field);
  std::vector<int64_t> out;
  if (v.is_number_integer()) {
    out.assign(static_cast<size_t>(nsp), v.get<int64_t>());
  } else if (v.is_array() && std::all_of(v.begin(), v.end(), [](const json& e) { return e.is_number_integer(); })) {
    const auto l = v.get<std::vector<int64_t>>();
    if (l.size() == 1) out.assign(static_cast<size_t>(nsp), l[0]);
    else if (static_cast<int>(l.size()) == nsp) out = l;
    else if (static_cast<int>(l.size()) == nsp + 2) {
      if (l.front() != 1 || l.back() != 1)
        fail_field(n, field, fmt::format("the batch and channel entries of {} must be 1 (parity never strides or "
                                         "dilates across the batch)", v.dump()));
      out.assign(l.begin() + 1, l.end() - 1);
    } else {
      fail_field(n, field, fmt::format("expected an int or a list of 1, {} or {} ints, got {}", nsp, nsp + 2, v.dump()));
    }
  } else {
    fail_field(n, field, "expected an int or a list of ints, got " + v.dump());
  }
  for (int64_t x : out)
    if (x < 1) fail_field(n, field, "values must be >= 1, got " + v.dump());
  return out;
}

// The channels-last data_format of an N-d op: refuses the channels-first ones with TF's reason.
inline void tf_require_channels_last(const NodeView& n, int nsp) {
  const std::string f = attr_str(n, "data_format");
  const char* last = nsp == 1 ? "NWC" : nsp == 2 ? "NHWC" : "NDHWC";
  if (f != last)
    fail_field(n, "data_format", fmt::format("'{}' is not supported: TF's CPU kernels compute only '{}' (channels "
                                             "last); transpose the input instead", f, last));
}

// One spatial dim of a windowed op: its output size and the padding before it.
struct TfWindowDim {
  int64_t in = 1, k = 1, s = 1, d = 1, pad_before = 0, pad_after = 0, out = 1;
};

// Window geometry of every spatial dim. `in` are the input's spatial sizes (channels last: dims 1..N).
inline std::vector<TfWindowDim> tf_window(const NodeView& n, const std::vector<int64_t>& in,
                                          const std::vector<int64_t>& k, const std::vector<int64_t>& s,
                                          const std::vector<int64_t>& d, bool allow_explicit = true) {
  const int nsp = static_cast<int>(in.size());
  const json& p = n.attrs.at("padding");
  std::vector<TfWindowDim> w(static_cast<size_t>(nsp));
  for (int i = 0; i < nsp; ++i) w[i] = {in[i], k[i], s[i], d[i], 0, 0, 0};
  if (p.is_string()) {
    const std::string ps = p.get<std::string>();
    if (ps != "VALID" && ps != "SAME")
      fail_field(n, "padding", "expected \"VALID\", \"SAME\" or a list of [before, after] pairs, got " + p.dump());
    for (auto& x : w) {
      const Window1D r = window_1d(x.in, x.k, x.s, x.d, ps == "SAME" ? "same" : "valid");
      x.pad_before = r.pad_before, x.pad_after = r.pad_after, x.out = r.out;
    }
  } else {
    if (!allow_explicit) fail_field(n, "padding", "expected \"VALID\" or \"SAME\", got " + p.dump());
    if (!p.is_array() || static_cast<int>(p.size()) != nsp + 2)
      fail_field(n, "padding", fmt::format("an explicit padding is a list of {} [before, after] pairs, got {}", nsp + 2, p.dump()));
    for (size_t i = 0; i < p.size(); ++i) {
      const json& e = p[i];
      if (!e.is_array() || e.size() != 2 || !e[0].is_number_integer() || !e[1].is_number_integer() ||
          e[0].get<int64_t>() < 0 || e[1].get<int64_t>() < 0)
        fail_field(n, "padding", "each entry must be a pair of non-negative ints, got " + p.dump());
      const bool outer = i == 0 || i + 1 == p.size();
      if (outer && (e[0].get<int64_t>() != 0 || e[1].get<int64_t>() != 0))
        fail_field(n, "padding", "the batch and channel pairs must be [0, 0], got " + p.dump());
      if (!outer) w[i - 1].pad_before = e[0].get<int64_t>(), w[i - 1].pad_after = e[1].get<int64_t>();
    }
    for (auto& x : w) {  // conv_ops.cc: out = (in + before + after - eff_k) / stride + 1
      const int64_t eff = (x.k - 1) * x.d + 1, len = x.in + x.pad_before + x.pad_after;
      x.out = len >= eff ? (len - eff) / x.s + 1 : 0;
    }
  }
  for (const auto& x : w)
    if (x.out < 1)
      fail_node(n, fmt::format("the window {} (dilated {}) does not fit the padded spatial size {}", x.k,
                               (x.k - 1) * x.d + 1, x.in + x.pad_before + x.pad_after));
  return w;
}

// The spatial dims (channels last) of a rank-(N+2) input.
inline std::vector<int64_t> tf_spatial_of(const Shape& s) { return {s.begin() + 1, s.end() - 1}; }

// ConvGeom (height first) from the window dims of a 1-D or 2-D conv; 1-D runs along W over a unit height.
// Shared by the reference kernels and the CUDA lowering.
inline ConvGeom conv_geom_of(const std::vector<TfWindowDim>& w) {
  ConvGeom g;
  const int off = w.size() == 1 ? 1 : 0;
  for (size_t i = 0; i < w.size(); ++i) {
    g.k[i + off] = w[i].k, g.s[i + off] = w[i].s, g.d[i + off] = w[i].d, g.pad[i + off] = w[i].pad_before;
  }
  return g;
}

// The channels-last output shape [N, out..., channels] of a windowed op.
inline Shape window_out_shape(const Shape& in, const std::vector<TfWindowDim>& w, int64_t channels) {
  Shape s{in[0]};
  for (const auto& x : w) s.push_back(x.out);
  s.push_back(channels);
  return s;
}

}  // namespace parity
