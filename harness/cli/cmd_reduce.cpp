// `parity reduce MODEL --executor E`: the fewest layers of a failing model that still fail on E, written as a
// case file and a TF.js model.json, with the first divergent layer named (harness/nightly/reduce.h).
// Exit codes: 0 reduced; 1 the model does not fail on E (nothing to reduce); 2 bad input.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "harness/check/load_model.h"
#include "harness/cli/commands.h"
#include "harness/cli/executor_flags.h"
#include "harness/core/error.h"
#include "harness/io/case_file.h"
#include "harness/io/tensor_json.h"
#include "harness/nightly/reduce.h"
#include "oracles/tfjs/convert.h"

namespace parity::cli {
namespace fs = std::filesystem;
namespace {

struct ReduceArgs {
  std::string model;
  std::string executor;
  std::string out = "parity-reduce";
  uint64_t seed = 0;
  int64_t batch = 2;
  std::string inputs;
  int max_evaluations = 2000;
  double budget_scale = 1.0;
  bool same_disposition = false;
  ExecutorOptions executor_options;
};

bool is_case_file(const std::string& file) {
  if (fs::path(file).extension() != ".json") return false;
  std::ifstream in(file, std::ios::binary);
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  return j.is_object() && j.contains("parity_case");
}

// The model as a case: a case file as it is; a model.json or .h5 with --inputs, else inputs from --seed.
CaseFile load(const ReduceArgs& a) {
  std::error_code ec;
  if (!fs::is_regular_file(a.model, ec)) fail("{}: no such file", a.model);
  if (is_case_file(a.model)) return read_case_file(a.model, default_catalog());
  CaseFile cf;
  cf.graph = load_user_model(a.model, default_catalog()).graph;
  cf.input_seed = a.seed;
  cf.batch = a.batch;
  if (!a.inputs.empty()) cf.inputs = read_tensors_file(a.inputs, "inputs");
  return cf;
}

void write_text(const fs::path& p, const std::string& text) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  if (!(f << text) || !f.flush()) fail("{}: cannot write", p.string());
}

int run_reduce(const ReduceArgs& a, std::ostream& out) {
  std::unique_ptr<Executor> ex = make_executor(a.executor, a.executor_options);
  const CaseFile cf = load(a);
  ReduceOptions opt;
  opt.max_evaluations = a.max_evaluations;
  opt.budget_scale = a.budget_scale;
  opt.same_disposition = a.same_disposition;
  opt.progress = [](const std::string& line) { std::cerr << "parity reduce: " << line << '\n'; };
  const ReduceResult r = reduce_case(cf, *ex, opt);
  if (r.disposition == Disposition::Skipped) fail("--executor {}: cannot run here: {}", a.executor, r.reason);
  if (!r.failed) {
    out << fmt::format("{} does not fail on {} ({}{}): nothing to reduce\n", a.model, a.executor, disposition_name(r.disposition),
                       r.reason.empty() ? "" : ": " + r.reason);
    return kExitDivergence;
  }

  std::error_code ec;
  fs::create_directories(a.out, ec);
  if (ec) fail("--out {}: cannot create the folder: {}", a.out, ec.message());
  nlohmann::json j = case_to_json(r.reduced);
  j["reduced_from"] = {{"model", a.model}, {"executor", a.executor}, {"layers", r.original_layers}};
  j["first_divergent_layer"] = r.culprit;
  j["observed"] = {{a.executor, {{"disposition", disposition_name(r.reduced_disposition)}, {"reason", r.reduced_reason}}}};
  const fs::path case_path = fs::path(a.out) / "reduced.case.json";
  write_text(case_path, j.dump(1) + "\n");
  std::vector<NamedTensor> ins = r.reduced.inputs.value_or(std::vector<NamedTensor>{});
  write_text(fs::path(a.out) / "inputs.json", tensors_to_json(ins, "inputs").dump() + "\n");
  std::string tfjs_note;
  try {
    ConvertOptions co;
    co.tfoplambda_shim = a.executor_options.tfoplambda_shim;
    write_tfjs_artifacts(convert_to_tfjs(r.reduced.graph, default_catalog(), co), fs::path(a.out) / "tfjs");
    tfjs_note = (fs::path(a.out) / "tfjs" / "model.json").string();
  } catch (const ParityError& e) {
    tfjs_note = fmt::format("not written: {}", e.what());
  }

  out << fmt::format("{} on {}: {}: {}\n", a.model, a.executor, disposition_name(r.disposition), r.reason);
  out << fmt::format("reduced {} layers to {}: {} ({} evaluations)\n", r.original_layers, r.kept.size(),
                     fmt::join(r.kept, ", "), r.evaluations);
  out << fmt::format("first divergent layer: {} ({})\n", r.culprit, r.culprit_note);
  out << fmt::format("reduced case: {} ({}: {})\n", case_path.string(), disposition_name(r.reduced_disposition), r.reduced_reason);
  out << fmt::format("TF.js model: {} (inputs: {})\n", tfjs_note, (fs::path(a.out) / "inputs.json").string());
  std::string flags;  // the TF.js the failure was seen on
  if (!a.executor_options.tfjs_dir.empty()) flags += " --tfjs-dir " + a.executor_options.tfjs_dir.string();
  if (!a.executor_options.tfjs_version.empty()) flags += " --tfjs-version " + a.executor_options.tfjs_version;
  if (a.executor_options.tfoplambda_shim) flags += " --tfoplambda-shim";
  out << fmt::format("repro: parity replay {} --executors {}{}\n", case_path.string(), a.executor, flags);
  return kExitOk;
}

}  // namespace

CommandFn add_reduce_command(CLI::App& app) {
  auto a = std::make_shared<ReduceArgs>();
  CLI::App* sub = app.add_subcommand("reduce", "Shrink a model that fails on an executor to the fewest layers that still fail");
  sub->add_option("MODEL", a->model, "a parity case file, a TF.js layers model.json, or a Keras .h5 file")->required();
  sub->add_option("--executor", a->executor, "the executor it fails on (tfjs-cpu, tfjs-wasm, cpu32, ...)")->required();
  sub->add_option("--out", a->out, "folder for reduced.case.json, inputs.json and tfjs/model.json (default parity-reduce)");
  sub->add_option("--inputs", a->inputs, "inputs for a model.json or .h5 ({\"inputs\": [...]}); default: drawn from --seed");
  sub->add_option("--seed", a->seed, "seed of the random inputs of a model.json or .h5 (default 0)");
  sub->add_option("--batch", a->batch, "batch of the random inputs (default 2)")->check(CLI::PositiveNumber);
  sub->add_option("--max-evaluations", a->max_evaluations, "give up shrinking after this many runs (default 2000)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--budget-scale", a->budget_scale, "Multiply every error budget (default 1)")->check(CLI::PositiveNumber);
  sub->add_flag("--same-disposition", a->same_disposition,
                "keep a cut only when it fails as the whole model does (DIVERGED stays DIVERGED, ERRORED stays ERRORED); "
                "default: any DIVERGED or ERRORED will do");
  add_executor_flags(sub, &a->executor_options);
  sub->footer(
      "Evaluates the model on the executor against ref64. If it DIVERGES or ERRORS, removes layers while the\n"
      "executor still fails (or, with --same-disposition, still gives that disposition): first bisects the end (the\n"
      "shortest failing prefix), then the start, then tries dropping each remaining layer. Every tensor a cut model\n"
      "no longer computes becomes a graph input holding ref64's value, so the kept layers see exact inputs and an\n"
      "earlier layer's error cannot hide or cause the failure. Progress goes to stderr.\n"
      "Writes the smallest failing model as OUT/reduced.case.json (inputs embedded; `parity replay` on it exits 1\n"
      "while the bug is there) and OUT/tfjs/model.json + OUT/inputs.json (for `parity eval` or TF.js itself), and\n"
      "names the first divergent layer.\n"
      "Exit codes: 0 reduced; 1 the model does not fail on the executor (nothing to reduce); 2 bad input.\n"
      "Example:\n"
      "  parity reduce model.h5 --executor tfjs-wasm --out reduced");
  return [a](std::ostream& out) { return run_reduce(*a, out); };
}

}  // namespace parity::cli
