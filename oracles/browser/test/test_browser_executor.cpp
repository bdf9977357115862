// The browser executors against real TF.js 4.22 in a real headless Chromium (WebGL2 and WebGPU through
// SwiftShader here): agreement with ref64, float16 textures costing float16 accuracy, intermediates, and
// every way the browser can fail (killed mid-run, a page that never answers, a lost WebGL context) giving
// the right exception while the next case still runs. Tests needing Chromium skip with the reason when it
// is not installed; no Chromium is SKIPPED (ExecutorUnavailable) with the reason.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cmath>
#include <thread>

#include "harness/core/error.h"
#include "harness/test/tfjs_test_graphs.h"
#include "harness/engine/compare.h"
#include "oracles/browser/base64.h"
#include "oracles/browser/browser_executor.h"
#include "oracles/ref/ref_executor.h"

using namespace parity;
using nlohmann::json;

namespace {

const Catalog& cat() { return default_catalog(); }
using parity::testing::dense_conv_graph;
using parity::testing::tf_op_graph;

#define REQUIRE_CHROMIUM()                                                                       \
  do {                                                                                           \
    if (auto why_ = ::parity::resolve_chromium(::parity::ChromiumOptions{}).unavailable)         \
      GTEST_SKIP() << "Chromium unavailable: " << *why_;                                         \
    if (!std::filesystem::exists(std::filesystem::path(PARITY_SOURCE_DIR) /                      \
                                 "oracles/tfjs/worker/node_modules/@tensorflow/tfjs-backend-webgl")) \
      GTEST_SKIP() << "TF.js is not installed: run `npm ci` in oracles/tfjs/worker";             \
  } while (0)

// One executor per name for the whole process (a browser start costs about a second).
BrowserExecutor& shared(const std::string& name) {
  static std::map<std::string, std::unique_ptr<BrowserExecutor>> execs;
  auto& e = execs[name];
  if (!e) {
    BrowserExecutorOptions o;
    o.backend = name == "tfjs-webgpu" ? "webgpu" : "webgl";
    o.f16 = name == "tfjs-webgl-f16";
    e = std::make_unique<BrowserExecutor>(o);
  }
  return *e;
}

std::unique_ptr<BrowserExecutor> faulty(double timeout_s) {
  BrowserExecutorOptions o;
  o.test_faults = true;
  o.request_timeout_s = timeout_s;
  o.explicit_timeout = true;
  return std::make_unique<BrowserExecutor>(o);
}

std::vector<Tensor<double>> inputs_for(const Graph& g, int64_t batch, double lo, double hi) {
  std::vector<Tensor<double>> xs;
  uint32_t s = 12345;
  for (ValueId v : g.inputs) {
    Tensor<double> t(with_batch(g.values[v].shape, batch));
    for (auto& d : t.data) {
      s = s * 1664525u + 1013904223u;
      d = static_cast<float>(lo + (hi - lo) * (s >> 8) / double(1u << 24));
    }
    xs.push_back(std::move(t));
  }
  return xs;
}

// The worst relative error |got - want| / (1 + |want|) over all elements.
double worst_error(const Tensor<double>& got, const Tensor<double>& want) {
  EXPECT_EQ(got.shape, want.shape);
  double worst = 0;
  for (int64_t i = 0; i < want.size() && i < got.size(); ++i)
    worst = std::max(worst, std::abs(got[i] - want[i]) / (1 + std::abs(want[i])));
  return worst;
}

double run_against_ref(BrowserExecutor& e, const Graph& g) {
  const auto xs = inputs_for(g, 2, -1, 1);
  const RunResult want = make_executor("ref64")->run(g, xs);
  const RunResult got = e.run(g, xs);
  EXPECT_EQ(got.outputs.size(), want.outputs.size());
  double worst = 0;
  for (size_t i = 0; i < want.outputs.size() && i < got.outputs.size(); ++i)
    worst = std::max(worst, worst_error(got.outputs[i], want.outputs[i]));
  return worst;
}

TEST(Base64, RoundTripsEveryLengthAndRejectsGarbage) {
  std::string bytes;
  for (int n = 0; n < 70; ++n) {
    std::string back;
    ASSERT_TRUE(base64_decode(base64_encode(bytes), back)) << n;
    EXPECT_EQ(back, bytes) << n;
    bytes.push_back(static_cast<char>(n * 37 + 200));
  }
  EXPECT_EQ(base64_encode("Man"), "TWFu");
  EXPECT_EQ(base64_encode("Ma"), "TWE=");
  std::string out;
  EXPECT_FALSE(base64_decode("TWF", out));
  EXPECT_FALSE(base64_decode("TW!u", out));
  EXPECT_FALSE(base64_decode("TW=u", out));
}

// float16 rounding of the reference (tfjs-webgl-f16): 11 significant bits, ties to even, subnormals down to
// 2^-24, overflow to inf past 65520 (half-way between 65504 and 2^16).
TEST(Float16, RoundToPrecision) {
  EXPECT_EQ(round_to_precision(1 + 0x1p-11, DType::F16), 1.0);               // tie: to even
  EXPECT_EQ(round_to_precision(1 + 3 * 0x1p-11, DType::F16), 1 + 0x1p-9);    // tie: to even (up)
  EXPECT_EQ(round_to_precision(1 + 0x1p-11 + 0x1p-20, DType::F16), 1 + 0x1p-10);
  EXPECT_EQ(round_to_precision(-2049.0, DType::F16), -2048.0);               // spacing 2 above 2048
  EXPECT_EQ(round_to_precision(65504.0, DType::F16), 65504.0);
  EXPECT_EQ(round_to_precision(65519.0, DType::F16), 65504.0);
  EXPECT_TRUE(std::isinf(round_to_precision(65520.0, DType::F16)));
  EXPECT_EQ(round_to_precision(3 * 0x1p-26, DType::F16), 0x1p-24);          // subnormal spacing 2^-24
  EXPECT_EQ(round_to_precision(0x1p-26, DType::F16), 0.0);
  EXPECT_EQ(round_to_precision(1 + 0x1p-30, DType::F32), 1.0);
  EXPECT_TRUE(std::isnan(round_to_precision(std::nan(""), DType::F16)));
}

// float16 budgets: the same rules with u = 2^-11, so about 2^13 times the float32 ones; an f16-rounded
// result passes them and fails the float32 ones.
TEST(Float16, BudgetsAndVerdicts) {
  const Graph g = dense_conv_graph();
  const auto xs = inputs_for(g, 2, -1, 1);
  const Reference r32 = compute_reference(g, cat(), default_kernels(), xs, DType::F32);
  const Reference r16 = compute_reference(g, cat(), default_kernels(), xs, DType::F16);
  EXPECT_EQ(r16.precision, DType::F16);
  const ValueId out = g.outputs[0];
  for (int64_t i = 0; i < r32.budgets.at(out).size(); ++i) {
    EXPECT_GT(r16.budgets.at(out)[i], 1000 * r32.budgets.at(out)[i]);
    EXPECT_LT(r16.budgets.at(out)[i], 1e5 * r32.budgets.at(out)[i] + 1e-6);
  }
  RunResult got;
  got.outputs = {r16.values.at(out)};
  for (double& v : got.outputs[0].data) v = round_to_precision(v * (1 + 0x1p-11), DType::F16);  // about one f16 ulp off
  const Comparator cmp;
  EXPECT_EQ(cmp.compare(g, r16, got).disposition, Disposition::Passed);
  EXPECT_EQ(cmp.compare(g, r32, got).disposition, Disposition::Diverged);
}

TEST(BrowserExecutor, RegisteredWithTheirComputeDtypes) {
  EXPECT_EQ(make_executor("tfjs-webgl")->compute_dtype(), DType::F32);
  EXPECT_EQ(make_executor("tfjs-webgpu")->compute_dtype(), DType::F32);
  EXPECT_EQ(make_executor("tfjs-webgl-f16")->compute_dtype(), DType::F16);
  EXPECT_EQ(make_executor("tfjs-webgl-f16")->name(), "tfjs-webgl-f16");
}

TEST(BrowserExecutor, NoChromiumIsUnavailableWithTheReason) {
  BrowserExecutorOptions o;
  o.chromium.binary = "/nonexistent/chromium";
  BrowserExecutor e(o);
  const Graph g = tf_op_graph();
  try {
    e.run(g, inputs_for(g, 1, 0, 1));
    FAIL() << "expected ExecutorUnavailable";
  } catch (const ExecutorUnavailable& ex) {
    EXPECT_NE(std::string(ex.what()).find("/nonexistent/chromium"), std::string::npos) << ex.what();
  }
  EXPECT_EQ(e.version(), "");
}

TEST(BrowserExecutor, WebglAgreesWithRef64AndReportsVersions) {
  REQUIRE_CHROMIUM();
  BrowserExecutor& e = shared("tfjs-webgl");
  const json& h = e.hello();
  EXPECT_EQ(h.at("backend"), "webgl");
  EXPECT_EQ(h.at("versions").at("tfjs-core"), "4.22.0");
  EXPECT_EQ(h.at("versions").at("tfjs-backend-webgl"), "4.22.0");
  EXPECT_EQ(h.at("flags").at("WEBGL_RENDER_FLOAT32_ENABLED"), true);
  EXPECT_GT(h.at("chained_ops").at("installed").get<int>(), 100);
  EXPECT_NE(e.version().find("Chrom"), std::string::npos) << e.version();
  EXPECT_LE(run_against_ref(e, dense_conv_graph()), 1e-5);
  EXPECT_LE(run_against_ref(e, tf_op_graph()), 1e-5);
  EXPECT_GT(e.last_timing().page, 0);
  EXPECT_GE(e.last_timing().round_trip, e.last_timing().page);
}

TEST(BrowserExecutor, WebgpuAgreesWithRef64) {
  REQUIRE_CHROMIUM();
  BrowserExecutor& e = shared("tfjs-webgpu");
  EXPECT_EQ(e.hello().at("backend"), "webgpu");
  EXPECT_LE(run_against_ref(e, dense_conv_graph()), 1e-5);
  EXPECT_LE(run_against_ref(e, tf_op_graph()), 1e-5);
}

// float16 textures: within float16 accuracy of ref64, and visibly worse than float32 (the flag took).
TEST(BrowserExecutor, WebglF16CostsFloat16Accuracy) {
  REQUIRE_CHROMIUM();
  BrowserExecutor& e = shared("tfjs-webgl-f16");
  EXPECT_EQ(e.hello().at("flags").at("WEBGL_FORCE_F16_TEXTURES"), true);
  const double err16 = run_against_ref(e, dense_conv_graph());
  const double err32 = run_against_ref(shared("tfjs-webgl"), dense_conv_graph());
  EXPECT_LE(err16, 1e-2);
  EXPECT_GT(err16, 1e-5);
  EXPECT_GT(err16, 10 * err32);
}

TEST(BrowserExecutor, IntermediatesOfEveryLayer) {
  REQUIRE_CHROMIUM();
  const Graph g = dense_conv_graph();
  const auto xs = inputs_for(g, 2, -1, 1);
  RunOptions o;
  o.want_intermediates = true;
  const RunResult want = make_executor("ref64")->run(g, xs, o);
  const RunResult got = shared("tfjs-webgl").run(g, xs, o);
  size_t compared = 0;
  for (const Node& n : g.nodes) {
    if (n.op == "InputLayer") continue;
    for (ValueId v : n.outputs) {
      ASSERT_TRUE(got.intermediates.count(v)) << n.name;
      EXPECT_LE(worst_error(got.intermediates.at(v), want.intermediates.at(v)), 1e-5) << n.name;
      ++compared;
    }
  }
  EXPECT_EQ(compared, 5u);
}

TEST(BrowserExecutor, UnknownLayerIsUnsupported) {
  REQUIRE_CHROMIUM();
  // GRU with reset_after (Keras 2's default): TF.js's GRUCell refuses it, classified by model_run.js.
  Graph h;
  ValueId x = h.add_input(cat(), "x", {kBatch, 4, 3});
  h.outputs = {h.add(cat(), "gru", "GRU", {{"units", 2}, {"reset_after", true}}, {x})};
  fill_random_weights(h, cat(), 3);
  EXPECT_THROW(shared("tfjs-webgl").run(h, inputs_for(h, 1, -1, 1)), UnsupportedOpError);
  EXPECT_LE(run_against_ref(shared("tfjs-webgl"), tf_op_graph()), 1e-5);  // and the page goes on
}

TEST(BrowserFaults, PageThatNeverAnswersTimesOutAndTheNextCaseRuns) {
  REQUIRE_CHROMIUM();
  auto e = faulty(3);
  const Graph g = tf_op_graph();
  EXPECT_LE(run_against_ref(*e, g), 1e-5);
  const pid_t first = e->chromium().pid();
  e->inject_fault("hang");
  const auto t0 = std::chrono::steady_clock::now();
  try {
    e->run(g, inputs_for(g, 1, 0, 1));
    FAIL() << "expected a timeout";
  } catch (const ExecutorError& ex) {
    EXPECT_EQ(ex.kind, "timeout") << ex.what();
  }
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 10);
  EXPECT_LE(run_against_ref(*e, g), 1e-5);
  EXPECT_NE(e->chromium().pid(), first);
  EXPECT_EQ(e->chromium().launches(), 2);
}

TEST(BrowserFaults, BrowserKilledMidRunIsCrashAndTheNextCaseRuns) {
  REQUIRE_CHROMIUM();
  auto e = faulty(30);
  const Graph g = tf_op_graph();
  EXPECT_LE(run_against_ref(*e, g), 1e-5);
  const pid_t pid = e->chromium().pid();
  ASSERT_GT(pid, 0);
  e->inject_fault("hang");  // keeps the request in flight until the kill
  std::thread killer([pid] {
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    ::kill(pid, SIGKILL);
  });
  const auto t0 = std::chrono::steady_clock::now();
  try {
    e->run(g, inputs_for(g, 1, 0, 1));
    ADD_FAILURE() << "expected a crash";
  } catch (const ExecutorError& ex) {
    EXPECT_EQ(ex.kind, "crash") << ex.what();
  }
  killer.join();
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 10);
  EXPECT_LE(run_against_ref(*e, g), 1e-5);
  EXPECT_EQ(e->chromium().launches(), 2);
}

TEST(BrowserFaults, LostWebglContextIsErroredAndTheNextCaseRuns) {
  REQUIRE_CHROMIUM();
  auto e = faulty(30);
  const Graph g = dense_conv_graph();
  EXPECT_LE(run_against_ref(*e, g), 1e-5);
  e->inject_fault("lose_context");
  try {
    e->run(g, inputs_for(g, 1, 0, 1));
    FAIL() << "expected context_lost";
  } catch (const ExecutorError& ex) {
    EXPECT_EQ(ex.kind, "context_lost") << ex.what();
    EXPECT_NE(std::string(ex.what()).find("WebGL context lost"), std::string::npos) << ex.what();
  }
  EXPECT_LE(run_against_ref(*e, g), 1e-5);
  EXPECT_EQ(e->chromium().launches(), 2);
}

// Faults are test hooks only: a page started without them ignores the field.
TEST(BrowserFaults, IgnoredUnlessEnabled) {
  REQUIRE_CHROMIUM();
  BrowserExecutor& e = shared("tfjs-webgl");
  e.inject_fault("hang");
  EXPECT_LE(run_against_ref(e, tf_op_graph()), 1e-5);
}

}  // namespace
