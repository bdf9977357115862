// The ready-made CI definitions in ci/ must be valid and call only what exists: the GitHub Actions YAML is
// parsed with a real YAML parser (python3-yaml, installed by scripts/setup.sh), every `run:` step's repository
// scripts exist and are executable, every `parity SUB --flag` names a real subcommand and flag, and every
// ci/nightly.sh flag it passes is one the script documents. ci/nightly.sh itself must parse (bash -n).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "harness/test/subprocess.h"

namespace {
namespace fs = std::filesystem;
using nlohmann::json;
using namespace parity::testing;

const fs::path kRoot = PARITY_SOURCE_DIR;

class CiFilesTest : public ParityProcessTest {
 protected:
  CiFilesTest() : ParityProcessTest("parity_test_ci_") {}

  // The workflow as JSON, through python3's YAML parser; skips when python3-yaml is absent.
  json workflow() {
    if (!on_path("python3")) return nullptr;
    write_text(dir_ / "to_json.py",
               "import json, sys\n"
               "try:\n    import yaml\nexcept ImportError:\n    sys.exit(3)\n"
               "doc = yaml.safe_load(open(sys.argv[1]))\n"
               "doc = {('on' if k is True else str(k)): v for k, v in doc.items()}  # YAML 1.1 reads `on` as true\n"
               "print(json.dumps(doc))\n");
    const Proc p = run_process({"python3", (dir_ / "to_json.py").string(), (kRoot / "ci/github/nightly.yml").string()},
                               dir_ / "o.txt", dir_ / "e.txt", {}, true);
    if (p.code == 3) return nullptr;
    EXPECT_EQ(p.code, 0) << "ci/github/nightly.yml is not valid YAML: " << p.err;
    return p.code == 0 ? json::parse(p.out) : nullptr;
  }

  std::string help_of(const std::vector<std::string>& argv) {
    const Proc p = run_process(argv, dir_ / "h.txt", dir_ / "he.txt");
    EXPECT_EQ(p.code, 0) << argv[0] << " --help failed: " << p.err;
    return p.out + p.err;
  }
};

// Every shell word of the workflow's run steps, per line.
std::vector<std::vector<std::string>> run_lines(const json& wf) {
  std::vector<std::vector<std::string>> out;
  for (const auto& [name, job] : wf["jobs"].items())
    for (const json& step : job["steps"])
      if (step.contains("run")) {
        std::stringstream in(step["run"].get<std::string>());
        for (std::string line; std::getline(in, line);) {
          std::stringstream words(line);
          std::vector<std::string> w;
          for (std::string x; words >> x;) w.push_back(x);
          if (!w.empty()) out.push_back(w);
        }
      }
  return out;
}

TEST_F(CiFilesTest, NightlyScriptParses) {
  const Proc p = run_process({"bash", "-n", (kRoot / "ci/nightly.sh").string()}, dir_ / "o.txt", dir_ / "e.txt", {}, true);
  EXPECT_EQ(p.code, 0) << p.err;
  EXPECT_EQ(fs::status(kRoot / "ci/nightly.sh").permissions() & fs::perms::owner_exec, fs::perms::owner_exec);
}

TEST_F(CiFilesTest, WorkflowIsValidAndShaped) {
  const json wf = workflow();
  if (wf.is_null()) GTEST_SKIP() << "python3 with the yaml module is not installed (scripts/setup.sh installs python3-yaml)";
  ASSERT_TRUE(wf.contains("jobs"));
  for (const char* job : {"shard", "merge", "gpu"}) EXPECT_TRUE(wf["jobs"].contains(job)) << job;
  const json& shards = wf["jobs"]["shard"]["strategy"]["matrix"]["shard"];
  ASSERT_TRUE(shards.is_array());
  EXPECT_EQ(std::to_string(shards.size()), wf["env"]["SHARDS"].get<std::string>()) << "matrix and SHARDS disagree";
  EXPECT_EQ(wf["jobs"]["merge"]["needs"], "shard");
  EXPECT_NE(wf["jobs"]["gpu"]["runs-on"].dump().find("gpu"), std::string::npos);
  EXPECT_TRUE(wf.contains("on") && wf["on"].contains("schedule"));
}

TEST_F(CiFilesTest, WorkflowCallsOnlyWhatExists) {
  const json wf = workflow();
  if (wf.is_null()) GTEST_SKIP() << "python3 with the yaml module is not installed (scripts/setup.sh installs python3-yaml)";
  const std::string nightly_help = help_of({(kRoot / "ci/nightly.sh").string(), "--help"});
  const std::regex flag("^--[a-z][a-z0-9-]*");
  int parity_calls = 0, scripts = 0;
  for (const std::vector<std::string>& w : run_lines(wf)) {
    for (size_t i = 0; i < w.size(); ++i) {
      const std::string& word = w[i];
      if (word.rfind("scripts/", 0) == 0 || word.rfind("ci/", 0) == 0) {
        ++scripts;
        const fs::path f = kRoot / word;
        EXPECT_TRUE(fs::is_regular_file(f)) << word << " does not exist";
        EXPECT_EQ(fs::status(f).permissions() & fs::perms::owner_exec, fs::perms::owner_exec) << word << " is not executable";
        if (word == "ci/nightly.sh")
          for (size_t k = i + 1; k < w.size(); ++k)
            if (std::regex_search(w[k], flag))
              EXPECT_NE(nightly_help.find(w[k]), std::string::npos) << "ci/nightly.sh has no flag " << w[k];
      }
      if (word == "build/parity") {
        ++parity_calls;
        ASSERT_LT(i + 1, w.size());
        const std::string help = help_of({parity_bin().string(), w[i + 1], "--help"});
        for (size_t k = i + 2; k < w.size() && w[k] != "|" && w[k] != "&&"; ++k)
          if (std::regex_search(w[k], flag))
            EXPECT_NE(help.find(w[k]), std::string::npos) << "parity " << w[i + 1] << " has no flag " << w[k];
      }
    }
  }
  EXPECT_GE(parity_calls, 2);
  EXPECT_GE(scripts, 3);
}

}  // namespace
