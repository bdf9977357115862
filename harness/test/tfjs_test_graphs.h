#pragma once
// Small graphs the TF.js executor tests (Node worker and browser) run: a layers-model and a graph-model.
#include "harness/catalog/catalog.h"
#include "harness/ir/graph.h"

namespace parity::testing {

// Conv2D → MaxPooling2D → Flatten → Dense(tanh) → Dense(width): a layers-model.
inline Graph dense_conv_graph(int64_t width = 3) {
  const Catalog& c = default_catalog();
  Graph g;
  ValueId x = g.add_input(c, "img", {kBatch, 7, 7, 2});
  x = g.add(c, "conv", "Conv2D", {{"filters", 3}, {"kernel_size", {3, 3}}, {"padding", "same"}, {"activation", "relu"}}, {x});
  x = g.add(c, "pool", "MaxPooling2D", nlohmann::json::object(), {x});
  x = g.add(c, "flat", "Flatten", nlohmann::json::object(), {x});
  x = g.add(c, "hidden", "Dense", {{"units", 6}, {"activation", "tanh"}}, {x});
  x = g.add(c, "out", "Dense", {{"units", width}}, {x});
  g.outputs = {x};
  fill_random_weights(g, c, 7);
  return g;
}

// abs → sqrt → tanh: TF ops only, so a graph-model.
inline Graph tf_op_graph() {
  const Catalog& c = default_catalog();
  Graph g;
  ValueId x = g.add_input(c, "x", {kBatch, 5});
  x = g.add(c, "a", "tf.math.abs", nlohmann::json::object(), {x});
  x = g.add(c, "s", "tf.math.sqrt", nlohmann::json::object(), {x});
  x = g.add(c, "t", "tf.math.tanh", nlohmann::json::object(), {x});
  g.outputs = {x};
  return g;
}

}  // namespace parity::testing
