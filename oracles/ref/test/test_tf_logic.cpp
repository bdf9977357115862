// tf_logic family: hand-computed values for every op and its subtle cases (NaN in comparisons and argmax,
// casts of -1.7 and NaN, top_k ties, one_hot out of range), dtypes through the IR, and the shape property.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cmath>
#include <limits>

#include "oracles/ref/test/test_util.h"

namespace parity::testing {
namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

const Registry& reg() {
  static const Registry r(register_tf_logic_ops, register_tf_logic_kernels);
  return r;
}

Tensor<double> t(Shape s, std::vector<double> v) { return Tensor<double>(std::move(s), std::move(v)); }

// One op whose inputs have the given dtypes: each float32 graph input goes through feed_dtype (bool: x > 0,
// so pass +-1; int32: truncation, so pass integers). Returns ref64's outputs; `cpu32` runs cpu32 instead.
std::vector<Tensor<double>> run_typed(const std::string& op, const json& attrs, const std::vector<Tensor<double>>& in,
                                      const std::vector<DType>& dtypes, bool cpu32 = false, Graph* out = nullptr) {
  Graph g;
  std::vector<ValueId> ins;
  for (size_t i = 0; i < in.size(); ++i) {
    Shape s = in[i].shape;
    s[0] = kBatch;
    const ValueId v = g.add_input(reg().catalog, "input_" + std::to_string(i), s);
    ins.push_back(feed_dtype(g, reg().catalog, v, dtypes.at(i), "feed_" + std::to_string(i)));
  }
  g.outputs = g.add_node(reg().catalog, "op", op, attrs, ins);
  validate(g, reg().catalog);
  if (out) *out = g;
  return cpu32 ? run<float>(reg(), g, in) : run<double>(reg(), g, in);
}

Tensor<double> run1(const std::string& op, const json& attrs, const std::vector<Tensor<double>>& in,
                    std::vector<DType> dtypes = {}) {
  if (dtypes.empty()) dtypes.assign(in.size(), DType::F32);
  return run_typed(op, attrs, in, dtypes).at(0);
}

DType out_dtype(const std::string& op, const json& attrs, const std::vector<Tensor<double>>& in,
                const std::vector<DType>& dtypes, size_t o = 0) {
  Graph g;
  run_typed(op, attrs, in, dtypes, false, &g);
  return g.values[g.outputs.at(o)].dtype;
}

// ---- comparisons -------------------------------------------------------------------------------------
const Tensor<double> X = t({1, 5}, {1, -2, kNaN, 0.5, -0.0});
const Tensor<double> Y = t({1, 5}, {1, 3, kNaN, 0.25, 0.0});

TEST(TfLogic, ComparisonsIncludingNaNAndSignedZero) {
  // NaN compares false everywhere but not_equal; -0 == +0.
  expect_near(run1("tf.math.equal", {}, {X, Y}), {1, 5}, {1, 0, 0, 0, 1});
  expect_near(run1("tf.math.not_equal", {}, {X, Y}), {1, 5}, {0, 1, 1, 1, 0});
  expect_near(run1("tf.math.greater", {}, {X, Y}), {1, 5}, {0, 0, 0, 1, 0});
  expect_near(run1("tf.math.greater_equal", {}, {X, Y}), {1, 5}, {1, 0, 0, 1, 1});
  expect_near(run1("tf.math.less", {}, {X, Y}), {1, 5}, {0, 1, 0, 0, 0});
  expect_near(run1("tf.math.less_equal", {}, {X, Y}), {1, 5}, {1, 1, 0, 0, 1});
  EXPECT_EQ(out_dtype("tf.math.less", {}, {X, Y}, {DType::F32, DType::F32}), DType::Bool);
}

TEST(TfLogic, ComparisonWithConstantOnEitherSide) {
  const double f02 = static_cast<float>(0.2);  // graph inputs are float32 values
  const Tensor<double> x = t({2, 2}, {0.125, f02, 0.375, 0.5});
  // y = 0.2 becomes the float32 constant 0.2f, equal to the float32 input 0.2f (not to the double 0.2).
  expect_near(run1("tf.math.greater_equal", {{"y", 0.2}}, {x}), {2, 2}, {0, 1, 1, 1});
  expect_near(run1("tf.math.equal", {{"y", 0.2}}, {x}), {2, 2}, {0, 1, 0, 0});
  // x = [0.25, 0.375] is the left operand: 0.25 > 0.125, 0.375 > 0.2f, 0.25 > 0.375 false, 0.375 > 0.5 false.
  expect_near(run1("tf.math.greater", {{"x", json::array({0.25, 0.375})}}, {x}), {2, 2}, {1, 1, 0, 0});
}

// ---- logical ops -------------------------------------------------------------------------------------
const Tensor<double> P = t({1, 4}, {1, 1, -1, -1});  // fed as x > 0: true true false false
const Tensor<double> Q = t({1, 4}, {1, -1, 1, -1});  //                true false true false

TEST(TfLogic, LogicalOpsTruthTables) {
  const std::vector<DType> bb{DType::Bool, DType::Bool};
  expect_near(run1("tf.math.logical_and", {}, {P, Q}, bb), {1, 4}, {1, 0, 0, 0});
  expect_near(run1("tf.math.logical_or", {}, {P, Q}, bb), {1, 4}, {1, 1, 1, 0});
  expect_near(run1("tf.math.logical_xor", {}, {P, Q}, bb), {1, 4}, {0, 1, 1, 0});
  expect_near(run1("tf.math.logical_not", {}, {P}, {DType::Bool}), {1, 4}, {0, 0, 1, 1});
  // Broadcasting: [1, 4] with [1, 1].
  expect_near(run1("tf.math.logical_and", {}, {P, t({1, 1}, {1})}, bb), {1, 4}, {1, 1, 0, 0});
}

TEST(TfLogic, DtypesAreCheckedNamingNodeAndInput) {
  // A float32 value into a logical op is rejected by add_node and names the node and the input.
  Graph g;
  const ValueId a = g.add_input(reg().catalog, "a", {kBatch, 3});
  try {
    g.add(reg().catalog, "lnot", "tf.math.logical_not", json::object(), {a});
    ADD_FAILURE() << "accepted a float32 input";
  } catch (const ParityError& e) {
    const std::string w = e.what();
    EXPECT_NE(w.find("node 'lnot'"), std::string::npos) << w;
    EXPECT_NE(w.find("input 0"), std::string::npos) << w;
    EXPECT_NE(w.find("float32"), std::string::npos) << w;
    EXPECT_NE(w.find("bool"), std::string::npos) << w;
  }
  // A comparison's bool output into a float op (another comparison) is rejected too.
  const ValueId b = g.add(reg().catalog, "gt", "tf.math.greater", json{{"y", 0.0}}, {a});
  EXPECT_THROW(g.add(reg().catalog, "gt2", "tf.math.greater", json{{"y", 0.0}}, {b}), ParityError);
  // validate() catches a value whose stored dtype disagrees with the op.
  g.outputs = {b};
  validate(g, reg().catalog);
  g.values[b].dtype = DType::F32;
  EXPECT_THROW(validate(g, reg().catalog), ParityError);
  g.values[b].dtype = DType::Bool;
  EXPECT_NE(describe(g).find("-> bool[N,3]"), std::string::npos) << describe(g);
}

// ---- where -------------------------------------------------------------------------------------------
TEST(TfLogic, WhereSelectsAndBroadcasts) {
  const Tensor<double> c = t({1, 4}, {1, -1, 1, -1});
  const Tensor<double> x = t({1, 4}, {10, 20, 30, 40});
  const Tensor<double> y = t({1, 1}, {-5});
  expect_near(run1("tf.where", {}, {c, x, y}, {DType::Bool, DType::F32, DType::F32}), {1, 4}, {10, -5, 30, -5});
  // NaN in the unselected branch does not leak; in the selected one it does.
  const Tensor<double> r = run1("tf.where", {}, {c, x, t({1, 1}, {kNaN})}, {DType::Bool, DType::F32, DType::F32});
  EXPECT_EQ(r[0], 10);
  EXPECT_TRUE(std::isnan(r[1]));
  EXPECT_EQ(r[2], 30);
  EXPECT_TRUE(std::isnan(r[3]));
}

// ---- cast --------------------------------------------------------------------------------------------
TEST(TfLogic, CastTruncatesTowardZeroAndHandlesNaN) {
  const Tensor<double> x = t({1, 7}, {-1.7, 1.7, -0.5, 2.0, kNaN, 3e9, -kInf});
  const Tensor<double> i = run1("tf.cast", {{"dtype", "int32"}}, {x});
  // Truncation toward zero: -1.7 -> -1 (not floor's -2); NaN, 3e9 (above INT32_MAX) and -inf -> INT32_MIN.
  expect_near(i, {1, 7}, {-1, 1, 0, 2, -2147483648.0, -2147483648.0, -2147483648.0});
  EXPECT_EQ(out_dtype("tf.cast", {{"dtype", "int32"}}, {x}, {DType::F32}), DType::I32);
  // To bool: nonzero is true, NaN is nonzero, -0 is zero.
  expect_near(run1("tf.cast", {{"dtype", "bool"}}, {t({1, 4}, {0.0, -0.0, kNaN, -0.25})}), {1, 4}, {0, 0, 1, 1});
  // bool -> float32: 0/1; int32 -> bool; int32 -> float32 keeps the integer.
  expect_near(run1("tf.cast", {{"dtype", "float32"}}, {P}, {DType::Bool}), {1, 4}, {1, 1, 0, 0});
  expect_near(run1("tf.cast", {{"dtype", "bool"}}, {t({1, 3}, {-3, 0, 2})}, {DType::I32}), {1, 3}, {1, 0, 1});
  expect_near(run1("tf.cast", {{"dtype", "float32"}}, {t({1, 3}, {-3, 0, 2})}, {DType::I32}), {1, 3}, {-3, 0, 2});
  // cpu32 agrees (ints are exact in float below 2^24).
  const Tensor<double> c32 = run_typed("tf.cast", {{"dtype", "int32"}}, {x}, {DType::F32}, true).at(0);
  expect_near(c32, {1, 7}, {-1, 1, 0, 2, -2147483648.0, -2147483648.0, -2147483648.0});
}

// ---- arg max / min -----------------------------------------------------------------------------------
TEST(TfLogic, ArgMaxArgMinTiesAndNaN) {
  const Tensor<double> x = t({2, 2, 3}, {1, 3, 3,   // ties: first index of the max (1)
                                         5, -1, -1,  // ties of the min: first (1)
                                         kNaN, 2, 1,  // NaN never picked: argmax 1, argmin 2
                                         kNaN, kNaN, kNaN});  // all NaN: 0
  expect_near(run1("tf.math.argmax", {{"axis", -1}}, {x}), {2, 2}, {1, 0, 1, 0});
  expect_near(run1("tf.math.argmin", {{"axis", -1}}, {x}), {2, 2}, {0, 1, 2, 0});
  // Over axis 1 (columns): column 0 is {1, 5} and {NaN, NaN}.
  expect_near(run1("tf.math.argmax", {{"axis", 1}}, {x}), {2, 3}, {1, 0, 0, 0, 0, 0});
  EXPECT_EQ(out_dtype("tf.math.argmax", {{"axis", 1}}, {x}, {DType::F32}), DType::I32);
  EXPECT_THROW(run1("tf.math.argmax", {{"axis", 0}}, {x}), ParityError);  // the batch
}

// ---- is_nan / is_inf / is_finite ---------------------------------------------------------------------
TEST(TfLogic, IsNanIsInfIsFinite) {
  const Tensor<double> x = t({1, 5}, {kNaN, kInf, -kInf, 0.0, 3e38});
  expect_near(run1("tf.math.is_nan", {}, {x}), {1, 5}, {1, 0, 0, 0, 0});
  expect_near(run1("tf.math.is_inf", {}, {x}), {1, 5}, {0, 1, 1, 0, 0});
  expect_near(run1("tf.math.is_finite", {}, {x}), {1, 5}, {0, 0, 0, 1, 1});
}

// ---- reduce_any / reduce_all -------------------------------------------------------------------------
TEST(TfLogic, ReduceAnyAll) {
  const Tensor<double> b = t({1, 2, 3}, {1, -1, -1, 1, 1, 1});
  expect_near(run1("tf.math.reduce_any", {{"axis", -1}}, {b}, {DType::Bool}), {1, 2}, {1, 1});
  expect_near(run1("tf.math.reduce_all", {{"axis", -1}}, {b}, {DType::Bool}), {1, 2}, {0, 1});
  expect_near(run1("tf.math.reduce_all", {{"axis", 1}, {"keepdims", true}}, {b}, {DType::Bool}), {1, 1, 3}, {1, 0, 0});
  expect_near(run1("tf.math.reduce_any", {{"axis", json::array({1, 2})}}, {t({1, 2, 2}, {-1, -1, -1, -1})},
                   {DType::Bool}), {1}, {0});
}

// ---- one_hot -----------------------------------------------------------------------------------------
TEST(TfLogic, OneHotIncludingOutOfRange) {
  const Tensor<double> idx = t({1, 4}, {0, 2, -1, 3});  // -1 and 3 are outside [0, 3): all-off rows
  expect_near(run1("tf.one_hot", {{"depth", 3}}, {idx}, {DType::I32}), {1, 4, 3},
              {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0});
  expect_near(run1("tf.one_hot", {{"depth", 3}, {"on_value", 5.0}, {"off_value", -1.0}, {"axis", 1}}, {idx},
                   {DType::I32}),
              {1, 3, 4}, {5, -1, -1, -1, /* j=1 */ -1, -1, -1, -1, /* j=2 */ -1, 5, -1, -1});
  EXPECT_EQ(out_dtype("tf.one_hot", {{"depth", 3}}, {idx}, {DType::I32}), DType::F32);
  // The last axis is -1 or 2 here; TF refuses -2 (only -1 may be negative), so parity does too.
  expect_near(run1("tf.one_hot", {{"depth", 2}, {"axis", 2}}, {t({1, 2}, {1, 0})}, {DType::I32}), {1, 2, 2}, {0, 1, 1, 0});
  EXPECT_THROW(run1("tf.one_hot", {{"depth", 3}, {"axis", -2}}, {idx}, {DType::I32}), ParityError);
  EXPECT_THROW(run1("tf.one_hot", {{"depth", 3}, {"axis", -3}}, {idx}, {DType::I32}), ParityError);
}

// ---- top_k -------------------------------------------------------------------------------------------
TEST(TfLogic, TopKSortedWithTiesToLowerIndex) {
  const Tensor<double> x = t({1, 5}, {2, 7, 2, 7, 1});
  const auto r = run_typed("tf.math.top_k", {{"k", 3}}, {x}, {DType::F32});
  expect_near(r.at(0), {1, 3}, {7, 7, 2});
  expect_near(r.at(1), {1, 3}, {1, 3, 0});  // equal values: the lower index first
  Graph g;
  run_typed("tf.math.top_k", {{"k", 3}}, {x}, {DType::F32}, false, &g);
  EXPECT_EQ(g.values[g.outputs[0]].dtype, DType::F32);
  EXPECT_EQ(g.values[g.outputs[1]].dtype, DType::I32);
  EXPECT_THROW(run1("tf.math.top_k", {{"k", 6}}, {x}), ParityError);
}

// ---- the family's shape property ---------------------------------------------------------------------
RC_GTEST_PROP(TfLogic, KernelsMatchShapeInference, ()) {
  const auto& ops = reg().catalog.ops();
  const OpSpec& op = ops[*rc::gen::inRange<size_t>(1, ops.size())];
  const int rank = *rc::gen::inRange(2, 5);
  Shape s{*rc::gen::inRange<int64_t>(1, 3)};
  for (int d = 1; d < rank; ++d) s.push_back(*rc::gen::inRange<int64_t>(1, 5));
  json attrs = json::object();
  for (const AttrSpec& a : op.attrs)
    if (!a.gen.empty()) attrs[a.name] = a.gen[*rc::gen::inRange<size_t>(0, a.gen.size())];
  const int n = op.max_inputs == 1 ? 1 : op.min_inputs + *rc::gen::inRange(0, op.max_inputs - op.min_inputs + 1);
  if (op.find_attr("x")) {  // a comparison: two tensors, or one and a constant on a drawn side
    attrs["x"] = attrs["y"] = nullptr;
    if (n == 1) attrs[*rc::gen::element<std::string>("x", "y")] = *rc::gen::element(0.0, 0.5, -0.25);
  }
  std::vector<DType> dts;
  std::vector<Tensor<double>> in;
  Rng rng(*rc::gen::arbitrary<uint64_t>());
  for (int i = 0; i < n; ++i) {
    dts.push_back(accepted_dtypes(op, i).front());
    in.push_back(random_tensor(rng, s, -4, 4));
  }
  std::vector<Tensor<double>> r64, r32;
  Graph g;
  try {
    r64 = run_typed(op.name, attrs, in, dts, false, &g);
  } catch (const ParityError& e) {
    RC_DISCARD("shape inference rejects the node");
  }
  r32 = run_typed(op.name, attrs, in, dts, true);
  RC_ASSERT(r64.size() == g.outputs.size());
  for (size_t i = 0; i < r64.size(); ++i) {
    RC_ASSERT(r64[i].shape == with_batch(g.values[g.outputs[i]].shape, s[0]));
    RC_ASSERT(r32[i].shape == r64[i].shape);
    for (size_t e = 0; e < r64[i].data.size(); ++e) {
      RC_ASSERT(!std::isnan(r64[i].data[e]));
      RC_ASSERT(r64[i].data[e] == r32[i].data[e]);  // every op here is exact: cpu32 agrees bit for bit
      if (g.values[g.outputs[i]].dtype == DType::Bool) RC_ASSERT(r64[i].data[e] == 0 || r64[i].data[e] == 1);
    }
  }
}

}  // namespace
}  // namespace parity::testing
