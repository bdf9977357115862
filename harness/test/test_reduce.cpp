// `parity reduce` (harness/nightly/reduce.h): cut subgraphs fed with ref64's values, and the reducer shrinking a
// 23-layer model with one faulty layer to that layer, on an executor that injects the fault (library level)
// and on TF.js with a patched tanh kernel through --tfjs-dir (CLI; skipped without node and TF.js).
#include <gtest/gtest.h>

#include "harness/engine/evaluate.h"
#include "harness/io/case_file.h"
#include "harness/nightly/reduce.h"
#include "harness/test/patched_tfjs.h"
#include "harness/test/subprocess.h"
#include "harness/test/tfjs_available.h"
#include "oracles/executor.h"
#include "oracles/ref/ref_executor.h"

namespace parity {
namespace {

// 23 op layers on [N,6]: Dense layers with relu/sigmoid/linear, a residual Add every fourth layer, and one
// Dense with tanh (`tanh_at`, if any), so a wrong tanh kernel hits exactly one layer.
CaseFile deep_model(int tanh_at = 13) {
  const Catalog& c = default_catalog();
  CaseFile cf;
  Graph& g = cf.graph;
  ValueId h = g.add_input(c, "x", {kBatch, 6});
  ValueId skip = h;
  const char* acts[] = {"relu", "sigmoid", "linear"};
  for (int i = 0; i < 23; ++i) {
    if (i % 4 == 3) {
      h = g.add(c, fmt::format("add_{}", i), "Add", json::object(), {h, skip});
      skip = h;
    } else {
      const std::string act = i == tanh_at ? "tanh" : acts[i % 3];
      h = g.add(c, fmt::format("dense_{}", i), "Dense", {{"units", 6}, {"activation", act}}, {h});
    }
  }
  g.outputs = {h};
  fill_random_weights(g, c, 11);
  cf.input_seed = 5;
  cf.batch = 2;
  return cf;
}

size_t op_layers(const Graph& g) {
  return static_cast<size_t>(std::count_if(g.nodes.begin(), g.nodes.end(), [](const Node& n) { return n.op != "InputLayer"; }));
}

// cpu32 with one faulty layer: the node named `target` computes with 0.5 added to its bias (or, ERRORED
// mode, the executor throws when it meets that layer), wherever the layer sits in the graph it is given.
class LayerFaultExecutor final : public Executor {
 public:
  LayerFaultExecutor(std::string target, bool errored = false) : target_(std::move(target)), errored_(errored) {}
  std::string name() const override { return "cpu32+layer-fault"; }
  DType compute_dtype() const override { return DType::F32; }
  std::optional<std::string> unsupported_reason(const std::string& op) const override { return cpu_.unsupported_reason(op); }
  RunResult run(const Graph& g, const std::vector<Tensor<double>>& in, const RunOptions& o) override {
    ++runs;
    Graph h = g;
    for (Node& n : h.nodes) {
      if (n.name != target_) continue;
      if (errored_) throw ExecutorError("exception", "layer " + n.name + " exploded");
      for (Weight& w : n.weights)
        if (w.name == "bias")
          for (double& v : w.data) v += 0.5;
    }
    return cpu_.run(h, in, o);
  }
  int runs = 0;

 private:
  Cpu32Executor cpu_{default_catalog(), default_kernels()};
  std::string target_;
  bool errored_;
};

TEST(ReduceCut, CutValuesBecomeInputsHoldingRef64Values) {
  const CaseFile cf = deep_model();
  const Graph& g = cf.graph;
  Ref64Executor ref(default_catalog(), default_kernels());
  const std::vector<Tensor<double>> inputs = case_inputs(cf, default_catalog());
  const RunResult full = ref.run(g, inputs, RunOptions{.want_intermediates = true});
  std::vector<bool> keep(g.nodes.size(), false);
  const int d5 = g.find_node("dense_5"), d6 = g.find_node("dense_6"), a7 = g.find_node("add_7");
  keep[d5] = keep[d6] = keep[a7] = true;
  const CaseFile cut = cut_subgraph(g, full.intermediates, keep, cf.batch);
  validate(cut.graph, default_catalog());
  // dense_5 reads dense_4's output; add_7 reads dense_6 (kept) and add_3 (cut): two new inputs.
  ASSERT_EQ(cut.graph.inputs.size(), 2u);
  ASSERT_TRUE(cut.inputs.has_value());
  EXPECT_EQ((*cut.inputs)[0].name, "dense_4_in");
  EXPECT_EQ((*cut.inputs)[1].name, "add_3_in");
  EXPECT_EQ(cut.graph.values[cut.graph.inputs[0]].shape, (Shape{kBatch, 6}));
  const Tensor<double>& fed = (*cut.inputs)[0].tensor;
  const Tensor<double>& want = full.intermediates.at(g.nodes[g.find_node("dense_4")].outputs[0]);
  ASSERT_EQ(fed.shape, want.shape);
  for (int64_t i = 0; i < fed.size(); ++i) EXPECT_EQ(fed[i], static_cast<float>(want[i]));
  ASSERT_EQ(cut.graph.outputs.size(), 1u);
  EXPECT_EQ(cut.graph.nodes[cut.graph.values[cut.graph.outputs[0]].producer].name, "add_7");
  // The cut model computes what the whole model computes at add_7 (up to float32 input rounding).
  const RunResult part = ref.run(cut.graph, case_inputs(cut, default_catalog()));
  const Tensor<double>& at7 = full.intermediates.at(g.nodes[a7].outputs[0]);
  for (int64_t i = 0; i < at7.size(); ++i) EXPECT_NEAR(part.outputs[0][i], at7[i], 1e-5 * (1 + std::fabs(at7[i])));
  // It round-trips through the case file format with its inputs embedded.
  const CaseFile back = case_from_json(case_to_json(cut), default_catalog(), "cut");
  EXPECT_EQ(describe(back.graph), describe(cut.graph));
}

TEST(Reduce, ShrinksATwentyThreeLayerModelToTheFaultyLayer) {
  const CaseFile cf = deep_model();
  ASSERT_GE(op_layers(cf.graph), 20u);
  for (const char* target : {"dense_13", "dense_0", "dense_18", "dense_22"}) {
    LayerFaultExecutor ex(target);
    std::vector<std::string> progress;
    ReduceOptions opt;
    opt.progress = [&](const std::string& s) { progress.push_back(s); };
    const ReduceResult r = reduce_case(cf, ex, opt);
    ASSERT_TRUE(r.failed) << target << ": " << r.reason;
    EXPECT_EQ(r.disposition, Disposition::Diverged);
    EXPECT_LE(r.kept.size(), 3u) << target;
    EXPECT_EQ(r.culprit, target);
    EXPECT_NE(std::find(r.kept.begin(), r.kept.end(), target), r.kept.end());
    EXPECT_EQ(r.original_layers, op_layers(cf.graph));
    EXPECT_LT(r.evaluations, 60) << target;  // bisection, not brute force
    EXPECT_FALSE(progress.empty());
    // The reduced case fails on the faulty executor and passes on an honest one.
    Cpu32Executor honest(default_catalog(), default_kernels());
    const CaseVerdict bad = evaluate_case(r.reduced, {&ex}, default_catalog(), default_kernels(), Comparator());
    const CaseVerdict good = evaluate_case(r.reduced, {&honest}, default_catalog(), default_kernels(), Comparator());
    EXPECT_EQ(bad.overall, Disposition::Diverged) << target;
    EXPECT_EQ(good.overall, Disposition::Passed) << target;
  }
}

TEST(Reduce, ErroredLayerIsReducedToItself) {
  const CaseFile cf = deep_model();
  LayerFaultExecutor ex("dense_9", /*errored=*/true);
  const ReduceResult r = reduce_case(cf, ex);
  ASSERT_TRUE(r.failed);
  EXPECT_EQ(r.disposition, Disposition::Errored);
  EXPECT_EQ(r.kept, (std::vector<std::string>{"dense_9"}));
  EXPECT_EQ(r.culprit, "dense_9");
}

TEST(Reduce, APassingModelIsNotReduced) {
  const CaseFile cf = deep_model();
  Cpu32Executor honest(default_catalog(), default_kernels());
  const ReduceResult r = reduce_case(cf, honest);
  EXPECT_FALSE(r.failed);
  EXPECT_EQ(r.disposition, Disposition::Passed);
  EXPECT_TRUE(r.kept.empty());
}

// TF.js 4.22 finding 2 (global pooling ignores keepdims) in the middle of 22 layers: TF.js's [N,6] for
// [N,1,6] passes through ten Dense layers and makes the final Flatten fail (ERRORED). Cut inputs carry
// ref64's rank-3 values, so by default the reduction ends at the pooling layer alone (DIVERGED: its shape);
// requiring the same disposition keeps the whole chain that carries the wrong rank to the Flatten.
TEST(ReduceTfjs, DownstreamErrorIsReducedToTheLayerThatCausesIt) {
  if (std::string why = testing::why_no_tfjs("tfjs-backend-cpu"); !why.empty()) GTEST_SKIP() << why;
  REQUIRE_WORKER();
  const Catalog& c = default_catalog();
  CaseFile cf;
  Graph& g = cf.graph;
  ValueId h = g.add_input(c, "x", {kBatch, 4, 6});
  for (int i = 0; i < 21; ++i)
    h = i == 10 ? g.add(c, "gap", "GlobalAveragePooling1D", {{"keepdims", true}}, {h})
                : g.add(c, fmt::format("dense_{}", i), "Dense", {{"units", 6}, {"activation", i % 2 ? "relu" : "linear"}}, {h});
  g.outputs = {g.add(c, "flat", "Flatten", json::object(), {h})};
  fill_random_weights(g, c, 3);
  cf.input_seed = 1;
  auto ex = make_executor("tfjs-cpu");
  ReduceResult r = reduce_case(cf, *ex);
  ASSERT_EQ(r.disposition, Disposition::Errored) << r.reason;
  EXPECT_EQ(r.kept, (std::vector<std::string>{"gap"}));
  EXPECT_EQ(r.reduced_disposition, Disposition::Diverged) << r.reduced_reason;
  EXPECT_EQ(r.culprit, "gap");
  ReduceOptions same;
  same.same_disposition = true;
  r = reduce_case(cf, *ex, same);
  EXPECT_EQ(r.reduced_disposition, Disposition::Errored);
  EXPECT_GT(r.kept.size(), 2u);
  EXPECT_EQ(r.culprit, "gap") << r.culprit_note;
}

// ---- the command line -----------------------------------------------------------------------------------

class ReduceCli : public testing::ParityProcessTest {
 protected:
  ReduceCli() : ParityProcessTest("parity-reduce-") {}
};

TEST_F(ReduceCli, NothingToReduceAndBadInput) {
  write_case_file(deep_model(), dir_ / "deep.json");
  testing::Proc p = run({"reduce", (dir_ / "deep.json").string(), "--executor", "cpu32", "--out", (dir_ / "out").string()});
  EXPECT_EQ(p.code, 1) << p.err;
  EXPECT_NE(p.out.find("does not fail on cpu32 (PASSED): nothing to reduce"), std::string::npos) << p.out;
  p = run({"reduce", (dir_ / "missing.json").string(), "--executor", "cpu32"});
  EXPECT_EQ(p.code, 2);
  EXPECT_NE(p.err.find("missing.json: no such file"), std::string::npos) << p.err;
  testing::write_text(dir_ / "broken.json", "{\"parity_case\": 1, \"graph\": {\"nodes\": 3}}");
  p = run({"reduce", (dir_ / "broken.json").string(), "--executor", "cpu32"});
  EXPECT_EQ(p.code, 2);
  EXPECT_NE(p.err.find("broken.json"), std::string::npos) << p.err;
  p = run({"reduce", "--help"});
  EXPECT_EQ(p.code, 0);
  EXPECT_NE(p.out.find("ref64's value"), std::string::npos) << p.out;
}

TEST_F(ReduceCli, PatchedTanhKernelInTfjsIsFoundThroughTfjsDir) {
  if (std::string why = testing::why_no_tfjs("tfjs-backend-cpu"); !why.empty()) GTEST_SKIP() << why;
  REQUIRE_WORKER();
  ASSERT_EQ(testing::make_patched_tfjs(dir_ / "tree", "Tanh", "Math.tanh(xi) + 0.25"), "");
  write_case_file(deep_model(13), dir_ / "deep.json");
  const std::string tree = (dir_ / "tree").string(), out = (dir_ / "out").string();
  testing::Proc p = run({"reduce", (dir_ / "deep.json").string(), "--executor", "tfjs-cpu", "--tfjs-dir", tree, "--out", out});
  ASSERT_EQ(p.code, 0) << p.out << p.err;
  EXPECT_NE(p.out.find("reduced 23 layers to 1: dense_13"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("first divergent layer: dense_13"), std::string::npos) << p.out;
  EXPECT_NE(p.err.find("parity reduce: bisect end"), std::string::npos) << p.err;
  EXPECT_TRUE(std::filesystem::exists(dir_ / "out/tfjs/model.json"));
  EXPECT_TRUE(std::filesystem::exists(dir_ / "out/inputs.json"));
  // The reduced case fails on the patched TF.js and passes on the real one.
  const std::string reduced = (dir_ / "out/reduced.case.json").string();
  p = run({"replay", reduced, "--executors", "tfjs-cpu", "--tfjs-dir", tree});
  EXPECT_EQ(p.code, 1) << p.out;
  p = run({"replay", reduced, "--executors", "tfjs-cpu"});
  EXPECT_EQ(p.code, 0) << p.out;
  // The TF.js model.json runs on its own.
  p = run({"eval", (dir_ / "out/tfjs/model.json").string(), "--executor", "tfjs-cpu", "--inputs", (dir_ / "out/inputs.json").string()});
  EXPECT_EQ(p.code, 0) << p.err;
}

}  // namespace
}  // namespace parity
