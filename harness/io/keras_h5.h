#pragma once
// Keras HDF5 model files (`model.save("m.h5")`, Keras 2.x and Keras 3) to and from the graph IR.
#include <filesystem>
#include <string>
#include <vector>

#include "harness/core/error.h"
#include "harness/io/keras_model.h"
#include "harness/ir/graph.h"

namespace parity {

// What the file says about itself, besides the model.
struct KerasH5Info {
  std::string keras_version;  // root attribute `keras_version` ("2.2.4", "3.10.0"); empty when absent
  std::string backend;        // root attribute `backend` ("tensorflow")
  bool has_training_config = false;  // present and ignored
};

// One layer of a well-formed model that parity cannot represent or execute (a Python `Lambda`, a TFOpLambda
// function parity does not know, a stateful RNN, a custom class).
struct UnrepresentableLayer {
  std::string layer;       // the layer's name in the model
  std::string class_name;  // "Lambda", "TFOpLambda", "MyCustomLayer", ...
  std::string reason;      // one sentence for the user
};

// Thrown by the model readers (Keras config, .h5, TF.js model.json) when the file is well-formed but some
// layers cannot be represented. Lists every such layer, not just the first, so `parity check` can report
// them all as UNSUPPORTED. Bad input (malformed files) stays a plain ParityError.
class UnrepresentableModelError : public ParityError {
 public:
  UnrepresentableModelError(const std::string& what, std::vector<UnrepresentableLayer> layers)
      : ParityError(what), layers(std::move(layers)) {}
  std::vector<UnrepresentableLayer> layers;
};

// Reads model_config and model_weights from a Keras .h5 file into a graph with weight values (nested models
// flattened, see KerasLayerOrigin in keras_model.h). Throws ParityError naming the file, and the layer /
// weight / attribute, for anything malformed: not HDF5, truncated, weights-only files (no model_config),
// missing attributes, weights whose count or shape differ from the layer's, absurd sizes; and
// UnrepresentableModelError for well-formed models with layers parity cannot represent.
// libhdf5 itself can crash or loop on corrupt files, so the file is read in a forked child process (a
// crash becomes a ParityError; PARITY_H5_IN_PROCESS=1 reads in-process, PARITY_H5_TIMEOUT_SECONDS bounds
// the child, default 120).
// `opt.keras_major` is taken from the file's keras_version; `opt.dynamic_dim` fixes unknown input dimensions.
Graph load_keras_h5(const std::filesystem::path& file, const Catalog& c, KerasH5Info* info = nullptr,
                    const KerasConfigOptions& opt = {});

// Writes a graph of Keras layers (TF ops become TFOpLambda layers) as a Keras 2 style .h5 file: root
// attributes keras_version, backend and model_config (Functional form), and model_weights with layer_names,
// weight_names (fixed-length NULLPAD strings, as h5py writes numpy bytes arrays) and one float32 dataset per
// weight at <layer>/<layer>/<weight>:0. load_keras_h5 reads it back to the same graph, weights bit-exact.
// Throws ParityError for graphs Keras cannot hold (placeholder weights without values, names with '/').
void save_keras_h5(const Graph& g, const Catalog& c, const std::filesystem::path& file);

}  // namespace parity
