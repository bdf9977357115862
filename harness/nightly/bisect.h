#pragma once
// `parity bisect`: the first published TF.js release where a case turns bad. Three layers, each testable alone:
//   - the search (bisect_search): a pure function over an ordered version list and a probe callback, with
//     git-bisect-like skip handling;
//   - the version list (published_versions, versions_between): npm's list of releases, through a
//     CommandRunner so tests can fake the registry;
//   - the probe (VersionProbe): installs a release (ensure_tfjs_version, via make_executor), evaluates the
//     case on it as `parity replay` does, and judges it against --expect.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/engine/evaluate.h"
#include "oracles/executor.h"
#include "oracles/tfjs/tfjs_install.h"

namespace parity {

// ---- the search ------------------------------------------------------------------------------------------

enum class ProbeVerdict { Good, Bad, Skip };
const char* probe_verdict_name(ProbeVerdict v);  // "good", "bad", "skip"

struct ProbeStep {
  size_t index = 0;  // into the version list
  ProbeVerdict verdict = ProbeVerdict::Skip;
};

struct SearchResult {
  // When decided: versions[first_bad] is bad and versions[last_good] (the one before it among the versions
  // that ran) is good. When not decided, the first bad is one of `candidates` (skipped versions and the
  // earliest known bad one), like `git bisect` ending with "only skipped commits left to test".
  bool decided = false;
  size_t first_bad = 0, last_good = 0;
  std::vector<size_t> candidates;
  std::vector<ProbeStep> steps;  // in probe order; skips included
  int skips() const;
};

// versions[0] is known good and versions.back() known bad (the caller checks the endpoints); the probe is
// called only for indices strictly between, each at most once. It probes the median of the versions still
// worth probing (untested, not skipped) between the last known good and the first known bad, so a skipped
// midpoint is followed by its neighbour. With n = versions.size() - 1 candidates for the first bad version,
// the number of probes is at most ceil(log2 n) plus the number of skips.
SearchResult bisect_search(const std::vector<std::string>& versions,
                           const std::function<ProbeVerdict(size_t index)>& probe);

// ceil(log2 n) for n >= 1 (0 for n <= 1): the probe bound without skips.
int ceil_log2(size_t n);

// ---- versions --------------------------------------------------------------------------------------------

// Semantic-version order for X.Y.Z[-pre] (a prerelease sorts before its release; prerelease identifiers
// compare numerically when both are numbers, else as text). Returns <0, 0, >0.
int compare_versions(const std::string& a, const std::string& b);
bool is_prerelease(const std::string& v);

// The published versions of an npm package, from `npm view <package> versions --json`, run through `runner`
// (empty: run_command). Throws TfjsInstallError(Unreachable) when the registry cannot be reached and
// ParityError when npm says something else than a JSON list of versions.
std::vector<std::string> published_versions(const std::string& package, const CommandRunner& runner = {},
                                            const std::string& npm = {});

// The versions from `good` to `bad` inclusive in version order, taken from `published`: stable X.Y.Z
// releases only unless `prereleases` (the endpoints are kept whatever they are). Throws ParityError when an
// endpoint is not in the list or good is not older than bad.
std::vector<std::string> versions_between(const std::vector<std::string>& published, const std::string& good,
                                          const std::string& bad, bool prereleases);

// ---- what "bad" means ------------------------------------------------------------------------------------

struct BadDefinition {
  std::vector<Disposition> dispositions;  // bad when the case's disposition is one of these
  bool differs = false;                   // or: bad when outputs differ from the good version's
};
// "DIVERGED", "ERRORED,UNSUPPORTED", "differs"; empty: DIVERGED, ERRORED or UNSUPPORTED (anything failing
// that is not PASSED, MISTRUSTED or SKIPPED). Throws ParityError naming the bad word.
BadDefinition parse_expect(const std::string& text);
std::string describe_expect(const BadDefinition& b);

// ---- one probe -------------------------------------------------------------------------------------------

// One output of one version, summarized for the report.
struct OutputSummary {
  std::string name;
  Shape shape;
  double max_abs_err = 0;      // vs ref64
  std::vector<double> head;    // the first few values
};

struct VersionOutcome {
  std::string version;
  ProbeVerdict verdict = ProbeVerdict::Skip;
  Disposition disposition = Disposition::Skipped;
  std::string reason;          // the disposition's reason, or why the version was skipped
  std::vector<OutputSummary> outputs;
  std::vector<Tensor<double>> values;  // the raw outputs (for --expect differs), when it ran
  bool differs = false;        // --expect differs: outputs differ from the good version's
  std::string differs_why;
};

struct VersionProbeOptions {
  std::string executor = "tfjs-wasm";
  ExecutorOptions executor_options;  // tfjs_version is set per probe
  BadDefinition bad = parse_expect("");  // default: DIVERGED, ERRORED or UNSUPPORTED
  double budget_scale = 1.0;
  int head_values = 6;
  std::function<void(const std::string&)> note;  // progress worth a line on stderr (installs)
  // Builds the executor for one version. Empty: make_executor(executor, {.tfjs_version = version, ...}).
  // Tests inject fakes; a TfjsInstallError (or ExecutorUnavailable) thrown here makes the version a skip.
  std::function<std::unique_ptr<Executor>(const std::string& version)> make;
};

// Evaluates one case on one version at a time. The reference is computed once. The first version probed
// with --expect differs must be the good one: its outputs become the baseline.
class VersionProbe {
 public:
  VersionProbe(CaseFile cf, VersionProbeOptions opt);
  VersionOutcome probe(const std::string& version);
  // Sets the outputs later probes are compared against (--expect differs).
  void set_baseline(const VersionOutcome& good);

 private:
  VersionOutcome probe_raw(const std::string& version);
  CaseFile cf_;
  VersionProbeOptions opt_;
  std::vector<Tensor<double>> inputs_;
  Reference ref_;
  std::optional<std::vector<Tensor<double>>> baseline_;
};

// ---- the whole bisection ---------------------------------------------------------------------------------

struct BisectReport {
  enum class Status { Found, BadInput, Undecided } status = Status::BadInput;
  std::string message;              // BadInput / Undecided: why
  std::vector<std::string> versions;  // good .. bad
  std::vector<VersionOutcome> endpoints;  // good, bad (as checked)
  std::vector<VersionOutcome> probes;     // in probe order
  SearchResult search;
  std::optional<VersionOutcome> last_good, first_bad;
};

// Checks the endpoints, then bisects versions[1..n-2]. `log` gets one line per probe as it happens.
BisectReport bisect_versions(const std::vector<std::string>& versions, VersionProbe& probe,
                             const std::function<void(const std::string&)>& log = {});

}  // namespace parity
