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
  return finish_run(start_run(g, inputs, opt));
}

Executor::Ticket TfjsExecutor::start_run(const Graph& g, const std::vector<Tensor<double>>& inputs, const RunOptions& opt) {
  bind_batch(g, inputs);  // bad inputs are the caller's error (ParityError), not TF.js's
  const TfjsArtifacts a = convert_to_tfjs(g, catalog_, opt_.convert);
  check_version();
  Pending p{++last_ticket_, &g, build_run_request(g, a, inputs, opt.want_intermediates), std::chrono::steady_clock::now()};
  client_->send(p.request.header, p.request.payload);
  p.request.payload = {};  // sent; only the header's bookkeeping is needed for the reply
  pending_.push_back(std::move(p));
  return last_ticket_;
}

void TfjsExecutor::cancel_run(Ticket t) noexcept {
  early_.erase(t);
  for (Pending& p : pending_)
    if (p.ticket == t) p.cancelled = true;
}

TfjsExecutor::Outcome TfjsExecutor::complete(Pending& p) {
  Outcome o;
  try {
    const WorkerMessage reply = client_->receive();
    o.timing.round_trip = std::chrono::duration<double>(std::chrono::steady_clock::now() - p.t0).count();
    const json& h = reply.header;
    if (const json* t = h.contains("timing") && h["timing"].is_object() ? &h["timing"] : nullptr) {
      o.timing.worker = t->value("worker_ms", 0.0) / 1000;
      o.timing.load = t->value("load_ms", 0.0) / 1000;
      o.timing.predict = t->value("predict_ms", 0.0) / 1000;
      o.timing.load_at = t->value("load_at_ms", 0.0) / 1000;
      o.timing.predict_at = t->value("predict_at_ms", 0.0) / 1000;
      o.timing.failed = t->value("failed_ms", 0.0) / 1000;
      o.timing.failed_at = t->value("failed_at_ms", 0.0) / 1000;
    }
    if (!h.value("ok", false)) throw_refusal(h, *p.graph);
    const std::string_view bytes(reinterpret_cast<const char*>(reply.payload.data()), reply.payload.size());
    o.result = read_run_reply(h, bytes, *p.graph, p.request, "worker");
  } catch (...) {
    o.error = std::current_exception();
  }
  return o;
}

RunResult TfjsExecutor::finish_run(Ticket t) {
  auto hit = early_.find(t);
  if (hit == early_.end()) {
    bool known = false;
    for (const Pending& p : pending_) known = known || (p.ticket == t && !p.cancelled);
    if (!known) throw std::logic_error("TfjsExecutor::finish_run: no started run with this ticket");
    // The worker answers in order: read the replies before this one and keep them for their own finish_run.
    for (;;) {
      Pending p = std::move(pending_.front());
      pending_.pop_front();
      if (p.cancelled) {  // its graph may be gone: read the reply and drop it undecoded
        try {
          (void)client_->receive();
        } catch (...) {
          // A failed request has already cost the worker; the next one goes to a fresh worker.
        }
        continue;
      }
      Outcome o = complete(p);
      if (p.ticket == t) {
        hit = early_.emplace(t, std::move(o)).first;
        break;
      }
      early_.emplace(p.ticket, std::move(o));
    }
  }
  Outcome o = std::move(hit->second);
  early_.erase(hit);
  timing_ = o.timing;
  if (timing_log_) timing_log_->push_back(o.timing);
  if (o.error) std::rethrow_exception(o.error);
  return std::move(o.result);
}

}  // namespace parity
