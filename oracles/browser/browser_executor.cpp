#include "oracles/browser/browser_executor.h"
#include "oracles/tfjs/run_request.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <regex>
#include <set>

#include "harness/core/error.h"
#include "oracles/browser/base64.h"
#include "oracles/browser/browser_install.h"
#include "oracles/ref/ref_executor.h"
#include "oracles/tfjs/tfoplambda_shim.h"

namespace parity {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

double env_seconds(const char* name, double fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  const double d = std::strtod(v, &end);
  return end != v && d > 0 ? d : fallback;
}

std::string file_url(const fs::path& p) {
  std::string out = "file://";
  for (unsigned char c : fs::absolute(p).lexically_normal().string()) {
    if (std::isalnum(c) || std::strchr("/-._~@+", c)) out.push_back(static_cast<char>(c));
    else out += fmt::format("%{:02X}", c);
  }
  return out;
}

// The chained tensor methods tfjs-core's modules define (the same scan as tfjs_env.js's chainedOpNames):
// the UMD bundle the page loads has none of them installed.
std::vector<std::string> chained_op_names(const fs::path& core_dir) {
  std::set<std::string> names;
  std::error_code ec;
  const std::regex re(R"(\.prototype\.([A-Za-z0-9_]+)\s*=\s*function)");
  for (const auto& e : fs::directory_iterator(core_dir / "dist" / "public" / "chained_ops", ec)) {
    const std::string f = e.path().filename().string();
    if (e.path().extension() != ".js" || f.ends_with("_test.js")) continue;
    std::ifstream in(e.path());
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (std::sregex_iterator it(text.begin(), text.end(), re), end; it != end; ++it) names.insert((*it)[1]);
  }
  return {names.begin(), names.end()};
}

// A JS exception that escaped Runtime.evaluate, as one line.
std::string exception_text(const json& details) {
  const json ex = details.value("exception", json::object());
  const std::string d = ex.value("description", std::string());
  std::string s = d.empty() ? details.value("text", std::string("exception")) : d;
  const size_t nl = s.find('\n');
  return nl == std::string::npos ? s : s.substr(0, nl);
}

}  // namespace

std::vector<std::string> browser_executor_names() { return {"tfjs-webgl", "tfjs-webgpu", "tfjs-webgl-f16"}; }

BrowserExecutor::BrowserExecutor(BrowserExecutorOptions opt, const Catalog& catalog)
    : opt_(std::move(opt)), catalog_(catalog) {
  if (opt_.backend != "webgl" && opt_.backend != "webgpu") fail("browser backend '{}' is not one of webgl, webgpu", opt_.backend);
  if (opt_.f16 && opt_.backend != "webgl") fail("float16 textures are a WebGL option");
  if (!opt_.explicit_timeout) opt_.request_timeout_s = env_seconds("PARITY_TFJS_TIMEOUT_S", opt_.request_timeout_s);
  const fs::path default_worker = fs::path(__FILE__).parent_path().parent_path() / "tfjs" / "worker";
  worker_dir_ = !opt_.worker_dir.empty() ? opt_.worker_dir : fs::path(env_or("PARITY_TFJS_WORKER_DIR", default_worker.string()));
  tfjs_dir_ = !opt_.tfjs_dir.empty() ? opt_.tfjs_dir : fs::path(env_or("PARITY_TFJS_DIR", worker_dir_.string()));
  chromium_ = std::make_unique<Chromium>(opt_.chromium);
}

BrowserExecutor::~BrowserExecutor() = default;

std::string BrowserExecutor::name() const { return "tfjs-" + opt_.backend + (opt_.f16 ? "-f16" : ""); }

std::optional<std::string> BrowserExecutor::unsupported_reason(const std::string& op) const {
  if (!opt_.convert.tfoplambda_shim) return std::nullopt;
  return shim_unsupported_reason(catalog_, op);
}

// The harness page: the TF.js bundles (UMD, filling the global `tf`), then the worker's own chained_ops.js
// and model_run.js (CommonJS, given a `module` object while they load), then page.js. file:// URLs: the
// page loads classic scripts only (no ES modules, no wasm), which Chromium allows from a file:// page.
fs::path BrowserExecutor::write_harness() const {
  const fs::path tf = tfjs_dir_ / "node_modules" / "@tensorflow";
  const std::string backend_pkg = "tfjs-backend-" + opt_.backend;
  std::string html = "<!doctype html>\n<meta charset=\"utf-8\"><title>parity</title>\n<script>\n"
                     "window.parityModules = {}; window.parityLoadErrors = [];\n"
                     "window.addEventListener('error', e => { if (e.target && e.target.src) parityLoadErrors.push(e.target.src); }, true);\n"
                     "</script>\n";
  auto script = [&](const fs::path& p) { html += "<script src=\"" + file_url(p) + "\"></script>\n"; };
  script(tf / "tfjs-core" / "dist" / "tf-core.es2017.js");
  script(tf / backend_pkg / "dist" / ("tf-" + backend_pkg.substr(5) + ".es2017.js"));
  script(tf / "tfjs-layers" / "dist" / "tf-layers.es2017.js");
  script(tf / "tfjs-converter" / "dist" / "tf-converter.es2017.js");
  // model_run.js writes tensors through Buffer.from(Uint8Array): in the page a Uint8Array is enough.
  html += "<script>window.Buffer = { from: (x, o, n) => x instanceof ArrayBuffer ? new Uint8Array(x, o || 0, n) : "
          "new Uint8Array(x.buffer, x.byteOffset, x.byteLength) };\nwindow.module = { exports: {} };</script>\n";
  script(worker_dir_ / "chained_ops.js");
  html += "<script>parityModules.chained_ops = module.exports; window.module = { exports: {} };</script>\n";
  script(worker_dir_ / "model_run.js");
  html += "<script>parityModules.model_run = module.exports; delete window.module;</script>\n";
  script(fs::path(__FILE__).parent_path() / "page.js");
  const fs::path out = chromium_->profile_dir() / "harness.html";
  std::ofstream(out) << html;
  return out;
}

void BrowserExecutor::ensure_page() {
  if (unavailable_) throw ExecutorUnavailable(*unavailable_);
  if (hello_ && chromium_->running()) return;
  hello_.reset();
  if (!opt_.install_version.empty()) {
    try {
      tfjs_dir_ = ensure_browser_tfjs(opt_.install_version, opt_.backend);
    } catch (const ParityError& e) {
      unavailable_ = e.what();  // e.g. a release without this backend's package
      throw ExecutorUnavailable(*unavailable_);
    }
    opt_.install_version.clear();
  }
  // What cannot change between cases is checked once and remembered: SKIPPED costs nothing per case.
  const fs::path tf = tfjs_dir_ / "node_modules" / "@tensorflow";
  std::error_code ec;
  for (const std::string& pkg : std::vector<std::string>{"tfjs-core", "tfjs-layers", "tfjs-converter", "tfjs-backend-" + opt_.backend})
    if (!fs::is_regular_file(tf / pkg / "package.json", ec)) {
      unavailable_ = fmt::format("@tensorflow/{} is not installed in {} (run `npm ci` in oracles/tfjs/worker)", pkg,
                                 (tfjs_dir_ / "node_modules").string());
      throw ExecutorUnavailable(*unavailable_);
    }
  for (const char* f : {"model_run.js", "chained_ops.js"})
    if (!fs::is_regular_file(worker_dir_ / f, ec)) {
      unavailable_ = fmt::format("{} is missing from {}", f, worker_dir_.string());
      throw ExecutorUnavailable(*unavailable_);
    }
  const ChromiumSetup setup = resolve_chromium(opt_.chromium);
  if (setup.unavailable) {
    unavailable_ = *setup.unavailable;
    throw ExecutorUnavailable(*unavailable_);
  }

  const double t = opt_.chromium.startup_timeout_s;
  chromium_->launch();
  if (browser_version_.empty()) browser_version_ = chromium_->call("Browser.getVersion", json::object(), false, t).value("product", "");
  const fs::path page = write_harness();
  chromium_->call("Page.navigate", {{"url", file_url(page)}}, true, t);
  chromium_->wait_event("Page.loadEventFired", t);
  std::ifstream pkg_file(tf / ("tfjs-backend-" + opt_.backend) / "package.json");
  const json pkg = json::parse(pkg_file, nullptr, false);
  const json cfg = {{"backend", opt_.backend}, {"f16", opt_.f16}, {"faults", opt_.test_faults},
                    {"chained_ops", chained_op_names(tf / "tfjs-core")},
                    {"backend_version", pkg.is_object() ? pkg.value("version", "?") : "?"}};
  const json r = chromium_->call("Runtime.evaluate",
                                 {{"expression", "(async () => { if (parityLoadErrors.length) throw new Error('cannot load ' + "
                                                 "parityLoadErrors.join(', ')); return await parity.init(" + cfg.dump() + "); })()"},
                                  {"awaitPromise", true}, {"returnByValue", true}},
                                 true, t);
  if (r.contains("exceptionDetails")) {
    // The backend cannot start in this browser (no WebGL2 / WebGPU adapter, a bundle that does not load):
    // nothing a later case would change.
    unavailable_ = fmt::format("{} cannot start in Chromium: {}", name(), exception_text(r["exceptionDetails"]));
    chromium_->kill();
    throw ExecutorUnavailable(*unavailable_);
  }
  hello_ = r.value("result", json::object()).value("value", json::object());
  if (!opt_.expect_version.empty()) {
    std::string wrong;
    const json versions = hello_->value("versions", json::object());  // a named copy: items() only refers to it
    for (const auto& [pkg, ver] : versions.items())
      if (!ver.is_string() || ver.get<std::string>() != opt_.expect_version) wrong += fmt::format(" {} {}", pkg, ver.dump());
    if (!wrong.empty()) {
      hello_.reset();
      chromium_->kill();
      throw ExecutorError("version", fmt::format("TF.js {} was requested but the page loaded{}", opt_.expect_version, wrong));
    }
  }
}

const json& BrowserExecutor::hello() {
  ensure_page();
  return *hello_;
}

std::string BrowserExecutor::version() const {
  try {
    const json& h = const_cast<BrowserExecutor*>(this)->hello();
    std::string out;
    const json versions = h.value("versions", json::object());
    for (const auto& [pkg, ver] : versions.items())
      out += fmt::format("{}{} {}", out.empty() ? "" : ", ", pkg, ver.is_string() ? ver.get<std::string>() : ver.dump());
    out += "; " + browser_version_;
    const json flags = h.value("flags", json::object());
    if (flags.contains("renderer")) out += "; " + flags["renderer"].get<std::string>();
    if (opt_.f16) out += "; WEBGL_FORCE_F16_TEXTURES";
    return out;
  } catch (const std::exception&) {
    return "";
  }
}

RunResult BrowserExecutor::run(const Graph& g, const std::vector<Tensor<double>>& inputs, const RunOptions& opt) {
  bind_batch(g, inputs);  // bad inputs are the caller's error (ParityError), not TF.js's
  const TfjsArtifacts a = convert_to_tfjs(g, catalog_, opt_.convert);
  ensure_page();

  // The Node worker's request (docs/tfjs-worker.md), its payload carried as base64.
  RunRequest rq = build_run_request(g, a, inputs, opt.want_intermediates);
  json& req = rq.header;
  if (!next_fault_.empty()) {
    req["fault"] = next_fault_;
    next_fault_.clear();
  }
  const std::string payload(rq.payload.begin(), rq.payload.end());
  const json call = {{"header", req}, {"payload", base64_encode(payload)}};

  const auto t0 = std::chrono::steady_clock::now();
  json r;
  try {
    r = chromium_->call("Runtime.evaluate",
                        {{"expression", "parity.run(" + call.dump(-1, ' ', false, json::error_handler_t::replace) + ")"},
                         {"awaitPromise", true}, {"returnByValue", true}},
                        true, opt_.request_timeout_s);
  } catch (const ExecutorError& e) {
    hello_.reset();  // the browser was killed (timeout, crash): the next case starts a fresh one
    if (e.kind == "timeout")
      throw ExecutorError("timeout", fmt::format("no reply from the page within {} s (Chromium restarted)", opt_.request_timeout_s));
    throw;
  }
  timing_ = {};
  timing_.round_trip = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (r.contains("exceptionDetails")) throw ExecutorError("exception", exception_text(r["exceptionDetails"]));
  const json v = r.value("result", json::object()).value("value", json::object());
  const json h = v.contains("header") ? v["header"] : v;
  if (!h.value("ok", false)) {
    if (h.value("kind", "") == "context_lost") {
      // The context cannot come back in this page: start over with a fresh browser for the next case.
      hello_.reset();
      chromium_->kill();
      throw ExecutorError("context_lost", h.value("message", std::string("(no message)")));
    }
    throw_refusal(h, g);
  }
  if (const json* t = h.contains("timing") ? &h["timing"] : nullptr) {
    timing_.page = t->value("page_ms", 0.0) / 1000;
    timing_.load = t->value("load_ms", 0.0) / 1000;
    timing_.predict = t->value("predict_ms", 0.0) / 1000;
  }
  std::string bytes;
  if (!base64_decode(v.value("payload", std::string()), bytes)) throw ExecutorError("protocol", "the page's reply payload is not base64");

  return read_run_reply(h, bytes, g, rq, "page");
}

}  // namespace parity
