#include "harness/engine/budget_rules.h"

#include <cmath>

namespace parity {

BudgetKind budget_kind(const OpSpec& spec, const nlohmann::json& attrs) {
  switch (spec.tolerance.rule) {
    case ErrorRule::Linear: return BudgetKind::Linear;
    case ErrorRule::Monotone: return BudgetKind::Monotone;
    case ErrorRule::Elementwise: return BudgetKind::Elementwise;
    case ErrorRule::Activation: return BudgetKind::Activation;
    case ErrorRule::Softmax: return BudgetKind::Softmax;
    case ErrorRule::LayerNorm: return BudgetKind::LayerNorm;
    case ErrorRule::L2Normalize: return BudgetKind::L2Normalize;
    case ErrorRule::LinearOrDotNormalize:
      return attrs.value("normalize", false) ? BudgetKind::DotNormalize : BudgetKind::Linear;
    case ErrorRule::Recurrent: return BudgetKind::Recurrent;
    case ErrorRule::Index: return BudgetKind::Index;
    case ErrorRule::GraphInput:
    case ErrorRule::Unset: return BudgetKind::Fallback;
  }
  return BudgetKind::Fallback;
}

const char* budget_kind_name(BudgetKind k) {
  switch (k) {
    case BudgetKind::Linear: return "linear";
    case BudgetKind::Monotone: return "monotone";
    case BudgetKind::Elementwise: return "elementwise";
    case BudgetKind::Activation: return "activation";
    case BudgetKind::Softmax: return "softmax";
    case BudgetKind::LayerNorm: return "layer_norm";
    case BudgetKind::L2Normalize: return "l2_normalize";
    case BudgetKind::DotNormalize: return "dot_normalize";
    case BudgetKind::Recurrent: return "recurrent";
    case BudgetKind::Index: return "index";
    case BudgetKind::Fallback: return "fallback";
  }
  return "?";
}

double activation_abs_scale(const std::string& a, double x) {
  // 0.5 x (1 + erf or tanh(...)) and x tanh(softplus x): the inner 1 + ... cancels for x << 0, leaving an
  // error of about u |x| where the result is far smaller.
  if (a == "gelu" || a == "mish") return std::fabs(x);
  // 0.2 x + 0.5 cancels near x = -2.5: error of order u * 0.5.
  if (a == "hard_sigmoid") return 1.0;
  // TF.js computes elu/selu as exp(x) - 1 (no expm1) and softplus as log(1 + exp(x)): absolute error of
  // order u near the cancellation (times selu's scale * alpha = 1.76 < 2).
  if (a == "elu" || a == "softplus") return 1.0;
  if (a == "selu") return 2.0;
  return 0.0;
}

}  // namespace parity
