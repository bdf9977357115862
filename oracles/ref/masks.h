#pragma once
// Keras masks (tf-keras 2): a boolean per timestep that Masking and Embedding(mask_zero=True) create and that
// layers pass on, combine or drop (Layer.compute_mask); recurrent layers skip masked steps. A mask is never a
// graph value: Keras configs have no mask edges, so the executors compute masks next to the values, from each
// op's OpSpec::mask rule (resolved by mask_rule below). See docs/masks.md.
//
// Sources (tf-keras layers/core/masking.py, embedding.py):
//   Masking:   keep[..] = any(x[.., :] != mask_value) over the last axis; the output is x * keep (a product:
//              inf or NaN at a masked step gives NaN, as in Keras).
//   Embedding: keep = (x != 0) on the raw input, before the int32 cast of call() (so an id 0.5 is not masked).
// Propagation (engine/base_layer.py): a layer without supports_masking drops the mask silently
// (_set_mask_metadata returns early; compute_mask's TypeError is never reached from __call__).
#include <algorithm>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "harness/catalog/attrs.h"
#include "harness/catalog/catalog.h"
#include "harness/core/error.h"
#include "harness/ir/graph.h"

namespace parity {

struct Mask {
  Shape shape;                // concrete: the masked value's shape without its feature axes ([N, T] for [N, T, F])
  std::vector<uint8_t> keep;  // row-major; 1 = the step is kept, 0 = masked
  bool operator==(const Mask&) const = default;
};

// An op's mask rule: its catalog declaration, else the tf-keras class: supports_masking with the default
// compute_mask passes the mask on; _Merge / Concatenate combine; layers whose call() reads the mask in a way
// parity does not model are refused; every other class (base Layer, TFOpLambda, Dot: compute_mask -> None)
// drops it.
inline MaskRule mask_rule(const OpSpec& s) {
  if (s.mask != MaskRule::Unset) return s.mask;
  static const std::set<std::string> pass = {
      "Dense", "Activation", "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "AlphaDropout",
      "GaussianDropout", "GaussianNoise", "ActivityRegularization", "BatchNormalization", "LayerNormalization",
      "UnitNormalization", "GroupNormalization", "ReLU", "LeakyReLU", "PReLU", "ELU", "ThresholdedReLU"};
  static const std::set<std::string> merge = {"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"};
  // Softmax.call adds (1 - mask) * -1e9 broadcast against the scores; GlobalAveragePooling1D.call averages the
  // kept steps only. Neither is modelled.
  static const std::set<std::string> refuse = {"Softmax", "GlobalAveragePooling1D"};
  if (s.family != Family::Layer) return MaskRule::Drop;  // TFOpLambda: expects_mask_arg false, no supports_masking
  if (pass.count(s.keras_class)) return MaskRule::PassThrough;
  if (merge.count(s.keras_class)) return MaskRule::Merge;
  if (s.keras_class == "Concatenate") return MaskRule::Concat;
  if (refuse.count(s.keras_class)) return MaskRule::Refuse;
  return MaskRule::Drop;
}

inline const char* kMaskRefusal = "receives a Keras mask, which its call() applies in a way parity does not model";

// Which outputs of a node carry a mask, from which inputs carry one (structure only: whether a mask exists
// never depends on values). A node that may refuse its masked input (when a step is masked: output_masks)
// sets *refused, or without `refused` throws ParityError naming the node.
inline std::vector<bool> masked_outputs(const OpSpec& s, const Node& n, const std::vector<bool>& in_masked,
                                        bool* refused = nullptr) {
  std::vector<bool> out(n.outputs.size(), false);
  const bool any = std::find(in_masked.begin(), in_masked.end(), true) != in_masked.end();
  const bool first = !in_masked.empty() && in_masked[0];
  switch (mask_rule(s)) {
    case MaskRule::Unset:
    case MaskRule::Drop: break;
    case MaskRule::PassThrough: out.at(0) = first; break;
    case MaskRule::Merge:
    case MaskRule::Concat: out.at(0) = any; break;
    case MaskRule::Source: out.at(0) = n.op != "Embedding" || n.attrs.value("mask_zero", false) == true; break;
    case MaskRule::Recurrent: {
      // RNN.compute_mask / Bidirectional.compute_mask: the input mask on the sequence output(s) when
      // return_sequences (both outputs when merge_mode is None); never on the states.
      const json& cfg = n.op == "Bidirectional" ? n.attrs.at("layer").at("config") : n.attrs;
      if (first && cfg.value("return_sequences", false)) {
        out.at(0) = true;
        if (n.op == "Bidirectional" && n.attrs.value("merge_mode", json()).is_null()) out.at(1) = true;
      }
      break;
    }
    case MaskRule::Refuse:
      if (first && refused) *refused = true;
      else if (first) fail("node '{}' ({}): {}", n.name, n.op, kMaskRefusal);
      break;
  }
  return out;
}

// masked[v] for every value of the graph (inputs carry none). `refusing`: collects the nodes that refuse their
// masked input (without it, the first one throws ParityError).
inline std::vector<bool> masked_values(const Graph& g, const Catalog& c, std::vector<const Node*>* refusing = nullptr) {
  std::vector<bool> masked(g.values.size(), false);
  for (const Node& n : g.nodes) {
    if (n.op == "InputLayer") continue;
    std::vector<bool> in;
    for (ValueId v : n.inputs) in.push_back(masked[v]);
    bool refused = false;
    const std::vector<bool> out = masked_outputs(c.at(n.op), n, in, refusing ? &refused : nullptr);
    if (refused) refusing->push_back(&n);
    for (size_t i = 0; i < out.size(); ++i) masked[n.outputs[i]] = out[i];
  }
  return masked;
}

namespace mask_detail {

inline int64_t count(const Shape& s) { return num_elements(s); }

// Concatenate.compute_mask: each input's mask at the input's rank (none: all ones of the input's shape; a
// mask of lower rank: expand_dims(-1)), concatenated on `axis`, then all() over the last axis. Masks that
// cannot be concatenated (a [N, T, 1] mask beside an unmasked [N, T, F] input, F > 1, on a non-last axis)
// make Keras raise while building the model, so no Keras model has them: refused here (ParityError naming
// the node), and never generated (output_mask_shapes).
inline std::optional<Mask> concat(const NodeView& n, const std::vector<Shape>& in_shapes, const std::vector<const Mask*>& m) {
  const int64_t rank = static_cast<int64_t>(in_shapes.at(0).size());
  int64_t axis = attr_int(n, "axis");
  if (axis < 0) axis += rank;
  std::vector<Mask> parts;
  for (size_t i = 0; i < m.size(); ++i) {
    Mask p;
    if (!m[i]) {
      p.shape = in_shapes[i];
      p.keep.assign(static_cast<size_t>(count(p.shape)), 1);
    } else {
      p = *m[i];
      if (static_cast<int64_t>(p.shape.size()) < rank) p.shape.push_back(1);
    }
    parts.push_back(std::move(p));
  }
  auto refuse = [&] {
    std::string shapes;
    for (const Mask& p : parts) shapes += (shapes.empty() ? "" : ", ") + shape_str(p.shape);
    fail_node(n, fmt::format("Keras cannot concatenate the masks {} on axis {} (Concatenate.compute_mask raises; "
                             "a masked input beside an unmasked one concatenates only on the last axis)", shapes, axis));
  };
  for (const Mask& p : parts)
    if (static_cast<int64_t>(p.shape.size()) != rank) refuse();
  Shape cat = parts[0].shape;
  cat[axis] = 0;
  for (const Mask& p : parts) {
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis && p.shape[d] != parts[0].shape[d]) refuse();
    cat[axis] += p.shape[axis];
  }
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= cat[d];
  std::vector<uint8_t> all;
  all.reserve(static_cast<size_t>(count(cat)));
  for (int64_t o = 0; o < outer; ++o)
    for (const Mask& p : parts) {
      const int64_t chunk = count(p.shape) / outer;
      all.insert(all.end(), p.keep.begin() + o * chunk, p.keep.begin() + (o + 1) * chunk);
    }
  Mask r;
  r.shape = Shape(cat.begin(), cat.end() - 1);
  const int64_t last = cat.back();
  for (int64_t i = 0; i < count(r.shape); ++i) {
    uint8_t k = 1;
    for (int64_t j = 0; j < last; ++j) k &= all[i * last + j];
    r.keep.push_back(k);
  }
  return r;
}

}  // namespace mask_detail

// The shapes of a node's output masks from its inputs' value shapes and mask shapes (nullptr: no mask), as
// output_masks computes them, without values: what a generator needs to know whether Keras could build the
// node. Sets *keras_raises (and returns no masks) where Keras raises while building the model: masks a
// merge cannot combine, masks Concatenate cannot concatenate, a recurrent layer's mask that is not the
// [batch, timesteps] of its input.
inline std::vector<std::optional<Shape>> output_mask_shapes(const OpSpec& s, const NodeView& n, size_t n_outputs,
                                                           const std::vector<const Shape*>& in_masks,
                                                           std::string* keras_raises) {
  std::vector<std::optional<Shape>> out(n_outputs);
  const Shape* first = in_masks.empty() ? nullptr : in_masks[0];
  const bool any = std::find_if(in_masks.begin(), in_masks.end(), [](const Shape* m) { return m != nullptr; }) !=
                   in_masks.end();
  auto raise = [&](std::string why) {
    *keras_raises = std::move(why);
    return std::vector<std::optional<Shape>>(n_outputs);
  };
  switch (mask_rule(s)) {
    case MaskRule::Unset:
    case MaskRule::Drop:
    case MaskRule::Refuse: break;
    case MaskRule::PassThrough:
      if (first) out.at(0) = *first;
      break;
    case MaskRule::Merge: {
      const Shape* seen = nullptr;
      for (const Shape* m : in_masks) {
        if (!m) continue;
        if (seen && *m != *seen) return raise(fmt::format("masks {} and {} cannot be combined", shape_str(*seen), shape_str(*m)));
        seen = m;
      }
      if (seen) out.at(0) = *seen;
      break;
    }
    case MaskRule::Concat: {
      if (!any) break;
      const int64_t rank = static_cast<int64_t>(n.input_shapes.at(0).size());
      int64_t axis = attr_int(n, "axis");
      if (axis < 0) axis += rank;
      std::vector<Shape> parts;
      for (size_t i = 0; i < in_masks.size(); ++i) {
        Shape p = in_masks[i] ? *in_masks[i] : n.input_shapes.at(i);
        if (in_masks[i] && static_cast<int64_t>(p.size()) < rank) p.push_back(1);
        if (static_cast<int64_t>(p.size()) != rank) return raise("masks of another rank than the inputs");
        parts.push_back(std::move(p));
      }
      Shape cat = parts[0];
      cat[axis] = 0;
      for (const Shape& p : parts) {
        for (int64_t d = 0; d < rank; ++d)
          if (d != axis && p[d] != parts[0][d]) return raise("masks that do not concatenate");
        cat[axis] += p[axis];
      }
      out.at(0) = Shape(cat.begin(), cat.end() - 1);
      break;
    }
    case MaskRule::Source:
      if (n.op == "Embedding") {
        if (attr_bool(n, "mask_zero")) out.at(0) = n.input_shapes.at(0);
      } else {
        const Shape& x = n.input_shapes.at(0);
        out.at(0) = Shape(x.begin(), x.end() - 1);
      }
      break;
    case MaskRule::Recurrent: {
      if (!first) break;
      const Shape& x = n.input_shapes.at(0);
      if (first->size() != 2 || x.size() < 2 || (*first)[0] != x[0] || (*first)[1] != x[1])
        return raise(fmt::format("a mask {} for an input {}", shape_str(*first), shape_str(x)));
      const json& cfg = n.op == "Bidirectional" ? n.attrs.at("layer").at("config") : n.attrs;
      if (cfg.value("return_sequences", false)) {
        out.at(0) = *first;
        if (n.op == "Bidirectional" && n.attrs.value("merge_mode", json()).is_null()) out.at(1) = *first;
      }
      break;
    }
  }
  return out;
}

// Every value's mask shape (nullopt: none), by output_mask_shapes over the graph. Throws ParityError naming
// the node where Keras would raise.
inline std::vector<std::optional<Shape>> mask_shapes(const Graph& g, const Catalog& c) {
  std::vector<std::optional<Shape>> shapes(g.values.size());
  for (const Node& n : g.nodes) {
    if (n.op == "InputLayer") continue;
    std::vector<const Shape*> in;
    std::vector<Shape> in_shapes;
    for (ValueId v : n.inputs) {
      in.push_back(shapes[v] ? &*shapes[v] : nullptr);
      in_shapes.push_back(g.values[v].shape);
    }
    std::string raises;
    const NodeView view{n.name, n.op, n.attrs, in_shapes};
    const auto out = output_mask_shapes(c.at(n.op), view, n.outputs.size(), in, &raises);
    if (!raises.empty()) fail_node(view, "Keras raises while building the model: " + raises);
    for (size_t i = 0; i < out.size(); ++i) shapes[n.outputs[i]] = out[i];
  }
  return shapes;
}

// The masks of a node's outputs from its inputs (values in the executor's precision T) and their masks.
// Agrees with masked_outputs on which outputs carry one.
template <class T>
std::vector<std::optional<Mask>> output_masks(const OpSpec& s, const NodeView& n, size_t n_outputs,
                                              const std::vector<const Tensor<T>*>& in,
                                              const std::vector<const Mask*>& in_masks) {
  std::vector<std::optional<Mask>> out(n_outputs);
  const Mask* first = in_masks.empty() ? nullptr : in_masks[0];
  const bool any = std::find_if(in_masks.begin(), in_masks.end(), [](const Mask* m) { return m != nullptr; }) !=
                   in_masks.end();
  switch (mask_rule(s)) {
    case MaskRule::Unset:
    case MaskRule::Drop: break;
    case MaskRule::PassThrough:
      if (first) out.at(0) = *first;
      break;
    case MaskRule::Merge: {  // _Merge.compute_mask: all() over the masks that exist, which must agree in shape
      if (!any) break;
      Mask r;
      for (const Mask* m : in_masks) {
        if (!m) continue;
        if (r.keep.empty() && r.shape.empty()) {
          r = *m;
          continue;
        }
        if (m->shape != r.shape)
          fail_node(n, fmt::format("masks {} and {} cannot be combined (Keras raises too)", shape_str(r.shape),
                                   shape_str(m->shape)));
        for (size_t i = 0; i < r.keep.size(); ++i) r.keep[i] &= m->keep[i];
      }
      out.at(0) = std::move(r);
      break;
    }
    case MaskRule::Concat: {
      if (!any) break;
      std::vector<Shape> shapes;
      for (const Tensor<T>* t : in) shapes.push_back(t->shape);
      out.at(0) = mask_detail::concat(n, shapes, in_masks);
      break;
    }
    case MaskRule::Source: {
      const Tensor<T>& x = *in.at(0);
      Mask m;
      if (n.op == "Embedding") {
        if (!attr_bool(n, "mask_zero")) break;
        m.shape = x.shape;
        for (int64_t i = 0; i < x.size(); ++i) m.keep.push_back(x[i] != T(0));
      } else {  // Masking: the mask value in the input dtype (tf.not_equal(inputs, self.mask_value))
        const T mv = static_cast<T>(static_cast<float>(attr_float(n, "mask_value")));
        const int64_t f = x.shape.back(), rows = x.size() / std::max<int64_t>(f, 1);
        m.shape = Shape(x.shape.begin(), x.shape.end() - 1);
        for (int64_t r = 0; r < rows; ++r) {
          uint8_t k = 0;
          for (int64_t j = 0; j < f; ++j) k |= x[r * f + j] != mv;
          m.keep.push_back(k);
        }
      }
      out.at(0) = std::move(m);
      break;
    }
    case MaskRule::Recurrent: {
      const json& cfg = n.op == "Bidirectional" ? n.attrs.at("layer").at("config") : n.attrs;
      if (first && cfg.value("return_sequences", false)) {
        out.at(0) = *first;
        if (n.op == "Bidirectional" && n.attrs.value("merge_mode", json()).is_null()) out.at(1) = *first;
      }
      break;
    }
    case MaskRule::Refuse:
      // With every step kept the layer computes what it computes unmasked (Softmax adds 0; the masked average
      // of GlobalAveragePooling1D is the mean), so only a mask that masks something is refused.
      if (first && std::find(first->keep.begin(), first->keep.end(), uint8_t{0}) != first->keep.end())
        fail_node(n, kMaskRefusal);
      break;
  }
  return out;
}

// A recurrent layer's [N, T] mask, checked against its [N, T, F] input.
inline const Mask* sequence_mask(const NodeView& n, const Mask* m, const Shape& x) {
  if (!m) return nullptr;
  if (m->shape.size() != 2 || m->shape[0] != x.at(0) || m->shape[1] != x.at(1))
    fail_node(n, fmt::format("mask of shape {} does not match the [batch, timesteps] of its input {}",
                             shape_str(m->shape), shape_str(x)));
  return m;
}

}  // namespace parity
