// Reads a Keras .h5 model file (model.save("m.h5"), Keras 2 and Keras 3's legacy h5 format) into the IR.
//
// Layout (tf_keras/saving/legacy/hdf5_format.py, keras/src/legacy/saving/legacy_h5_format.py):
//  - root attributes model_config (JSON), keras_version, backend, optionally training_config;
//  - group model_weights with attribute layer_names (or layer_names0..N when h5py's 64 KiB object header
//    limit forced a split), one subgroup per layer with attribute weight_names, and one dataset per weight
//    at <layer group>/<weight name> (the name holds '/', so h5py made intermediate groups).
// String attributes come in every h5py flavour: fixed-length NULLPAD/NULLTERM, variable-length ASCII or
// UTF-8, scalar or 1-D; a weightless layer's weight_names is an empty float64 array.
// Weights are matched to a layer by order (weight_names is Keras's weight order, the catalog's too) and
// every shape is checked. A nested model's group holds the weights of all its layers, trainable ones
// first, so those are matched by the inner layer name inside each weight name.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <map>
#include <set>

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>

#include "harness/io/case_file.h"
#include "harness/io/h5_handle.h"
#include "harness/io/keras_h5.h"
#include "harness/io/keras_model.h"

namespace parity {

using nlohmann::json;

namespace {

// Limits that stop a corrupt or hostile file before it makes parity allocate: far above real models.
constexpr hssize_t kMaxNames = 1'000'000;              // entries of one layer_names / weight_names list
constexpr size_t kMaxStringBytes = size_t{64} << 20;   // one string attribute (model_config is ~100 KiB)
constexpr hssize_t kMaxWeightElements = hssize_t{1} << 28;  // one weight: 1 GiB of float32
constexpr int kMaxSplitAttrs = 100'000;                 // layer_names0..N
constexpr int kMaxRank = 8;

std::string shape_text(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? "," : "") + std::to_string(s[i]);
  return out + "]";
}

// One dataset named in a weight_names list, opened and shaped but not read yet.
struct FileWeight {
  std::string name;  // as in weight_names ("dense/kernel:0", "sequential/dense/kernel")
  Shape shape;
  h5::Handle ds;
};

class H5Reader {
 public:
  H5Reader(const std::filesystem::path& file, const Catalog& c, const KerasConfigOptions& opt)
      : path_(file), file_(file.string()), c_(c), opt_(opt) {}

  Graph read(KerasH5Info* info) {
    h5::silence_errors();
    open();
    const hid_t root = f_.get();
    KerasH5Info meta;
    if (!has_attr(root, "model_config", "/")) refuse_without_config();
    meta.keras_version = has_attr(root, "keras_version", "/") ? read_string(root, "keras_version", "attribute 'keras_version'") : "";
    meta.backend = has_attr(root, "backend", "/") ? read_string(root, "backend", "attribute 'backend'") : "";
    meta.has_training_config = has_attr(root, "training_config", "/");  // compile() settings: not needed

    const std::string text = read_string(root, "model_config", "attribute 'model_config'");
    nlohmann::json cfg;
    try {
      cfg = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
      fail("{}: attribute 'model_config': not valid JSON ({})", file_, e.what());
    }
    KerasConfigOptions opt = opt_;
    opt.keras_major = major_version(meta.keras_version);
    KerasConfigRead r = read_keras_config(cfg, c_, file_ + ": model_config", opt);
    assign_weights(r);
    if (info) *info = meta;
    return std::move(r.graph);
  }

 private:
  std::filesystem::path path_;
  std::string file_;  // message prefix
  const Catalog& c_;
  KerasConfigOptions opt_;
  h5::Handle f_;
  uintmax_t file_size_ = 0;

  void open() {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path_, ec)) fail("{}: cannot open: no such file", file_);
    file_size_ = std::filesystem::file_size(path_, ec);
    const htri_t is = H5Fis_hdf5(file_.c_str());
    if (is == 0) fail("{}: not an HDF5 file (no HDF5 signature); a Keras model must be saved as .h5", file_);
    if (is < 0) fail("{}: cannot open as HDF5: {}", file_, h5::last_error());
    f_ = h5::file(H5Fopen(file_.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    if (!f_.ok()) fail("{}: cannot open as HDF5 (truncated or corrupt file?): {}", file_, h5::last_error());
  }

  static int major_version(const std::string& v) {
    if (v.empty() || !std::isdigit(static_cast<unsigned char>(v[0]))) return 0;
    return v[0] == '3' && (v.size() == 1 || !std::isdigit(static_cast<unsigned char>(v[1]))) ? 3 : 2;
  }

  bool has_attr(hid_t obj, const std::string& name, const std::string& where) const {
    const htri_t e = H5Aexists(obj, name.c_str());
    if (e < 0) fail("{}: {}: cannot look up attribute '{}': {}", file_, where, name, h5::last_error());
    return e > 0;
  }

  bool has_link(hid_t obj, const std::string& name) const {
    const htri_t e = H5Lexists(obj, name.c_str(), H5P_DEFAULT);
    h5::last_error();
    return e > 0;
  }

  // save_weights() files have model_weights' content at the root (Keras 2) or Keras 3's layers/vars tree.
  [[noreturn]] void refuse_without_config() const {
    const hid_t root = f_.get();
    if (has_attr(root, "layer_names", "/") || has_attr(root, "layer_names0", "/") || has_link(root, "layers") ||
        has_link(root, "vars") || has_link(root, "model_weights"))
      fail("{}: a weights-only file (written by save_weights): it has no 'model_config' attribute, so the "
           "architecture is unknown; save the whole model with model.save(\"model.h5\")",
           file_);
    fail("{}: attribute 'model_config' is missing (not a Keras model file)", file_);
  }

  // A string attribute as a list: scalar or 1-D, fixed or variable length, any character set. A
  // non-string attribute with no elements is an empty list (Keras's weight_names for weightless layers).
  std::vector<std::string> read_strings(hid_t obj, const std::string& name, const std::string& where) const {
    h5::Handle a = h5::attribute(H5Aopen(obj, name.c_str(), H5P_DEFAULT));
    if (!a.ok()) fail("{}: {}: cannot open: {}", file_, where, h5::last_error());
    h5::Handle t = h5::datatype(H5Aget_type(a.get()));
    h5::Handle sp = h5::dataspace(H5Aget_space(a.get()));
    if (!t.ok() || !sp.ok()) fail("{}: {}: unreadable type or shape: {}", file_, where, h5::last_error());
    const int rank = H5Sget_simple_extent_ndims(sp.get());
    if (rank < 0 || rank > 1) fail("{}: {}: expected a string or a 1-D list of strings, got rank {}", file_, where, rank);
    const hssize_t n = H5Sget_simple_extent_npoints(sp.get());
    if (n < 0) fail("{}: {}: unreadable shape: {}", file_, where, h5::last_error());
    if (n > kMaxNames) fail("{}: {}: claims {} strings, more than parity reads ({})", file_, where, n, kMaxNames);
    const H5T_class_t cls = H5Tget_class(t.get());
    if (cls != H5T_STRING) {
      if (n == 0) return {};
      fail("{}: {}: expected strings, got {} non-string values", file_, where, n);
    }
    if (n == 0) return {};
    const size_t count = static_cast<size_t>(n);
    std::vector<std::string> out(count);
    const htri_t vlen = H5Tis_variable_str(t.get());
    if (vlen < 0) fail("{}: {}: unreadable string type: {}", file_, where, h5::last_error());
    if (vlen > 0) {
      // Reading through a memory type with the file's character set: HDF5 has no ASCII <-> UTF-8 path.
      h5::Handle mt = h5::datatype(H5Tcopy(H5T_C_S1));
      H5Tset_size(mt.get(), H5T_VARIABLE);
      H5Tset_cset(mt.get(), H5Tget_cset(t.get()));
      std::vector<char*> ptrs(count, nullptr);
      const herr_t rc = H5Aread(a.get(), mt.get(), ptrs.data());
      for (size_t i = 0; i < count; ++i) {
        if (ptrs[i] && rc >= 0) {
          const size_t len = strnlen(ptrs[i], kMaxStringBytes + 1);
          if (len > kMaxStringBytes) {
            for (char* p : ptrs) H5free_memory(p);
            fail("{}: {}: a string longer than parity reads ({} bytes)", file_, where, kMaxStringBytes);
          }
          out[i].assign(ptrs[i], len);
        }
        if (ptrs[i]) H5free_memory(ptrs[i]);
      }
      if (rc < 0) fail("{}: {}: cannot read: {}", file_, where, h5::last_error());
      return out;
    }
    const size_t size = H5Tget_size(t.get());
    if (size == 0 || size > kMaxStringBytes || size * count > 4 * kMaxStringBytes)
      fail("{}: {}: claims {} strings of {} bytes, more than parity reads", file_, where, count, size);
    std::vector<char> buf(size * count, '\0');
    if (H5Aread(a.get(), t.get(), buf.data()) < 0) fail("{}: {}: cannot read: {}", file_, where, h5::last_error());
    const bool space_pad = H5Tget_strpad(t.get()) == H5T_STR_SPACEPAD;
    for (size_t i = 0; i < count; ++i) {
      const char* s = buf.data() + i * size;
      std::string v(s, strnlen(s, size));
      if (space_pad) v.erase(v.find_last_not_of(' ') + 1);
      out[i] = std::move(v);
    }
    return out;
  }

  std::string read_string(hid_t obj, const std::string& name, const std::string& where) const {
    std::vector<std::string> v = read_strings(obj, name, where);
    if (v.size() != 1) fail("{}: {}: expected one string, got {}", file_, where, v.size());
    return std::move(v[0]);
  }

  // `name`, or h5py's split form name0, name1, ... (save_attributes_to_hdf5_group).
  std::vector<std::string> read_name_list(hid_t obj, const std::string& name, const std::string& where) const {
    if (has_attr(obj, name, where)) return read_strings(obj, name, where + ": attribute '" + name + "'");
    if (!has_attr(obj, name + "0", where)) fail("{}: {}: attribute '{}' is missing", file_, where, name);
    std::vector<std::string> all;
    for (int k = 0; k < kMaxSplitAttrs && has_attr(obj, name + std::to_string(k), where); ++k) {
      std::vector<std::string> part =
          read_strings(obj, name + std::to_string(k), fmt::format("{}: attribute '{}{}'", where, name, k));
      if (all.size() + part.size() > static_cast<size_t>(kMaxNames))
        fail("{}: {}: attribute '{}': more than {} names", file_, where, name, kMaxNames);
      all.insert(all.end(), std::make_move_iterator(part.begin()), std::make_move_iterator(part.end()));
    }
    return all;
  }

  // The weights one model_weights/<layer> group lists, opened and shaped.
  std::vector<FileWeight> open_layer_weights(hid_t mw, const std::string& layer) const {
    const std::string where = fmt::format("model_weights: layer '{}'", layer);
    if (layer.empty() || layer == "." || !has_link(mw, layer))
      fail("{}: {}: group 'model_weights/{}' is missing", file_, where, layer);
    h5::Handle g = h5::group(H5Gopen2(mw, layer.c_str(), H5P_DEFAULT));
    if (!g.ok()) fail("{}: {}: cannot open group 'model_weights/{}': {}", file_, where, layer, h5::last_error());
    std::vector<FileWeight> out;
    for (const std::string& w : read_name_list(g.get(), "weight_names", where)) {
      const std::string at = fmt::format("{}: weight '{}'", where, w);
      if (w.empty() || w[0] == '/' || !has_link_path(g.get(), w)) fail("{}: {}: dataset 'model_weights/{}/{}' is missing", file_, at, layer, w);
      FileWeight fw;
      fw.name = w;
      fw.ds = h5::dataset(H5Dopen2(g.get(), w.c_str(), H5P_DEFAULT));
      if (!fw.ds.ok()) fail("{}: {}: cannot open dataset: {}", file_, at, h5::last_error());
      h5::Handle sp = h5::dataspace(H5Dget_space(fw.ds.get()));
      const int rank = sp.ok() ? H5Sget_simple_extent_ndims(sp.get()) : -1;
      if (rank < 0 || rank > kMaxRank) fail("{}: {}: unreadable or absurd rank {}", file_, at, rank);
      hsize_t dims[kMaxRank] = {};
      H5Sget_simple_extent_dims(sp.get(), dims, nullptr);
      double elements = 1;
      for (int d = 0; d < rank; ++d) {
        elements *= static_cast<double>(dims[d]);
        fw.shape.push_back(static_cast<int64_t>(std::min<hsize_t>(dims[d], hsize_t{1} << 62)));
      }
      if (elements > static_cast<double>(kMaxWeightElements))
        fail("{}: {}: shape {} claims {:.0f} elements, more than parity reads ({})", file_, at, shape_text(fw.shape),
             elements, kMaxWeightElements);
      h5::Handle t = h5::datatype(H5Dget_type(fw.ds.get()));
      if (!t.ok() || H5Tget_class(t.get()) != H5T_FLOAT)
        fail("{}: {}: expected floating-point values (float16/32/64)", file_, at);
      out.push_back(std::move(fw));
    }
    return out;
  }

  // H5Lexists on a multi-component path fails when an intermediate link is missing; check each prefix.
  bool has_link_path(hid_t g, const std::string& path) const {
    if (path.size() > 4096) return false;
    for (size_t pos = path.find('/'); ; pos = path.find('/', pos + 1)) {
      const std::string prefix = pos == std::string::npos ? path : path.substr(0, pos);
      if (!prefix.empty() && prefix.back() != '/' && !has_link(g, prefix)) return false;
      if (pos == std::string::npos) return true;
    }
  }

  void read_values(FileWeight& fw, Weight& w, const std::string& at) const {
    const size_t n = static_cast<size_t>(std::max<int64_t>(0, shape_elements(fw.shape)));
    w.data.assign(n, 0.0);
    if (n == 0) return;
    // A contiguous dataset cannot hold more bytes than the file has: a corrupt header claiming so would
    // otherwise fail only after the allocation.
    h5::Handle dcpl = h5::plist(H5Dget_create_plist(fw.ds.get()));
    if (dcpl.ok() && H5Pget_layout(dcpl.get()) == H5D_CONTIGUOUS) {
      h5::Handle t = h5::datatype(H5Dget_type(fw.ds.get()));
      const double bytes = static_cast<double>(n) * static_cast<double>(t.ok() ? H5Tget_size(t.get()) : 4);
      if (bytes > static_cast<double>(file_size_))
        fail("{}: {}: claims {:.0f} bytes of data, but the file has {} (truncated?)", file_, at, bytes, file_size_);
    }
    std::vector<float> buf(n);
    if (H5Dread(fw.ds.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0)
      fail("{}: {}: cannot read the values: {}", file_, at, h5::last_error());
    for (size_t i = 0; i < n; ++i) w.data[i] = static_cast<double>(buf[i]);
  }

  static int64_t shape_elements(const Shape& s) {
    int64_t n = 1;
    for (int64_t d : s) n *= d;
    return n;
  }

  static std::string list_weights(const std::vector<FileWeight*>& fws) {
    std::string out;
    for (const FileWeight* f : fws) out += (out.empty() ? "" : ", ") + f->name + " " + shape_text(f->shape);
    return out.empty() ? "none" : out;
  }
  static std::string list_specs(const Node& n) {
    std::string out;
    for (const Weight& w : n.weights) out += (out.empty() ? "" : ", ") + w.name + " " + shape_text(w.shape);
    return out.empty() ? "none" : out;
  }

  // Checks count and shapes of `fws` against node `n`'s catalog weights, in order, then reads them.
  void fill_node(Node& n, std::vector<FileWeight*>& fws, const std::string& where) const {
    const std::string at = fmt::format("{}layer '{}' ({})", where, n.name, n.op);
    if (fws.size() != n.weights.size())
      fail("{}: {}: the file has {} weight(s) ({}), the layer expects {} ({})", file_, at, fws.size(), list_weights(fws),
           n.weights.size(), list_specs(n));
    for (size_t i = 0; i < fws.size(); ++i)
      if (fws[i]->shape != n.weights[i].shape)
        fail("{}: {}: weight '{}' has shape {} in the file, but the layer's '{}' has shape {}", file_, at, fws[i]->name,
             shape_text(fws[i]->shape), n.weights[i].name, shape_text(n.weights[i].shape));
    for (size_t i = 0; i < fws.size(); ++i)
      read_values(*fws[i], n.weights[i], fmt::format("{}: weight '{}'", at, fws[i]->name));
  }

  // The inner layer a nested model's weight belongs to: the first component of its name (without the
  // final weight name) that names one of `nodes` by its Keras name. "Conv1/kernel:0" -> Conv1;
  // Keras 3 "sequential_1/dense/kernel" -> dense.
  static Node* owner_by_name(const std::string& weight, const std::map<std::string, Node*>& by_keras_name) {
    size_t start = 0;
    for (size_t pos = weight.find('/'); pos != std::string::npos; start = pos + 1, pos = weight.find('/', start)) {
      auto it = by_keras_name.find(weight.substr(start, pos - start));
      if (it != by_keras_name.end()) return it->second;
    }
    return nullptr;
  }

  void assign_weights(KerasConfigRead& r) {
    Graph& g = r.graph;
    // Nodes by the top-level layer whose group holds their weights, in graph order.
    std::map<std::string, std::vector<Node*>> by_top;
    size_t weighted = 0;
    for (Node& n : g.nodes) {
      auto it = r.origin.find(n.name);
      const std::string top = it == r.origin.end() ? n.name : it->second.top_layer;
      by_top[top].push_back(&n);
      if (!n.weights.empty()) ++weighted;
    }
    if (!has_link(f_.get(), "model_weights")) {
      if (weighted == 0) return;
      fail("{}: group 'model_weights' is missing, but the model has {} layer(s) with weights", file_, weighted);
    }
    h5::Handle mw = h5::group(H5Gopen2(f_.get(), "model_weights", H5P_DEFAULT));
    if (!mw.ok()) fail("{}: cannot open group 'model_weights': {}", file_, h5::last_error());
    const std::vector<std::string> layers = read_name_list(mw.get(), "layer_names", "model_weights");
    std::set<std::string> seen;
    std::set<const Node*> filled;
    for (const std::string& layer : layers) {
      if (!seen.insert(layer).second) fail("{}: model_weights: attribute 'layer_names' lists layer '{}' twice", file_, layer);
      std::vector<FileWeight> fws = open_layer_weights(mw.get(), layer);
      auto it = by_top.find(layer);
      if (it == by_top.end()) {
        if (fws.empty()) continue;  // e.g. an InputLayer the config reader did not need to name the same way
        fail("{}: model_weights: layer '{}' has {} weight(s), but model_config has no layer of that name", file_, layer,
             fws.size());
      }
      std::vector<Node*>& nodes = it->second;
      std::vector<FileWeight*> all;
      for (FileWeight& f : fws) all.push_back(&f);
      const bool nested = nodes.size() > 1 || r.origin[nodes[0]->name].keras_name != layer || nodes[0]->name != layer;
      if (!nested) {
        fill_node(*nodes[0], all, "model_weights: ");
        filled.insert(nodes[0]);
        continue;
      }
      assign_nested(layer, nodes, all, r);
      for (Node* n : nodes) filled.insert(n);
    }
    for (const Node& n : g.nodes)
      if (!n.weights.empty() && !filled.count(&n)) {
        const std::string top = r.origin.count(n.name) ? r.origin[n.name].top_layer : n.name;
        fail("{}: model_weights: layer '{}' ({}) has weights, but attribute 'layer_names' does not list '{}'", file_,
             n.name, n.op, top);
      }
  }

  // A nested model's weights: by inner layer name when every weight names one, else in layer order.
  void assign_nested(const std::string& layer, std::vector<Node*>& nodes, std::vector<FileWeight*>& all,
                     KerasConfigRead& r) const {
    const std::string where = fmt::format("model_weights: nested model '{}': ", layer);
    std::map<std::string, Node*> by_keras_name;
    for (Node* n : nodes) by_keras_name[r.origin[n->name].keras_name] = n;
    std::map<Node*, std::vector<FileWeight*>> per_node;
    bool by_name = true;
    for (FileWeight* f : all) {
      Node* owner = owner_by_name(f->name, by_keras_name);
      if (!owner) {
        by_name = false;
        break;
      }
      per_node[owner].push_back(f);
    }
    if (!by_name) {  // weight names that do not name the inner layers: fall back to the layers' order
      per_node.clear();
      size_t k = 0;
      for (Node* n : nodes)
        for (size_t i = 0; i < n->weights.size() && k < all.size(); ++i) per_node[n].push_back(all[k++]);
      size_t expected = 0;
      for (Node* n : nodes) expected += n->weights.size();
      if (expected != all.size())
        fail("{}: {}the file has {} weight(s), its layers expect {}", file_, where, all.size(), expected);
    }
    for (Node* n : nodes) {
      std::vector<FileWeight*>& mine = per_node[n];
      fill_node(*n, mine, where);
    }
  }
};

// ---- process isolation --------------------------------------------------------------------------------
// libhdf5 1.10 (Debian 12) trusts on-disk sizes in places: a corrupt global heap makes H5Aread memcpy past
// its buffer (found by test_keras_h5_fuzz). A user's file must never crash parity, so the reading runs in a
// forked child that sends back the graph (case-file JSON, as CBOR) or the error; a child killed by a signal
// or stuck beyond the time limit becomes a ParityError. PARITY_H5_IN_PROCESS=1 reads in-process (for
// debuggers and sanitizer runs of parity's own code); PARITY_H5_TIMEOUT_SECONDS overrides the 120 s limit.

// A real model reads in well under a second; a corrupt one can send libhdf5 into an endless loop.
unsigned child_seconds() {
  const char* env = std::getenv("PARITY_H5_TIMEOUT_SECONDS");
  const long v = env ? std::strtol(env, nullptr, 10) : 0;
  return v > 0 && v < 100000 ? static_cast<unsigned>(v) : 120;
}

json outcome_of(const std::filesystem::path& file, const Catalog& c, const KerasConfigOptions& opt) {
  try {
    KerasH5Info meta;
    Graph g = H5Reader(file, c, opt).read(&meta);
    return json{{"graph", graph_to_json(g)},
                {"info", {{"keras_version", meta.keras_version}, {"backend", meta.backend},
                          {"has_training_config", meta.has_training_config}}}};
  } catch (const UnrepresentableModelError& e) {
    json layers = json::array();
    for (const UnrepresentableLayer& l : e.layers) layers.push_back({l.layer, l.class_name, l.reason});
    return json{{"error", e.what()}, {"layers", layers}};
  } catch (const std::exception& e) {  // ParityError, or bad_alloc and the like (still this file's fault)
    return json{{"error", e.what()}, {"plain", true}};
  }
}

Graph load_isolated(const std::filesystem::path& file, const Catalog& c, KerasH5Info* info,
                    const KerasConfigOptions& opt) {
  const std::string name = file.string();
  int fds[2];
  if (pipe(fds) != 0) fail("{}: cannot read: pipe() failed", name);
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    fail("{}: cannot read: fork() failed", name);
  }
  if (pid == 0) {
    close(fds[0]);
    alarm(child_seconds());
    const std::vector<uint8_t> bytes = json::to_cbor(outcome_of(file, c, opt));
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = write(fds[1], bytes.data() + done, bytes.size() - done);
      if (n <= 0) _exit(3);
      done += static_cast<size_t>(n);
    }
    _exit(0);
  }
  close(fds[1]);
  std::vector<uint8_t> bytes;
  uint8_t buf[1 << 16];
  for (;;) {
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n > 0) bytes.insert(bytes.end(), buf, buf + n);
    else if (n == 0 || errno != EINTR) break;
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status))
    fail("{}: the HDF5 library failed on this file ({}): it is corrupt", name,
         WTERMSIG(status) == SIGALRM ? fmt::format("no result after {} s", child_seconds())
                                     : fmt::format("crashed with signal {}", WTERMSIG(status)));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    fail("{}: the HDF5 reader failed on this file (exit status {}): it is corrupt", name, WEXITSTATUS(status));
  const json out = json::from_cbor(bytes, true, false);
  if (out.is_discarded() || !out.is_object()) fail("{}: the HDF5 reader returned no result", name);
  if (out.contains("error")) {
    const std::string msg = out["error"].get<std::string>();
    if (!out.contains("layers")) throw ParityError(msg);
    std::vector<UnrepresentableLayer> layers;
    for (const json& l : out["layers"]) layers.push_back({l[0].get<std::string>(), l[1].get<std::string>(), l[2].get<std::string>()});
    throw UnrepresentableModelError(msg, std::move(layers));
  }
  if (info) {
    const json& m = out["info"];
    info->keras_version = m["keras_version"].get<std::string>();
    info->backend = m["backend"].get<std::string>();
    info->has_training_config = m["has_training_config"].get<bool>();
  }
  return graph_from_json(out["graph"], c, name);
}

}  // namespace

Graph load_keras_h5(const std::filesystem::path& file, const Catalog& c, KerasH5Info* info,
                    const KerasConfigOptions& opt) {
  const char* in_process = std::getenv("PARITY_H5_IN_PROCESS");
  if (in_process && std::string(in_process) == "1") return H5Reader(file, c, opt).read(info);
  return load_isolated(file, c, info, opt);
}

}  // namespace parity
