#pragma once
// Baselines: the non-passing outcomes a nightly already knows about (cases/baseline/*.json), so a run fails
// only when something NEW breaks. Every UNSUPPORTED, ERRORED or DIVERGED row of a run is KNOWN (an entry
// matches it) or NEW; an entry whose case or op ran and now passes is FIXED. Format: docs/nightly.md.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/engine/disposition.h"
#include "harness/engine/results.h"

namespace parity {

inline constexpr int kBaselineFormatVersion = 1;

// One known outcome. It matches a row of `executor` with `disposition` when every field that is set agrees:
//  - case_id (+ graph_hash): that very case; the hash keeps an entry from matching a different graph that
//    a changed generator put under the same id;
//  - op: the op the row blames: the op an UNSUPPORTED row names, or the op of a DIVERGED row's first
//    divergent node (looked up in the row's case file);
//  - executor_version: a substring of the row's executor_version ("tfjs-core 4.22.0");
//  - reason_contains: a substring of the row's reason.
// An entry must set case_id, op or reason_contains (one matching every row of an executor would hide
// everything). reason_contains alone suits ERRORED rows, which blame no op ("GRUCell does not support").
struct BaselineEntry {
  std::string executor;
  Disposition disposition = Disposition::Diverged;
  std::string case_id, graph_hash, op, executor_version, reason_contains;
  std::string reason;    // why it is known: the finding, in a sentence (required)
  std::string upstream;  // an upstream issue, when one exists
};

struct Baseline {
  std::vector<BaselineEntry> entries;
};

// Throws ParityError naming the file, the entry index and the field.
Baseline load_baseline(const std::filesystem::path& file);
Baseline baseline_from_json(const nlohmann::json& j, const std::string& where);
nlohmann::json baseline_to_json(const Baseline& b);  // entries sorted, so updates diff cleanly

// The op a non-passing row blames ("" when it names none): for UNSUPPORTED, the op in its reason
// ("op 'X' (node ...)" or "X: ..."); for DIVERGED, the op of first_divergent_node in `run_dir`/case_file.
std::string blamed_op(const ResultRow& r, const std::filesystem::path& run_dir);

bool entry_matches(const BaselineEntry& e, const ResultRow& r, const std::string& blamed);
// The reason of the first entry matching a non-passing row, "" when none does (or the row passed).
std::string known_reason(const Baseline& b, const ResultRow& r, const std::filesystem::path& run_dir);

struct ClassifiedRow {
  std::string case_id, executor, reason, repro;
  Disposition disposition = Disposition::Passed;
  int entry = -1;  // KNOWN: the matching entry's index
};

struct Classification {
  std::vector<ClassifiedRow> known, fresh;  // fresh = NEW
  std::vector<int> fixed;                   // case-level entries whose case ran on the executor and passed
  std::vector<int> unseen;                  // entries no row matched (op-level ones, other shards, versions)
  bool has_new() const { return !fresh.empty(); }
};

// Classifies every row of the run in `run_dir` (results.jsonl + case files).
Classification classify_run(const Baseline& b, const std::filesystem::path& run_dir);

// "NEW 2, KNOWN 17, FIXED 1 (baseline cases/baseline/nightly.json: 24 entries, 6 not seen in this run)"
std::string classification_line(const Classification& c, const Baseline& b, const std::string& baseline_label);
// Markdown: the NEW rows first (with repro commands), then FIXED entries, then KNOWN counts per entry.
std::string render_classification_md(const Classification& c, const Baseline& b, const std::string& baseline_label);

// A baseline describing every non-passing row of the runs: existing entries that still match are kept
// with their reasons; each NEW row becomes an entry (op-level for UNSUPPORTED and for DIVERGED rows whose
// op is known, else case-level) with reason "TODO: explain" for review; FIXED entries are dropped.
Baseline update_baseline(const Baseline& old, const std::vector<std::filesystem::path>& run_dirs);

}  // namespace parity
