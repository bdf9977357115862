// TF.js graph-model import (harness/io/graph_model_import.h): the round trip from every generated TF-op graph
// through parity's graph-model writer and back, refusals that list every unrepresentable node, weights
// decoding, and `load_user_model` / `check` on graph-model files.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <iostream>
#include <regex>
#include <set>

#include "harness/check/check.h"
#include "harness/check/load_model.h"
#include "harness/core/error.h"
#include "harness/core/random.h"
#include "harness/engine/generator.h"
#include "harness/io/graph_model_import.h"
#include "harness/io/keras_h5.h"
#include "harness/test/subprocess.h"
#include "oracles/ref/kernel.h"
#include "oracles/ref/ref_executor.h"
#include "oracles/tfjs/convert.h"
#include "oracles/tfjs/graph_lower.h"
#include "oracles/tfjs/worker_client.h"

namespace parity {
namespace {

using nlohmann::json;

std::string without_names(const Graph& g) {
  const std::string d = std::regex_replace(describe(g), std::regex(" name=[^ ]+"), "");
  return d.substr(d.find('\n') + 1);  // the first line names the graph
}

std::vector<Tensor<double>> random_inputs(const Graph& g, int64_t batch, uint64_t seed) {
  Rng rng(seed);
  std::vector<Tensor<double>> xs;
  for (ValueId v : g.inputs) {
    Shape s = g.values.at(static_cast<size_t>(v)).shape;
    if (!s.empty() && s[0] == kBatch) s[0] = batch;
    Tensor<double> t(s);
    for (double& x : t.data) x = static_cast<float>(rng.uniform(0.1, 0.9));  // inside every TF op's domain
    xs.push_back(std::move(t));
  }
  return xs;
}

GraphModelFiles files_of(const TfjsArtifacts& a) { return {a.model_json, a.weights, "converted"}; }

// A graph-model topology with node names replaced by their position: "op attrs <- #i:k ..." per node.
std::string canonical_graph_def(const json& model_json) {
  const json& nodes = model_json.at("modelTopology").at("node");
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < nodes.size(); ++i) index[nodes[i].at("name").get<std::string>()] = i;
  std::string out;
  for (const json& n : nodes) {
    out += n.at("op").get<std::string>() + " " + n.value("attr", json::object()).dump() + " <-";
    for (const json& in : n.value("input", json::array())) {
      const std::string t = in.get<std::string>();
      const auto colon = t.rfind(':');
      const std::string name = colon == std::string::npos ? t : t.substr(0, colon);
      out += " #" + std::to_string(index.count(name) ? index.at(name) : 999999) + (colon == std::string::npos ? "" : t.substr(colon));
    }
    out += "\n";
  }
  return out;
}

// Why an import was refused only because parity has no rule or catalog op for some op yet (not a bug).
bool refused_for_missing_rules(const UnrepresentableModelError& e, std::set<std::string>& ops) {
  for (const UnrepresentableLayer& u : e.layers) {
    if (u.reason.find("no catalog op") == std::string::npos && u.reason.find("has no op") == std::string::npos &&
        u.reason.find("no rule") == std::string::npos && u.reason.find("folds no constants") == std::string::npos)
      return false;
    ops.insert(u.class_name);
  }
  return true;
}

// Every TF-op graph the generator produces → build_graph_model → import → the same graph (up to node names)
// with the same ref64 outputs, bit for bit. Where the writer normalizes an attribute's spelling (a stride 2
// written as [1, 2, 2, 1], an epsilon rounded to float32), the imported graph must instead write back the very
// same graph-model (GraphDef equal up to node names, weights byte for byte): the import is the writer's inverse.
TEST(GraphImport, RoundTripOfGeneratedTfOpGraphs) {
  const Catalog& c = default_catalog();
  GenConfig cfg;
  cfg.family = GraphFamily::TfOps;
  int imported = 0, not_lowered = 0, exact = 0, decomposed = 0;
  std::set<std::string> decomposed_ops;
  std::set<std::string> missing_rules;
  std::vector<std::string> mismatches;
  for (uint64_t i = 0; i < 150; ++i) {
    GeneratedCase gc = generate_case(c, cfg, 7, i);
    const Graph& g = gc.cf.graph;
    ConvertOptions opt;
    opt.format = ModelFormat::Graph;
    TfjsArtifacts a;
    try {
      a = convert_to_tfjs(g, c, opt);
    } catch (const ParityError&) {
      ++not_lowered;  // an op a family has not lowered yet; the writer's own tests cover that
      continue;
    }
    ImportedGraphModel im;
    try {
      im = import_graph_model(files_of(a), c);
    } catch (const UnrepresentableModelError& e) {
      if (!refused_for_missing_rules(e, missing_rules)) mismatches.push_back(gc.id + ": import refused: " + e.what() + "\n" + describe(g));
      continue;
    } catch (const ParityError& e) {
      mismatches.push_back(gc.id + ": import failed: " + e.what() + "\n" + describe(g));
      continue;
    }
    ++imported;
    // Where the writer writes TF's Python decomposition of an op (tf.nn.conv1d as ExpandDims/Conv2D/Squeeze,
    // tf.nn.silu as Mul/Sigmoid/Mul) or an identity the import drops (tf.identity, a one-tensor tf.concat),
    // the imported graph differs and only its outputs can be compared (below, within 1e-12 relative).
    bool same_structure = true;
    if (without_names(im.graph) == without_names(g)) {
      ++exact;
    } else {
      const TfjsArtifacts back = convert_to_tfjs(im.graph, c, opt);
      same_structure = canonical_graph_def(back.model_json) == canonical_graph_def(a.model_json) && back.weights == a.weights;
      if (!same_structure) {
        ++decomposed;
        decomposed_ops.insert(g.nodes.back().op);
      }
    }
    EXPECT_EQ(im.input_names, a.input_names) << gc.id;
    EXPECT_EQ(im.output_names, a.output_names) << gc.id;
    Ref64Executor ref(c, default_kernels());
    const auto xs = random_inputs(g, 2, i);
    const RunResult want = ref.run(g, xs), got = ref.run(im.graph, xs);
    ASSERT_EQ(want.outputs.size(), got.outputs.size()) << gc.id;
    for (size_t k = 0; k < want.outputs.size(); ++k) {
      ASSERT_EQ(want.outputs[k].shape, got.outputs[k].shape) << gc.id;
      for (int64_t e = 0; e < want.outputs[k].size(); ++e) {
        const double w = want.outputs[k][e], h = got.outputs[k][e];
        if (std::isnan(w) && std::isnan(h)) continue;
        if (same_structure) {
          ASSERT_EQ(w, h) << gc.id << " output " << k << " element " << e;
        } else {
          ASSERT_NEAR(w, h, 1e-12 * std::max(1.0, std::fabs(w))) << gc.id << " output " << k << " element " << e << "\n"
                                                                 << describe(g) << "---\n" << describe(im.graph);
        }
      }
    }
  }
  for (const std::string& m : mismatches) ADD_FAILURE() << m;
  std::cout << "imported " << imported << " (" << exact << " describe-equal, " << decomposed
            << " decomposed, compared by outputs), not lowered " << not_lowered
            << "\n";
  for (const std::string& op : decomposed_ops) std::cout << "  decomposed (e.g. the last node): " << op << "\n";
  std::string missing;
  for (const std::string& op : missing_rules) missing += " " + op;
  EXPECT_TRUE(missing_rules.empty()) << "graphs refused for ops without an import rule:" << missing;
  EXPECT_EQ(imported + not_lowered, 150) << "imported " << imported << ", not lowered " << not_lowered;
  EXPECT_GE(imported, 140) << "imported " << imported << ", not lowered " << not_lowered;
  EXPECT_GE(exact, imported / 3);
}

// Every catalog TF op the converter writes, alone in small generated graphs (GenConfig::ops = {op}):
// convert → import → the same ref64 outputs, bit for bit; the imported graph writes back the same graph-model
// (but for TF's decompositions), and ops with a rule of their own come back as themselves.
TEST(GraphImport, EveryWritableTfOpRoundTrips) {
  const Catalog& c = default_catalog();
  int ops = 0, cases = 0;
  std::vector<std::string> not_writable, not_generated;
  std::set<std::string> decomposed, rewritten;
  for (const OpSpec& s : c.ops()) {
    if (s.family != Family::TfOp) continue;
    GenConfig cfg;
    cfg.family = GraphFamily::TfOps;
    cfg.ops = {s.name};
    cfg.max_nodes = 2;
    int op_cases = 0;
    bool writable = true;
    for (uint64_t i = 0; i < 64 && (i < 8 || op_cases == 0); ++i) {  // 8 graphs, more for an op rarely placeable
      GeneratedCase gc;
      try {
        gc = generate_case(c, cfg, 11, i);
      } catch (const ParityError&) {  // the op cannot be placed on this case's random input
        continue;
      }
      const Graph& g = gc.cf.graph;
      if (std::none_of(g.nodes.begin(), g.nodes.end(), [&](const Node& n) { return n.op == s.name; })) continue;
      ConvertOptions opt;
      opt.format = ModelFormat::Graph;
      TfjsArtifacts a;
      try {
        a = convert_to_tfjs(g, c, opt);
      } catch (const ParityError&) {
        writable = false;
        break;
      }
      ImportedGraphModel im;
      try {
        im = import_graph_model(files_of(a), c);
      } catch (const UnrepresentableModelError& e) {
        ADD_FAILURE() << s.name << " " << gc.id << ": import refused: " << e.what() << "\n" << describe(g);
        break;  // one report per op
      } catch (const ParityError& e) {
        ADD_FAILURE() << s.name << " " << gc.id << ": import failed: " << e.what() << "\n" << describe(g);
        break;
      }
      ++op_cases;
      const bool has_op = std::any_of(im.graph.nodes.begin(), im.graph.nodes.end(), [&](const Node& n) { return n.op == s.name; });
      if (!has_op) decomposed.insert(s.name);  // TF's Python writes it as other ops (tf.nn.silu: Mul(x, Sigmoid(x)))
      {
        const TfjsArtifacts back = convert_to_tfjs(im.graph, c, opt);
        if (canonical_graph_def(back.model_json) != canonical_graph_def(a.model_json) || back.weights != a.weights)
          rewritten.insert(s.name);
      }
      Ref64Executor ref(c, default_kernels());
      const auto xs = random_inputs(g, 2, i);
      const RunResult want = ref.run(g, xs), got = ref.run(im.graph, xs);
      ASSERT_EQ(want.outputs.size(), got.outputs.size()) << s.name << " " << gc.id;
      for (size_t k = 0; k < want.outputs.size(); ++k) {
        ASSERT_EQ(want.outputs[k].shape, got.outputs[k].shape) << s.name << " " << gc.id;
        for (int64_t e = 0; e < want.outputs[k].size(); ++e) {
          const double w = want.outputs[k][e], h = got.outputs[k][e];
          if (std::isnan(w) && std::isnan(h)) continue;
          ASSERT_EQ(w, h) << s.name << " " << gc.id << " output " << k << " element " << e << "\n" << describe(g) << "---\n"
                          << describe(im.graph);
        }
      }
    }
    if (!writable) not_writable.push_back(s.name);
    else if (op_cases == 0) not_generated.push_back(s.name);
    else ++ops, cases += op_cases;
  }
  std::cout << ops << " TF ops round-tripped in " << cases << " graphs; not writable: " << not_writable.size()
            << ", not generated: " << not_generated.size() << "\n";
  for (const std::string& n : not_writable) std::cout << "  not writable: " << n << "\n";
  for (const std::string& n : not_generated) std::cout << "  not generated: " << n << "\n";
  for (const std::string& n : decomposed) std::cout << "  imported as the ops TF writes for it: " << n << "\n";
  // The import is the writer's inverse (the imported graph writes back the same GraphDef, weights byte for
  // byte) but for ops TF's Python writes as an identity the import drops (tf.identity, tf.stop_gradient, a
  // same-dtype tf.cast, a one-tensor tf.concat or tf.math.add_n, tf.ensure_shape) or as a decomposition
  // imported op by op (tf.nn.conv1d, tf.nn.convolution, tf.nn.silu, tf.repeat).
  const std::set<std::string> known = {"tf.identity", "tf.stop_gradient", "tf.cast", "tf.concat", "tf.math.add_n",
                                       "tf.ensure_shape", "tf.nn.conv1d", "tf.nn.convolution", "tf.nn.silu", "tf.repeat"};
  for (const std::string& n : rewritten) EXPECT_TRUE(known.count(n)) << n << ": the imported graph writes back a different graph-model";
  EXPECT_GE(ops, 150);
  // The ops whose GraphDef op parity's import reads by a rule of its own (not a decomposition) come back as
  // themselves (tf.space_to_batch comes back as tf.space_to_batch_nd: both write SpaceToBatchND).
  for (const char* op : {"tf.space_to_batch_nd", "tf.batch_to_space", "tf.roll", "tf.reverse_sequence", "tf.ones_like",
                         "tf.zeros_like", "tf.linalg.band_part", "tf.linalg.diag_part", "tf.nn.conv2d_transpose",
                         "tf.nn.max_pool3d", "tf.nn.avg_pool3d", "tf.einsum", "tf.one_hot", "tf.math.top_k",
                         "tf.math.reduce_logsumexp"})
    EXPECT_FALSE(decomposed.count(op)) << op << " was not imported as itself";
}

json node(const std::string& name, const std::string& op, std::vector<std::string> in = {}, json attr = json::object()) {
  json n = {{"name", name}, {"op", op}, {"attr", std::move(attr)}};
  if (!in.empty()) n["input"] = std::move(in);
  return n;
}

json placeholder(const std::string& name, const std::vector<int>& dims) {
  json d = json::array();
  for (int v : dims) d.push_back({{"size", std::to_string(v)}});
  return node(name, "Placeholder", {}, {{"dtype", {{"type", "DT_FLOAT"}}}, {"shape", {{"shape", {{"dim", d}}}}}});
}

GraphModelFiles model(json nodes, json manifest_weights = json::array(), std::vector<uint8_t> bytes = {}) {
  json m = {{"format", "graph-model"},
            {"modelTopology", {{"node", std::move(nodes)}}},
            {"weightsManifest", json::array({{{"paths", json::array()}, {"weights", std::move(manifest_weights)}}})}};
  return {m, std::move(bytes), "test model.json"};
}

// A graph-model written by hand, as tensorflowjs_converter could write it: Placeholders, Consts (int32 or
// float32 values in the manifest) and op nodes.
struct HandModel {
  json nodes = json::array();
  json weights = json::array();
  std::vector<uint8_t> bytes;

  HandModel& input(const std::string& name, const std::vector<int>& dims) {
    nodes.push_back(placeholder(name, dims));
    return *this;
  }
  HandModel& konst(const std::string& name, const std::vector<int64_t>& shape, const std::vector<double>& v, bool int32) {
    nodes.push_back(node(name, "Const", {}, {{"dtype", tfjs_detail::dtype_attr(int32)}}));
    weights.push_back({{"name", name}, {"shape", shape}, {"dtype", int32 ? "int32" : "float32"}});
    for (double x : v) {
      uint8_t b[4];
      if (int32) {
        const auto i = static_cast<int32_t>(x);
        std::memcpy(b, &i, 4);
      } else {
        const auto f = static_cast<float>(x);
        std::memcpy(b, &f, 4);
      }
      bytes.insert(bytes.end(), b, b + 4);
    }
    return *this;
  }
  HandModel& ints(const std::string& name, const std::vector<int64_t>& shape, const std::vector<double>& v) {
    return konst(name, shape, v, true);
  }
  HandModel& floats(const std::string& name, const std::vector<int64_t>& shape, const std::vector<double>& v) {
    return konst(name, shape, v, false);
  }
  HandModel& op(const std::string& name, const std::string& op, std::vector<std::string> in, json attr = json::object()) {
    if (!attr.contains("T") && op != "Cast") attr["T"] = tfjs_detail::dtype_attr();
    nodes.push_back(node(name, op, std::move(in), std::move(attr)));
    return *this;
  }
  GraphModelFiles files() const { return model(nodes, weights, bytes); }
};

// The import refuses exactly one node, naming it, its op, and `attribute` in the reason.
void expect_refused(const HandModel& m, const std::string& node_name, const std::string& op, const std::string& attribute) {
  try {
    const ImportedGraphModel im = import_graph_model(m.files(), default_catalog());
    ADD_FAILURE() << node_name << " (" << op << ") was imported:\n" << describe(im.graph);
  } catch (const UnrepresentableModelError& e) {
    ASSERT_EQ(e.layers.size(), 1u) << e.what();
    EXPECT_EQ(e.layers[0].layer, node_name) << e.what();
    EXPECT_EQ(e.layers[0].class_name, op) << e.what();
    EXPECT_NE(e.layers[0].reason.find(attribute), std::string::npos) << "reason does not name " << attribute << ": " << e.layers[0].reason;
    EXPECT_NE(std::string(e.what()).find(node_name), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(op), std::string::npos) << e.what();
  }
}

std::string imported(const HandModel& m) { return without_names(import_graph_model(m.files(), default_catalog()).graph); }

using tfjs_detail::bool_attr;
using tfjs_detail::int_attr;
using tfjs_detail::ints_attr;
using tfjs_detail::string_attr;

// What TF's GraphDef allows beyond parity's own writer imports to the catalog op with the same meaning.
TEST(GraphImport, TfSpellingsOfTheNewRules) {
  // TopKV2 without `sorted` (its default is true) and with index_type int64; the older TopK (k an attribute).
  HandModel tk;
  tk.input("x", {-1, 5}).ints("k", {}, {2}).op("t", "TopKV2", {"x", "k"}, {{"index_type", {{"type", "DT_INT64"}}}});
  EXPECT_NE(imported(tk).find(R"(tf.math.top_k(%0) {"k":2})"), std::string::npos) << imported(tk);
  HandModel tk1;
  tk1.input("x", {-1, 5}).op("t", "TopK", {"x"}, {{"k", int_attr(3)}, {"sorted", bool_attr(true)}});
  EXPECT_NE(imported(tk1).find(R"(tf.math.top_k(%0) {"k":3})"), std::string::npos) << imported(tk1);
  // MatrixDiagPartV3 with k as [k, k] and another alignment (one diagonal: no padding, so align has no effect);
  // MatrixDiagPart (V1) is the main diagonal.
  HandModel dp;
  dp.input("x", {-1, 3, 4}).ints("k", {2}, {1, 1}).floats("pad", {}, {0}).op("d", "MatrixDiagPartV3", {"x", "k", "pad"},
                                                                               {{"align", string_attr("LEFT_RIGHT")}});
  EXPECT_NE(imported(dp).find(R"(tf.linalg.diag_part(%0) {"k":1})"), std::string::npos) << imported(dp);
  HandModel dp1;
  dp1.input("x", {-1, 3, 3}).op("d", "MatrixDiagPart", {"x"});
  EXPECT_NE(imported(dp1).find(R"(tf.linalg.diag_part(%0) {"k":0})"), std::string::npos) << imported(dp1);
  // OneHot with a non-negative axis; the indices an int32 tensor (a Cast of the float input).
  HandModel oh;
  oh.input("x", {-1, 3}).ints("depth", {}, {4}).floats("on", {}, {2}).floats("off", {}, {-1})
      .op("i", "Cast", {"x"}, {{"SrcT", {{"type", "DT_FLOAT"}}}, {"DstT", {{"type", "DT_INT32"}}}})
      .op("o", "OneHot", {"i", "depth", "on", "off"}, {{"axis", int_attr(1)}, {"TI", {{"type", "DT_INT32"}}}});
  EXPECT_NE(imported(oh).find(R"(tf.one_hot(%1) {"axis":1,"depth":4,"off_value":-1.0,"on_value":2.0})"), std::string::npos)
      << imported(oh);
  // An Einsum equation with spaces (TF's Python strips them; a hand-written GraphDef may not) and a constant
  // second operand: the catalog's `b` weight.
  HandModel es;
  es.input("x", {-1, 3}).floats("w", {3, 2}, {1, 2, 3, 4, 5, 6}).op("e", "Einsum", {"x", "w"}, {{"equation", string_attr("bi, iz -> bz")}, {"N", int_attr(2)}});
  EXPECT_NE(imported(es).find(R"(tf.einsum(%0) {"b_shape":[3,2],"equation":"bi,iz->bz"})"), std::string::npos) << imported(es);
  // Conv2DBackpropInput with TF 2's two-entry input_sizes [h, w].
  HandModel ct;
  ct.input("x", {-1, 2, 2, 1}).ints("sizes", {2}, {4, 4}).floats("f", {2, 2, 3, 1}, std::vector<double>(12, 0.5))
      .op("c", "Conv2DBackpropInput", {"sizes", "f", "x"},
          {{"strides", ints_attr({1, 2, 2, 1})}, {"padding", string_attr("SAME")}, {"data_format", string_attr("NHWC")}});
  EXPECT_NE(imported(ct).find(R"("output_shape":[null,4,4,3])"), std::string::npos) << imported(ct);
  // A reduce_logsumexp written op by op, as older TF versions did (no pattern matches it): TF 1's Select with
  // a condition of its operands' shape is tf.where; the rest imports node by node.
  HandModel lse;
  lse.input("x", {-1, 4}).ints("ax", {}, {-1})
      .op("raw", "Max", {"x", "ax"}, {{"keep_dims", bool_attr(true)}, {"Tidx", tfjs_detail::dtype_attr(true)}})
      .op("fin", "IsFinite", {"raw"}).op("zero", "ZerosLike", {"raw"}).op("sel", "Select", {"fin", "raw", "zero"})
      .op("sub", "Sub", {"x", "sel"}).op("exp", "Exp", {"sub"})
      .op("sum", "Sum", {"exp", "ax"}, {{"keep_dims", bool_attr(true)}, {"Tidx", tfjs_detail::dtype_attr(true)}})
      .op("log", "Log", {"sum"}).op("out", "AddV2", {"log", "sel"});
  EXPECT_NE(imported(lse).find("tf.where(%2, %1, %3)"), std::string::npos) << imported(lse);
  HandModel rows;  // a vector condition selecting rows
  rows.input("x", {-1, 4}).input("c", {-1}).op("fin", "IsFinite", {"c"}).op("sel", "Select", {"fin", "x", "x"});
  expect_refused(rows, "sel", "Select", "condition");
  // Keras' Flatten as TF writes it over a symbolic batch: Reshape(x, Pack(Shape(x)[0], -1)).
  HandModel flat;
  flat.input("x", {-1, 3, 4}).ints("b", {1}, {0}).ints("e", {1}, {1}).ints("st", {1}, {1}).ints("rest", {}, {-1})
      .op("s", "Shape", {"x"}, {{"out_type", {{"type", "DT_INT32"}}}})
      .op("n", "StridedSlice", {"s", "b", "e", "st"}, {{"shrink_axis_mask", int_attr(1)}, {"T", tfjs_detail::dtype_attr(true)}})
      .op("p", "Pack", {"n", "rest"}, {{"N", int_attr(2)}, {"axis", int_attr(0)}, {"T", tfjs_detail::dtype_attr(true)}})
      .op("r", "Reshape", {"x", "p"});
  EXPECT_NE(imported(flat).find(R"(tf.reshape(%0) {"shape":[-1,12]})"), std::string::npos) << imported(flat);
  // Fill(Shape(x), v) for a v other than 0 and 1: ones_like(x) * v.
  HandModel fl;
  fl.input("x", {-1, 3}).floats("v", {}, {2.5}).op("s", "Shape", {"x"}, {{"out_type", {{"type", "DT_INT32"}}}}).op("f", "Fill", {"s", "v"});
  EXPECT_NE(imported(fl).find(R"(tf.math.multiply(%1) {"x":null,"y":2.5})"), std::string::npos) << imported(fl);
}

// What a real GraphDef may carry and the catalog op cannot express: refused, naming node, op and attribute.
TEST(GraphImport, NewRulesRefuseWhatTheCatalogCannotExpress) {
  HandModel pool;
  pool.input("x", {-1, 2, 4, 4, 4}).op("p", "MaxPool3D", {"x"},
                                        {{"ksize", ints_attr({1, 1, 2, 2, 2})}, {"strides", ints_attr({1, 1, 2, 2, 2})},
                                         {"padding", string_attr("VALID")}, {"data_format", string_attr("NCDHW")}});
  expect_refused(pool, "p", "MaxPool3D", "data_format");
  HandModel pool_b;
  pool_b.input("x", {-1, 4, 4, 4, 2}).op("p", "AvgPool3D", {"x"},
                                         {{"ksize", ints_attr({2, 2, 2, 2, 1})}, {"strides", ints_attr({1, 2, 2, 2, 1})},
                                          {"padding", string_attr("VALID")}});
  expect_refused(pool_b, "p", "AvgPool3D", "ksize");
  HandModel b2s;  // a block of 2 moves data into the batch, which parity keeps symbolic
  b2s.input("x", {-1, 4, 4, 1}).ints("block", {2}, {2, 2}).ints("pads", {2, 2}, {0, 0, 0, 0}).op("s", "SpaceToBatchND", {"x", "block", "pads"});
  expect_refused(b2s, "s", "SpaceToBatchND", "block_shape");
  HandModel crops;
  crops.input("x", {-1, 4, 4, 1}).ints("block", {2}, {1, 1}).ints("crops", {1, 2}, {0, 1}).op("s", "BatchToSpaceND", {"x", "block", "crops"});
  expect_refused(crops, "s", "BatchToSpaceND", "crops");
  HandModel roll;
  roll.input("x", {-1, 4}).ints("shift", {2}, {1, 2}).ints("axis", {}, {1}).op("r", "Roll", {"x", "shift", "axis"});
  expect_refused(roll, "r", "Roll", "shift");
  HandModel rs;  // batch_dim 0 pairs the constant lengths with the symbolic batch
  rs.input("x", {-1, 4, 2}).ints("len", {2}, {1, 2}).op("r", "ReverseSequence", {"x", "len"}, {{"seq_dim", int_attr(1)}});
  expect_refused(rs, "r", "ReverseSequence", "batch_axis");
  HandModel band;
  band.input("x", {-1, 3, 3}).ints("lo", {1}, {1}).ints("hi", {}, {0}).op("b", "MatrixBandPart", {"x", "lo", "hi"});
  expect_refused(band, "b", "MatrixBandPart", "num_lower");
  HandModel diag;
  diag.input("x", {-1, 3, 3}).ints("k", {2}, {-1, 1}).floats("pad", {}, {0}).op("d", "MatrixDiagPartV3", {"x", "k", "pad"});
  expect_refused(diag, "d", "MatrixDiagPartV3", "k [-1, 1]");
  HandModel align;
  align.input("x", {-1, 3, 3}).ints("k", {}, {0}).floats("pad", {}, {0}).op("d", "MatrixDiagPartV3", {"x", "k", "pad"},
                                                                            {{"align", string_attr("MIDDLE")}});
  expect_refused(align, "d", "MatrixDiagPartV3", "align");
  HandModel oh;
  oh.input("x", {-1, 3}).ints("depth", {}, {4}).floats("on", {}, {1}).floats("off", {}, {0})
      .op("i", "Cast", {"x"}, {{"SrcT", {{"type", "DT_FLOAT"}}}, {"DstT", {{"type", "DT_INT32"}}}})
      .op("o", "OneHot", {"i", "depth", "on", "off"}, {{"axis", int_attr(-2)}});
  expect_refused(oh, "o", "OneHot", "attr 'axis' -2");
  HandModel oh_t;
  oh_t.input("x", {-1, 3}).ints("depth", {}, {4}).ints("on", {}, {1}).ints("off", {}, {0})
      .op("i", "Cast", {"x"}, {{"SrcT", {{"type", "DT_FLOAT"}}}, {"DstT", {{"type", "DT_INT32"}}}})
      .op("o", "OneHot", {"i", "depth", "on", "off"}, {{"T", {{"type", "DT_INT32"}}}});
  expect_refused(oh_t, "o", "OneHot", "attr 'T'");
  HandModel tk;
  tk.input("x", {-1, 5}).ints("k", {}, {2}).op("t", "TopKV2", {"x", "k"}, {{"sorted", bool_attr(false)}});
  expect_refused(tk, "t", "TopKV2", "attr 'sorted'");
  HandModel es;
  es.input("x", {-1, 3}).floats("w", {3, 3}, std::vector<double>(9, 1)).op("e", "Einsum", {"w", "x"}, {{"equation", string_attr("ij,bj->bi")}});
  expect_refused(es, "e", "Einsum", "first operand");
  HandModel es_dots;
  es_dots.input("x", {-1, 3, 2}).op("e", "Einsum", {"x"}, {{"equation", string_attr("...ij->...ji")}});
  expect_refused(es_dots, "e", "Einsum", "equation");
  HandModel ct;
  ct.input("x", {-1, 2, 2, 1}).ints("sizes", {4}, {-1, 4, 4, 3}).floats("f", {2, 2, 3, 1}, std::vector<double>(12, 0.5))
      .op("c", "Conv2DBackpropInput", {"sizes", "f", "x"},
          {{"strides", ints_attr({1, 2, 2, 1})}, {"padding", string_attr("EXPLICIT")},
           {"explicit_paddings", ints_attr({0, 0, 1, 1, 1, 1, 0, 0})}});
  expect_refused(ct, "c", "Conv2DBackpropInput", "padding");
  HandModel tile;  // a shape with the symbolic batch where -1 would not mean the batch
  tile.input("x", {-1, 3}).op("s", "Shape", {"x"}, {{"out_type", {{"type", "DT_INT32"}}}}).op("t", "Tile", {"x", "s"});
  expect_refused(tile, "t", "Tile", "Shape");
  HandModel fl;  // a Fill of a constant shape is itself a constant
  fl.input("x", {-1, 3}).ints("dims", {2}, {2, 3}).floats("v", {}, {1}).op("f", "Fill", {"dims", "v"}).op("y", "AddV2", {"x", "f"});
  expect_refused(fl, "f", "Fill", "constant shape");
}

TEST(GraphImport, RefusalsListEveryUnrepresentableNode) {
  const Catalog& c = default_catalog();
  const GraphModelFiles m = model({placeholder("x", {-1, 4}), node("sw", "Switch", {"x", "x"}),
                                   node("m", "Merge", {"sw", "sw:1"}), node("weird", "FooBarOp", {"x"}),
                                   node("sq", "Sqrt", {"x"}), node("out", "AddV2", {"m", "weird"})});
  try {
    import_graph_model(m, c);
    FAIL() << "control flow was imported";
  } catch (const UnrepresentableModelError& e) {
    std::map<std::string, std::string> ops;
    for (const UnrepresentableLayer& u : e.layers) ops[u.layer] = u.class_name + ": " + u.reason;
    EXPECT_EQ(ops.size(), 2u) << e.what();  // Merge depends on the refused Switch: not reported twice
    EXPECT_NE(ops["sw"].find("Switch: control flow"), std::string::npos) << ops["sw"];
    EXPECT_NE(ops["weird"].find("FooBarOp"), std::string::npos) << ops["weird"];
    EXPECT_NE(std::string(e.what()).find("Switch"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("FooBarOp"), std::string::npos) << e.what();
  }
  // A dynamic non-batch dimension is refused, unless --dynamic-dim fixes it.
  const GraphModelFiles dyn = model({placeholder("x", {-1, -1}), node("y", "Sqrt", {"x"})});
  EXPECT_THROW(import_graph_model(dyn, c), UnrepresentableModelError);
  const ImportedGraphModel im = import_graph_model(dyn, c, 5);
  EXPECT_EQ(im.graph.values.at(im.graph.inputs.at(0)).shape, (Shape{kBatch, 5}));
}

// Const operands become attributes; Identity passes through; fused patterns become their catalog op.
TEST(GraphImport, ConstOperandsAndPatterns) {
  const Catalog& c = default_catalog();
  auto f32 = [](std::vector<float> v) {
    std::vector<uint8_t> b(4 * v.size());
    std::memcpy(b.data(), v.data(), b.size());
    return b;
  };
  std::vector<uint8_t> bytes = f32({0.25f, 2.0f, -1.0f});
  const int32_t axis = -1;
  bytes.resize(bytes.size() + 4);
  std::memcpy(bytes.data() + 12, &axis, 4);
  const json weights = json::array({{{"name", "y"}, {"shape", json::array()}, {"dtype", "float32"}},
                                    {{"name", "hi"}, {"shape", json::array()}, {"dtype", "float32"}},
                                    {{"name", "lo"}, {"shape", json::array()}, {"dtype", "float32"}},
                                    {{"name", "ax"}, {"shape", json::array()}, {"dtype", "int32"}}});
  const GraphModelFiles m = model({placeholder("x", {-1, 3}), node("y", "Const"), node("hi", "Const"), node("lo", "Const"),
                                   node("ax", "Const"), node("mul", "Mul", {"y", "x"}), node("id", "Identity", {"mul"}),
                                   node("min", "Minimum", {"id", "hi"}), node("clip", "Maximum", {"min", "lo"}),
                                   node("sum", "Sum", {"clip", "ax"}, {{"keep_dims", {{"b", true}}}})},
                                  weights, bytes);
  const ImportedGraphModel im = import_graph_model(m, c);
  const std::string d = describe(im.graph);
  EXPECT_NE(d.find(R"(tf.math.multiply(%0) {"x":0.25)"), std::string::npos) << d;
  EXPECT_NE(d.find(R"(tf.clip_by_value(%1) {"clip_value_max":2.0,"clip_value_min":-1.0})"), std::string::npos) << d;
  EXPECT_NE(d.find(R"(tf.math.reduce_sum(%2) {"axis":-1,"keepdims":true})"), std::string::npos) << d;
  EXPECT_EQ(im.graph.nodes.size(), 4u) << d;
}

// TF.js's decodeWeight (tfjs-core io_utils.js): uint8/uint16 → float32(v * scale + min), float16 widened.
TEST(GraphImport, ManifestEntriesDecodeAsTfjsDoes) {
  const json u8 = {{"name", "w"}, {"shape", {3}}, {"dtype", "float32"},
                   {"quantization", {{"dtype", "uint8"}, {"min", -1.0}, {"scale", 0.1}}}};
  const uint8_t q[3] = {0, 10, 255};
  const ConstTensor t = decode_manifest_entry(u8, q, 3, "test");
  EXPECT_EQ(t.values[0], -1.0);
  EXPECT_EQ(t.values[1], static_cast<double>(static_cast<float>(10 * 0.1 + -1.0)));  // 1.1102230246251565e-16 in float32
  EXPECT_EQ(t.values[2], static_cast<double>(static_cast<float>(255 * 0.1 - 1.0)));
  const json f16 = {{"name", "h"}, {"shape", {4}}, {"dtype", "float32"}, {"quantization", {{"dtype", "float16"}}}};
  const uint16_t h[4] = {0x3c00, 0xc000, 0x0001, 0x7c00};  // 1, -2, the smallest subnormal 2^-24, +inf
  const ConstTensor th = decode_manifest_entry(f16, reinterpret_cast<const uint8_t*>(h), 8, "test");
  EXPECT_EQ(th.values[0], 1.0);
  EXPECT_EQ(th.values[1], -2.0);
  EXPECT_EQ(th.values[2], std::ldexp(1.0, -24));
  EXPECT_TRUE(std::isinf(th.values[3]));
  const json i32 = {{"name", "i"}, {"shape", {2}}, {"dtype", "int32"},
                    {"quantization", {{"dtype", "uint8"}, {"min", -2.5}, {"scale", 1.0}}}};
  const uint8_t qi[2] = {0, 1};  // Math.round(-2.5) = -2, Math.round(-1.5) = -1 (half toward +inf)
  const ConstTensor ti = decode_manifest_entry(i32, qi, 2, "test");
  EXPECT_EQ(ti.values[0], -2.0);
  EXPECT_EQ(ti.values[1], -1.0);
  EXPECT_THROW(decode_manifest_entry(u8, q, 2, "test"), ParityError);
}

TEST(GraphImport, LoadUserModelReadsConverterOutput) {
  const Catalog& c = default_catalog();
  Graph g;
  const ValueId x = g.add_input(c, "x", {kBatch, 3});
  const ValueId y = g.add(c, "sq", "tf.math.sqrt", json::object(), {x});
  g.outputs = {g.add(c, "t", "tf.math.multiply", {{"y", 0.5}}, {y})};
  for (WeightQuantization q : {WeightQuantization::None, WeightQuantization::Float16, WeightQuantization::Uint8}) {
    testing::TempDir dir("parity-graph-import-");
    ConvertOptions opt;
    opt.format = ModelFormat::Graph;
    opt.quantize = q;
    write_tfjs_artifacts(convert_to_tfjs(g, c, opt), dir.path);
    std::string format;
    const LoadedModel m = load_user_model(dir.path / "model.json", c, &format);
    EXPECT_EQ(format, "tfjs-graph");
    EXPECT_EQ(without_names(m.graph), without_names(g));
    ASSERT_TRUE(m.graph_files.has_value());
    EXPECT_EQ(m.graph_input_names, std::vector<std::string>{"x"});
  }
  // `parity check` on the graph-model: TF.js runs the files, ref64 the imported graph; they agree.
  if (!resolve_worker_setup(WorkerOptions{}).unavailable) {
    testing::TempDir dir("parity-graph-check-");
    ConvertOptions opt;
    opt.format = ModelFormat::Graph;
    write_tfjs_artifacts(convert_to_tfjs(g, c, opt), dir.path);
    CheckOptions co;
    co.executors = {"ref64", "tfjs-cpu"};
    co.samples = 1;
    const CheckReport r = check_model(dir.path / "model.json", co);
    EXPECT_EQ(r.format, "tfjs-graph");
    EXPECT_EQ(r.exit_code(), 0) << r.verdict();
    ASSERT_EQ(r.executors.size(), 2u);
    EXPECT_EQ(r.executors[1].disposition, Disposition::Passed) << r.executors[1].reason;
  }
  // A missing shard is bad input naming the file.
  testing::TempDir dir("parity-graph-import-bad-");
  ConvertOptions opt;
  opt.format = ModelFormat::Graph;
  write_tfjs_artifacts(convert_to_tfjs(g, c, opt), dir.path);
  std::filesystem::remove(dir.path / "group1-shard1of1.bin");
  try {
    load_user_model(dir.path / "model.json", c);
    FAIL() << "a missing shard was accepted";
  } catch (const ParityError& e) {
    EXPECT_NE(std::string(e.what()).find("group1-shard1of1.bin"), std::string::npos) << e.what();
  }
}

// `parity check` on a graph-model the converter wrote with the ops of the newer import rules (their Const
// operands, Shape/StridedSlice/Pack output sizes, the reduce_logsumexp decomposition): ref64 and cpu32 run the
// imported graph, every node is found and the two agree.
TEST(GraphImport, CheckRunsConverterGraphModelsWithTheNewOps) {
  const Catalog& c = default_catalog();
  Graph g;
  const ValueId x = g.add_input(c, "x", {kBatch, 4, 4, 2});
  ValueId v = g.add(c, "s2b", "tf.space_to_batch_nd", {{"block_shape", {1, 1}}, {"paddings", {{1, 0}, {0, 1}}}}, {x});
  v = g.add(c, "b2s", "tf.batch_to_space", {{"block_shape", {1, 1}}, {"crops", {{0, 1}, {1, 0}}}}, {v});
  v = g.add(c, "ein", "tf.einsum", {{"equation", "bijk,kz->bijz"}, {"b_shape", {2, 3}}}, {v},
            {Weight{"b", {2, 3}, {0.5, -0.25, 1, 0.75, -1, 0.125}}});
  v = g.add(c, "up", "tf.nn.conv2d_transpose",
            {{"filters_shape", {2, 2, 2, 3}}, {"output_shape", {nullptr, 8, 8, 2}}, {"strides", 2}, {"padding", "SAME"}}, {v},
            {Weight{"filters", {2, 2, 2, 3}, std::vector<double>(24, 0.25)}});
  const ValueId pool = g.add(c, "pool", "tf.nn.max_pool3d", {{"ksize", {1, 2, 2}}, {"strides", {1, 2, 2}}, {"padding", "VALID"}},
                             {g.add(c, "ex", "tf.expand_dims", {{"axis", 1}}, {v})});
  v = g.add(c, "lse", "tf.math.reduce_logsumexp", {{"axis", -1}, {"keepdims", false}}, {v});
  v = g.add(c, "roll", "tf.roll", {{"shift", {1, -2}}, {"axis", {1, 2}}}, {v});
  v = g.add(c, "plus1", "tf.math.add", json::object(), {v, g.add(c, "ones", "tf.ones_like", {{"dtype", nullptr}}, {v})});
  v = g.add(c, "diag", "tf.linalg.diag_part", {{"k", -1}}, {v});
  const std::vector<ValueId> top = g.add_node(c, "topk", "tf.math.top_k", {{"k", 3}}, {v});
  g.outputs = {top.at(0), g.add(c, "plus0", "tf.math.add", json::object(),
                                {pool, g.add(c, "zeros", "tf.zeros_like", {{"dtype", nullptr}}, {pool})})};
  validate(g, c);
  testing::TempDir dir("parity-graph-new-ops-");
  ConvertOptions opt;
  opt.format = ModelFormat::Graph;
  write_tfjs_artifacts(convert_to_tfjs(g, c, opt), dir.path);
  CheckOptions co;
  co.executors = {"ref64", "cpu32"};
  co.samples = 2;
  const CheckReport r = check_model(dir.path / "model.json", co);
  EXPECT_EQ(r.format, "tfjs-graph");
  EXPECT_TRUE(r.unrepresentable.empty()) << r.verdict();
  EXPECT_EQ(r.exit_code(), 0) << r.verdict();
  ASSERT_EQ(r.executors.size(), 2u);
  for (const CheckedExecutor& e : r.executors) EXPECT_EQ(e.disposition, Disposition::Passed) << e.reason;
  std::set<std::string> ops;
  for (const CheckedLayer& l : r.layers) {
    ops.insert(l.op);
    for (const char* ex : {"ref64", "cpu32"})
      EXPECT_EQ(l.support.at(ex).state, LayerSupport::State::Yes) << l.name << " (" << l.op << ") on " << ex;
  }
  for (const Node& n : g.nodes)
    if (n.op != "InputLayer") {
      EXPECT_TRUE(ops.count(n.op)) << n.op << " is not among the checked layers";
    }
}

// A graph-model parity cannot import still runs in TF.js as published: `check` measures each op there.
TEST(GraphImport, CheckRunsUnimportableModelsInTfjs) {
  if (resolve_worker_setup(WorkerOptions{}).unavailable) GTEST_SKIP() << "TF.js worker unavailable";
  const float c_values[2] = {4.0f, 9.0f};
  for (const std::string extra : {"", "FooBarOp"}) {
    testing::TempDir dir("parity-graph-probe-");
    json nodes = {placeholder("x", {-1, 2}), node("c", "Const", {}, {{"dtype", {{"type", "DT_FLOAT"}}}}),
                  node("s", "Sqrt", {"c"}, {{"T", {{"type", "DT_FLOAT"}}}}),
                  node("y", "AddV2", {"x", "s"}, {{"T", {{"type", "DT_FLOAT"}}}})};
    if (!extra.empty()) nodes.push_back(node("z", extra, {"y"}));
    const json m = {{"format", "graph-model"},
                    {"modelTopology", {{"node", nodes}, {"versions", {{"producer", 1286}}}}},  // TF.js reads the producer
                    {"weightsManifest", json::array({{{"paths", {"w.bin"}},
                                                      {"weights", json::array({{{"name", "c"}, {"shape", {2}}, {"dtype", "float32"}}})}}})}};
    testing::write_text(dir.path / "model.json", m.dump());
    testing::write_text(dir.path / "w.bin", std::string(reinterpret_cast<const char*>(c_values), 8));
    CheckOptions co;
    co.executors = {"ref64", "tfjs-cpu"};
    co.samples = 1;
    const CheckReport r = check_model(dir.path / "model.json", co);
    ASSERT_FALSE(r.unrepresentable.empty());
    EXPECT_EQ(r.exit_code(), 1);
    std::map<std::string, CheckedLayer> by_op;
    for (const CheckedLayer& l : r.layers) by_op[l.class_name] = l;
    ASSERT_TRUE(by_op.count("Sqrt")) << r.verdict();
    EXPECT_EQ(by_op["Sqrt"].support["ref64"].state, LayerSupport::State::No);  // a constant operand: no folding
    if (extra.empty()) {
      EXPECT_EQ(r.executors.at(1).disposition, Disposition::Passed) << r.executors.at(1).reason;
      EXPECT_EQ(by_op["AddV2"].support["tfjs-cpu"].state, LayerSupport::State::Yes);
    } else {
      EXPECT_EQ(r.executors.at(1).disposition, Disposition::Unsupported) << r.executors.at(1).reason;
      EXPECT_EQ(by_op[extra].support["tfjs-cpu"].state, LayerSupport::State::No) << by_op[extra].support["tfjs-cpu"].reason;
    }
  }
}

}  // namespace
}  // namespace parity
