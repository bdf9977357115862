// `parity run`: a campaign of generated cases on a set of executors, recorded in an output directory
// (harness/engine/runner.h), then summarized (reports/reports.h). Without flags: the default campaign.
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>

#include "harness/cli/baseline_flag.h"
#include "harness/cli/commands.h"
#include "harness/cli/executor_flags.h"
#include "harness/cli/option_parsing.h"
#include "harness/core/error.h"
#include "harness/engine/runner.h"
#include "oracles/executor.h"
#include "reports/reports.h"

namespace parity::cli {
namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void on_sigint(int) {
  g_interrupted.store(true);
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C kills at once; completed cases are on disk either way
}

struct RunArgs {
  CampaignConfig cfg;
  uint64_t cases = kDefaultCampaignCases;
  std::string time;
  std::string baseline;
  std::string executors = "ref64,cpu32";
  std::string out = "parity-run";
  std::string shard = "1/1";
  std::string resume;
  std::string family = "both";
  std::string ops, exclude;
  bool overwrite = false;
  bool supported_only = false;
  int jobs = 0;
  CLI::Option *cases_opt = nullptr, *time_opt = nullptr;
};

void parse_shard(const std::string& s, CampaignConfig& c) {
  int i = 0, n = 0;
  char slash = 0, extra = 0;
  std::istringstream in(s);
  if (!(in >> i >> slash >> n) || slash != '/' || (in >> extra) || i < 1 || n < 1 || i > n)
    fail("--shard: expected I/N with 1 <= I <= N (e.g. 2/4), got '{}'", s);
  c.shard = i;
  c.shards = n;
}

int run_run(RunArgs& a, std::ostream& out) {
  CampaignConfig& c = a.cfg;
  CampaignOptions opt;
  opt.jobs = a.jobs > 0 ? a.jobs : std::max(1u, std::thread::hardware_concurrency());
  if (a.time_opt->count()) c.time_limit = parse_duration(a.time, "--time");
  // Read the baseline first: a bad file fails before any case runs.
  std::optional<Baseline> baseline;
  if (!a.baseline.empty()) baseline = load_baseline(a.baseline);
  if (!a.resume.empty()) {
    opt.out = a.resume;
    opt.resume = true;
  } else {
    opt.out = a.out;
    opt.overwrite = a.overwrite;
    // --time alone runs until the time is up; with --cases too, whichever comes first.
    if (a.cases_opt->count() || !a.time_opt->count()) c.cases = a.cases;
    c.executors = split_list(a.executors);
    parse_shard(a.shard, c);
    if (a.family == "layers") c.gen.family = GraphFamily::Layers;
    else if (a.family == "tf_ops") c.gen.family = GraphFamily::TfOps;
    else c.gen.family = GraphFamily::Both;
    c.gen.ops = split_list(a.ops);
    c.gen.exclude = split_list(a.exclude);
    if (a.supported_only) c.gen.executors = c.executors;
    // run.json must name the same tree from wherever --resume is run.
    if (!c.executor_options.tfjs_dir.empty()) c.executor_options.tfjs_dir = std::filesystem::absolute(c.executor_options.tfjs_dir);
  }
  opt.out_stream = &out;
  opt.err_stream = &std::cerr;
  opt.progress = ::isatty(STDERR_FILENO) == 1;
  opt.interrupt = &g_interrupted;

  g_interrupted.store(false);
  auto previous = std::signal(SIGINT, on_sigint);
  RunStats st;
  try {
    st = run_campaign(c, opt);
  } catch (...) {
    std::signal(SIGINT, previous);
    throw;
  }
  std::signal(SIGINT, previous);

  RunDigest d = write_run_reports(opt.out, opt.out.string(), baseline ? &*baseline : nullptr);
  out << op_distribution_table(d) << totals_line(d) << '\n';
  int code = run_failed(d) ? kExitDivergence : kExitOk;
  if (baseline) code = judge_against_baseline(opt.out, *baseline, a.baseline, out);
  // Timings go to stderr so stdout stays identical between runs with the same configuration.
  std::cerr << fmt::format("parity run: {} cases in {:.1f}s ({:.0f} cases/s, {} workers){}; {} in {}/\n", st.cases_done,
                           st.wall_seconds, st.wall_seconds > 0 ? double(st.cases_done) / st.wall_seconds : 0.0, opt.jobs,
                           st.cases_skipped ? fmt::format(", {} already done", st.cases_skipped) : std::string(),
                           "results.jsonl, summary.md, junit.xml, cases/", opt.out.string());
  if (g_interrupted.load()) {
    std::cerr << fmt::format("parity run: interrupted; continue with `parity run --resume {}`\n", opt.out.string());
    return kExitInterrupted;
  }
  return code;
}

}  // namespace

CommandFn add_run_command(CLI::App& app) {
  auto a = std::make_shared<RunArgs>();
  CampaignConfig& c = a->cfg;
  CLI::App* sub = app.add_subcommand(
      "run", "Run a campaign of generated cases on executors; record results, failing cases and reports in a directory");
  std::vector<CLI::Option*> config_opts;
  config_opts.push_back(sub->add_option("--seed", c.seed, "Campaign seed (default 1)")->check(check_non_negative));
  a->cases_opt = sub->add_option("--cases", a->cases,
                                 fmt::format("Number of cases in the whole (unsharded) stream (default {})", kDefaultCampaignCases))
                     ->check(check_non_negative);
  config_opts.push_back(a->cases_opt);
  a->time_opt = sub->add_option("--time", a->time,
                                "Stop claiming new cases after this long (90, 90s, 30m, 2h, 1h30m); started cases finish "
                                "and reports are complete")
                    ->check([](const std::string& v) {
                      try {
                        (void)parse_duration(v, "--time");
                        return std::string();
                      } catch (const ParityError& e) {
                        return std::string(e.what());
                      }
                    });
  sub->add_option("--baseline", a->baseline,
                  "Known outcomes (cases/baseline/*.json): every non-passing row is KNOWN or NEW, FIXED entries are "
                  "listed, DIR/baseline.md is written, and the exit code is 1 only when something is NEW");
  config_opts.push_back(sub->add_option("--executors", a->executors,
                                        "Comma-separated executors, one result row each per case (default ref64,cpu32; "
                                        "ref64 is always the reference, and its own row is a sanity check)"));
  config_opts.push_back(sub->add_option("--out", a->out, "Output directory (default ./parity-run)"));
  config_opts.push_back(sub->add_option("--shard", a->shard, "Run shard I of N: the cases whose index % N == I-1 (default 1/1)"));
  sub->add_option("-j,--jobs", a->jobs, "Worker threads (default: the number of cores); results do not depend on it")
      ->check(CLI::Range(1, 1024));
  auto* resume = sub->add_option("--resume", a->resume,
                                 "Continue the run in DIR (its run.json gives the configuration; completed cases are kept)");
  config_opts.push_back(sub->add_flag("--overwrite", a->overwrite, "Replace a run already in --out (its results are deleted)"));
  config_opts.push_back(sub->add_option("--max-nodes", c.gen.max_nodes, "Generator: op nodes per graph (default 8)")
                            ->check(CLI::Range(1, 1000)));
  config_opts.push_back(sub->add_option("--max-elements", c.gen.max_elements, "Generator: elements per tensor (default 4096)")
                            ->check(CLI::Range(int64_t{1}, int64_t{1} << 30)));
  config_opts.push_back(sub->add_option("--max-flops", c.gen.max_flops, "Generator: FLOPs per graph (default 1048576)")
                            ->check(CLI::Range(int64_t{1}, int64_t{1} << 40)));
  config_opts.push_back(sub->add_option("--max-batch", c.gen.max_batch, "Generator: batch size (default 3)")
                            ->check(CLI::Range(1, 1 << 16)));
  config_opts.push_back(sub->add_option("--family", a->family, "Generator: layers, tf_ops or both (default both)")
                            ->check(CLI::IsMember({"layers", "tf_ops", "both"})));
  config_opts.push_back(sub->add_option("--ops", a->ops, "Generator: only these catalog ops (comma-separated)"));
  config_opts.push_back(sub->add_option("--exclude", a->exclude, "Generator: never these ops (comma-separated)"));
  config_opts.push_back(sub->add_flag("--supported-only", a->supported_only,
                                      "Generator: only ops every listed executor supports (no UNSUPPORTED rows)"));
  config_opts.push_back(sub->add_option("--shrink-attempts", c.shrink_attempts,
                                        "Evaluations spent shrinking each failing case (default 1000)")
                            ->check(CLI::Range(0, 1000000)));
  config_opts.push_back(sub->add_option("--budget-scale", c.budget_scale,
                                        "Multiply every error budget (default 1; below 1 for experiments)")
                            ->check(CLI::PositiveNumber));
  {
    // The TF.js options are part of the configuration: --resume takes them from run.json.
    const size_t before = sub->get_options().size();
    add_executor_flags(sub, &c.executor_options);
    const auto all = sub->get_options();
    for (size_t i = before; i < all.size(); ++i) config_opts.push_back(all[i]);
  }
  for (CLI::Option* o : config_opts) resume->excludes(o);
  sub->footer(
      "With no flags: the default campaign, seed 1, 500 cases on ref64,cpu32, into ./parity-run.\n"
      "DIR gets run.json (configuration), results.jsonl (one row per case x executor, in case order, written as\n"
      "each case completes), cases/<id>.json and <id>.min.json (failing cases, full and shrunk), summary.md and\n"
      "junit.xml. A DIR already holding a run is refused unless --resume or --overwrite.\n"
      "stdout: one line per DIVERGED/ERRORED row with its repro command, the op distribution and a totals line.\n"
      "Exit codes: 0 no DIVERGED or ERRORED row in the run (with --baseline: nothing NEW), 1 otherwise, 2 bad input,\n"
      "130 interrupted (resumable).\n"
      "Examples:\n"
      "  parity run\n"
      "  parity run --seed 7 --cases 5000 --executors ref64,cpu32 --out nightly -j 2\n"
      "  parity run --time 30m --shard 2/4 --out shard2\n"
      "  parity run --executors ref64,tfjs-cpu,tfjs-wasm --baseline cases/baseline/tfjs-4.22.json --out nightly\n"
      "  parity run --resume nightly\n"
      "  parity run --executors ref64,tfjs-cpu --tfjs-version 4.21.0 --out tfjs421");
  return [a](std::ostream& out) { return run_run(*a, out); };
}

}  // namespace parity::cli
