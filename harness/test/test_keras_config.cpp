// Keras model_config <-> graph: hand-written Keras 2 / Keras 3 / TFOpLambda configs in the forms Keras really
// writes, round trips through keras_config_from_graph, and every malformed config as a named ParityError.
#include <gtest/gtest.h>

#include "harness/catalog/attrs.h"
#include "harness/test/expect_error.h"
#include "harness/io/keras_h5.h"
#include "harness/io/keras_model.h"

using namespace parity;
using nlohmann::json;

using parity::testing::expect_error;

namespace {

const Catalog& cat() { return default_catalog(); }

Graph read(const json& j) { return graph_from_keras_config(j, cat(), "model.json"); }
Graph read(const char* text) { return read(json::parse(text)); }

const Node& node(const Graph& g, const std::string& name) {
  const int i = g.find_node(name);
  if (i < 0) throw std::runtime_error("no node " + name);
  return g.nodes[static_cast<size_t>(i)];
}

const Shape& out_shape(const Graph& g, const std::string& name) { return g.values[node(g, name).outputs.at(0)].shape; }

// A Keras 2 Functional config from compact layer lists.
json functional(json layers, json ins, json outs) {
  return {{"class_name", "Functional"},
          {"config", {{"name", "model"}, {"layers", layers}, {"input_layers", ins}, {"output_layers", outs}}}};
}
json input_layer(const std::string& name, json shape) {
  return {{"class_name", "InputLayer"},
          {"config", {{"batch_input_shape", shape}, {"dtype", "float32"}, {"sparse", false}, {"name", name}}},
          {"name", name},
          {"inbound_nodes", json::array()}};
}
json dense(const std::string& name, int units, json inbound) {
  return {{"class_name", "Dense"},
          {"config", {{"name", name}, {"units", units}, {"activation", "linear"}, {"use_bias", true}, {"dtype", "float32"}}},
          {"name", name},
          {"inbound_nodes", inbound}};
}
json call(const std::string& from) { return json::array({json::array({json::array({from, 0, 0, json::object()})})}); }
json tf_layer(const std::string& name, const std::string& fn, json inbound) {
  return {{"class_name", "TFOpLambda"},
          {"config", {{"name", name}, {"trainable", true}, {"dtype", "float32"}, {"function", fn}}},
          {"name", name},
          {"inbound_nodes", inbound}};
}

// Adds a node with its catalog weights named and shaped (values empty), as a model_config describes it.
ValueId add(Graph& g, const std::string& name, const std::string& op, const json& attrs, const std::vector<ValueId>& ins) {
  const OpSpec& s = cat().at(op);
  Node probe{name, op, normalize_attrs(s, name, attrs, false), ins, {}, {}};
  std::vector<Shape> shapes = g.input_shapes(probe);
  std::vector<Weight> ws;
  for (const WeightSpec& w : cat().weights(g.view(probe, shapes))) ws.push_back({w.name, w.shape, {}});
  return g.add(cat(), name, op, attrs, ins, std::move(ws));
}

// graph -> model_config -> graph must give the same text form.
void expect_round_trip(const Graph& g) {
  validate(g, cat());
  json cfg = keras_config_from_graph(g, cat());
  Graph back = read(json::parse(cfg.dump()));  // through text, as a file would carry it
  EXPECT_EQ(describe(back), describe(g)) << cfg.dump(1);
  validate(back, cat());
}

}  // namespace

TEST(KerasConfig, Keras22SequentialList) {
  // Keras 2.2: config is a plain list, the input shape sits on the first layer.
  Graph g = read(R"({"class_name": "Sequential", "config": [
    {"class_name": "Dense", "config": {"name": "dense_1", "units": 4, "activation": "relu", "batch_input_shape": [null, 3],
       "kernel_initializer": {"class_name": "VarianceScaling", "config": {"scale": 1.0}}, "kernel_regularizer": null}},
    {"class_name": "Dense", "config": {"name": "dense_2", "units": 2, "activation": "linear"}}]})");
  ASSERT_EQ(g.nodes.size(), 3u);
  EXPECT_EQ(g.nodes[0].op, "InputLayer");
  EXPECT_EQ(g.nodes[0].name, "dense_1_input");
  EXPECT_EQ(out_shape(g, "dense_1_input"), (Shape{kBatch, 3}));
  EXPECT_EQ(out_shape(g, "dense_2"), (Shape{kBatch, 2}));
  EXPECT_EQ(node(g, "dense_1").attrs["activation"], "relu");
  EXPECT_FALSE(node(g, "dense_1").attrs.contains("kernel_initializer"));
  // Weights are named and shaped, without values.
  ASSERT_EQ(node(g, "dense_1").weights.size(), 2u);
  EXPECT_EQ(node(g, "dense_1").weights[0].name, "kernel");
  EXPECT_EQ(node(g, "dense_1").weights[0].shape, (Shape{3, 4}));
  EXPECT_TRUE(node(g, "dense_1").weights[0].data.empty());
  EXPECT_EQ(g.inputs, std::vector<ValueId>{0});
  EXPECT_EQ(g.outputs, std::vector<ValueId>{2});
  EXPECT_EQ(g.name, "sequential");
}

TEST(KerasConfig, Keras2SequentialWithInputLayer) {
  Graph g = read(R"({"class_name": "Sequential", "config": {"name": "seq", "layers": [
    {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 5], "dtype": "float32", "sparse": false, "ragged": false, "name": "x"}},
    {"class_name": "Dense", "config": {"name": "d", "trainable": true, "dtype": "float32", "units": 3, "use_bias": false}},
    {"class_name": "Activation", "config": {"name": "act", "activation": "tanh"}}]}})");
  EXPECT_EQ(g.name, "seq");
  ASSERT_EQ(g.nodes.size(), 3u);
  EXPECT_EQ(g.nodes[0].name, "x");
  EXPECT_EQ(node(g, "d").weights.size(), 1u);  // use_bias false: kernel only
  EXPECT_EQ(out_shape(g, "act"), (Shape{kBatch, 3}));
}

TEST(KerasConfig, FunctionalBranchAndMergeInAnyLayerOrder) {
  // 'add' is listed before the layers it consumes: reading must order layers topologically.
  json layers = {input_layer("in", {nullptr, 3}),
                 {{"class_name", "Add"}, {"config", {{"name", "add"}}}, {"name", "add"},
                  {"inbound_nodes", {{{"a", 0, 0, json::object()}, {"b", 0, 0, json::object()}}}}},
                 dense("a", 4, call("in")),
                 dense("b", 4, call("in")),
                 {{"class_name", "Concatenate"}, {"config", {{"name", "cat"}, {"axis", -1}}}, {"name", "cat"},
                  {"inbound_nodes", {{{"add", 0, 0, json::object()}, {"in", 0, 0, json::object()}}}}}};
  Graph g = read(functional(layers, {{"in", 0, 0}}, {{"cat", 0, 0}, {"a", 0, 0}}));
  std::vector<std::string> order;
  for (const Node& n : g.nodes) order.push_back(n.name);
  EXPECT_EQ(order, (std::vector<std::string>{"in", "a", "b", "add", "cat"}));
  EXPECT_EQ(out_shape(g, "cat"), (Shape{kBatch, 7}));
  EXPECT_EQ(node(g, "add").inputs, (std::vector<ValueId>{node(g, "a").outputs[0], node(g, "b").outputs[0]}));
  ASSERT_EQ(g.outputs.size(), 2u);
  EXPECT_EQ(g.outputs[1], node(g, "a").outputs[0]);
}

TEST(KerasConfig, Keras3Functional) {
  // Keras 3: module/registered_name keys, DTypePolicy dicts, batch_shape, dict-style inbound nodes with
  // __keras_tensor__ args, and input_layers/output_layers as a single [layer, node, tensor].
  Graph g = read(R"({"module": "keras", "class_name": "Functional", "registered_name": "Functional", "config": {
    "name": "functional", "trainable": true, "layers": [
     {"module": "keras.layers", "class_name": "InputLayer", "registered_name": null, "name": "input_layer",
      "config": {"batch_shape": [null, 3], "dtype": "float32", "sparse": false, "name": "input_layer"}, "inbound_nodes": []},
     {"module": "keras.layers", "class_name": "Dense", "registered_name": null, "build_config": {"input_shape": [null, 3]},
      "name": "dense", "config": {"name": "dense", "trainable": true,
        "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null},
        "units": 3, "activation": "relu", "use_bias": true,
        "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}}},
      "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"shape": [null, 3], "dtype": "float32",
         "keras_history": ["input_layer", 0, 0]}}], "kwargs": {}}]},
     {"module": "keras.layers", "class_name": "Add", "registered_name": null, "name": "add",
      "config": {"name": "add", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}}},
      "inbound_nodes": [{"args": [[
         {"class_name": "__keras_tensor__", "config": {"keras_history": ["dense", 0, 0]}},
         {"class_name": "__keras_tensor__", "config": {"keras_history": ["input_layer", 0, 0]}}]], "kwargs": {}}]}],
    "input_layers": ["input_layer", 0, 0], "output_layers": ["add", 0, 0]}})");
  ASSERT_EQ(g.nodes.size(), 3u);
  EXPECT_EQ(out_shape(g, "input_layer"), (Shape{kBatch, 3}));
  EXPECT_EQ(node(g, "add").inputs.size(), 2u);
  EXPECT_EQ(g.name, "functional");
  EXPECT_EQ(g.outputs, node(g, "add").outputs);
  EXPECT_EQ(node(g, "dense").weights.at(0).shape, (Shape{3, 3}));
}

TEST(KerasConfig, Keras3SequentialBuildInputShape) {
  Graph g = read(R"({"class_name": "Sequential", "config": {"name": "sequential", "build_input_shape": [null, 6],
    "layers": [{"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense", "units": 2,
      "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}}}}]}})");
  EXPECT_EQ(out_shape(g, "dense_input"), (Shape{kBatch, 6}));
  EXPECT_EQ(out_shape(g, "dense"), (Shape{kBatch, 2}));
}

TEST(KerasConfig, TfOpLambdaInKerasOwnForm) {
  // Exactly what tf-keras writes for `x * 0.5` and tf.clip_by_value(x, 0.0, 6.0): one nesting level less.
  json layers = {input_layer("input_1", {nullptr, 3}), dense("dense", 2, call("input_1")),
                 tf_layer("tf.math.multiply", "math.multiply", {{"dense", 0, 0, {{"y", 0.5}, {"name", nullptr}}}}),
                 tf_layer("tf.clip_by_value", "clip_by_value",
                          {{"tf.math.multiply", 0, 0, {{"clip_value_min", 0.0}, {"clip_value_max", 6.0}}}})};
  Graph g = read(functional(layers, {{"input_1", 0, 0}}, {{"tf.clip_by_value", 0, 0}}));
  const Node& mul = node(g, "tf.math.multiply");
  EXPECT_EQ(mul.op, "tf.math.multiply");
  EXPECT_EQ(mul.attrs["y"], 0.5);
  EXPECT_TRUE(mul.attrs["x"].is_null());
  EXPECT_EQ(mul.inputs, node(g, "dense").outputs);
  const Node& clip = node(g, "tf.clip_by_value");
  EXPECT_EQ(clip.attrs["clip_value_min"], 0.0);
  EXPECT_EQ(clip.attrs["clip_value_max"], 6.0);
  EXPECT_EQ(out_shape(g, "tf.clip_by_value"), (Shape{kBatch, 2}));

  // The extra-wrapped form (what TF.js needs for its own layers) reads to the same graph.
  layers[2]["inbound_nodes"] = {{{"dense", 0, 0, {{"y", 0.5}, {"name", nullptr}}}}};
  EXPECT_EQ(describe(read(functional(layers, {{"input_1", 0, 0}}, {{"tf.clip_by_value", 0, 0}}))), describe(g));
}

TEST(KerasConfig, TfOpLambdaTensorKwargsConstantsAndLists) {
  json layers = {
      input_layer("in", {nullptr, 2}), dense("a", 2, call("in")), dense("b", 2, call("in")),
      // a * b: the second operand is a Keras tensor inside kwargs.
      tf_layer("mul", "__operators__.mul", {{"a", 0, 0, {{"y", {"b", 0, 0}}, {"name", nullptr}}}}),
      // 2.0 - b: a constant first argument.
      tf_layer("sub", "math.subtract", {{"_CONSTANT_VALUE", -1, 2.0, {{"y", {"b", 0, 0}}}}}),
      // tf.concat([mul, sub], axis=-1): a list first argument, the kwargs repeated on each element.
      tf_layer("cat", "concat", {{{"mul", 0, 0, {{"axis", -1}}}, {"sub", 0, 0, {{"axis", -1}}}}})};
  Graph g = read(functional(layers, {{"in", 0, 0}}, {{"cat", 0, 0}}));
  EXPECT_EQ(node(g, "mul").op, "tf.math.multiply");  // found through the alias
  EXPECT_EQ(node(g, "mul").inputs, (std::vector<ValueId>{node(g, "a").outputs[0], node(g, "b").outputs[0]}));
  EXPECT_EQ(node(g, "sub").attrs["x"], 2.0);
  EXPECT_EQ(node(g, "sub").inputs, node(g, "b").outputs);
  EXPECT_EQ(node(g, "cat").inputs.size(), 2u);
  EXPECT_EQ(out_shape(g, "cat"), (Shape{kBatch, 4}));
}

TEST(KerasConfig, RoundTripDenseChain) {
  Graph g;
  g.name = "chain";
  ValueId x = g.add_input(cat(), "input_1", {kBatch, 3});
  ValueId d = add(g, "dense", "Dense", {{"units", 4}, {"activation", "relu"}}, {x});
  ValueId a = add(g, "act", "Activation", {{"activation", "sigmoid"}}, {d});
  g.outputs = {add(g, "dense_1", "Dense", {{"units", 2}, {"use_bias", false}}, {a})};
  expect_round_trip(g);

  // The written form is the Keras 2 one TF.js loads.
  json cfg = keras_config_from_graph(g, cat());
  EXPECT_EQ(cfg["class_name"], "Functional");
  const json& in = cfg["config"]["layers"][0];
  EXPECT_EQ(in["class_name"], "InputLayer");
  EXPECT_EQ(in["config"]["batch_input_shape"], json::parse("[null, 3]"));
  EXPECT_EQ(in["config"]["dtype"], "float32");
  const json& dn = cfg["config"]["layers"][1];
  EXPECT_EQ(dn["config"]["name"], "dense");
  EXPECT_EQ(dn["config"]["trainable"], true);
  EXPECT_EQ(dn["config"]["units"], 4);
  EXPECT_EQ(dn["inbound_nodes"], json::parse(R"([[["input_1", 0, 0, {}]]])"));
  EXPECT_EQ(cfg["config"]["input_layers"], json::parse(R"([["input_1", 0, 0]])"));
  EXPECT_EQ(cfg["config"]["output_layers"], json::parse(R"([["dense_1", 0, 0]])"));
}

TEST(KerasConfig, RoundTripBranchesAndNormalization) {
  Graph g;
  ValueId img = g.add_input(cat(), "img", {kBatch, 6, 6, 2});
  ValueId vec = g.add_input(cat(), "vec", {kBatch, 4});
  ValueId c = add(g, "conv", "Conv2D", {{"filters", 3}, {"kernel_size", 3}, {"padding", "same"}}, {img});
  ValueId bn = add(g, "bn", "BatchNormalization", {{"axis", -1}}, {c});
  ValueId d1 = add(g, "d1", "Dense", {{"units", 4}}, {vec});
  ValueId d2 = add(g, "d2", "Dense", {{"units", 4}, {"activation", "tanh"}}, {vec});
  ValueId s = add(g, "sum", "Add", json::object(), {d1, d2, vec});
  ValueId k = add(g, "joined", "Concatenate", {{"axis", 1}}, {s, d1});
  g.outputs = {k, bn};
  expect_round_trip(g);
}

TEST(KerasConfig, RoundTripTfOps) {
  Graph g;
  ValueId x = g.add_input(cat(), "x", {kBatch, 2});
  ValueId d = add(g, "d", "Dense", {{"units", 2}}, {x});
  ValueId m1 = add(g, "tf.math.multiply", "tf.math.multiply", {{"y", 0.5}}, {d});
  ValueId m2 = add(g, "tf.math.multiply_1", "tf.math.multiply", json::object(), {m1, x});
  ValueId s = add(g, "tf.math.subtract", "tf.math.subtract", {{"x", 3}}, {m2});
  ValueId c = add(g, "tf.clip_by_value", "tf.clip_by_value", {{"clip_value_min", -1.0}, {"clip_value_max", 1.5}}, {s});
  ValueId mm = add(g, "tf.linalg.matmul", "tf.linalg.matmul", {{"b", {{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}}}, {c});
  ValueId cc = add(g, "tf.concat", "tf.concat", {{"axis", -1}}, {mm, c, x});
  g.outputs = {cc};
  expect_round_trip(g);

  json cfg = keras_config_from_graph(g, cat());
  auto layer = [&](const std::string& name) {
    for (const json& l : cfg["config"]["layers"])
      if (l["name"] == name) return l;
    throw std::runtime_error(name);
  };
  // Keras's own TFOpLambda node form: no extra list around the first argument.
  EXPECT_EQ(layer("tf.math.multiply")["inbound_nodes"], json::parse(R"([["d", 0, 0, {"y": 0.5}]])"));
  EXPECT_EQ(layer("tf.math.multiply")["config"]["function"], "math.multiply");
  EXPECT_EQ(layer("tf.math.multiply_1")["inbound_nodes"], json::parse(R"([["tf.math.multiply", 0, 0, {"y": ["x", 0, 0]}]])"));
  EXPECT_EQ(layer("tf.math.subtract")["inbound_nodes"],
            json::parse(R"([["_CONSTANT_VALUE", -1, 3, {"y": ["tf.math.multiply_1", 0, 0]}]])"));
  EXPECT_EQ(layer("tf.concat")["inbound_nodes"][0].size(), 3u);
}

TEST(KerasConfig, UnsupportedClassesNameLayerAndClass) {
  json layers = {input_layer("in", {nullptr, 3}),
                 {{"class_name", "Lambda"}, {"config", {{"name", "lambda_1"}, {"function", "4wEAAAAA..."}}}, {"name", "lambda_1"},
                  {"inbound_nodes", call("in")}}};
  expect_error([&] { read(functional(layers, {{"in", 0, 0}}, {{"lambda_1", 0, 0}})); },
               {"model.json: layer 'lambda_1': class 'Lambda' is not supported by parity: a Lambda layer holds Python "
                "bytecode; parity never executes it"});
  layers[1]["class_name"] = "FancyAttention";
  expect_error([&] { read(functional(layers, {{"in", 0, 0}}, {{"lambda_1", 0, 0}})); },
               {"layer 'lambda_1'", "class 'FancyAttention' is not supported"});
  layers[1] = tf_layer("tf.math.erfinv", "math.erfinv", {{"in", 0, 0, json::object()}});
  expect_error([&] { read(functional(layers, {{"in", 0, 0}}, {{"tf.math.erfinv", 0, 0}})); },
               {"layer 'tf.math.erfinv'", "TF function 'math.erfinv' is not supported"});
  layers[1] = {{"class_name", "Functional"}, {"config", json::object()}, {"name", "inner"}, {"inbound_nodes", call("in")}};
  expect_error([&] { read(functional(layers, {{"in", 0, 0}}, {{"inner", 0, 0}})); },
               {"layer 'inner' (nested Functional)", "field 'layers'"});
  expect_error([&] { read(json{{"class_name", "Graph"}, {"config", json::object()}}); }, {"class 'Graph'"});
}

TEST(KerasConfig, DanglingReferencesAndCyclesAreErrorsNotHangs) {
  json ins = {{"in", 0, 0}};
  // TF.js's loader loops forever on both of these.
  expect_error([&] { read(functional({input_layer("in", {nullptr, 3}), dense("d", 2, call("ghost"))}, ins, {{"d", 0, 0}})); },
               {"layer 'd' (Dense)", "refers to layer 'ghost', which does not exist"});
  json cyc = {input_layer("in", {nullptr, 3}), dense("p", 3, call("q")), dense("q", 3, call("p"))};
  expect_error([&] { read(functional(cyc, ins, {{"q", 0, 0}})); }, {"'p', 'q'", "cycle"});
  expect_error([&] { read(functional({input_layer("in", {nullptr, 3}), dense("s", 3, call("s"))}, ins, {{"s", 0, 0}})); },
               {"layer 's'", "its own output"});
  expect_error([&] { read(functional({input_layer("in", {nullptr, 3}), dense("d", 2, call("in"))}, ins, {{"nope", 0, 0}})); },
               {"output_layers", "'nope'", "does not exist"});
  expect_error([&] { read(functional({input_layer("in", {nullptr, 3}), dense("d", 2, call("in"))}, ins, {{"d", 0, 1}})); },
               {"output_layers", "output 1 does not exist"});
  // The TFOpLambda-style unwrapped node on an ordinary layer (another TF.js hang).
  expect_error([&] { read(functional({input_layer("in", {nullptr, 3}), dense("d", 2, {{"in", 0, 0, json::object()}})}, ins, {{"d", 0, 0}})); },
               {"layer 'd' (Dense)", "not wrapped in a list"});
}

TEST(KerasConfig, MalformedConfigsNameTheField) {
  json ins = {{"in", 0, 0}}, outs = {{"d", 0, 0}};
  auto with_dense = [&](json d) { return functional({input_layer("in", {nullptr, 3}), d}, ins, outs); };
  expect_error([&] { read(json::array()); }, {"model.json", "expected a JSON object"});
  expect_error([&] { read(json{{"class_name", "Functional"}}); }, {"field 'config'", "missing"});
  json bad_units = dense("d", 2, call("in"));
  bad_units["config"]["units"] = "four";
  expect_error([&] { read(with_dense(bad_units)); }, {"model.json", "'d'", "field 'units'"});
  json shared = dense("d", 2, call("in"));
  shared["inbound_nodes"].push_back(shared["inbound_nodes"][0]);
  expect_error([&] { read(with_dense(shared)); }, {"layer 'd' (Dense)", "called 2 times", "shared layers"});
  json half = dense("d", 2, call("in"));
  half["config"]["dtype"] = {{"class_name", "Policy"}, {"config", {{"name", "mixed_float16"}}}};
  expect_error([&] { read(with_dense(half)); }, {"layer 'd' (Dense)", "field 'dtype'", "mixed_float16"});
  json second_call = dense("d", 2, json::array({json::array({json::array({"in", 1, 0, json::object()})})}));
  expect_error([&] { read(with_dense(second_call)); }, {"layer 'd' (Dense)", "call #1 of layer 'in'"});
  expect_error([&] { read(functional({input_layer("in", {nullptr, 3}), dense("d", 2, call("in"))}, json::array(), outs)); },
               {"layer 'in' (InputLayer)", "not listed in input_layers"});
  expect_error([&] { read(functional({input_layer("in", {nullptr, 3}), dense("in", 2, call("in"))}, ins, outs)); },
               {"layer 'in'", "two layers have this name"});
  json no_shape = input_layer("in", {nullptr, 3});
  no_shape["config"].erase("batch_input_shape");
  expect_error([&] { read(functional({no_shape, dense("d", 2, call("in"))}, ins, outs)); },
               {"layer 'in' (InputLayer)", "batch_input_shape"});
  // A TF-op argument parity does not model would silently change the meaning: refused, not dropped.
  json mul = tf_layer("m", "math.multiply", {{"in", 0, 0, {{"y", 2.0}, {"rounding", "up"}}}});
  expect_error([&] { read(functional({input_layer("in", {nullptr, 3}), mul}, ins, {{"m", 0, 0}})); },
               {"'m'", "field 'rounding'"});
  json mul_list = tf_layer("m", "math.multiply", {{{"in", 0, 0, {{"y", 2.0}}}, {"in", 0, 0, {{"y", 2.0}}}}});
  expect_error([&] { read(functional({input_layer("in", {nullptr, 3}), mul_list}, ins, {{"m", 0, 0}})); },
               {"layer 'm' (TFOpLambda)", "2 first-argument tensors"});
  expect_error([&] { read(R"({"class_name": "Sequential", "config": [{"class_name": "Dense", "config": {"name": "d", "units": 2}}]})"); },
               {"layer 'd' (Dense)", "no batch_input_shape"});
}

namespace {

// Runs `body`, which must throw UnrepresentableModelError; returns it.
template <class F>
UnrepresentableModelError unrepresentable(F&& body) {
  try {
    body();
  } catch (const UnrepresentableModelError& e) {
    return e;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected UnrepresentableModelError, got: " << e.what();
  }
  ADD_FAILURE() << "expected UnrepresentableModelError";
  return UnrepresentableModelError("", {});
}

json lstm(const std::string& name, bool stateful, json inbound) {
  return {{"class_name", "LSTM"},
          {"config", {{"name", name}, {"units", 2}, {"stateful", stateful}, {"return_sequences", false}}},
          {"name", name},
          {"inbound_nodes", inbound}};
}

}  // namespace

TEST(KerasConfig, EveryUnrepresentableLayerIsListedInOneError) {
  json layers = {input_layer("in", {nullptr, 4, 3}),
                 {{"class_name", "Lambda"}, {"config", {{"name", "lam"}}}, {"name", "lam"}, {"inbound_nodes", call("in")}},
                 tf_layer("erf", "math.erfinv", {{"lam", 0, 0, json::object()}}),
                 {{"class_name", "MyAttention"}, {"config", {{"name", "att"}}}, {"name", "att"}, {"inbound_nodes", call("erf")}},
                 lstm("rnn", true, call("in")),
                 dense("ok", 2, call("att"))};
  const UnrepresentableModelError e = unrepresentable([&] { read(functional(layers, {{"in", 0, 0}}, {{"ok", 0, 0}, {"rnn", 0, 0}})); });
  ASSERT_EQ(e.layers.size(), 4u);
  EXPECT_EQ(e.layers[0].layer, "lam");
  EXPECT_EQ(e.layers[1].layer, "erf");
  EXPECT_EQ(e.layers[1].class_name, "TFOpLambda");
  EXPECT_NE(e.layers[1].reason.find("TF function 'math.erfinv'"), std::string::npos);
  EXPECT_EQ(e.layers[2].layer, "att");
  EXPECT_NE(e.layers[2].reason.find("class 'MyAttention'"), std::string::npos);
  EXPECT_EQ(e.layers[3].layer, "rnn");
  EXPECT_EQ(e.layers[3].reason, "stateful=True RNNs carry state across batches; not supported");
  const std::string msg = e.what();
  EXPECT_NE(msg.find("model.json: 4 layers parity cannot represent: layer 'lam': "), std::string::npos) << msg;
  // A stateful layer inside a wrapper is found too; malformed input stays a plain ParityError.
  json bi = {{"class_name", "Bidirectional"},
             {"config", {{"name", "bi"}, {"layer", lstm("inner", true, json::array())}}},
             {"name", "bi"}, {"inbound_nodes", call("in")}};
  EXPECT_EQ(unrepresentable([&] { read(functional({input_layer("in", {nullptr, 4, 3}), bi}, {{"in", 0, 0}}, {{"bi", 0, 0}})); })
                .layers.at(0).layer, "bi");
  expect_error([&] { read(functional({input_layer("in", {nullptr, 3}), dense("d", 2, call("ghost"))}, {{"in", 0, 0}}, {{"d", 0, 0}})); },
               {"refers to layer 'ghost'"});
}

TEST(KerasConfig, NestedModelsAreFlattened) {
  // Functional(in -> Sequential "block"(Dense "d", Dense "shared_name") -> Functional "head"(...) -> Add).
  json block = {{"class_name", "Sequential"},
                {"config", {{"name", "block"}, {"layers", {input_layer("block_in", {nullptr, 3}), dense("d", 4, json::array()),
                                                           dense("shared_name", 3, json::array())}}}},
                {"name", "block"},
                {"inbound_nodes", call("in")}};
  json head_layers = {input_layer("h_in", {nullptr, 3}), dense("shared_name", 3, call("h_in")), dense("h2", 3, call("shared_name"))};
  json head = {{"class_name", "Functional"},
               {"config", {{"name", "head"}, {"layers", head_layers}, {"input_layers", {{"h_in", 0, 0}}},
                           {"output_layers", {{"h2", 0, 0}, {"shared_name", 0, 0}}}}},
               {"name", "head"},
               {"inbound_nodes", call("block")}};
  json add = {{"class_name", "Add"}, {"config", {{"name", "add"}}}, {"name", "add"},
              {"inbound_nodes", {{{"head", 0, 0, json::object()}, {"head", 0, 1, json::object()}, {"in", 0, 0, json::object()}}}}};
  const KerasConfigRead r = read_keras_config(functional({input_layer("in", {nullptr, 3}), block, head, add}, {{"in", 0, 0}}, {{"add", 0, 0}}),
                                              cat(), "model.json");
  const Graph& g = r.graph;
  validate(g, cat());
  std::vector<std::string> order;
  for (const Node& n : g.nodes) order.push_back(n.name);
  // The second "shared_name" clashes with the first: it becomes "<model>.<layer>".
  EXPECT_EQ(order, (std::vector<std::string>{"in", "d", "shared_name", "head.shared_name", "h2", "add"}));
  EXPECT_EQ(node(g, "d").inputs, node(g, "in").outputs);
  EXPECT_EQ(node(g, "head.shared_name").inputs, node(g, "shared_name").outputs);
  EXPECT_EQ(node(g, "add").inputs, (std::vector<ValueId>{node(g, "h2").outputs[0], node(g, "head.shared_name").outputs[0],
                                                         node(g, "in").outputs[0]}));
  EXPECT_EQ(r.origin.at("head.shared_name").top_layer, "head");
  EXPECT_EQ(r.origin.at("head.shared_name").keras_name, "shared_name");
  EXPECT_EQ(r.origin.at("d").top_layer, "block");
  EXPECT_EQ(r.origin.at("add").top_layer, "add");
  // A nested model's call must match its inputs.
  head["inbound_nodes"] = {{{"block", 0, 0, json::object()}, {"in", 0, 0, json::object()}}};
  expect_error([&] { read(functional({input_layer("in", {nullptr, 3}), block, head, add}, {{"in", 0, 0}}, {{"add", 0, 0}})); },
               {"layer 'head' (nested Functional)", "takes 1 input(s), but it is called with 2"});
}

TEST(KerasConfig, Keras3MeaningsMapToKeras2) {
  auto seq = [](json layer) {
    return json{{"class_name", "Sequential"},
                {"config", {{"name", "s"}, {"layers", {{{"class_name", "InputLayer"}, {"config", {{"batch_shape", {nullptr, 3}}, {"name", "x"}}}}, layer}}}}};
  };
  // LeakyReLU: Keras 3 negative_slope is Keras 2's alpha.
  Graph g = read(seq({{"class_name", "LeakyReLU"}, {"config", {{"name", "lr"}, {"negative_slope", 0.125}}}}));
  EXPECT_EQ(node(g, "lr").attrs["alpha"], 0.125);
  // hard_sigmoid changed meaning in Keras 3; in a Keras 2 config it is the catalog's function.
  const json hs = {{"class_name", "Dense"}, {"config", {{"name", "d"}, {"units", 2}, {"activation", "hard_sigmoid"}}}};
  const UnrepresentableModelError e = unrepresentable([&] { read(seq(hs)); });
  ASSERT_EQ(e.layers.size(), 1u);
  EXPECT_NE(e.layers[0].reason.find("relu6(x + 3) / 6"), std::string::npos);
  json keras2 = seq(hs);
  keras2["config"]["layers"][0]["config"] = {{"batch_input_shape", {nullptr, 3}}, {"name", "x"}};
  EXPECT_EQ(node(read(keras2), "d").attrs["activation"], "hard_sigmoid");
  KerasConfigOptions k3;
  k3.keras_major = 3;  // what the .h5 reader passes for keras_version "3.x"
  EXPECT_THROW(read_keras_config(keras2, cat(), "m.h5", k3), UnrepresentableModelError);
}

// [null, null, 4] (any sequence length) is unrepresentable by default, and fixed to a length on request.
TEST(KerasConfig, DynamicDimensionsAreRefusedOrFixedOnRequest) {
  const json cfg = {{"class_name", "Sequential"},
                    {"config", {{"name", "s"}, {"layers", {{{"class_name", "InputLayer"},
                                                            {"config", {{"batch_input_shape", {nullptr, nullptr, 4}}, {"name", "x"}}}},
                                                           {{"class_name", "Dense"}, {"config", {{"name", "d"}, {"units", 2}}}}}}}}};
  const UnrepresentableModelError e = unrepresentable([&] { read(cfg); });
  ASSERT_EQ(e.layers.size(), 1u);
  EXPECT_EQ(e.layers[0].layer, "x");
  EXPECT_NE(e.layers[0].reason.find("--dynamic-dim"), std::string::npos) << e.layers[0].reason;
  KerasConfigOptions fixed;
  fixed.dynamic_dim = 5;
  const Graph g = read_keras_config(cfg, cat(), "m.h5", fixed).graph;
  EXPECT_EQ(g.values[g.inputs[0]].shape, (Shape{kBatch, 5, 4}));
  EXPECT_EQ(g.values[g.outputs[0]].shape, (Shape{kBatch, 5, 2}));
}
