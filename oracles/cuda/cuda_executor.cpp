#include "oracles/cuda/cuda_executor.h"

#include "oracles/cuda/cuda_backend.h"
#include "oracles/cuda/graph_runner.h"

namespace parity::cuda {
namespace {

class CudaExecutor final : public Executor {
 public:
  CudaExecutor(const Catalog& catalog, bool tf32) : runner_(catalog, default_lowerings()), tf32_(tf32) {}
  std::string name() const override { return "cuda"; }
  DType compute_dtype() const override { return DType::F32; }
  std::string version() const override { return backend_ ? backend_->version() : ""; }
  std::optional<std::string> unsupported_reason(const std::string& op) const override {
    return runner_.unsupported_reason(op);
  }
  RunResult run(const Graph& g, const std::vector<Tensor<double>>& inputs, const RunOptions& opt) override {
    return runner_.run(backend(), g, inputs, opt);
  }

 private:
  // The device is probed once; a machine without one answers every case with the same SKIPPED reason.
  Backend& backend() {
    if (!backend_) {
      if (!unavailable_.empty()) throw ExecutorUnavailable(unavailable_);
      if (!cuda_device_available(&unavailable_)) throw ExecutorUnavailable(unavailable_);
      backend_ = std::make_unique<CudaBackend>(tf32_);
    }
    return *backend_;
  }

  GraphRunner runner_;
  bool tf32_;
  std::string unavailable_;
  std::unique_ptr<CudaBackend> backend_;
};

}  // namespace

std::unique_ptr<Executor> make_cuda_executor(const Catalog& catalog, const ExecutorOptions& opt) {
  return std::make_unique<CudaExecutor>(catalog, opt.cuda_tf32);
}

}  // namespace parity::cuda
