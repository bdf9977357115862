// The nightly building blocks as CI meets them, through the parity binary: `parity merge` of shards (equal to
// the unsharded run, missing / duplicated / foreign shards refused), baselines (`parity baseline update`,
// `check`, `run --baseline`: KNOWN, NEW, FIXED and the exit codes), and --time durations.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "harness/test/patched_tfjs.h"
#include "harness/test/subprocess.h"
#include "harness/test/tfjs_available.h"

namespace {
namespace fs = std::filesystem;
using nlohmann::json;
using namespace parity::testing;

std::vector<json> rows_without_time(const fs::path& d) {
  std::vector<json> out;
  std::stringstream in(slurp(d / "results.jsonl"));
  for (std::string l; std::getline(in, l);) {
    json j = json::parse(l);
    j.erase("time");
    out.push_back(j);
  }
  return out;
}

std::map<std::string, std::string> case_files(const fs::path& d) {
  std::map<std::string, std::string> out;
  if (fs::exists(d / "cases"))
    for (const auto& e : fs::directory_iterator(d / "cases")) out[e.path().filename().string()] = slurp(e.path());
  return out;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class NightlyTest : public ParityProcessTest {
 protected:
  NightlyTest() : ParityProcessTest("parity_test_nightly_") {}
  std::string p(const std::string& name) const { return (dir_ / name).string(); }
  // cpu32 diverges on many cases with the budgets scaled down: a run with failing rows and case files.
  std::vector<std::string> failing(const std::string& out, const std::string& shard = "1/1") const {
    return {"run", "--seed", "5", "--cases", "24", "--budget-scale", "1e-4", "--shrink-attempts", "10",
            "--out", out, "--shard", shard, "-j", "2"};
  }
};

TEST_F(NightlyTest, MergedShardsEqualTheUnshardedRunRowForRow) {
  ASSERT_EQ(run(failing(p("all"))).code, 1);
  std::vector<std::string> shards;
  for (const char* s : {"1/4", "2/4", "3/4", "4/4"}) {
    shards.push_back(p(std::string("shard") + s[0]));
    ASSERT_LE(run(failing(shards.back(), s)).code, 1);
  }
  std::vector<std::string> args = {"merge"};
  // Any order: the merge sorts by case index.
  for (auto it = shards.rbegin(); it != shards.rend(); ++it) args.push_back(*it);
  args.insert(args.end(), {"--out", p("merged")});
  const Proc m = run(args);
  EXPECT_EQ(m.code, 1) << m.err;  // the rows hold DIVERGED cases
  EXPECT_EQ(rows_without_time(dir_ / "merged"), rows_without_time(dir_ / "all"));
  EXPECT_EQ(case_files(dir_ / "merged"), case_files(dir_ / "all"));
  EXPECT_EQ(slurp(dir_ / "merged" / "summary.md").empty(), false);
  EXPECT_EQ(count(slurp(dir_ / "merged" / "junit.xml"), "<failure "), count(slurp(dir_ / "all" / "junit.xml"), "<failure "));
  EXPECT_EQ(json::parse(slurp(dir_ / "merged" / "run.json"))["shard"], json({1, 1}));
  // The merged run's totals line equals the unsharded run's.
  const std::string all_out = run(failing(p("again"))).out;
  EXPECT_EQ(m.out.substr(m.out.rfind("24 cases")), all_out.substr(all_out.rfind("24 cases")));
}

TEST_F(NightlyTest, MergeRefusesMissingDuplicatedAndForeignShards) {
  for (const char* s : {"1/3", "2/3", "3/3"}) ASSERT_LE(run(failing(p(std::string("s") + s[0]), s)).code, 1);
  ASSERT_LE(run({"run", "--seed", "6", "--cases", "24", "--out", p("other"), "--shard", "3/3"}).code, 1);

  Proc r = run({"merge", p("s1"), p("s2"), "--out", p("m1")});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("shard 3/3 is missing"), std::string::npos) << r.err;

  r = run({"merge", p("s1"), p("s2"), p("s3"), p("s2"), "--out", p("m2")});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("shard 2/3 given twice"), std::string::npos) << r.err;

  r = run({"merge", p("s1"), p("s2"), p("other"), "--out", p("m3")});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("configuration differs"), std::string::npos) << r.err;

  r = run({"merge", p("s1"), p("nowhere"), "--out", p("m4")});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("nowhere: no run.json"), std::string::npos) << r.err;
}

TEST_F(NightlyTest, BaselineMakesKnownRowsPassAndNewRowsFail) {
  ASSERT_EQ(run(failing(p("run"))).code, 1);
  const std::string b = p("baseline.json");
  Proc r = run({"baseline", "update", "--create", b, p("run")});
  ASSERT_EQ(r.code, 0) << r.err;
  json base = json::parse(slurp(b));
  ASSERT_GE(base["entries"].size(), 2u);
  for (const json& e : base["entries"]) {
    EXPECT_EQ(e["executor"], "cpu32");
    EXPECT_EQ(e["reason"].get<std::string>().rfind("TODO: explain", 0), 0u);
  }

  // Every failing row is now KNOWN: exit 0, and junit.xml skips them instead of failing.
  r = run({"baseline", "check", b, p("run")});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("NEW 0, KNOWN "), std::string::npos) << r.out;
  EXPECT_EQ(count(slurp(dir_ / "run" / "junit.xml"), "<failure "), 0u);
  EXPECT_GE(count(slurp(dir_ / "run" / "junit.xml"), "KNOWN DIVERGED"), 2u);
  EXPECT_NE(slurp(dir_ / "run" / "baseline.md").find("## NEW (not in the baseline)\n\nNone."), std::string::npos);

  // The same campaign through `parity run --baseline`: exit 0 although rows diverge.
  r = run([&] { auto a = failing(p("run2")); a.insert(a.end(), {"--baseline", b}); return a; }());
  EXPECT_EQ(r.code, 0) << r.out << r.err;

  // Forget one entry: its rows are NEW, named with a repro command, and the exit is 1.
  json fewer = base;
  const json dropped = fewer["entries"][0];
  fewer["entries"].erase(0);
  // And know a case-level divergence for a case that passes on cpu32: FIXED.
  std::string passing;
  {
    std::stringstream in(slurp(dir_ / "run" / "results.jsonl"));
    for (std::string l; std::getline(in, l) && passing.empty();) {
      const json row = json::parse(l);
      if (row["executor"] == "cpu32" && row["disposition"] == "PASSED") passing = row["case"];
    }
  }
  ASSERT_FALSE(passing.empty());
  fewer["entries"].push_back({{"executor", "cpu32"}, {"disposition", "DIVERGED"}, {"case", passing},
                              {"reason", "diverged before a fix"}});
  write_text(dir_ / "fewer.json", fewer.dump(2));
  r = run({"baseline", "check", p("fewer.json"), p("run")});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("NEW DIVERGED "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("repro: parity replay "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FIXED DIVERGED case " + passing), std::string::npos) << r.out;
  EXPECT_GE(count(slurp(dir_ / "run" / "junit.xml"), "<failure "), 1u);

  // update drops the FIXED entry and brings the forgotten one back.
  r = run({"baseline", "update", p("fewer.json"), p("run"), "--out", p("updated.json")});
  ASSERT_EQ(r.code, 0) << r.err;
  const json updated = json::parse(slurp(dir_ / "updated.json"));
  EXPECT_EQ(updated["entries"].size(), base["entries"].size());
  EXPECT_NE(updated.dump().find(dropped["op"].is_string() ? dropped["op"].get<std::string>() : dropped["case"].get<std::string>()),
            std::string::npos);
  EXPECT_EQ(updated.dump().find("diverged before a fix"), std::string::npos);
}

TEST_F(NightlyTest, BadBaselinesExitTwoNamingTheField) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"{", "not valid JSON"},
      {R"({"entries": []})", "not a parity baseline"},
      {R"({"parity_baseline": 1, "entries": [{"executor": "cpu32", "disposition": "DIVERGED"}]})", "entries[0]: missing field 'reason'"},
      {R"({"parity_baseline": 1, "entries": [{"executor": "cpu32", "disposition": "DIVERGED", "reason": "x"}]})", "set 'case', 'op' or 'reason_contains'"},
      {R"({"parity_baseline": 1, "entries": [{"executor": "cpu32", "disposition": "PASSED", "op": "Dense", "reason": "x"}]})", "disposition must be"},
      {R"({"parity_baseline": 1, "entries": [{"executor": "cpu32", "disposition": "DIVERGED", "op": "Dense", "reason": "x", "colour": 1}]})", "unknown field 'colour'"},
  };
  for (const auto& [text, want] : bad) {
    write_text(dir_ / "b.json", text);
    const Proc r = run({"run", "--cases", "2", "--out", p("r"), "--overwrite", "--baseline", p("b.json")});
    EXPECT_EQ(r.code, 2) << text;
    EXPECT_NE(r.err.find(want), std::string::npos) << text << " -> " << r.err;
    EXPECT_FALSE(fs::exists(dir_ / "r" / "results.jsonl")) << "the baseline is checked before any case runs";
  }
}

// The committed nightly baseline is well-formed, pinned to a TF.js release, and every entry says why.
TEST_F(NightlyTest, CommittedBaselineIsUsable) {
  const std::string file = std::string(PARITY_SOURCE_DIR) + "/cases/baseline/nightly.json";
  const Proc r = run({"run", "--cases", "3", "--out", p("r"), "--baseline", file});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("NEW 0, KNOWN 0, FIXED 0"), std::string::npos) << r.out;
  const json b = json::parse(slurp(file));
  ASSERT_GE(b["entries"].size(), 20u);
  for (const json& e : b["entries"]) {
    EXPECT_EQ(e.value("executor_version", ""), "tfjs-core 4.22.0") << e.dump();
    EXPECT_EQ(e["reason"].get<std::string>().find("TODO"), std::string::npos) << e.dump();
  }
}

TEST_F(NightlyTest, TimeTakesDurations) {
  Proc r = run({"run", "--cases", "3", "--time", "1h30m", "--out", p("t")});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(json::parse(slurp(dir_ / "t" / "run.json"))["time_limit"], 5400.0);
  for (const char* bad : {"5x", "-3m", "1h30", "nan", "0"}) {
    r = run({"run", "--cases", "3", "--time", bad, "--out", p("u")});
    EXPECT_EQ(r.code, 2) << bad;
    EXPECT_NE(r.err.find("--time"), std::string::npos) << r.err;
  }
}

// The Done-when of the nightly: ci/nightly.sh on a small budget produces merged JUnit, summary and coverage,
// exits 0 against a baseline listing the current known outcomes, and exits 1 with a NEW row once the TF.js
// under test has a deliberately wrong kernel (Relu off by 1%, through --tfjs-dir).
TEST_F(NightlyTest, NightlyScriptFailsOnlyOnSomethingNew) {
  if (std::string why = why_no_tfjs(); !why.empty()) GTEST_SKIP() << why;
  const fs::path patched = dir_ / "patched";
  ASSERT_EQ(make_patched_tfjs(patched, "Relu", "Math.max(0, xi) * 1.01"), "");
  write_text(dir_ / "empty.json", R"({"parity_baseline": 1, "entries": []})");
  auto nightly = [&](const std::string& out, const std::string& baseline, std::vector<std::string> extra) {
    std::vector<std::string> argv = {std::string(PARITY_SOURCE_DIR) + "/ci/nightly.sh", "--out", p(out), "--cases", "40",
                                     "--shards", "2", "--executors", "ref64,tfjs-cpu", "--jobs", "2", "--baseline", baseline};
    argv.insert(argv.end(), extra.begin(), extra.end());
    // A focused nightly: ops where relu is common, so 40 cases surely run the patched kernel.
    argv.insert(argv.end(), {"--", "--ops", "Dense,ReLU,Activation,Conv2D,Add,Flatten,tf.nn.relu,tf.math.add"});
    return run_process(argv, dir_ / (out + ".out"), dir_ / (out + ".err"));
  };

  Proc a = nightly("a", p("empty.json"), {});
  ASSERT_LE(a.code, 1) << a.err;
  for (const char* f : {"merged/junit.xml", "merged/summary.md", "merged/baseline.md", "coverage/coverage.json", "coverage/coverage.md"})
    EXPECT_TRUE(fs::exists(dir_ / "a" / f)) << f << "\n" << a.err;
  ASSERT_EQ(run({"baseline", "update", "--create", p("known.json"), p("a/merged")}).code, 0);

  Proc b = nightly("b", p("known.json"), {"--no-coverage"});
  EXPECT_EQ(b.code, 0) << b.err;
  EXPECT_NE(b.err.find("NEW 0, "), std::string::npos) << b.err;

  Proc c = nightly("c", p("known.json"), {"--no-coverage", "--tfjs-dir", patched.string()});
  EXPECT_EQ(c.code, 1) << c.err;
  EXPECT_NE(c.err.find("NEW DIVERGED "), std::string::npos) << c.err;
  EXPECT_NE(slurp(dir_ / "c" / "merged" / "junit.xml").find("<failure "), std::string::npos);
}

}  // namespace
