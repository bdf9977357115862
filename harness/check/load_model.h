#pragma once
// Reading a user's model by its kind, for `parity check` and `parity convert`: a Keras .h5/.hdf5 file, a TF.js
// layers-format model.json (weight shards beside it) or a parity case file. TF.js graph-models are refused.
#include <filesystem>
#include <string>

#include "harness/io/keras_h5.h"

namespace parity {

struct LoadedModel {
  Graph graph;         // validated, weights filled
  std::string format;  // "keras-h5", "tfjs-layers", "parity-case"
  KerasH5Info h5;      // keras-h5 only
};

// Throws ParityError naming the file for bad input, and UnrepresentableModelError (a ParityError) when the
// model is well-formed but has layers parity cannot represent. `format` is set before either is thrown.
// `dynamic_dim` > 0 fixes unknown non-batch input dimensions of a Keras .h5 model to that length.
LoadedModel load_user_model(const std::filesystem::path& file, const Catalog& c, std::string* format = nullptr,
                            int64_t dynamic_dim = 0);

}  // namespace parity
