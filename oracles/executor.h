#pragma once
// The interface every executor implements: the float64 reference, its float32 twin, and (later) CUDA and
// the converted-model executors (TF.js in Node, in a browser).
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/ir/graph.h"

namespace parity {

// Thrown by Executor::run when the executor rejects an op or layer (TF.js: "Unknown layer: X",
// "Unknown op 'X'"): the case is UNSUPPORTED on that executor, with `op` and the executor's own message.
class UnsupportedOpError : public std::runtime_error {
 public:
  UnsupportedOpError(std::string op, const std::string& message) : std::runtime_error(message), op(std::move(op)) {}
  std::string op;
};

// Thrown by Executor::run when the executor itself fails: an exception inside it, a timeout, a crash.
// The case is ERRORED on that executor with `kind` ("exception", "timeout", "crash", "protocol") and message.
class ExecutorError : public std::runtime_error {
 public:
  ExecutorError(std::string kind, const std::string& message) : std::runtime_error(message), kind(std::move(kind)) {}
  std::string kind;
};

// Thrown by an executor's constructor or run when it cannot run on this machine at all (no node, no GPU):
// SKIPPED with the reason.
class ExecutorUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct RunOptions {
  bool want_intermediates = false;  // also return every node output, so the comparator can name the
                                    // first divergent node
};

struct RunResult {
  std::vector<Tensor<double>> outputs;                // one per graph output, in the executor's precision
  std::map<ValueId, Tensor<double>> intermediates;    // when asked for and the executor can expose them
  std::map<ValueId, Tensor<double>> masks;            // ref64/cpu32 with intermediates: Keras masks as 0/1 tensors
};

class Executor {
 public:
  virtual ~Executor() = default;
  virtual std::string name() const = 0;
  virtual DType compute_dtype() const = 0;
  // What exactly ran, for result rows (e.g. the TF.js package versions); empty when nothing to say.
  virtual std::string version() const { return ""; }
  // Whether this executor implements an op; the reason when it does not.
  virtual std::optional<std::string> unsupported_reason(const std::string& op) const = 0;
  // Runs the graph on concrete inputs (one per graph input, batch dimension bound). Throws ParityError on
  // bad inputs, UnsupportedOpError / ExecutorError / ExecutorUnavailable as described above.
  virtual RunResult run(const Graph& g, const std::vector<Tensor<double>>& inputs, const RunOptions& opt = {}) = 0;

  // The same run in two halves, so that executors working in other processes (the TF.js workers) compute
  // while the caller does something else: start_run() hands the work off and returns a ticket;
  // finish_run(ticket) waits and returns or throws what run() would. Several runs may be started before any
  // is finished (a campaign sends the next case while it judges this one), and they may be finished in any
  // order: an executor that computes in order keeps the results it reads early for their own finish_run.
  // g and inputs must outlive finish_run(); every ticket needs a finish_run() or a cancel_run(). run() may
  // be called while runs are started. By default the whole run happens in finish_run().
  using Ticket = uint64_t;
  virtual Ticket start_run(const Graph& g, const std::vector<Tensor<double>>& inputs, const RunOptions& opt = {}) {
    deferred_[++last_ticket_] = Deferred{&g, &inputs, opt};
    return last_ticket_;
  }
  virtual RunResult finish_run(Ticket t) {
    auto it = deferred_.find(t);
    if (it == deferred_.end()) throw std::logic_error("Executor::finish_run: no started run with this ticket");
    const Deferred d = it->second;
    deferred_.erase(it);
    return run(*d.graph, *d.inputs, d.opt);
  }
  // Drops a started run whose result is no longer wanted (the case turned out not to be evaluable), leaving
  // the executor ready for the next one. By default nothing ran yet, so there is nothing to do.
  virtual void cancel_run(Ticket t) noexcept { deferred_.erase(t); }

 private:
  struct Deferred {
    const Graph* graph = nullptr;
    const std::vector<Tensor<double>>* inputs = nullptr;
    RunOptions opt;
  };
  std::map<Ticket, Deferred> deferred_;
  Ticket last_ticket_ = 0;
};

// How to build the executors that run another program (TF.js in Node): which TF.js, how long to wait.
struct ExecutorOptions {
  std::string tfjs_version;           // a published TF.js release, installed on demand into a cache folder
  std::filesystem::path tfjs_dir;     // or a given node_modules tree (a local build, a patched copy)
  double timeout_seconds = 0;         // per request; 0 = the executor's default
  bool cuda_tf32 = false;             // cuda: let cuBLAS use TF32 tensor cores (off: full float32 GEMMs)
  bool tfoplambda_shim = false;       // TF.js: convert TF-op layers with parity's TFOpLambda shim (tfoplambda_shim.h)
};

// The executors built into this binary, by name ("ref64", "cpu32", "tfjs-cpu", "tfjs-wasm", and "cuda" when
// built with the CUDA toolkit).
std::vector<std::string> executor_names();
// Throws ParityError for unknown names or unusable options.
std::unique_ptr<Executor> make_executor(const std::string& name, const ExecutorOptions& opt = {});

}  // namespace parity
