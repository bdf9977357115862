// The cuda executor on a real GPU: every op's coverage probes and random graphs judged against ref64 by the
// comparator (as `parity run` does), the device against its own host emulation, and arena reuse across cases.
// Every test skips with "no CUDA device" where cudaGetDeviceCount fails or finds none.
#include <gtest/gtest.h>

#include "harness/coverage/probes.h"
#include "harness/engine/evaluate.h"
#include "harness/engine/generator.h"
#include "oracles/cuda/cuda_backend.h"
#include "oracles/cuda/graph_runner.h"

namespace parity::cuda {
namespace {

#define PARITY_REQUIRE_CUDA_DEVICE()                     \
  do {                                                   \
    std::string why_;                                    \
    if (!cuda_device_available(&why_)) GTEST_SKIP() << why_; \
  } while (0)

bool agrees(Disposition d) { return d == Disposition::Passed || d == Disposition::Mistrusted; }

TEST(CudaDevice, EveryProbePassesAgainstRef64) {
  PARITY_REQUIRE_CUDA_DEVICE();
  const Catalog& c = default_catalog();
  auto ex = make_executor("cuda");
  const ProbeSet probes = build_probes(c);
  int run = 0;
  for (const Probe& p : probes.probes) {
    if (ex->unsupported_reason(p.op)) continue;
    const CaseVerdict v = evaluate_case(p.cf, {ex.get()}, c, default_kernels(), Comparator{});
    EXPECT_TRUE(agrees(v.executors.at(0).disposition)) << p.id << ": " << v.executors.at(0).reason;
    ++run;
  }
  EXPECT_GT(run, 100);
}

TEST(CudaDevice, RandomGraphsPassAgainstRef64) {
  PARITY_REQUIRE_CUDA_DEVICE();
  const Catalog& c = default_catalog();
  auto ex = make_executor("cuda");
  GenConfig cfg;
  cfg.executors = {"cuda"};
  CaseGenerator gen(c, cfg);
  for (uint64_t i = 0; i < 300; ++i) {
    const GeneratedCase gc = gen.generate(3, i);
    const CaseVerdict v = evaluate_case(gc.cf, {ex.get()}, c, default_kernels(), Comparator{});
    EXPECT_TRUE(agrees(v.executors.at(0).disposition)) << gc.id << ": " << v.executors.at(0).reason;
  }
}

// The device runs the host emulation's per-element functions: outputs agree to float32 rounding (GEMMs and
// cuDNN may sum in another order).
TEST(CudaDevice, DeviceMatchesHostEmulation) {
  PARITY_REQUIRE_CUDA_DEVICE();
  const Catalog& c = default_catalog();
  auto dev = make_executor("cuda");
  HostEmulationExecutor host(c);
  GenConfig cfg;
  cfg.executors = {"cuda"};
  CaseGenerator gen(c, cfg);
  for (uint64_t i = 0; i < 100; ++i) {
    const GeneratedCase gc = gen.generate(5, i);
    const auto inputs = case_inputs(gc.cf, c);
    const RunResult a = dev->run(gc.cf.graph, inputs), b = host.run(gc.cf.graph, inputs);
    ASSERT_EQ(a.outputs.size(), b.outputs.size());
    for (size_t o = 0; o < a.outputs.size(); ++o) {
      ASSERT_EQ(a.outputs[o].shape, b.outputs[o].shape) << gc.id;
      double scale = 1;
      for (double v : b.outputs[o].data) scale = std::isfinite(v) ? std::max(scale, std::fabs(v)) : scale;
      for (int64_t e = 0; e < a.outputs[o].size(); ++e) {
        const double x = a.outputs[o][e], y = b.outputs[o][e];
        if (std::isnan(x) && std::isnan(y)) continue;
        ASSERT_NEAR(x, y, 1e-3 * scale) << gc.id << " output " << o << " element " << e;
      }
    }
  }
}

TEST(CudaDevice, ArenaIsReusedAcrossCases) {
  PARITY_REQUIRE_CUDA_DEVICE();
  DeviceArena arena;
  void* a = arena.alloc(1000);
  arena.alloc(size_t(40) << 20);  // forces a second block
  const size_t cap = arena.capacity();
  arena.reset();
  EXPECT_EQ(arena.capacity(), cap);  // one block of the total now
  void* b = arena.alloc(1000);
  EXPECT_NE(b, nullptr);
  arena.reset();
  EXPECT_EQ(arena.alloc(1000), b);  // same address: nothing new allocated
  (void)a;
}

TEST(CudaDevice, Tf32FlagIsReported) {
  PARITY_REQUIRE_CUDA_DEVICE();
  ExecutorOptions on;
  on.cuda_tf32 = true;
  auto ex = make_executor("cuda", on);
  ProbeOptions po;
  po.ops = {"Dense"};
  ex->run(build_probes(default_catalog(), po).probes.at(0).cf.graph,
          case_inputs(build_probes(default_catalog(), po).probes.at(0).cf, default_catalog()));
  EXPECT_NE(ex->version().find("TF32 on"), std::string::npos) << ex->version();
}

}  // namespace
}  // namespace parity::cuda
