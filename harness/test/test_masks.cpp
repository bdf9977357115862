// Keras masks across op families (oracles/ref/masks.h): which layers pass a mask on (Dense, Dropout,
// TimeDistributed), combine masks (Add: AND of the masked inputs; Concatenate on the last axis: AND), drop it
// (Permute, Conv1D, TF ops), refuse it (Softmax, GlobalAveragePooling1D), and how the error budget treats a
// mask float32 could compute differently.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "harness/catalog/catalog.h"
#include "harness/engine/compare.h"
#include "harness/engine/evaluate.h"
#include "harness/engine/generator.h"
#include "harness/test/expect_error.h"
#include "oracles/ref/masks.h"
#include "oracles/ref/ref_executor.h"

namespace parity {
namespace {

using testing::expect_error;

const Catalog& cat() { return default_catalog(); }

Tensor<double> T(Shape s, std::vector<double> d) { return Tensor<double>(std::move(s), std::move(d)); }

// input [N, 3, 2] -> Masking(0) -> ...: rows of x with all-zero steps.
struct Masked {
  Graph g;
  ValueId x, m;
  Masked() {
    x = g.add_input(cat(), "x", {kBatch, 3, 2});
    m = g.add(cat(), "masking", "Masking", {{"mask_value", 0.0}}, {x});
  }
  // Runs on ref64 and returns value v's mask as 0/1 values (empty when it carries none).
  std::vector<double> mask_of(ValueId v, const std::vector<Tensor<double>>& inputs) {
    fill_random_weights(g, cat(), 7);
    if (g.outputs.empty()) g.outputs = {v};
    Ref64Executor ref(cat(), default_kernels());
    const RunResult r = ref.run(g, inputs, RunOptions{.want_intermediates = true});
    auto it = r.masks.find(v);
    EXPECT_EQ(it != r.masks.end(), masked_values(g, cat()).at(v)) << "runtime and static analysis disagree";
    return it == r.masks.end() ? std::vector<double>{} : it->second.data;
  }
};

const Tensor<double> kX = T({1, 3, 2}, {1, 2, 0, 0, 0, 3});  // step 1 masked

TEST(MaskPropagation, PassThroughDenseDropoutTimeDistributed) {
  Masked t;
  const ValueId d = t.g.add(cat(), "dense", "Dense", {{"units", 4}}, {t.m});
  const ValueId r = t.g.add(cat(), "dropout", "Dropout", {{"rate", 0.5}}, {d});
  const ValueId td = t.g.add(cat(), "td", "TimeDistributed",
                             {{"layer", {{"class_name", "Dense"}, {"config", {{"units", 2}}}}}}, {r});
  EXPECT_EQ(t.mask_of(td, {kX}), (std::vector<double>{1, 0, 1}));
}

TEST(MaskPropagation, DroppedByLayersWithoutSupportsMasking) {
  Masked t;
  const ValueId p = t.g.add(cat(), "permute", "Permute", {{"dims", {1, 2}}}, {t.m});
  EXPECT_TRUE(t.mask_of(p, {kX}).empty());
  Masked u;
  const ValueId c = u.g.add(cat(), "conv", "Conv1D", {{"filters", 2}, {"kernel_size", 1}}, {u.m});
  EXPECT_TRUE(u.mask_of(c, {kX}).empty());
  // An RNN after a dropped mask runs every step; with return_sequences false no mask goes out either.
  Masked v;
  const ValueId r = v.g.add(cat(), "rnn", "SimpleRNN", {{"units", 2}}, {v.m});
  EXPECT_TRUE(v.mask_of(r, {kX}).empty());
}

TEST(MaskPropagation, MergeIsTheAndOfTheMaskedInputs) {
  // The second branch masks step 2 only.
  Masked t;
  const ValueId x2 = t.g.add_input(cat(), "x2", {kBatch, 3, 2});
  const ValueId m2 = t.g.add(cat(), "masking_2", "Masking", {{"mask_value", 0.0}}, {x2});
  const ValueId a = t.g.add(cat(), "add", "Add", json::object(), {t.m, m2});
  const Tensor<double> x2v = T({1, 3, 2}, {1, 1, 1, 1, 0, 0});
  EXPECT_EQ(t.mask_of(a, {kX, x2v}), (std::vector<double>{1, 0, 0}));
  // An unmasked input is ignored (_Merge.compute_mask skips None), not treated as all-masked.
  Masked u;
  const ValueId y = u.g.add_input(cat(), "y", {kBatch, 3, 2});
  const ValueId b = u.g.add(cat(), "add", "Add", json::object(), {y, u.m});
  EXPECT_EQ(u.mask_of(b, {kX, x2v}), (std::vector<double>{1, 0, 1}));
}

TEST(MaskPropagation, ConcatenateOnTheLastAxisIsAnAnd) {
  Masked t;
  const ValueId x2 = t.g.add_input(cat(), "x2", {kBatch, 3, 2});
  const ValueId m2 = t.g.add(cat(), "masking_2", "Masking", {{"mask_value", 0.0}}, {x2});
  const ValueId c = t.g.add(cat(), "concat", "Concatenate", {{"axis", -1}}, {t.m, m2});
  EXPECT_EQ(t.mask_of(c, {kX, T({1, 3, 2}, {0, 0, 1, 1, 1, 1})}), (std::vector<double>{0, 0, 1}));
  // On the time axis the masks ([N, T, 1] after expand_dims) are concatenated along time.
  Masked u;
  const ValueId m3 = u.g.add(cat(), "masking_2", "Masking", {{"mask_value", 0.0}}, {u.g.add_input(cat(), "x2", {kBatch, 3, 2})});
  const ValueId t1 = u.g.add(cat(), "concat", "Concatenate", {{"axis", 1}}, {u.m, m3});
  EXPECT_EQ(u.mask_of(t1, {kX, T({1, 3, 2}, {0, 0, 1, 1, 1, 1})}), (std::vector<double>{1, 0, 1, 0, 1, 1}));
}

// Keras's Concatenate.compute_mask raises when a masked input ([N, T] expanded to [N, T, 1]) meets an
// unmasked one ([N, T, 2]) on a non-last axis: parity refuses that graph naming the node, and the generator
// never makes one (nor any other node Keras raises on for its masks: merges, recurrent layers; with
// broadcasting merges, a mask need not be its value's shape without the last axis).
TEST(MaskPropagation, MasksKerasCannotCombineAreRefusedAndNeverGenerated) {
  Masked t;
  const ValueId x2 = t.g.add_input(cat(), "x2", {kBatch, 3, 2});
  t.g.outputs = {t.g.add(cat(), "concat", "Concatenate", {{"axis", 1}}, {t.m, x2})};
  fill_random_weights(t.g, cat(), 7);
  Ref64Executor ref(cat(), default_kernels());
  expect_error([&] { ref.run(t.g, {kX, T({1, 3, 2}, {1, 1, 1, 1, 1, 1})}); },
                            {"concat", "Keras cannot concatenate the masks [1,3,1], [1,3,2] on axis 1"});
  // The static analysis agrees: Keras raises for [N, 3] masked beside [N, 3, 2] unmasked on axis 1, not on the
  // last axis, not when both are masked, not when the unmasked input has one feature.
  auto raises = [&](Shape a, Shape b, bool b_masked, int64_t axis) {
    const Shape ma(a.begin(), a.end() - 1), mb(b.begin(), b.end() - 1);
    std::string why;
    const std::string name = "concat", op = "Concatenate";
    const json attrs = {{"axis", axis}};
    const std::vector<Shape> in = {a, b};
    const NodeView v{name, op, attrs, in};
    (void)output_mask_shapes(cat().at("Concatenate"), v, 1, {&ma, b_masked ? &mb : nullptr}, &why);
    return !why.empty();
  };
  EXPECT_TRUE(raises({kBatch, 3, 2}, {kBatch, 3, 2}, false, 1));
  EXPECT_FALSE(raises({kBatch, 3, 2}, {kBatch, 3, 2}, false, -1));
  EXPECT_FALSE(raises({kBatch, 3, 2}, {kBatch, 3, 2}, true, 1));
  EXPECT_FALSE(raises({kBatch, 3, 1}, {kBatch, 3, 1}, false, 1));

  GenConfig cfg;
  cfg.family = GraphFamily::Layers;
  cfg.ops = {"Masking", "Embedding", "Concatenate", "Multiply", "Add", "Dense", "LSTM"};
  int masked_concats = 0;
  for (uint64_t i = 0; i < 400; ++i) {
    const GeneratedCase gc = generate_case(cat(), cfg, 5, i);
    const Graph& g = gc.cf.graph;
    std::vector<std::optional<Shape>> masks;
    EXPECT_NO_THROW(masks = mask_shapes(g, cat())) << gc.id << "\n" << describe(g);
    for (const Node& n : g.nodes)
      if (n.op == "Concatenate" && !masks.empty())
        for (ValueId v : n.inputs) masked_concats += masks[v].has_value();
    EXPECT_NO_THROW(ref.run(g, case_inputs(gc.cf, cat()))) << gc.id << "\n" << describe(g);
  }
  EXPECT_GE(masked_concats, 10);  // the generator still concatenates masked values where Keras can
}

TEST(MaskPropagation, LayersThatReadTheMaskAreRefusedNamingTheNode) {
  Masked t;
  t.g.outputs = {t.g.add(cat(), "softmax", "Softmax", json::object(), {t.m})};
  {  // a mask that masks nothing changes nothing: computed as unmasked
    Ref64Executor ref(cat(), default_kernels());
    EXPECT_EQ(ref.run(t.g, {T({1, 3, 2}, {1, 2, 3, 4, 5, 6})}).outputs.size(), 1u);
  }
  expect_error([&] { masked_values(t.g, cat()); }, {"'softmax'", "Keras mask"});
  Ref64Executor ref(cat(), default_kernels());
  expect_error([&] { ref.run(t.g, {kX}); }, {"'softmax'", "Keras mask"});
  std::vector<const Node*> refusing;
  masked_values(t.g, cat(), &refusing);
  ASSERT_EQ(refusing.size(), 1u);
  EXPECT_EQ(refusing[0]->name, "softmax");
}

TEST(MaskPropagation, BudgetMakesAnUnsureMaskStepUnconstrained) {
  // Masking(0) -> SimpleRNN: a step is unsure only when its values' budgets reach the mask value.
  Graph g;
  const ValueId x = g.add_input(cat(), "x", {kBatch, 3, 1});
  const ValueId m = g.add(cat(), "masking", "Masking", {{"mask_value", 0.0}}, {x});
  g.outputs = {g.add(cat(), "rnn", "SimpleRNN", {{"units", 1}, {"return_sequences", true}}, {m})};
  fill_random_weights(g, cat(), 3);
  // Input 0.1 is not a float32: its rounding budget is ~1e-9, far from the mask value; 0 is exact.
  const Reference ref = compute_reference(g, cat(), default_kernels(), {T({1, 3, 1}, {0.1, 0, 0.3})}, DType::F32);
  const Tensor<double>& bm = ref.budgets.at(m);
  EXPECT_GT(bm[0], 0);
  EXPECT_EQ(bm[1], 0);  // masked, and surely so
  EXPECT_TRUE(std::isfinite(bm[0]));
  const Tensor<double>& br = ref.budgets.at(g.outputs[0]);
  for (int64_t i = 0; i < br.size(); ++i) EXPECT_TRUE(std::isfinite(br[i])) << i;
  // mask_value 0.1 (float32 0.100000001) against the input 0.1: float32 rounds the input onto the mask value,
  // ref64 holds 0.1 exactly: the step's mask is unsure, its budget +inf, and so are the RNN's outputs from it.
  Graph h = g;
  h.nodes[static_cast<size_t>(h.find_node("masking"))].attrs["mask_value"] = 0.1;
  const Reference r2 = compute_reference(h, cat(), default_kernels(), {T({1, 3, 1}, {0.1, 0, 0.3})}, DType::F32);
  EXPECT_EQ(r2.budgets.at(m)[0], std::numeric_limits<double>::infinity());
  EXPECT_EQ(r2.budgets.at(h.outputs[0])[0], std::numeric_limits<double>::infinity());
}

// Generated graphs exercise masks: Masking (mask_value 0) after ReLU-family layers gives recurrent layers
// masks with masked steps (random inputs are never exactly 0, so a step is masked only where an op upstream
// made all its features exact zeros).
TEST(MaskPropagation, GeneratedGraphsMaskSomeSteps) {
  GenConfig cfg;
  cfg.family = GraphFamily::Layers;
  cfg.ops = {"Masking", "Embedding", "ReLU", "ThresholdedReLU", "SimpleRNN", "GRU", "LSTM", "Bidirectional"};
  int masked_rnns = 0, with_masked_steps = 0;
  Ref64Executor ref(cat(), default_kernels());
  for (uint64_t i = 0; i < 300; ++i) {
    const GeneratedCase gc = generate_case(cat(), cfg, 11, i);
    const Graph& g = gc.cf.graph;
    RunResult r;
    try {
      r = ref.run(g, case_inputs(gc.cf, cat()), RunOptions{.want_intermediates = true});
    } catch (const ParityError&) {
      continue;  // a refused mask (docs/masks.md, "Generated graphs")
    }
    for (const Node& n : g.nodes) {
      if (mask_rule(cat().at(n.op)) != MaskRule::Recurrent) continue;
      auto it = r.masks.find(n.inputs.at(0));
      if (it == r.masks.end()) continue;
      ++masked_rnns;
      bool any_masked = false;
      for (double k : it->second.data) any_masked = any_masked || k == 0;
      with_masked_steps += any_masked;
    }
  }
  std::printf("generated: %d recurrent layers with a mask, %d of them with masked steps\n", masked_rnns,
              with_masked_steps);
  EXPECT_GE(masked_rnns, 10);
  EXPECT_GE(with_masked_steps, 3);
}

}  // namespace
}  // namespace parity
