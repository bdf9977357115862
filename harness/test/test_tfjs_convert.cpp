// The TF.js converter: unit checks of the formats (half rounding, affine quantization, graph-model nodes),
// then the converted files loaded in real TF.js 4.22 (scripts/tfjs_check.js): every catalog op's single-op
// graphs against ref64 through compute_reference + Comparator, quantized weights as TF.js decodes them,
// small shards, int32 Consts. TF.js runs skip (GTEST_SKIP) when node or the worker's node_modules is missing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <bit>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "harness/catalog/attrs.h"
#include "harness/core/random.h"
#include "harness/coverage/probes.h"
#include "harness/engine/compare.h"
#include "harness/io/case_file.h"
#include "harness/io/keras_model.h"
#include "harness/io/tensor_json.h"
#include "oracles/tfjs/convert.h"
#include "oracles/tfjs/quantize.h"
#include "harness/test/subprocess.h"
#include "harness/test/tfjs_available.h"

using namespace parity;
using namespace parity::testing;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const Catalog& cat() { return default_catalog(); }

#define REQUIRE_TFJS()                                      \
  do {                                                      \
    const std::string why_ = why_no_tfjs("tfjs-converter"); \
    if (!why_.empty()) GTEST_SKIP() << why_;                \
  } while (0)

// One model for tfjs_check.js: converted files, inputs.json, and where the result goes.
struct Job {
  fs::path dir;
  std::vector<std::string> outputs;  // graph-model output nodes; empty: the model's own
  bool weights = false;
};

// Writes the artifacts and inputs into `dir` and returns the job.
Job stage(const TfjsArtifacts& a, const std::vector<Tensor<double>>& inputs, const fs::path& dir, bool weights = false) {
  write_tfjs_artifacts(a, dir);
  std::vector<NamedTensor> named;
  for (size_t i = 0; i < inputs.size(); ++i) named.push_back({a.input_names.at(i), inputs[i]});
  std::ofstream(dir / "inputs.json") << tensors_to_json(named, "inputs").dump();
  Job j{dir, {}, weights};
  if (a.format == ModelFormat::Graph) j.outputs = a.output_names;
  return j;
}

// Runs every job in one node process; returns each job's result JSON ({"outputs"} or {"error"}).
std::vector<json> run_tfjs(const std::vector<Job>& jobs, const fs::path& scratch, const std::string& backend) {
  json list = json::array();
  for (const Job& j : jobs) {
    json e = {{"model_dir", j.dir.string()}, {"inputs", (j.dir / "inputs.json").string()},
              {"out", (j.dir / fmt::format("out_{}.json", backend)).string()}, {"weights", j.weights}};
    if (!j.outputs.empty()) e["outputs"] = j.outputs;
    list.push_back(e);
  }
  const fs::path jobs_file = scratch / "jobs.json", err = scratch / "node_stderr.txt";
  std::ofstream(jobs_file) << json{{"jobs", list}}.dump();
  const std::string cmd = fmt::format("timeout 300 node '{}' --batch '{}' --backend {} 2>'{}'",
                                      (fs::path(PARITY_SOURCE_DIR) / "scripts/tfjs_check.js").string(),
                                      jobs_file.string(), backend, err.string());
  const int rc = std::system(cmd.c_str());
  if (rc != 0) throw std::runtime_error(fmt::format("tfjs_check.js failed ({}): {}", rc, slurp(err)));
  std::vector<json> out;
  for (const json& e : list) out.push_back(json::parse(slurp(e["out"].get<std::string>())));
  return out;
}

std::vector<Tensor<double>> outputs_of(const json& r) {
  std::vector<Tensor<double>> out;
  for (NamedTensor& t : tensors_from_json(r, "outputs", "tfjs_check output")) out.push_back(std::move(t.tensor));
  return out;
}

std::vector<Tensor<double>> random_inputs(const Graph& g, int64_t batch, uint64_t seed) {
  Rng rng(seed);
  std::vector<Tensor<double>> ins;
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const Interval d = input_domain(g, cat(), i);
    Tensor<double> t(with_batch(g.values[g.inputs[i]].shape, batch));
    for (double& v : t.data) v = static_cast<float>(rng.uniform(d.lo, d.hi));
    ins.push_back(std::move(t));
  }
  return ins;
}

// ---- single-op graphs from the catalog's `gen` values ------------------------------------------------------

// Up to `want` distinct valid single-op graphs for `op`: input shapes of rank 2..5 with small dims, attrs
// drawn from `gen` (and gen_attrs when the op has it), constant x/y/b operands deciding the input count.
std::vector<Graph> single_op_graphs(const OpSpec& s, int want) {
  std::vector<Graph> out;
  std::set<std::string> seen;
  Rng rng(std::hash<std::string>{}(s.name));
  for (int attempt = 0; attempt < 400 && static_cast<int>(out.size()) < want; ++attempt) {
    const int rank = static_cast<int>(rng.int_in(std::max(2, s.min_rank), std::min(5, std::max(2, s.max_rank))));
    Shape shape{kBatch};
    for (int d = 1; d < rank; ++d) shape.push_back(rng.int_in(1, 4));
    json attrs = json::object();
    for (const AttrSpec& a : s.attrs)
      if (!a.gen.empty()) attrs[a.name] = a.gen[static_cast<size_t>(rng.int_in(0, static_cast<int64_t>(a.gen.size()) - 1))];
    if (s.gen_attrs) {
      const json extra = s.gen_attrs({shape}, rng.next());
      for (const auto& [k, v] : extra.items()) attrs[k] = v;
    }
    int n_in = static_cast<int>(rng.int_in(std::max(1, s.min_inputs), std::min(3, s.max_inputs)));
    if (s.find_attr("x") && s.find_attr("y")) {
      if (!attrs.value("x", json()).is_null() && !attrs.value("y", json()).is_null()) attrs[rng.int_in(0, 1) ? "x" : "y"] = nullptr;
      n_in = attrs.value("x", json()).is_null() && attrs.value("y", json()).is_null() ? 2 : 1;
    }
    if (s.name == "tf.linalg.matmul") {
      n_in = attrs.value("b", json()).is_null() ? 2 : 1;
      if (n_in == 2 && rng.int_in(0, 1)) std::swap(shape[shape.size() - 1], shape[shape.size() - 2]);
    }
    std::vector<Shape> shapes;
    for (int i = 0; i < n_in; ++i) {
      Shape si = shape;
      if (s.name == "tf.linalg.matmul" && i == 1) si[si.size() - 2] = shape.back();  // inner dims agree
      shapes.push_back(si);
    }
    Graph g;
    try {
      g = single_op_graph(cat(), s.name, shapes, attrs);  // weights: placeholders, filled below
    } catch (const ParityError&) {
      continue;  // the draw does not fit these shapes: draw again
    }
    if (!seen.insert(describe(g)).second) continue;
    fill_random_weights(g, cat(), rng.next());
    out.push_back(std::move(g));
  }
  return out;
}

struct OpOutcome {
  std::string op, variant, status, detail;  // status: agrees | mistrusted | diverges | rejected | errored
};

// Ops TF.js 4.22 refuses in at least one drawn variant, with the text of the first refusal. Keras 2 accepts
// all of these (tf-keras merge layers take >= 1 input, Flatten takes rank 2, ELU any alpha, ...).
const std::map<std::string, std::string> kRejected = {
    {"Subtract", "Unknown layer: Subtract"},
    {"Add", "A merge layer should be called on an Array of at least 2 inputs"},
    {"Average", "A merge layer should be called on an Array of at least 2 inputs"},
    {"Maximum", "A merge layer should be called on an Array of at least 2 inputs"},
    {"Minimum", "A merge layer should be called on an Array of at least 2 inputs"},
    {"Multiply", "A merge layer should be called on an Array of at least 2 inputs"},
    {"Concatenate", "should be called on a list of at least 2 inputs"},
    {"Dot", "Dot layer does not support tensors of 4D or higher rank yet"},
    {"ELU", "Non-default alpha value"},
    {"GRU", "GRUCell does not support reset_after parameter set to true"},
    {"Flatten", "expected min_ndim=3, found ndim=2"},
    {"LayerNormalization", "batchNormalization is not implemented for array of rank 5"},
    {"Softmax", "Softmax along a non-last dimension is not yet supported"},
    // tf_math: GraphDef ops tfjs-converter 4.22 does not map (../shared/data/tfjs-4.22/tfjs_ops.txt).
    {"tf.math.digamma", "Unknown op 'Digamma'"},
    {"tf.math.erfc", "Unknown op 'Erfc'"},
    {"tf.math.lgamma", "Unknown op 'Lgamma'"},
    {"tf.math.multiply_no_nan", "Unknown op 'MulNoNan'"},
    // TF reduces over no axes (axis=[]) as the identity |x|; TF.js's EuclideanNorm (tf.norm) refuses it.
    {"tf.math.reduce_euclidean_norm", "Error in norm: invalid axis"},
    {"tf.math.rint", "Unknown op 'Rint'"},
    {"tf.math.softsign", "Unknown op 'Softsign'"},
    {"tf.math.xdivy", "Unknown op 'Xdivy'"},
    {"tf.math.xlogy", "Unknown op 'Xlogy'"},
    // tf_array: GraphDef ops tfjs-converter 4.22 does not map.
    {"tf.roll", "Unknown op 'Roll'"},
    {"tf.reverse_sequence", "Unknown op 'ReverseSequence'"},
    {"tf.nn.space_to_depth", "Unknown op 'SpaceToDepth'"},
    {"tf.linalg.diag_part", "Unknown op 'MatrixDiagPartV3'"},
    // TF's EnsureShape has one input and `shape` as an attribute; tfjs-converter's op_list reads `shape` from a
    // second input that does not exist, so every EnsureShape node fails.
    {"tf.ensure_shape", "reading 'split'"},
};
// Ops where TF.js 4.22 gives a wrong shape or values beyond the reference's budget in at least one drawn
// variant: findings, asserted so that a change either way is noticed. Shapes: 1D pooling and Conv1D ignore
// channels_first, global pooling ignores keepdims (and channels_first in 1D), Conv2DTranspose ignores
// output_padding. Values: ReLU ignores negative_slope/threshold, bilinear UpSampling2D is not TF2's
// half-pixel resize, SeparableConv2D channels_first adds its bias along H; cpu's Erf is a 1.5e-7
// polynomial, wasm's Log1p is log(1 + x). Each has a minimal case in cases/tfjs-4.22 (docs/findings-tfjs-4.22.md).
const std::set<std::string> kShared = {"AveragePooling1D",   "Conv1D",     "Conv2DTranspose", "GlobalAveragePooling1D",
                                       "GlobalAveragePooling2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D",
                                       "MaxPooling1D",       "ReLU",       "SeparableConv2D", "UpSampling2D",
                                       // tfjs-converter reads MatrixBandPart's num_upper from input 1 (num_lower)
                                       "tf.linalg.band_part"};
// (tfjs-converter ignores OneHot's axis, finding 29, but a probe takes the smallest indices rank an axis
// allows, which makes every valid TF axis the last one; TF refuses axes below -1.)
std::set<std::string> with(std::set<std::string> s, const std::string& op) {
  s.insert(op);
  return s;
}
// tf_nn: 3-D 'same' pooling pads a negative total when the stride exceeds the window (both backends); wasm's
// conv with 'same' padding and a stride larger than the kernel along one axis (tf.nn.convolution's draw).
const std::set<std::string> kDivergesCpu = with(with(kShared, "tf.math.erf"), "tf.nn.max_pool3d");
// tf_logic: wasm's Cast to bool returns other values than 0/1 (255 seen) for nonzero floats, and its OneHot
// gets on/off values wrong even for axis -1.
const std::set<std::string> kDivergesWasm =
    with(with(with(with(with(kShared, "tf.math.log1p"), "tf.nn.max_pool3d"), "tf.nn.convolution"), "tf.cast"), "tf.one_hot");

void check_every_op(const std::string& backend, const std::set<std::string>& expected_divergent) {
  TempDir tmp("parity_tfjs_convert_");
  std::vector<Job> jobs;
  std::vector<Graph> graphs;
  std::vector<std::vector<Tensor<double>>> inputs;
  std::set<std::string> no_graph;
  for (const OpSpec& s : cat().ops()) {
    if (s.name == "InputLayer") continue;
    std::vector<Graph> gs = single_op_graphs(s, 3);
    if (gs.empty()) no_graph.insert(s.name);
    for (Graph& g : gs) {
      const fs::path dir = tmp.path / fmt::format("m{}", jobs.size());
      inputs.push_back(random_inputs(g, 2, jobs.size() + 7));
      jobs.push_back(stage(convert_to_tfjs(g, cat()), inputs.back(), dir));
      graphs.push_back(std::move(g));
    }
  }
  EXPECT_TRUE(no_graph.empty()) << "ops without a single-op graph from their gen values: " << json(no_graph).dump();
  const std::vector<json> results = run_tfjs(jobs, tmp.path, backend);

  const Comparator cmp;
  std::vector<OpOutcome> table;
  std::map<std::string, std::string> rejected;  // op -> first message
  std::set<std::string> divergent;
  for (size_t i = 0; i < jobs.size(); ++i) {
    const Graph& g = graphs[i];
    const Node& n = g.nodes.back();
    std::string shapes;
    for (ValueId v : n.inputs) shapes += shape_str(g.values[v].shape);
    OpOutcome o{n.op, shapes + " " + n.attrs.dump(), "", ""};
    const json& r = results[i];
    if (r.contains("error")) {
      o.status = "rejected";
      o.detail = r["error"].get<std::string>().substr(0, 120);
      rejected.emplace(n.op, r["error"].get<std::string>());
    } else {
      const Reference ref = compute_reference(g, cat(), default_kernels(), inputs[i], DType::F32);
      RunResult got;
      got.outputs = outputs_of(r);
      CompareResult c;
      try {
        c = cmp.compare(g, ref, got);
      } catch (const ParityError& e) {  // a wrong output count or shape is a divergence too
        c.disposition = Disposition::Diverged;
        c.reason = e.what();
      }
      double max_abs = 0, max_ulp = 0;
      for (const OutputStats& st : c.outputs) max_abs = std::max(max_abs, st.max_abs_err), max_ulp = std::max(max_ulp, st.max_ulp_err);
      o.detail = fmt::format("max |err| {:.3g} ({:.3g} ulp)", max_abs, max_ulp);
      if (c.disposition == Disposition::Diverged) {
        o.status = "diverges";
        o.detail += ": " + c.reason;
        divergent.insert(n.op);
      } else {
        o.status = c.disposition == Disposition::Mistrusted ? "mistrusted" : "agrees";
      }
    }
    table.push_back(o);
  }
  std::string text = fmt::format("TF.js 4.22 {} vs ref64, {} single-op models:\n", backend, table.size());
  for (const OpOutcome& o : table)
    text += fmt::format("  {:<24} {:<10} {}  {}\n", o.op, o.status, o.detail, o.variant.size() > 160 ? o.variant.substr(0, 160) + "..." : o.variant);
  std::cout << text;

  std::set<std::string> want_rejected, got_rejected;
  for (const auto& [op, msg] : kRejected) want_rejected.insert(op);
  if (backend == "wasm") want_rejected.insert("tf.einsum");  // "Kernel 'Einsum' not registered for backend 'wasm'"
  for (const auto& [op, msg] : rejected) {
    got_rejected.insert(op);
    if (kRejected.count(op)) {
      EXPECT_NE(msg.find(kRejected.at(op)), std::string::npos) << op << ": " << msg;
    }
  }
  EXPECT_EQ(json(got_rejected).dump(), json(want_rejected).dump()) << "ops TF.js rejects changed";
  EXPECT_EQ(json(divergent).dump(), json(expected_divergent).dump()) << "ops TF.js " << backend << " diverges on changed";
}

// ---- unit checks, no node needed -----------------------------------------------------------------------------

// TF.js's InputSpec refusal is UNSUPPORTED only when it refuses the rank the Keras model really has; a
// wrong rank coming from an earlier TF.js layer (here GlobalMaxPooling1D dropping keepdims) stays an error.
TEST(RankRejection, OnlyTheRankKerasHasIsARejection) {
  auto graph = [](const json& in_shape, const json& mid) {
    json nodes = json::array({{{"name", "input_1"}, {"op", "InputLayer"}, {"attrs", {{"batch_input_shape", in_shape}}},
                               {"inputs", json::array()}, {"output_shapes", {in_shape}}}});
    json last_in = {0};
    if (!mid.is_null()) { nodes.push_back(mid); last_in = {1}; }
    nodes.push_back({{"name", "flatten"}, {"op", "Flatten"}, {"attrs", {{"data_format", "channels_last"}}}, {"inputs", last_in},
                     {"output_shapes", {{nullptr, 3}}}});
    const json c = {{"parity_case", 1}, {"graph", {{"inputs", {0}}, {"outputs", {static_cast<int>(nodes.size()) - 1}}, {"nodes", nodes}}}};
    return case_from_json(c, cat(), "rank test").graph;
  };
  const std::string msg = "Error: Input 0 is incompatible with layer flatten: expected min_ndim=3, found ndim=2.";
  EXPECT_EQ(tfjs_rank_rejection(graph({nullptr, 3}, nullptr), msg), std::optional<std::string>("Flatten"));
  const json pool = {{"name", "gmp"}, {"op", "GlobalMaxPooling1D"}, {"attrs", {{"data_format", "channels_last"}, {"keepdims", true}}},
                     {"inputs", {0}}, {"output_shapes", {{nullptr, 1, 3}}}};
  EXPECT_EQ(tfjs_rank_rejection(graph({nullptr, 2, 3}, pool), msg), std::nullopt);  // Keras rank 3: TF.js's fault upstream
  EXPECT_EQ(tfjs_rank_rejection(graph({nullptr, 3}, nullptr), "Error: Shape mismatch: [2] vs. [3]"), std::nullopt);
  EXPECT_EQ(tfjs_rank_rejection(graph({nullptr, 3}, nullptr),
                                "Error: Input 0 is incompatible with layer other: expected ndim=3, found ndim=2"),
            std::nullopt);  // no such layer
}

TEST(Half, RoundsToNearestEvenLikeTheHardwareConversion) {
  // _Float16 conversions on x86-64 GCC round to nearest even: an independent oracle.
  Rng rng(5);
  const std::vector<float> special = {0.0f, -0.0f, 1.0f, 65504.0f, 65519.99f, 65520.0f, 1e10f, -1e10f, 0x1p-24f,
                                      0x1p-25f, 0x1.8p-25f, 0x1p-26f, 0x1.002p0f, 0x1.006p0f, 0x1.ffep-15f,
                                      std::numeric_limits<float>::infinity(), 1e-45f};
  for (int i = 0; i < 200000 + static_cast<int>(special.size()); ++i) {
    const float f = i < static_cast<int>(special.size()) ? special[i] : std::bit_cast<float>(static_cast<uint32_t>(rng.next()));
    if (std::isnan(f)) continue;
    const uint16_t want = std::bit_cast<uint16_t>(static_cast<_Float16>(f));
    ASSERT_EQ(float_to_half(f), want) << std::hexfloat << f;
    const float back = half_to_float_bits(want);
    ASSERT_EQ(std::bit_cast<uint32_t>(back), std::bit_cast<uint32_t>(static_cast<float>(static_cast<_Float16>(f)))) << f;
  }
  EXPECT_TRUE(std::isnan(half_to_float_bits(float_to_half(std::nanf("")))));
}

TEST(AffineQuantization, NudgesZeroAndMatchesQuantizationPy) {
  // Range [-0.1, 1.2] (the write_weights.py docstring example): scale 1.3/255, zero point round(0.1/scale)
  // = 20, min nudged to -20 * scale; 0 is exactly q = 20.
  const std::vector<float> data = {0.0f, -0.1f, 1.2f};
  const AffineQuantized q = quantize_affine(data, 8);
  const double scale = (double(1.2f) - double(-0.1f)) / 255;
  EXPECT_DOUBLE_EQ(q.scale, scale);
  EXPECT_DOUBLE_EQ(q.min, -20 * scale);
  EXPECT_EQ(q.q, (std::vector<uint32_t>{20, 0, 255}));
  EXPECT_EQ(dequantize_affine(20, q.scale, q.min), 0.0f);
  // No nudging when 0 lies outside [min, max]; the extremes map to 0 and qmax.
  const AffineQuantized pos = quantize_affine({0.5f, 1.0f, 0.75f}, 16);
  EXPECT_EQ(pos.min, 0.5);
  EXPECT_EQ(pos.q, (std::vector<uint32_t>{0, 65535, 32768}));  // 32767.5 rounds half to even
  // All equal: q = 0, scale 1, min = the value.
  const AffineQuantized one = quantize_affine({-0.25f, -0.25f}, 8);
  EXPECT_EQ(one.q, (std::vector<uint32_t>{0, 0}));
  EXPECT_EQ(one.scale, 1.0);
  EXPECT_EQ(one.min, -0.25);
  // Every dequantized value is within half a step of the original.
  Rng rng(9);
  std::vector<float> v(1000);
  for (float& x : v) x = static_cast<float>(rng.uniform(-3, 2));
  for (int bits : {8, 16}) {
    const AffineQuantized a = quantize_affine(v, bits);
    for (size_t i = 0; i < v.size(); ++i) ASSERT_LE(std::fabs(dequantize_affine(a.q[i], a.scale, a.min) - v[i]), a.scale * 0.5 + 1e-6);
  }
}

TEST(Convert, NaturalFormatAndLayersModel) {
  Graph g;
  ValueId x = g.add_input(cat(), "x", {kBatch, 3});
  g.outputs = {g.add(cat(), "sq", "tf.math.sqrt", json::object(), {x})};
  EXPECT_EQ(natural_format(g, cat()), ModelFormat::Graph);
  Graph h;
  ValueId y = h.add_input(cat(), "y", {kBatch, 3});
  ValueId d = h.add(cat(), "dense", "Dense", {{"units", 2}}, {y});
  h.outputs = {h.add(cat(), "sq", "tf.math.sqrt", json::object(), {d})};
  EXPECT_EQ(natural_format(h, cat()), ModelFormat::Layers);  // mixed: TFOpLambda layers
  fill_random_weights(h, cat(), 1);
  const TfjsArtifacts a = convert_to_tfjs(h, cat(), {.quantize = WeightQuantization::Uint16, .shard_bytes = 5});
  EXPECT_EQ(a.format, ModelFormat::Layers);
  EXPECT_EQ(a.input_names, std::vector<std::string>{"y"});
  EXPECT_EQ(a.output_names, std::vector<std::string>{"sq"});
  const json& m = a.model_json;
  EXPECT_EQ(m["modelTopology"]["model_config"]["class_name"], "Functional");
  const json& ws = m["weightsManifest"][0]["weights"];
  EXPECT_EQ(ws[0]["name"], "dense/kernel");
  EXPECT_EQ(ws[1]["name"], "dense/bias");
  EXPECT_EQ(ws[0]["dtype"], "float32");
  EXPECT_EQ(ws[0]["quantization"]["dtype"], "uint16");
  EXPECT_EQ(ws[0]["quantization"]["original_dtype"], "float32");
  EXPECT_EQ(a.weights.size(), 8u * 2);                    // 6 + 2 values, 2 bytes each
  EXPECT_EQ(m["weightsManifest"][0]["paths"].size(), 4u);  // 16 bytes in shards of 5
  EXPECT_EQ(m["weightsManifest"][0]["paths"][3], "group1-shard4of4.bin");
  // A Keras layer cannot become a graph-model.
  try {
    convert_to_tfjs(h, cat(), {.format = ModelFormat::Graph});
    ADD_FAILURE() << "expected a ParityError";
  } catch (const ParityError& e) {
    EXPECT_NE(std::string(e.what()).find("node 'dense' (Dense)"), std::string::npos) << e.what();
  }
}

// Quantized files written by the converter decode, through harness/io's reader, to exactly the values
// quantize.h's dequantization gives.
TEST(Convert, QuantizedLayersModelRoundTripsThroughTheReader) {
  TempDir tmp("parity_tfjs_convert_");
  Graph g;
  ValueId x = g.add_input(cat(), "x", {kBatch, 4});
  g.outputs = {g.add(cat(), "dense", "Dense", {{"units", 3}}, {x})};
  fill_random_weights(g, cat(), 3);
  for (WeightQuantization q : {WeightQuantization::Float16, WeightQuantization::Uint8, WeightQuantization::Uint16}) {
    write_tfjs_artifacts(convert_to_tfjs(g, cat(), {.quantize = q, .shard_bytes = 7}), tmp.path / "m");
    const Graph back = load_tfjs_layers_model(tmp.path / "m/model.json", cat());
    const json mj = json::parse(slurp(tmp.path / "m/model.json"));
    for (size_t k = 0; k < 2; ++k) {
      const Weight& w = g.nodes[1].weights[k];
      const json& qj = mj["weightsManifest"][0]["weights"][k]["quantization"];
      std::vector<float> f(w.data.begin(), w.data.end());
      const AffineQuantized a = q == WeightQuantization::Float16 ? AffineQuantized{} : quantize_affine(f, q == WeightQuantization::Uint8 ? 8 : 16);
      for (size_t i = 0; i < f.size(); ++i) {
        const float want = q == WeightQuantization::Float16 ? half_to_float_bits(float_to_half(f[i]))
                                                            : dequantize_affine(a.q[i], qj["scale"].get<double>(), qj["min"].get<double>());
        ASSERT_EQ(static_cast<float>(back.nodes[1].weights[k].data[i]), want) << w.name << "[" << i << "]";
      }
    }
  }
}

TEST(Convert, GraphModelNodesAsTfWritesThem) {
  Graph g;
  ValueId x = g.add_input(cat(), "x", {kBatch, 2, 3});
  ValueId c = g.add(cat(), "clip", "tf.clip_by_value", {{"clip_value_min", -0.5}, {"clip_value_max", 0.5}}, {x});
  ValueId a = g.add(cat(), "add", "tf.math.add", {{"y", json::array({0.5, 1.5, 1.0})}}, {c});
  ValueId m = g.add(cat(), "mm", "tf.linalg.matmul", {{"b", json{{1.5, -0.5, 0.125}}}, {"transpose_b", true}}, {a});
  ValueId s = g.add(cat(), "sum", "tf.math.reduce_sum", {{"axis", json::array({-1, 1})}, {"keepdims", true}}, {m});
  ValueId q = g.add(cat(), "sq", "tf.squeeze", {{"axis", -1}}, {s});
  g.outputs = {q, g.add(cat(), "gelu", "tf.nn.gelu", json::object(), {x})};
  const TfjsArtifacts art = convert_to_tfjs(g, cat());
  ASSERT_EQ(art.format, ModelFormat::Graph);
  std::map<std::string, json> nodes;
  std::vector<std::string> ops;
  for (const json& n : art.model_json["modelTopology"]["node"]) nodes[n["name"]] = n, ops.push_back(n["op"]);
  EXPECT_EQ(nodes["x"]["op"], "Placeholder");
  EXPECT_EQ(nodes["x"]["attr"]["shape"]["shape"]["dim"][0]["size"], "-1");
  EXPECT_EQ(nodes["clip/Minimum"]["input"], json({"x", "clip/clip_value_max"}));
  EXPECT_EQ(nodes["clip/Maximum"]["input"], json({"clip/Minimum", "clip/clip_value_min"}));
  EXPECT_EQ(nodes["add/AddV2"]["input"], json({"clip/Maximum", "add/y"}));
  EXPECT_EQ(nodes["mm/MatMul"]["op"], "BatchMatMulV2");
  EXPECT_EQ(nodes["mm/MatMul"]["attr"]["adj_y"]["b"], true);
  EXPECT_EQ(nodes["sum/Sum"]["attr"]["keep_dims"]["b"], true);
  EXPECT_EQ(nodes["sum/reduction_indices"]["attr"]["dtype"]["type"], "DT_INT32");
  EXPECT_EQ(nodes["sq/Squeeze"]["attr"]["squeeze_dims"]["list"]["i"], json({"-1"}));
  EXPECT_EQ(nodes["Identity"]["input"], json({"sq/Squeeze"}));
  EXPECT_EQ(nodes["Identity_1"]["input"], json({"gelu/Mul_1"}));
  EXPECT_EQ(nodes["gelu/Erf"]["input"], json({"gelu/RealDiv"}));
  EXPECT_EQ(art.output_names, (std::vector<std::string>{"Identity", "Identity_1"}));
  // Const values only in the manifest, under the node's name, with TF's dtypes.
  std::map<std::string, json> manifest;
  for (const json& w : art.model_json["weightsManifest"][0]["weights"]) manifest[w["name"]] = w;
  EXPECT_EQ(manifest["sum/reduction_indices"]["dtype"], "int32");
  EXPECT_EQ(manifest["sum/reduction_indices"]["shape"], json({2}));
  EXPECT_EQ(manifest["add/y"]["shape"], json({3}));
  EXPECT_EQ(manifest["mm/b"]["shape"], json({1, 3}));
  EXPECT_EQ(manifest["gelu/Cast"]["shape"], json::array());
  for (const auto& [name, n] : nodes)
    if (n["op"] == "Const") {
      EXPECT_TRUE(manifest.count(name)) << name;
      EXPECT_FALSE(n["attr"]["value"]["tensor"].contains("floatVal")) << name;
    }
}

// ---- in TF.js ------------------------------------------------------------------------------------------------

TEST(TfjsConvert, EveryCatalogOpOnCpu) {
  REQUIRE_TFJS();
  check_every_op("cpu", kDivergesCpu);
}

TEST(TfjsConvert, EveryCatalogOpOnWasm) {
  REQUIRE_TFJS();
  check_every_op("wasm", kDivergesWasm);
}

// TF.js's decoded weights are bit-identical to quantize.h's dequantization, for a layers-model (Dense) and a
// graph-model (a constant matmul operand); predictions then agree with ref64 on the dequantized weights.
TEST(TfjsConvert, QuantizedWeightsDecodeInTfjsAsParityDecodesThem) {
  REQUIRE_TFJS();
  TempDir tmp("parity_tfjs_convert_");
  Graph dense;
  ValueId x = dense.add_input(cat(), "x", {kBatch, 5});
  dense.outputs = {dense.add(cat(), "dense", "Dense", {{"units", 4}}, {x})};
  fill_random_weights(dense, cat(), 11);
  dense.nodes[1].weights[0].data[0] = 0.0;  // zero must survive exactly
  Graph mm;
  ValueId y = mm.add_input(cat(), "y", {kBatch, 2});
  mm.outputs = {mm.add(cat(), "mm", "tf.linalg.matmul", {{"b", json{{0.5, -1.0, 0.3}, {0.25, 2.0, -0.7}}}}, {y})};

  const std::vector<WeightQuantization> modes = {WeightQuantization::None, WeightQuantization::Float16,
                                                 WeightQuantization::Uint8, WeightQuantization::Uint16};
  std::vector<Job> jobs;
  std::vector<TfjsArtifacts> arts;
  std::vector<const Graph*> graphs;
  for (const Graph* g : {&dense, &mm})
    for (WeightQuantization q : modes) {
      arts.push_back(convert_to_tfjs(*g, cat(), {.quantize = q}));
      jobs.push_back(stage(arts.back(), random_inputs(*g, 3, 1), tmp.path / fmt::format("q{}", jobs.size()), true));
      graphs.push_back(g);
    }
  const std::vector<json> res = run_tfjs(jobs, tmp.path, "cpu");
  for (size_t j = 0; j < jobs.size(); ++j) {
    SCOPED_TRACE(fmt::format("model {} ({})", j, graphs[j]->nodes[1].op));
    ASSERT_FALSE(res[j].contains("error")) << res[j].dump();
    // Expected decoded values, from the manifest entry and the stored float32 values.
    std::map<std::string, std::vector<float>> want;
    Graph deq = *graphs[j];
    const json& entries = arts[j].model_json["weightsManifest"][0]["weights"];
    std::vector<std::vector<double>> originals;
    if (graphs[j] == &dense) originals = {dense.nodes[1].weights[0].data, dense.nodes[1].weights[1].data};
    else originals = {{0.5, -1.0, 0.3, 0.25, 2.0, -0.7}};
    for (size_t k = 0; k < entries.size(); ++k) {
      std::vector<float> f(originals[k].begin(), originals[k].end());
      const json& qj = entries[k].value("quantization", json());
      const std::string qd = qj.is_null() ? "" : qj["dtype"].get<std::string>();
      std::vector<float> dec = f;
      if (qd == "float16")
        for (float& v : dec) v = half_to_float_bits(float_to_half(v));
      if (qd == "uint8" || qd == "uint16") {
        const AffineQuantized a = quantize_affine(f, qd == "uint8" ? 8 : 16);
        for (size_t i = 0; i < f.size(); ++i) dec[i] = dequantize_affine(a.q[i], qj["scale"], qj["min"]);
      }
      want[entries[k]["name"]] = dec;
      if (graphs[j] == &dense) deq.nodes[1].weights[k].data.assign(dec.begin(), dec.end());
    }
    for (const NamedTensor& t : tensors_from_json(res[j], "weights", "weights")) {
      const std::string& name = t.name;
      if (!want.count(name)) continue;
      const std::vector<float>& w = want[name];
      ASSERT_EQ(t.tensor.data.size(), w.size()) << name;
      for (size_t i = 0; i < w.size(); ++i) EXPECT_EQ(static_cast<float>(t.tensor.data[i]), w[i]) << name << "[" << i << "]";
      want.erase(name);
    }
    EXPECT_TRUE(want.empty()) << "TF.js did not report weights " << json(want).dump();
    if (graphs[j] == &dense) {  // predictions of the dequantized model agree with ref64
      const Reference ref = compute_reference(deq, cat(), default_kernels(), random_inputs(deq, 3, 1), DType::F32);
      RunResult got;
      got.outputs = outputs_of(res[j]);
      EXPECT_NE(Comparator().compare(deq, ref, got).disposition, Disposition::Diverged);
    }
  }
}

// Many small shards (weights cut mid-value) load and predict exactly as one shard does; a graph-model with
// int32 Consts (shape, perm, axis) runs too.
TEST(TfjsConvert, SmallShardsAndInt32ConstsLoad) {
  REQUIRE_TFJS();
  TempDir tmp("parity_tfjs_convert_");
  Graph g;
  ValueId x = g.add_input(cat(), "x", {kBatch, 6});
  ValueId d = g.add(cat(), "d1", "Dense", {{"units", 5}, {"activation", "tanh"}}, {x});
  g.outputs = {g.add(cat(), "d2", "Dense", {{"units", 3}}, {d})};
  fill_random_weights(g, cat(), 21);
  Graph t;
  ValueId y = t.add_input(cat(), "y", {kBatch, 2, 3});
  ValueId r = t.add(cat(), "rs", "tf.reshape", {{"shape", json{-1, 3, 2}}}, {y});
  ValueId p = t.add(cat(), "tp", "tf.transpose", {{"perm", json{0, 2, 1}}}, {r});
  ValueId e = t.add(cat(), "ed", "tf.expand_dims", {{"axis", -1}}, {p});
  t.outputs = {t.add(cat(), "mx", "tf.math.reduce_max", {{"axis", 2}}, {e})};

  const std::vector<Tensor<double>> in = random_inputs(g, 4, 2), tin = random_inputs(t, 2, 3);
  const TfjsArtifacts small = convert_to_tfjs(g, cat(), {.shard_bytes = 13});
  ASSERT_EQ(small.model_json["weightsManifest"][0]["paths"].size(), static_cast<size_t>((4 * (30 + 5 + 15 + 3) + 12) / 13));
  const TfjsArtifacts ints = convert_to_tfjs(t, cat(), {.shard_bytes = 6});
  std::set<std::string> int_consts;
  for (const json& w : ints.model_json["weightsManifest"][0]["weights"])
    if (w["dtype"] == "int32") int_consts.insert(w["name"]);
  EXPECT_EQ(int_consts, (std::set<std::string>{"rs/shape", "tp/perm", "ed/dim", "mx/reduction_indices"}));
  const std::vector<json> res = run_tfjs({stage(small, in, tmp.path / "small"), stage(convert_to_tfjs(g, cat()), in, tmp.path / "one"),
                                          stage(ints, tin, tmp.path / "ints")},
                                         tmp.path, "cpu");
  for (const json& j : res) ASSERT_FALSE(j.contains("error")) << j.dump();
  EXPECT_EQ(res[0]["outputs"], res[1]["outputs"]);
  const Reference ref = compute_reference(t, cat(), default_kernels(), tin, DType::F32);
  RunResult got;
  got.outputs = outputs_of(res[2]);
  ASSERT_EQ(got.outputs.at(0).shape, (Shape{2, 2, 1}));
  for (int64_t i = 0; i < got.outputs[0].size(); ++i) EXPECT_EQ(got.outputs[0][i], ref.values.at(t.outputs[0])[i]);  // max is exact
}

}  // namespace
