#pragma once
// Reports of a campaign, rendered from DIR/results.jsonl and DIR/run.json only (never from a run's memory),
// so they can be regenerated at any time, e.g. by `parity run --resume DIR` on a finished run.
// Everything here is deterministic: no timings in summary.md or in the printed tables.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/engine/results.h"

namespace parity {

struct FailureEntry {
  std::string case_id, executor, reason, case_file, min_case_file;
  Disposition disposition = Disposition::Passed;
};

struct ErrorEntry {  // one output of one row, ranked by how far over (or near) its budget it was
  double scale = 0;
  std::string case_id, executor, output;
  double max_abs_err = 0, max_rel_err = 0, max_ulp_err = 0;
};

// One pass over results.jsonl, in bounded memory apart from three numbers per case (sizes).
struct RunDigest {
  nlohmann::json run;                                           // run.json
  uint64_t rows = 0, cases = 0;
  std::vector<std::string> executors;                           // in order of first appearance
  std::map<std::string, std::map<Disposition, uint64_t>> per_executor;
  std::map<Disposition, uint64_t> per_case;                     // overall (worst) disposition per case
  std::map<std::string, uint64_t> op_nodes, op_cases;           // nodes of each op; cases containing it
  uint64_t total_nodes = 0;                                     // InputLayer included, as in op_nodes
  std::vector<FailureEntry> failures;                           // DIVERGED/ERRORED rows, first kMaxListed
  uint64_t failures_total = 0;
  std::vector<ErrorEntry> largest;                              // top kTopErrors by scale
  std::map<std::string, uint64_t> reasons;                      // non-PASSED reasons (capped distinct)
  std::vector<int64_t> nodes, elements, max_elements, flops;    // per case
  bool torn_tail = false;
  static constexpr size_t kMaxListed = 200, kTopErrors = 10, kMaxReasons = 1000;
};

// `also` sees every row too, so other renderings share the one pass over the file.
RunDigest digest_run(const std::filesystem::path& dir, const std::function<void(const ResultRow&)>& also = nullptr);

bool run_failed(const RunDigest& d);  // any DIVERGED or ERRORED row

// "500 cases, 1000 rows: cpu32 500 PASSED; ref64 500 PASSED -> PASS"
std::string totals_line(const RunDigest& d);
// RC_TAG-style table: share of nodes, count, op; then the catalog ops never generated.
std::string op_distribution_table(const RunDigest& d);

std::string render_summary_md(const RunDigest& d, const std::string& dir_label);
// junit.xml: one <testcase> per row, appended by junit_testcase during digest_run, wrapped with the counts.
// `known`: the baseline's reason when the row is a KNOWN failure (then it is skipped, not failed).
void junit_testcase(std::string& out, const ResultRow& r, const std::string& dir_label, const std::string& known = {});
std::string render_junit_xml(const RunDigest& d, const std::string& testcases);

// Writes DIR/summary.md and DIR/junit.xml (atomically) and returns the digest they came from.
// `known_reason` (optional) gives the baseline's reason for a row it knows, "" otherwise (junit.xml only).
RunDigest write_reports(const std::filesystem::path& dir, const std::string& dir_label,
                        const std::function<std::string(const ResultRow&)>& known_reason = nullptr);

std::string xml_escape(const std::string& s);

// coverage.md from a coverage.json document (harness/coverage/coverage.h): the op x executor matrix with
// passed/loaded/total, declared vs measured differences, per-op details. Deterministic: same JSON, same bytes.
std::string render_coverage_md(const nlohmann::json& coverage);
// Writes DIR/coverage.json and DIR/coverage.md (creating DIR).
void write_coverage_report(const nlohmann::json& coverage, const std::filesystem::path& dir);

}  // namespace parity
