// `parity export CASE OUT.h5`: a parity case file's graph as a Keras .h5 model, so a generated or shrunk case
// can be handed to Keras and other tools.
#include <fmt/format.h>

#include <memory>

#include "harness/io/keras_h5.h"
#include "harness/cli/commands.h"
#include "harness/core/error.h"
#include "harness/io/case_file.h"

namespace parity::cli {
namespace {

struct ExportArgs {
  std::string case_file, out;
};

int run_export(const ExportArgs& a, std::ostream& out) {
  const Catalog& c = default_catalog();
  const CaseFile cf = read_case_file(a.case_file, c);
  with_context(a.case_file + ": ", [&] { validate(cf.graph, c); });
  save_keras_h5(cf.graph, c, a.out);
  out << fmt::format("wrote {} ({} layers)\n", a.out, cf.graph.nodes.size());
  return kExitOk;
}

}  // namespace

CommandFn add_export_command(CLI::App& app) {
  auto a = std::make_shared<ExportArgs>();
  CLI::App* sub = app.add_subcommand("export", "Write a parity case file's model as a Keras .h5 file");
  sub->add_option("CASE", a->case_file, "parity case file (e.g. a shrunk reproducer from a run's cases/)")->required();
  sub->add_option("OUT", a->out, "the .h5 file to write (Keras 2 conventions; TF ops become TFOpLambda layers)")->required();
  sub->footer(
      "The case's inputs and expectations are not part of the .h5 file.\n"
      "Example:\n"
      "  parity export parity-run/cases/s1-42.min.json s1-42.h5");
  return [a](std::ostream& out) { return run_export(*a, out); };
}

}  // namespace parity::cli
