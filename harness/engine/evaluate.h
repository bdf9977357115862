#pragma once
// Running one case on a set of executors and judging each: the step `parity run`, `replay` and `check`
// share. Every executor failure becomes a disposition; nothing here throws for an executor's sake.
#include <chrono>
#include <string>
#include <vector>

#include "harness/engine/compare.h"
#include "harness/io/case_file.h"

namespace parity {

struct ExecutorVerdict {
  std::string executor;
  std::string version;     // Executor::version() after the run (e.g. TF.js package versions)
  Disposition disposition = Disposition::Passed;
  std::string reason;      // UNSUPPORTED: the op and the executor's message; ERRORED: what failed
  CompareResult compare;   // when the executor produced outputs
  double seconds = 0;      // wall time inside the executor
};

struct CaseVerdict {
  Disposition overall = Disposition::Passed;  // worst over executors
  std::vector<ExecutorVerdict> executors;
  double reference_seconds = 0;               // ref64 + budgets
};

// Inputs of a case: its explicit inputs, or drawn from its input seed.
std::vector<Tensor<double>> case_inputs(const CaseFile& cf, const Catalog& c);

// Where a case's wall time went, for benchmarks: one span per step, in order ("reference" with budgets;
// per executor "start", "finish" and "compare"). Executors in other processes work between start and finish.
struct EvaluateTrace {
  struct Span {
    std::string step, executor;
    std::chrono::steady_clock::time_point begin, end;
  };
  std::vector<Span> spans;
};

// Throws ParityError only when the case itself cannot be evaluated (invalid graph or inputs).
CaseVerdict evaluate_case(const CaseFile& cf, const std::vector<Executor*>& executors, const Catalog& c,
                          const KernelTable& k, const Comparator& cmp, EvaluateTrace* trace = nullptr);

}  // namespace parity
