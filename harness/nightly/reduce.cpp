#include "harness/nightly/reduce.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "oracles/ref/ref_executor.h"

namespace parity {

CaseFile cut_subgraph(const Graph& g, const std::map<ValueId, Tensor<double>>& values, const std::vector<bool>& keep,
                      int64_t batch) {
  const Catalog& c = default_catalog();
  CaseFile out;
  out.batch = batch;
  out.inputs.emplace();
  out.graph.name = g.name;
  std::set<std::string> names;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (keep[i] && g.nodes[i].op != "InputLayer") names.insert(g.nodes[i].name);
  std::map<ValueId, ValueId> mapped;  // old value -> new value
  auto input_for = [&](ValueId v) {
    if (auto it = mapped.find(v); it != mapped.end()) return it->second;
    const Value& val = g.values.at(v);
    const Node& producer = g.nodes.at(val.producer);
    // An original input keeps its name; a cut value is named after the layer that computed it.
    std::string name = producer.op == "InputLayer" ? producer.name
                                                   : producer.name + (val.output_index ? fmt::format("_{}", val.output_index) : "") + "_in";
    while (names.count(name)) name += "_";
    names.insert(name);
    const ValueId nv = out.graph.add_input(c, name, val.shape);
    Tensor<double> t = values.at(v);
    for (double& x : t.data) x = static_cast<float>(x);  // graph inputs are float32
    out.inputs->push_back({name, std::move(t)});
    mapped[v] = nv;
    return nv;
  };
  std::set<ValueId> read;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    if (!keep[i] || n.op == "InputLayer") continue;
    std::vector<ValueId> ins;
    for (ValueId v : n.inputs) {
      ins.push_back(input_for(v));
      read.insert(v);
    }
    const std::vector<ValueId> outs = out.graph.add_node(c, n.name, n.op, n.attrs, ins, n.weights);
    for (size_t k = 0; k < outs.size() && k < n.outputs.size(); ++k) mapped[n.outputs[k]] = outs[k];
  }
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    if (!keep[i] || n.op == "InputLayer") continue;
    for (ValueId v : n.outputs)
      if (!read.count(v)) out.graph.outputs.push_back(mapped.at(v));
  }
  return out;
}

namespace {

bool failing(Disposition d) { return d == Disposition::Diverged || d == Disposition::Errored; }

class Reducer {
 public:
  Reducer(const CaseFile& cf, Executor& ex, const ReduceOptions& opt)
      : cf_(cf), ex_(ex), opt_(opt), cmp_([&] {
          Comparator::Config cc;
          cc.budget_scale = opt.budget_scale;
          return Comparator(cc);
        }()) {}

  ReduceResult run() {
    ReduceResult r;
    const Graph& g = cf_.graph;
    for (size_t i = 0; i < g.nodes.size(); ++i)
      if (g.nodes[i].op != "InputLayer") ops_.push_back(i);
    r.original_layers = ops_.size();
    const CaseVerdict whole = evaluate_case(cf_, {&ex_}, default_catalog(), default_kernels(), cmp_);
    ++evaluations_;
    r.disposition = whole.executors.at(0).disposition;
    r.reason = whole.executors.at(0).reason;
    r.failed = failing(r.disposition);
    say(fmt::format("whole model: {} layers: {}{}", ops_.size(), disposition_name(r.disposition), r.reason.empty() ? "" : ": " + r.reason));
    if (!r.failed || ops_.empty()) {
      r.evaluations = evaluations_;
      return r;
    }
    want_ = r.disposition;
    // ref64's value of every graph value, fed to cut subgraphs.
    const std::vector<Tensor<double>> inputs = case_inputs(cf_, default_catalog());
    Ref64Executor ref(default_catalog(), default_kernels());
    RunResult full = ref.run(g, inputs, RunOptions{.want_intermediates = true});
    values_ = std::move(full.intermediates);
    for (size_t i = 0; i < g.inputs.size(); ++i) values_[g.inputs[i]] = inputs[i];
    for (size_t i = 0; i < g.outputs.size() && i < full.outputs.size(); ++i) values_.try_emplace(g.outputs[i], full.outputs[i]);

    // Bisect the end: the shortest prefix that still fails (later layers only carry the error on).
    size_t lo = 0, hi = ops_.size();  // prefix of hi ops fails; of lo ops (none) is not a model
    while (hi - lo > 1 && budget_left()) {
      const size_t mid = lo + (hi - lo) / 2;
      (fails(window(0, mid)) ? hi : lo) = mid;
    }
    const size_t end = hi;
    say(fmt::format("bisect end: the first {} layers fail (last: '{}')", end, g.nodes[ops_[end - 1]].name));
    // Bisect the start: the latest start that still fails, earlier layers replaced by ref64's values.
    size_t start = 0;
    {
      size_t a = 0, b = end;  // [a, end) fails; [b, end) is not known to
      while (b - a > 1 && budget_left()) {
        const size_t mid = a + (b - a) / 2;
        (fails(window(mid, end)) ? a : b) = mid;
      }
      start = a;
    }
    say(fmt::format("bisect start: layers {}..{} fail ({} layers)", start + 1, end, end - start));
    // Linear: drop single layers while the failure persists, until nothing more can go.
    std::vector<bool> keep = window(start, end);
    for (bool changed = true; changed && budget_left();) {
      changed = false;
      for (size_t i : ops_) {
        if (!keep[i] || count(keep) == 1 || !budget_left()) continue;
        std::vector<bool> k = keep;
        k[i] = false;
        if (fails(k)) {
          keep = k;
          changed = true;
          say(fmt::format("linear: removed '{}' ({} layers left)", g.nodes[i].name, count(keep)));
        }
      }
    }
    r.reduced_disposition = judge(keep);  // memoized: normally no new run
    if (failing(r.reduced_disposition)) {
      r.reduced = cut(keep);
      r.reduced_reason = last_reason_[key(keep)];
    } else {
      // Only when no cut fails, e.g. the failing output is also read by later layers, so no cut has it as
      // an output: the whole model is the smallest failing one found.
      keep = window(0, ops_.size());
      r.reduced = cf_;
      r.reduced_disposition = r.disposition;
      r.reduced_reason = r.reason;
    }
    for (size_t i : ops_)
      if (keep[i]) r.kept.push_back(g.nodes[i].name);
    name_culprit(keep, r);
    r.evaluations = evaluations_;
    say(fmt::format("reduced {} layers to {} ({} evaluations); first divergent layer: '{}' ({})", r.original_layers,
                    r.kept.size(), r.evaluations, r.culprit, r.culprit_note));
    return r;
  }

 private:
  // The first divergent layer: the only one left, else the executor's own localization on the reduced case,
  // else the first layer that fails alone on ref64's inputs.
  void name_culprit(const std::vector<bool>& keep, ReduceResult& r) {
    if (r.kept.size() == 1) {
      r.culprit = r.kept[0];
      r.culprit_note = "the only layer left";
      return;
    }
    try {
      const CaseVerdict v = evaluate_case(r.reduced, {&ex_}, default_catalog(), default_kernels(), cmp_);
      ++evaluations_;
      if (const std::string& n = v.executors.at(0).compare.first_divergent_node; !n.empty()) {
        r.culprit = n;
        r.culprit_note = "the executor's intermediates diverge there first";
        return;
      }
    } catch (const std::exception&) {
    }
    for (size_t i : ops_) {
      if (!keep[i]) continue;
      std::vector<bool> alone(cf_.graph.nodes.size(), false);
      alone[i] = true;
      // Any failure counts here: a layer whose wrong shape makes the next layer ERROR diverges on its own.
      if (const Disposition d = judge(alone); failing(d)) {
        r.culprit = cf_.graph.nodes[i].name;
        r.culprit_note = fmt::format("the first layer that fails on its own ({})", disposition_name(d));
        return;
      }
    }
    r.culprit = r.kept.back();
    r.culprit_note = fmt::format("no layer fails alone: the failure needs {} together", fmt::join(r.kept, ", "));
  }

  std::vector<bool> window(size_t from, size_t to) const {
    std::vector<bool> k(cf_.graph.nodes.size(), false);
    for (size_t j = from; j < to; ++j) k[ops_[j]] = true;
    return k;
  }
  static size_t count(const std::vector<bool>& k) { return static_cast<size_t>(std::count(k.begin(), k.end(), true)); }
  static std::string key(const std::vector<bool>& k) {
    std::string s;
    for (bool b : k) s += b ? '1' : '0';
    return s;
  }
  bool budget_left() const { return evaluations_ < opt_.max_evaluations; }
  CaseFile cut(const std::vector<bool>& keep) const { return cut_subgraph(cf_.graph, values_, keep, cf_.batch); }

  // The executor's disposition on the subgraph; memoized, since the phases revisit windows. A cut the IR
  // rejects counts as passing: it is not a smaller failing model.
  Disposition judge(const std::vector<bool>& keep) {
    const std::string k = key(keep);
    if (auto it = memo_.find(k); it != memo_.end()) return it->second;
    Disposition d = Disposition::Passed;
    if (count(keep) > 0) {
      try {
        const CaseVerdict v = evaluate_case(cut(keep), {&ex_}, default_catalog(), default_kernels(), cmp_);
        ++evaluations_;
        d = v.executors.at(0).disposition;
        last_reason_[k] = v.executors.at(0).reason;
      } catch (const std::exception& e) {
        last_reason_[k] = e.what();
      }
    }
    return memo_[k] = d;
  }
  // Whether the subgraph fails: in any way (DIVERGED or ERRORED), or as the whole model does.
  bool fails(const std::vector<bool>& keep) {
    const Disposition d = judge(keep);
    return opt_.same_disposition ? d == want_ : failing(d);
  }

  void say(const std::string& s) const {
    if (opt_.progress) opt_.progress(s);
  }

  const CaseFile& cf_;
  Executor& ex_;
  const ReduceOptions& opt_;
  Comparator cmp_;
  std::vector<size_t> ops_;  // indices of the op nodes, in graph order
  std::map<ValueId, Tensor<double>> values_;
  Disposition want_ = Disposition::Diverged;
  std::map<std::string, Disposition> memo_;
  std::map<std::string, std::string> last_reason_;
  int evaluations_ = 0;
};

}  // namespace

ReduceResult reduce_case(const CaseFile& cf, Executor& ex, const ReduceOptions& opt) {
  validate(cf.graph, default_catalog());
  return Reducer(cf, ex, opt).run();
}

}  // namespace parity
