// The TF.js executors against real TF.js 4.22 in a persistent Node worker: versions, agreement with ref64,
// UNSUPPORTED from TF.js's own rejections, intermediates, and every way the worker can fail (exit, hang,
// garbage on stdout, SIGKILL from outside) turning into the right exception while the next case still
// runs. Tests needing node skip with the reason when node or the TF.js installation is absent.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <thread>

#include "harness/core/error.h"
#include "harness/test/tfjs_test_graphs.h"
#include "oracles/ref/ref_executor.h"
#include "oracles/tfjs/tfjs_executor.h"
#include "harness/test/tfjs_available.h"

using namespace parity;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const Catalog& cat() { return default_catalog(); }
using parity::testing::dense_conv_graph;
using parity::testing::tf_op_graph;

// One executor per backend for the whole process (a worker start costs ~0.2 s).
TfjsExecutor& shared(const std::string& backend) {
  static std::map<std::string, std::unique_ptr<TfjsExecutor>> execs;
  auto& e = execs[backend];
  if (!e) e = std::make_unique<TfjsExecutor>(backend, cat());
  return *e;
}

// An executor whose worker honours the "fault" request field.
std::unique_ptr<TfjsExecutor> faulty(const std::string& backend = "cpu") {
  TfjsExecutorOptions o;
  o.worker.test_faults = true;
  return std::make_unique<TfjsExecutor>(backend, cat(), o);
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

// A wide Dense (weights and outputs far beyond a 64 KiB pipe buffer).
Graph wide_dense_graph() {
  Graph g;
  ValueId x = g.add_input(cat(), "x", {kBatch, 256});
  x = g.add(cat(), "wide", "Dense", {{"units", 256}, {"activation", "relu"}}, {x});
  g.outputs = {x};
  fill_random_weights(g, cat(), 11);
  return g;
}

Graph subtract_graph() {
  Graph g;
  ValueId a = g.add_input(cat(), "a", {kBatch, 4});
  ValueId b = g.add_input(cat(), "b", {kBatch, 4});
  g.outputs = {g.add(cat(), "diff", "Subtract", json::object(), {a, b})};
  return g;
}

// float32 computation of small models: within a few float32 ulps of the magnitudes involved.
void expect_close(const Tensor<double>& got, const Tensor<double>& want, double tol, const std::string& what) {
  ASSERT_EQ(got.shape, want.shape) << what;
  double worst = 0;
  for (int64_t i = 0; i < want.size(); ++i) worst = std::max(worst, std::abs(got[i] - want[i]) / (1 + std::abs(want[i])));
  EXPECT_LE(worst, tol) << what;
}

RunResult ref64(const Graph& g, const std::vector<Tensor<double>>& xs, bool intermediates = false) {
  auto ref = make_executor("ref64");
  RunOptions o;
  o.want_intermediates = intermediates;
  return ref->run(g, xs, o);
}

void expect_matches_ref(TfjsExecutor& e, const Graph& g, int64_t batch, double lo, double hi, double tol = 2e-6) {
  const auto xs = inputs_for(g, batch, lo, hi);
  const RunResult want = ref64(g, xs);
  const RunResult got = e.run(g, xs);
  ASSERT_EQ(got.outputs.size(), want.outputs.size());
  for (size_t i = 0; i < want.outputs.size(); ++i)
    expect_close(got.outputs[i], want.outputs[i], tol, e.name() + " output " + std::to_string(i));
}

// Waits until the (child) process can be reaped, without reaping it: the client must find it dead. A
// zombie thread-group leader is not enough: node's other threads may still be exiting.
void wait_dead(pid_t pid) {
  for (int i = 0; i < 5000; ++i) {
    siginfo_t info{};
    if (waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == pid) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

TEST(TfjsWorker, HelloReportsVersionBackendAndChainedOps) {
  REQUIRE_WORKER();
  for (const std::string backend : {"cpu", "wasm"}) {
    const json& h = shared(backend).client().hello();
    EXPECT_EQ(h.at("backend"), backend);
    EXPECT_EQ(h.at("versions").at("tfjs-core"), "4.22.0");
    EXPECT_EQ(h.at("versions").at("tfjs-layers"), "4.22.0");
    EXPECT_EQ(h.at("versions").at("tfjs-converter"), "4.22.0");
    EXPECT_EQ(h.at("versions").at("tfjs-backend-" + backend), "4.22.0");
    EXPECT_GT(h.at("chained_ops").at("installed").get<int>(), 100);
    EXPECT_TRUE(h.at("chained_ops").at("missing").empty()) << h.dump();
    EXPECT_FALSE(h.at("faults_enabled").get<bool>());
    const std::string v = shared(backend).version();
    EXPECT_NE(v.find("tfjs-core 4.22.0"), std::string::npos) << v;
    EXPECT_NE(v.find("node v"), std::string::npos) << v;
  }
}

TEST(TfjsWorker, NamesAndDeclaredSupport) {
  EXPECT_EQ(make_executor("tfjs-cpu")->name(), "tfjs-cpu");
  EXPECT_EQ(make_executor("tfjs-wasm")->name(), "tfjs-wasm");
  EXPECT_EQ(make_executor("tfjs-cpu")->compute_dtype(), DType::F32);
  EXPECT_FALSE(make_executor("tfjs-wasm")->unsupported_reason("Subtract").has_value());  // measured, not declared
  EXPECT_THROW(TfjsExecutor("webgl"), ParityError);
}

TEST(TfjsWorker, NoNodeOrNoTfjsIsUnavailable) {
  const Graph g = dense_conv_graph();
  const auto xs = inputs_for(g, 2, -1, 1);
  TfjsExecutorOptions no_node;
  no_node.worker.node = "/nonexistent/node";
  TfjsExecutor a("cpu", cat(), no_node);
  try {
    a.run(g, xs);
    ADD_FAILURE() << "expected ExecutorUnavailable";
  } catch (const ExecutorUnavailable& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/node"), std::string::npos) << e.what();
  }
  EXPECT_EQ(a.version(), "");
  REQUIRE_WORKER();
  TfjsExecutorOptions no_tfjs;
  no_tfjs.worker.tfjs_dir = fs::temp_directory_path();
  TfjsExecutor b("cpu", cat(), no_tfjs);
  EXPECT_THROW(b.run(g, xs), ExecutorUnavailable);
}

TEST(TfjsWorker, DenseConvMatchesRef64OnCpuAndWasm) {
  REQUIRE_WORKER();
  for (const std::string backend : {"cpu", "wasm"}) {
    expect_matches_ref(shared(backend), dense_conv_graph(), 3, -1, 1);
    // ~72 KiB in, ~72 KiB out; 256-term sums in float32 (wasm's XNNPACK reorders them): K * eps = 1.5e-5
    expect_matches_ref(shared(backend), wide_dense_graph(), 70, -1, 1, 1.5e-5);
  }
}

TEST(TfjsWorker, GraphModelMatchesRef64WithIntermediates) {
  REQUIRE_WORKER();
  const Graph g = tf_op_graph();
  const auto xs = inputs_for(g, 4, -3, 3);
  const RunResult want = ref64(g, xs, true);
  RunOptions o;
  o.want_intermediates = true;
  for (const std::string backend : {"cpu", "wasm"}) {
    const RunResult got = shared(backend).run(g, xs, o);
    ASSERT_EQ(got.outputs.size(), 1u);
    expect_close(got.outputs[0], want.outputs[0], 2e-6, backend);
    for (const Node& n : g.nodes) {
      if (n.op == "InputLayer") continue;
      const ValueId v = n.outputs[0];
      ASSERT_TRUE(got.intermediates.count(v)) << backend << ": no intermediate for " << n.name;
      expect_close(got.intermediates.at(v), want.intermediates.at(v), 2e-6, backend + " " + n.name);
    }
  }
}

TEST(TfjsWorker, LayersModelIntermediatesAreEveryLayerOutput) {
  REQUIRE_WORKER();
  const Graph g = dense_conv_graph();
  const auto xs = inputs_for(g, 2, -1, 1);
  const RunResult want = ref64(g, xs, true);
  RunOptions o;
  o.want_intermediates = true;
  const RunResult got = shared("cpu").run(g, xs, o);
  for (const Node& n : g.nodes) {
    if (n.op == "InputLayer") continue;
    ASSERT_TRUE(got.intermediates.count(n.outputs[0])) << "no intermediate for " << n.name;
    expect_close(got.intermediates.at(n.outputs[0]), want.intermediates.at(n.outputs[0]), 2e-6, n.name);
  }
  EXPECT_TRUE(shared("cpu").run(g, xs).intermediates.empty());  // only when asked for
}

TEST(TfjsWorker, SubtractIsUnsupportedInTfjsWords) {
  REQUIRE_WORKER();
  const Graph g = subtract_graph();
  for (const std::string backend : {"cpu", "wasm"}) {
    try {
      shared(backend).run(g, inputs_for(g, 2, -1, 1));
      ADD_FAILURE() << "expected UnsupportedOpError";
    } catch (const UnsupportedOpError& e) {
      EXPECT_EQ(e.op, "Subtract");
      EXPECT_NE(std::string(e.what()).find("Unknown layer: Subtract"), std::string::npos) << e.what();
    }
  }
  expect_matches_ref(shared("cpu"), dense_conv_graph(), 2, -1, 1);  // and the next case runs
}

// A hand-written graph-model whose middle node TF.js has no op for (it fails when executed).
json unknown_op_graph_request() {
  const json f32 = {{"type", "DT_FLOAT"}};
  json nodes = json::array({
      {{"name", "x"}, {"op", "Placeholder"}, {"attr", {{"dtype", f32}, {"shape", {{"shape", {{"dim", {{{"size", "-1"}}, {{"size", "3"}}}}}}}}}}},
      {{"name", "y"}, {"op", "Erfinv"}, {"input", {"x"}}, {"attr", {{"T", f32}}}},
      {{"name", "out"}, {"op", "Identity"}, {"input", {"y"}}, {"attr", {{"T", f32}}}},
  });
  json model = {{"format", "graph-model"},
                {"modelTopology", {{"node", nodes}, {"library", json::object()}, {"versions", {{"producer", 1286}}}}},
                {"weightsManifest", json::array()}};
  return {{"cmd", "run"}, {"format", "graph"}, {"model", model}, {"weights", {{"offset", 0}, {"bytes", 0}}},
          {"inputs", {{{"shape", {2, 3}}, {"offset", 0}, {"bytes", 24}}}}, {"input_names", {"x"}},
          {"output_names", {"out"}}};
}

TEST(TfjsWorker, GraphModelUnknownOpIsUnsupported) {
  REQUIRE_WORKER();
  const std::vector<uint8_t> x(24, 0);
  for (const std::string backend : {"cpu", "wasm"}) {
    const WorkerMessage m = shared(backend).client().request(unknown_op_graph_request(), x);
    EXPECT_FALSE(m.header.at("ok").get<bool>());
    EXPECT_EQ(m.header.value("kind", ""), "unsupported") << m.header.dump();
    EXPECT_EQ(m.header.value("op", ""), "Erfinv") << m.header.dump();
    EXPECT_NE(m.header.value("message", "").find("Unknown op 'Erfinv'"), std::string::npos) << m.header.dump();
  }
}

// A one-layer LSTM(2) over [N, 4, 3] as a layers-model request, with or without weights.
json lstm_request(bool with_weights, size_t weight_bytes) {
  json layers = json::array({
      {{"class_name", "InputLayer"}, {"name", "x"}, {"inbound_nodes", json::array()},
       {"config", {{"name", "x"}, {"batch_input_shape", {nullptr, 4, 3}}, {"dtype", "float32"}}}},
      {{"class_name", "LSTM"}, {"name", "lstm"}, {"inbound_nodes", {{{"x", 0, 0, json::object()}}}},
       {"config", {{"name", "lstm"}, {"units", 2}, {"recurrent_initializer", {{"class_name", "Orthogonal"}, {"config", {{"gain", 1.0}, {"seed", nullptr}}}}}}}},
  });
  json model = {{"format", "layers-model"},
                {"modelTopology", {{"model_config", {{"class_name", "Functional"}, {"config", {{"name", "m"}, {"layers", layers},
                  {"input_layers", {{"x", 0, 0}}}, {"output_layers", {{"lstm", 0, 0}}}}}}}}}};
  if (with_weights)
    model["weightsManifest"] = {{{"paths", {"w.bin"}}, {"weights", {
        {{"name", "lstm/kernel"}, {"shape", {3, 8}}, {"dtype", "float32"}},
        {{"name", "lstm/recurrent_kernel"}, {"shape", {2, 8}}, {"dtype", "float32"}},
        {{"name", "lstm/bias"}, {"shape", {8}}, {"dtype", "float32"}}}}}};
  return {{"cmd", "run"}, {"format", "layers"}, {"model", model}, {"weights", {{"offset", 0}, {"bytes", weight_bytes}}},
          {"inputs", {{{"shape", {2, 4, 3}}, {"offset", weight_bytes}, {"bytes", 4 * 2 * 4 * 3}}}}};
}

std::vector<float> floats(const WorkerMessage& m) {
  std::vector<float> f(m.payload.size() / 4);
  std::memcpy(f.data(), m.payload.data(), 4 * f.size());
  return f;
}

// Without weights TF.js initializes the LSTM itself, and its recurrent kernel's Orthogonal initializer
// calls Tensor#flatten: this fails ("rMat.flatten is not a function") unless the worker installed
// tfjs-core's chained ops, which the lean package set lacks. (With weights TF.js skips initializers.)
TEST(TfjsWorker, LstmInitializersRunSoChainedOpsAreRegistered) {
  REQUIRE_WORKER();
  const std::vector<uint8_t> x(4 * 2 * 4 * 3, 0);
  for (const std::string backend : {"cpu", "wasm"}) {
    const WorkerMessage m = shared(backend).client().request(lstm_request(false, 0), x);
    ASSERT_TRUE(m.header.value("ok", false)) << m.header.dump();
    EXPECT_EQ(m.header.at("outputs").at(0).at("shape"), json({2, 2}));
    for (float f : floats(m)) EXPECT_TRUE(std::isfinite(f));
  }
}

// Zero kernels and a cell-input bias of 1 give h = 0.5 tanh(tanh(1) (1/2 + 1/4 + 1/8 + 1/16)) after four
// steps (every gate is sigmoid(0) = 1/2).
TEST(TfjsWorker, LstmWithWeightsMatchesHandComputation) {
  REQUIRE_WORKER();
  std::vector<float> w(24 + 16 + 8, 0.0f);
  w[40 + 4] = w[40 + 5] = 1.0f;  // bias blocks i, f, c, o: c = 1
  std::vector<float> x(2 * 4 * 3, 0.25f);
  std::vector<uint8_t> payload(4 * (w.size() + x.size()));
  std::memcpy(payload.data(), w.data(), 4 * w.size());
  std::memcpy(payload.data() + 4 * w.size(), x.data(), 4 * x.size());
  const double want = 0.5 * std::tanh(std::tanh(1.0) * 0.9375);
  for (const std::string backend : {"cpu", "wasm"}) {
    const WorkerMessage m = shared(backend).client().request(lstm_request(true, 4 * w.size()), payload);
    ASSERT_TRUE(m.header.value("ok", false)) << m.header.dump();
    EXPECT_EQ(m.header.at("outputs").at(0).at("shape"), json({2, 2}));
    const std::vector<float> h = floats(m);
    ASSERT_EQ(h.size(), 4u);
    for (float f : h) EXPECT_NEAR(f, want, 1e-6) << backend;
  }
}

TEST(TfjsWorker, MemoryStaysFlatAcrossRuns) {
  REQUIRE_WORKER();
  TfjsExecutor& e = shared("wasm");
  const Graph g = dense_conv_graph();
  const auto xs = inputs_for(g, 2, -1, 1);
  for (int i = 0; i < 5; ++i) e.run(g, xs);
  EXPECT_THROW(e.run(subtract_graph(), inputs_for(subtract_graph(), 1, 0, 1)), UnsupportedOpError);
  const WorkerMessage h = e.client().request({{"cmd", "hello"}});
  EXPECT_EQ(h.header.at("tensors").get<int>(), 0) << "tensors left alive in the worker";
}

// --- faults: each gives its ExecutorError kind, and the next case runs on a fresh worker ---------------

void expect_fault(TfjsExecutor& e, const std::string& fault, const std::string& kind, const std::string& says,
                  double timeout_s = -1) {
  const int starts = e.client().starts();
  const auto t0 = std::chrono::steady_clock::now();
  try {
    e.client().request({{"cmd", "hello"}, {"fault", fault}}, {}, timeout_s);
    ADD_FAILURE() << fault << ": expected ExecutorError(" << kind << ")";
  } catch (const ExecutorError& err) {
    EXPECT_EQ(err.kind, kind) << err.what();
    EXPECT_NE(std::string(err.what()).find(says), std::string::npos) << err.what();
  }
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 5.0);
  EXPECT_EQ(e.client().pid(), 0) << "the failed worker must be gone";
  expect_matches_ref(e, dense_conv_graph(), 2, -1, 1);
  EXPECT_EQ(e.client().starts(), starts + 1);
}

TEST(TfjsWorkerFaults, WorkerExitingMidRequestIsCrash) {
  REQUIRE_WORKER();
  auto e = faulty();
  expect_matches_ref(*e, dense_conv_graph(), 2, -1, 1);
  expect_fault(*e, "exit", "crash", "exited with status 3");
}

TEST(TfjsWorkerFaults, HangingRequestIsTimeout) {
  REQUIRE_WORKER();
  auto e = faulty("wasm");
  expect_matches_ref(*e, dense_conv_graph(), 2, -1, 1);
  expect_fault(*e, "hang", "timeout", "no reply within 0.5 s", 0.5);
}

TEST(TfjsWorkerFaults, GarbageOnStdoutIsProtocolError) {
  REQUIRE_WORKER();
  auto e = faulty();
  expect_matches_ref(*e, dense_conv_graph(), 2, -1, 1);
  expect_fault(*e, "garbage", "protocol", "this is not a frame");
}

TEST(TfjsWorkerFaults, StrayConsoleLogGoesToStderr) {
  REQUIRE_WORKER();
  auto e = faulty();
  const WorkerMessage m = e->client().request({{"cmd", "hello"}, {"fault", "log"}});
  EXPECT_TRUE(m.header.value("ok", false));
  EXPECT_NE(e->client().stderr_tail().find("stray console.log"), std::string::npos);
  expect_matches_ref(*e, dense_conv_graph(), 2, -1, 1);
  EXPECT_EQ(e->client().starts(), 1);
}

// A WebAssembly trap is an ordinary exception for its case, but the worker is replaced afterwards: the
// wasm module's memory may be corrupt.
TEST(TfjsWorkerFaults, WasmTrapReplacesTheWorker) {
  REQUIRE_WORKER();
  auto e = faulty("wasm");
  expect_matches_ref(*e, dense_conv_graph(), 2, -1, 1);
  const WorkerMessage m = e->client().request({{"cmd", "hello"}, {"fault", "wasm_trap"}});
  EXPECT_FALSE(m.header.value("ok", true));
  EXPECT_EQ(m.header.value("kind", ""), "exception");
  EXPECT_NE(m.header.value("message", "").find("RuntimeError: memory access out of bounds"), std::string::npos);
  EXPECT_EQ(e->client().pid(), 0);
  expect_matches_ref(*e, dense_conv_graph(), 2, -1, 1);
  EXPECT_EQ(e->client().starts(), 2);
}

TEST(TfjsWorkerFaults, FaultsAreIgnoredUnlessEnabled) {
  REQUIRE_WORKER();
  const WorkerMessage m = shared("cpu").client().request({{"cmd", "hello"}, {"fault", "exit"}});
  EXPECT_TRUE(m.header.value("ok", false));
}

// Decision: a worker found dead between requests is replaced before the next case is sent, so that case
// runs normally (no disposition is charged to a case that never reached the worker).
TEST(TfjsWorkerFaults, KilledBetweenRequestsRestartsTransparently) {
  REQUIRE_WORKER();
  auto e = faulty();
  expect_matches_ref(*e, dense_conv_graph(), 2, -1, 1);
  const pid_t pid = e->client().pid();
  ASSERT_GT(pid, 0);
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  wait_dead(pid);
  expect_matches_ref(*e, dense_conv_graph(), 2, -1, 1);
  EXPECT_EQ(e->client().starts(), 2);
  EXPECT_NE(e->client().pid(), pid);
}

// SIGKILL while the request is in flight (here: while it hangs) is a crash of that case.
TEST(TfjsWorkerFaults, KilledMidRequestIsCrash) {
  REQUIRE_WORKER();
  auto e = faulty();
  expect_matches_ref(*e, dense_conv_graph(), 2, -1, 1);
  const pid_t pid = e->client().pid();
  std::thread killer([pid] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    kill(pid, SIGKILL);
  });
  try {
    e->client().request({{"cmd", "hello"}, {"fault", "hang"}}, {}, 10);
    ADD_FAILURE() << "expected ExecutorError(crash)";
  } catch (const ExecutorError& err) {
    EXPECT_EQ(err.kind, "crash") << err.what();
    EXPECT_NE(std::string(err.what()).find("signal 9"), std::string::npos) << err.what();
  }
  killer.join();
  expect_matches_ref(*e, dense_conv_graph(), 2, -1, 1);
}

// Split-phase runs (what evaluate_case does): requests to both workers are in flight at once, the replies
// are the same bits as plain runs, and the wide model's replies (beyond a pipe buffer) do not deadlock.
TEST(TfjsWorker, SplitRunsOnBothWorkersAtOnceMatchPlainRuns) {
  REQUIRE_WORKER();
  TfjsExecutor& cpu = shared("cpu");
  TfjsExecutor& wasm = shared("wasm");
  for (const Graph& g : {dense_conv_graph(), wide_dense_graph(), tf_op_graph()}) {
    const auto xs = inputs_for(g, 3, -1, 1);
    const RunResult plain_cpu = cpu.run(g, xs), plain_wasm = wasm.run(g, xs);
    const auto tc = cpu.start_run(g, xs);
    const auto tw = wasm.start_run(g, xs);
    const RunResult split_wasm = wasm.finish_run(tw);  // in the other order than sent: each worker has its own pipe
    const RunResult split_cpu = cpu.finish_run(tc);
    ASSERT_EQ(split_cpu.outputs.size(), 1u);
    ASSERT_EQ(split_wasm.outputs.size(), 1u);
    EXPECT_EQ(split_cpu.outputs[0].data, plain_cpu.outputs[0].data);
    EXPECT_EQ(split_wasm.outputs[0].data, plain_wasm.outputs[0].data);
  }
  EXPECT_THROW(cpu.finish_run(12345), std::logic_error);
  EXPECT_THROW(cpu.client().receive(), std::logic_error);
  cpu.client().send({{"cmd", "hello"}});
  EXPECT_THROW(cpu.client().request({{"cmd", "hello"}}), std::logic_error);  // would get the other's reply
  EXPECT_TRUE(cpu.client().receive().header.value("ok", false));
}

// Pipelined runs (a campaign sends the next case before it judges this one): several runs in flight on one
// worker, finished in any order, give the bits of plain runs; the wide model's request and reply (larger
// than the pipe budget) wait for their turn instead of deadlocking; the localizing run() in between is fine.
TEST(TfjsWorker, PipelinedRunsOnOneWorkerMatchPlainRuns) {
  REQUIRE_WORKER();
  TfjsExecutor& cpu = shared("cpu");
  const std::vector<Graph> graphs = {dense_conv_graph(), wide_dense_graph(), tf_op_graph(), dense_conv_graph()};
  std::vector<std::vector<Tensor<double>>> xs;
  std::vector<RunResult> plain;
  for (size_t i = 0; i < graphs.size(); ++i) {
    xs.push_back(inputs_for(graphs[i], 2 + int64_t(i), -1, 1));
    plain.push_back(cpu.run(graphs[i], xs[i]));
  }
  const int starts = cpu.client().starts();
  std::vector<Executor::Ticket> t;
  for (size_t i = 0; i < graphs.size(); ++i) t.push_back(cpu.start_run(graphs[i], xs[i]));
  EXPECT_EQ(cpu.client().queued(), graphs.size());
  for (const size_t i : {2u, 0u}) EXPECT_EQ(cpu.finish_run(t[i]).outputs.at(0).data, plain[i].outputs.at(0).data) << i;
  EXPECT_EQ(cpu.run(graphs[2], xs[2]).outputs.at(0).data, plain[2].outputs.at(0).data);  // behind the queue
  for (const size_t i : {3u, 1u}) EXPECT_EQ(cpu.finish_run(t[i]).outputs.at(0).data, plain[i].outputs.at(0).data) << i;
  EXPECT_EQ(cpu.client().queued(), 0u);
  // Requests and replies larger than the pipe (75000 x 5 floats: 1.5 MB each way) pipelined with small ones.
  // (The second large request waits for its turn rather than being written while the worker answers the
  // first: a worker in a long synchronous stretch could block writing its reply while parity blocks writing.
  // TF.js awaits often enough for Node to drain stdin, so this test cannot show that deadlock.)
  const Graph big = tf_op_graph();
  const auto big_xs = inputs_for(big, 75000, -1, 1);
  const RunResult big_plain = cpu.run(big, big_xs);
  const auto t0 = cpu.start_run(big, big_xs);
  const auto t1 = cpu.start_run(big, big_xs);
  const auto t2 = cpu.start_run(graphs[3], xs[3]);
  EXPECT_EQ(cpu.finish_run(t2).outputs.at(0).data, plain[3].outputs.at(0).data);
  EXPECT_EQ(cpu.finish_run(t1).outputs.at(0).data, big_plain.outputs.at(0).data);
  EXPECT_EQ(cpu.finish_run(t0).outputs.at(0).data, big_plain.outputs.at(0).data);
  EXPECT_EQ(cpu.client().starts(), starts);
  // A cancelled run's reply is read and dropped when its turn comes.
  const auto dropped = cpu.start_run(graphs[0], xs[0]);
  const auto kept = cpu.start_run(graphs[3], xs[3]);
  cpu.cancel_run(dropped);
  EXPECT_EQ(cpu.finish_run(kept).outputs.at(0).data, plain[3].outputs.at(0).data);
  EXPECT_THROW(cpu.finish_run(dropped), std::logic_error);
  EXPECT_EQ(cpu.client().queued(), 0u);
}

// A request that fails with others queued behind it (hang, death, garbage, a WebAssembly trap) is charged
// alone: the worker is replaced and the queued requests are delivered to the new one and answered.
TEST(TfjsWorkerFaults, FailureWithRequestsQueuedBehindIsChargedToItAlone) {
  REQUIRE_WORKER();
  auto e = faulty("wasm");
  WorkerClient& c = e->client();
  const Graph g = dense_conv_graph();
  const auto xs = inputs_for(g, 2, -1, 1);
  const RunResult plain = e->run(g, xs);
  struct Fault { const char* fault; const char* kind; };
  for (const Fault f : {Fault{"hang", "timeout"}, Fault{"exit", "crash"}, Fault{"garbage", "protocol"}, Fault{"wasm_trap", ""}}) {
    SCOPED_TRACE(f.fault);
    const int starts = c.starts();
    const auto before = e->start_run(g, xs);
    c.send({{"cmd", "hello"}, {"fault", f.fault}}, {}, 3);
    const auto after = e->start_run(g, xs);
    c.send({{"cmd", "hello"}});
    EXPECT_EQ(e->finish_run(before).outputs.at(0).data, plain.outputs.at(0).data);
    if (*f.kind) {
      try {
        c.receive();
        ADD_FAILURE() << "expected ExecutorError(" << f.kind << ")";
      } catch (const ExecutorError& err) {
        EXPECT_EQ(err.kind, f.kind) << err.what();
      }
    } else {  // a trap is answered (ERRORED by its reply), and the worker exits after it
      EXPECT_FALSE(c.receive().header.value("ok", true));
    }
    EXPECT_EQ(e->finish_run(after).outputs.at(0).data, plain.outputs.at(0).data);
    EXPECT_TRUE(c.receive().header.value("ok", false));
    EXPECT_EQ(c.starts(), starts + 1);
    EXPECT_EQ(c.queued(), 0u);
  }
}

// The timeout counts from the send, but a reply larger than the pipe (1 MiB; here 75000 x 5 floats) whose
// first part the worker wrote long ago, while parity was busy past the timeout, is still read whole: the rest
// streams once parity reads. Not a timeout.
TEST(TfjsWorker, ReplyReadAfterTheCallerWasBusyPastTheTimeout) {
  REQUIRE_WORKER();
  TfjsExecutorOptions o;
  o.worker.request_timeout_s = 0.5;
  o.explicit_timeout = true;
  TfjsExecutor e("cpu", cat(), o);
  const Graph g = tf_op_graph();
  const auto xs = inputs_for(g, 75000, -1, 1);
  const RunResult plain = e.run(g, xs);  // starts the worker
  const auto t = e.start_run(g, xs);
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  const RunResult late = e.finish_run(t);
  EXPECT_EQ(late.outputs.at(0).data, plain.outputs.at(0).data);
  EXPECT_EQ(e.client().starts(), 1);
}

// A worker killed while its reply is pending is a crash of that run only; the other worker's run, sent
// before and read after, is unaffected.
TEST(TfjsWorkerFaults, KilledWhileItsReplyIsPendingIsCrash) {
  REQUIRE_WORKER();
  auto e = faulty();
  TfjsExecutor& other = shared("wasm");
  const Graph g = dense_conv_graph();
  const auto xs = inputs_for(g, 2, -1, 1);
  expect_matches_ref(*e, g, 2, -1, 1);
  e->client().send({{"cmd", "hello"}, {"fault", "hang"}}, {}, 10);
  const auto t = other.start_run(g, xs);
  const pid_t pid = e->client().pid();
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  try {
    e->client().receive();
    ADD_FAILURE() << "expected ExecutorError(crash)";
  } catch (const ExecutorError& err) {
    EXPECT_EQ(err.kind, "crash") << err.what();
  }
  const RunResult r = other.finish_run(t);
  expect_close(r.outputs.at(0), ref64(g, xs).outputs.at(0), 2e-6, "the other worker's run");
  expect_matches_ref(*e, g, 2, -1, 1);
  EXPECT_EQ(e->client().starts(), 2);
}

}  // namespace
