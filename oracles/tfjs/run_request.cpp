// The "run" exchange shared by the Node worker and the browser page (run_request.h).
#include "oracles/tfjs/run_request.h"

#include <fmt/format.h>

#include <cstring>

#include "oracles/tfjs/tfjs_executor.h"

namespace parity {

using nlohmann::json;

namespace {

void append_f32(std::vector<uint8_t>& out, const std::vector<double>& values) {
  const size_t at = out.size();
  out.resize(at + 4 * values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    const float f = static_cast<float>(values[i]);
    std::memcpy(out.data() + at + 4 * i, &f, 4);  // the host is little-endian (checked in worker_client)
  }
}

}  // namespace

RunRequest build_run_request(const Graph& g, const TfjsArtifacts& a, const std::vector<Tensor<double>>& inputs,
                             bool want_intermediates) {
  RunRequest r;
  r.graph_model = a.format == ModelFormat::Graph;
  r.payload = a.weights;
  json in = json::array();
  for (size_t i = 0; i < inputs.size(); ++i) {
    const size_t offset = r.payload.size();
    append_f32(r.payload, inputs[i].data);
    in.push_back({{"shape", inputs[i].shape}, {"offset", offset}, {"bytes", r.payload.size() - offset},
                  {"name", i < a.input_names.size() ? a.input_names[i] : ""}});
  }
  r.header = {{"cmd", "run"},
              {"format", r.graph_model ? "graph" : "layers"},
              {"model", a.model_json},
              {"weights", {{"offset", 0}, {"bytes", a.weights.size()}}},
              {"inputs", in},
              {"input_names", a.input_names},
              {"output_names", a.output_names}};
  if (!a.tfoplambda_shim.empty()) r.header["tfoplambda_shim"] = a.tfoplambda_shim;  // registered for this run only
  if (want_intermediates) {
    if (r.graph_model) {
      std::vector<bool> is_input(g.values.size(), false);
      for (ValueId v : g.inputs) is_input[static_cast<size_t>(v)] = true;
      for (const auto& [v, tensor] : a.value_nodes)
        if (!is_input.at(static_cast<size_t>(v))) r.wanted[tensor].push_back(v);
    } else {
      for (const Node& n : g.nodes)
        if (n.op != "InputLayer") r.wanted[n.name] = n.outputs;
    }
    json names = json::array();
    for (const auto& [name, values] : r.wanted) names.push_back(name);
    r.header["intermediates"] = names;
  }
  return r;
}

void throw_refusal(const json& h, const Graph& g) {
  const std::string kind = h.value("kind", "exception");
  const std::string message = h.value("message", std::string("(no message)"));
  if (kind == "unsupported") throw UnsupportedOpError(h.value("op", std::string("?")), message);
  // TF.js refusing an input rank the Keras model really has is a rejection, not a crash (convert.h).
  if (kind == "exception")
    if (auto op = tfjs_rank_rejection(g, message)) throw UnsupportedOpError(*op, message);
  throw ExecutorError(kind == "protocol" ? "protocol" : "exception", message);
}

RunResult read_run_reply(const json& h, std::string_view payload, const Graph& g, const RunRequest& req,
                         const char* who) {
  RunResult r;
  const json outs = h.value("outputs", json::array());
  if (outs.size() != g.outputs.size())
    throw ExecutorError("protocol", fmt::format("the {} returned {} outputs for a model with {}", who, outs.size(), g.outputs.size()));
  for (size_t i = 0; i < outs.size(); ++i) r.outputs.push_back(read_reply_tensor(outs[i], payload, fmt::format("output {}", i)));
  for (const json& it : h.value("intermediates", json::array())) {
    const auto w = req.wanted.find(it.value("name", std::string()));
    if (w == req.wanted.end()) continue;
    const json tensors = it.value("tensors", json::array());
    const std::string what = "intermediate '" + w->first + "'";
    if (req.graph_model && !tensors.empty()) {  // one GraphDef tensor may hold several IR values (an identity)
      const Tensor<double> t = read_reply_tensor(tensors[0], payload, what);
      for (ValueId v : w->second) r.intermediates[v] = t;
    } else {
      for (size_t k = 0; k < tensors.size() && k < w->second.size(); ++k)
        r.intermediates[w->second[k]] = read_reply_tensor(tensors[k], payload, what);
    }
  }
  return r;
}

Tensor<double> read_reply_tensor(const nlohmann::json& e, std::string_view payload, const std::string& what) {
  Shape shape;
  size_t offset = 0, bytes = 0;
  try {
    shape = e.at("shape").get<Shape>();
    offset = e.at("offset").get<size_t>();
    bytes = e.at("bytes").get<size_t>();
  } catch (const nlohmann::json::exception& ex) {
    throw ExecutorError("protocol", fmt::format("{}: malformed tensor entry {}: {}", what, e.dump(), ex.what()));
  }
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) throw ExecutorError("protocol", fmt::format("{}: negative dimension in {}", what, e.dump()));
    n *= d;
  }
  if (bytes != static_cast<size_t>(4 * n) || offset > payload.size() || bytes > payload.size() - offset)
    throw ExecutorError("protocol", fmt::format("{}: {} bytes at {} for shape {} in a {}-byte payload", what, bytes,
                                                offset, shape_str(shape), payload.size()));
  Tensor<double> t(shape);
  for (int64_t i = 0; i < n; ++i) {
    float f;
    std::memcpy(&f, payload.data() + offset + 4 * static_cast<size_t>(i), 4);
    t[i] = f;
  }
  return t;
}

}  // namespace parity
