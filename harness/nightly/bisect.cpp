#include "harness/nightly/bisect.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>

namespace parity {

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, sep);) out.push_back(item);
  return out;
}

// One line, runs of blanks collapsed, at most 400 characters: worker crash reports carry padded stderr.
std::string squash(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    if (c == ' ' && !out.empty() && out.back() == ' ') continue;
    out += c;
  }
  return out.size() > 400 ? out.substr(0, 400) + "…" : out;
}

// run_command execs without a shell or PATH search: resolve a bare name on $PATH first.
std::string find_executable(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
  for (std::string d; std::getline(dirs, d, ':');)
    if (!d.empty() && access((std::filesystem::path(d) / name).c_str(), X_OK) == 0) return (std::filesystem::path(d) / name).string();
  fail("cannot list TF.js releases: `{}` is not on PATH (set PARITY_NPM)", name);
}

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

// Numbers compared by length first, so "10" > "9" without overflow on long digit strings.
int compare_numeric(const std::string& a, const std::string& b) {
  const std::string x = a.substr(std::min(a.find_first_not_of('0'), a.size()));
  const std::string y = b.substr(std::min(b.find_first_not_of('0'), b.size()));
  if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
  return x.compare(y) < 0 ? -1 : x.compare(y) > 0 ? 1 : 0;
}

int compare_identifier(const std::string& a, const std::string& b) {
  const bool na = all_digits(a), nb = all_digits(b);
  if (na && nb) return compare_numeric(a, b);
  if (na != nb) return na ? -1 : 1;  // semver: numeric identifiers sort before alphanumeric ones
  return a < b ? -1 : a > b ? 1 : 0;
}

}  // namespace

const char* probe_verdict_name(ProbeVerdict v) {
  switch (v) {
    case ProbeVerdict::Good: return "good";
    case ProbeVerdict::Bad: return "bad";
    case ProbeVerdict::Skip: return "skip";
  }
  return "?";
}

int SearchResult::skips() const {
  return static_cast<int>(std::count_if(steps.begin(), steps.end(), [](const ProbeStep& s) { return s.verdict == ProbeVerdict::Skip; }));
}

int ceil_log2(size_t n) {
  int k = 0;
  while ((size_t{1} << k) < n) ++k;
  return k;
}

SearchResult bisect_search(const std::vector<std::string>& versions,
                           const std::function<ProbeVerdict(size_t)>& probe) {
  SearchResult r;
  if (versions.size() < 2) fail("bisect needs a good and a bad version");
  size_t lo = 0, hi = versions.size() - 1;  // lo known good, hi known bad
  std::vector<bool> skipped(versions.size(), false);
  for (;;) {
    // The median of the probeable versions (not the median index): each probe then halves what is left to
    // probe, so a skip costs exactly the one probe it took.
    std::vector<size_t> open;
    for (size_t i = lo + 1; i < hi; ++i)
      if (!skipped[i]) open.push_back(i);
    if (open.empty()) break;
    const size_t mid = open[(open.size() - 1) / 2];
    const ProbeVerdict v = probe(mid);
    r.steps.push_back({mid, v});
    if (v == ProbeVerdict::Good) lo = mid;
    else if (v == ProbeVerdict::Bad) hi = mid;
    else skipped[mid] = true;
  }
  for (size_t i = lo + 1; i < hi; ++i) r.candidates.push_back(i);  // all skipped here
  r.candidates.push_back(hi);
  r.decided = r.candidates.size() == 1;
  r.first_bad = hi;
  r.last_good = lo;
  return r;
}

int compare_versions(const std::string& a, const std::string& b) {
  auto parts = [](const std::string& v) {
    const size_t dash = v.find('-');
    return std::pair{split(v.substr(0, dash), '.'), dash == std::string::npos ? std::string() : v.substr(dash + 1)};
  };
  const auto [ca, pa] = parts(a);
  const auto [cb, pb] = parts(b);
  for (size_t i = 0; i < std::max(ca.size(), cb.size()); ++i) {
    const int c = compare_numeric(i < ca.size() ? ca[i] : "0", i < cb.size() ? cb[i] : "0");
    if (c) return c;
  }
  if (pa.empty() != pb.empty()) return pa.empty() ? 1 : -1;  // 1.0.0-rc.1 < 1.0.0
  const auto ia = split(pa, '.'), ib = split(pb, '.');
  for (size_t i = 0; i < std::min(ia.size(), ib.size()); ++i)
    if (const int c = compare_identifier(ia[i], ib[i])) return c;
  return ia.size() < ib.size() ? -1 : ia.size() > ib.size() ? 1 : 0;
}

bool is_prerelease(const std::string& v) { return v.find('-') != std::string::npos; }

std::vector<std::string> published_versions(const std::string& package, const CommandRunner& runner,
                                            const std::string& npm) {
  const CommandRunner run = runner ? runner : CommandRunner(run_command);
  const std::string exe = find_executable(npm.empty() ? (std::getenv("PARITY_NPM") && *std::getenv("PARITY_NPM") ? std::getenv("PARITY_NPM") : "npm") : npm);
  const CommandResult r = run({exe, "view", "--loglevel=error", "--fetch-retries=1", package, "versions", "--json"}, ".", 120);
  // npm may print warnings around the JSON (e.g. about user config): take the outermost [...] only.
  const size_t open = r.output.find('['), close = r.output.rfind(']');
  if (r.status != 0) {
    std::string msg = r.output;
    std::replace(msg.begin(), msg.end(), '\n', ' ');
    if (msg.size() > 400) msg = msg.substr(0, 400) + "…";
    for (const char* code : {"ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ETIMEDOUT", "ECONNRESET", "ENETUNREACH",
                             "EHOSTUNREACH", "FETCH_ERROR", "network"})
      if (r.output.find(code) != std::string::npos)
        throw TfjsInstallError(TfjsInstallError::Kind::Unreachable,
                               fmt::format("cannot list the versions of {}: the npm registry cannot be reached: {}", package, msg));
    fail("cannot list the versions of {}: `npm view` exited {}: {}", package, r.status, msg);
  }
  const nlohmann::json j = open == std::string::npos || close == std::string::npos || close < open
                               ? nlohmann::json()
                               : nlohmann::json::parse(r.output.substr(open, close - open + 1), nullptr, false);
  if (j.is_discarded() || !j.is_array()) fail("cannot list the versions of {}: npm did not print a JSON list", package);
  std::vector<std::string> out;
  for (const auto& v : j)
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

std::vector<std::string> versions_between(const std::vector<std::string>& published, const std::string& good,
                                          const std::string& bad, bool prereleases) {
  auto listed = [&](const std::string& v) { return std::find(published.begin(), published.end(), v) != published.end(); };
  if (!listed(good)) fail("--good {}: not a published version", good);
  if (!listed(bad)) fail("--bad {}: not a published version", bad);
  if (compare_versions(good, bad) >= 0) fail("--good {} must be older than --bad {}", good, bad);
  std::vector<std::string> out;
  for (const std::string& v : published) {
    if (compare_versions(v, good) < 0 || compare_versions(v, bad) > 0) continue;
    if (v != good && v != bad && is_prerelease(v) && !prereleases) continue;
    out.push_back(v);
  }
  std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) { return compare_versions(a, b) < 0; });
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

BadDefinition parse_expect(const std::string& text) {
  BadDefinition b;
  if (text.empty()) {
    b.dispositions = {Disposition::Diverged, Disposition::Errored, Disposition::Unsupported};
    return b;
  }
  for (std::string w : split(text, ',')) {
    if (w.empty()) continue;
    std::string upper = w;
    std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
    if (upper == "DIFFERS") {
      b.differs = true;
      continue;
    }
    Disposition d;
    try {
      d = disposition_from_name(upper);
    } catch (const ParityError&) {
      fail("--expect: unknown '{}' (use DIVERGED, UNSUPPORTED, ERRORED, MISTRUSTED, PASSED or differs, comma-separated)", w);
    }
    if (d == Disposition::Skipped) fail("--expect: SKIPPED cannot mean bad (a version that cannot run is skipped)");
    b.dispositions.push_back(d);
  }
  if (b.dispositions.empty() && !b.differs) fail("--expect: empty");
  return b;
}

std::string describe_expect(const BadDefinition& b) {
  std::vector<std::string> words;
  for (Disposition d : b.dispositions) words.push_back(disposition_name(d));
  if (b.differs) words.push_back("outputs differ from the good version's");
  return fmt::format("{}", fmt::join(words, " or "));
}

namespace {

// Forwards to the executor under test and keeps the outputs of its plain run (evaluate_case does not return
// them, and the report shows values).
class RecordingExecutor final : public Executor {
 public:
  explicit RecordingExecutor(Executor& inner) : inner_(inner) {}
  std::string name() const override { return inner_.name(); }
  DType compute_dtype() const override { return inner_.compute_dtype(); }
  std::string version() const override { return inner_.version(); }
  std::optional<std::string> unsupported_reason(const std::string& op) const override { return inner_.unsupported_reason(op); }
  RunResult run(const Graph& g, const std::vector<Tensor<double>>& inputs, const RunOptions& opt) override {
    RunResult r = inner_.run(g, inputs, opt);
    if (!opt.want_intermediates) outputs = r.outputs;
    return r;
  }
  std::optional<std::vector<Tensor<double>>> outputs;

 private:
  Executor& inner_;
};

// A worker that cannot start on a release is the release's problem, not the case's: skip it.
bool did_not_run(const ExecutorVerdict& ev) {
  return ev.disposition == Disposition::Skipped ||
         (ev.disposition == Disposition::Errored && ev.reason.find("failed to start") != std::string::npos);
}

// A one-layer Dense model every TF.js release runs. When a release fails even on it (e.g. TF.js 3.0.0's wasm
// backend aborts under Node 20 while fetching its .wasm file), the case's verdict there says nothing about
// the case: the release is skipped.
const CaseFile& canary_case() {
  static const CaseFile cf = [] {
    const Catalog& c = default_catalog();
    CaseFile k;
    const ValueId x = k.graph.add_input(c, "canary_input", {kBatch, 2});
    k.graph.outputs = {k.graph.add(c, "canary_dense", "Dense", {{"units", 2}}, {x}, {{"kernel", {2, 2}, {1, 2, 3, 4}}, {"bias", {2}, {0.5, -0.5}}})};
    k.inputs = std::vector<NamedTensor>{{"canary_input", Tensor<double>({1, 2}, {1, -1})}};
    k.batch = 1;
    return k;
  }();
  return cf;
}

}  // namespace

VersionProbe::VersionProbe(CaseFile cf, VersionProbeOptions opt) : cf_(std::move(cf)), opt_(std::move(opt)) {
  validate(cf_.graph, default_catalog());
  inputs_ = case_inputs(cf_, default_catalog());
  ref_ = compute_reference(cf_.graph, default_catalog(), default_kernels(), inputs_, DType::F32);
}

void VersionProbe::set_baseline(const VersionOutcome& good) {
  if (!opt_.bad.differs) return;
  if (good.values.empty() && !cf_.graph.outputs.empty())
    fail("--expect differs: the good version {} gave no outputs to compare with ({}: {})", good.version,
         disposition_name(good.disposition), good.reason);
  baseline_ = good.values;
}

VersionOutcome VersionProbe::probe(const std::string& version) {
  VersionOutcome o = probe_raw(version);
  o.reason = squash(o.reason);
  return o;
}

VersionOutcome VersionProbe::probe_raw(const std::string& version) {
  VersionOutcome o;
  o.version = version;
  std::unique_ptr<Executor> ex;
  try {
    if (opt_.make) {
      ex = opt_.make(version);
    } else {
      ExecutorOptions eo = opt_.executor_options;
      eo.tfjs_version = version;
      eo.tfjs_dir.clear();
      TfjsInstallOptions lean;
      lean.skip_backends = {opt_.executor == "tfjs-cpu" ? "wasm" : "cpu"};
      if (opt_.note && !tfjs_version_cached(version) && !tfjs_version_cached(version, lean))
        opt_.note(fmt::format("installing TF.js {} into the cache (npm; 30-60 s)", version));
      ex = make_executor(opt_.executor, eo);
    }
  } catch (const TfjsInstallError& e) {
    if (e.kind == TfjsInstallError::Kind::Unreachable || e.kind == TfjsInstallError::Kind::BadVersion) throw;
    o.reason = e.what();
    return o;
  } catch (const ExecutorUnavailable& e) {
    o.reason = e.what();
    return o;
  }
  Comparator::Config cc;
  cc.budget_scale = opt_.budget_scale;
  const CaseVerdict canary = evaluate_case(canary_case(), {ex.get()}, default_catalog(), default_kernels(), Comparator(cc));
  const ExecutorVerdict& cv = canary.executors.at(0);
  if (cv.disposition == Disposition::Skipped || cv.disposition == Disposition::Errored) {
    o.disposition = cv.disposition;
    o.reason = fmt::format("does not run a one-layer Dense model: {}: {}", disposition_name(cv.disposition), cv.reason);
    return o;
  }
  RecordingExecutor rec(*ex);
  const CaseVerdict v = evaluate_case(cf_, {&rec}, default_catalog(), default_kernels(), Comparator(cc));
  const ExecutorVerdict& ev = v.executors.at(0);
  o.disposition = ev.disposition;
  o.reason = ev.reason;
  if (did_not_run(ev)) {
    o.verdict = ProbeVerdict::Skip;
    o.reason = fmt::format("{}: {}", disposition_name(ev.disposition), ev.reason);
    return o;
  }
  if (rec.outputs && rec.outputs->size() == cf_.graph.outputs.size()) {
    o.values = *rec.outputs;
    for (size_t i = 0; i < o.values.size(); ++i) {
      OutputSummary s;
      s.name = i < ev.compare.outputs.size() ? ev.compare.outputs[i].name : fmt::format("output {}", i);
      s.shape = o.values[i].shape;
      s.max_abs_err = i < ev.compare.outputs.size() ? ev.compare.outputs[i].max_abs_err : NAN;
      for (int64_t k = 0; k < std::min<int64_t>(opt_.head_values, o.values[i].size()); ++k) s.head.push_back(o.values[i][k]);
      o.outputs.push_back(std::move(s));
    }
  }
  bool bad = std::find(opt_.bad.dispositions.begin(), opt_.bad.dispositions.end(), ev.disposition) != opt_.bad.dispositions.end();
  if (opt_.bad.differs && baseline_) {
    // Two honest float32 runs may each be a budget away from ref64, so they may differ by twice the budget.
    if (o.values.empty() != baseline_->empty()) {
      o.differs = true;
      o.differs_why = o.values.empty() ? "no outputs, the good version had some" : "outputs, the good version had none";
    }
    for (size_t i = 0; i < o.values.size() && !o.differs; ++i) {
      const Tensor<double>& a = o.values[i];
      const Tensor<double>& b = (*baseline_)[i];
      if (a.shape != b.shape) {
        o.differs = true;
        o.differs_why = fmt::format("output {} has shape {}, the good version's {}", i, shape_str(a.shape), shape_str(b.shape));
        break;
      }
      const Tensor<double>& budget = ref_.budgets.at(cf_.graph.outputs[i]);
      for (int64_t k = 0; k < a.size(); ++k) {
        if (a[k] == b[k] || (std::isnan(a[k]) && std::isnan(b[k]))) continue;
        const double tol = 2 * opt_.budget_scale * (k < budget.size() ? budget[k] : 0.0);
        if (std::isnan(a[k]) || std::isnan(b[k]) || !(std::fabs(a[k] - b[k]) <= tol)) {
          o.differs = true;
          o.differs_why = fmt::format("output {} element {}: {} vs the good version's {} (tolerance {:.3g})", i, k, a[k], b[k], tol);
          break;
        }
      }
    }
    bad = bad || o.differs;
  }
  o.verdict = bad ? ProbeVerdict::Bad : ProbeVerdict::Good;
  return o;
}

namespace {

std::string outcome_line(const VersionOutcome& o) {
  std::string s = o.verdict == ProbeVerdict::Skip ? "cannot run: " + o.reason
                                                  : std::string(disposition_name(o.disposition)) + (o.reason.empty() ? "" : ": " + o.reason);
  if (o.differs) s += fmt::format(" [differs: {}]", o.differs_why);
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

}  // namespace

BisectReport bisect_versions(const std::vector<std::string>& versions, VersionProbe& probe,
                             const std::function<void(const std::string&)>& log) {
  BisectReport rep;
  rep.versions = versions;
  auto say = [&](const std::string& s) {
    if (log) log(s);
  };
  if (versions.size() < 2) {
    rep.message = "bisect needs a good and a bad version";
    return rep;
  }
  // The endpoints first: a bisection between two versions that do not differ finds nonsense.
  VersionOutcome good = probe.probe(versions.front());
  rep.endpoints.push_back(good);
  say(fmt::format("check --good {}: {} -> {}", good.version, outcome_line(good), probe_verdict_name(good.verdict)));
  if (good.verdict == ProbeVerdict::Skip) {
    rep.message = fmt::format("--good {} cannot be checked: {}", good.version, good.reason);
    return rep;
  }
  // With --expect differs the good version is the baseline, so only its disposition can make it bad.
  if (good.verdict == ProbeVerdict::Bad) {
    rep.message = fmt::format("--good {} is bad already ({}): pick an older good version, or another --expect",
                              good.version, outcome_line(good));
    return rep;
  }
  probe.set_baseline(good);
  VersionOutcome bad = probe.probe(versions.back());
  rep.endpoints.push_back(bad);
  say(fmt::format("check --bad {}: {} -> {}", bad.version, outcome_line(bad), probe_verdict_name(bad.verdict)));
  if (bad.verdict == ProbeVerdict::Skip) {
    rep.message = fmt::format("--bad {} cannot be checked: {}", bad.version, bad.reason);
    return rep;
  }
  if (bad.verdict == ProbeVerdict::Good) {
    rep.message = fmt::format("--bad {} is good ({}): nothing to bisect for this --expect", bad.version, outcome_line(bad));
    return rep;
  }

  std::map<size_t, VersionOutcome> seen = {{0, good}, {versions.size() - 1, bad}};
  int k = 0;
  rep.search = bisect_search(versions, [&](size_t i) {
    VersionOutcome o = probe.probe(versions[i]);
    say(fmt::format("probe {}: {}: {} -> {}", ++k, o.version, outcome_line(o), probe_verdict_name(o.verdict)));
    rep.probes.push_back(o);
    seen[i] = o;
    return o.verdict;
  });
  rep.last_good = seen.at(rep.search.last_good);
  if (!rep.search.decided) {
    std::vector<std::string> names;
    for (size_t i : rep.search.candidates) names.push_back(versions[i]);
    rep.status = BisectReport::Status::Undecided;
    rep.message = fmt::format("the first bad version is one of {} (the others could not be run)", fmt::join(names, ", "));
    return rep;
  }
  rep.first_bad = seen.at(rep.search.first_bad);
  rep.status = BisectReport::Status::Found;
  return rep;
}

}  // namespace parity
