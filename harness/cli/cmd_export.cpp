// `parity export`: placeholder until the command lands.
#include "harness/cli/commands.h"

namespace parity::cli {

CommandFn add_export_command(CLI::App& app) {
  app.add_subcommand("export", "(not yet available)")->group("");
  return [](std::ostream&) { return kExitBadInput; };
}

}  // namespace parity::cli
