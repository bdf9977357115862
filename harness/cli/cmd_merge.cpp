// `parity merge SHARD_DIR... --out DIR`: the shards of one campaign (`parity run --shard I/N`, e.g. parallel
// CI jobs) into one run directory with reports, checked for missing and duplicated shards (merge.h).
#include <fmt/format.h>

#include <iostream>
#include <memory>
#include <optional>

#include "harness/cli/baseline_flag.h"
#include "harness/cli/commands.h"
#include "harness/nightly/merge.h"
#include "reports/reports.h"

namespace parity::cli {
namespace {

struct MergeArgs {
  std::vector<std::string> shards;
  std::string out = "parity-merged";
  std::string baseline;
  bool overwrite = false;
  bool allow_incomplete = false;
};

int run_merge(const MergeArgs& a, std::ostream& out) {
  std::optional<Baseline> baseline;
  if (!a.baseline.empty()) baseline = load_baseline(a.baseline);
  std::vector<std::filesystem::path> dirs(a.shards.begin(), a.shards.end());
  const MergeResult m = merge_runs(dirs, a.out, a.overwrite);
  for (const std::string& s : m.incomplete) std::cerr << "parity merge: incomplete " << s << '\n';
  RunDigest d = write_run_reports(a.out, a.out, baseline ? &*baseline : nullptr);
  out << op_distribution_table(d) << totals_line(d) << '\n';
  std::cerr << fmt::format("parity merge: {} shards, {} cases, {} rows into {}/ (results.jsonl, summary.md, junit.xml)\n",
                           dirs.size(), m.cases, m.rows, a.out);
  int code = run_failed(d) ? kExitDivergence : kExitOk;
  if (baseline) code = judge_against_baseline(a.out, *baseline, a.baseline, out);
  if (!m.incomplete.empty() && !a.allow_incomplete) {
    std::cerr << "parity merge: some shards did not finish their cases (see above); exit 1 unless --allow-incomplete\n";
    code = kExitDivergence;
  }
  return code;
}

}  // namespace

CommandFn add_merge_command(CLI::App& app) {
  auto a = std::make_shared<MergeArgs>();
  CLI::App* sub = app.add_subcommand("merge", "Merge the shard directories of one campaign into one run directory with reports");
  sub->add_option("shards", a->shards, "Run directories of `parity run --shard I/N`, one per shard, any order")
      ->required();
  sub->add_option("--out", a->out, "Merged run directory (default ./parity-merged)");
  sub->add_flag("--overwrite", a->overwrite, "Replace a run already in --out");
  sub->add_option("--baseline", a->baseline, "Known outcomes: classify rows as KNOWN/NEW/FIXED; exit 1 only on NEW");
  sub->add_flag("--allow-incomplete", a->allow_incomplete,
                "Do not fail when a shard ran fewer cases than its share (time-limited shards)");
  sub->footer(
      "The shards must share one configuration (seed, cases, executors, generator, TF.js options) and cover 1..N\n"
      "exactly once; a missing, duplicated or foreign shard is an error (exit 2) naming it. The merged results.jsonl\n"
      "holds the shards' rows in case order, as the unsharded run writes them; cases/ holds their case files.\n"
      "Exit codes: 0 nothing failed (with --baseline: nothing NEW), 1 otherwise or a shard incomplete, 2 bad input.\n"
      "Example:\n"
      "  parity run --shard 1/2 --out s1 && parity run --shard 2/2 --out s2 && parity merge s1 s2 --out nightly");
  return [a](std::ostream& out) { return run_merge(*a, out); };
}

}  // namespace parity::cli
