// The case generator: validity and bounds of every case, byte-identical reproduction, op filters and
// families, coverage of the whole catalog, and shrinking to minimal failing cases.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <thread>
#include <cmath>
#include <map>
#include <set>

#include "harness/engine/generator.h"
#include "oracles/executor.h"
#include "oracles/ref/ref_executor.h"

namespace parity {
namespace {

const Catalog& cat() { return default_catalog(); }

std::vector<Tensor<double>> inputs_of(const CaseFile& cf) {
  if (!cf.inputs) return random_inputs(cf.graph, cat(), cf.input_seed, cf.batch);
  std::vector<Tensor<double>> out;
  for (const NamedTensor& t : *cf.inputs) out.push_back(t.tensor);
  return out;
}

int op_nodes(const Graph& g) { return graph_size(cat(), g, 1).op_nodes; }

// Every generated case: valid, within its bounds, and runnable on ref64 and cpu32 with finite outputs.
void check_case(const GenConfig& cfg, const GeneratedCase& gc) {
  const CaseFile& cf = gc.cf;
  RC_ASSERT_FALSE(cf.inputs.has_value() && cf.inputs->empty());
  validate(cf.graph, cat());
  const GraphSize size = graph_size(cat(), cf.graph, cf.batch);
  RC_ASSERT(size.op_nodes >= 1);
  RC_ASSERT(size.op_nodes <= cfg.max_nodes);
  RC_ASSERT(size.max_elements <= cfg.max_elements);
  RC_ASSERT(size.flops <= cfg.max_flops);
  RC_ASSERT(cf.batch >= 1 && cf.batch <= cfg.max_batch);
  const auto inputs = inputs_of(cf);
  for (const char* name : {"ref64", "cpu32"}) {
    const RunResult r = make_executor(name)->run(cf.graph, inputs);
    RC_ASSERT(r.outputs.size() == cf.graph.outputs.size());
    for (const auto& t : r.outputs)
      for (double v : t.data)
        if (!std::isfinite(v)) RC_FAIL(fmt::format("{}: {} gives {} in\n{}", gc.id, name, v, describe(cf.graph)));
  }
}

RC_GTEST_PROP(Generator, EveryCaseIsValidBoundedAndRuns, ()) {
  GenConfig cfg;
  cfg.family = *rc::gen::element(GraphFamily::Layers, GraphFamily::TfOps, GraphFamily::Both);
  cfg.max_nodes = *rc::gen::inRange(1, 13);
  cfg.max_elements = *rc::gen::element<int64_t>(256, 4096, 20000);
  cfg.max_flops = *rc::gen::element<int64_t>(5000, 1 << 20);
  const auto seed = *rc::gen::arbitrary<uint64_t>();
  const auto index = *rc::gen::inRange<uint64_t>(0, 1000);
  check_case(cfg, CaseGenerator(cat(), cfg).generate(seed, index));
}

// PARITY_GEN_CASES=N checks the first N cases (a longer sweep than the default 400), and
// PARITY_GEN_BIG=1 uses larger bounds than the defaults.
TEST(Generator, CampaignCasesAreValid) {
  GenConfig cfg;
  if (std::getenv("PARITY_GEN_BIG")) {
    cfg.max_nodes = 16;
    cfg.max_elements = 50000;
    cfg.max_flops = 1 << 26;
  }
  const CaseGenerator gen(cat(), cfg);
  const uint64_t n = std::getenv("PARITY_GEN_CASES") ? std::stoull(std::getenv("PARITY_GEN_CASES")) : 400;
  for (uint64_t i = 0; i < n; ++i) {
    const GeneratedCase gc = gen.generate(7, i);
    EXPECT_EQ(gc.id, fmt::format("s7-{}", i));
    check_case(cfg, gc);
  }
  std::printf("checked %llu cases\n", static_cast<unsigned long long>(n));
}

std::string case_text(const CaseGenerator& gen, uint64_t seed, uint64_t index) {
  return case_to_json(gen.generate(seed, index).cf).dump();
}

TEST(Generator, SameSeedGivesByteIdenticalCases) {
  const GenConfig cfg;
  const CaseGenerator a(cat(), cfg), b(cat(), cfg);
  std::set<std::string> distinct;
  for (uint64_t i = 0; i < 200; ++i) {
    const std::string text = case_text(a, 11, i);
    EXPECT_EQ(text, case_text(b, 11, i)) << "index " << i;
    EXPECT_EQ(text, case_to_json(generate_case(cat(), cfg, 11, i).cf).dump());
    distinct.insert(text);
  }
  EXPECT_EQ(distinct.size(), 200u) << "different indices must give different cases";
  EXPECT_NE(case_text(a, 11, 5), case_text(a, 12, 5));
}

// The campaign runner shares one generator between worker threads.
TEST(Generator, ThreadsGetTheSameCases) {
  const CaseGenerator gen(cat(), GenConfig{});
  std::vector<std::string> seq(200), par(200);
  for (uint64_t i = 0; i < 200; ++i) seq[i] = case_text(gen, 4, i);
  std::vector<std::thread> threads;
  for (uint64_t t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (uint64_t i = t; i < 200; i += 4) par[i] = case_text(gen, 4, i);
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(seq, par);
}

// Reproduction across processes and machines cannot be observed inside one process, so this pins the
// hash of the first cases of a seed to the value recorded when the generator was written (g++ 12, x86-64,
// Debian's RapidCheck). A change to the catalog's gen lists/hooks, the recipe or the builder legitimately
// moves it: then re-record it, after checking the change was meant to alter generated cases.
TEST(Generator, CasesMatchRecordedHash) {
  const CaseGenerator gen(cat(), GenConfig{});
  uint64_t h = 1469598103934665603ull;
  for (uint64_t i = 0; i < 50; ++i)
    for (unsigned char ch : case_text(gen, 2024, i)) h = (h ^ ch) * 1099511628211ull;
  EXPECT_EQ(fmt::format("{:016x}", h), "ae176a26c57cfa1f");
}

std::set<std::string> ops_in(const Graph& g) {
  std::set<std::string> ops;
  for (const Node& n : g.nodes)
    if (n.op != "InputLayer") ops.insert(n.op);
  return ops;
}

TEST(Generator, OpFiltersAreRespected) {
  GenConfig cfg;
  cfg.ops = {"conv2d, DENSE", "tf.Math.Add", "math.sqrt"};  // case-insensitive, commas, "tf." optional
  const CaseGenerator gen(cat(), cfg);
  EXPECT_EQ(gen.enabled_ops(), (std::vector<std::string>{"tf.math.sqrt", "Dense", "Conv2D", "tf.math.add"}));  // catalog order
  std::set<std::string> seen;
  for (uint64_t i = 0; i < 300; ++i)
    for (const std::string& op : ops_in(gen.generate(3, i).cf.graph)) seen.insert(op);
  EXPECT_EQ(seen, (std::set<std::string>{"Dense", "Conv2D", "tf.math.sqrt", "tf.math.add"}));

  GenConfig ex;
  ex.exclude = {"dense", "Conv2D", "tf.math.exp"};
  const CaseGenerator without(cat(), ex);
  for (uint64_t i = 0; i < 300; ++i)
    for (const std::string& op : ops_in(without.generate(3, i).cf.graph))
      EXPECT_TRUE(op != "Dense" && op != "Conv2D" && op != "tf.math.exp") << op;

  GenConfig bad;
  bad.ops = {"Conv3D"};
  EXPECT_THROW(CaseGenerator(cat(), bad), ParityError);
  bad.ops = {"tf.math.add"};
  bad.family = GraphFamily::Layers;
  EXPECT_THROW(CaseGenerator(cat(), bad), ParityError);
}

TEST(Generator, FamiliesAreRespected) {
  for (GraphFamily fam : {GraphFamily::Layers, GraphFamily::TfOps}) {
    GenConfig cfg;
    cfg.family = fam;
    const CaseGenerator gen(cat(), cfg);
    for (uint64_t i = 0; i < 300; ++i)
      for (const std::string& op : ops_in(gen.generate(5, i).cf.graph))
        EXPECT_EQ(cat().at(op).family, fam == GraphFamily::Layers ? Family::Layer : Family::TfOp) << op;
  }
  // Both: some cases of each family, never mixed.
  const CaseGenerator both(cat(), GenConfig{});
  int layers = 0, tf = 0;
  for (uint64_t i = 0; i < 200; ++i) {
    std::set<Family> fams;
    for (const std::string& op : ops_in(both.generate(5, i).cf.graph)) fams.insert(cat().at(op).family);
    EXPECT_EQ(fams.size(), 1u);
    (*fams.begin() == Family::Layer ? layers : tf)++;
  }
  EXPECT_GT(layers, 50);
  EXPECT_GT(tf, 50);
}

// Over 6000 default cases (about 25 per op with ~240 catalog ops) every op appears, and so does every way an
// op can be fed: merges with 2 and 3 inputs, TF binary ops with two tensors and with a constant on either
// side, matmul with a constant b.
TEST(Generator, CoversTheWholeCatalog) {
  const CaseGenerator gen(cat(), GenConfig{});
  std::map<std::string, int> count, form;
  int functional = 0;
  for (uint64_t i = 0; i < 6000; ++i) {
    const Graph g = gen.generate(99, i).cf.graph;
    bool branches = false;
    for (const Node& n : g.nodes) {
      if (n.op == "InputLayer") continue;
      ++count[n.op];
      const OpSpec& spec = cat().at(n.op);
      if (n.inputs.size() > 1) ++form[fmt::format("{} inputs", n.inputs.size())];
      if (spec.attrs.size() == 2 && spec.find_attr("x") && spec.find_attr("y")) {
        if (n.inputs.size() == 2) ++form["binary tensor-tensor"];
        else ++form[n.attrs.at("x").is_null() ? "binary tensor-const" : "binary const-tensor"];
      }
      if (n.op == "tf.linalg.matmul") ++form[n.inputs.size() == 2 ? "matmul two inputs" : "matmul const b"];
      if (n.inputs.size() > 1 || g.inputs.size() > 1) branches = true;
    }
    if (branches || g.outputs.size() > 1) ++functional;
  }
  std::string table;
  for (const OpSpec& op : cat().ops()) {
    if (op.name == "InputLayer") continue;
    table += fmt::format("{:24}{:6}\n", op.name, count[op.name]);
    // >= 10: the rarest are ops whose input shape must fit (depth_to_space: depth divisible by b * b).
    EXPECT_GE(count[op.name], 10) << op.name << " is (almost) never generated";
  }
  for (const auto& [k, v] : form) table += fmt::format("{:24}{:6}\n", k, v);
  std::printf("ops over 6000 cases (seed 99):\n%s%d cases with branches or several inputs/outputs\n", table.c_str(),
              functional);
  for (const char* f : {"2 inputs", "3 inputs", "binary tensor-tensor", "binary tensor-const", "binary const-tensor",
                        "matmul two inputs", "matmul const b"})
    EXPECT_GE(form[f], 10) << f;
  EXPECT_GT(functional, 1000);
}

// --- shrinking ------------------------------------------------------------------------------------------

bool has_same_conv(const CaseFile& cf) {
  for (const Node& n : cf.graph.nodes)
    if (n.op == "Conv2D" && n.attrs.at("padding") == "same") return true;
  return false;
}

// The first case of `seed` with at least `min_nodes` op nodes on which `fails` holds.
uint64_t find_failing(const CaseGenerator& gen, uint64_t seed, int min_nodes,
                      const std::function<bool(const CaseFile&)>& fails) {
  for (uint64_t i = 0; i < 5000; ++i) {
    const GeneratedCase gc = gen.generate(seed, i);
    if (op_nodes(gc.cf.graph) >= min_nodes && fails(gc.cf)) return i;
  }
  ADD_FAILURE() << "no failing case found";
  return 0;
}

TEST(Shrink, StructuralFailureShrinksToOneNode) {
  GenConfig cfg;
  cfg.family = GraphFamily::Layers;
  const CaseGenerator gen(cat(), cfg);
  const uint64_t index = find_failing(gen, 1, 7, has_same_conv);
  const GeneratedCase big = gen.generate(1, index);
  ShrinkStats st;
  const GeneratedCase small = gen.shrink(1, index, has_same_conv, 2000, &st);
  std::printf("%d op nodes -> %d (%d attempts, %d accepted):\n%s", op_nodes(big.cf.graph), op_nodes(small.cf.graph),
              st.attempts, st.accepted, describe(small.cf.graph).c_str());
  EXPECT_TRUE(has_same_conv(small.cf));
  validate(small.cf.graph, cat());
  EXPECT_EQ(op_nodes(small.cf.graph), 1);            // the minimal failing graph: one Conv2D
  EXPECT_LE(small.cf.graph.nodes.size(), 3u);        // counting InputLayer nodes
  EXPECT_EQ(small.cf.batch, 1);
  EXPECT_EQ(small.id, big.id);
}

// An injected fault: cpu32 with a Dense kernel that adds 0.5 to every output. The predicate is a real
// differential check (cpu32 vs ref64), so the shrinker must keep a Dense whose output reaches a graph output.
KernelFn<float> g_dense32 = nullptr;
void faulty_dense(const KernelArgs<float>& a) {
  g_dense32(a);
  for (float& v : a.out().data) v += 0.5f;
}

// "The case's outputs on `faulty` differ from ref64's by more than 1e-2 somewhere": what a shrink keeps.
std::function<bool(const CaseFile&)> differs_from_ref64(Executor& faulty) {
  return [&faulty, ref = std::shared_ptr<Executor>(make_executor("ref64"))](const CaseFile& cf) {
    const auto inputs = inputs_of(cf);
    const RunResult want = ref->run(cf.graph, inputs), got = faulty.run(cf.graph, inputs);
    for (size_t o = 0; o < want.outputs.size(); ++o)
      for (size_t i = 0; i < want.outputs[o].data.size(); ++i)
        if (std::abs(want.outputs[o].data[i] - got.outputs[o].data[i]) > 1e-2) return true;
    return false;
  };
}

TEST(Shrink, InjectedFaultShrinksToAMinimalGraph) {
  KernelTable table = default_kernels();
  g_dense32 = table.at("Dense").f32;
  table["Dense"].f32 = &faulty_dense;
  Cpu32Executor faulty(cat(), table);
  auto diverges = differs_from_ref64(faulty);
  GenConfig cfg;
  cfg.family = GraphFamily::Layers;
  const CaseGenerator gen(cat(), cfg);
  const uint64_t index = find_failing(gen, 2, 6, diverges);
  ShrinkStats st;
  const GeneratedCase small = gen.shrink(2, index, diverges, 2000, &st);
  std::printf("%d op nodes -> %d (%d attempts, %d accepted):\n%s", op_nodes(gen.generate(2, index).cf.graph),
              op_nodes(small.cf.graph), st.attempts, st.accepted, describe(small.cf.graph).c_str());
  EXPECT_TRUE(diverges(small.cf));
  EXPECT_EQ(op_nodes(small.cf.graph), 1);  // a lone Dense
  EXPECT_EQ(small.cf.graph.nodes.size(), 2u);
}

// The same with a fault in an op whose input must be bool: the minimal graph is the op and its feeder, and
// the shrink must end (deleting the pinned feeder rebuilds the same case; see CaseGenerator::shrink).
KernelFn<float> g_not32 = nullptr;
void faulty_logical_not(const KernelArgs<float>& a) {
  g_not32(a);
  for (float& v : a.out().data) v = 1 - v;  // logical_not turned into identity
}

TEST(Shrink, InjectedFaultBehindAFeederShrinksToTwoNodes) {
  KernelTable table = default_kernels();
  g_not32 = table.at("tf.math.logical_not").f32;
  table["tf.math.logical_not"].f32 = &faulty_logical_not;
  Cpu32Executor faulty(cat(), table);
  auto diverges = differs_from_ref64(faulty);
  GenConfig cfg;
  cfg.family = GraphFamily::TfOps;
  const CaseGenerator gen(cat(), cfg);
  const uint64_t index = find_failing(gen, 5, 5, diverges);
  ShrinkStats st;
  const GeneratedCase small = gen.shrink(5, index, diverges, 2000, &st);
  std::printf("%d op nodes -> %d (%d attempts, %d accepted, %d builds):\n%s", op_nodes(gen.generate(5, index).cf.graph),
              op_nodes(small.cf.graph), st.attempts, st.accepted, st.builds, describe(small.cf.graph).c_str());
  EXPECT_TRUE(diverges(small.cf));
  EXPECT_EQ(ops_in(small.cf.graph).count("tf.math.logical_not"), 1u);
  EXPECT_EQ(op_nodes(small.cf.graph), 2);  // the feeder (a comparison) and logical_not
  EXPECT_EQ(small.cf.graph.nodes.size(), 3u);
  EXPECT_LT(st.builds, 100 * 2000);
}

// A failure needing two nodes (a merge layer fed by a Dense) shrinks to those two.
TEST(Shrink, TwoNodeFailureShrinksToTwoNodes) {
  const std::set<std::string> merges = {"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot"};
  auto dense_into_add = [&](const CaseFile& cf) {
    const Graph& g = cf.graph;
    for (const Node& n : g.nodes)
      if (merges.count(n.op))
        for (ValueId v : n.inputs)
          if (g.nodes[g.values[v].producer].op == "Dense") return true;
    return false;
  };
  GenConfig cfg;
  cfg.family = GraphFamily::Layers;
  const CaseGenerator gen(cat(), cfg);
  const uint64_t index = find_failing(gen, 3, 6, dense_into_add);
  const GeneratedCase small = gen.shrink(3, index, dense_into_add);
  std::printf("%s", describe(small.cf.graph).c_str());
  EXPECT_TRUE(dense_into_add(small.cf));
  EXPECT_EQ(op_nodes(small.cf.graph), 2);
  EXPECT_LE(small.cf.graph.nodes.size(), 4u);  // with at most 2 InputLayers
}

// For every op: a case holding it among at least 4 op nodes shrinks to that op alone (the minimal graph
// for "contains op X"), with at most 3 nodes counting InputLayers (merges keep 2 inputs). An op whose first
// input must be bool or int32 keeps the one feeder node that makes it from the float32 input. The shrinker
// shrinks dimensions but never drops one, so an op needing a lower rank than the input the generator drew
// for it (rot90 wants rank 4) may keep exactly one op in front of it, and only one that changes the rank.
// One test per op, so CTest spreads them over the cores and a slow shrink names its op.
class ShrinkOp : public ::testing::TestWithParam<std::string> {};

TEST_P(ShrinkOp, ShrinksToItself) {
  const CaseGenerator gen(cat(), GenConfig{});
  const OpSpec& op = cat().at(GetParam());
  const int feeders = accepts_dtype(op, 0, DType::F32) ? 0 : 1;
  auto has_op = [&](const CaseFile& cf) { return ops_in(cf.graph).count(op.name) > 0; };
  const uint64_t index = find_failing(gen, 8, 4, has_op);
  ShrinkStats st;
  const GeneratedCase small = gen.shrink(8, index, has_op, 2000, &st);
  const Graph& g = small.cf.graph;
  ASSERT_TRUE(has_op(small.cf));
  // The walk ends by itself, not at the build bound (100 x attempts): deleting a pinned feeder rebuilds the
  // same case, which once counted as a move and looped forever (issue 3).
  EXPECT_LT(st.builds, 100 * 2000) << st.attempts << " attempts";
  EXPECT_LE(st.builds, st.attempts + 200) << "same-case rebuilds are a few per accepted shrink";
  const int extra = op_nodes(g) - 1 - feeders;
  EXPECT_GE(extra, 0);
  EXPECT_LE(extra, 1) << describe(g);
  EXPECT_LE(g.nodes.size(), 3u + static_cast<size_t>(feeders)) << describe(g);
  if (extra == 1) {  // the one extra op must exist to change the rank the op receives
    const auto target = std::find_if(g.nodes.begin(), g.nodes.end(), [&](const Node& n) { return n.op == op.name; });
    const size_t op_rank = g.values.at(target->inputs.at(0)).shape.size();
    for (ValueId in : g.inputs)
      EXPECT_NE(g.values.at(in).shape.size(), op_rank) << "an extra op that keeps the rank:\n" << describe(g);
  }
}

std::vector<std::string> catalog_ops() {
  std::vector<std::string> names;
  for (const OpSpec& op : cat().ops())
    if (op.name != "InputLayer") names.push_back(op.name);
  return names;
}

INSTANTIATE_TEST_SUITE_P(EveryOp, ShrinkOp, ::testing::ValuesIn(catalog_ops()), [](const auto& info) {
  std::string id;
  for (char ch : info.param) id += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
  return id;
});

// --- sizes (numbers for docs/generator.md) ---------------------------------------------------------------

int64_t percentile(std::vector<int64_t> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(p * static_cast<double>(v.size() - 1))];
}

TEST(Generator, DefaultCampaignSizes) {
  const CaseGenerator gen(cat(), GenConfig{});
  std::vector<int64_t> nodes, elems, flops, skipped, inputs, depth, outputs;
  const auto t0 = std::chrono::steady_clock::now();
  for (uint64_t i = 0; i < 5000; ++i) {
    const GeneratedCase gc = gen.generate(1, i);
    const GraphSize s = graph_size(cat(), gc.cf.graph, gc.cf.batch);
    nodes.push_back(s.op_nodes);
    elems.push_back(s.max_elements);
    flops.push_back(s.flops);
    skipped.push_back(gc.skipped_nodes);
    inputs.push_back(static_cast<int64_t>(gc.cf.graph.inputs.size()));
    const Graph& g = gc.cf.graph;  // depth: op nodes on the longest input-to-output path
    std::vector<int64_t> d(g.values.size(), 0);
    int64_t deepest = 0;
    for (const Node& n : g.nodes) {
      int64_t in = 0;
      for (ValueId v : n.inputs) in = std::max(in, d[v]);
      for (ValueId v : n.outputs) deepest = std::max(deepest, d[v] = n.op == "InputLayer" ? 0 : in + 1);
    }
    depth.push_back(deepest);
    outputs.push_back(static_cast<int64_t>(g.outputs.size()));
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto row = [](const char* name, const std::vector<int64_t>& v) {
    double mean = 0;
    for (int64_t x : v) mean += static_cast<double>(x) / static_cast<double>(v.size());
    std::printf("%-14s mean %9.1f  p10 %7ld  p50 %7ld  p90 %7ld  p99 %8ld  max %8ld\n", name, mean,
                (long)percentile(v, 0.1), (long)percentile(v, 0.5), (long)percentile(v, 0.9), (long)percentile(v, 0.99),
                (long)percentile(v, 1.0));
  };
  std::printf("5000 cases (seed 1, default config) in %.2f s: %.0f cases/s\n", secs, 5000 / secs);
  row("op nodes", nodes);
  row("depth", depth);
  row("graph inputs", inputs);
  row("graph outputs", outputs);
  row("max elements", elems);
  row("flops", flops);
  row("skipped nodes", skipped);
  std::map<int64_t, int> hist;
  for (int64_t n : nodes) ++hist[n];
  for (const auto& [n, k] : hist) std::printf("  %ld op nodes: %d cases\n", (long)n, k);
}

}  // namespace
}  // namespace parity
