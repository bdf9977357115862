// `parity check`: placeholder until the command lands.
#include "harness/cli/commands.h"

namespace parity::cli {

CommandFn add_check_command(CLI::App& app) {
  app.add_subcommand("check", "(not yet available)")->group("");
  return [](std::ostream&) { return kExitBadInput; };
}

}  // namespace parity::cli
