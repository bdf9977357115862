#pragma once
// `parity check`: will this user model convert to TF.js, and will it give the same answers? Loads the model,
// lists each layer's support on every executor, converts it, runs it on a few inputs through the engine
// (evaluate_case: float64 reference, error budgets, comparator) and renders a verdict, JSON and Markdown.
// docs/check.md describes the command.
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/engine/evaluate.h"
#include "harness/io/keras_h5.h"
#include "oracles/tfjs/convert.h"

namespace parity {

struct CheckOptions {
  std::vector<std::string> executors = {"ref64", "tfjs-cpu", "tfjs-wasm"};
  ExecutorOptions executor_options;       // --tfjs-version, --tfoplambda-shim, ...
  WeightQuantization quantize = WeightQuantization::None;
  int samples = 3;                        // random input draws (ignored with `inputs`)
  uint64_t seed = 0;                      // sample i uses seed + i
  int64_t batch = 2;
  int64_t dynamic_dim = 0;                // unknown non-batch input dimensions of a .h5 model get this length
  std::optional<std::vector<NamedTensor>> inputs;  // --inputs FILE instead of random draws
  std::string inputs_source;                       // that file, for the report
  std::function<void(const std::string&)> progress;  // one line per step (stderr in the CLI)
};

// One layer's support on one executor: declared (unsupported_reason) and measured (the run's outcome).
struct LayerSupport {
  enum class State { Yes, No, Unknown };
  State state = State::Unknown;
  std::string reason;  // No: why; Unknown: why it could not be told (the model did not load, ...)
};

struct CheckedLayer {
  std::string name, op, class_name;  // class_name as in the model ("Dense", "TFOpLambda", "Lambda")
  std::map<std::string, LayerSupport> support;  // by executor name
};

struct CheckedOutput {
  std::string name;
  double max_abs_err = 0, max_rel_err = 0, max_ulp_err = 0;
  int64_t failing = 0;  // elements over budget, summed over samples
};

struct CheckedExecutor {
  std::string name, version;
  Disposition disposition = Disposition::Passed;  // worst over samples
  std::string reason;                             // of the worst sample
  std::vector<CheckedOutput> outputs;             // maxima over the samples that produced outputs
  std::string first_divergent_layer;              // from the first diverged sample that localized it
  int samples_run = 0;
};

struct CheckReport {
  std::string model;   // the path as given
  std::string format;  // "keras-h5", "tfjs-layers", "parity-case"
  KerasH5Info h5;      // keras-h5 only
  std::vector<UnrepresentableLayer> unrepresentable;  // layers parity could not read (Lambda, unknown ops)
  bool converts = false;
  std::string convert_error;
  std::optional<TfjsArtifacts> artifacts;  // the converted files (written by `check --report DIR` to DIR/tfjs)
  bool tfoplambda_shim = false;
  WeightQuantization quantize = WeightQuantization::None;
  std::string inputs;  // "3 random samples (seed 0, batch 2)" or the inputs file
  std::vector<CheckedLayer> layers;
  std::vector<CheckedExecutor> executors;

  int exit_code() const;  // 0 everything supported agrees; 1 divergence, errors or unsupported layers
  std::string verdict() const;  // "converts: yes; unsupported: none; max divergence per output: ...; ..."
};

// Throws ParityError for bad input (unreadable or malformed files, a graph-model model.json, bad inputs or
// executor names). Executor failures and unrepresentable layers are recorded in the report, never thrown.
CheckReport check_model(const std::filesystem::path& model, const CheckOptions& opt);

nlohmann::json check_report_to_json(const CheckReport& r);
std::string check_report_to_markdown(const CheckReport& r);

const char* quantization_name(WeightQuantization q);  // "none", "float16", "uint8", "uint16"
WeightQuantization quantization_from_name(const std::string& name);  // throws ParityError

}  // namespace parity
