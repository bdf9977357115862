// The comparator, the error budgets and case evaluation: hand-checked rules, the NaN/Inf policy, and the
// no-false-positive property of float32 rounding over generated cases.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>

#include "harness/engine/budget_rules.h"
#include "harness/engine/compare.h"
#include "harness/engine/evaluate.h"
#include "harness/engine/generator.h"
#include "harness/test/fault_executor.h"
#include "oracles/ref/ref_executor.h"

namespace parity {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kEps = 0x1p-23;

const Catalog& cat() { return default_catalog(); }
const KernelTable& kern() { return default_kernels(); }

// input [N, n] -> op (no weights) -> output.
Graph unary_graph(const std::string& op, int64_t n, const json& attrs = json::object()) {
  Graph g;
  ValueId x = g.add_input(cat(), "x", {kBatch, n});
  g.outputs = {g.add(cat(), "y", op, attrs, {x})};
  return g;
}

// A Reference for `g` with the given output values and budgets (batch 1).
Reference fake_reference(const Graph& g, std::vector<double> ref, std::vector<double> budget) {
  Reference R;
  const Shape s{1, static_cast<int64_t>(ref.size())};  // before the moves below
  R.values[g.outputs[0]] = Tensor<double>(s, std::move(ref));
  R.budgets[g.outputs[0]] = Tensor<double>(s, std::move(budget));
  return R;
}

RunResult got_of(std::vector<double> v) {
  RunResult r;
  const int64_t n = static_cast<int64_t>(v.size());
  r.outputs.push_back(Tensor<double>({1, n}, std::move(v)));
  return r;
}

TEST(Disposition, NamesRoundTripAndWorstIsTheMostSevere) {
  for (Disposition d : {Disposition::Passed, Disposition::Skipped, Disposition::Mistrusted, Disposition::Unsupported,
                        Disposition::Errored, Disposition::Diverged})
    EXPECT_EQ(disposition_from_name(disposition_name(d)), d);
  EXPECT_THROW(disposition_from_name("FAILED"), ParityError);
  EXPECT_EQ(worst(Disposition::Passed, Disposition::Mistrusted), Disposition::Mistrusted);
  EXPECT_EQ(worst(Disposition::Diverged, Disposition::Errored), Disposition::Diverged);
  EXPECT_EQ(worst(Disposition::Skipped, Disposition::Passed), Disposition::Skipped);
}

TEST(FaultExecutor, HalfRoundingIsExactNearestEven) {
  using testing::round_to_half;
  EXPECT_EQ(round_to_half(1.0f), 1.0f);
  EXPECT_EQ(round_to_half(1.0f + 0x1p-11f), 1.0f);                    // tie, even mantissa stays
  EXPECT_EQ(round_to_half(1.0f + 3 * 0x1p-11f), 1.0f + 0x1p-9f);      // tie, odd mantissa rounds up
  EXPECT_EQ(round_to_half(1.0f + 0x1p-11f + 0x1p-20f), 1.0f + 0x1p-10f);  // above the tie
  EXPECT_EQ(round_to_half(-0.1f), -0.0999755859375f);
  EXPECT_EQ(round_to_half(65504.0f), 65504.0f);
  EXPECT_EQ(round_to_half(65519.0f), 65504.0f);
  EXPECT_EQ(round_to_half(65520.0f), std::numeric_limits<float>::infinity());  // tie rounds to 2^16: overflow
  EXPECT_EQ(round_to_half(0x1p-24f), 0x1p-24f);                       // smallest subnormal half
  EXPECT_EQ(round_to_half(0x1p-25f), 0.0f);                           // tie with 0: even
  EXPECT_EQ(round_to_half(3 * 0x1p-25f), 0x1p-23f);                   // tie 1.5 quanta: up to 2
  EXPECT_EQ(round_to_half(0x1.8p-14f + 0x1p-30f), 0x1.8p-14f);        // normal binade, below half a quantum
}

TEST(Comparator, NanAndInfinityPolicy) {
  const Graph g = unary_graph("tf.math.abs", 6);
  // ref: NaN, +inf, -inf, 1e39 (finite, overflows float32), 1.0 with an infinite budget, 1.0
  const Reference R = fake_reference(g, {kNaN, kInf, -kInf, 1e39, 1.0, 1.0}, {0, 0, 0, 0, kInf, 0});
  const Comparator cmp;
  EXPECT_EQ(cmp.compare(g, R, got_of({kNaN, kInf, -kInf, kInf, 123.0, 1.0})).disposition, Disposition::Passed);
  auto failing = [&](std::vector<double> got) {
    const CompareResult r = cmp.compare(g, R, got_of(got));
    EXPECT_EQ(r.disposition, Disposition::Diverged);
    return r.outputs.at(0).points.empty() ? int64_t(-1) : r.outputs.at(0).points[0].index;
  };
  EXPECT_EQ(failing({0.0, kInf, -kInf, kInf, 1.0, 1.0}), 0);   // NaN expected, got a number
  EXPECT_EQ(failing({kNaN, -kInf, -kInf, kInf, 1.0, 1.0}), 1);  // infinity of the wrong sign
  EXPECT_EQ(failing({kNaN, kInf, 0.0, kInf, 1.0, 1.0}), 2);     // infinity expected
  EXPECT_EQ(failing({kNaN, kInf, -kInf, -kInf, 1.0, 1.0}), 3);  // float32 overflow must keep the sign
  EXPECT_EQ(failing({kNaN, kInf, -kInf, kInf, 1.0, kNaN}), 5);  // NaN for a finite reference
  EXPECT_EQ(failing({kNaN, kInf, -kInf, kInf, 1.0, kInf}), 5);  // infinity for a finite reference
  EXPECT_EQ(cmp.compare(g, R, got_of({kNaN, kInf, -kInf, kInf, 1.0, 1.0})).outputs[0].unconstrained, 1);
}

TEST(Comparator, BudgetPlusHalfUlpStatsAndFailingPoints) {
  const Graph g = unary_graph("tf.math.abs", 12);
  std::vector<double> ref(12), budget(12, 0.0);
  for (int i = 0; i < 12; ++i) ref[i] = 1.0 + i;  // float32-exact
  budget[0] = 4 * kEps;
  const Reference R = fake_reference(g, ref, budget);
  const Comparator cmp;
  // Element 0: 4 ulps off with a 4-ulp budget plus half an ulp of slack: passes. Half an ulp elsewhere too.
  std::vector<double> got = ref;
  got[0] = 1.0 + 4 * kEps;
  got[1] = 2.0 + 0.5 * 2 * kEps;
  CompareResult r = cmp.compare(g, R, got_of(got));
  EXPECT_EQ(r.disposition, Disposition::Passed) << r.reason;
  EXPECT_DOUBLE_EQ(r.outputs[0].max_ulp_err, 4.0);
  EXPECT_DOUBLE_EQ(r.outputs[0].min_passing_scale, 3.5 / 4);
  // Element 0 at 6 ulps needs the budget x5.5/4; elements 1..11 one ulp off with no budget: 12 failing,
  // 10 points kept, with coordinates.
  got[0] = 1.0 + 6 * kEps;
  for (int i = 1; i < 12; ++i) got[i] = static_cast<float>(ref[i]) * (1 + kEps);
  r = cmp.compare(g, R, got_of(got));
  EXPECT_EQ(r.disposition, Disposition::Diverged);
  EXPECT_EQ(r.outputs[0].failing, 12);
  ASSERT_EQ(r.outputs[0].points.size(), 10u);
  EXPECT_EQ(r.outputs[0].points[3].coords, (std::vector<int64_t>{0, 3}));
  EXPECT_EQ(r.outputs[0].points[0].expected, 1.0);
  EXPECT_TRUE(std::isinf(r.outputs[0].min_passing_scale));  // zero budget, over half an ulp
  EXPECT_NE(r.reason.find("12 of 12"), std::string::npos) << r.reason;
  // Scaling every budget by 2 (a config knob) lets element 0 pass but not the zero-budget ones.
  r = Comparator(Comparator::Config{.budget_scale = 2.0}).compare(g, R, got_of(got));
  EXPECT_EQ(r.outputs[0].failing, 11);
}

TEST(Comparator, DegenerateReferenceIsMistrustedOnlyWhenItOtherwisePasses) {
  const Graph g = unary_graph("tf.math.abs", 20);
  std::vector<double> ref(20, 0.0);
  ref[0] = 0.5;
  ref[1] = 0.25;  // 90% zeros
  const Reference R = fake_reference(g, ref, std::vector<double>(20, 0.0));
  const Comparator cmp;
  CompareResult r = cmp.compare(g, R, got_of(ref));
  EXPECT_EQ(r.disposition, Disposition::Mistrusted);
  EXPECT_TRUE(r.outputs[0].degenerate);
  std::vector<double> bad = ref;
  bad[0] = 0.75;
  EXPECT_EQ(cmp.compare(g, R, got_of(bad)).disposition, Disposition::Diverged);
  // Below the threshold fraction, or too few elements, it is trusted.
  EXPECT_EQ(Comparator(Comparator::Config{.mistrust_fraction = 0.95}).compare(g, R, got_of(ref)).disposition,
            Disposition::Passed);
  EXPECT_EQ(Comparator(Comparator::Config{.mistrust_min_elements = 21}).compare(g, R, got_of(ref)).disposition,
            Disposition::Passed);
}

// Dense with known weights: the budget is (K + 1) u sum|x w| + |b| plus ulps * eps * |y| (docs/tolerances.md).
TEST(Budget, DenseIsTheAccumulationBoundOnTheSummedMagnitudes) {
  Graph g;
  ValueId x = g.add_input(cat(), "x", {kBatch, 3});
  g.outputs = {g.add(cat(), "d", "Dense", {{"units", 1}},
                     {x}, {{"kernel", {3, 1}, {0.5, -0.25, 1.0}}, {"bias", {1}, {-0.75}}})};
  const Tensor<double> in({1, 3}, {1.0, 2.0, 0.25});  // y = 0.5 - 0.5 + 0.25 - 0.75 = -0.5
  const Reference R = compute_reference(g, cat(), kern(), {in}, DType::F32);
  EXPECT_DOUBLE_EQ(R.values.at(g.outputs[0])[0], -0.5);
  const double M = 0.5 + 0.5 + 0.25 + 0.75;
  EXPECT_DOUBLE_EQ(R.budgets.at(g.outputs[0])[0], 4 * 0x1p-24 * M + 1 * kEps * 0.5);
  EXPECT_EQ(R.budgets.at(x)[0], 0.0);  // float32-exact inputs carry no error
  // A non-float32 input carries exactly its rounding error into the budgets.
  const Tensor<double> odd({1, 3}, {0.1, 2.0, 0.25});
  const Reference R2 = compute_reference(g, cat(), kern(), {odd}, DType::F32);
  EXPECT_DOUBLE_EQ(R2.budgets.at(x)[0], std::fabs(0.1 - double(0.1f)));
  const Reference R3 = compute_reference(g, cat(), kern(), {Tensor<double>({1, 3}, {double(0.1f), 2.0, 0.25})},
                                         DType::F32);
  EXPECT_NEAR(R2.budgets.at(g.outputs[0])[0] - R3.budgets.at(g.outputs[0])[0], 0.5 * std::fabs(0.1 - double(0.1f)),
              1e-15);  // |w| * (input error), up to the tiny change of M and y
}

// Propagation through an element-wise op sees a discontinuity within the budget: floor of a value within
// rounding of an integer may honestly be off by one.
TEST(Budget, PerturbationSeesJumpsWithinTheBudget) {
  Graph g;
  ValueId x = g.add_input(cat(), "x", {kBatch, 2});
  ValueId d = g.add(cat(), "d", "Dense", {{"units", 1}, {"use_bias", false}}, {x},
                    {{"kernel", {2, 1}, {0.5, 0.5}}});
  g.outputs = {g.add(cat(), "f", "tf.math.floor", json::object(), {d})};
  const Reference R = compute_reference(g, cat(), kern(), {Tensor<double>({1, 2}, {1.0, 1.0})}, DType::F32);
  EXPECT_EQ(R.values.at(g.outputs[0])[0], 1.0);
  EXPECT_GE(R.budgets.at(g.outputs[0])[0], 1.0);  // floor(1 - tiny) = 0 is an honest float32 result
  const Reference R3 = compute_reference(g, cat(), kern(), {Tensor<double>({1, 2}, {1.5, 1.5})}, DType::F32);
  EXPECT_EQ(R3.budgets.at(g.outputs[0])[0], 0.0);  // 1.5 is far from a jump
}

// After a legitimate jump the executor rounds values near the jumped-to result, not near the reference:
// sigmoid(17) = 1 - 4.1e-8 rounds to 1.0f, so float32 floors to 1 where float64 floors to 0, and every op
// after the floor works on tanh(1) instead of tanh(0). Found by a campaign with larger tensors.
TEST(Budget, OwnRoundingAfterALegitimateJumpIsCovered) {
  Graph g;
  ValueId x = g.add_input(cat(), "x", {kBatch, 1});
  ValueId s = g.add(cat(), "s", "tf.math.sigmoid", json::object(), {x});
  ValueId f = g.add(cat(), "f", "tf.math.floor", json::object(), {s});
  ValueId t = g.add(cat(), "t", "tf.math.tanh", json::object(), {f});
  ValueId n = g.add(cat(), "n", "tf.math.negative", json::object(), {t});
  ValueId e = g.add(cat(), "e", "tf.expand_dims", {{"axis", -1}}, {n});
  g.outputs = {g.add(cat(), "q", "tf.math.square", json::object(), {e})};
  CaseFile cf;
  cf.graph = g;
  cf.inputs = std::vector<NamedTensor>{{"x", Tensor<double>({1, 1}, {17.0})}};
  Cpu32Executor cpu(cat(), kern());
  const RunResult r32 = cpu.run(g, {Tensor<double>({1, 1}, {17.0})}, RunOptions{.want_intermediates = true});
  ASSERT_EQ(r32.intermediates.at(f)[0], 1.0);  // the jump really happens in float32
  const CaseVerdict v = evaluate_case(cf, {&cpu}, cat(), kern(), Comparator());
  EXPECT_EQ(v.executors[0].disposition, Disposition::Passed) << v.executors[0].reason;
}

// Every catalog op declares its Tolerance::rule (the default is Unset), and the declaration resolves to a real
// rule whatever the node's attributes; only InputLayer is a graph input, whose budget has no rule.
TEST(Budget, EveryCatalogOpHasAnExplicitRule) {
  for (const OpSpec& s : cat().ops()) {
    EXPECT_NE(s.tolerance.rule, ErrorRule::Unset) << s.name;
    EXPECT_EQ(s.tolerance.rule == ErrorRule::GraphInput, s.name == "InputLayer") << s.name;
    if (s.name == "InputLayer") continue;
    for (bool normalize : {false, true})
      EXPECT_NE(budget_kind(s, json{{"normalize", normalize}}), BudgetKind::Fallback) << s.name;
  }
  EXPECT_EQ(budget_kind(cat().at("Dot"), json{{"normalize", false}}), BudgetKind::Linear);
  EXPECT_EQ(budget_kind(cat().at("Dot"), json{{"normalize", true}}), BudgetKind::DotNormalize);
  const OpSpec undeclared;
  EXPECT_EQ(budget_kind(undeclared, json::object()), BudgetKind::Fallback);
}

// An honest float32 implementation that sums in another order with FMA (as XNNPACK does) is never flagged,
// even on long dot products with heavy cancellation.
TEST(Budget, OtherSummationOrdersStayWithinTheDenseBudget) {
  Rng rng(3);
  const Comparator cmp;
  for (int trial = 0; trial < 200; ++trial) {
    const int64_t k = rng.int_in(1, 300), units = rng.int_in(1, 4);
    Graph g;
    ValueId x = g.add_input(cat(), "x", {kBatch, k});
    g.outputs = {g.add(cat(), "d", "Dense", {{"units", units}}, {x})};
    fill_random_weights(g, cat(), rng.next());
    Tensor<double> in({2, k});
    for (double& v : in.data) v = static_cast<float>(rng.uniform(-1, 1) * (trial % 2 ? 1 : 1000));
    const Reference R = compute_reference(g, cat(), kern(), {in}, DType::F32);
    const auto& W = g.nodes[1].weights[0].data;
    const auto& B = g.nodes[1].weights[1].data;
    RunResult r;
    r.outputs.emplace_back(Shape{2, units});
    for (int64_t b = 0; b < 2; ++b)
      for (int64_t u = 0; u < units; ++u) {
        // Reversed order, fused multiply-add, bias added first; and a 4-way split sum as a SIMD kernel would.
        float acc = static_cast<float>(B[u]);
        float lanes[4] = {0, 0, 0, 0};
        for (int64_t j = k; j-- > 0;) {
          const float xv = static_cast<float>(in[b * k + j]), wv = static_cast<float>(W[j * units + u]);
          if (trial % 3 == 0) acc = std::fma(xv, wv, acc); else lanes[j % 4] = std::fma(xv, wv, lanes[j % 4]);
        }
        if (trial % 3 != 0) acc += (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
        r.outputs[0][b * units + u] = acc;
      }
    const CompareResult c = cmp.compare(g, R, r);
    ASSERT_NE(c.disposition, Disposition::Diverged) << "K=" << k << ": " << c.reason;
  }
}

// Zero false positives: cpu32 (float32 rounding alone) against the budgets over generated cases. The same
// check at full size is `parity run --seed 1 --cases 5000 --executors ref64,cpu32` (docs/tolerances.md).
TEST(Budget, Float32RoundingAloneIsNeverFlagged) {
  const int kCases = 5000;  // about a second
  Cpu32Executor cpu(cat(), kern());
  Ref64Executor ref(cat(), kern());
  const Comparator cmp;
  int diverged = 0, mistrusted = 0, passed = 0;
  double worst = 0, t_ref = 0, t_plain = 0;
  for (int i = 0; i < kCases; ++i) {
    const GeneratedCase gc = generate_case(cat(), GenConfig{}, 1, i);
    std::vector<Executor*> ex{&cpu};
    const CaseVerdict v = evaluate_case(gc.cf, ex, cat(), kern(), cmp);
    const auto t0 = std::chrono::steady_clock::now();
    ref.run(gc.cf.graph, case_inputs(gc.cf, cat()));
    t_plain += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    t_ref += v.reference_seconds;
    diverged += v.overall == Disposition::Diverged;
    mistrusted += v.overall == Disposition::Mistrusted;
    passed += v.overall == Disposition::Passed;
    EXPECT_NE(v.overall, Disposition::Diverged) << gc.id << ": " << v.executors[0].reason << "\n"
                                                << describe(gc.cf.graph);
    for (const OutputStats& o : v.executors[0].compare.outputs) worst = std::max(worst, o.min_passing_scale);
  }
  std::printf("%d cases: %d passed, %d mistrusted, %d diverged; worst min_passing_scale %.3f; "
              "reference+budgets %.3fs vs plain ref64 %.3fs (x%.2f)\n",
              kCases, passed, mistrusted, diverged, worst, t_ref, t_plain, t_ref / t_plain);
  EXPECT_EQ(diverged, 0);
  EXPECT_LT(mistrusted, kCases / 5);  // the generator's data must be mostly trustworthy
  // Exactly 1 happens: cpu32 landing on the other side of a floor or threshold jump uses all of the budget
  // the perturbation gave for it.
  EXPECT_LE(worst, 1.0);
}

// An executor that exposes intermediates and gets node `bad` wrong (and everything after it).
class WrongFrom final : public Executor {
 public:
  WrongFrom(Executor& inner, std::string bad) : inner_(inner), bad_(std::move(bad)) {}
  std::string name() const override { return "wrong-from"; }
  DType compute_dtype() const override { return DType::F32; }
  std::optional<std::string> unsupported_reason(const std::string& op) const override {
    if (op == "tf.math.cos") return std::string("no cosine here");
    return std::nullopt;
  }
  RunResult run(const Graph& g, const std::vector<Tensor<double>>& in, const RunOptions& opt) override {
    RunResult r = inner_.run(g, in, RunOptions{.want_intermediates = true});
    bool after = false;
    for (const Node& n : g.nodes) {
      after = after || n.name == bad_;
      if (after) for (double& v : r.intermediates.at(n.outputs[0]).data) v += 0.5;
    }
    for (size_t o = 0; o < g.outputs.size(); ++o) r.outputs[o] = r.intermediates.at(g.outputs[o]);
    if (!opt.want_intermediates) r.intermediates.clear();
    return r;
  }

 private:
  Executor& inner_;
  std::string bad_;
};

CaseFile chain_case() {
  CaseFile cf;
  Graph& g = cf.graph;
  ValueId x = g.add_input(cat(), "x", {kBatch, 4});
  ValueId a = g.add(cat(), "first", "Dense", {{"units", 3}}, {x});
  ValueId b = g.add(cat(), "middle", "tf.math.tanh", json::object(), {a});
  g.outputs = {g.add(cat(), "last", "Dense", {{"units", 2}}, {b})};
  fill_random_weights(g, cat(), 5);
  cf.input_seed = 9;
  return cf;
}

TEST(Evaluate, NamesTheFirstDivergentNode) {
  Cpu32Executor cpu(cat(), kern());
  WrongFrom bad(cpu, "middle");
  const CaseVerdict v = evaluate_case(chain_case(), {&bad}, cat(), kern(), Comparator());
  ASSERT_EQ(v.overall, Disposition::Diverged);
  EXPECT_EQ(v.executors[0].compare.first_divergent_node, "middle");
  EXPECT_NE(v.executors[0].reason.find("first divergent node 'middle'"), std::string::npos);
}

// Wraps cpu32 with a behaviour: throw, or return outputs of the wrong shape.
class Broken final : public Executor {
 public:
  Broken(Executor& inner, int mode) : inner_(inner), mode_(mode) {}
  std::string name() const override { return "broken"; }
  DType compute_dtype() const override { return DType::F32; }
  std::optional<std::string> unsupported_reason(const std::string&) const override { return std::nullopt; }
  RunResult run(const Graph& g, const std::vector<Tensor<double>>& in, const RunOptions& opt) override {
    if (mode_ == 0) throw std::runtime_error("backend crashed: out of texture memory");
    if (mode_ == 2) throw UnsupportedOpError("Subtract", "Unknown layer: Subtract");
    if (mode_ == 3) throw ExecutorError("timeout", "no answer within 5 s");
    if (mode_ == 4) throw ExecutorUnavailable("node is not installed");
    RunResult r = inner_.run(g, in, opt);
    r.outputs[0].shape.push_back(1);  // mode 1: an extra unit dimension
    return r;
  }

 private:
  Executor& inner_;
  int mode_;
};

TEST(Evaluate, EveryExecutorFailureIsADispositionAndTheCaseTakesTheWorst) {
  Cpu32Executor cpu(cat(), kern());
  Broken thrower(cpu, 0), misshaped(cpu, 1);
  WrongFrom no_cos(cpu, "none");
  CaseFile cf = chain_case();
  CaseVerdict v = evaluate_case(cf, {&cpu, &thrower, &misshaped}, cat(), kern(), Comparator());
  ASSERT_EQ(v.executors.size(), 3u);
  EXPECT_EQ(v.executors[0].disposition, Disposition::Passed) << v.executors[0].reason;
  EXPECT_EQ(v.executors[1].disposition, Disposition::Errored);
  EXPECT_NE(v.executors[1].reason.find("out of texture memory"), std::string::npos);
  // A wrong output shape is a wrong answer (Keras decides the shape), not a failure to run.
  EXPECT_EQ(v.executors[2].disposition, Disposition::Diverged);
  EXPECT_NE(v.executors[2].reason.find("has shape [2,2,1], expected [2,2]"), std::string::npos) << v.executors[2].reason;
  EXPECT_EQ(v.overall, Disposition::Diverged);
  Broken rejects(cpu, 2), hangs(cpu, 3), absent(cpu, 4);
  CaseVerdict w = evaluate_case(cf, {&rejects, &hangs, &absent}, cat(), kern(), Comparator());
  EXPECT_EQ(w.executors[0].disposition, Disposition::Unsupported);
  EXPECT_EQ(w.executors[0].reason, "Subtract: Unknown layer: Subtract");
  EXPECT_EQ(w.executors[1].disposition, Disposition::Errored);
  EXPECT_EQ(w.executors[1].reason, "timeout: no answer within 5 s");
  EXPECT_EQ(w.executors[2].disposition, Disposition::Skipped);
  EXPECT_EQ(w.overall, Disposition::Errored);
  EXPECT_GT(v.reference_seconds, 0.0);
  // Unsupported names the op, the node and the executor's reason.
  Graph& g = cf.graph;
  ValueId c = g.add(cat(), "cosine", "tf.math.cos", json::object(), {g.outputs[0]});
  g.outputs = {c};
  v = evaluate_case(cf, {&no_cos, &cpu}, cat(), kern(), Comparator());
  EXPECT_EQ(v.executors[0].disposition, Disposition::Unsupported);
  EXPECT_NE(v.executors[0].reason.find("op 'tf.math.cos' (node 'cosine'): no cosine here"), std::string::npos)
      << v.executors[0].reason;
  EXPECT_EQ(v.overall, Disposition::Unsupported);
}

// An executor that logs its split-phase calls, and may fail to start (like a TF.js request that cannot be
// converted or sent).
class SplitLogger final : public Executor {
 public:
  SplitLogger(Executor& inner, std::string name, std::vector<std::string>& log, bool start_fails = false)
      : inner_(inner), name_(std::move(name)), log_(log), start_fails_(start_fails) {}
  std::string name() const override { return name_; }
  DType compute_dtype() const override { return inner_.compute_dtype(); }
  std::optional<std::string> unsupported_reason(const std::string& op) const override { return inner_.unsupported_reason(op); }
  RunResult run(const Graph& g, const std::vector<Tensor<double>>& xs, const RunOptions& o = {}) override {
    return inner_.run(g, xs, o);
  }
  Ticket start_run(const Graph& g, const std::vector<Tensor<double>>& xs, const RunOptions& o = {}) override {
    log_.push_back("start " + name_);
    if (start_fails_) throw ExecutorError("crash", "the worker vanished");
    return Executor::start_run(g, xs, o);  // the run happens in finish_run (through run())
  }
  RunResult finish_run(Ticket t) override {
    log_.push_back("finish " + name_);
    return Executor::finish_run(t);
  }
  void cancel_run(Ticket t) noexcept override {
    log_.push_back("cancel " + name_);
    Executor::cancel_run(t);
  }

 private:
  Executor& inner_;
  std::string name_;
  std::vector<std::string>& log_;
  bool start_fails_;
};

// evaluate_case starts every executor before finishing any (so executors in other processes compute at the
// same time as each other and as the reference), finishes them in order, and a run that fails to start is
// that executor's disposition while the others still run.
TEST(Evaluate, StartsEveryExecutorBeforeFinishingAny) {
  Cpu32Executor cpu(cat(), kern());
  std::vector<std::string> log;
  SplitLogger a(cpu, "a", log), b(cpu, "b", log), broken(cpu, "broken", log, true), c(cpu, "c", log);
  const CaseVerdict v = evaluate_case(chain_case(), {&a, &broken, &b, &c}, cat(), kern(), Comparator());
  const std::vector<std::string> want = {"start a", "start broken", "start b", "start c", "finish a", "finish b", "finish c"};
  EXPECT_EQ(log, want);
  ASSERT_EQ(v.executors.size(), 4u);
  EXPECT_EQ(v.executors[0].disposition, Disposition::Passed) << v.executors[0].reason;
  EXPECT_EQ(v.executors[1].disposition, Disposition::Errored);
  EXPECT_EQ(v.executors[1].reason, "crash: the worker vanished");
  EXPECT_EQ(v.executors[2].disposition, Disposition::Passed) << v.executors[2].reason;
  EXPECT_EQ(v.executors[3].disposition, Disposition::Passed) << v.executors[3].reason;
  EXPECT_EQ(v.overall, Disposition::Errored);

  // A case whose reference cannot be computed (masks Keras cannot concatenate) throws, and the started runs
  // are cancelled rather than left pending.
  log.clear();
  CaseFile bad;
  const ValueId x = bad.graph.add_input(cat(), "x", {kBatch, 3, 2});
  const ValueId m = bad.graph.add(cat(), "masking", "Masking", {{"mask_value", 0.0}}, {x});
  bad.graph.outputs = {bad.graph.add(cat(), "concat", "Concatenate", {{"axis", 1}}, {m, x})};
  bad.inputs = std::vector<NamedTensor>{{"x", Tensor<double>({1, 3, 2}, {1, 2, 0, 0, 0, 3})}};
  EXPECT_THROW(evaluate_case(bad, {&a, &b}, cat(), kern(), Comparator()), ParityError);
  EXPECT_EQ(log, (std::vector<std::string>{"start a", "start b", "cancel a", "cancel b"}));
}

// A campaign starts the next case before it judges this one: two started cases finished in either order
// give exactly what evaluate_case gives for each, and a started case dropped unfinished cancels its runs.
TEST(Evaluate, StartedCasesFinishInAnyOrderAndCancelWhenDropped) {
  Cpu32Executor cpu(cat(), kern());
  std::vector<std::string> log;
  SplitLogger a(cpu, "a", log);
  CaseFile first = chain_case(), second = chain_case();
  second.input_seed = 10;
  const CaseVerdict want1 = evaluate_case(first, {&a}, cat(), kern(), Comparator());
  const CaseVerdict want2 = evaluate_case(second, {&a}, cat(), kern(), Comparator());
  ASSERT_NE(want1.executors.at(0).compare.outputs.at(0).max_abs_err, -1.0);
  for (const bool in_order : {true, false}) {
    log.clear();
    auto s1 = start_case(first, {&a}, cat());
    auto s2 = start_case(second, {&a}, cat());
    const CaseVerdict v2 = in_order ? CaseVerdict{} : finish_case(*s2, kern(), Comparator());
    const CaseVerdict v1 = finish_case(*s1, kern(), Comparator());
    const CaseVerdict v2b = in_order ? finish_case(*s2, kern(), Comparator()) : v2;
    EXPECT_EQ(v1.executors.at(0).compare.outputs.at(0).max_abs_err, want1.executors.at(0).compare.outputs.at(0).max_abs_err);
    EXPECT_EQ(v2b.executors.at(0).compare.outputs.at(0).max_abs_err, want2.executors.at(0).compare.outputs.at(0).max_abs_err);
    EXPECT_NE(v1.executors.at(0).compare.outputs.at(0).max_abs_err, v2b.executors.at(0).compare.outputs.at(0).max_abs_err);
    EXPECT_EQ(log, (std::vector<std::string>{"start a", "start a", "finish a", "finish a"}));
  }
  log.clear();
  { auto dropped = start_case(first, {&a}, cat()); }
  EXPECT_EQ(log, (std::vector<std::string>{"start a", "cancel a"}));
  // The default executor keeps one deferred run per ticket: an unknown or finished ticket is a logic error.
  const auto xs = case_inputs(first, cat());
  const Executor::Ticket t = cpu.start_run(first.graph, xs);
  (void)cpu.finish_run(t);
  EXPECT_THROW(cpu.finish_run(t), std::logic_error);
}

// NaN inputs are allowed: NaN propagates in ref64 and cpu32 alike, so matching NaNs pass; an output that is
// mostly NaN is MISTRUSTED; an executor that turns the NaN into a number is DIVERGED. Never a crash.
TEST(Evaluate, NanInputsGiveClearDispositions) {
  Cpu32Executor cpu(cat(), kern());
  CaseFile cf;
  ValueId x = cf.graph.add_input(cat(), "x", {kBatch, 16});
  cf.graph.outputs = {cf.graph.add(cat(), "r", "tf.nn.relu", json::object(), {x})};
  std::vector<double> data(32);
  for (size_t i = 0; i < data.size(); ++i) data[i] = 0.125 * double(i) - 1.5;
  data[3] = kNaN;
  cf.inputs = std::vector<NamedTensor>{{"x", Tensor<double>({2, 16}, data)}};
  CaseVerdict v = evaluate_case(cf, {&cpu}, cat(), kern(), Comparator());
  EXPECT_EQ(v.overall, Disposition::Passed) << v.executors[0].reason;
  // relu that maps NaN to 0 (a real TF.js-style bug class) is caught.
  struct NanToZero final : Executor {
    Executor& in;
    explicit NanToZero(Executor& e) : in(e) {}
    std::string name() const override { return "nan-to-zero"; }
    DType compute_dtype() const override { return DType::F32; }
    std::optional<std::string> unsupported_reason(const std::string&) const override { return std::nullopt; }
    RunResult run(const Graph& g, const std::vector<Tensor<double>>& i, const RunOptions& o) override {
      RunResult r = in.run(g, i, o);
      for (double& v : r.outputs[0].data) if (std::isnan(v)) v = 0;
      return r;
    }
  } nan_to_zero(cpu);
  v = evaluate_case(cf, {&nan_to_zero}, cat(), kern(), Comparator());
  EXPECT_EQ(v.overall, Disposition::Diverged);
  ASSERT_FALSE(v.executors[0].compare.outputs[0].points.empty());
  EXPECT_EQ(v.executors[0].compare.outputs[0].points[0].index, 3);
  // All NaN: agreement, but nothing to trust.
  std::fill(data.begin(), data.end(), kNaN);
  cf.inputs = std::vector<NamedTensor>{{"x", Tensor<double>({2, 16}, data)}};
  v = evaluate_case(cf, {&cpu}, cat(), kern(), Comparator());
  EXPECT_EQ(v.overall, Disposition::Mistrusted) << v.executors[0].reason;
}


// A comparison whose float input lies within its error budget of the decision boundary may flip: sqrt(2)
// is 1.41421356237 in float64 and rounds down to c = 1.41421353817f in float32, so sqrt(2) > c is true in
// the reference and false in float32. The element-wise rule evaluates greater at sqrt(2) +- b and grants
// the flip (budget 1); sqrt(9) = 3 is far from c and must not flip.
TEST(Budget, ComparisonFlipsOnlyWithinTheInputBudget) {
  const double c = static_cast<float>(std::sqrt(2.0));
  Graph g;
  const ValueId x = g.add_input(cat(), "x", {kBatch, 2});
  const ValueId r = g.add(cat(), "r", "tf.math.sqrt", json::object(), {x});
  g.outputs = {g.add(cat(), "gt", "tf.math.greater", {{"y", c}}, {r})};
  ASSERT_EQ(g.values[g.outputs[0]].dtype, DType::Bool);
  const Tensor<double> in({1, 2}, {2.0, 9.0});
  const Reference R = compute_reference(g, cat(), kern(), {in}, DType::F32);
  const Tensor<double>& ref = R.values.at(g.outputs[0]);
  const Tensor<double>& b = R.budgets.at(g.outputs[0]);
  EXPECT_EQ(ref[0], 1.0);
  EXPECT_EQ(ref[1], 1.0);
  EXPECT_EQ(b[0], 1.0);  // the flip lies within sqrt's budget
  EXPECT_EQ(b[1], 0.0);  // 3 > c whatever float32 sqrt does
  const Comparator cmp;
  auto verdict = [&](std::vector<double> got) {
    RunResult rr;
    rr.outputs.push_back(Tensor<double>({1, 2}, std::move(got)));
    return cmp.compare(g, R, rr);
  };
  EXPECT_EQ(verdict({0, 1}).disposition, Disposition::Passed);  // the flip inside the budget
  const CompareResult bad = verdict({1, 0});                      // a flip outside it
  EXPECT_EQ(bad.disposition, Disposition::Diverged);
  ASSERT_EQ(bad.outputs[0].points.size(), 1u);
  EXPECT_EQ(bad.outputs[0].points[0].index, 1);
  EXPECT_EQ(bad.outputs[0].dtype, "bool");
  // cpu32 really flips, and evaluate_case passes it.
  Cpu32Executor cpu(cat(), kern());
  EXPECT_EQ(cpu.run(g, {in}).outputs[0][0], 0.0);
  CaseFile cf;
  cf.graph = g;
  cf.inputs = std::vector<NamedTensor>{{"x", in}};
  const CaseVerdict v = evaluate_case(cf, {&cpu}, cat(), kern(), Comparator());
  EXPECT_EQ(v.executors[0].disposition, Disposition::Passed) << v.executors[0].reason;
}

// Equality jumps on a single point: 0.1f * 10 is 1.0000000149 in float64 but rounds to 1 in float32, so
// (x * 10) == 1 may flip where the product's budget reaches 1 (seed 1, case 11254: l2_normalize == 1), even
// though neither end of that budget interval compares equal. Where 1 lies outside it, it may not.
TEST(Budget, EqualityFlipsWhereTheOperandsMayMeet) {
  for (const char* op : {"tf.math.equal", "tf.math.not_equal"}) {
    Graph g;
    const ValueId x = g.add_input(cat(), "x", {kBatch, 2});
    const ValueId p = g.add(cat(), "p", "tf.math.multiply", {{"y", 10.0}}, {x});
    g.outputs = {g.add(cat(), "eq", op, {{"y", 1.0}}, {p})};
    const Tensor<double> in({1, 2}, {static_cast<float>(0.1), static_cast<float>(0.2)});
    const Reference R = compute_reference(g, cat(), kern(), {in}, DType::F32);
    const Tensor<double>& b = R.budgets.at(g.outputs[0]);
    EXPECT_EQ(b[0], 1.0) << op;  // 1 lies within the product's budget
    EXPECT_EQ(b[1], 0.0) << op;  // 2 is far from 1
    Cpu32Executor cpu(cat(), kern());
    CaseFile cf;
    cf.graph = g;
    cf.inputs = std::vector<NamedTensor>{{"x", in}};
    const CaseVerdict v = evaluate_case(cf, {&cpu}, cat(), kern(), Comparator());
    EXPECT_NE(cpu.run(g, {in}).outputs[0][0], R.values.at(g.outputs[0])[0]) << op << ": float32 really flips";
    EXPECT_EQ(v.executors[0].disposition, Disposition::Passed) << op << ": " << v.executors[0].reason;
  }
}

// sin and cos are not monotone: with an operand budget of several periods, the ends of x +- b may both land
// near sin(x) while values between reach anything in [-1, 1]; the budget is min(b, 2) (slope 1, range 2).
// tan gets an infinite budget where a pole lies within x +- b, and the ends' change elsewhere.
TEST(Budget, PeriodicFunctionsSeeTheWholeInterval) {
  for (const char* op : {"tf.math.sin", "tf.math.cos", "tf.math.tan"}) {
    Graph g;
    const ValueId x = g.add_input(cat(), "x", {kBatch, 3});
    const ValueId e = g.add(cat(), "e", "tf.math.exp", json::object(), {x});  // exp(22) ~ 3.6e9: budget ~ 1e3
    g.outputs = {g.add(cat(), "f", op, json::object(), {e})};
    const Tensor<double> in({1, 3}, {22.0, 0.25, -3.0});
    const Reference R = compute_reference(g, cat(), kern(), {in}, DType::F32);
    const Tensor<double>& be = R.budgets.at(e);
    const Tensor<double>& b = R.budgets.at(g.outputs[0]);
    ASSERT_GT(be[0], 100.0);
    if (std::string(op) == "tf.math.tan") {
      EXPECT_EQ(b[0], std::numeric_limits<double>::infinity()) << op;  // poles within exp's budget
      EXPECT_LT(b[1], 1e-5) << op;  // tan(1.28): no pole within a few ulps
    } else {
      EXPECT_GE(b[0], 2.0) << op;
      EXPECT_LT(b[1], 1e-5) << op;
    }
    EXPECT_LT(b[2], 1e-5) << op;
  }
}

// A value beyond float32's range is inf in float32 (exp(100)), and sin(inf) is NaN: from there on the budget
// is unbounded (seed 2, case 11993), while elements in range keep theirs.
TEST(Budget, OverflowToInfinityIsUnbounded) {
  Graph g;
  const ValueId x = g.add_input(cat(), "x", {kBatch, 2});
  const ValueId e = g.add(cat(), "e", "tf.math.exp", json::object(), {x});
  g.outputs = {g.add(cat(), "s", "tf.math.sin", json::object(), {e})};
  const Tensor<double> in({1, 2}, {100.0, 1.0});
  const Reference R = compute_reference(g, cat(), kern(), {in}, DType::F32);
  EXPECT_EQ(R.budgets.at(e)[0], std::numeric_limits<double>::infinity());
  EXPECT_EQ(R.budgets.at(g.outputs[0])[0], std::numeric_limits<double>::infinity());
  EXPECT_LT(R.budgets.at(g.outputs[0])[1], 1e-5);  // sin(e): exp's few ulps at e (2.7) plus sin's own, about 2e-6
  Cpu32Executor cpu(cat(), kern());
  EXPECT_TRUE(std::isnan(cpu.run(g, {in}).outputs[0][0]));
  CaseFile cf;
  cf.graph = g;
  cf.inputs = std::vector<NamedTensor>{{"x", in}};
  const CaseVerdict v = evaluate_case(cf, {&cpu}, cat(), kern(), Comparator());
  EXPECT_NE(v.executors[0].disposition, Disposition::Diverged) << v.executors[0].reason;
}

// The campaign cases that showed the gaps closed above (seeds 2, 5, 6 of `parity run --cases 20000`, shrunk):
// sin of an overflowing exp, l2_normalize of inputs carrying budgets (not monotone: its own rule), and a
// Euclidean norm whose squares underflow. cpu32 must pass each.
TEST(Budget, CampaignRegressionsPassOnCpu32) {
  Cpu32Executor cpu(cat(), kern());
  auto check = [&](Graph g, Tensor<double> in, const char* what) {
    CaseFile cf;
    cf.graph = std::move(g);
    cf.inputs = std::vector<NamedTensor>{{"x", std::move(in)}};
    const CaseVerdict v = evaluate_case(cf, {&cpu}, cat(), kern(), Comparator());
    EXPECT_EQ(v.executors[0].disposition, Disposition::Passed) << what << ": " << v.executors[0].reason;
  };
  {  // erfc(10) = 2.1e-45 and erfc(12) underflow; sqrt(x^2) over one element: float32 squares them to 0
    Graph g;
    const ValueId x = g.add_input(cat(), "x", {kBatch, 3, 1});
    const ValueId e = g.add(cat(), "e", "tf.math.erfc", json::object(), {x});
    g.outputs = {g.add(cat(), "n", "tf.math.reduce_euclidean_norm", {{"axis", -1}}, {e})};
    check(std::move(g), Tensor<double>({1, 3, 1}, {9.0, 9.5, 1.0}), "euclidean norm of tiny values");
  }
  {  // l2_normalize over a 3-element axis of values that carry exp's budget, mixed signs
    Graph g;
    const ValueId x = g.add_input(cat(), "x", {kBatch, 2, 3});
    const ValueId e = g.add(cat(), "e", "tf.math.expm1", json::object(), {x});
    g.outputs = {g.add(cat(), "l", "tf.math.l2_normalize", {{"axis", -1}}, {e})};
    check(std::move(g), Tensor<double>({1, 2, 3}, {0.3, -0.2, 1e-3, -2.5, 2.4, 0.01}), "l2_normalize");
  }
}

// int32 and bool outputs are compared exactly: no half ulp of slack, integers (0/1 for bool) only.
TEST(Comparator, Int32AndBoolOutputsAreExact) {
  Graph g;
  const ValueId x = g.add_input(cat(), "x", {kBatch, 3});
  const ValueId i = g.add(cat(), "am", "tf.math.argmax", {{"axis", -1}}, {x});
  g.outputs = {i};
  const Reference R = fake_reference(g, {2}, {0});
  const Comparator cmp;
  auto disp = [&](double got) {
    RunResult rr;
    rr.outputs.push_back(Tensor<double>({1, 1}, {got}));
    return cmp.compare(g, R, rr).disposition;
  };
  EXPECT_EQ(disp(2), Disposition::Passed);
  EXPECT_EQ(disp(2 + 2 * kEps), Disposition::Diverged);  // within half an ulp of 2 as a float: not an int
  EXPECT_EQ(disp(3), Disposition::Diverged);
  Graph h;
  const ValueId y = h.add_input(cat(), "x", {kBatch, 1});
  h.outputs = {h.add(cat(), "gt", "tf.math.greater", {{"y", 0.0}}, {y})};
  const Reference Rb = fake_reference(h, {1}, {1});  // may flip
  RunResult rr;
  rr.outputs.push_back(Tensor<double>({1, 1}, {0.5}));
  EXPECT_EQ(cmp.compare(h, Rb, rr).disposition, Disposition::Diverged);  // a bool is 0 or 1
  rr.outputs[0][0] = 0;
  EXPECT_EQ(cmp.compare(h, Rb, rr).disposition, Disposition::Passed);
}

// Arg max: a rival within the budgets of the maximum may be returned; one beyond them may not.
TEST(Budget, ArgMaxRivalsWithinTheBudgetAreAllowed) {
  Graph g;
  const ValueId x = g.add_input(cat(), "x", {kBatch, 3});
  const ValueId r = g.add(cat(), "r", "tf.math.sqrt", json::object(), {x});
  g.outputs = {g.add(cat(), "am", "tf.math.argmax", {{"axis", -1}}, {r})};
  // sqrt(2 - 2^-23) and sqrt(2) differ by less than sqrt's budget; sqrt(1) is far below both.
  const double a = 2.0, bnear = static_cast<float>(2.0 - 1e-7), far = 1.0;
  const Reference R = compute_reference(g, cat(), kern(), {Tensor<double>({1, 3}, {bnear, a, far})}, DType::F32);
  EXPECT_EQ(R.values.at(g.outputs[0])[0], 1.0);
  EXPECT_EQ(R.budgets.at(g.outputs[0])[0], 1.0);  // index 0 is a rival (distance 1), index 2 is not
}

}  // namespace
}  // namespace parity
