#pragma once
// Keras model_config JSON and TF.js layers-format files, to and from the graph IR.
#include <filesystem>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/ir/graph.h"

namespace parity {

// Reads {"class_name": "Sequential"|"Functional"|"Model", "config": ...} in Keras 2 or Keras 3 form into a
// graph without weight values (weights are named and shaped but empty). `where` prefixes error messages.
// Nested models (a Sequential/Functional used as a layer) are flattened into the graph. Well-formed models
// with layers parity cannot represent (Lambda, unknown TFOpLambda functions, unknown classes, stateful RNNs)
// throw one UnrepresentableModelError (harness/io/keras_h5.h) listing all of them.
Graph graph_from_keras_config(const nlohmann::json& model_config, const Catalog& c, const std::string& where);

struct KerasConfigOptions {
  // Which Keras wrote the config: 2 or 3; 0 infers it (Keras 3 when an InputLayer has `batch_shape` or a
  // dtype is a DTypePolicy). It decides names whose meaning changed, e.g. `hard_sigmoid`.
  int keras_major = 0;
  // Keras allows inputs with unknown dimensions besides the batch ([null, null, 4]: any sequence length);
  // the IR needs them concrete. > 0: such a dimension becomes this length; 0: the input is unrepresentable.
  int64_t dynamic_dim = 0;
};

// Where a graph node's weights live in a Keras .h5 file: under model_weights/<top_layer>, and, for a layer
// flattened out of a nested model, under its own name in that model (`keras_name`). A nested layer keeps
// its Keras name as node name unless that clashes with another layer; then it becomes "<model>.<layer>"
// ('/' is avoided: Keras 3 forbids it in layer names and HDF5 reads it as a path).
struct KerasLayerOrigin {
  std::string top_layer;
  std::string keras_name;
};

struct KerasConfigRead {
  Graph graph;
  std::map<std::string, KerasLayerOrigin> origin;  // by node name, for every node
};
KerasConfigRead read_keras_config(const nlohmann::json& model_config, const Catalog& c, const std::string& where,
                                  const KerasConfigOptions& opt = {});
// Writes the Keras 2 Functional form (snake_case keys, InputLayer layers, list-style inbound_nodes; TF ops
// as TFOpLambda layers), which tf.loadLayersModel in TF.js 4.22 accepts.
nlohmann::json keras_config_from_graph(const Graph& g, const Catalog& c);

struct TfjsSaveOptions {
  int64_t shard_bytes = 4 * 1024 * 1024;  // tensorflowjs_converter's default shard size
};

// Loads a TF.js layers-format model.json (modelTopology + weightsManifest) and its .bin shards from the
// same folder. Shard paths that escape the folder are rejected. Throws ParityError naming file and field.
Graph load_tfjs_layers_model(const std::filesystem::path& model_json, const Catalog& c);
// Writes model.json and group1-shard<i>of<n>.bin into `dir` (created if needed): convert_to_tfjs in the
// layers format (oracles/tfjs/convert.h, which also offers quantization) + write_tfjs_artifacts.
void save_tfjs_layers_model(const Graph& g, const Catalog& c, const std::filesystem::path& dir,
                            const TfjsSaveOptions& opt = {});

}  // namespace parity
