// `parity baseline update|check`: maintain the known-outcomes file a nightly is judged against (baseline.h).
#include <fmt/format.h>

#include <iostream>
#include <memory>

#include "harness/cli/baseline_flag.h"
#include "harness/cli/commands.h"
#include "harness/engine/results.h"

namespace parity::cli {
namespace {

struct BaselineArgs {
  std::vector<std::string> runs;
  std::string file;
  std::string out;
  bool create = false;
};

int run_update(const BaselineArgs& a, std::ostream& out) {
  Baseline old;
  if (!(a.create && !std::filesystem::exists(a.file))) old = load_baseline(a.file);
  std::vector<std::filesystem::path> dirs(a.runs.begin(), a.runs.end());
  const Baseline updated = update_baseline(old, dirs);
  const std::string target = a.out.empty() ? a.file : a.out;
  write_file_atomically(target, baseline_to_json(updated).dump(2) + "\n");
  size_t todo = 0;
  for (const BaselineEntry& e : updated.entries) todo += e.reason.rfind("TODO", 0) == 0;
  out << fmt::format("{}: {} entries ({} before; {} new ones say \"TODO: explain\": review the diff)\n", target,
                     updated.entries.size(), old.entries.size(), todo);
  return kExitOk;
}

int run_check(const BaselineArgs& a, std::ostream& out) {
  const Baseline b = load_baseline(a.file);
  int code = kExitOk;
  for (const std::string& r : a.runs) {
    write_run_reports(r, r, &b);
    code = std::max(code, judge_against_baseline(r, b, a.file, out));
  }
  return code;
}

}  // namespace

CommandFn add_baseline_command(CLI::App& app) {
  auto a = std::make_shared<BaselineArgs>();
  CLI::App* sub = app.add_subcommand("baseline", "Maintain a baseline of known outcomes (update from runs, check a run)");
  sub->require_subcommand(1);
  CLI::App* update = sub->add_subcommand(
      "update", "Rewrite FILE from run directories: keep entries that still match, drop FIXED ones, add NEW rows");
  update->add_option("file", a->file, "Baseline file (cases/baseline/<name>.json)")->required();
  update->add_option("runs", a->runs, "Run directories (parity run / merge output)")->required();
  update->add_option("--out", a->out, "Write here instead of rewriting FILE");
  update->add_flag("--create", a->create, "Start a new baseline when FILE does not exist");
  update->footer(
      "New entries are op-level when a row blames an op (UNSUPPORTED op, DIVERGED first divergent node), case-level\n"
      "otherwise, and carry reason \"TODO: explain\": review the diff, write each reason and any upstream issue.");
  CLI::App* check = sub->add_subcommand("check", "Classify finished runs against FILE (KNOWN/NEW/FIXED); exit 1 on NEW");
  check->add_option("file", a->file, "Baseline file")->required();
  check->add_option("runs", a->runs, "Run directories")->required();
  return [a, update](std::ostream& out) { return update->parsed() ? run_update(*a, out) : run_check(*a, out); };
}

}  // namespace parity::cli
