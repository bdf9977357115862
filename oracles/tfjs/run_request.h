#pragma once
// The "run" exchange both TF.js front ends share (the Node worker's frames, docs/tfjs-worker.md, and the
// browser page, which runs the worker's own model_run.js): building the request from converted artifacts,
// turning a refusal into the executor exceptions, and reading the outputs and intermediates of a reply.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/ir/graph.h"
#include "oracles/executor.h"
#include "oracles/tfjs/convert.h"

namespace parity {

struct RunRequest {
  nlohmann::json header;         // {"cmd": "run", format, model, weights, inputs, names, intermediates?}
  std::vector<uint8_t> payload;  // the weights, then each input as float32
  bool graph_model = false;
  // Which IR values each requested intermediate name stands for: a layer's outputs in order (layers-model)
  // or one GraphDef tensor (graph-model). Inputs are not asked for: TF.js computes nothing there.
  std::map<std::string, std::vector<ValueId>> wanted;
};
RunRequest build_run_request(const Graph& g, const TfjsArtifacts& a, const std::vector<Tensor<double>>& inputs,
                             bool want_intermediates);

// For a reply header with "ok": false: UnsupportedOpError for TF.js's rejections (a layer or op, or an input
// rank the Keras model really has), else ExecutorError of the reply's kind.
[[noreturn]] void throw_refusal(const nlohmann::json& h, const Graph& g);

// The outputs (checked against the graph's count) and intermediates of an ok reply; `who` names the other
// end in messages ("worker", "page"). Throws ExecutorError("protocol") for malformed entries.
RunResult read_run_reply(const nlohmann::json& h, std::string_view payload, const Graph& g, const RunRequest& req,
                         const char* who);

// A reply's tensor entry {shape, offset, bytes}, read from the payload as float32. Throws
// ExecutorError("protocol", ...) on a malformed entry.
Tensor<double> read_reply_tensor(const nlohmann::json& e, std::string_view payload, const std::string& what);

}  // namespace parity
