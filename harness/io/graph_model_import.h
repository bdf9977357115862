#pragma once
// TF.js graph-models (model.json with format "graph-model": GraphDef nodes in proto3 JSON, Const values in
// the weightsManifest, signature) read into parity's IR. The reverse of oracles/tfjs/convert_graph.cpp.
//  - Placeholders become graph inputs (dim 0 of -1 is the batch; a fixed dim 0 stays concrete); the signature's outputs (else every
//    tensor no node consumes) become graph outputs.
//  - Each GraphDef op is imported by one rule of a table keyed by op name (graph_model_import_rules.cpp):
//    generic rules read the catalog (an attribute-less unary op by its tf_op, a binary op whose constant
//    operand becomes the `x`/`y` attribute, a reduction whose Const axis becomes `axis`), specific ones
//    build catalog attributes and weights from Const operands and GraphDef attrs (graph_model_import_rules_tf.cpp
//    for the batch/space, roll, one-hot, top-k, 3-D pooling, einsum, band/diagonal and transposed-conv ops),
//    and grappler's fused ops are decomposed into catalog ops. Identity, StopGradient, Snapshot and NoOp pass
//    through. Shape(x) is x's shape with -1 for the batch, folded into the Reshape, Fill (ones_like/zeros_like)
//    and Conv2DBackpropInput that read it, through StridedSlice/Pack (TF's output sizes over a symbolic batch).
//  - Anything the IR cannot hold (control flow, dynamic shapes, an op without a rule or a catalog entry,
//    a constant where parity needs a tensor) is an UnrepresentableModelError that lists every such node,
//    each with its op as class_name, so `parity check` reports them all at once.
// Weights are decoded exactly as TF.js's io_utils decodeWeight does: uint8/uint16 quantized values become
// float32(v * scale + min) (an int32 weight Math.round of that), float16 is widened exactly, bool is 0/1.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/ir/graph.h"

namespace parity {

// A graph-model as loaded: model.json and every weight group's bytes concatenated in manifest order
// (TfjsArtifacts' layout, so converter output imports without touching disk).
struct GraphModelFiles {
  nlohmann::json model_json;
  std::vector<uint8_t> weights;
  std::string where;  // the file, for messages
};

// True for a model.json that is a graph-model (format "graph-model", or a topology with `node`).
bool is_graph_model_json(const nlohmann::json& doc);
// Reads model.json and the shards its manifest names (relative paths inside the model's folder only).
// Throws ParityError naming the file and field.
GraphModelFiles read_graph_model_files(const std::filesystem::path& model_json);

// One decoded manifest entry: a Const value.
struct ConstTensor {
  Shape shape;
  std::string dtype;           // "float32", "int32", "bool"
  std::vector<double> values;  // float32 values held exactly, ints, bools as 0/1
};
// Decodes one manifest entry ({name, shape, dtype, quantization?}) from its bytes as TF.js does.
// `bytes` must be exactly manifest_entry_bytes(entry) long.
ConstTensor decode_manifest_entry(const nlohmann::json& entry, const uint8_t* bytes, size_t size,
                                  const std::string& where);
size_t manifest_entry_bytes(const nlohmann::json& entry, const std::string& where);
// Every manifest entry by name. Throws ParityError when the bytes do not match the manifest.
std::map<std::string, ConstTensor> decode_weights_manifest(const GraphModelFiles& m);

// One GraphDef node as the file holds it.
struct GraphDefNode {
  std::string name, op;
  std::vector<std::string> inputs;  // "node", "node:1"; control inputs ("^node") dropped
  nlohmann::json attr;              // as in the file (proto3 JSON)
};
std::vector<GraphDefNode> graph_def_nodes(const GraphModelFiles& m);  // throws ParityError on malformed nodes
// A string attribute ({"s": base64}) decoded; a list of strings ({"list": {"s": [...]}}) likewise.
std::string attr_string(const nlohmann::json& attr, const std::string& key);
std::vector<std::string> attr_strings(const nlohmann::json& attr, const std::string& key);

struct ImportedGraphModel {
  Graph graph;                      // validated, weights filled
  std::vector<std::string> input_names, output_names;  // Placeholder nodes and output tensor names
};
// Throws ParityError for malformed files and UnrepresentableModelError (keras_h5.h) listing every node the
// IR cannot hold. `dynamic_dim` > 0 fixes unknown non-batch Placeholder dimensions to that length.
ImportedGraphModel import_graph_model(const GraphModelFiles& m, const Catalog& c, int64_t dynamic_dim = 0);

// Static knowledge for inventories: the catalog op a GraphDef op imports to ("tf.nn.conv2d"; fused ops name
// their first catalog op, pass-through ops and Shape (folded into its users) "(pass-through)"), or "" when
// parity has no rule for it, with the reason in `why`.
std::string graph_op_catalog_name(const std::string& graph_op, const Catalog& c, std::string* why = nullptr);

}  // namespace parity
