#pragma once
// Small RAII layer over the HDF5 C API for the Keras .h5 reader and writer: owning handles, silenced error
// printing, and the innermost HDF5 error message for ParityError texts.
#include <hdf5.h>

#include <string>
#include <utility>

namespace parity::h5 {

// Owns one HDF5 identifier (file, group, dataset, attribute, datatype, dataspace, property list) and closes
// it with the matching H5?close. A negative id means "none"; `ok()` tells whether the call that made it
// succeeded.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer close) : id_(id), close_(close) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& o) noexcept : id_(std::exchange(o.id_, H5I_INVALID_HID)), close_(o.close_) {}
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = std::exchange(o.id_, H5I_INVALID_HID);
      close_ = o.close_;
    }
    return *this;
  }
  ~Handle() { reset(); }

  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }
  void reset() {
    if (id_ >= 0 && close_) close_(id_);
    id_ = H5I_INVALID_HID;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer close_ = nullptr;
};

inline Handle file(hid_t id) { return {id, H5Fclose}; }
inline Handle group(hid_t id) { return {id, H5Gclose}; }
inline Handle dataset(hid_t id) { return {id, H5Dclose}; }
inline Handle attribute(hid_t id) { return {id, H5Aclose}; }
inline Handle datatype(hid_t id) { return {id, H5Tclose}; }
inline Handle dataspace(hid_t id) { return {id, H5Sclose}; }
inline Handle plist(hid_t id) { return {id, H5Pclose}; }

// HDF5 prints its whole error stack to stderr on every failed call by default; parity reports one line per
// problem instead, so printing is switched off (once per process; the serial library keeps it global).
inline void silence_errors() {
  static const bool done = [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)done;
}

// The innermost message on HDF5's error stack ("truncated file: eof = ...", "bad symbol table"), or "" when
// the stack is empty. Clears the stack.
inline std::string last_error() {
  std::string msg;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned n, const H5E_error2_t* e, void* out) -> herr_t {
        if (n == 0 && e && e->desc) *static_cast<std::string*>(out) = e->desc;
        return 0;
      },
      &msg);
  H5Eclear2(H5E_DEFAULT);
  return msg;
}

}  // namespace parity::h5
