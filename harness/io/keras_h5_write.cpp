// Writes a graph as a Keras 2 style .h5 model file, laid out as tf-keras's save_model_to_hdf5 does
// (tf_keras/saving/legacy/hdf5_format.py), with the string types h5py gives: keras_version and backend as
// variable-length UTF-8 (Python str), model_config as variable-length ASCII (bytes), layer_names and
// weight_names as fixed-length NULLPAD arrays (numpy bytes arrays), split into name0, name1, ... above the
// 64 KiB object header limit, and an empty float64 array as weight_names for a weightless layer.
#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "harness/io/h5_handle.h"
#include "harness/io/keras_h5.h"
#include "harness/io/keras_model.h"

namespace parity {

namespace {

constexpr const char* kKerasVersion = "2.15.0-parity";  // major 2: what tensorflowjs_converter accepts
constexpr size_t kObjectHeaderLimit = 64512;             // HDF5_OBJECT_HEADER_LIMIT in tf-keras

class H5Writer {
 public:
  explicit H5Writer(const std::filesystem::path& file) : file_(file.string()) {}

  void write(const Graph& g, const Catalog& c) {
    h5::silence_errors();
    for (const Node& n : g.nodes) check_node(n);
    const std::string config = keras_config_from_graph(g, c).dump();
    h5::Handle f = h5::file(H5Fcreate(file_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
    if (!f.ok()) fail("{}: cannot create the file: {}", file_, h5::last_error());
    vlen_attr(f.get(), "keras_version", kKerasVersion, H5T_CSET_UTF8, "/");
    vlen_attr(f.get(), "backend", "tensorflow", H5T_CSET_UTF8, "/");
    vlen_attr(f.get(), "model_config", config, H5T_CSET_ASCII, "/");

    h5::Handle mw = h5::group(H5Gcreate2(f.get(), "model_weights", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    if (!mw.ok()) fail("{}: cannot create group 'model_weights': {}", file_, h5::last_error());
    vlen_attr(mw.get(), "backend", "tensorflow", H5T_CSET_ASCII, "model_weights");
    vlen_attr(mw.get(), "keras_version", kKerasVersion, H5T_CSET_ASCII, "model_weights");
    std::vector<std::string> layer_names;
    for (const Node& n : g.nodes) layer_names.push_back(n.name);
    name_list_attr(mw.get(), "layer_names", layer_names, "model_weights");
    for (const Node& n : g.nodes) write_layer(mw.get(), n);

    if (H5Fflush(f.get(), H5F_SCOPE_GLOBAL) < 0) fail("{}: cannot write the file: {}", file_, h5::last_error());
  }

 private:
  std::string file_;

  // Names become HDF5 link names: a layer name must be one path component ('/' would make a path, "." is
  // the group itself); weight names may have several ("forward_gru/kernel" of a Bidirectional), each a
  // real name.
  void check_node(const Node& n) const {
    auto bad_component = [](const std::string& s) { return s.empty() || s == "." || s == ".."; };
    if (bad_component(n.name) || n.name.find('/') != std::string::npos)
      fail("{}: layer '{}' ({}): the name cannot be an HDF5 group name (empty, '.' or contains '/')", file_, n.name, n.op);
    for (const Weight& w : n.weights) {
      bool bad = false;
      for (size_t start = 0, end; !bad; start = end + 1) {
        end = std::min(w.name.find('/', start), w.name.size());
        bad = bad_component(w.name.substr(start, end - start));
        if (end == w.name.size()) break;
      }
      if (bad) fail("{}: layer '{}' ({}): weight '{}': the name cannot be an HDF5 dataset path", file_, n.name, n.op, w.name);
      int64_t count = 1;
      for (int64_t d : w.shape) count *= d;
      if (static_cast<int64_t>(w.data.size()) != count)
        fail("{}: layer '{}' ({}): weight '{}' has {} values for its shape of {} elements (weights must be filled "
             "before writing)", file_, n.name, n.op, w.name, w.data.size(), count);
    }
  }

  void vlen_attr(hid_t obj, const char* name, const std::string& value, H5T_cset_t cset, const std::string& where) const {
    h5::Handle t = h5::datatype(H5Tcopy(H5T_C_S1));
    H5Tset_size(t.get(), H5T_VARIABLE);
    H5Tset_cset(t.get(), cset);
    h5::Handle sp = h5::dataspace(H5Screate(H5S_SCALAR));
    h5::Handle a = h5::attribute(H5Acreate2(obj, name, t.get(), sp.get(), H5P_DEFAULT, H5P_DEFAULT));
    const char* p = value.c_str();
    if (!a.ok() || H5Awrite(a.get(), t.get(), &p) < 0)
      fail("{}: {}: cannot write attribute '{}': {}", file_, where, name, h5::last_error());
  }

  void fixed_strings_attr(hid_t obj, const std::string& name, const std::vector<std::string>& values, size_t width,
                          const std::string& where) const {
    h5::Handle t = h5::datatype(H5Tcopy(H5T_C_S1));
    H5Tset_size(t.get(), width);
    H5Tset_strpad(t.get(), H5T_STR_NULLPAD);
    H5Tset_cset(t.get(), H5T_CSET_ASCII);
    const hsize_t n = values.size();
    h5::Handle sp = h5::dataspace(H5Screate_simple(1, &n, nullptr));
    std::vector<char> buf(width * values.size(), '\0');
    for (size_t i = 0; i < values.size(); ++i) std::memcpy(buf.data() + i * width, values[i].data(), values[i].size());
    h5::Handle a = h5::attribute(H5Acreate2(obj, name.c_str(), t.get(), sp.get(), H5P_DEFAULT, H5P_DEFAULT));
    if (!a.ok() || H5Awrite(a.get(), t.get(), buf.data()) < 0)
      fail("{}: {}: cannot write attribute '{}': {}", file_, where, name, h5::last_error());
  }

  // A list of names as tf-keras's save_attributes_to_hdf5_group writes it: one fixed-width array, or, when
  // that exceeds the object header limit, np.array_split chunks name0, name1, ... of the same width.
  void name_list_attr(hid_t obj, const std::string& name, const std::vector<std::string>& values, const std::string& where) const {
    if (values.empty()) {  // np.asarray([]) is float64
      const hsize_t zero = 0;
      h5::Handle sp = h5::dataspace(H5Screate_simple(1, &zero, nullptr));
      h5::Handle a = h5::attribute(H5Acreate2(obj, name.c_str(), H5T_IEEE_F64LE, sp.get(), H5P_DEFAULT, H5P_DEFAULT));
      if (!a.ok()) fail("{}: {}: cannot write attribute '{}': {}", file_, where, name, h5::last_error());
      return;
    }
    size_t width = 1;
    for (const std::string& v : values) width = std::max(width, v.size());
    if (width > kObjectHeaderLimit)
      fail("{}: {}: a name of {} bytes does not fit in an HDF5 attribute", file_, where, width);
    size_t chunks = 1;
    while ((values.size() + chunks - 1) / chunks * width > kObjectHeaderLimit) ++chunks;
    if (chunks == 1) return fixed_strings_attr(obj, name, values, width, where);
    const size_t base = values.size() / chunks, extra = values.size() % chunks;
    size_t at = 0;
    for (size_t k = 0; k < chunks; ++k) {
      const size_t len = base + (k < extra ? 1 : 0);
      std::vector<std::string> part(values.begin() + static_cast<std::ptrdiff_t>(at),
                                    values.begin() + static_cast<std::ptrdiff_t>(at + len));
      fixed_strings_attr(obj, name + std::to_string(k), part, width, where);
      at += len;
    }
  }

  void write_layer(hid_t mw, const Node& n) const {
    const std::string where = fmt::format("model_weights: layer '{}'", n.name);
    h5::Handle g = h5::group(H5Gcreate2(mw, n.name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    if (!g.ok()) fail("{}: {}: cannot create the group: {}", file_, where, h5::last_error());
    std::vector<std::string> names;
    for (const Weight& w : n.weights) names.push_back(n.name + "/" + w.name + ":0");
    name_list_attr(g.get(), "weight_names", names, where);
    h5::Handle lcpl = h5::plist(H5Pcreate(H5P_LINK_CREATE));
    H5Pset_create_intermediate_group(lcpl.get(), 1);
    for (size_t i = 0; i < n.weights.size(); ++i) {
      const Weight& w = n.weights[i];
      std::vector<hsize_t> dims(w.shape.begin(), w.shape.end());
      h5::Handle sp = h5::dataspace(dims.empty() ? H5Screate(H5S_SCALAR)
                                                 : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr));
      h5::Handle ds = h5::dataset(
          H5Dcreate2(g.get(), names[i].c_str(), H5T_IEEE_F32LE, sp.get(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT));
      std::vector<float> data(w.data.begin(), w.data.end());
      if (!ds.ok() || (!data.empty() && H5Dwrite(ds.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()) < 0))
        fail("{}: {}: weight '{}': cannot write the dataset: {}", file_, where, w.name, h5::last_error());
    }
  }
};

}  // namespace

void save_keras_h5(const Graph& g, const Catalog& c, const std::filesystem::path& file) { H5Writer(file).write(g, c); }

}  // namespace parity
