#pragma once
// Shared by graph_model_import.cpp (files, weights, the driver) and graph_model_import_rules.cpp (the table
// of per-op rules). See graph_model_import.h.
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/io/graph_model_import.h"

namespace parity::gm_detail {

// A node the IR cannot hold; the driver records it (node, op, reason) and goes on with the rest.
class Refusal : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What a GraphDef tensor is during import: an IR value, or a constant known at import time. A shape
// computed at run time from a tensor's shape (Shape, and StridedSlice/Pack of it: TF's way of writing an
// output size over a symbolic batch) is a constant whose kSymbolicBatch entries stand for the batch size
// (`symbolic`), apart from a literal -1 ("the rest") of Reshape; `shape_of` is the tensor a Shape node read,
// so Fill(Shape(x), v) can become tf.ones_like(x) * v.
inline constexpr double kSymbolicBatch = -4294967296.0;
struct Operand {
  ValueId v = -1;
  const ConstTensor* c = nullptr;
  bool symbolic = false;
  ValueId shape_of = -1;
  bool is_const() const { return c != nullptr; }
};

struct ImportCtx {
  const Catalog& cat;
  Graph& g;
  const GraphDefNode& node;
  std::vector<Operand> in;
  std::deque<ConstTensor>& consts;  // storage for constants rules compute (stable addresses)
  std::set<std::string>& names;     // IR node names taken

  ValueId tensor(size_t i, const char* what = "input") const;            // refuses a constant
  const ConstTensor& constant(size_t i, const char* what = "operand") const;  // refuses a tensor
  const OpSpec& op(const std::string& name) const;                       // refuses an op the catalog lacks
  // Adds a catalog node named after the GraphDef node (with "/suffix" for the extra nodes of a decomposition).
  std::vector<ValueId> add(const std::string& op, const nlohmann::json& attrs, const std::vector<ValueId>& inputs,
                           std::vector<Weight> weights = {}, const std::string& suffix = "");
  ValueId add1(const std::string& op, const nlohmann::json& attrs, const std::vector<ValueId>& inputs,
               std::vector<Weight> weights = {}, const std::string& suffix = "") {
    return add(op, attrs, inputs, std::move(weights), suffix).at(0);
  }
  Operand konst(ConstTensor t) {
    consts.push_back(std::move(t));
    return Operand{-1, &consts.back()};
  }
};

using RuleFn = std::function<std::vector<Operand>(ImportCtx&)>;
struct Rule {
  RuleFn fn;
  std::string catalog_op;  // the catalog op it produces first (for inventories), "(pass-through)", ...
};
// The rules of graph_model_import_rules_tf.cpp (batch/space moves, Roll, one-hot, top-k, 3-D pooling, Einsum,
// the transposed convolution, Shape/Fill, ...), added to the table of graph_model_import_rules.cpp.
void add_tf_op_rules(std::map<std::string, Rule>& rules);
// StridedSlice / Pack whose operands are shape constants (Operand::symbolic): folded to a shape constant.
std::vector<Operand> fold_shape_slice(ImportCtx& c);
std::vector<Operand> fold_shape_pack(ImportCtx& c);

// The rule for a GraphDef op (a specific rule, else a generic one derived from the catalog); nullopt with
// `why` set when there is none.
std::optional<Rule> find_rule(const std::string& graph_op, const Catalog& c, std::string* why);

// A constant as a catalog attribute value: a number for a scalar, nested lists otherwise.
nlohmann::json const_to_json(const ConstTensor& t);
// An int constant (axis, shape, perm) as an int (scalar) or a list of ints.
nlohmann::json const_to_ints(const ConstTensor& t);
Shape ints_of(const ConstTensor& t);

// GraphDef attribute readers (proto3 JSON: int64 as strings, bools, lists under {"list": {...}}).
bool attr_bool(const nlohmann::json& attr, const std::string& key, bool fallback);
int64_t attr_int(const nlohmann::json& attr, const std::string& key, int64_t fallback);
double attr_float(const nlohmann::json& attr, const std::string& key, double fallback);
std::vector<int64_t> attr_ints(const nlohmann::json& attr, const std::string& key);

// Pattern rewrites before import: TF's Python decompositions of one catalog op (tf.clip_by_value's
// Minimum/Maximum, tf.nn.gelu's Erf or Tanh forms, tf.math.reduce_logsumexp, as convert_graph.cpp writes them)
// become one synthetic node (_ParityClipByValue, _ParityGelu, _ParityLogSumExp) when their intermediates feed
// nothing else.
void fuse_patterns(std::vector<GraphDefNode>& nodes, const std::map<std::string, ConstTensor>& consts);

}  // namespace parity::gm_detail
