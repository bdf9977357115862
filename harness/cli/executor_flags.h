#pragma once
// The options every command that builds executors shares: which TF.js to run and how long to wait for it.
// Used by eval, run, replay and coverage so the flags read the same everywhere.
#include <CLI/CLI.hpp>

#include <string>

#include "oracles/executor.h"

namespace parity::cli {

// Adds --tfjs-version, --tfjs-dir (mutually exclusive), --timeout, --cuda-tf32 (and the flags below) to `sub`,
// writing into *opt, which must outlive parsing. ref64/cpu32 ignore them. The version string is checked strictly
// later (ensure_tfjs_version), so a hostile value never reaches npm; here only its rough form is checked for a
// quick parse error.
inline void add_executor_flags(CLI::App* sub, ExecutorOptions* opt) {
  auto* version = sub->add_option("--tfjs-version", opt->tfjs_version,
                                  "Run the TF.js executors against this published TF.js release (X.Y.Z), installed "
                                  "on demand with npm into the cache ($PARITY_CACHE_DIR, else "
                                  "$XDG_CACHE_HOME/parity, else ~/.cache/parity)");
  auto* dir = sub->add_option("--tfjs-dir", opt->tfjs_dir,
                              "Run the TF.js executors against the TF.js packages in this node_modules folder (a "
                              "local build, a patched copy)");
  version->excludes(dir);
  sub->add_option("--timeout", opt->timeout_seconds,
                  "Seconds to wait for one TF.js request before giving up on it (default: the executor's own)")
      ->check(CLI::PositiveNumber);
  sub->add_flag("--cuda-tf32", opt->cuda_tf32,
                "Let the cuda executor's GEMMs use TF32 tensor cores (default off: full float32), to see what "
                "TF32 costs");
  sub->add_flag("--tfoplambda-shim", opt->tfoplambda_shim,
                "TF.js executors: load TFOpLambda (TF-op) layers through parity's generated shim, a JS module "
                "registering a TFOpLambda class (docs/check.md); without it TF.js rejects such layers");
}

}  // namespace parity::cli
