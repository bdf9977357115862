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

namespace {

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
  check_version();
  Pending p{&g, build_run_request(g, a, inputs, opt.want_intermediates), std::chrono::steady_clock::now()};
  client_->send(p.request.header, p.request.payload);
  p.request.payload = {};  // sent; only the header's bookkeeping is needed for the reply
  pending_ = std::move(p);
}

void TfjsExecutor::cancel_run() noexcept {
  if (!pending_) return;
  pending_.reset();
  try {
    (void)client_->receive();
  } catch (...) {
    // A failed request has already cost the worker; the next request starts a fresh one.
  }
}

RunResult TfjsExecutor::finish_run() {
  if (!pending_) throw std::logic_error("TfjsExecutor::finish_run without a started run");
  const Pending p = std::move(*pending_);
  pending_.reset();
  const WorkerMessage reply = client_->receive();
  timing_ = {};
  timing_.round_trip = std::chrono::duration<double>(std::chrono::steady_clock::now() - p.t0).count();
  const json& h = reply.header;
  if (!h.value("ok", false)) throw_refusal(h, *p.graph);
  if (const json* t = h.contains("timing") ? &h["timing"] : nullptr) {
    timing_.worker = t->value("worker_ms", 0.0) / 1000;
    timing_.load = t->value("load_ms", 0.0) / 1000;
    timing_.predict = t->value("predict_ms", 0.0) / 1000;
    timing_.load_at = t->value("load_at_ms", 0.0) / 1000;
    timing_.predict_at = t->value("predict_at_ms", 0.0) / 1000;
  }
  const std::string_view bytes(reinterpret_cast<const char*>(reply.payload.data()), reply.payload.size());
  return read_run_reply(h, bytes, *p.graph, p.request, "worker");
}

}  // namespace parity
