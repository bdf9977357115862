#pragma once
// Merging the run directories of a sharded campaign (`parity run --shard I/N`, one CI job each) into one run
// directory with the rows in case order, as the unsharded run would have written them, plus its reports.
#include <filesystem>
#include <string>
#include <vector>

#include "harness/engine/runner.h"

namespace parity {

struct MergeResult {
  CampaignConfig config;       // the common configuration, shard 1/1
  uint64_t rows = 0, cases = 0;
  std::vector<std::string> incomplete;  // "shard 2/4: 120 of 125 cases" (time-limited or killed shards)
};

// Checks that `shards` are one campaign's shards: the same configuration apart from the shard, N equal,
// each of 1..N present exactly once (a missing or duplicated shard is an error naming it), and rows only
// from their own shard. Writes OUT/run.json (shard 1/1, with "merged_from"), OUT/results.jsonl (rows
// ordered by case index, byte-identical to the shards' rows) and OUT/cases/ (the shards' case files).
// OUT must not hold a run unless `overwrite`. Throws ParityError naming the directory and the problem.
MergeResult merge_runs(const std::vector<std::filesystem::path>& shards, const std::filesystem::path& out,
                       bool overwrite);

}  // namespace parity
