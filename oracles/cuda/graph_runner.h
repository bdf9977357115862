#pragma once
// Runs a graph node by node on a Backend through the op lowerings: what the `cuda` executor does on the
// device, and what its host emulation does on the host (oracles/cuda/host_backend.h).
#include <optional>
#include <string>
#include <vector>

#include "harness/catalog/catalog.h"
#include "oracles/cuda/backend.h"
#include "oracles/cuda/lower/lowering.h"
#include "oracles/executor.h"

namespace parity::cuda {

class GraphRunner {
 public:
  GraphRunner(const Catalog& catalog, const LowerTable& lowerings) : catalog_(catalog), lowerings_(lowerings) {}
  std::optional<std::string> unsupported_reason(const std::string& op) const;
  // Resets the backend's arena, uploads inputs and weights, runs every node, downloads the outputs (and every
  // value when asked for intermediates).
  RunResult run(Backend& be, const Graph& g, const std::vector<Tensor<double>>& inputs, const RunOptions& opt) const;

 private:
  const Catalog& catalog_;
  const LowerTable& lowerings_;
};

// The host emulation as an executor ("cuda-host"): the CUDA executor's lowerings and per-element kernels on
// the host. Not registered in the CLI; tests compare it with cpu32 for every op.
class HostEmulationExecutor final : public Executor {
 public:
  explicit HostEmulationExecutor(const Catalog& catalog);
  std::string name() const override { return "cuda-host"; }
  DType compute_dtype() const override { return DType::F32; }
  std::optional<std::string> unsupported_reason(const std::string& op) const override {
    return runner_.unsupported_reason(op);
  }
  RunResult run(const Graph& g, const std::vector<Tensor<double>>& inputs, const RunOptions& opt = {}) override;
  Backend& backend();  // a HostBackend; tests may replace it with one that fails

  void set_backend(std::unique_ptr<Backend> be) { backend_ = std::move(be); }

 private:
  GraphRunner runner_;
  std::unique_ptr<Backend> backend_;
};

}  // namespace parity::cuda
