// TF.js executors through the persistent Node worker: round trip per small model on tfjs-cpu and
// tfjs-wasm, the share of that time spent inside TF.js (the worker times load and predict itself),
// ref64+tfjs-cpu+tfjs-wasm cases/s on generated small graphs (executors overlapped as a campaign runs
// them, and one after another for comparison), and the naive alternative of one fresh node process per case.
//
//   bench_tfjs [runs per model = 300] [generated cases = 300] [naive cases = 10]
// BENCH_TFJS_VERBOSE=1 prints every TF.js rejection and error of the generated cases on stderr.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <map>

#include "harness/engine/compare.h"
#include "harness/engine/evaluate.h"
#include "harness/engine/generator.h"
#include "harness/io/case_file.h"
#include "oracles/ref/ref_executor.h"
#include "oracles/tfjs/convert.h"
#include "oracles/tfjs/tfjs_executor.h"

using namespace parity;
using nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

const Catalog& cat() { return default_catalog(); }

struct Model {
  std::string name;
  Graph g;
  int64_t batch;
};

std::vector<Model> fixed_models() {
  std::vector<Model> out;
  {
    Graph g;
    ValueId x = g.add_input(cat(), "x", {kBatch, 3});
    x = g.add(cat(), "hidden", "Dense", {{"units", 4}, {"activation", "relu"}}, {x});
    g.outputs = {g.add(cat(), "out", "Dense", {{"units", 2}}, {x})};
    fill_random_weights(g, cat(), 1);
    out.push_back({"mlp 3-4-2 (layers)", std::move(g), 2});
  }
  {
    Graph g;
    ValueId x = g.add_input(cat(), "img", {kBatch, 8, 8, 3});
    x = g.add(cat(), "conv", "Conv2D", {{"filters", 4}, {"kernel_size", {3, 3}}, {"activation", "relu"}}, {x});
    x = g.add(cat(), "pool", "MaxPooling2D", json::object(), {x});
    x = g.add(cat(), "flat", "Flatten", json::object(), {x});
    g.outputs = {g.add(cat(), "out", "Dense", {{"units", 3}}, {x})};
    fill_random_weights(g, cat(), 2);
    out.push_back({"cnn 8x8x3 (layers)", std::move(g), 4});
  }
  {
    Graph g;
    ValueId x = g.add_input(cat(), "x", {kBatch, 16});
    x = g.add(cat(), "a", "tf.math.abs", json::object(), {x});
    x = g.add(cat(), "s", "tf.math.sqrt", json::object(), {x});
    g.outputs = {g.add(cat(), "t", "tf.math.tanh", json::object(), {x})};
    out.push_back({"abs-sqrt-tanh (graph)", std::move(g), 4});
  }
  return out;
}

struct Sum {
  double rt = 0, worker = 0, tfjs = 0;
  int n = 0;
  void add(const TfjsTiming& t) { rt += t.round_trip; worker += t.worker; tfjs += t.load + t.predict; ++n; }
};

void bench_fixed(int runs) {
  fmt::print("== round trip per small model ({} runs after 20 warm-up; TF.js = load + predict as the worker "
             "times them)\n", runs);
  fmt::print("{:<24} {:<10} {:>12} {:>12} {:>12} {:>10}\n", "model", "executor", "round trip", "in worker",
             "in TF.js", "TF.js %");
  for (const std::string backend : {"cpu", "wasm"}) {
    TfjsExecutor e(backend, cat());
    for (const Model& m : fixed_models()) {
      const auto xs = random_inputs(m.g, cat(), 5, m.batch);
      for (int i = 0; i < 20; ++i) e.run(m.g, xs);
      Sum s;
      for (int i = 0; i < runs; ++i) {
        e.run(m.g, xs);
        s.add(e.last_timing());
      }
      fmt::print("{:<24} {:<10} {:>9.3f} ms {:>9.3f} ms {:>9.3f} ms {:>9.1f}%\n", m.name, e.name(), 1e3 * s.rt / s.n,
                 1e3 * s.worker / s.n, 1e3 * s.tfjs / s.n, 100 * s.tfjs / s.rt);
    }
  }
}

// Runs another executor without overlap: the whole run happens in finish_run (the Executor default), so
// a campaign through it is what parity did before executors overlapped.
class Sequential final : public Executor {
 public:
  explicit Sequential(Executor& e) : e_(e) {}
  std::string name() const override { return e_.name(); }
  DType compute_dtype() const override { return e_.compute_dtype(); }
  std::string version() const override { return e_.version(); }
  std::optional<std::string> unsupported_reason(const std::string& op) const override { return e_.unsupported_reason(op); }
  RunResult run(const Graph& g, const std::vector<Tensor<double>>& xs, const RunOptions& o = {}) override {
    return e_.run(g, xs, o);
  }

 private:
  Executor& e_;
};

// Total length of the union of intervals (seconds).
double union_length(std::vector<std::pair<double, double>> iv) {
  std::sort(iv.begin(), iv.end());
  double total = 0, lo = 0, hi = -1;
  for (const auto& [a, b] : iv) {
    if (b <= a) continue;
    if (a > hi) {
      if (hi > lo) total += hi - lo;
      lo = a;
      hi = b;
    } else {
      hi = std::max(hi, b);
    }
  }
  if (hi > lo) total += hi - lo;
  return total;
}

// When a run was inside TF.js, on the steady clock (seconds): load and predict, or for a run TF.js rejected
// or failed, from the model's hand-over to TF.js until it threw. The worker reports wall-clock (epoch) times.
std::vector<std::pair<double, double>> tfjs_intervals(const TfjsTiming& t, double epoch_minus_steady) {
  std::vector<std::pair<double, double>> out;
  auto add = [&](double at, double len) {
    if (at > 0) out.push_back({at - epoch_minus_steady, at - epoch_minus_steady + len});
  };
  add(t.load_at, t.load);
  add(t.predict_at, t.predict);
  add(t.failed_at, t.failed);
  return out;
}

struct Split {
  double wall = 0, tfjs = 0, ref64 = 0, own = 0;
  int cases = 0;
  void add(const Split& o) { wall += o.wall; tfjs += o.tfjs; ref64 += o.ref64; own += o.own; cases += o.cases; }
};

// ref64 + tfjs-cpu + tfjs-wasm on generated small graphs, each case generated and then evaluated exactly as
// a campaign does (evaluate_case: the TF.js requests are sent first, the workers compute while parity
// computes the reference and ref64's row, then the replies are read and compared). The wall time of each
// case is split on its critical path: time during which either worker is inside TF.js (tfjs_intervals,
// placed by the worker's own wall-clock timestamps, for every run: a DIVERGED run's repeat and runs TF.js
// rejected included) counts as TF.js; time during which ref64 computes its row and no worker is inside TF.js
// counts as ref64's kernels; everything else is parity's own (generation, reference and budgets,
// conversion, transport, reading replies, comparison).
// Returns ms/case.
double bench_generated(int cases, bool overlap, std::vector<uint64_t>* every_ran = nullptr) {
  GenConfig cfg;
  const CaseGenerator gen(cat(), cfg);
  std::vector<std::unique_ptr<Executor>> owned, wrapped;
  for (const char* n : {"ref64", "tfjs-cpu", "tfjs-wasm"}) owned.push_back(make_executor(n));
  std::vector<Executor*> execs;
  for (auto& e : owned) {
    if (overlap) {
      execs.push_back(e.get());
    } else {
      wrapped.push_back(std::make_unique<Sequential>(*e));
      execs.push_back(wrapped.back().get());
    }
  }
  const KernelTable& kern = default_kernels();
  const Comparator cmp;
  {  // warm-up: worker start-up is paid once per campaign job, not per case
    const CaseFile cf = gen.generate(42, 0).cf;
    (void)evaluate_case(cf, execs, cat(), kern, cmp);
  }
  std::vector<std::vector<TfjsTiming>> logs(owned.size());
  for (size_t k = 0; k < owned.size(); ++k)
    if (auto* te = dynamic_cast<TfjsExecutor*>(owned[k].get())) te->log_timings(&logs[k]);
  // The workers report wall-clock (epoch) times; cases are timed on the steady clock.
  const double epoch_minus_steady =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count() -
      std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
  auto steady_s = [](Clock::time_point t) { return std::chrono::duration<double>(t.time_since_epoch()).count(); };
  std::map<std::string, std::map<std::string, int>> outcome;
  std::map<std::string, double> step_s;  // summed span lengths per step (not wall: spans overlap the workers)
  Split all, ok;  // all cases; cases every TF.js executor ran successfully
  double t_gen = 0;
  int64_t nodes = 0, max_elems = 0;
  const auto t0 = Clock::now();
  for (int i = 0; i < cases; ++i) {
    const auto c0 = Clock::now();
    CaseFile cf = gen.generate(42, static_cast<uint64_t>(i)).cf;
    t_gen += since(c0);
    EvaluateTrace tr;
    CaseVerdict v;
    try {
      v = evaluate_case(cf, execs, cat(), kern, cmp, &tr);
    } catch (const std::exception& e) {
      fmt::print(stderr, "case {}: {}\n", i, e.what());
    }
    const auto c1 = Clock::now();
    const double lo = steady_s(c0), hi = steady_s(c1);
    std::vector<std::pair<double, double>> tf, both;
    auto clip = [&](double a, double b) { return std::pair<double, double>{std::max(a, lo), std::min(b, hi)}; };
    bool every_ok = true;
    for (size_t k = 0; k < v.executors.size(); ++k) {
      const ExecutorVerdict& ev = v.executors[k];
      ++outcome[ev.executor][disposition_name(ev.disposition)];
      auto* te = dynamic_cast<TfjsExecutor*>(owned[k].get());
      if (!te) continue;
      const bool ran = ev.disposition == Disposition::Passed || ev.disposition == Disposition::Diverged ||
                       ev.disposition == Disposition::Mistrusted;
      every_ok = every_ok && ran;
      if (!ran) continue;
    }
    for (std::vector<TfjsTiming>& log : logs) {
      for (const TfjsTiming& t : log) {
        for (const auto& [a, b] : tfjs_intervals(t, epoch_minus_steady)) tf.push_back(clip(a, b));
      }
      log.clear();
    }
    both = tf;
    for (const EvaluateTrace::Span& sp : tr.spans) {
      step_s[sp.step + (sp.executor.empty() ? "" : " " + sp.executor)] += std::chrono::duration<double>(sp.end - sp.begin).count();
      if (sp.step == "finish" && sp.executor == "ref64") both.push_back(clip(steady_s(sp.begin), steady_s(sp.end)));
    }
    Split s;
    s.cases = 1;
    s.wall = hi - lo;
    s.tfjs = union_length(tf);
    s.ref64 = union_length(both) - s.tfjs;
    s.own = s.wall - s.tfjs - s.ref64;
    all.add(s);
    if (every_ok) ok.add(s);
    if (every_ok && every_ran) every_ran->push_back(static_cast<uint64_t>(i));
    const GraphSize gs = graph_size(cat(), cf.graph, cf.batch);
    nodes = std::max<int64_t>(nodes, gs.op_nodes);
    max_elems = std::max(max_elems, gs.max_elements);
  }
  const double wall = since(t0);
  fmt::print("\n== generated small graphs, {} (GenConfig defaults: <= {} nodes, <= {} elements per tensor; seen: <= {} "
             "nodes, largest tensor {}), {} cases through ref64+tfjs-cpu+tfjs-wasm, evaluated as a campaign does\n",
             overlap ? "executors overlapped (as parity runs them)" : "executors one after another (the old way)",
             cfg.max_nodes, cfg.max_elements, nodes, max_elems, cases);
  fmt::print("{:.1f} cases/s ({:.2f} ms per case), one thread (target >= 200)\n", cases / wall, 1e3 * wall / cases);
  for (const auto& [name, m] : outcome) {
    std::string o;
    for (const auto& [k, n] : m) o += fmt::format(" {}={}", k, n);
    fmt::print("  {:<10}{}\n", name, o);
  }
  std::string steps;
  for (const auto& [k, x] : step_s) steps += fmt::format("{}{} {:.3f}", steps.empty() ? "" : ", ", k, 1e3 * x / cases);
  fmt::print("  ms per case in each step (summed; TF.js works during 'reference' and 'finish ref64' when overlapped): "
             "generation {:.3f}, {}\n", 1e3 * t_gen / cases, steps);
  auto line = [](const char* what, const Split& s) {
    if (s.cases == 0 || s.wall <= 0) return;
    auto pc = [&](double x) { return 100.0 * x / s.wall; };
    fmt::print("  {} ({} cases, {:.1f} cases/s): inside TF.js {:.1f}%, ref64's row {:.1f}%, parity's own {:.1f}% of the "
               "wall (target <= 20%)\n", what, s.cases, s.cases / s.wall, pc(s.tfjs), pc(s.ref64), pc(s.own));
  };
  line("critical path, all cases", all);
  line("critical path, cases every TF.js executor ran", ok);
  return 1e3 * wall / cases;
}

// The same cases pipelined as `parity run` runs them: case i+1 is generated and its TF.js requests sent
// before case i is judged, so each worker finds its next request waiting when it answers, and a DIVERGED
// run's repeat (to name its first divergent node) is awaited only after the next case is judged. Cases overlap,
// so the wall is split over the whole run rather than per case: time during which either worker is inside
// TF.js (tfjs_intervals of every run), then time during which ref64
// computes its row and no worker is in TF.js; the rest is parity's own.
void bench_pipelined(const std::vector<uint64_t>& indices, const char* what) {
  if (indices.empty()) return;
  GenConfig cfg;
  const CaseGenerator gen(cat(), cfg);
  std::vector<std::unique_ptr<Executor>> owned;
  std::vector<Executor*> execs;
  for (const char* n : {"ref64", "tfjs-cpu", "tfjs-wasm"}) {
    owned.push_back(make_executor(n));
    execs.push_back(owned.back().get());
  }
  const KernelTable& kern = default_kernels();
  const Comparator cmp;
  {
    const CaseFile cf = gen.generate(42, 0).cf;
    (void)evaluate_case(cf, execs, cat(), kern, cmp);
  }
  std::vector<TfjsTiming> log;
  for (auto& e : owned)
    if (auto* te = dynamic_cast<TfjsExecutor*>(e.get())) te->log_timings(&log);
  const double epoch_minus_steady =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count() -
      std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
  auto steady_s = [](Clock::time_point t) { return std::chrono::duration<double>(t.time_since_epoch()).count(); };
  EvaluateTrace trace;
  struct Ahead {
    CaseFile cf;
    std::unique_ptr<StartedCase> started;
  };
  auto prepare = [&](uint64_t index) {
    auto a = std::make_unique<Ahead>();
    a->cf = gen.generate(42, index).cf;
    try {
      a->started = start_case(a->cf, execs, cat(), &trace);
    } catch (const std::exception& e) {
      fmt::print(stderr, "case {}: {}\n", index, e.what());
    }
    return a;
  };
  const auto t0 = Clock::now();
  // As Campaign::work: one case ahead; a case with DIVERGED runs is localized one step later.
  std::unique_ptr<Ahead> cur = prepare(indices[0]), held;
  auto judge = [&](Ahead& a, size_t i) {
    if (!a.started) return;
    try {
      judge_case(*a.started, kern, cmp);
    } catch (const std::exception& e) {
      fmt::print(stderr, "case {}: {}\n", indices[i], e.what());
      a.started.reset();
    }
  };
  auto emit = [&](std::unique_ptr<Ahead>& a) {
    if (a && a->started) (void)localize_case(*a->started, cmp);
    a.reset();
  };
  for (size_t i = 0; cur; ++i) {
    std::unique_ptr<Ahead> next = i + 1 < indices.size() ? prepare(indices[i + 1]) : nullptr;
    judge(*cur, i);
    emit(held);
    if (cur->started && cur->started->awaiting_repeats()) held = std::move(cur);
    else emit(cur);
    cur = std::move(next);
  }
  emit(held);
  const double wall = since(t0);
  for (auto& e : owned)
    if (auto* te = dynamic_cast<TfjsExecutor*>(e.get())) te->log_timings(nullptr);
  std::vector<std::pair<double, double>> tf, both;
  for (const TfjsTiming& t : log) {
    for (const auto& iv : tfjs_intervals(t, epoch_minus_steady)) tf.push_back(iv);
  }
  both = tf;
  std::map<std::string, double> step_s;
  for (const EvaluateTrace::Span& sp : trace.spans) {
    step_s[sp.step + (sp.executor.empty() ? "" : " " + sp.executor)] += std::chrono::duration<double>(sp.end - sp.begin).count();
    if (sp.step == "finish" && sp.executor == "ref64") both.push_back({steady_s(sp.begin), steady_s(sp.end)});
  }
  const double in_tf = union_length(tf), in_ref = union_length(both) - in_tf;
  const double own = wall - in_tf - in_ref;
  const size_t n = indices.size();
  fmt::print("  {} ({} cases): {:.1f} cases/s ({:.2f} ms per case); inside TF.js {:.1f}%, ref64's row {:.1f}%, "
             "parity's own {:.1f}% of the wall (target <= 20%)\n", what, n, n / wall, 1e3 * wall / n, 100 * in_tf / wall,
             100 * in_ref / wall, 100 * own / wall);
  std::string steps;
  for (const auto& [k, x] : step_s) steps += fmt::format("{}{} {:.3f}", steps.empty() ? "" : ", ", k, 1e3 * x / n);
  fmt::print("    ms per case in each step: {}\n", steps);
}

// The alternative the worker replaces: a fresh node process (start, load TF.js, hello, one case, exit).
void bench_naive(int cases, double campaign_ms) {
  const Model m = std::move(fixed_models()[0]);
  const auto xs = random_inputs(m.g, cat(), 5, m.batch);
  const auto t0 = Clock::now();
  for (int i = 0; i < cases; ++i) {
    TfjsExecutor e("cpu", cat());
    e.run(m.g, xs);
  }
  const double naive = since(t0) / cases;
  TfjsExecutor e("cpu", cat());
  for (int i = 0; i < 20; ++i) e.run(m.g, xs);
  const auto t1 = Clock::now();
  for (int i = 0; i < 200; ++i) e.run(m.g, xs);
  const double persistent = since(t1) / 200;
  fmt::print("\n== naive: fresh node process per case ({} cases, {} on tfjs-cpu)\n", cases, m.name);
  fmt::print("fresh process {:.1f} ms/case, persistent worker {:.3f} ms/case: {:.0f}x\n", 1e3 * naive,
             1e3 * persistent, naive / persistent);
  // A naive campaign starts one process per backend per case: two fresh processes against the measured
  // ms/case of the whole ref64+tfjs-cpu+tfjs-wasm evaluation above.
  if (campaign_ms > 0)
    fmt::print("naive ref64+tfjs-cpu+tfjs-wasm campaign: about {:.0f} ms/case (2 fresh processes) vs {:.2f} ms/case "
               "measured: {:.0f}x\n", 2e3 * naive, campaign_ms, 2e3 * naive / campaign_ms);
}

}  // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::atoi(argv[1]) : 300;
  const int cases = argc > 2 ? std::atoi(argv[2]) : 300;
  const int naive = argc > 3 ? std::atoi(argv[3]) : 10;
  if (auto why = resolve_worker_setup(WorkerOptions{}).unavailable) {
    fmt::print("bench_tfjs: skipped: {}\n", *why);
    return 0;
  }
  try {
    TfjsExecutor probe("cpu", cat());
    fmt::print("TF.js: {}\n\n", probe.version());
    bench_fixed(runs);
    std::vector<uint64_t> every_ran;
    const double ms = bench_generated(cases, true, &every_ran);
    (void)bench_generated(cases, false);
    fmt::print("\n== the same cases pipelined across cases, as `parity run` runs them (next case sent before this one "
               "is judged)\n");
    std::vector<uint64_t> all(static_cast<size_t>(cases));
    for (size_t i = 0; i < all.size(); ++i) all[i] = i;
    bench_pipelined(all, "all cases");
    bench_pipelined(every_ran, "only the cases every TF.js executor ran");
    bench_naive(naive, ms);
  } catch (const std::exception& e) {
    fmt::print(stderr, "bench_tfjs: {}\n", e.what());
    return 1;
  }
}
