// IR → TF.js files: dispatch, the layers-model, the weightsManifest and shards, writing to disk.
// Formats as tensorflowjs_converter writes them (write_weights.py, keras_h5_conversion.py): one weight group,
// its bytes concatenated in manifest order and cut into shards of shard_bytes at arbitrary byte offsets,
// named group1-shard<i>of<n>.bin.
#include "oracles/tfjs/convert.h"

#include <fmt/format.h>

#include <fstream>
#include <regex>

#include "harness/core/error.h"
#include "harness/io/keras_model.h"
#include "oracles/tfjs/convert_internal.h"
#include "oracles/tfjs/quantize.h"
#include "oracles/tfjs/tfoplambda_shim.h"

namespace parity {

namespace fs = std::filesystem;
using nlohmann::json;
using tfjs_detail::ManifestValue;

namespace {

// The one weight group: its manifest entries and bytes; paths are cut by `shard_bytes`.
json build_manifest(const std::vector<ManifestValue>& values, const ConvertOptions& opt, std::vector<uint8_t>& bytes) {
  json weights = json::array();
  for (const ManifestValue& v : values) {
    const EncodedWeight e = encode_weight(v.values, v.int32, opt.quantize, fmt::format("weight '{}'", v.name));
    json entry = {{"name", v.name}, {"shape", v.shape}, {"dtype", v.int32 ? "int32" : "float32"}};
    if (!e.quantization.is_null()) entry["quantization"] = e.quantization;
    weights.push_back(std::move(entry));
    bytes.insert(bytes.end(), e.bytes.begin(), e.bytes.end());
  }
  if (weights.empty()) return json::array();
  const auto shard = static_cast<size_t>(opt.shard_bytes);
  const size_t count = std::max<size_t>(1, (bytes.size() + shard - 1) / shard);
  json paths = json::array();
  for (size_t i = 0; i < count; ++i) paths.push_back(fmt::format("group1-shard{}of{}.bin", i + 1, count));
  return json::array({json{{"paths", paths}, {"weights", weights}}});
}

std::vector<ManifestValue> layer_weights(const Graph& g) {
  std::vector<ManifestValue> out;
  for (const Node& n : g.nodes)
    for (const Weight& w : n.weights) {
      if (static_cast<int64_t>(w.data.size()) != num_elements(w.shape))
        fail("node '{}' ({}): weight '{}' has {} values for shape {} (weights must be filled before converting)", n.name,
             n.op, w.name, w.data.size(), shape_str(w.shape));
      out.push_back({n.name + "/" + w.name, w.shape, w.data, false});
    }
  return out;
}

void write_file(const fs::path& p, const void* data, size_t n) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  if (!out) fail("{}: cannot create file", p.string());
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(n));
  out.close();
  if (!out) fail("{}: write failed", p.string());
}

}  // namespace

ModelFormat natural_format(const Graph& g, const Catalog& c) {
  bool layer = false, tf_op = false;
  for (const Node& n : g.nodes) {
    if (n.op == "InputLayer") continue;
    (c.at(n.op).family == Family::TfOp ? tf_op : layer) = true;
  }
  return tf_op && !layer ? ModelFormat::Graph : ModelFormat::Layers;
}

TfjsArtifacts convert_to_tfjs(const Graph& g, const Catalog& c, const ConvertOptions& opt) {
  if (opt.shard_bytes < 1) fail("convert_to_tfjs: shard_bytes must be positive, got {}", opt.shard_bytes);
  TfjsArtifacts a;
  a.shard_bytes = opt.shard_bytes;
  a.format = opt.format.value_or(natural_format(g, c));
  if (a.format == ModelFormat::Layers) {
    const std::vector<ManifestValue> values = layer_weights(g);
    json config = keras_config_from_graph(g, c);
    if (opt.tfoplambda_shim) {
      a.tfoplambda_shim = tfoplambda_shim_source(g, c);
      if (!a.tfoplambda_shim.empty()) apply_shim_layout(config, g, c);
    }
    for (ValueId v : g.inputs) a.input_names.push_back(g.nodes.at(static_cast<size_t>(g.values.at(v).producer)).name);
    for (ValueId v : g.outputs) a.output_names.push_back(g.nodes.at(static_cast<size_t>(g.values.at(v).producer)).name);
    a.model_json = {{"format", "layers-model"},
                    {"generatedBy", "parity"},
                    {"convertedBy", "parity"},
                    {"modelTopology", {{"keras_version", "2.15.0"}, {"backend", "tensorflow"}, {"model_config", config}}},
                    {"weightsManifest", build_manifest(values, opt, a.weights)}};
  } else {
    tfjs_detail::GraphModel gm = tfjs_detail::build_graph_model(g, c, a);
    a.model_json = {{"format", "graph-model"},
                    {"generatedBy", "parity"},
                    {"convertedBy", "parity"},
                    {"signature", gm.signature},
                    {"modelTopology", gm.topology},
                    {"weightsManifest", build_manifest(gm.consts, opt, a.weights)}};
  }
  return a;
}

std::optional<std::string> tfjs_rank_rejection(const Graph& g, const std::string& message) {
  // tfjs-layers engine/input_spec.js assertInputCompatibility; layer names are the IR's node names.
  static const std::regex re(R"(Input (\d+) is incompatible with layer ([^\s:]+): expected (?:min_|max_)?ndim=\d+, found ndim=(\d+))");
  std::smatch m;
  if (!std::regex_search(message, m, re)) return std::nullopt;
  const size_t input = std::stoul(m[1].str());
  const size_t found = std::stoul(m[3].str());
  for (const Node& n : g.nodes) {
    if (n.name != m[2].str()) continue;
    if (input >= n.inputs.size()) return std::nullopt;
    const size_t rank = g.values.at(static_cast<size_t>(n.inputs[input])).shape.size();
    if (rank == found) return n.op;
    return std::nullopt;
  }
  return std::nullopt;
}

void write_tfjs_artifacts(const TfjsArtifacts& a, const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) fail("{}: cannot create folder: {}", dir.string(), ec.message());
  size_t at = 0;
  for (const json& group : a.model_json.value("weightsManifest", json::array())) {
    const json& paths = group.at("paths");
    if (paths.empty()) continue;
    size_t group_bytes = 0;
    for (const json& w : group.at("weights")) {
      size_t n = 1;
      for (const json& d : w.at("shape")) n *= d.get<size_t>();
      const std::string qd = w.contains("quantization") ? w["quantization"].value("dtype", "") : "";
      group_bytes += n * (qd == "uint8" ? 1 : qd == "uint16" || qd == "float16" ? 2 : 4);
    }
    if (at + group_bytes > a.weights.size())
      fail("write_tfjs_artifacts: the manifest lists {} bytes past the {} weight bytes held", at + group_bytes, a.weights.size());
    const auto shard = static_cast<size_t>(a.shard_bytes);
    if (shard < 1 || std::max<size_t>(1, (group_bytes + shard - 1) / shard) != paths.size())
      fail("write_tfjs_artifacts: {} paths do not cut {} bytes into shards of {}", paths.size(), group_bytes, shard);
    for (size_t i = 0; i < paths.size(); ++i) {
      const size_t begin = std::min(group_bytes, i * shard), end = std::min(group_bytes, begin + shard);
      write_file(dir / paths[i].get<std::string>(), a.weights.data() + at + begin, end - begin);
    }
    at += group_bytes;
  }
  if (!a.tfoplambda_shim.empty()) write_file(dir / kShimFileName, a.tfoplambda_shim.data(), a.tfoplambda_shim.size());
  const std::string text = a.model_json.dump();
  write_file(dir / "model.json", text.data(), text.size());
}

}  // namespace parity
