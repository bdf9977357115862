// Baselines of known outcomes and the KNOWN / NEW / FIXED classification of a run (baseline.h).
#include "harness/nightly/baseline.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <tuple>

#include "harness/core/error.h"

namespace parity {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

bool non_passing(Disposition d) {
  return d == Disposition::Unsupported || d == Disposition::Errored || d == Disposition::Diverged;
}

std::string str_field(const json& e, const char* key, const std::string& where, bool required) {
  if (!e.contains(key)) {
    if (required) fail("{}: missing field '{}'", where, key);
    return {};
  }
  if (!e.at(key).is_string()) fail("{}: field '{}' must be a string", where, key);
  return e.at(key).get<std::string>();
}

const char* const kKeys[] = {"executor", "disposition", "case",   "graph_hash", "op",
                             "executor_version", "reason_contains", "reason", "upstream"};

// The key an entry is sorted and de-duplicated by.
auto entry_key(const BaselineEntry& e) {
  return std::tie(e.executor, e.op, e.case_id, e.disposition, e.executor_version, e.reason_contains, e.graph_hash);
}

// Reads the op of node `node` from a case file's graph, without the catalog (the file is parity's own).
std::string op_in_case_file(const fs::path& file, const std::string& node) {
  std::ifstream in(file);
  if (!in) return {};
  const json j = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("graph") || !j["graph"].contains("nodes") || !j["graph"]["nodes"].is_array())
    return {};
  for (const json& n : j["graph"]["nodes"])
    if (n.is_object() && n.value("name", std::string()) == node) return n.value("op", std::string());
  return {};
}

// "tfjs-core 4.22.0" out of a TF.js executor's version line: new entries are pinned to the release they
// were seen with, so a run against another release reports them again (as NEW) instead of hiding changes.
std::string core_version(const std::string& executor_version) {
  const size_t at = executor_version.find("tfjs-core ");
  if (at == std::string::npos) return {};
  const size_t end = executor_version.find_first_of(",;", at);
  return executor_version.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

std::string repro_of(const ResultRow& r, const fs::path& dir) {
  const std::string& f = r.min_case_file.empty() ? r.case_file : r.min_case_file;
  return f.empty() ? std::string() : "parity replay " + (dir / f).string();
}

}  // namespace

Baseline baseline_from_json(const json& j, const std::string& where) {
  if (!j.is_object() || j.value("parity_baseline", 0) != kBaselineFormatVersion)
    fail("{}: not a parity baseline (expected {{\"parity_baseline\": {}, \"entries\": [...]}})", where,
         kBaselineFormatVersion);
  if (!j.contains("entries") || !j["entries"].is_array()) fail("{}: field 'entries' must be a list", where);
  Baseline b;
  size_t i = 0;
  for (const json& e : j["entries"]) {
    const std::string at = fmt::format("{}: entries[{}]", where, i++);
    if (!e.is_object()) fail("{}: must be an object", at);
    for (const auto& [k, v] : e.items())
      if (std::find(std::begin(kKeys), std::end(kKeys), k) == std::end(kKeys)) fail("{}: unknown field '{}'", at, k);
    BaselineEntry x;
    x.executor = str_field(e, "executor", at, true);
    x.disposition = with_context(at + ": disposition: ", [&] { return disposition_from_name(str_field(e, "disposition", at, true)); });
    if (!non_passing(x.disposition))
      fail("{}: disposition must be UNSUPPORTED, ERRORED or DIVERGED (the outcomes a run can fail on)", at);
    x.case_id = str_field(e, "case", at, false);
    x.graph_hash = str_field(e, "graph_hash", at, false);
    x.op = str_field(e, "op", at, false);
    x.executor_version = str_field(e, "executor_version", at, false);
    x.reason_contains = str_field(e, "reason_contains", at, false);
    x.reason = str_field(e, "reason", at, true);
    x.upstream = str_field(e, "upstream", at, false);
    if (x.case_id.empty() && x.op.empty() && x.reason_contains.empty())
      fail("{}: set 'case', 'op' or 'reason_contains' (an entry must not match every row)", at);
    if (!x.graph_hash.empty() && x.case_id.empty()) fail("{}: 'graph_hash' needs 'case'", at);
    b.entries.push_back(std::move(x));
  }
  return b;
}

Baseline load_baseline(const fs::path& file) {
  std::ifstream in(file);
  if (!in) fail("{}: cannot open baseline", file.string());
  json j;
  try {
    j = json::parse(in);
  } catch (const json::exception& e) {
    fail("{}: not valid JSON: {}", file.string(), e.what());
  }
  return baseline_from_json(j, file.string());
}

json baseline_to_json(const Baseline& b) {
  std::vector<BaselineEntry> es = b.entries;
  std::stable_sort(es.begin(), es.end(), [](const auto& x, const auto& y) { return entry_key(x) < entry_key(y); });
  json entries = json::array();
  for (const BaselineEntry& e : es) {
    json o = json::object();  // nlohmann orders keys alphabetically: stable diffs
    o["executor"] = e.executor;
    o["disposition"] = disposition_name(e.disposition);
    auto put = [&](const char* k, const std::string& v) { if (!v.empty()) o[k] = v; };
    put("case", e.case_id);
    put("graph_hash", e.graph_hash);
    put("op", e.op);
    put("executor_version", e.executor_version);
    put("reason_contains", e.reason_contains);
    o["reason"] = e.reason;
    put("upstream", e.upstream);
    entries.push_back(std::move(o));
  }
  return {{"parity_baseline", kBaselineFormatVersion}, {"entries", entries}};
}

std::string blamed_op(const ResultRow& r, const fs::path& run_dir) {
  if (r.disposition == Disposition::Unsupported) {
    // "op 'X' (node 'n'): why" from the catalog check, "X: message" from the executor's own rejection.
    if (r.reason.rfind("op '", 0) == 0) {
      const size_t end = r.reason.find('\'', 4);
      return end == std::string::npos ? std::string() : r.reason.substr(4, end - 4);
    }
    // The executor's own name may not be a catalog op: a wrapped layer ("GRU" inside Bidirectional), a
    // kernel ("batchNormalization"), an activation ("activation:silu"). Any name without spaces counts.
    const size_t colon = r.reason.find(": ");  // "activation:silu: Error: ..." names activation:silu
    if (colon == std::string::npos || colon == 0) return {};
    const std::string op = r.reason.substr(0, colon);
    return op.find(' ') == std::string::npos ? op : std::string();
  }
  if (r.disposition == Disposition::Diverged && !r.first_divergent_node.empty() && !r.case_file.empty())
    return op_in_case_file(run_dir / r.case_file, r.first_divergent_node);
  return {};
}

bool entry_matches(const BaselineEntry& e, const ResultRow& r, const std::string& blamed) {
  if (e.executor != r.executor || e.disposition != r.disposition) return false;
  if (!e.case_id.empty() && e.case_id != r.case_id) return false;
  if (!e.graph_hash.empty() && e.graph_hash != r.graph_hash) return false;
  if (!e.op.empty() && e.op != blamed) return false;
  if (!e.executor_version.empty() && r.executor_version.find(e.executor_version) == std::string::npos) return false;
  if (!e.reason_contains.empty() && r.reason.find(e.reason_contains) == std::string::npos) return false;
  return true;
}

std::string known_reason(const Baseline& b, const ResultRow& r, const fs::path& run_dir) {
  if (!non_passing(r.disposition)) return {};
  const std::string blamed = blamed_op(r, run_dir);
  for (const BaselineEntry& e : b.entries)
    if (entry_matches(e, r, blamed)) return e.reason;
  return {};
}

Classification classify_run(const Baseline& b, const fs::path& run_dir) {
  Classification c;
  std::vector<bool> matched(b.entries.size()), exercised(b.entries.size());
  scan_results(run_dir / "results.jsonl", [&](const ResultRow& r, uint64_t) {
    if (!non_passing(r.disposition)) {
      // Only a case-level entry can be seen fixed: its very case ran and passed. An op-level outcome
      // depends on attributes and values (ReLU diverges only with a threshold), so an op passing in some
      // case says nothing about it.
      if (r.disposition == Disposition::Skipped) return;
      for (size_t i = 0; i < b.entries.size(); ++i) {
        const BaselineEntry& e = b.entries[i];
        if (e.executor != r.executor || e.case_id != r.case_id || e.case_id.empty()) continue;
        if (!e.executor_version.empty() && r.executor_version.find(e.executor_version) == std::string::npos) continue;
        if (e.graph_hash.empty() || e.graph_hash == r.graph_hash) exercised[i] = true;
      }
      return;
    }
    const std::string blamed = blamed_op(r, run_dir);
    ClassifiedRow row{r.case_id, r.executor, r.reason, repro_of(r, run_dir), r.disposition, -1};
    for (size_t i = 0; i < b.entries.size() && row.entry < 0; ++i)
      if (entry_matches(b.entries[i], r, blamed)) row.entry = static_cast<int>(i);
    if (row.entry >= 0) {
      matched[static_cast<size_t>(row.entry)] = true;
      c.known.push_back(std::move(row));
    } else {
      c.fresh.push_back(std::move(row));
    }
  });
  for (size_t i = 0; i < b.entries.size(); ++i) {
    if (matched[i]) continue;
    (exercised[i] ? c.fixed : c.unseen).push_back(static_cast<int>(i));
  }
  return c;
}

std::string classification_line(const Classification& c, const Baseline& b, const std::string& label) {
  return fmt::format("NEW {}, KNOWN {}, FIXED {} (baseline {}: {} entries, {} not seen in this run)", c.fresh.size(),
                     c.known.size(), c.fixed.size(), label, b.entries.size(), c.unseen.size());
}

std::string render_classification_md(const Classification& c, const Baseline& b, const std::string& label) {
  auto cell = [](std::string s) {
    for (char& ch : s)
      if (ch == '|' || ch == '\n') ch = ' ';
    return s;
  };
  std::string md = fmt::format("# Against the baseline\n\n{}\n\n", classification_line(c, b, label));
  md += "## NEW (not in the baseline)\n\n";
  if (c.fresh.empty()) md += "None.\n\n";
  else {
    md += "| case | executor | disposition | reason | repro |\n|---|---|---|---|---|\n";
    for (const ClassifiedRow& r : c.fresh)
      md += fmt::format("| {} | {} | {} | {} | `{}` |\n", r.case_id, r.executor, disposition_name(r.disposition),
                        cell(r.reason), r.repro);
    md += "\n";
  }
  md += "## FIXED (known, now passing)\n\n";
  if (c.fixed.empty()) md += "None.\n\n";
  for (int i : c.fixed) {
    const BaselineEntry& e = b.entries[static_cast<size_t>(i)];
    md += fmt::format("- {} {} {}: {}\n", e.executor, e.case_id.empty() ? "op " + e.op : "case " + e.case_id,
                      disposition_name(e.disposition), cell(e.reason));
  }
  md += "\n## KNOWN\n\n";
  std::map<int, size_t> per_entry;
  for (const ClassifiedRow& r : c.known) ++per_entry[r.entry];
  if (per_entry.empty()) md += "None.\n";
  else md += "| rows | executor | matches | disposition | reason | upstream |\n|---|---|---|---|---|---|\n";
  for (const auto& [i, n] : per_entry) {
    const BaselineEntry& e = b.entries[static_cast<size_t>(i)];
    md += fmt::format("| {} | {} | {} | {} | {} | {} |\n", n, e.executor,
                      e.case_id.empty() ? "op " + e.op : "case " + e.case_id, disposition_name(e.disposition),
                      cell(e.reason), e.upstream);
  }
  return md;
}

Baseline update_baseline(const Baseline& old, const std::vector<fs::path>& run_dirs) {
  Baseline out;
  std::set<int> keep;
  std::set<int> fixed_anywhere, matched_anywhere;
  for (const fs::path& dir : run_dirs) {
    const Classification c = classify_run(old, dir);
    for (const ClassifiedRow& r : c.known) matched_anywhere.insert(r.entry);
    for (int i : c.fixed) fixed_anywhere.insert(i);
  }
  // An entry stays unless some run showed it fixed and none still matched it; unexercised entries stay
  // (another shard or TF.js version may still need them).
  for (size_t i = 0; i < old.entries.size(); ++i)
    if (matched_anywhere.count(int(i)) || !fixed_anywhere.count(int(i))) out.entries.push_back(old.entries[i]);
  // New entries: one per (executor, disposition, op) when the row blames an op, else one per case.
  std::set<std::tuple<std::string, Disposition, std::string, std::string>> added;
  for (const fs::path& dir : run_dirs) {
    scan_results(dir / "results.jsonl", [&](const ResultRow& r, uint64_t) {
      if (!non_passing(r.disposition)) return;
      const std::string blamed = blamed_op(r, dir);
      for (const BaselineEntry& e : out.entries)
        if (entry_matches(e, r, blamed)) return;
      BaselineEntry e;
      e.executor = r.executor;
      e.disposition = r.disposition;
      if (!blamed.empty()) e.op = blamed;
      else e.case_id = r.case_id, e.graph_hash = r.graph_hash;
      e.executor_version = core_version(r.executor_version);
      e.reason = "TODO: explain (" + r.reason.substr(0, 200) + ")";
      if (added.insert({e.executor, e.disposition, e.op, e.case_id}).second) out.entries.push_back(std::move(e));
    });
  }
  return out;
}

}  // namespace parity
