#pragma once
// Running one case on a set of executors and judging each: the step `parity run`, `replay` and `check`
// share. Every executor failure becomes a disposition; nothing here throws for an executor's sake.
#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/engine/compare.h"
#include "harness/io/case_file.h"
#include "oracles/executor.h"

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
// per executor "start", "finish", "compare", and "localize" for a DIVERGED run's repeat with
// intermediates). Executors in other processes work between start and finish.
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

// evaluate_case in parts, so that a campaign can start the next case's runs (the TF.js workers then compute
// it) before it judges this one: start_case validates the case, draws its inputs and starts every
// executor's run; judge_case computes the reference, finishes the runs in executor order, judges them and
// starts a repeat with intermediates for every DIVERGED run (to name its first divergent node); localize_case
// waits for those repeats and returns the verdict. finish_case is judge_case + localize_case. A started case
// holds the inputs its runs read and must stay where it is (executors keep pointers to it and to `cf`)
// until localized; destroying it earlier cancels its runs.
struct StartedCase {
  struct Slot {
    ExecutorVerdict ev;
    bool refused = false;  // unsupported up front: never started
    bool started = false;  // a ticket not finished or cancelled yet
    Executor::Ticket ticket = 0;
    std::exception_ptr start_error;
    double start_seconds = 0;
    std::optional<Executor::Ticket> repeat;  // the DIVERGED run's repeat with intermediates, not finished yet
  };
  const CaseFile& cf;
  std::vector<Executor*> executors;
  const Catalog& catalog;
  EvaluateTrace* trace = nullptr;
  std::vector<Tensor<double>> inputs;
  std::vector<Slot> slots;
  std::optional<Reference> ref32, ref16;  // judge_case's references (float16 only with a float16 executor)
  CaseVerdict verdict;                    // judge_case's, without first divergent nodes

  StartedCase(const CaseFile& cf, std::vector<Executor*> executors, const Catalog& c, EvaluateTrace* trace)
      : cf(cf), executors(std::move(executors)), catalog(c), trace(trace) {}
  StartedCase(const StartedCase&) = delete;
  StartedCase& operator=(const StartedCase&) = delete;
  ~StartedCase();
  bool awaiting_repeats() const;
};
// Throws ParityError when the case cannot be evaluated (nothing is left started then).
std::unique_ptr<StartedCase> start_case(const CaseFile& cf, const std::vector<Executor*>& executors, const Catalog& c,
                                        EvaluateTrace* trace = nullptr);
// Throws ParityError when the reference cannot be computed (destroying the started case then cancels the
// runs left).
void judge_case(StartedCase& s, const KernelTable& k, const Comparator& cmp);
CaseVerdict localize_case(StartedCase& s, const Comparator& cmp);
CaseVerdict finish_case(StartedCase& s, const KernelTable& k, const Comparator& cmp);

}  // namespace parity
