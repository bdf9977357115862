// The .h5 reader on corrupted input: a RapidCheck property mutates bytes of real Keras files and of files
// the writer produced, and the reader must load the result or throw ParityError: never crash, hang, or throw
// anything else. Build with -fsanitize=address,undefined to also catch silent memory errors
// (RC_PARAMS="max_success=2000" for a longer run).
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <optional>

#include "harness/io/keras_h5.h"

using namespace parity;

namespace {

const Catalog& cat() { return default_catalog(); }

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void spit(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::filesystem::path scratch(const std::string& name) {
  return std::filesystem::temp_directory_path() / fmt::format("parity_h5_fuzz_{}_{}", ::getpid(), name);
}

// The files mutations start from: the small real samples (when the shared folder is there) and one the
// writer made from a graph with convolution, normalization, dense and TF-op layers.
const std::vector<std::pair<std::string, std::string>>& seeds() {
  static const std::vector<std::pair<std::string, std::string>> files = [] {
    std::vector<std::pair<std::string, std::string>> out;
    const auto dir = std::filesystem::path(PARITY_SOURCE_DIR) / ".." / "shared" / "data" / "keras-h5";
    for (const char* f : {"churn_model.h5", "fdeep_temp_stateful.h5", "cryptoann_model.h5", "fdeep_lstm.h5"})
      if (std::filesystem::exists(dir / f)) out.emplace_back(f, slurp(dir / f));
    Graph g;
    const ValueId img = g.add_input(cat(), "img", {kBatch, 4, 4, 2});
    const ValueId c = g.add(cat(), "conv", "Conv2D", {{"filters", 2}, {"kernel_size", 3}}, {img});
    const ValueId bn = g.add(cat(), "bn", "BatchNormalization", {{"axis", -1}}, {c});
    const ValueId f = g.add(cat(), "flat", "Flatten", json::object(), {bn});
    const ValueId d = g.add(cat(), "dense", "Dense", {{"units", 3}}, {f});
    g.outputs = {g.add(cat(), "tf.math.multiply", "tf.math.multiply", {{"y", 0.5}}, {d})};
    fill_random_weights(g, cat(), 3);
    const auto p = scratch("seed.h5");
    save_keras_h5(g, cat(), p);
    out.emplace_back("writer.h5", slurp(p));
    std::filesystem::remove(p);
    return out;
  }();
  return files;
}

}  // namespace

TEST(KerasH5Fuzz, SeedFilesLoadUnmutated) {
  // The property below is only meaningful if its starting points are readable (or cleanly refused).
  for (const auto& [name, bytes] : seeds()) {
    const auto p = scratch(name);
    spit(p, bytes);
    try {
      load_keras_h5(p, cat());
    } catch (const UnrepresentableModelError&) {  // fdeep_temp_stateful.h5 and fdeep_lstm.h5
      EXPECT_TRUE(name.rfind("fdeep_", 0) == 0) << name;
    }
    std::filesystem::remove(p);
  }
}

RC_GTEST_PROP(KerasH5Fuzz, MutatedFilesLoadOrThrowParityError, ()) {
  // Some mutants send libhdf5 into an endless loop; the reader's child process is stopped after this.
  setenv("PARITY_H5_TIMEOUT_SECONDS", "1", 0);
  const auto& [name, original] = *rc::gen::elementOf(seeds());
  std::string bytes = original;
  const int mutations = *rc::gen::inRange(1, 9);
  for (int m = 0; m < mutations && !bytes.empty(); ++m) {
    // Most structure (superblock, object headers, attribute messages) sits in the first few KiB.
    const size_t limit = *rc::gen::element<int>(0, 1) == 0 ? std::min<size_t>(bytes.size(), 4096) : bytes.size();
    const size_t at = *rc::gen::inRange<size_t>(0, limit);
    switch (*rc::gen::inRange(0, 5)) {
      case 0: bytes[at] = static_cast<char>(*rc::gen::arbitrary<uint8_t>()); break;
      case 1: bytes[at] = static_cast<char>(bytes[at] ^ (1 << *rc::gen::inRange(0, 8))); break;
      case 2:  // a size or address field set to all ones or to zero
        for (size_t i = at; i < std::min(bytes.size(), at + *rc::gen::element<size_t>(2, 4, 8)); ++i)
          bytes[i] = *rc::gen::element<char>('\xff', '\0');
        break;
      case 3: bytes.resize(at); break;
      default: {  // a run of bytes copied from elsewhere in the file (a plausible but wrong structure)
        const size_t from = *rc::gen::inRange<size_t>(0, bytes.size());
        const size_t len = std::min({bytes.size() - from, bytes.size() - at, size_t{16}});
        bytes.replace(at, len, bytes.substr(from, len));
      }
    }
  }
  const auto p = scratch("mutant.h5");
  spit(p, bytes);
  std::optional<Graph> g;
  std::string other;
  try {
    g = load_keras_h5(p, cat());
  } catch (const ParityError& e) {
    // The outcome mix RapidCheck prints: how often libhdf5 itself crashed or looped on a mutant.
    const std::string msg = e.what();
    const bool contained = msg.find("the HDF5 library failed") != std::string::npos ||
                           msg.find("the HDF5 reader failed") != std::string::npos;
    RC_TAG(!contained ? "ParityError"
           : msg.find("no result after") != std::string::npos ? "libhdf5 looped (contained)"
                                                              : "libhdf5 crashed (contained)");
  } catch (const std::exception& e) {
    other = e.what();
  }
  std::filesystem::remove(p);
  if (!other.empty()) RC_FAIL(fmt::format("{} mutated: {} (not a ParityError)", name, other));
  if (g) {  // whatever loads must be a valid graph with every weight filled
    RC_TAG("loads");
    try {
      validate(*g, cat());
    } catch (const ParityError& e) {
      RC_FAIL(fmt::format("{} mutated: loaded an invalid graph: {}", name, e.what()));
    }
    for (const Node& n : g->nodes)
      for (const Weight& w : n.weights) RC_ASSERT(static_cast<int64_t>(w.data.size()) == num_elements(w.shape));
  }
}
