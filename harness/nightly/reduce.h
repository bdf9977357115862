#pragma once
// `parity reduce`: shrinks a model that fails on an executor to the fewest layers that still fail, in the
// manner of Polygraphy's `debug reduce`: bisect the end, bisect the start, then remove layers one at a time
// while the failure persists. A cut subgraph gets ref64's value of every tensor it no longer computes as a new
// graph input, so an error made earlier in the model can neither mask nor cause the failure being reduced.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "harness/engine/evaluate.h"

namespace parity {

// The op nodes of `g` with keep[i] true (InputLayers are ignored), as a case of its own: every value a kept
// node reads that is produced outside the kept set becomes a new graph input (InputLayer with the value's IR
// shape, kBatch kept) whose data is `values` at that id, rounded to float32; the outputs are the kept
// nodes' values that no kept node reads. Node names, attributes and weights are kept.
CaseFile cut_subgraph(const Graph& g, const std::map<ValueId, Tensor<double>>& values, const std::vector<bool>& keep,
                      int64_t batch);

struct ReduceOptions {
  int max_evaluations = 2000;  // of the executor, over all phases
  double budget_scale = 1.0;
  // Keep a reduction step only when the executor gives the whole model's disposition. Off: any failure
  // (DIVERGED or ERRORED) will do, so a layer whose wrong output shape makes a later layer ERROR is reduced
  // to that layer alone (DIVERGED).
  bool same_disposition = false;
  std::function<void(const std::string&)> progress;  // one line per phase and result
};

struct ReduceResult {
  bool failed = false;             // the whole model fails on the executor (else nothing was reduced)
  Disposition disposition = Disposition::Passed;  // the whole model's; the reduced case keeps it
  std::string reason;
  CaseFile reduced;                // the smallest failing case found (inputs embedded)
  Disposition reduced_disposition = Disposition::Passed;
  std::string reduced_reason;      // its disposition's reason
  std::vector<std::string> kept;   // its layers, in graph order
  std::string culprit;             // the first divergent layer
  std::string culprit_note;        // how it was determined
  size_t original_layers = 0;      // op nodes of the input model
  int evaluations = 0;
};

// Reduces `cf` on `ex`. "Fails" means DIVERGED or ERRORED (see ReduceOptions::same_disposition). Throws
// ParityError when the case itself is invalid.
ReduceResult reduce_case(const CaseFile& cf, Executor& ex, const ReduceOptions& opt = {});

}  // namespace parity
