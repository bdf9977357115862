// One case on a set of executors: reference and budgets once, then each executor run, timed and judged.
#include "harness/engine/evaluate.h"

#include <fmt/format.h>

#include <chrono>
#include <exception>
#include <optional>
#include <set>

namespace parity {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string input_name(const Graph& g, size_t i) { return g.nodes.at(g.values.at(g.inputs[i]).producer).name; }

// The first op of the graph the executor rejects, as "op 'X' (node 'n'): reason".
std::string unsupported(const Graph& g, Executor& ex) {
  std::set<std::string> seen;
  for (const Node& n : g.nodes) {
    if (n.op == "InputLayer" || !seen.insert(n.op).second) continue;
    if (auto why = ex.unsupported_reason(n.op)) return fmt::format("op '{}' (node '{}'): {}", n.op, n.name, *why);
  }
  return {};
}

}  // namespace

std::vector<Tensor<double>> case_inputs(const CaseFile& cf, const Catalog& c) {
  if (!cf.inputs) return random_inputs(cf.graph, c, cf.input_seed, cf.batch);
  const Graph& g = cf.graph;
  std::vector<Tensor<double>> out;
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const std::string name = input_name(g, i);
    const NamedTensor* hit = nullptr;
    for (const NamedTensor& t : *cf.inputs)
      if (t.name == name) hit = &t;
    // Unnamed or differently named inputs are taken by position, as a single-input case file writes them.
    if (!hit && cf.inputs->size() == g.inputs.size()) hit = &(*cf.inputs)[i];
    if (!hit) fail("case inputs: missing input '{}'", name);
    out.push_back(hit->tensor);
  }
  return out;
}

CaseVerdict evaluate_case(const CaseFile& cf, const std::vector<Executor*>& executors, const Catalog& c,
                          const KernelTable& k, const Comparator& cmp, EvaluateTrace* trace) {
  const std::unique_ptr<StartedCase> s = start_case(cf, executors, c, trace);
  return finish_case(*s, k, cmp);
}

StartedCase::~StartedCase() {
  for (size_t i = 0; i < slots.size(); ++i) {
    if (slots[i].started) executors[i]->cancel_run(slots[i].ticket);
    if (slots[i].repeat) executors[i]->cancel_run(*slots[i].repeat);
  }
}

bool StartedCase::awaiting_repeats() const {
  for (const Slot& slot : slots)
    if (slot.repeat) return true;
  return false;
}

// Every executor's run is started first and finished after the reference is computed: executors that work
// in another process (the TF.js workers) then compute at the same time as each other and as the reference;
// the others run in finish_run. A run that failed to start keeps its exception for its verdict.
std::unique_ptr<StartedCase> start_case(const CaseFile& cf, const std::vector<Executor*>& executors, const Catalog& c,
                                        EvaluateTrace* trace) {
  validate(cf.graph, c);
  auto s = std::make_unique<StartedCase>(cf, executors, c, trace);
  s->inputs = case_inputs(cf, c);
  s->slots.resize(executors.size());
  for (size_t i = 0; i < executors.size(); ++i) {
    StartedCase::Slot& slot = s->slots[i];
    slot.ev.executor = executors[i]->name();
    if (std::string why = unsupported(cf.graph, *executors[i]); !why.empty()) {
      slot.ev.disposition = Disposition::Unsupported;
      slot.ev.reason = why;
      slot.refused = true;
      continue;
    }
    const auto t_start = std::chrono::steady_clock::now();
    try {
      slot.ticket = executors[i]->start_run(cf.graph, s->inputs);
      slot.started = true;
    } catch (...) {
      slot.start_error = std::current_exception();
    }
    slot.start_seconds = seconds_since(t_start);
    if (trace) trace->spans.push_back({"start", slot.ev.executor, t_start, std::chrono::steady_clock::now()});
  }
  return s;
}

void judge_case(StartedCase& s, const KernelTable& k, const Comparator& cmp) {
  const CaseFile& cf = s.cf;
  const Catalog& c = s.catalog;
  const std::vector<Executor*>& executors = s.executors;
  const std::vector<Tensor<double>>& inputs = s.inputs;
  CaseVerdict& verdict = s.verdict;
  auto traced = [&](const char* step, const std::string& executor, std::chrono::steady_clock::time_point begin) {
    if (s.trace) s.trace->spans.push_back({step, executor, begin, std::chrono::steady_clock::now()});
  };

  // Should the reference throw (a case that cannot be evaluated), the started runs are cancelled by the
  // StartedCase, so no worker is left with an unread reply.
  auto t0 = std::chrono::steady_clock::now();
  s.ref32 = compute_reference(cf.graph, c, k, inputs, DType::F32);
  // float16 executors (tfjs-webgl-f16) are judged against float16 budgets, computed once when one is present.
  for (Executor* ex : executors)
    if (ex->compute_dtype() == DType::F16 && !s.ref16) s.ref16 = compute_reference(cf.graph, c, k, inputs, DType::F16);
  verdict.reference_seconds = seconds_since(t0);
  traced("reference", "", t0);

  for (size_t i = 0; i < executors.size(); ++i) {
    Executor* ex = executors[i];
    StartedCase::Slot& slot = s.slots[i];
    ExecutorVerdict& ev = slot.ev;
    if (!slot.refused) {
      const Reference& ref = ex->compute_dtype() == DType::F16 ? *s.ref16 : *s.ref32;
      RunResult run;
      bool ran = false;
      t0 = std::chrono::steady_clock::now();
      try {
        if (slot.start_error) std::rethrow_exception(slot.start_error);
        slot.started = false;
        run = ex->finish_run(slot.ticket);
        ran = true;
      } catch (const UnsupportedOpError& e) {
        ev.disposition = Disposition::Unsupported;
        ev.reason = fmt::format("{}: {}", e.op, e.what());
      } catch (const ExecutorUnavailable& e) {
        ev.disposition = Disposition::Skipped;
        ev.reason = e.what();
      } catch (const ExecutorError& e) {
        ev.disposition = Disposition::Errored;
        ev.reason = fmt::format("{}: {}", e.kind, e.what());
      } catch (const std::exception& e) {
        ev.disposition = Disposition::Errored;
        ev.reason = e.what();
      } catch (...) {
        ev.disposition = Disposition::Errored;
        ev.reason = "unknown exception";
      }
      // Time spent in this executor's calls: an executor in another process computed in between, so its
      // finish_run waits only for what the reference and the executors before it did not cover.
      ev.seconds = slot.start_seconds + seconds_since(t0);
      traced("finish", ev.executor, t0);
      ev.version = ex->version();
      if (ran) {
        if (run.outputs.size() != cf.graph.outputs.size()) {
          ev.disposition = Disposition::Errored;
          ev.reason = fmt::format("returned {} outputs, the graph has {}", run.outputs.size(), cf.graph.outputs.size());
        } else {
          const auto t_compare = std::chrono::steady_clock::now();
          ev.compare = cmp.compare(cf.graph, ref, run);
          traced("compare", ev.executor, t_compare);
          ev.disposition = ev.compare.disposition;
          ev.reason = ev.compare.reason;
        }
      }
    }
  }

  // Localize divergences with a second run that exposes every node's output, when the executor can. All
  // these runs are started before any is waited for (in localize_case), so executors in other processes
  // repeat at the same time, and a campaign can judge its next case meanwhile.
  for (size_t i = 0; i < executors.size(); ++i) {
    StartedCase::Slot& slot = s.slots[i];
    if (slot.ev.disposition != Disposition::Diverged) continue;
    try {
      slot.repeat = executors[i]->start_run(cf.graph, inputs, RunOptions{.want_intermediates = true});
    } catch (const std::exception&) {
      // The verdict stands without localization.
    }
  }
  for (StartedCase::Slot& slot : s.slots) {
    verdict.overall = worst(verdict.overall, slot.ev.disposition);
    verdict.executors.push_back(std::move(slot.ev));
  }
}

CaseVerdict localize_case(StartedCase& s, const Comparator& cmp) {
  for (size_t i = 0; i < s.executors.size(); ++i) {
    StartedCase::Slot& slot = s.slots[i];
    if (!slot.repeat) continue;
    ExecutorVerdict& ev = s.verdict.executors.at(i);
    const auto t_localize = std::chrono::steady_clock::now();
    try {
      const Executor::Ticket t = *slot.repeat;
      slot.repeat.reset();
      const RunResult full = s.executors[i]->finish_run(t);
      if (s.trace) s.trace->spans.push_back({"localize", ev.executor, t_localize, std::chrono::steady_clock::now()});
      if (!full.intermediates.empty()) {
        const Reference& ref = s.executors[i]->compute_dtype() == DType::F16 ? *s.ref16 : *s.ref32;
        ev.compare.first_divergent_node = cmp.compare(s.cf.graph, ref, full).first_divergent_node;
        if (!ev.compare.first_divergent_node.empty())
          ev.reason += fmt::format("; first divergent node '{}'", ev.compare.first_divergent_node);
      }
    } catch (const std::exception&) {
      // The verdict stands without localization.
    }
  }
  return std::move(s.verdict);
}

CaseVerdict finish_case(StartedCase& s, const KernelTable& k, const Comparator& cmp) {
  judge_case(s, k, cmp);
  return localize_case(s, cmp);
}

}  // namespace parity
