// `parity merge`: shards of one campaign into one run directory (merge.h).
#include "harness/nightly/merge.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <map>

#include "harness/core/error.h"

namespace parity {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

json read_run_json(const fs::path& dir) {
  const fs::path f = dir / "run.json";
  std::ifstream in(f);
  if (!in) fail("{}: no run.json (not a parity run directory)", dir.string());
  json j = json::parse(in, nullptr, false);
  if (j.is_discarded()) fail("{}: not valid JSON", f.string());
  return j;
}

// Everything that must agree between shards: the configuration without the shard and the time limit
// (shards may get different budgets; a time-limited shard is reported as incomplete instead).
json comparable(json j) {
  j.erase("shard");
  j.erase("time_limit");
  j.erase("parity_version");
  return j;
}

struct Line {
  uint64_t index;
  std::string text;
};

}  // namespace

MergeResult merge_runs(const std::vector<fs::path>& shards, const fs::path& out, bool overwrite) {
  if (shards.empty()) fail("merge: no shard directories given");
  MergeResult res;
  json first;
  std::map<int, fs::path> by_shard;
  int n = 0;
  for (const fs::path& dir : shards) {
    const json j = read_run_json(dir);
    const CampaignConfig c = config_from_json(j, (dir / "run.json").string());
    if (by_shard.empty()) {
      first = j;
      n = c.shards;
      res.config = c;
    } else {
      if (c.shards != n)
        fail("{}: shard {}/{} does not belong with {} (shards of {})", dir.string(), c.shard, c.shards,
             by_shard.begin()->second.string(), n);
      if (comparable(j) != comparable(first))
        fail("{}: its configuration differs from {}'s (seed, cases, executors, generator or TF.js options): "
             "not shards of one campaign",
             dir.string(), by_shard.begin()->second.string());
    }
    if (auto [it, fresh] = by_shard.emplace(c.shard, dir); !fresh)
      fail("shard {}/{} given twice: {} and {}", c.shard, n, it->second.string(), dir.string());
  }
  for (int i = 1; i <= n; ++i)
    if (!by_shard.count(i)) fail("shard {}/{} is missing (given: {})", i, n, by_shard.size());

  if (fs::exists(out / "run.json") || fs::exists(out / "results.jsonl")) {
    if (!overwrite) fail("{}: already holds a run (use --overwrite to replace it)", out.string());
    std::error_code ec;
    for (const char* f : {"run.json", "results.jsonl", "summary.md", "junit.xml", "baseline.md"}) fs::remove(out / f, ec);
  }
  fs::create_directories(out / "cases");

  // Rows: each shard's file is in index order already; a merge by index gives the unsharded order.
  std::vector<Line> lines;
  for (const auto& [i, dir] : by_shard) {
    uint64_t shard_cases = 0, last = UINT64_MAX;
    uint64_t torn = UINT64_MAX;
    scan_results(dir / "results.jsonl", [&](const ResultRow& r, uint64_t) {
      if (r.index % uint64_t(n) != uint64_t(i - 1))
        fail("{}: row for case {} does not belong to shard {}/{}", dir.string(), r.case_id, i, n);
      if (r.index != last) ++shard_cases, last = r.index;
      lines.push_back({r.index, row_to_line(r)});
    }, &torn);
    if (torn != UINT64_MAX) res.incomplete.push_back(fmt::format("shard {}/{}: torn last row dropped", i, n));
    if (res.config.cases) {
      const uint64_t total = *res.config.cases;
      const uint64_t expected = total > uint64_t(i - 1) ? (total - uint64_t(i - 1) + uint64_t(n) - 1) / uint64_t(n) : 0;
      if (shard_cases < expected)
        res.incomplete.push_back(fmt::format("shard {}/{} ({}): {} of {} cases", i, n, dir.string(), shard_cases, expected));
    }
    // Case files keep their names (they are named by case id, unique across shards).
    std::error_code ec;
    if (fs::is_directory(dir / "cases", ec))
      for (const auto& e : fs::directory_iterator(dir / "cases"))
        if (e.is_regular_file()) fs::copy_file(e.path(), out / "cases" / e.path().filename(), fs::copy_options::overwrite_existing);
  }
  std::stable_sort(lines.begin(), lines.end(), [](const Line& a, const Line& b) { return a.index < b.index; });
  std::string text;
  uint64_t last = UINT64_MAX;
  for (const Line& l : lines) {
    text += l.text;
    text += '\n';
    if (l.index != last) ++res.cases, last = l.index;
  }
  res.rows = lines.size();

  json merged = first;
  merged["shard"] = {1, 1};
  json from = json::array();
  for (const auto& [i, dir] : by_shard) from.push_back(fs::absolute(dir).lexically_normal().string());
  merged["merged_from"] = from;
  res.config.shard = res.config.shards = 1;
  write_file_atomically(out / "run.json", merged.dump(2) + "\n");
  write_file_atomically(out / "results.jsonl", text);
  return res;
}

}  // namespace parity
