#pragma once
// Random, valid-by-construction graphs from the op catalog, with RapidCheck shrinking. A case is a pure
// function of (config, seed, index): the same triple gives a byte-identical case on every machine.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "harness/io/case_file.h"

namespace parity {

enum class GraphFamily { Layers, TfOps, Both };

struct GenConfig {
  GraphFamily family = GraphFamily::Both;
  int max_nodes = 8;                    // op nodes, not counting inputs
  int64_t max_elements = 4096;          // per tensor, at the generated batch size
  int64_t max_flops = 1 << 20;          // summed over nodes (multiply-adds count 2)
  int max_batch = 3;
  std::vector<std::string> ops;         // only these catalog ops (empty: all)
  std::vector<std::string> exclude;     // never these
  std::vector<std::string> executors;   // only ops every one of these supports (empty: no filter)
};

struct GeneratedCase {
  CaseFile cf;
  std::string id;         // "s<seed>-<index>"
  int skipped_nodes = 0;  // node choices the builder dropped (invalid after retries, or over a bound)
};

GeneratedCase generate_case(const Catalog& c, const GenConfig& cfg, uint64_t seed, uint64_t index);

struct ShrinkStats {
  int attempts = 0;  // predicate evaluations (candidates that differ from the current best)
  int accepted = 0;
  int builds = 0;    // candidate recipes built, those rebuilding the current case included
};

// Shrinks case (seed, index) while `still_fails` holds for the candidate, walking RapidCheck's shrink tree
// (drop nodes and rewire users, smaller shapes, simpler attributes and inputs). Returns the smallest
// failing case found within `max_attempts` evaluations (and 100 * max_attempts builds).
GeneratedCase shrink_case(const Catalog& c, const GenConfig& cfg, uint64_t seed, uint64_t index,
                          const std::function<bool(const CaseFile&)>& still_fails, int max_attempts = 2000,
                          ShrinkStats* stats = nullptr);

// The generator with its configuration resolved once (op filters matched case-insensitively, executors'
// support checked): what a campaign should hold. Throws ParityError for an unknown op name in `ops` /
// `exclude`, or when the filters leave the selected family no op.
class CaseGenerator {
 public:
  CaseGenerator(const Catalog& c, GenConfig cfg);
  ~CaseGenerator();
  CaseGenerator(const CaseGenerator&) = delete;
  CaseGenerator& operator=(const CaseGenerator&) = delete;

  GeneratedCase generate(uint64_t seed, uint64_t index) const;
  GeneratedCase shrink(uint64_t seed, uint64_t index, const std::function<bool(const CaseFile&)>& still_fails,
                       int max_attempts = 2000, ShrinkStats* stats = nullptr) const;
  const GenConfig& config() const;
  std::vector<std::string> enabled_ops() const;  // catalog order, both families

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Estimated floating-point operations of one node at a concrete batch: 2K per output element for an op
// that sums K terms per element (its tolerance's `accumulation`: dot products, convolutions, reductions),
// else 1 per output element. This is the cost `max_flops` bounds.
int64_t node_flops(const Catalog& c, const Graph& g, const Node& n, int64_t batch);

struct GraphSize {
  int op_nodes = 0;          // nodes other than InputLayer
  int64_t max_elements = 0;  // largest tensor (value or weight) at the batch
  int64_t flops = 0;         // summed node_flops
};
GraphSize graph_size(const Catalog& c, const Graph& g, int64_t batch);

}  // namespace parity
