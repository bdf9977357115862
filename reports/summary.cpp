// DIR/summary.md and the tables `parity run` prints, from results.jsonl (see reports.h).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "harness/catalog/catalog.h"
#include "harness/core/error.h"
#include "reports/reports.h"

namespace parity {
namespace fs = std::filesystem;

namespace {

const Disposition kAll[] = {Disposition::Passed,      Disposition::Skipped, Disposition::Mistrusted,
                            Disposition::Unsupported, Disposition::Errored, Disposition::Diverged};

bool is_failure(Disposition d) { return d == Disposition::Diverged || d == Disposition::Errored; }

void add_largest(RunDigest& d, const ResultRow& r) {
  for (const OutputRow& o : r.outputs) {
    if (!std::isfinite(o.min_passing_scale)) continue;
    ErrorEntry e{o.min_passing_scale, r.case_id, r.executor, o.name, o.max_abs_err, o.max_rel_err, o.max_ulp_err};
    auto cmp = [](const ErrorEntry& a, const ErrorEntry& b) { return a.scale > b.scale; };  // stable: first wins ties
    auto at = std::upper_bound(d.largest.begin(), d.largest.end(), e, cmp);
    if (static_cast<size_t>(at - d.largest.begin()) >= RunDigest::kTopErrors) continue;
    d.largest.insert(at, e);
    if (d.largest.size() > RunDigest::kTopErrors) d.largest.pop_back();
  }
}

// Nearest-rank percentile of an unsorted copy.
int64_t pct(std::vector<int64_t> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t k = static_cast<size_t>(std::ceil(p * double(v.size())));
  return v[std::min(v.size() - 1, k == 0 ? 0 : k - 1)];
}

std::string md_cell(const std::string& s) {  // keeps a reason inside one table cell
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n' || c == '\r') out += ' ';
    else out += c;
  }
  return out;
}

std::string g(double v) { return std::isfinite(v) ? fmt::format("{:.3g}", v) : "-"; }

}  // namespace

RunDigest digest_run(const fs::path& dir, const std::function<void(const ResultRow&)>& also) {
  RunDigest d;
  {
    std::ifstream in(dir / "run.json");
    if (!in) fail("{}: cannot open", (dir / "run.json").string());
    d.run = nlohmann::json::parse(in, nullptr, false);
    if (d.run.is_discarded()) fail("{}: not valid JSON", (dir / "run.json").string());
  }
  bool have_case = false;
  uint64_t cur = 0;
  Disposition cur_worst = Disposition::Passed;
  auto close_case = [&] {
    if (have_case) ++d.per_case[cur_worst];
  };
  uint64_t torn = 0;
  scan_results(
      dir / "results.jsonl",
      [&](const ResultRow& r, uint64_t) {
        ++d.rows;
        if (std::find(d.executors.begin(), d.executors.end(), r.executor) == d.executors.end())
          d.executors.push_back(r.executor);
        ++d.per_executor[r.executor][r.disposition];
        if (!have_case || r.index != cur) {  // first row of a case: case-level facts once
          close_case();
          have_case = true;
          cur = r.index;
          cur_worst = Disposition::Passed;
          ++d.cases;
          std::map<std::string, int> seen;
          for (const std::string& op : r.ops) ++seen[op];
          for (const auto& [op, n] : seen) {
            d.op_nodes[op] += uint64_t(n);
            ++d.op_cases[op];
            d.total_nodes += uint64_t(n);
          }
          d.nodes.push_back(r.size.nodes);
          d.elements.push_back(r.size.elements);
          d.max_elements.push_back(r.size.max_elements);
          d.flops.push_back(r.size.flops);
        }
        cur_worst = worst(cur_worst, r.disposition);
        if (is_failure(r.disposition)) {
          ++d.failures_total;
          if (d.failures.size() < RunDigest::kMaxListed)
            d.failures.push_back({r.case_id, r.executor, r.reason, r.case_file, r.min_case_file, r.disposition});
        }
        if (r.disposition != Disposition::Passed) {
          const std::string key = fmt::format("{} {}: {}", disposition_name(r.disposition), r.executor, r.reason);
          if (d.reasons.count(key) || d.reasons.size() < RunDigest::kMaxReasons) ++d.reasons[key];
        }
        if (r.executor != "ref64") add_largest(d, r);  // ref64 against itself says nothing
        if (also) also(r);
      },
      &torn);
  close_case();
  d.torn_tail = torn != std::numeric_limits<uint64_t>::max();
  return d;
}

bool run_failed(const RunDigest& d) {
  for (const auto& [ex, m] : d.per_executor)
    for (const auto& [disp, n] : m)
      if (n > 0 && is_failure(disp)) return true;
  return false;
}

std::string totals_line(const RunDigest& d) {
  std::vector<std::string> parts;
  for (const std::string& ex : d.executors) {
    std::vector<std::string> counts;
    for (Disposition disp : kAll) {
      auto it = d.per_executor.at(ex).find(disp);
      if (it != d.per_executor.at(ex).end() && it->second > 0)
        counts.push_back(fmt::format("{} {}", it->second, disposition_name(disp)));
    }
    parts.push_back(fmt::format("{} {}", ex, fmt::join(counts, ", ")));
  }
  return fmt::format("parity run: {} cases, {} rows: {} -> {}", d.cases, d.rows, fmt::join(parts, "; "),
                     run_failed(d) ? "FAIL" : "PASS");
}

std::string op_distribution_table(const RunDigest& d) {
  std::vector<std::pair<std::string, uint64_t>> ops(d.op_nodes.begin(), d.op_nodes.end());
  std::stable_sort(ops.begin(), ops.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string out = fmt::format("Op distribution ({} nodes in {} cases):\n", d.total_nodes, d.cases);
  for (const auto& [op, n] : ops)
    out += fmt::format("  {:6.2f}%  {:>8}  {:<28} (in {} cases)\n", d.total_nodes ? 100.0 * double(n) / double(d.total_nodes) : 0.0,
                       n, op, d.op_cases.at(op));
  std::vector<std::string> missing;
  for (const OpSpec& s : default_catalog().ops())
    if (!d.op_nodes.count(s.name)) missing.push_back(s.name);
  out += fmt::format("Catalog ops covered: {}/{}", default_catalog().ops().size() - missing.size(),
                     default_catalog().ops().size());
  out += missing.empty() ? std::string("\n") : fmt::format("; never generated: {}\n", fmt::join(missing, ", "));
  return out;
}

std::string render_summary_md(const RunDigest& d, const std::string& dir_label) {
  const auto& run = d.run;
  std::string md = fmt::format("# parity run: {}\n\n", run_failed(d) ? "FAIL" : "PASS");
  md += fmt::format("Seed {}, {} cases ({} rows), executors {}, shard {}/{}{}.\n\n", run.value("seed", 0), d.cases, d.rows,
                    fmt::join(run.value("executors", std::vector<std::string>{}), ", "),
                    run.contains("shard") ? run["shard"][0].get<int>() : 1,
                    run.contains("shard") ? run["shard"][1].get<int>() : 1,
                    d.torn_tail ? " (results.jsonl ends in a torn row: the run was killed; `--resume` continues it)" : "");

  md += "## Totals per executor\n\n| executor |";
  for (Disposition disp : kAll) md += fmt::format(" {} |", disposition_name(disp));
  md += "\n|---|";
  for (size_t i = 0; i < std::size(kAll); ++i) md += "---:|";
  md += "\n";
  for (const std::string& ex : d.executors) {
    md += fmt::format("| {} |", ex);
    for (Disposition disp : kAll) {
      auto it = d.per_executor.at(ex).find(disp);
      md += fmt::format(" {} |", it == d.per_executor.at(ex).end() ? 0 : it->second);
    }
    md += "\n";
  }
  md += "\nCases by overall (worst) disposition:";
  for (Disposition disp : kAll)
    if (d.per_case.count(disp)) md += fmt::format(" {} {};", disposition_name(disp), d.per_case.at(disp));
  md += "\n\n";

  md += fmt::format("## Divergences and errors ({})\n\n", d.failures_total);
  if (d.failures.empty()) md += "None.\n";
  for (const FailureEntry& f : d.failures) {
    md += fmt::format("- **{}** `{}` on {}: {}", disposition_name(f.disposition), f.case_id, f.executor, md_cell(f.reason));
    if (!f.min_case_file.empty())
      md += fmt::format("  \n  repro: `parity replay {}/{}` (full case: `{}/{}`)", dir_label, f.min_case_file, dir_label,
                        f.case_file);
    md += "\n";
  }
  if (d.failures_total > d.failures.size())
    md += fmt::format("- ... and {} more (see results.jsonl)\n", d.failures_total - d.failures.size());

  md += "\n## Largest errors relative to their budget\n\n"
        "`scale` is the smallest factor on the error budget that would pass (over 1 diverges).\n\n"
        "| scale | case | executor | output | max abs | max rel | max ulp |\n|---:|---|---|---|---:|---:|---:|\n";
  for (const ErrorEntry& e : d.largest)
    md += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", g(e.scale), e.case_id, e.executor, md_cell(e.output),
                      g(e.max_abs_err), g(e.max_rel_err), g(e.max_ulp_err));

  md += "\n## Most common non-PASSED reasons\n\n";
  std::vector<std::pair<std::string, uint64_t>> reasons(d.reasons.begin(), d.reasons.end());
  std::stable_sort(reasons.begin(), reasons.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  if (reasons.empty()) md += "None.\n";
  for (size_t i = 0; i < reasons.size() && i < 10; ++i)
    md += fmt::format("- {} x {}\n", reasons[i].second, md_cell(reasons[i].first));

  md += "\n## Op distribution\n\n```\n" + op_distribution_table(d) + "```\n";

  md += "\n## Case sizes\n\n| measure | min | median | p90 | max |\n|---|---:|---:|---:|---:|\n";
  auto size_row = [&](const char* name, const std::vector<int64_t>& v) {
    md += fmt::format("| {} | {} | {} | {} | {} |\n", name, pct(v, 0), pct(v, 0.5), pct(v, 0.9), pct(v, 1.0));
  };
  size_row("nodes (no inputs)", d.nodes);
  size_row("elements (all tensors)", d.elements);
  size_row("largest tensor", d.max_elements);
  size_row("FLOPs (estimate)", d.flops);

  md += "\n## Configuration (run.json)\n\n```json\n" + run.dump(2) + "\n```\n";
  return md;
}

RunDigest write_reports(const fs::path& dir, const std::string& dir_label,
                        const std::function<std::string(const ResultRow&)>& known_reason) {
  std::string testcases;
  RunDigest d = digest_run(dir, [&](const ResultRow& r) {
    junit_testcase(testcases, r, dir_label, known_reason ? known_reason(r) : std::string());
  });
  write_file_atomically(dir / "summary.md", render_summary_md(d, dir_label));
  write_file_atomically(dir / "junit.xml", render_junit_xml(d, testcases));
  return d;
}

}  // namespace parity
