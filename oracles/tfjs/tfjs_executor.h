#pragma once
#include <string_view>
// tfjs-cpu and tfjs-wasm: the graph converted to TF.js artifacts in memory (convert_to_tfjs), then loaded
// and run by a persistent Node worker (worker_client.h). What TF.js supports is measured, not declared:
// TF.js rejecting a layer or op is UnsupportedOpError naming it; any other failure, a hang or a crash of
// the worker is ExecutorError; no node or no TF.js installation is ExecutorUnavailable.
#include <chrono>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "oracles/executor.h"
#include "oracles/tfjs/convert.h"
#include "oracles/tfjs/run_request.h"
#include "oracles/tfjs/worker_client.h"

namespace parity {

struct TfjsExecutorOptions {
  WorkerOptions worker;    // worker.backend is set from the constructor's backend
  ConvertOptions convert;  // quantization, forced format
  // When set (--tfjs-version), every package the worker loads must report exactly this version; anything
  // else fails each run with ExecutorError("version") rather than recording rows for the wrong TF.js.
  std::string expect_version;
  bool explicit_timeout = false;  // worker.request_timeout_s was chosen (--timeout): $PARITY_TFJS_TIMEOUT_S yields
};

// Where the time of the last run went (seconds).
struct TfjsTiming {
  double round_trip = 0;  // request written to reply read, measured here
  double worker = 0;      // the worker's own time for the request (parse to reply)
  double load = 0;        // tf.loadLayersModel / loadGraphModel
  double predict = 0;     // predict / execute plus reading the outputs back
  // When load and predict began, in seconds since the Unix epoch as the worker's wall clock read them
  // (0 when not reported): lets a benchmark place TF.js's work among parity's own when runs overlap.
  double load_at = 0, predict_at = 0;
  // A run TF.js rejected or failed: how long it worked on the model until it threw, and when it began.
  double failed = 0, failed_at = 0;
};

class TfjsExecutor final : public Executor {
 public:
  // backend: "cpu" or "wasm". Cheap: the worker starts on first use.
  explicit TfjsExecutor(const std::string& backend, const Catalog& catalog = default_catalog(),
                        TfjsExecutorOptions opt = {});
  std::string name() const override { return "tfjs-" + backend_; }
  DType compute_dtype() const override { return DType::F32; }
  // nullopt (TF.js's support is measured by running), except for TF ops the TFOpLambda shim cannot compute
  // when the shim is on.
  std::optional<std::string> unsupported_reason(const std::string& op) const override;
  // Converts with this weight quantization from now on (`parity check --quantize`).
  void set_quantization(WeightQuantization q) { opt_.convert.quantize = q; }
  RunResult run(const Graph& g, const std::vector<Tensor<double>>& inputs, const RunOptions& opt = {}) override;
  // Converts and sends the request; finish_run() reads the reply (the worker computes in between). Runs are
  // pipelined: the worker answers in the order sent, and replies read before their own finish_run (to get
  // at a later one) are kept for it.
  Ticket start_run(const Graph& g, const std::vector<Tensor<double>>& inputs, const RunOptions& opt = {}) override;
  RunResult finish_run(Ticket t) override;
  void cancel_run(Ticket t) noexcept override;  // its reply is read and discarded when its turn comes

  // "tfjs-core 4.22.0, tfjs-backend-cpu 4.22.0, tfjs-layers 4.22.0, tfjs-converter 4.22.0; node v20.20.2",
  // as the worker reports it (starting it if needed); "" when the worker cannot start here.
  std::string version() const override;
  const TfjsTiming& last_timing() const { return timing_; }
  // Appends the timing of every run answered from now on, failed ones too (a benchmark's record; nullptr
  // stops).
  void log_timings(std::vector<TfjsTiming>* log) { timing_log_ = log; }
  WorkerClient& client() { return *client_; }

 private:
  std::string backend_;
  const Catalog& catalog_;
  TfjsExecutorOptions opt_;
  std::unique_ptr<WorkerClient> client_;
  TfjsTiming timing_;
  std::vector<TfjsTiming>* timing_log_ = nullptr;
  bool version_checked_ = false;
  struct Pending {  // a request sent by start_run, in the order sent
    Ticket ticket = 0;
    const Graph* graph = nullptr;
    RunRequest request;
    std::chrono::steady_clock::time_point t0;
    bool cancelled = false;
  };
  struct Outcome {  // a reply read before its finish_run
    RunResult result;
    std::exception_ptr error;
    TfjsTiming timing;
  };
  std::deque<Pending> pending_;
  std::map<Ticket, Outcome> early_;
  Ticket last_ticket_ = 0;
  Outcome complete(Pending& p);  // reads p's reply (the oldest pending) and decodes it
  void check_version();
};

}  // namespace parity
