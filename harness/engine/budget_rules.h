#pragma once
// Which error-propagation rule compute_reference applies to a node (from its catalog entry's
// Tolerance::rule), and the absolute error scale of element-wise formulas that cancel internally. See
// docs/tolerances.md.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/catalog/op_spec.h"

namespace parity {

// The precision compute_reference is budgeting for, on this thread for the duration of one call: its unit
// roundoff u (float32 2^-24, float16 2^-11) and smallest normal value (2^-126, 2^-14). BudgetU{k} reads as
// k * u wherever a double is expected, so the rules' constants (kU, kEps = 2u) follow the precision.
double budget_unit_roundoff();
double budget_min_normal();
struct BudgetU {
  double k;
  operator double() const { return k * budget_unit_roundoff(); }
};

enum class BudgetKind {
  Linear,        // multilinear in inputs and weights (dense, conv, matmul, products, affine maps)
  Monotone,      // non-decreasing in every input (selections, data movement, sums and means)
  Elementwise,   // one element of each input per output, any shape of function
  Activation,    // the Activation layer (element-wise, or softmax over the last axis)
  Softmax,       // the Softmax layer
  LayerNorm,
  L2Normalize,
  DotNormalize,  // Dot with normalize=true
  Index,         // positions of selected elements (arg max/min, top_k, one_hot): budget.cpp index_budgets
  Recurrent,     // Embedding, RNN layers and their wrappers: every output's budget (budget_recurrent.cpp)
  Fallback,      // no rule declared (ErrorRule::Unset): random-sign perturbation (never used by the catalog;
                 // a test checks)
};

// The node's rule: the op's declared Tolerance::rule, resolved against the node's attributes (Dot's
// `normalize`). GraphInput (InputLayer, whose budget compute_reference sets directly) and Unset give Fallback.
BudgetKind budget_kind(const OpSpec& spec, const nlohmann::json& attrs);
const char* budget_kind_name(BudgetKind k);

// An absolute scale s for an activation's own rounding: budget += ulps * eps * s, for formulas whose float32
// evaluation has error proportional to s rather than to the result (gelu's 1 + erf cancels for x << 0). An
// op's own scale is its catalog entry's Tolerance::abs_scale.
double activation_abs_scale(const std::string& activation, double x);

// ErrorRule::Recurrent (harness/engine/budget_recurrent.cpp): the budget of each of the node's outputs, from
// its inputs x with budgets bx, its weights w and ref64's outputs y (which the rule re-derives and checks).
struct Node;
class Catalog;
std::vector<Tensor<double>> recurrent_budgets(const Node& n, const Catalog& c, const std::vector<const Tensor<double>*>& x,
                                              const std::vector<const Tensor<double>*>& bx,
                                              const std::vector<Tensor<double>>& w,
                                              const std::vector<const Tensor<double>*>& y,
                                              const Tensor<double>* mask = nullptr);  // input 0's Keras mask (0/1)

}  // namespace parity
