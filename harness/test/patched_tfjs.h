#pragma once
// Test helper: a TF.js tree for `--tfjs-dir` whose CPU backend has one deliberately wrong kernel, so tests can
// show what parity does when TF.js really misbehaves (a NEW divergence, a first bad commit, a reducible model).
//
//   make_patched_tfjs(dir, "Tanh", "Math.tanh(xi) + 0.25")
//
// builds dir/node_modules with a symlink to every entry of oracles/tfjs/worker/node_modules except
// @tensorflow/tfjs-backend-cpu, which is a real folder holding that package's package.json and its Node
// bundle (dist/tf-backend-cpu.node.js, the file `main` names) with the element function of the unary kernel
// `Tanh` returning the given JavaScript expression of `xi` instead. Pass --tfjs-dir dir to parity. Only
// kernels written as `unaryKernelFunc(tfjsCore.<Kernel>, function (xi) { return ...; })` can be patched
// (Tanh, Sigmoid, Relu, Elu, Sqrt, Sin, Cos, ... in TF.js 4.22). Node resolves symlinks to real paths, so
// the symlinked packages resolve their own dependencies from the worker's tree, and the copied backend
// finds tfjs-core through dir/node_modules: one tfjs-core instance, as in a normal install.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>

namespace parity::testing {

inline std::filesystem::path worker_node_modules() {
  return std::filesystem::path(PARITY_SOURCE_DIR) / "oracles/tfjs/worker/node_modules";
}

// Rewrites the element function of `kernel` in the CPU backend's Node bundle `bundle` to return `expr`.
// Returns "" on success, else why not.
inline std::string patch_cpu_kernel(const std::filesystem::path& bundle, const std::string& kernel, const std::string& expr) {
  std::ifstream in(bundle, std::ios::binary);
  if (!in) return "cannot read " + bundle.string();
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  const std::string head = "unaryKernelFunc(tfjsCore." + kernel + ", function (xi) { return ";
  const size_t at = text.find(head);
  if (at == std::string::npos) return "no unary kernel " + kernel + " in " + bundle.string();
  const size_t body = at + head.size();
  const size_t end = text.find("; })", body);
  if (end == std::string::npos) return "unexpected form of kernel " + kernel + " in " + bundle.string();
  text.replace(body, end - body, expr);
  std::ofstream out(bundle, std::ios::binary | std::ios::trunc);
  if (!(out << text)) return "cannot write " + bundle.string();
  return "";
}

// Copies the CPU backend's package.json and Node bundle from the worker's tree into `pkg_dir` (created).
inline std::string copy_cpu_backend(const std::filesystem::path& pkg_dir) {
  namespace fs = std::filesystem;
  const fs::path src = worker_node_modules() / "@tensorflow" / "tfjs-backend-cpu";
  std::error_code ec;
  fs::create_directories(pkg_dir / "dist", ec);
  for (const char* f : {"package.json", "dist/tf-backend-cpu.node.js"}) {
    fs::copy_file(src / f, pkg_dir / f, fs::copy_options::overwrite_existing, ec);
    if (ec) return "cannot copy " + (src / f).string() + ": " + ec.message();
  }
  return "";
}

// dir/node_modules: symlinks to the worker's packages, except an empty slot for @tensorflow/tfjs-backend-cpu
// (the caller fills it, e.g. with copy_cpu_backend or a git work tree). Returns "" or why not.
inline std::string make_tfjs_tree_without_cpu(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  const fs::path src = worker_node_modules();
  if (!fs::exists(src / "@tensorflow" / "tfjs-backend-cpu" / "dist" / "tf-backend-cpu.node.js"))
    return "TF.js is not installed: run `npm ci` in oracles/tfjs/worker";
  std::error_code ec;
  const fs::path nm = dir / "node_modules";
  fs::create_directories(nm / "@tensorflow", ec);
  for (const auto& e : fs::directory_iterator(src, ec)) {
    const std::string name = e.path().filename().string();
    if (name == ".package-lock.json" || name == ".bin") continue;
    if (name == "@tensorflow") {
      for (const auto& p : fs::directory_iterator(e.path(), ec))
        if (p.path().filename() != "tfjs-backend-cpu") fs::create_directory_symlink(p.path(), nm / "@tensorflow" / p.path().filename(), ec);
    } else {
      fs::create_directory_symlink(e.path(), nm / name, ec);
    }
    if (ec) return "cannot link " + e.path().string() + ": " + ec.message();
  }
  return "";
}

// The whole tree with `kernel` patched to return `expr` (see the top of this file). Returns "" or why not.
inline std::string make_patched_tfjs(const std::filesystem::path& dir, const std::string& kernel = "Tanh",
                                     const std::string& expr = "Math.tanh(xi) + 0.25") {
  if (std::string why = make_tfjs_tree_without_cpu(dir); !why.empty()) return why;
  const std::filesystem::path pkg = dir / "node_modules" / "@tensorflow" / "tfjs-backend-cpu";
  if (std::string why = copy_cpu_backend(pkg); !why.empty()) return why;
  return patch_cpu_kernel(pkg / "dist" / "tf-backend-cpu.node.js", kernel, expr);
}

}  // namespace parity::testing
