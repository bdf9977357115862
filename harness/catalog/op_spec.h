#pragma once
// The op catalog's entry type: everything parity knows about one Keras layer or TF op, independent of any
// executor. Generation, validation, shape inference, tolerances and coverage all read these entries.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "harness/core/tensor.h"

namespace parity {

using json = nlohmann::json;

enum class Family { Layer, TfOp };
const char* family_name(Family f);  // "layer" | "tf_op"

// A closed interval of real numbers: an op's valid input domain, or the range random weights come from.
struct Interval {
  double lo = -1.0;
  double hi = 1.0;
};

// Attribute kinds. Attribute names are the Keras config keys (snake_case); for TF ops, the TFOpLambda
// call's keyword names (`axis`, `keepdims`, `clip_value_min`, ...).
enum class AttrKind {
  Int,
  Float,
  Bool,
  String,
  IntList,    // list of ints; with `length` > 0 a bare int is accepted and repeated (Keras kernel_size=3)
  Shape,      // list of ints where null stands for an unknown (batch) dimension, stored as -1
  Number,     // a scalar constant (int or float), e.g. the `y` of tf.math.multiply(x, 0.5)
  Tensor,     // a constant tensor as nested lists, e.g. the constant operand of tf.linalg.matmul
  Any,        // free-form JSON validated by the op's shape inference (e.g. Dot's int-or-pair `axes`)
};
const char* attr_kind_name(AttrKind k);

struct AttrSpec {
  std::string name;
  AttrKind kind = AttrKind::Int;
  json default_value;          // null: required (no default)
  int length = 0;              // IntList: expected length (0 = any)
  std::vector<json> choices;   // String: the allowed values (empty = any)
  std::vector<json> gen;       // values a random-graph generator may draw (validity is checked by `infer`)
  std::string doc;             // one line: what it means, and any subtle semantics
};

// A view of one node, as shape inference and weight schemas see it. Shapes may hold kBatch in dim 0.
struct NodeView {
  const std::string& name;
  const std::string& op;
  const json& attrs;                      // normalized: every schema attribute present, defaults filled
  const std::vector<Shape>& input_shapes;
};

struct WeightSpec {
  std::string name;     // Keras weight name: "kernel", "bias", "gamma", "moving_variance", ...
  Shape shape;          // always concrete
  Interval init{-1, 1}; // range random weights are drawn from (moving_variance must stay positive, ...)
};

// Which first-order error-propagation rule compute_reference (harness/engine/budget.cpp) uses for the op's
// error budget. Each rule is exact or a bound only for ops with the property stated; pick the one the op's
// semantics satisfies (docs/tolerances.md, "Rules by kind"). `f` is the op's double kernel.
enum class ErrorRule {
  Unset,        // not declared: the budget falls back to random-sign perturbations, not a proven bound.
                // The default, so a new op must decide; Budget.EveryCatalogOpHasAnExplicitRule rejects it.
  GraphInput,   // InputLayer only: a graph input's budget is its own float32 rounding |x - float(x)|, set by
                // compute_reference; no propagation rule applies.
  Linear,       // multilinear in inputs and weights with non-negative structural coefficients (dense, conv,
                // matmul, products, affine maps): the kernel on |x| + b and |W| bounds propagation, on |x| and
                // |W| gives the magnitude M of what is summed. Constants named scale/offset/b are made
                // non-negative for those runs; a fused `activation` attribute is applied as a separate step.
  Monotone,     // non-decreasing in every input (selections, data movement, sums and non-negative averages):
                // f(x + b) and f(x - b) give the worst change; a declared K >= 2 adds (K+1) u f(|x|).
  Elementwise,  // each output reads one element of each input (at most 3 perturbed inputs are tried in all
                // sign combinations), any function, jumps included: f at every x +- b gives the worst change.
  Activation,   // the Activation layer: its `activation` attribute applied element-wise, or softmax /
                // log_softmax over the last axis (analytic rule).
  Softmax,      // softmax over the `axis` attribute (int or list), K = the normalized group size (analytic).
  LayerNorm,    // layer normalization over `axis` with optional gamma (`scale`) then beta (`center`) weights,
                // K = the normalized group size (analytic; reads the `epsilon` attribute).
  L2Normalize,  // x * rsqrt(max(sum x^2 over `axis`, epsilon)), K = the group size (analytic: first-order
                // propagation through the normalization's Jacobian plus the sum of squares' rounding).
  LinearOrDotNormalize,  // Dot: Linear, unless the node's `normalize` attribute is true; then the
                         // Cauchy-Schwarz rule for a dot product of two l2-normalized operands.
  Index,        // outputs that are positions of selected elements (arg max/min, top_k's indices and values)
                // or built from positions (one_hot): a position is unconstrained to every rival whose value
                // lies within the budgets of the selected one (index_budgets in harness/engine/budget.cpp).
  Recurrent,    // Embedding, SimpleRNN/GRU/LSTM, Bidirectional, TimeDistributed: a first-order bound propagated
                // step by step through the recurrence (harness/engine/budget_recurrent.cpp); every output.
};
inline const char* error_rule_name(ErrorRule r) {
  switch (r) {
    case ErrorRule::Unset: return "unset";
    case ErrorRule::GraphInput: return "graph_input";
    case ErrorRule::Linear: return "linear";
    case ErrorRule::Monotone: return "monotone";
    case ErrorRule::Elementwise: return "elementwise";
    case ErrorRule::Activation: return "activation";
    case ErrorRule::Softmax: return "softmax";
    case ErrorRule::LayerNorm: return "layer_norm";
    case ErrorRule::L2Normalize: return "l2_normalize";
    case ErrorRule::LinearOrDotNormalize: return "linear_or_dot_normalize";
    case ErrorRule::Index: return "index";
    case ErrorRule::Recurrent: return "recurrent";
  }
  return "?";
}

// How much error an executor computing in a lower precision may show on this op, before comparison
// against the float64 reference rounded to that precision. Read by the comparator (see docs/tolerances.md).
struct Tolerance {
  ErrorRule rule = ErrorRule::Unset;  // how input errors propagate through the op and which local terms apply
  double ulps = 1.0;  // the op's own rounding per output element, in units of the output dtype's epsilon
  // Number of terms summed into each output element (K of a K-term dot product, window size of a pool,
  // reduced extent of a reduction); nullptr for elementwise ops. The comparator scales its bound by it.
  std::function<int64_t(const NodeView&)> accumulation;

  // Refinements of the Elementwise rule, for functions where bounding by the ends x - b, x + b of the input
  // interval and ulps * eps * |y| is not enough (harness/engine/budget.cpp; docs/tolerances.md):
  // - an absolute scale s of the op's own rounding, budget += ulps * eps * s, for formulas whose float32
  //   evaluation errs in proportion to s rather than to the result (exp(x) - 1 near 0, 1 + erf(x) for
  //   x << 0, a range-reduced sin near a zero); times |x| per element with `abs_scale_times_abs_x`;
  std::function<double(const nlohmann::json& attrs)> abs_scale;  // nullptr: 0
  bool abs_scale_times_abs_x = false;
  // - a function that is not monotone between x - b and x + b (a peak in between is missed by the ends)
  //   changes by at most min(slope_bound * b, range_bound): sin and cos, 1 and 2 (0: monotone);
  double slope_bound = 0, range_bound = 0;
  // - poles at pole_offset + k * pole_period (tan: pi/2 + k pi): a pole between x - b and x + b allows any
  //   value (0: none);
  double pole_period = 0, pole_offset = 0;
  // - a function that jumps on a single point (x == y), which evaluating at x +- b almost never hits: these
  //   catalog ops, with the same attributes and inputs, flip wherever it may, and are evaluated too;
  std::vector<std::string> jump_witnesses;
  // - squares summed before a square root (Euclidean norm): a square below the smallest normal may be
  //   flushed, so the sum of K squares may lose K of them, and the result sqrt(K * min_normal).
  bool squares_may_flush = false;
};

// What the layer does with a Keras mask (tf-keras 2 Layer.compute_mask / supports_masking; docs/masks.md).
// A mask is a boolean per timestep ([batch, T] for a [batch, T, F] value) that the executors compute next to
// the values (oracles/ref/masks.h); the graph has no mask edges, as Keras configs have none.
enum class MaskRule {
  Unset,        // not declared by the entry: the tf-keras class table in oracles/ref/masks.h decides
  Drop,         // supports_masking false (base Layer): an incoming mask is silently dropped, none goes out
  PassThrough,  // supports_masking true, default compute_mask: output 0 carries input 0's mask
  Merge,        // _Merge.compute_mask: the AND of the inputs' masks (unmasked inputs ignored)
  Concat,       // Concatenate.compute_mask: masks expanded to the inputs' ranks, concatenated, AND on the last axis
  Source,       // creates a mask: Masking (any(x != mask_value) over the last axis), Embedding (x != 0, mask_zero)
  Recurrent,    // RNNs and Bidirectional: masked steps hold the states; the mask goes on with return_sequences
  Refuse,       // call() changes its values under a mask in a way parity does not model: a masked input is refused
};

struct OpSpec {
  std::string name;         // catalog key: the Keras class name for layers, "tf.<function>" for TF ops
  Family family = Family::Layer;
  std::string keras_class;  // class_name in a Keras model_config ("Dense"; "TFOpLambda" for TF ops)
  std::string tf_function;  // TF ops: the TFOpLambda `function` symbol, e.g. "math.sqrt"
  std::vector<std::string> tf_function_aliases;  // other symbols Keras writes for it ("__operators__.add")
  std::string tf_op;        // the TensorFlow graph op name where one exists ("Sqrt", "Conv2D", "MatMul")
  int min_inputs = 1;
  int max_inputs = 1;       // kVariadic for any number >= min_inputs
  // Optional trailing inputs after the first max_inputs, e.g. an RNN's initial states (Keras appends them to
  // the layer's inbound node): a node may have up to max_inputs + max_state_inputs inputs. min_rank/max_rank
  // apply to the first max_inputs only; the op's `infer` validates the state inputs (count and shapes).
  // Random generation, coverage probes and TF.js tests read max_inputs only, so they never produce them.
  int max_state_inputs = 0;
  int min_rank = 1;         // rank of each input, counting the batch dimension
  int max_rank = 6;
  std::vector<AttrSpec> attrs;
  // Output shapes from input shapes and attributes; throws ParityError naming the field on invalid input.
  std::function<std::vector<Shape>(const NodeView&)> infer;
  // The node's weights in Keras order (Dense: kernel, bias); nullptr for weightless ops.
  std::function<std::vector<WeightSpec>(const NodeView&)> weights;
  // Attributes that depend on the input shapes (Reshape's target_shape, Permute's dims, a constant matmul
  // operand): given the input shapes and a random 64-bit choice, returns attributes that override the
  // `gen` draws. nullptr when `gen` lists suffice.
  std::function<json(const std::vector<Shape>& inputs, uint64_t choice)> gen_attrs;
  Interval domain{-1, 1};   // where random inputs for this op are drawn (sqrt: x >= 0, log: x > 0)
  Tolerance tolerance;
  std::vector<DType> dtypes{DType::F32};
  // Value dtypes of the node's tensors (graph values are float32, int32 or bool; F16 is never a value dtype).
  // input_dtypes[i]: the dtypes input i accepts, the last entry standing for every later input; empty:
  // float32 only. output_dtypes: each output's dtype from the attributes; nullptr: every output float32.
  // Graph::add_node sets value dtypes from it and validate() checks both (harness/ir/graph.cpp).
  std::vector<std::vector<DType>> input_dtypes;
  std::function<std::vector<DType>(const NodeView&)> output_dtypes;
  MaskRule mask = MaskRule::Unset;  // what the op does with a Keras mask (oracles/ref/masks.h)
  std::string doc;          // one line: semantics, with the source of subtle behaviour

  static constexpr int kVariadic = std::numeric_limits<int>::max();
  const AttrSpec* find_attr(const std::string& attr) const;
};

}  // namespace parity
