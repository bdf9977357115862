// `parity convert MODEL OUTDIR`: the tensorflowjs_converter equivalent. Reads a Keras .h5, a TF.js layers
// model.json or a parity case file and writes model.json, its weight shards and (--tfoplambda-shim) the
// TFOpLambda shim module into OUTDIR.
#include <fmt/format.h>

#include <iostream>
#include <memory>

#include "harness/check/check.h"
#include "harness/check/load_model.h"
#include "harness/cli/commands.h"
#include "harness/core/error.h"
#include "oracles/tfjs/convert.h"
#include "oracles/tfjs/tfoplambda_shim.h"

namespace parity::cli {
namespace {

struct ConvertArgs {
  std::string model, out_dir;
  std::string quantize = "none";
  int64_t shard_bytes = 4 * 1024 * 1024;
  bool shim = false;
};

int run_convert(const ConvertArgs& a, std::ostream& out) {
  const Catalog& c = default_catalog();
  ConvertOptions opt;
  opt.quantize = quantization_from_name(a.quantize);
  opt.shard_bytes = a.shard_bytes;
  opt.tfoplambda_shim = a.shim;
  LoadedModel m;
  try {
    m = load_user_model(a.model, c);
  } catch (const UnrepresentableModelError& e) {
    // Well-formed, but parity cannot represent some layers: nothing to convert (not bad input).
    std::cerr << "parity: cannot convert " << a.model << ":\n";
    for (const UnrepresentableLayer& u : e.layers)
      std::cerr << fmt::format("  layer '{}' ({}): {}\n", u.layer, u.class_name, u.reason);
    if (e.layers.empty()) std::cerr << "  " << e.what() << "\n";
    return kExitDivergence;
  }
  const TfjsArtifacts art = with_context(a.model + ": ", [&] { return convert_to_tfjs(m.graph, c, opt); });
  write_tfjs_artifacts(art, a.out_dir);

  int tf_ops = 0;
  for (const Node& n : m.graph.nodes) tf_ops += c.at(n.op).family == Family::TfOp;
  const bool layers = art.format == ModelFormat::Layers;
  size_t shards = 0;
  for (const auto& g : art.model_json.value("weightsManifest", nlohmann::json::array())) shards += g.at("paths").size();
  out << fmt::format("wrote {}/model.json ({}, {} weight bytes in {} shard(s){}){}\n", a.out_dir,
                     layers ? "layers-model" : "graph-model", art.weights.size(), shards,
                     opt.quantize == WeightQuantization::None ? "" : fmt::format(", {}", a.quantize),
                     art.tfoplambda_shim.empty() ? "" : fmt::format(" and {}/{}", a.out_dir, kShimFileName));
  if (layers && tf_ops > 0 && art.tfoplambda_shim.empty())
    std::cerr << fmt::format(
        "parity: note: {} TFOpLambda layer(s): TF.js has no TFOpLambda class, so this model.json does not load "
        "there; convert with --tfoplambda-shim for a shim module that registers one\n",
        tf_ops);
  if (!art.tfoplambda_shim.empty())
    std::cerr << fmt::format("parity: note: load {} before tf.loadLayersModel: require('./{}')(tf)\n", kShimFileName,
                             kShimFileName);
  return kExitOk;
}

}  // namespace

CommandFn add_convert_command(CLI::App& app) {
  auto a = std::make_shared<ConvertArgs>();
  CLI::App* sub = app.add_subcommand(
      "convert", "Convert a Keras .h5 (or TF.js layers model.json, parity case) to TF.js files, as tensorflowjs_converter");
  sub->add_option("MODEL", a->model, "Keras model file (.h5/.hdf5), TF.js layers model.json or parity case file")->required();
  sub->add_option("OUTDIR", a->out_dir, "Folder for model.json and the weight shards (created if needed)")->required();
  sub->add_option("--quantize", a->quantize, "Quantize the weights: float16, uint8 or uint16 (default none)")
      ->check(CLI::IsMember({"none", "float16", "uint8", "uint16"}));
  sub->add_option("--shard-bytes", a->shard_bytes, "Weight shard size in bytes (default 4194304, as the converter)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  sub->add_flag("--tfoplambda-shim", a->shim,
                "Also write tfoplambda_shim.js, a JS module registering a TFOpLambda layer class for the TF functions "
                "the model uses, and lay those layers out as TF.js reads them (docs/check.md)");
  sub->footer(
      "A model of Keras layers becomes a layers-model; a model of TF ops only, a graph-model. TFOpLambda layers\n"
      "in a layers-model need --tfoplambda-shim to load in TF.js. Exit codes: 0 written; 1 the model has layers\n"
      "parity cannot represent (listed on stderr); 2 bad input.\n"
      "Examples:\n"
      "  parity convert model.h5 web_model\n"
      "  parity convert model.h5 web_model --quantize float16 --tfoplambda-shim");
  return [a](std::ostream& out) { return run_convert(*a, out); };
}

}  // namespace parity::cli
