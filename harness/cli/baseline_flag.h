#pragma once
// `--baseline FILE` of `parity run`, `parity merge` and `parity baseline check`: reports where KNOWN rows are
// skipped, DIR/baseline.md, the NEW rows printed, and the exit code.
#include <fmt/format.h>

#include <filesystem>
#include <ostream>
#include <string>

#include "harness/cli/commands.h"
#include "harness/nightly/baseline.h"
#include "reports/reports.h"

namespace parity::cli {

// DIR/summary.md and DIR/junit.xml; with a baseline, junit.xml skips the rows it knows instead of failing them.
inline RunDigest write_run_reports(const std::filesystem::path& dir, const std::string& dir_label, const Baseline* b) {
  if (!b) return write_reports(dir, dir_label);
  return write_reports(dir, dir_label, [&](const ResultRow& r) { return known_reason(*b, r, dir); });
}

// Classifies the finished run, writes DIR/baseline.md, prints the NEW and FIXED lines and the totals.
// 0 when nothing is NEW, 1 otherwise. The reports come from write_run_reports with the same baseline.
inline int judge_against_baseline(const std::filesystem::path& dir, const Baseline& b, const std::string& baseline_label,
                                  std::ostream& out) {
  const Classification c = classify_run(b, dir);
  write_file_atomically(dir / "baseline.md", render_classification_md(c, b, baseline_label));
  for (const ClassifiedRow& r : c.fresh)
    out << fmt::format("NEW {} {} on {}: {}{}\n", disposition_name(r.disposition), r.case_id, r.executor, r.reason,
                       r.repro.empty() ? "" : "\n  repro: " + r.repro);
  for (int i : c.fixed) {
    const BaselineEntry& e = b.entries[static_cast<size_t>(i)];
    out << fmt::format("FIXED {} {} on {}: {}\n", disposition_name(e.disposition),
                       e.case_id.empty() ? "op " + e.op : "case " + e.case_id, e.executor, e.reason);
  }
  out << classification_line(c, b, baseline_label) << '\n';
  return c.has_new() ? kExitDivergence : kExitOk;
}

}  // namespace parity::cli
