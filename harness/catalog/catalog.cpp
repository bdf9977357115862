#include "harness/catalog/catalog.h"

#include <algorithm>

#include "harness/catalog/attrs.h"
#include "harness/core/error.h"

namespace parity {

const char* family_name(Family f) { return f == Family::Layer ? "layer" : "tf_op"; }

const char* attr_kind_name(AttrKind k) {
  switch (k) {
    case AttrKind::Int: return "int";
    case AttrKind::Float: return "float";
    case AttrKind::Bool: return "bool";
    case AttrKind::String: return "string";
    case AttrKind::IntList: return "int_list";
    case AttrKind::Shape: return "shape";
    case AttrKind::Number: return "number";
    case AttrKind::Tensor: return "tensor";
    case AttrKind::Any: return "any";
  }
  return "?";
}

const AttrSpec* OpSpec::find_attr(const std::string& attr) const {
  for (const AttrSpec& a : attrs)
    if (a.name == attr) return &a;
  return nullptr;
}

void Catalog::add(OpSpec spec) {
  if (by_name_.count(spec.name)) fail("op catalog: '{}' registered twice", spec.name);
  if (!spec.infer) fail("op catalog: '{}' has no shape inference", spec.name);
  by_name_[spec.name] = ops_.size();
  ops_.push_back(std::move(spec));
}

const OpSpec* Catalog::find(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &ops_[it->second];
}

const OpSpec& Catalog::at(const std::string& name) const {
  const OpSpec* s = find(name);
  if (!s) fail("unknown op '{}' (see `parity ops`)", name);
  return *s;
}

const OpSpec* Catalog::find_keras_class(const std::string& class_name) const {
  for (const OpSpec& s : ops_)
    if (s.family == Family::Layer && s.keras_class == class_name) return &s;
  return nullptr;
}

const OpSpec* Catalog::find_tf_function(const std::string& function) const {
  for (const OpSpec& s : ops_)
    if (s.family == Family::TfOp &&
        (s.tf_function == function ||
         std::find(s.tf_function_aliases.begin(), s.tf_function_aliases.end(), function) != s.tf_function_aliases.end()))
      return &s;
  return nullptr;
}

std::vector<Shape> Catalog::infer(const NodeView& n) const {
  const OpSpec& s = at(n.op);
  const int count = static_cast<int>(n.input_shapes.size());
  // Trailing state inputs (OpSpec::max_state_inputs) are allowed after the first max_inputs.
  const int most = s.max_inputs == OpSpec::kVariadic ? OpSpec::kVariadic : s.max_inputs + s.max_state_inputs;
  if (count < s.min_inputs || count > most) {
    std::string want = most == OpSpec::kVariadic ? fmt::format("at least {}", s.min_inputs)
                       : s.min_inputs == most    ? std::to_string(s.min_inputs)
                                                 : fmt::format("{} to {}", s.min_inputs, most);
    fail_node(n, fmt::format("takes {} inputs, got {}", want, count));
  }
  // Ranks of the regular inputs; state inputs are checked by the op's own infer.
  const int ranked = std::min(count, s.max_inputs);
  for (int i = 0; i < ranked; ++i) {
    const int64_t r = static_cast<int64_t>(n.input_shapes[i].size());
    if (r < s.min_rank || r > s.max_rank)
      fail_node(n, fmt::format("input {} has rank {} ({}), but the op takes rank {} to {}", i, r,
                               shape_str(n.input_shapes[i]), s.min_rank, s.max_rank));
  }
  return s.infer(n);
}

std::vector<WeightSpec> Catalog::weights(const NodeView& n) const {
  const OpSpec& s = at(n.op);
  return s.weights ? s.weights(n) : std::vector<WeightSpec>{};
}

}  // namespace parity
