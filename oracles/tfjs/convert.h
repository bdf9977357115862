#pragma once
// IR → TensorFlow.js model files, as tensorflowjs_converter would write them: Keras-layer graphs become a
// layers-model, TF-op graphs a graph-model (GraphDef-style JSON nodes, Const values in the manifest).
// Artifacts are built in memory (the Node worker loads them without temp files) and can be written out.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/ir/graph.h"

namespace parity {

enum class WeightQuantization { None, Float16, Uint8, Uint16 };
enum class ModelFormat { Layers, Graph };

struct ConvertOptions {
  WeightQuantization quantize = WeightQuantization::None;  // as --quantize_float16/uint8/uint16 (all weights)
  int64_t shard_bytes = 4 * 1024 * 1024;                   // tensorflowjs_converter's default
  std::optional<ModelFormat> format;                       // unset: natural_format(g, c)
  // A layers-model with TF ops gets parity's TFOpLambda shim (tfoplambda_shim.h): the shim's layer layout
  // in model.json and the module's source in TfjsArtifacts::tfoplambda_shim.
  bool tfoplambda_shim = false;
};

struct TfjsArtifacts {
  ModelFormat format = ModelFormat::Layers;
  nlohmann::json model_json;        // the whole model.json, with weightsManifest (paths named for the shards)
  std::vector<uint8_t> weights;     // every weight group's bytes, concatenated in manifest order
  int64_t shard_bytes = 4 * 1024 * 1024;  // where write_tfjs_artifacts cuts each group into the manifest's paths
  // The model's input and output names in graph order (layers-model: InputLayer and output layer names;
  // graph-model: Placeholder and output Identity node names) and, graph-model only, the GraphDef tensor
  // that holds each IR value (for intermediates; a Placeholder for an input).
  std::vector<std::string> input_names, output_names;
  std::vector<std::pair<ValueId, std::string>> value_nodes;
  // The TFOpLambda shim module (ConvertOptions::tfoplambda_shim and a layers-model with TF ops), else "".
  std::string tfoplambda_shim;
};

// Layers-model when every op is a Keras layer, graph-model when every op is a TF op; a mixed graph is a
// layers-model with TFOpLambda layers (which TF.js rejects: that is a finding, not an error here).
ModelFormat natural_format(const Graph& g, const Catalog& c);
// Throws ParityError when weights are unfilled, a Keras layer is asked for as a graph-model, or uint8/uint16
// quantization meets a non-finite weight.
TfjsArtifacts convert_to_tfjs(const Graph& g, const Catalog& c, const ConvertOptions& opt = {});
// Writes model.json and the group1-shard<i>of<n>.bin files named in its manifest into `dir`, and the
// TFOpLambda shim module (tfoplambda_shim.js) beside them when the artifacts carry one.
void write_tfjs_artifacts(const TfjsArtifacts& a, const std::filesystem::path& dir);

// TF.js's InputSpec check ("Input 0 is incompatible with layer flatten: expected min_ndim=3, found
// ndim=2") rejecting a rank the IR gives that very input: TF.js refuses a model Keras builds, so the op is
// UNSUPPORTED (the op's catalog name is returned). When the rank TF.js saw differs from the IR's, an
// earlier layer computed a wrong shape in TF.js and the error is that layer's fault: nullopt (ERRORED).
std::optional<std::string> tfjs_rank_rejection(const Graph& g, const std::string& message);

}  // namespace parity
