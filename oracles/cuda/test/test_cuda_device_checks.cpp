// Error handling of the CUDA executor, on any machine: the check functions turn fake failing status codes
// into ExecutorError("cuda", "<call>: <error string>"), the engine turns that into ERRORED (never an abort),
// and without a device the executor is SKIPPED with "no CUDA device".
#include <gtest/gtest.h>

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include "harness/engine/evaluate.h"
#include "harness/coverage/probes.h"
#include "oracles/cuda/cuda_backend.h"
#include "oracles/cuda/cuda_check.h"
#include "oracles/cuda/graph_runner.h"
#include "oracles/cuda/host_backend.h"

namespace parity::cuda {
namespace {

template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const ExecutorError& e) {
    EXPECT_EQ(e.kind, "cuda");
    return e.what();
  }
  return "no ExecutorError";
}

TEST(CudaChecks, SuccessPassesSilently) {
  EXPECT_NO_THROW(PARITY_CUDA_CHECK(cudaSuccess));
  EXPECT_NO_THROW(PARITY_CUBLAS_CHECK(CUBLAS_STATUS_SUCCESS));
  EXPECT_NO_THROW(PARITY_CUDNN_CHECK(CUDNN_STATUS_SUCCESS));
}

TEST(CudaChecks, FailuresNameTheCallAndTheError) {
  EXPECT_EQ(error_of([] { check_cuda(cudaErrorMemoryAllocation, "cudaMalloc(&p, n)"); }),
            "cudaMalloc(&p, n): out of memory (cudaErrorMemoryAllocation)");
  const std::string blas = error_of([] { check_cublas(CUBLAS_STATUS_EXECUTION_FAILED, "cublasSgemm"); });
  EXPECT_EQ(blas.rfind("cublasSgemm: ", 0), 0u) << blas;
  EXPECT_NE(blas, "cublasSgemm: ");
  const std::string dnn = error_of([] { check_cudnn(CUDNN_STATUS_BAD_PARAM, "cudnnPoolingForward"); });
  EXPECT_EQ(dnn, std::string("cudnnPoolingForward: ") + cudnnGetErrorString(CUDNN_STATUS_BAD_PARAM));
  // The macro records the call's source text.
  EXPECT_EQ(error_of([] { PARITY_CUDA_CHECK(cudaErrorInvalidValue); }).rfind("cudaErrorInvalidValue: invalid argument", 0), 0u);
}

// A host backend whose GEMM fails the way a failing cuBLAS call does.
class FailingGemmBackend : public HostBackend {
 public:
  void gemm(const Gemm&) override { check_cublas(CUBLAS_STATUS_EXECUTION_FAILED, "cublasSgemmStridedBatched"); }
};

TEST(CudaChecks, AFailingCallBecomesErroredNotAnAbort) {
  const Catalog& c = default_catalog();
  HostEmulationExecutor emu(c);
  emu.set_backend(std::make_unique<FailingGemmBackend>());
  ProbeOptions po;
  po.ops = {"Dense"};
  const ProbeSet probes = build_probes(c, po);
  ASSERT_FALSE(probes.probes.empty());
  Comparator cmp;
  const CaseVerdict v = evaluate_case(probes.probes[0].cf, {&emu}, c, default_kernels(), cmp);
  ASSERT_EQ(v.executors.size(), 1u);
  EXPECT_EQ(v.executors[0].disposition, Disposition::Errored);
  EXPECT_EQ(v.executors[0].reason.rfind("cuda: cublasSgemmStridedBatched: ", 0), 0u) << v.executors[0].reason;
  // An op without a GEMM still passes on the same backend: the failure is the call's, not the executor's.
  po.ops = {"tf.math.abs"};
  const CaseVerdict ok = evaluate_case(build_probes(c, po).probes.at(0).cf, {&emu}, c, default_kernels(), cmp);
  EXPECT_EQ(ok.executors.at(0).disposition, Disposition::Passed) << ok.executors.at(0).reason;
}

TEST(CudaExecutor, ListedAndSupportsEveryRef64Op) {
  const auto names = executor_names();
  EXPECT_NE(std::find(names.begin(), names.end(), "cuda"), names.end());
  auto ex = make_executor("cuda");
  EXPECT_EQ(ex->name(), "cuda");
  for (const OpSpec& s : default_catalog().ops())
    if (default_kernels().count(s.name)) EXPECT_FALSE(ex->unsupported_reason(s.name)) << s.name;
}

TEST(CudaExecutor, WithoutADeviceEveryCaseIsSkippedWithTheReason) {
  std::string why;
  if (cuda_device_available(&why)) GTEST_SKIP() << "a CUDA device is present";
  EXPECT_EQ(why.rfind("no CUDA device", 0), 0u) << why;
  const Catalog& c = default_catalog();
  auto ex = make_executor("cuda");
  ProbeOptions po;
  po.ops = {"Conv2D"};
  const CaseVerdict v = evaluate_case(build_probes(c, po).probes.at(0).cf, {ex.get()}, c, default_kernels(), Comparator{});
  EXPECT_EQ(v.executors.at(0).disposition, Disposition::Skipped);
  EXPECT_EQ(v.executors.at(0).reason, why);
}

}  // namespace
}  // namespace parity::cuda
