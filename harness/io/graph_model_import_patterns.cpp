// Pattern rewrites before graph-model import: TF's Python decompositions of a catalog op back into that op
// (graph_model_import_internal.h). The patterns are exactly the nodes TF 2 writes (and convert_graph.cpp):
//  - tf.clip_by_value (clip_ops.py): Maximum(Minimum(x, hi), lo), hi and lo constants.
//  - tf.nn.gelu (nn_ops.py), exact: Mul(Mul(0.5, x), AddV2(1, Erf(RealDiv(x, 1.4142135623730951)))).
//  - tf.nn.batch_normalization (nn_impl.py): AddV2(Mul(x, inv), Sub(offset, Mul(mean, inv))),
//    inv = Mul(Rsqrt(AddV2(variance, epsilon)), scale), every statistic a constant.
//  - tf.nn.gelu, approximate: Mul(Mul(0.5, x), AddV2(1, Tanh(Mul(0.7978845608028654,
//    AddV2(x, Mul(0.044715, Pow(x, 3))))))).
//  - tf.math.reduce_logsumexp (math_ops.py): raw = Max(x, axis, keep_dims=true);
//    m = StopGradient(Select[V2](IsFinite(raw), raw, ZerosLike(raw)));
//    AddV2(Log(Sum(Exp(Sub(x, m)), axis, keep_dims)), keep_dims ? m : Reshape(m, Shape(that Log))).
// An intermediate that feeds anything else keeps the decomposition as it is (still imported, op by op).
#include <cmath>
#include <map>

#include "harness/io/graph_model_import_internal.h"

namespace parity::gm_detail {

namespace {

std::string node_name(const std::string& tensor) {
  const auto colon = tensor.rfind(':');
  return colon == std::string::npos ? tensor : tensor.substr(0, colon);
}

class Matcher {
 public:
  Matcher(std::vector<GraphDefNode>& nodes, const std::map<std::string, ConstTensor>& consts) : nodes_(nodes), consts_(consts) {
    for (size_t i = 0; i < nodes.size(); ++i) index_[nodes[i].name] = i;
    for (const GraphDefNode& n : nodes)
      for (const std::string& in : n.inputs) ++uses_[node_name(in)];
  }

  // The node producing `tensor` when it is output 0 of op `op` used only once.
  const GraphDefNode* single_use(const std::string& tensor, const std::string& op) const {
    const auto colon = tensor.rfind(':');
    if (colon != std::string::npos && tensor.substr(colon) != ":0") return nullptr;
    const auto it = index_.find(node_name(tensor));
    if (it == index_.end()) return nullptr;
    const GraphDefNode& n = nodes_[it->second];
    if (n.op != op || uses_.count(n.name) == 0 || uses_.at(n.name) != 1) return nullptr;
    return &n;
  }

  // A scalar float constant equal to `v` rounded to float32 (nullopt-like: NaN when not a scalar constant).
  bool is_scalar(const std::string& tensor, double v) const {
    const auto it = index_.find(node_name(tensor));
    if (it == index_.end() || nodes_[it->second].op != "Const") return false;
    const auto c = consts_.find(nodes_[it->second].name);
    if (c == consts_.end() || c->second.values.size() != 1) return false;
    return c->second.values[0] == static_cast<double>(static_cast<float>(v));
  }
  bool is_const(const std::string& tensor) const {
    const auto it = index_.find(node_name(tensor));
    return it != index_.end() && nodes_[it->second].op == "Const" && consts_.count(nodes_[it->second].name);
  }

  // One operand of a commutative binary node is the scalar `v`: the other one, else "".
  std::string other_than_scalar(const GraphDefNode& n, double v) const {
    if (n.inputs.size() != 2) return "";
    if (is_scalar(n.inputs[0], v)) return n.inputs[1];
    if (is_scalar(n.inputs[1], v)) return n.inputs[0];
    return "";
  }

  void run() {
    for (GraphDefNode& n : nodes_) {
      if (n.op == "Maximum") clip(n);
      else if (n.op == "Mul") gelu(n);
      else if (n.op == "AddV2") batch_norm(n);
      if (n.op == "AddV2") logsumexp(n);
    }
  }

 private:
  std::vector<GraphDefNode>& nodes_;
  const std::map<std::string, ConstTensor>& consts_;
  std::map<std::string, size_t> index_;
  std::map<std::string, int> uses_;

  void clip(GraphDefNode& n) {
    if (n.inputs.size() != 2 || !is_const(n.inputs[1])) return;
    const GraphDefNode* mn = single_use(n.inputs[0], "Minimum");
    if (!mn || mn->inputs.size() != 2 || !is_const(mn->inputs[1]) || is_const(mn->inputs[0])) return;
    n.inputs = {mn->inputs[0], mn->inputs[1], n.inputs[1]};
    n.op = "_ParityClipByValue";
  }

  // nn_impl.batch_normalization: inv = Rsqrt(variance + eps) * scale; x * inv + (offset - mean * inv).
  void batch_norm(GraphDefNode& n) {
    if (n.inputs.size() != 2) return;
    const GraphDefNode* xs = single_use(n.inputs[0], "Mul");
    const GraphDefNode* shift = single_use(n.inputs[1], "Sub");
    if (!xs || !shift || xs->inputs.size() != 2 || shift->inputs.size() != 2 || !is_const(shift->inputs[0])) return;
    const GraphDefNode* mm = single_use(shift->inputs[1], "Mul");
    if (!mm || mm->inputs.size() != 2 || !is_const(mm->inputs[0]) || mm->inputs[1] != xs->inputs[1]) return;
    const auto inv_it = index_.find(node_name(xs->inputs[1]));
    if (inv_it == index_.end()) return;
    const GraphDefNode& inv = nodes_[inv_it->second];
    if (inv.op != "Mul" || uses_.at(inv.name) != 2 || inv.inputs.size() != 2 || !is_const(inv.inputs[1])) return;
    const GraphDefNode* rs = single_use(inv.inputs[0], "Rsqrt");
    const GraphDefNode* add = rs && rs->inputs.size() == 1 ? single_use(rs->inputs[0], "AddV2") : nullptr;
    if (!add || add->inputs.size() != 2 || !is_const(add->inputs[0]) || !is_const(add->inputs[1])) return;
    const ConstTensor& eps = consts_.at(node_name(add->inputs[1]));
    if (eps.values.size() != 1) return;
    const std::string x = xs->inputs[0];
    n.inputs = {x, mm->inputs[0], add->inputs[0], shift->inputs[0], inv.inputs[1]};  // x, mean, variance, offset, scale
    n.op = "_ParityBatchNorm";
    n.attr = {{"epsilon", {{"f", eps.values[0]}}}};
  }

  // The node producing `tensor` (output 0) when it is op `op` used exactly `uses` times.
  const GraphDefNode* used(const std::string& tensor, const std::string& op, int uses) const {
    const auto colon = tensor.rfind(':');
    if (colon != std::string::npos && tensor.substr(colon) != ":0") return nullptr;
    const auto it = index_.find(node_name(tensor));
    if (it == index_.end()) return nullptr;
    const GraphDefNode& n = nodes_[it->second];
    if (n.op != op || !uses_.count(n.name) || uses_.at(n.name) != uses) return nullptr;
    return &n;
  }
  bool same_const(const std::string& a, const std::string& b) const {
    if (!is_const(a) || !is_const(b)) return false;
    const ConstTensor &x = consts_.at(node_name(a)), &y = consts_.at(node_name(b));
    return x.shape == y.shape && x.values == y.values;
  }

  void logsumexp(GraphDefNode& n) {
    if (n.inputs.size() != 2) return;
    bool keep = true;
    const GraphDefNode* log = used(n.inputs[0], "Log", 1);
    std::string m = n.inputs[1];
    if (!log) {  // keepdims false: the Log also feeds the Shape of the Reshape
      keep = false;
      log = used(n.inputs[0], "Log", 2);
      const GraphDefNode* rs = used(n.inputs[1], "Reshape", 1);
      if (!log || !rs || rs->inputs.size() != 2) return;
      const GraphDefNode* sh = used(rs->inputs[1], "Shape", 1);
      if (!sh || sh->inputs.size() != 1 || node_name(sh->inputs[0]) != log->name) return;
      m = rs->inputs[0];
    }
    const GraphDefNode* sum = log->inputs.size() == 1 ? used(log->inputs[0], "Sum", 1) : nullptr;
    if (!sum || sum->inputs.size() != 2 || attr_bool(sum->attr, "keep_dims", false) != keep) return;
    const GraphDefNode* exp = used(sum->inputs[0], "Exp", 1);
    const GraphDefNode* sub = exp && exp->inputs.size() == 1 ? used(exp->inputs[0], "Sub", 1) : nullptr;
    if (!sub || sub->inputs.size() != 2 || sub->inputs[1] != m) return;
    const GraphDefNode* sg = used(m, "StopGradient", 2);
    if (!sg || sg->inputs.size() != 1) return;
    const GraphDefNode* sel = used(sg->inputs[0], "Select", 1);
    if (!sel) sel = used(sg->inputs[0], "SelectV2", 1);
    if (!sel || sel->inputs.size() != 3) return;
    const GraphDefNode* raw = used(sel->inputs[1], "Max", 3);
    const GraphDefNode* fin = used(sel->inputs[0], "IsFinite", 1);
    const GraphDefNode* zeros = used(sel->inputs[2], "ZerosLike", 1);
    if (!raw || !fin || !zeros || raw->inputs.size() != 2 || !attr_bool(raw->attr, "keep_dims", false)) return;
    if (fin->inputs.size() != 1 || zeros->inputs.size() != 1 || node_name(fin->inputs[0]) != raw->name ||
        node_name(zeros->inputs[0]) != raw->name)
      return;
    const std::string x = sub->inputs[0];
    if (raw->inputs[0] != x || !same_const(raw->inputs[1], sum->inputs[1])) return;
    n.op = "_ParityLogSumExp";
    n.inputs = {x, sum->inputs[1]};
    n.attr = {{"keep_dims", {{"b", keep}}}};
  }

  void gelu(GraphDefNode& n) {
    if (n.inputs.size() != 2) return;
    const GraphDefNode* half = single_use(n.inputs[0], "Mul");
    const GraphDefNode* sum = single_use(n.inputs[1], "AddV2");
    if (!half || !sum) return;
    const std::string x = other_than_scalar(*half, 0.5);
    const std::string inner = other_than_scalar(*sum, 1.0);
    if (x.empty() || inner.empty()) return;
    bool approximate = false;
    if (const GraphDefNode* erf = single_use(inner, "Erf")) {
      const GraphDefNode* div = erf->inputs.size() == 1 ? single_use(erf->inputs[0], "RealDiv") : nullptr;
      if (!div || div->inputs.size() != 2 || div->inputs[0] != x || !is_scalar(div->inputs[1], 1.4142135623730951)) return;
    } else if (const GraphDefNode* tanh = single_use(inner, "Tanh")) {
      const GraphDefNode* m1 = tanh->inputs.size() == 1 ? single_use(tanh->inputs[0], "Mul") : nullptr;
      const std::string t1 = m1 ? other_than_scalar(*m1, 0.7978845608028654) : "";
      const GraphDefNode* add = t1.empty() ? nullptr : single_use(t1, "AddV2");
      if (!add || add->inputs.size() != 2 || add->inputs[0] != x) return;
      const GraphDefNode* m2 = single_use(add->inputs[1], "Mul");
      const std::string cube = m2 ? other_than_scalar(*m2, 0.044715) : "";
      const GraphDefNode* pow = cube.empty() ? nullptr : single_use(cube, "Pow");
      if (!pow || pow->inputs.size() != 2 || pow->inputs[0] != x || !is_scalar(pow->inputs[1], 3.0)) return;
      approximate = true;
    } else {
      return;
    }
    n.op = "_ParityGelu";
    n.inputs = {x};
    n.attr = {{"approximate", {{"b", approximate}}}};
  }
};

}  // namespace

void fuse_patterns(std::vector<GraphDefNode>& nodes, const std::map<std::string, ConstTensor>& consts) {
  Matcher(nodes, consts).run();
}

}  // namespace parity::gm_detail
