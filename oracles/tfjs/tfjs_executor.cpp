#include "oracles/tfjs/tfjs_executor.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>

#include "harness/core/error.h"
#include "oracles/ref/ref_executor.h"
#include "oracles/tfjs/tfoplambda_shim.h"

namespace parity {

using nlohmann::json;

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

namespace {

void append_f32(std::vector<uint8_t>& out, const std::vector<double>& values) {
  const size_t at = out.size();
  out.resize(at + 4 * values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    const float f = static_cast<float>(values[i]);
    std::memcpy(out.data() + at + 4 * i, &f, 4);  // the host is little-endian (checked in worker_client)
  }
}


double env_seconds(const char* name, double fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  const double d = std::strtod(v, &end);
  return end != v && d > 0 ? d : fallback;
}

}  // namespace

TfjsExecutor::TfjsExecutor(const std::string& backend, const Catalog& catalog, TfjsExecutorOptions opt)
    : backend_(backend), catalog_(catalog), opt_(std::move(opt)) {
  if (backend_ != "cpu" && backend_ != "wasm") fail("TF.js backend '{}' is not one of cpu, wasm", backend_);
  opt_.worker.backend = backend_;
  if (!opt_.explicit_timeout)
    opt_.worker.request_timeout_s = env_seconds("PARITY_TFJS_TIMEOUT_S", opt_.worker.request_timeout_s);
  client_ = std::make_unique<WorkerClient>(opt_.worker);
}

std::string TfjsExecutor::version() const {
  try {
    const json& h = client_->hello();
    std::string out;
    const json versions = h.value("versions", json::object());  // a named copy: items() only refers to it
    for (const auto& [pkg, ver] : versions.items())
      out += fmt::format("{}{} {}", out.empty() ? "" : ", ", pkg, ver.is_string() ? ver.get<std::string>() : ver.dump());
    out += "; node " + h.value("node", std::string("?"));
    return opt_.convert.tfoplambda_shim ? out + "; parity TFOpLambda shim" : out;
  } catch (const std::exception&) {
    return "";
  }
}

std::optional<std::string> TfjsExecutor::unsupported_reason(const std::string& op) const {
  // Only the shim's own gaps are known up front; everything else TF.js decides when it runs.
  if (!opt_.convert.tfoplambda_shim) return std::nullopt;
  return shim_unsupported_reason(catalog_, op);
}

// The selected tree is loaded once per worker; a restarted worker loads the same files, so once suffices.
void TfjsExecutor::check_version() {
  if (version_checked_ || opt_.expect_version.empty()) return;
  const json& h = client_->hello();
  const json versions = h.value("versions", json::object());
  std::string wrong;
  for (const auto& [pkg, ver] : versions.items())
    if (!ver.is_string() || ver.get<std::string>() != opt_.expect_version)
      wrong += fmt::format("{}{} {}", wrong.empty() ? "" : ", ", pkg, ver.is_string() ? ver.get<std::string>() : ver.dump());
  if (versions.empty()) wrong = "no package versions reported";
  if (!wrong.empty())
    throw ExecutorError("version", fmt::format("TF.js {} was requested but the worker loaded {} from {}", opt_.expect_version,
                                               wrong, h.value("tfjs_dir", std::string("?"))));
  version_checked_ = true;
}

RunResult TfjsExecutor::run(const Graph& g, const std::vector<Tensor<double>>& inputs, const RunOptions& opt) {
  start_run(g, inputs, opt);
  return finish_run();
}

void TfjsExecutor::start_run(const Graph& g, const std::vector<Tensor<double>>& inputs, const RunOptions& opt) {
  pending_.reset();
  bind_batch(g, inputs);  // bad inputs are the caller's error (ParityError), not TF.js's
  const TfjsArtifacts a = convert_to_tfjs(g, catalog_, opt_.convert);
  const bool graph_model = a.format == ModelFormat::Graph;
  check_version();

  std::vector<uint8_t> payload = a.weights;
  json in = json::array();
  for (size_t i = 0; i < inputs.size(); ++i) {
    const size_t offset = payload.size();
    append_f32(payload, inputs[i].data);
    in.push_back({{"shape", inputs[i].shape}, {"offset", offset}, {"bytes", payload.size() - offset},
                  {"name", i < a.input_names.size() ? a.input_names[i] : ""}});
  }
  json req = {{"cmd", "run"},
              {"format", graph_model ? "graph" : "layers"},
              {"model", a.model_json},
              {"weights", {{"offset", 0}, {"bytes", a.weights.size()}}},
              {"inputs", in},
              {"input_names", a.input_names},
              {"output_names", a.output_names}};
  if (!a.tfoplambda_shim.empty()) req["tfoplambda_shim"] = a.tfoplambda_shim;  // registered for this run only

  // Which IR values each requested intermediate name stands for: a layer's outputs in order (layers-model)
  // or one GraphDef tensor (graph-model). Inputs are not asked for: TF.js computes nothing there.
  Pending p{&g, graph_model, {}, {}};
  std::map<std::string, std::vector<ValueId>>& wanted = p.wanted;
  if (opt.want_intermediates) {
    if (graph_model) {
      std::vector<bool> is_input(g.values.size(), false);
      for (ValueId v : g.inputs) is_input[static_cast<size_t>(v)] = true;
      for (const auto& [v, tensor] : a.value_nodes)
        if (!is_input.at(static_cast<size_t>(v))) wanted[tensor].push_back(v);
    } else {
      for (const Node& n : g.nodes)
        if (n.op != "InputLayer") wanted[n.name] = n.outputs;
    }
    json names = json::array();
    for (const auto& [name, values] : wanted) names.push_back(name);
    req["intermediates"] = names;
  }

  p.t0 = std::chrono::steady_clock::now();
  client_->send(req, payload);
  pending_ = std::move(p);
}

RunResult TfjsExecutor::finish_run() {
  if (!pending_) throw std::logic_error("TfjsExecutor::finish_run without a started run");
  const Pending p = std::move(*pending_);
  pending_.reset();
  const Graph& g = *p.graph;
  const bool graph_model = p.graph_model;
  const std::map<std::string, std::vector<ValueId>>& wanted = p.wanted;
  const WorkerMessage reply = client_->receive();
  timing_ = {};
  timing_.round_trip = std::chrono::duration<double>(std::chrono::steady_clock::now() - p.t0).count();
  const json& h = reply.header;
  if (!h.value("ok", false)) {
    const std::string kind = h.value("kind", "exception");
    const std::string message = h.value("message", std::string("(no message)"));
    if (kind == "unsupported") throw UnsupportedOpError(h.value("op", std::string("?")), message);
    // TF.js refusing an input rank the Keras model really has is a rejection, not a crash (convert.h).
    if (kind == "exception")
      if (auto op = tfjs_rank_rejection(g, message)) throw UnsupportedOpError(*op, message);
    throw ExecutorError(kind == "protocol" ? "protocol" : "exception", message);
  }
  if (const json* t = h.contains("timing") ? &h["timing"] : nullptr) {
    timing_.worker = t->value("worker_ms", 0.0) / 1000;
    timing_.load = t->value("load_ms", 0.0) / 1000;
    timing_.predict = t->value("predict_ms", 0.0) / 1000;
    timing_.load_at = t->value("load_at_ms", 0.0) / 1000;
    timing_.predict_at = t->value("predict_at_ms", 0.0) / 1000;
  }

  const std::string_view reply_bytes(reinterpret_cast<const char*>(reply.payload.data()), reply.payload.size());
  RunResult r;
  const json outs = h.value("outputs", json::array());
  if (outs.size() != g.outputs.size())
    throw ExecutorError("protocol", fmt::format("the worker returned {} outputs for a model with {}", outs.size(), g.outputs.size()));
  for (size_t i = 0; i < outs.size(); ++i) r.outputs.push_back(read_reply_tensor(outs[i], reply_bytes, fmt::format("output {}", i)));
  for (const json& it : h.value("intermediates", json::array())) {
    const auto w = wanted.find(it.value("name", std::string()));
    if (w == wanted.end()) continue;
    const json tensors = it.value("tensors", json::array());
    const std::string what = "intermediate '" + w->first + "'";
    if (graph_model && !tensors.empty()) {  // one GraphDef tensor may hold several IR values (an identity)
      const Tensor<double> t = read_reply_tensor(tensors[0], reply_bytes, what);
      for (ValueId v : w->second) r.intermediates[v] = t;
    } else {
      for (size_t k = 0; k < tensors.size() && k < w->second.size(); ++k)
        r.intermediates[w->second[k]] = read_reply_tensor(tensors[k], reply_bytes, what);
    }
  }
  return r;
}

}  // namespace parity
