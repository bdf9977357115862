// `parity check`, `convert` and `export`: the check library on real files (the TF.js MLP fixture, .h5 files
// written by save_keras_h5, a known TF.js finding, a Lambda layer) and the commands end to end through the
// parity binary (exit codes 0/1/2, --json, --report, convert's files loading back, export's round trip).
#include <gtest/gtest.h>

#include <filesystem>

#include "harness/check/check.h"
#include "harness/io/case_file.h"
#include "harness/io/keras_model.h"
#include "harness/test/subprocess.h"
#include "harness/test/tfjs_available.h"
#include "oracles/tfjs/tfoplambda_shim.h"

namespace parity {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::TempDir;

const Catalog& cat() { return default_catalog(); }
const fs::path kSrc = PARITY_SOURCE_DIR;
const fs::path kMlp = kSrc / "harness/test/data/tfjs_mlp/model.json";
const fs::path kReluFinding = kSrc / "cases/tfjs-4.22/relu-negative-slope-threshold.json";

CheckOptions quick(std::vector<std::string> executors = {"ref64", "tfjs-cpu"}) {
  CheckOptions o;
  o.executors = std::move(executors);
  o.samples = 2;
  return o;
}

// Input -> Dense -> clip_by_value -> multiply by 0.5 -> concat with the Dense branch -> matmul with a constant.
Graph tfop_graph() {
  Graph g;
  const ValueId x = g.add_input(cat(), "input_1", {kBatch, 3});
  const ValueId d = g.add(cat(), "dense", "Dense", {{"units", 2}, {"activation", "relu"}}, {x});
  const ValueId c = g.add(cat(), "tf.clip_by_value", "tf.clip_by_value", {{"clip_value_min", -0.25}, {"clip_value_max", 0.5}}, {x});
  const ValueId m = g.add(cat(), "tf.math.multiply", "tf.math.multiply", {{"y", 0.5}}, {c});
  const ValueId k = g.add(cat(), "tf.concat", "tf.concat", {{"axis", -1}}, {m, d});
  const json b = json::parse("[[0.5, -1], [0.25, 2], [1, -0.75], [1.5, 0.125], [-0.5, 1]]");
  g.outputs = {g.add(cat(), "tf.linalg.matmul", "tf.linalg.matmul", {{"b", b}}, {k})};
  g.inputs = {x};
  fill_random_weights(g, cat(), 11);
  validate(g, cat());
  return g;
}

const CheckedLayer& layer(const CheckReport& r, const std::string& name) {
  for (const CheckedLayer& l : r.layers)
    if (l.name == name) return l;
  throw std::runtime_error("no layer " + name);
}

TEST(Check, TfjsMlpFixtureAgreesEverywhere) {
  REQUIRE_WORKER();
  const CheckReport r = check_model(kMlp, quick({"ref64", "tfjs-cpu", "tfjs-wasm"}));
  EXPECT_EQ(r.format, "tfjs-layers");
  EXPECT_TRUE(r.converts);
  ASSERT_EQ(r.executors.size(), 3u);
  for (const CheckedExecutor& e : r.executors) {
    EXPECT_EQ(e.disposition, Disposition::Passed) << e.name << ": " << e.reason;
    EXPECT_EQ(e.samples_run, 2);
    ASSERT_EQ(e.outputs.size(), 1u);
    EXPECT_EQ(e.outputs[0].name, "dense_1");
  }
  ASSERT_EQ(r.layers.size(), 2u);  // the InputLayer is not listed
  for (const CheckedLayer& l : r.layers)
    for (const auto& [ex, s] : l.support) EXPECT_EQ(s.state, LayerSupport::State::Yes) << l.name << " on " << ex;
  EXPECT_EQ(r.exit_code(), 0);
  EXPECT_EQ(r.verdict().rfind("converts: yes; unsupported: none; max divergence per output: dense_1 ", 0), 0u) << r.verdict();
  EXPECT_NE(r.verdict().find("first divergent layer: none"), std::string::npos);
}

// The done-when model from an .h5 written by save_keras_h5: plain TF.js rejects the TFOpLambda layers (named
// per layer, exit 1); with the shim everything agrees (exit 0).
TEST(Check, H5WithTfOpLayersIsUnsupportedWithoutTheShimAndPassesWithIt) {
  REQUIRE_WORKER();
  TempDir dir("parity-check-h5-");
  save_keras_h5(tfop_graph(), cat(), dir.path / "tfop.h5");
  const CheckReport plain = check_model(dir.path / "tfop.h5", quick());
  EXPECT_EQ(plain.format, "keras-h5");
  EXPECT_EQ(plain.exit_code(), 1);
  EXPECT_EQ(plain.executors[0].disposition, Disposition::Passed) << plain.executors[0].reason;
  EXPECT_EQ(plain.executors[1].disposition, Disposition::Unsupported);
  EXPECT_EQ(layer(plain, "tf.concat").support.at("tfjs-cpu").state, LayerSupport::State::No);
  EXPECT_EQ(layer(plain, "tf.concat").support.at("ref64").state, LayerSupport::State::Yes);
  EXPECT_NE(plain.verdict().find("unsupported: tf.clip_by_value (TFOpLambda tf.clip_by_value) on tfjs-cpu"), std::string::npos)
      << plain.verdict();

  CheckOptions o = quick({"ref64", "tfjs-cpu", "tfjs-wasm"});
  o.executor_options.tfoplambda_shim = true;
  const CheckReport shim = check_model(dir.path / "tfop.h5", o);
  for (const CheckedExecutor& e : shim.executors) EXPECT_EQ(e.disposition, Disposition::Passed) << e.name << ": " << e.reason;
  EXPECT_EQ(shim.exit_code(), 0) << shim.verdict();
  EXPECT_TRUE(shim.tfoplambda_shim);
}

// A known TF.js finding (ReLU ignores negative_slope): DIVERGED, localized to the layer, exit 1.
TEST(Check, DivergenceNamesTheFirstDivergentLayer) {
  REQUIRE_WORKER();
  const CheckReport r = check_model(kReluFinding, quick());
  EXPECT_EQ(r.format, "parity-case");
  EXPECT_EQ(r.executors[1].disposition, Disposition::Diverged) << r.executors[1].reason;
  EXPECT_EQ(r.executors[1].first_divergent_layer, "re_lu");
  EXPECT_GT(r.executors[1].outputs.at(0).max_abs_err, 0.1);
  EXPECT_EQ(r.exit_code(), 1);
  EXPECT_NE(r.verdict().find("first divergent layer: re_lu (tfjs-cpu)"), std::string::npos) << r.verdict();
}

// Quantized weights: the reference computes the dequantized model, so a faithful TF.js still agrees.
TEST(Check, QuantizedModelIsJudgedOnTheWeightsTfjsLoads) {
  REQUIRE_WORKER();
  for (WeightQuantization q : {WeightQuantization::Float16, WeightQuantization::Uint8}) {
    CheckOptions o = quick();
    o.quantize = q;
    const CheckReport r = check_model(kMlp, o);
    EXPECT_EQ(r.exit_code(), 0) << quantization_name(q) << ": " << r.verdict();
    EXPECT_EQ(r.quantize, q);
  }
}

// TF.js rejecting an activation ("Unknown activation: silu") is charged to the layers that use it.
TEST(Check, UnknownActivationIsChargedToItsLayer) {
  REQUIRE_WORKER();
  TempDir dir("parity-check-silu-");
  Graph g;
  const ValueId x = g.add_input(cat(), "input_1", {kBatch, 3});
  const ValueId d = g.add(cat(), "dense", "Dense", {{"units", 2}, {"activation", "relu"}}, {x});
  g.outputs = {g.add(cat(), "dense_silu", "Dense", {{"units", 2}, {"activation", "silu"}}, {d})};
  g.inputs = {x};
  fill_random_weights(g, cat(), 3);
  save_keras_h5(g, cat(), dir.path / "silu.h5");
  const CheckReport r = check_model(dir.path / "silu.h5", quick());
  EXPECT_EQ(r.executors[1].disposition, Disposition::Unsupported) << r.executors[1].reason;
  EXPECT_EQ(layer(r, "dense_silu").support.at("tfjs-cpu").state, LayerSupport::State::No);
  EXPECT_EQ(layer(r, "dense").support.at("tfjs-cpu").state, LayerSupport::State::Unknown);
  EXPECT_NE(r.verdict().find("unsupported: dense_silu (Dense) on tfjs-cpu"), std::string::npos) << r.verdict();
  EXPECT_EQ(r.exit_code(), 1);
}

// A Python Lambda layer is well-formed input that parity cannot run: reported as unsupported, exit 1.
TEST(Check, LambdaLayerIsReportedUnsupportedNotBadInput) {
  TempDir dir("parity-check-lambda-");
  json mj = json::parse(testing::slurp(kMlp));
  json& layers = mj["modelTopology"]["model_config"]["config"]["layers"];
  layers.push_back({{"class_name", "Lambda"},
                    {"name", "lambda"},
                    {"config", {{"name", "lambda"}, {"function", {"4wEAAAAA", nullptr, nullptr}}, {"function_type", "lambda"}}},
                    {"inbound_nodes", json::parse(R"([[["dense_1", 0, 0, {}]]])")}});
  mj["modelTopology"]["model_config"]["config"]["output_layers"] = json::parse(R"([["lambda", 0, 0]])");
  testing::write_text(dir.path / "model.json", mj.dump());
  fs::copy_file(kMlp.parent_path() / "group1-shard1of1.bin", dir.path / "group1-shard1of1.bin");
  const CheckReport r = check_model(dir.path / "model.json", quick({"ref64"}));
  EXPECT_FALSE(r.converts);
  ASSERT_FALSE(r.unrepresentable.empty());
  EXPECT_EQ(r.unrepresentable[0].class_name, "Lambda");
  EXPECT_EQ(r.exit_code(), 1);
  EXPECT_EQ(r.executors.at(0).disposition, Disposition::Unsupported);
  EXPECT_NE(r.verdict().find("lambda (Lambda) on ref64"), std::string::npos) << r.verdict();
}

TEST(Check, GraphModelAndMissingFilesAreBadInput) {
  TempDir dir("parity-check-bad-");
  testing::write_text(dir.path / "model.json", R"({"format": "graph-model", "modelTopology": {"node": []}})");
  try {
    check_model(dir.path / "model.json", quick({"ref64"}));
    FAIL() << "a graph-model was accepted";
  } catch (const ParityError& e) {
    EXPECT_NE(std::string(e.what()).find("graph-model"), std::string::npos) << e.what();
  }
  EXPECT_THROW(check_model(dir.path / "missing.h5", quick({"ref64"})), ParityError);
  EXPECT_THROW(check_model(kMlp, quick({"ref64", "tfjs-gpu"})), ParityError);
}

TEST(Check, JsonAndMarkdownCarryTheVerdict) {
  const CheckReport r = check_model(kMlp, quick({"ref64"}));
  const json j = check_report_to_json(r);
  for (const char* key : {"model", "format", "converts", "layers", "executors", "verdict", "exit_code", "unrepresentable"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["exit_code"], 0);
  EXPECT_EQ(j["executors"][0]["name"], "ref64");
  EXPECT_EQ(j["layers"][0]["support"]["ref64"]["supported"], true);
  const std::string md = check_report_to_markdown(r);
  EXPECT_NE(md.find("# parity check"), std::string::npos);
  EXPECT_NE(md.find(r.verdict()), std::string::npos);
  EXPECT_NE(md.find("| dense_1 | Dense |"), std::string::npos) << md;
}

// The real .h5 files of ../shared/data/keras-h5 (issue 5): each is read and checked, and either agrees or
// names a specific reason; none is bad input. (ref64 and tfjs-wasm only: a worker start per file and
// backend is most of this test's time.)
TEST(Check, SharedKerasH5FilesAgreeOrNameAReason) {
  REQUIRE_WORKER();
  const fs::path dir = kSrc / "../shared/data/keras-h5";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) GTEST_SKIP() << dir << " is absent";
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".h5") continue;
    ++files;
    CheckOptions o = quick({"ref64", "tfjs-wasm"});
    o.samples = 1;
    CheckReport r;
    try {
      r = check_model(e.path(), o);
    } catch (const ParityError& err) {
      ADD_FAILURE() << e.path().filename() << " was refused as bad input: " << err.what();
      continue;
    }
    for (const UnrepresentableLayer& u : r.unrepresentable) EXPECT_FALSE(u.reason.empty()) << e.path().filename();
    for (const CheckedExecutor& x : r.executors)
      if (x.disposition != Disposition::Passed && x.disposition != Disposition::Mistrusted)
        EXPECT_FALSE(x.reason.empty()) << e.path().filename() << " on " << x.name;
    std::cout << e.path().filename().string() << ": exit " << r.exit_code() << "; " << r.verdict() << "\n";
  }
  EXPECT_GE(files, 1);
}

// ---- the commands, through the parity binary ----------------------------------------------------------

class CheckCli : public testing::ParityProcessTest {
 protected:
  CheckCli() : ParityProcessTest("parity-check-cli-") {}
};

TEST_F(CheckCli, ExitCodesJsonAndReport) {
  REQUIRE_WORKER();
  auto p = run({"check", kMlp.string(), "-e", "ref64,tfjs-cpu", "--samples", "1", "--json", "--report", (dir_ / "rep").string()});
  ASSERT_EQ(p.code, 0) << p.err;
  const json j = json::parse(p.out);
  EXPECT_EQ(j["exit_code"], 0);
  EXPECT_EQ(j["executors"].size(), 2u);
  EXPECT_NE(p.err.find("check: sample 1/1"), std::string::npos) << p.err;  // progress on stderr
  EXPECT_NE(testing::slurp(dir_ / "rep/report.md").find("**Verdict:** converts: yes"), std::string::npos);
  EXPECT_TRUE(json::parse(testing::slurp(dir_ / "rep/check.json")).is_object());
  EXPECT_EQ(content_hash(load_tfjs_layers_model(dir_ / "rep/tfjs/model.json", cat())), content_hash(load_tfjs_layers_model(kMlp, cat())));

  p = run({"check", kReluFinding.string(), "-e", "ref64,tfjs-cpu", "-q"});
  EXPECT_EQ(p.code, 1) << p.out << p.err;
  EXPECT_NE(p.out.find("verdict: converts: yes"), std::string::npos) << p.out;
  EXPECT_TRUE(p.err.empty()) << p.err;  // --quiet
}

TEST_F(CheckCli, BadInputExitsTwoNamingTheProblem) {
  auto p = run({"check", (dir_ / "nope.h5").string()});
  EXPECT_EQ(p.code, 2);
  EXPECT_NE(p.err.find("nope.h5: no such file"), std::string::npos) << p.err;
  testing::write_text(dir_ / "bad.h5", "not hdf5 at all");
  p = run({"check", (dir_ / "bad.h5").string(), "-e", "ref64"});
  EXPECT_EQ(p.code, 2);
  EXPECT_NE(p.err.find("bad.h5"), std::string::npos) << p.err;
  p = run({"check", kMlp.string(), "--quantize", "int4"});
  EXPECT_EQ(p.code, 2) << p.err;
  p = run({"check", "--help"});
  EXPECT_EQ(p.code, 0);
  EXPECT_NE(p.out.find("Exit codes"), std::string::npos);
}

TEST_F(CheckCli, ConvertWritesFilesThatLoadBack) {
  auto p = run({"convert", kMlp.string(), (dir_ / "out").string(), "--shard-bytes", "40"});
  ASSERT_EQ(p.code, 0) << p.err;
  const Graph a = load_tfjs_layers_model(kMlp, cat());
  const Graph b = load_tfjs_layers_model(dir_ / "out/model.json", cat());
  EXPECT_EQ(content_hash(a), content_hash(b));
  EXPECT_TRUE(fs::exists(dir_ / "out/group1-shard3of3.bin"));  // 104 weight bytes in 40-byte shards

  // A TF-op model from .h5: without the shim a note on stderr, with it the shim module beside model.json.
  save_keras_h5(tfop_graph(), cat(), dir_ / "tfop.h5");
  p = run({"convert", (dir_ / "tfop.h5").string(), (dir_ / "plain").string()});
  ASSERT_EQ(p.code, 0) << p.err;
  EXPECT_NE(p.err.find("--tfoplambda-shim"), std::string::npos) << p.err;
  EXPECT_FALSE(fs::exists(dir_ / "plain" / kShimFileName));
  p = run({"convert", (dir_ / "tfop.h5").string(), (dir_ / "shim").string(), "--tfoplambda-shim", "--quantize", "float16"});
  ASSERT_EQ(p.code, 0) << p.err;
  EXPECT_NE(testing::slurp(dir_ / "shim" / kShimFileName).find("registerTFOpLambda"), std::string::npos);
  const json mj = json::parse(testing::slurp(dir_ / "shim/model.json"));
  EXPECT_EQ(mj["weightsManifest"][0]["weights"][0]["quantization"]["dtype"], "float16");

  p = run({"convert", (dir_ / "missing.h5").string(), (dir_ / "x").string()});
  EXPECT_EQ(p.code, 2);
}

TEST_F(CheckCli, ExportRoundTripsACaseThroughH5) {
  CaseFile cf;
  cf.graph = tfop_graph();
  write_case_file(cf, dir_ / "case.json");
  auto p = run({"export", (dir_ / "case.json").string(), (dir_ / "case.h5").string()});
  ASSERT_EQ(p.code, 0) << p.err;
  const Graph back = load_keras_h5(dir_ / "case.h5", cat());
  EXPECT_EQ(describe(back), describe(cf.graph));
  EXPECT_EQ(content_hash(back), content_hash(cf.graph));
  p = run({"export", (dir_ / "nope.json").string(), (dir_ / "x.h5").string()});
  EXPECT_EQ(p.code, 2);
}

}  // namespace
}  // namespace parity
