#include "harness/engine/runner.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>

#include "harness/cli/commands.h"
#include "harness/core/error.h"
#include "harness/engine/evaluate.h"
#include "oracles/executor.h"
#include "reports/reports.h"

namespace parity {
namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

const char* family_str(GraphFamily f) {
  switch (f) {
    case GraphFamily::Layers: return "layers";
    case GraphFamily::TfOps: return "tf_ops";
    case GraphFamily::Both: return "both";
  }
  return "both";
}

GraphFamily family_from(const std::string& s) {
  if (s == "layers") return GraphFamily::Layers;
  if (s == "tf_ops") return GraphFamily::TfOps;
  if (s == "both") return GraphFamily::Both;
  fail("generator.family: expected layers, tf_ops or both, got '{}'", s);
}

json gen_to_json(const GenConfig& g) {
  return {{"family", family_str(g.family)}, {"max_nodes", g.max_nodes},   {"max_elements", g.max_elements},
          {"max_flops", g.max_flops},       {"max_batch", g.max_batch},   {"ops", g.ops},
          {"exclude", g.exclude},           {"executors", g.executors}};
}

GenConfig gen_from_json(const json& j) {
  GenConfig g;
  g.family = family_from(j.value("family", "both"));
  g.max_nodes = j.value("max_nodes", g.max_nodes);
  g.max_elements = j.value("max_elements", g.max_elements);
  g.max_flops = j.value("max_flops", g.max_flops);
  g.max_batch = j.value("max_batch", g.max_batch);
  g.ops = j.value("ops", g.ops);
  g.exclude = j.value("exclude", g.exclude);
  g.executors = j.value("executors", g.executors);
  return g;
}

// One line, for the terminal and for reasons quoted in failure lines.
std::string flat(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

void validate_config(const CampaignConfig& c, const Catalog&) {
  if (c.executors.empty()) fail("--executors: give at least one executor");
  const auto known = executor_names();
  for (size_t i = 0; i < c.executors.size(); ++i) {
    const std::string& e = c.executors[i];
    if (std::find(known.begin(), known.end(), e) == known.end())
      fail("--executors: unknown executor '{}' (available: {})", e, fmt::join(known, ", "));
    if (std::find(c.executors.begin(), c.executors.begin() + i, e) != c.executors.begin() + i)
      fail("--executors: '{}' is listed twice", e);
  }
  if (c.shards < 1 || c.shard < 1 || c.shard > c.shards)
    fail("--shard: expected I/N with 1 <= I <= N, got {}/{}", c.shard, c.shards);
  if (c.time_limit && !(*c.time_limit > 0)) fail("--time: expected a positive number of seconds");
  if (c.gen.max_nodes < 1) fail("--max-nodes: expected at least 1");
  if (c.gen.max_elements < 1) fail("--max-elements: expected at least 1");
  if (c.gen.max_batch < 1) fail("--max-batch: expected at least 1");
  if (c.shrink_attempts < 0) fail("--shrink-attempts: expected a non-negative number");
  if (!(c.budget_scale > 0)) fail("--budget-scale: expected a positive number");
}

// What a worker produced for one position of the shard's stream; written by whoever completes the gap.
struct Slot {
  bool skip = false;  // already complete on disk (resume)
  std::string lines;  // this case's rows, newline-terminated
  std::string messages;  // failure lines for the user, newline-terminated
  bool failing = false;
  uint64_t diverged = 0, errored = 0;
};

// A claimed case, generated and with its executor runs started (the TF.js workers compute it while the
// worker thread judges the case before). Stays where it is: the started runs point into it.
struct Prepared {
  uint64_t pos = 0, index = 0;
  bool skip = false;  // already complete on disk (resume)
  GeneratedCase gc;
  std::string gen_error;   // the generator failed
  std::string eval_error;  // the case could not be evaluated at all (a generator bug)
  double t_gen = 0, t_eval = 0;
  std::unique_ptr<StartedCase> started;
};

// Per-worker state: executors are not shared between threads.
struct Worker {
  std::vector<std::unique_ptr<Executor>> owned;
  std::vector<Executor*> all;
  PhaseTimes t;
};

class Campaign {
 public:
  Campaign(CampaignConfig& cfg, const CampaignOptions& opt)
      : cfg_(cfg), opt_(opt), cat_(default_catalog()), kernels_(default_kernels()) {
    Comparator::Config cc;
    cc.budget_scale = cfg.budget_scale;
    cmp_ = Comparator(cc);
  }

  RunStats run();

 private:
  void prepare_dir();
  void make_generator() {
    gen_ = with_context("generator configuration: ", [&] { return std::make_unique<CaseGenerator>(cat_, cfg_.gen); });
  }
  void load_completed();
  void work(Worker& w);
  std::optional<uint64_t> claim(bool wait);
  std::unique_ptr<Prepared> prepare(Worker& w, uint64_t pos);
  void judge(Prepared& p);
  Slot complete(Worker& w, Prepared& p);
  bool emit(Worker& w, Prepared& p);
  void finish(uint64_t pos, Slot slot);
  bool in_range(uint64_t pos) const;
  uint64_t index_of(uint64_t pos) const { return uint64_t(cfg_.shard - 1) + pos * uint64_t(cfg_.shards); }
  std::string rel(const std::string& name) const { return "cases/" + name; }
  std::string shown(const std::string& name) const { return (opt_.out / "cases" / name).string(); }
  void progress_line(bool final);

  CampaignConfig& cfg_;
  const CampaignOptions& opt_;
  const Catalog& cat_;
  const KernelTable& kernels_;
  Comparator cmp_;
  std::unique_ptr<CaseGenerator> gen_;  // shared by workers: its generate/shrink are const
  std::unique_ptr<ResultsWriter> writer_;
  std::unordered_set<uint64_t> completed_;  // case indices already on disk (resume)

  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t next_claim_ = 0, next_write_ = 0;
  std::map<uint64_t, Slot> pending_;
  bool stop_ = false;
  std::exception_ptr error_;
  RunStats stats_;
  Clock::time_point start_, deadline_, last_progress_;
  uint64_t total_positions_ = 0;  // for the ETA when --cases bounds the run
};

bool Campaign::in_range(uint64_t pos) const { return !cfg_.cases || index_of(pos) < *cfg_.cases; }

void Campaign::prepare_dir() {
  const fs::path& dir = opt_.out;
  std::error_code ec;
  if (opt_.resume) {
    if (!fs::exists(dir / "run.json")) fail("--resume {}: no run.json there (not a parity run directory)", dir.string());
    std::ifstream in(dir / "run.json");
    json j = json::parse(in, nullptr, false);
    if (j.is_discarded()) fail("{}: not valid JSON", (dir / "run.json").string());
    auto keep_time = cfg_.time_limit;
    cfg_ = config_from_json(j, (dir / "run.json").string());
    if (keep_time) cfg_.time_limit = keep_time;
    validate_config(cfg_, cat_);
    fs::create_directories(dir / "cases");
    if (!fs::exists(dir / "results.jsonl")) std::ofstream(dir / "results.jsonl", std::ios::app);
    load_completed();
  } else {
    validate_config(cfg_, cat_);
    if (fs::exists(dir / "run.json") || fs::exists(dir / "results.jsonl")) {
      if (!opt_.overwrite)
        fail("{} already holds a parity run: continue it with --resume {}, replace it with --overwrite, or choose "
             "another --out",
             dir.string(), dir.string());
      // Only parity's own files go; anything else the user keeps in DIR stays.
      for (const char* f : {"run.json", "results.jsonl", "summary.md", "junit.xml"}) fs::remove(dir / f, ec);
      fs::remove_all(dir / "cases", ec);
    }
    fs::create_directories(dir / "cases", ec);
    if (ec) fail("--out {}: cannot create the directory: {}", dir.string(), ec.message());
    std::ofstream(dir / "results.jsonl", std::ios::trunc);
    write_file_atomically(dir / "run.json", config_to_json(cfg_).dump(2) + "\n");
  }
  // A killed run may leave temporaries of case files being written; their cases re-run.
  for (const auto& e : fs::directory_iterator(dir / "cases", ec))
    if (e.path().extension() == ".tmp") fs::remove(e.path(), ec);
  writer_ = std::make_unique<ResultsWriter>(dir / "results.jsonl");
}

// Rows go out case by case in index order, so only the last case in the file can be incomplete (killed
// between or inside its rows' write). Drop that tail and keep every complete case.
void Campaign::load_completed() {
  const fs::path file = opt_.out / "results.jsonl";
  uint64_t torn = 0;
  uint64_t group_start = 0, group_index = 0;
  std::vector<std::string> group;
  bool have_group = false;
  auto close_group = [&]() {
    if (!have_group) return true;
    if (group != cfg_.executors) return false;
    if (!completed_.insert(group_index).second) fail("{}: case index {} appears twice", file.string(), group_index);
    return true;
  };
  uint64_t cut = std::numeric_limits<uint64_t>::max();
  bool broken_mid = false;
  scan_results(
      file,
      [&](const ResultRow& r, uint64_t offset) {
        if (broken_mid) return;
        if (r.index % uint64_t(cfg_.shards) != uint64_t(cfg_.shard - 1) || (cfg_.cases && r.index >= *cfg_.cases))
          fail("{}: case {} does not belong to this run (shard {}/{}, cases {})", file.string(), r.case_id, cfg_.shard,
               cfg_.shards, cfg_.cases ? std::to_string(*cfg_.cases) : "unbounded");
        if (r.seed != cfg_.seed) fail("{}: row for case {} has seed {}, run.json says {}", file.string(), r.case_id, r.seed, cfg_.seed);
        if (!have_group || r.index != group_index) {
          if (!close_group()) broken_mid = true;  // an incomplete case followed by more: not a torn tail
          have_group = true;
          group_index = r.index;
          group_start = offset;
          group.clear();
        }
        group.push_back(r.executor);
      },
      &torn);
  if (broken_mid) fail("{}: a case in the middle of the file lacks rows; refusing to resume a damaged file", file.string());
  if (have_group && !close_group()) cut = group_start;
  if (torn != std::numeric_limits<uint64_t>::max()) cut = std::min(cut, torn);
  if (cut != std::numeric_limits<uint64_t>::max()) fs::resize_file(file, cut);
}

std::unique_ptr<Prepared> Campaign::prepare(Worker& w, uint64_t pos) {
  auto p = std::make_unique<Prepared>();
  p->pos = pos;
  p->index = index_of(pos);
  if (completed_.count(p->index)) {
    p->skip = true;
    return p;
  }
  auto t0 = Clock::now();
  try {
    p->gc = gen_->generate(cfg_.seed, p->index);
  } catch (const std::exception& e) {
    p->gen_error = flat(e.what());
  }
  p->t_gen = since(t0);
  w.t.generate += p->t_gen;
  if (!p->gen_error.empty()) return p;
  auto t1 = Clock::now();
  try {
    p->started = start_case(p->gc.cf, w.all, cat_);
  } catch (const ParityError& e) {
    p->eval_error = "case cannot be evaluated: " + flat(e.what());
  } catch (const std::exception& e) {
    p->eval_error = "internal error evaluating the case: " + flat(e.what());
  }
  p->t_eval = since(t1);
  return p;
}

// Judges the case's runs (reference, replies, comparison) and starts the repeats that name DIVERGED runs'
// first divergent nodes, without waiting for them.
void Campaign::judge(Prepared& p) {
  if (!p.started) return;
  auto t1 = Clock::now();
  try {
    judge_case(*p.started, kernels_, cmp_);
  } catch (const ParityError& e) {
    p.eval_error = "case cannot be evaluated: " + flat(e.what());
    p.started.reset();
  } catch (const std::exception& e) {
    p.eval_error = "internal error evaluating the case: " + flat(e.what());
    p.started.reset();  // cancels what judge_case did not finish
  }
  p.t_eval += since(t1);
}

Slot Campaign::complete(Worker& w, Prepared& p) {
  Slot slot;
  const uint64_t index = p.index;
  const std::string id = fmt::format("s{}-{}", cfg_.seed, index);
  const GeneratedCase& gc = p.gc;
  const std::string& gen_error = p.gen_error;
  const double t_gen = p.t_gen;

  CaseVerdict v;
  const std::string& eval_error = p.eval_error;
  auto t1 = Clock::now();
  if (p.started) {
    v = localize_case(*p.started, cmp_);
    p.started.reset();
  }
  const double t_eval = p.t_eval + since(t1);
  w.t.evaluate += t_eval;
  w.t.reference += v.reference_seconds;
  for (const auto& ev : v.executors) w.t.executors += ev.seconds;

  auto t3 = Clock::now();  // from here on: parity's bookkeeping of the case (rows, case files)
  ResultRow base;
  base.case_id = id;
  base.index = index;
  base.seed = cfg_.seed;
  base.time.generate = t_gen;
  base.time.evaluate = t_eval;
  base.time.reference = v.reference_seconds;
  if (gen_error.empty()) {
    base.graph_hash = content_hash(gc.cf.graph);
    for (const Node& n : gc.cf.graph.nodes) base.ops.push_back(n.op);
    base.batch = gc.cf.batch;
    base.size = case_size(gc.cf.graph, cat_, gc.cf.batch);
  }

  std::vector<ResultRow> rows;
  for (size_t k = 0; k < cfg_.executors.size(); ++k) {
    ResultRow r = base;
    r.executor = cfg_.executors[k];
    if (!gen_error.empty()) {
      r.disposition = Disposition::Errored;
      r.reason = "generator failed: " + gen_error;
    } else if (!eval_error.empty()) {
      r.disposition = Disposition::Errored;
      r.reason = eval_error;
    } else {
      const ExecutorVerdict& ev = v.executors.at(k);
      r.disposition = ev.disposition;
      r.reason = ev.reason;
      r.executor_version = ev.version;
      r.first_divergent_node = ev.compare.first_divergent_node;
      r.time.executor = ev.seconds;
      for (const OutputStats& o : ev.compare.outputs)
        r.outputs.push_back({o.name, o.max_abs_err, o.max_rel_err, o.max_ulp_err, o.min_passing_scale, o.failing, o.dtype});
    }
    rows.push_back(std::move(r));
  }

  Disposition overall = Disposition::Passed;
  for (const ResultRow& r : rows) overall = worst(overall, r.disposition);
  slot.failing = overall == Disposition::Diverged || overall == Disposition::Errored;

  if (slot.failing && gen_error.empty()) {
    w.t.write += since(t3);
    t3 = Clock::now();
    auto t2 = Clock::now();
    // The full case, with what was seen as its expectation: a ready-made regression case (lit's XFAIL).
    CaseFile full = gc.cf;
    full.expect = json::object();
    for (const ResultRow& r : rows)
      if (r.disposition != Disposition::Passed)
        full.expect[r.executor] = {{"disposition", disposition_name(r.disposition)}, {"reason", r.reason}};
    json found = {{"id", id}, {"seed", cfg_.seed}, {"index", index}, {"generator", gen_to_json(cfg_.gen)},
                  {"budget_scale", cfg_.budget_scale}};
    json jfull = case_to_json(full);
    jfull["found_by"] = found;
    write_file_atomically(opt_.out / "cases" / (id + ".json"), jfull.dump(1) + "\n");

    // Shrink against the first executor showing the worst disposition, keeping that disposition.
    size_t target = 0;
    while (rows[target].disposition != overall) ++target;
    Executor* ex = w.all[target];
    const Disposition want = overall;
    const bool want_throw = !eval_error.empty();
    auto still_fails = [&](const CaseFile& cand) {
      try {
        CaseVerdict cv = evaluate_case(cand, {ex}, cat_, kernels_, cmp_);
        return !want_throw && cv.executors.at(0).disposition == want;
      } catch (const std::exception&) {
        return want_throw;
      }
    };
    ShrinkStats ss;
    json jmin;
    try {
      GeneratedCase small = gen_->shrink(cfg_.seed, index, still_fails, cfg_.shrink_attempts, &ss);
      small.cf.expect = json::object();  // no expectation: replay exits 1 while the failure reproduces
      jmin = case_to_json(small.cf);
      json observed = json::object();
      try {
        CaseVerdict mv = evaluate_case(small.cf, w.all, cat_, kernels_, cmp_);
        for (size_t k = 0; k < mv.executors.size(); ++k)
          observed[cfg_.executors[k]] = {{"disposition", disposition_name(mv.executors[k].disposition)},
                                         {"reason", mv.executors[k].reason}};
      } catch (const std::exception& e) {
        observed["error"] = flat(e.what());
      }
      jmin["observed"] = observed;  // informative only; replay reads "expect"
    } catch (const std::exception& e) {
      // Shrinking failing must not lose the failure: the min file is then the full case without expectation.
      CaseFile copy = gc.cf;
      copy.expect = json::object();
      jmin = case_to_json(copy);
      jmin["shrink_error"] = flat(e.what());
    }
    found["shrunk_from"] = id + ".json";
    found["shrink"] = {{"attempts", ss.attempts}, {"accepted", ss.accepted}, {"target_executor", rows[target].executor},
                       {"target_disposition", disposition_name(want)}};
    jmin["found_by"] = found;
    write_file_atomically(opt_.out / "cases" / (id + ".min.json"), jmin.dump(1) + "\n");
    const double t_shrink = since(t2);
    w.t.shrink += t_shrink;
    t3 = Clock::now();
    for (ResultRow& r : rows) {
      r.case_file = rel(id + ".json");
      r.min_case_file = rel(id + ".min.json");
      r.time.shrink = t_shrink;
    }
  }

  for (const ResultRow& r : rows) {
    slot.lines += row_to_line(r);
    slot.lines += '\n';
    if (r.disposition == Disposition::Diverged) ++slot.diverged;
    if (r.disposition == Disposition::Errored) ++slot.errored;
    if (r.disposition == Disposition::Diverged || r.disposition == Disposition::Errored) {
      slot.messages += fmt::format("{} {} {}: {}", disposition_name(r.disposition), id, r.executor, flat(r.reason));
      if (!r.min_case_file.empty()) slot.messages += " -- repro: " + repro_command(shown(id + ".min.json"), cfg_);
      slot.messages += '\n';
    }
  }
  w.t.write += since(t3);
  return slot;
}

void Campaign::finish(uint64_t pos, Slot slot) {
  std::unique_lock lock(mu_);
  pending_.emplace(pos, std::move(slot));
  while (!pending_.empty() && pending_.begin()->first == next_write_) {
    Slot s = std::move(pending_.begin()->second);
    pending_.erase(pending_.begin());
    ++next_write_;
    if (s.skip) continue;
    try {
      writer_->append(s.lines);  // the case's rows in one write: it is on disk whole or re-runs on resume
    } catch (...) {
      if (!error_) error_ = std::current_exception();
      stop_ = true;
      break;
    }
    ++stats_.cases_done;
    if (s.failing) ++stats_.failing_cases;
    stats_.diverged_rows += s.diverged;
    stats_.errored_rows += s.errored;
    if (!s.messages.empty() && opt_.out_stream) {
      if (opt_.progress && opt_.err_stream) *opt_.err_stream << "\r\033[K" << std::flush;
      *opt_.out_stream << s.messages << std::flush;
    }
    if (opt_.on_case) opt_.on_case(stats_.cases_done);
    progress_line(false);
  }
  cv_.notify_all();
}

void Campaign::progress_line(bool final) {
  if (!opt_.progress || !opt_.err_stream) return;
  auto now = Clock::now();
  if (!final && now - last_progress_ < std::chrono::milliseconds(200)) return;
  last_progress_ = now;
  const double el = since(start_);
  const double rate = el > 0 ? stats_.cases_done / el : 0;
  std::string eta = "?";
  if (cfg_.time_limit) {
    eta = fmt::format("{:.0f}s", std::max(0.0, *cfg_.time_limit - el));
  }
  if (cfg_.cases && rate > 0) {
    const double left = double(total_positions_ - std::min(total_positions_, next_write_));
    const double by_count = left / rate;
    eta = fmt::format("{:.0f}s", cfg_.time_limit ? std::min(by_count, std::max(0.0, *cfg_.time_limit - el)) : by_count);
  }
  *opt_.err_stream << fmt::format("\r\033[K[parity run] {} cases{}  {:.0f} cases/s  {} diverged  {} errored  ETA {}",
                                  stats_.cases_done + stats_.cases_skipped,
                                  cfg_.cases ? fmt::format("/{}", total_positions_) : std::string(), rate,
                                  stats_.diverged_rows, stats_.errored_rows, eta)
                   << std::flush;
}

// The next position of the stream, or nothing when the run is over (or, without `wait`, when claiming
// now would have to wait for the writer).
std::optional<uint64_t> Campaign::claim(bool wait) {
  std::unique_lock lock(mu_);
  // Bounded look-ahead keeps memory flat when one case (a long shrink) holds up the in-order writer.
  const uint64_t window = 64 * uint64_t(std::max(1, opt_.jobs));
  auto room = [&] { return stop_ || next_claim_ < next_write_ + window; };
  if (wait) cv_.wait(lock, room);
  else if (!room()) return std::nullopt;
  if (!stop_ && ((cfg_.time_limit && Clock::now() >= deadline_) || (opt_.interrupt && opt_.interrupt->load()))) {
    stop_ = true;
    stats_.stopped_early = true;
  }
  if (stop_ || !in_range(next_claim_)) {
    cv_.notify_all();
    return std::nullopt;
  }
  return next_claim_++;
}

// Completes a judged case and hands its rows to the writer; false when the run must stop (a case file could
// not be written: going on would lose results).
bool Campaign::emit(Worker& w, Prepared& p) {
  Slot slot;
  if (p.skip) {
    slot.skip = true;
  } else {
    try {
      slot = complete(w, p);
    } catch (...) {
      std::unique_lock lock(mu_);
      if (!error_) error_ = std::current_exception();
      stop_ = true;
      cv_.notify_all();
      return false;
    }
  }
  finish(p.pos, std::move(slot));
  return true;
}

// Each worker keeps one case ahead: the next case is generated and its runs started before this one is
// judged, so executors in other processes (the TF.js workers) compute it while this thread computes the
// reference and compares. A case with DIVERGED runs waits one more step for the repeats that name their
// first divergent nodes (queued behind the next case), so the thread judges the next case meanwhile instead
// of waiting. The look-ahead never waits for the writer (the writer may be waiting for this very case), and
// a held case is emitted before any claim that could wait.
void Campaign::work(Worker& w) {
  std::unique_ptr<Prepared> cur, held;
  if (auto pos = claim(true)) cur = prepare(w, *pos);
  while (cur) {
    std::unique_ptr<Prepared> next;
    if (auto pos = claim(false)) next = prepare(w, *pos);
    judge(*cur);
    if (held && !emit(w, *held)) return;
    held.reset();
    if (cur->started && cur->started->awaiting_repeats()) {
      held = std::move(cur);
    } else if (!emit(w, *cur)) {
      return;
    }
    cur = std::move(next);
    if (!cur) {
      if (held && !emit(w, *held)) return;
      held.reset();
      if (auto pos = claim(true)) cur = prepare(w, *pos);
    }
  }
}

RunStats Campaign::run() {
  if (!opt_.resume) {  // a bad generator configuration must not leave a half-made DIR behind
    validate_config(cfg_, cat_);
    make_generator();
    // Bad TF.js options (a missing --tfjs-dir, an unpublished --tfjs-version) too; this also installs a
    // --tfjs-version into the cache once, before the workers look for it.
    for (const std::string& name : cfg_.executors) make_executor(name, cfg_.executor_options);
  }
  prepare_dir();
  if (opt_.resume) make_generator();
  start_ = last_progress_ = Clock::now();
  if (cfg_.time_limit)
    deadline_ = start_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(*cfg_.time_limit));
  if (cfg_.cases) {
    const uint64_t first = uint64_t(cfg_.shard - 1);
    total_positions_ = *cfg_.cases > first ? (*cfg_.cases - first + cfg_.shards - 1) / cfg_.shards : 0;
  }
  stats_.cases_skipped = completed_.size();

  const int jobs = std::max(1, opt_.jobs);
  std::vector<Worker> workers(static_cast<size_t>(jobs));
  for (Worker& w : workers)
    for (const std::string& name : cfg_.executors) {
      w.owned.push_back(make_executor(name, cfg_.executor_options));
      w.all.push_back(w.owned.back().get());
    }
  std::vector<std::thread> threads;
  for (int i = 1; i < jobs; ++i) threads.emplace_back([this, &workers, i] { work(workers[size_t(i)]); });
  work(workers[0]);
  for (auto& t : threads) t.join();
  progress_line(true);
  if (opt_.progress && opt_.err_stream) *opt_.err_stream << "\r\033[K" << std::flush;
  if (error_) std::rethrow_exception(error_);
  writer_->sync();
  stats_.wall_seconds = since(start_);
  for (const Worker& w : workers) {
    PhaseTimes& p = stats_.phases;
    p.generate += w.t.generate;
    p.reference += w.t.reference;
    p.executors += w.t.executors;
    p.evaluate += w.t.evaluate;
    p.shrink += w.t.shrink;
    p.write += w.t.write;
  }
  return stats_;
}

}  // namespace

namespace {

// Only what was chosen, so run.json of a run without TF.js options stays as it was.
json executor_options_to_json(const ExecutorOptions& e) {
  json j = json::object();
  if (!e.tfjs_version.empty()) j["tfjs_version"] = e.tfjs_version;
  if (!e.tfjs_dir.empty()) j["tfjs_dir"] = e.tfjs_dir.string();
  if (e.timeout_seconds > 0) j["timeout_seconds"] = e.timeout_seconds;
  if (e.tfoplambda_shim) j["tfoplambda_shim"] = true;
  if (e.cuda_tf32) j["cuda_tf32"] = true;
  return j;
}

}  // namespace

json config_to_json(const CampaignConfig& c) {
  json j = {{"parity_run", kRunFormatVersion},
             {"parity_version", cli::kVersion},
             {"seed", c.seed},
             {"cases", c.cases ? json(*c.cases) : json()},
             {"time_limit", c.time_limit ? json(*c.time_limit) : json()},
             {"executors", c.executors},
             {"shard", {c.shard, c.shards}},
             {"generator", gen_to_json(c.gen)},
             {"shrink_attempts", c.shrink_attempts},
             {"budget_scale", c.budget_scale}};
  if (json e = executor_options_to_json(c.executor_options); !e.empty()) j["executor_options"] = e;
  return j;
}

CampaignConfig config_from_json(const json& j, const std::string& where) {
  return with_context(where + ": ", [&] {
    try {
      if (!j.is_object() || !j.contains("parity_run")) fail("not a parity run.json (no 'parity_run' key)");
      if (j.at("parity_run") != kRunFormatVersion)
        fail("parity_run: unsupported version {} (this parity reads {})", j.at("parity_run").dump(), kRunFormatVersion);
      CampaignConfig c;
      c.seed = j.at("seed").get<uint64_t>();
      if (!j.at("cases").is_null()) c.cases = j.at("cases").get<uint64_t>();
      if (j.contains("time_limit") && !j.at("time_limit").is_null()) c.time_limit = j.at("time_limit").get<double>();
      c.executors = j.at("executors").get<std::vector<std::string>>();
      c.shard = j.at("shard").at(0).get<int>();
      c.shards = j.at("shard").at(1).get<int>();
      c.gen = gen_from_json(j.at("generator"));
      c.shrink_attempts = j.value("shrink_attempts", c.shrink_attempts);
      c.budget_scale = j.value("budget_scale", c.budget_scale);
      if (j.contains("executor_options")) {  // absent in runs made before TF.js version selection
        const json& e = j.at("executor_options");
        c.executor_options.tfjs_version = e.value("tfjs_version", std::string());
        c.executor_options.tfjs_dir = e.value("tfjs_dir", std::string());
        c.executor_options.timeout_seconds = e.value("timeout_seconds", 0.0);
        c.executor_options.tfoplambda_shim = e.value("tfoplambda_shim", false);
        c.executor_options.cuda_tf32 = e.value("cuda_tf32", false);
      }
      return c;
    } catch (const json::exception& e) {
      fail("malformed run configuration: {}", e.what());
    }
  });
}

std::string repro_command(const std::string& case_path, const CampaignConfig& cfg) {
  std::string cmd = "parity replay " + case_path;
  if (cfg.executors != CampaignConfig{}.executors) cmd += fmt::format(" --executors {}", fmt::join(cfg.executors, ","));
  if (cfg.budget_scale != 1.0) cmd += fmt::format(" --budget-scale {}", cfg.budget_scale);
  const ExecutorOptions& eo = cfg.executor_options;
  if (!eo.tfjs_version.empty()) cmd += " --tfjs-version " + eo.tfjs_version;
  if (!eo.tfjs_dir.empty()) cmd += " --tfjs-dir " + eo.tfjs_dir.string();
  if (eo.timeout_seconds > 0) cmd += fmt::format(" --timeout {}", eo.timeout_seconds);
  if (eo.tfoplambda_shim) cmd += " --tfoplambda-shim";
  if (eo.cuda_tf32) cmd += " --cuda-tf32";
  return cmd;
}

RunStats run_campaign(CampaignConfig& cfg, const CampaignOptions& opt) {
  Campaign c(cfg, opt);
  return c.run();
}

}  // namespace parity
