// `parity bisect` (harness/nightly/bisect.h): the search over a fake version list with skips and its probe
// count, version order and listing through a fake npm, the endpoint checks and --expect on fake executors,
// and the `git bisect run parity replay` recipe on throwaway repositories. Nothing here touches the network
// except BisectNetwork.*, which skips when the registry cannot be reached.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <set>

#include "harness/nightly/bisect.h"
#include "harness/test/expect_error.h"
#include "harness/test/fault_executor.h"
#include "harness/test/patched_tfjs.h"
#include "harness/test/subprocess.h"
#include "harness/test/tfjs_available.h"
#include "oracles/ref/ref_executor.h"

namespace parity {
namespace {

using testing::Fault;
using testing::FaultExecutor;
using testing::FaultKind;

std::vector<std::string> fake_versions(int n) {
  std::vector<std::string> v;
  for (int i = 0; i < n; ++i) v.push_back(fmt::format("{}.{}.0", 3 + i / 25, i % 25));
  return v;
}

// ---- the search --------------------------------------------------------------------------------------------

TEST(BisectSearch, FindsEveryFirstBadWithinCeilLog2Probes) {
  for (int n : {2, 3, 4, 5, 8, 17, 45, 100}) {
    const auto versions = fake_versions(n);
    int worst = 0;
    for (int k = 1; k < n; ++k) {  // versions[k] is the first bad one
      std::set<size_t> probed;
      const SearchResult r = bisect_search(versions, [&](size_t i) {
        EXPECT_TRUE(i > 0 && i < versions.size() - 1) << "endpoints are never probed";
        EXPECT_TRUE(probed.insert(i).second) << "probed twice: " << i;
        return static_cast<int>(i) >= k ? ProbeVerdict::Bad : ProbeVerdict::Good;
      });
      ASSERT_TRUE(r.decided);
      EXPECT_EQ(r.first_bad, static_cast<size_t>(k));
      EXPECT_EQ(r.last_good, static_cast<size_t>(k - 1));
      EXPECT_LE(static_cast<int>(r.steps.size()), ceil_log2(n - 1)) << "n=" << n << " k=" << k;
      worst = std::max(worst, static_cast<int>(r.steps.size()));
    }
    EXPECT_EQ(worst, ceil_log2(n - 1)) << "n=" << n << ": the bound is also reached (a real bisection)";
  }
}

TEST(BisectSearch, SkippedVersionsCostOneProbeEachAndNeighboursAreProbed) {
  // 45 versions (44 candidates: ceil(log2 44) = 6 probes). Unpublished/broken ones answer Skip.
  const auto versions = fake_versions(45);
  const std::set<size_t> broken = {11, 22, 23, 30};
  for (int k = 1; k < 45; ++k) {
    int skips = 0;
    const SearchResult r = bisect_search(versions, [&](size_t i) {
      if (broken.count(i)) return ++skips, ProbeVerdict::Skip;
      return static_cast<int>(i) >= k ? ProbeVerdict::Bad : ProbeVerdict::Good;
    });
    EXPECT_EQ(r.skips(), skips);
    EXPECT_LE(static_cast<int>(r.steps.size()), ceil_log2(44) + skips) << "k=" << k;
    if (!broken.count(k) && !broken.count(k - 1)) {
      ASSERT_TRUE(r.decided) << "k=" << k;
      EXPECT_EQ(r.first_bad, static_cast<size_t>(k));
    } else {
      // The first bad version is k, or hidden behind broken neighbours: the answer lists them all.
      EXPECT_NE(std::find(r.candidates.begin(), r.candidates.end(), static_cast<size_t>(k)), r.candidates.end());
      for (size_t c : r.candidates) EXPECT_TRUE(broken.count(c) || c == r.first_bad);
      if (!broken.count(k)) {
        EXPECT_EQ(r.first_bad, static_cast<size_t>(k));
      }
    }
  }
  // The first probe is the midpoint (22), skipped: the next is its neighbour (21 or 23 -> 23 is broken too).
  std::vector<size_t> order;
  bisect_search(versions, [&](size_t i) {
    order.push_back(i);
    return broken.count(i) ? ProbeVerdict::Skip : i >= 40 ? ProbeVerdict::Bad : ProbeVerdict::Good;
  });
  ASSERT_GE(order.size(), 2u);
  EXPECT_EQ(order[0], 22u);
  EXPECT_EQ(order[1], 21u);
}

TEST(BisectSearch, AllSkippedBetweenIsUndecided) {
  const auto versions = fake_versions(5);
  const SearchResult r = bisect_search(versions, [](size_t) { return ProbeVerdict::Skip; });
  EXPECT_FALSE(r.decided);
  EXPECT_EQ(r.candidates, (std::vector<size_t>{1, 2, 3, 4}));
  EXPECT_EQ(r.steps.size(), 3u);
  EXPECT_EQ(ceil_log2(1), 0);
  EXPECT_EQ(ceil_log2(44), 6);
  EXPECT_EQ(ceil_log2(64), 6);
  EXPECT_EQ(ceil_log2(65), 7);
}

// ---- versions ------------------------------------------------------------------------------------------------

TEST(BisectVersions, SemverOrder) {
  EXPECT_LT(compare_versions("3.9.0", "3.10.0"), 0);
  EXPECT_LT(compare_versions("4.23.0-rc.0", "4.23.0"), 0);
  EXPECT_GT(compare_versions("4.23.0-rc.0", "4.22.0"), 0);
  EXPECT_LT(compare_versions("1.0.0-alpha2", "1.0.0-alpha3"), 0);
  EXPECT_LT(compare_versions("2.0.0-rc.4", "2.0.0-rc.10"), 0);
  EXPECT_EQ(compare_versions("4.22.0", "4.22.0"), 0);
}

TEST(BisectVersions, StableReleasesBetweenTheEndpoints) {
  const std::vector<std::string> pub = {"2.8.6", "3.0.0-rc.1", "3.0.0", "3.10.0", "3.9.0", "4.0.0", "4.1.0-rc.0", "4.1.0", "4.2.0"};
  EXPECT_EQ(versions_between(pub, "3.0.0", "4.1.0", false), (std::vector<std::string>{"3.0.0", "3.9.0", "3.10.0", "4.0.0", "4.1.0"}));
  EXPECT_EQ(versions_between(pub, "3.0.0", "4.1.0", true),
            (std::vector<std::string>{"3.0.0", "3.9.0", "3.10.0", "4.0.0", "4.1.0-rc.0", "4.1.0"}));
  EXPECT_EQ(versions_between(pub, "3.0.0-rc.1", "3.9.0", false), (std::vector<std::string>{"3.0.0-rc.1", "3.0.0", "3.9.0"}));
  testing::expect_error([&] { versions_between(pub, "3.1.0", "4.1.0", false); }, {"--good 3.1.0: not a published version"});
  testing::expect_error([&] { versions_between(pub, "3.0.0", "9.0.0", false); }, {"--bad 9.0.0: not a published version"});
  testing::expect_error([&] { versions_between(pub, "4.1.0", "3.0.0", false); }, {"must be older than"});
}

TEST(BisectVersions, ListedThroughNpmViewAndFailuresAreClassified) {
  std::vector<std::string> argv_seen;
  std::string reply = "npm warn Unknown user config \"nodedir\".\n[\"3.0.0\", \"3.1.0\", \"4.0.0-rc.0\"]\n";
  int status = 0;
  CommandRunner fake = [&](const std::vector<std::string>& argv, const std::filesystem::path&, double) {
    argv_seen = argv;
    return CommandResult{status, reply};
  };
  EXPECT_EQ(published_versions("@tensorflow/tfjs-core", fake, "/fake/npm"),
            (std::vector<std::string>{"3.0.0", "3.1.0", "4.0.0-rc.0"}));
  ASSERT_GE(argv_seen.size(), 4u);
  EXPECT_EQ(argv_seen[0], "/fake/npm");
  EXPECT_EQ(argv_seen[1], "view");
  EXPECT_NE(std::find(argv_seen.begin(), argv_seen.end(), "--json"), argv_seen.end());
  EXPECT_NE(std::find(argv_seen.begin(), argv_seen.end(), "@tensorflow/tfjs-core"), argv_seen.end());

  status = 1;
  reply = "npm error code ENOTFOUND\nnpm error request to https://registry.npmjs.org failed";
  try {
    published_versions("@tensorflow/tfjs-core", fake, "/fake/npm");
    ADD_FAILURE() << "no error";
  } catch (const TfjsInstallError& e) {
    EXPECT_EQ(e.kind, TfjsInstallError::Kind::Unreachable);
  }
  status = 0;
  reply = "not json at all";
  testing::expect_error([&] { published_versions("@tensorflow/tfjs-core", fake, "/fake/npm"); }, {"did not print a JSON list"});
}

TEST(BisectExpect, Words) {
  EXPECT_EQ(parse_expect("").dispositions,
            (std::vector<Disposition>{Disposition::Diverged, Disposition::Errored, Disposition::Unsupported}));
  EXPECT_EQ(parse_expect("diverged,ERRORED").dispositions, (std::vector<Disposition>{Disposition::Diverged, Disposition::Errored}));
  const BadDefinition d = parse_expect("differs");
  EXPECT_TRUE(d.differs);
  EXPECT_TRUE(d.dispositions.empty());
  testing::expect_error([&] { parse_expect("BROKEN"); }, {"--expect: unknown 'BROKEN'"});
  testing::expect_error([&] { parse_expect("SKIPPED"); }, {"SKIPPED cannot mean bad"});
}

// ---- the whole bisection on fake executors ------------------------------------------------------------------

CaseFile small_case() {
  const Catalog& c = default_catalog();
  CaseFile cf;
  Graph& g = cf.graph;
  const ValueId x = g.add_input(c, "x", {kBatch, 4});
  const ValueId d = g.add(c, "dense", "Dense", {{"units", 3}, {"activation", "tanh"}}, {x});
  g.outputs = {d};
  fill_random_weights(g, c, 7);
  cf.input_seed = 3;
  cf.batch = 2;
  return cf;
}

// cpu32, or cpu32 with a wrong output element: a fake "release" of an executor.
class FakeRelease final : public Executor {
 public:
  explicit FakeRelease(bool broken) : fault_(cpu_, Fault{broken ? FaultKind::WrongElement : FaultKind::None}) {}
  std::string name() const override { return "fake"; }
  DType compute_dtype() const override { return DType::F32; }
  std::optional<std::string> unsupported_reason(const std::string& op) const override { return cpu_.unsupported_reason(op); }
  RunResult run(const Graph& g, const std::vector<Tensor<double>>& in, const RunOptions& o) override { return fault_.run(g, in, o); }

 private:
  Cpu32Executor cpu_{default_catalog(), default_kernels()};
  FaultExecutor fault_;
};

struct FakeReleases {
  std::string first_broken;
  std::set<std::string> unpublished;
  std::vector<std::string> made;
  std::unique_ptr<Executor> operator()(const std::string& v) {
    made.push_back(v);
    if (unpublished.count(v)) throw TfjsInstallError(TfjsInstallError::Kind::NotPublished, "TF.js " + v + " is not published");
    return std::make_unique<FakeRelease>(compare_versions(v, first_broken) >= 0);
  }
};

TEST(BisectVersionsRun, NamesTheFirstBadReleaseWithOutputsAndSkips) {
  auto fake = std::make_shared<FakeReleases>();
  fake->first_broken = "3.17.0";
  fake->unpublished = {"3.11.0", "3.12.0"};
  VersionProbeOptions po;
  po.bad = parse_expect("DIVERGED");
  po.make = [fake](const std::string& v) { return (*fake)(v); };
  VersionProbe probe(small_case(), po);
  const auto versions = fake_versions(25);  // 3.0.0 .. 3.24.0
  std::vector<std::string> log;
  const BisectReport rep = bisect_versions(versions, probe, [&](const std::string& s) { log.push_back(s); });
  ASSERT_EQ(rep.status, BisectReport::Status::Found) << rep.message;
  EXPECT_EQ(rep.first_bad->version, "3.17.0");
  EXPECT_EQ(rep.last_good->version, "3.16.0");
  EXPECT_EQ(rep.first_bad->disposition, Disposition::Diverged);
  EXPECT_EQ(rep.last_good->disposition, Disposition::Passed);
  ASSERT_EQ(rep.first_bad->outputs.size(), 1u);
  EXPECT_EQ(rep.first_bad->outputs[0].shape, (Shape{2, 3}));
  EXPECT_EQ(rep.first_bad->outputs[0].head.size(), 6u);
  EXPECT_GT(rep.first_bad->outputs[0].max_abs_err, 0.5);   // the wrong element
  EXPECT_LT(rep.last_good->outputs[0].max_abs_err, 1e-5);  // float32 rounding only
  EXPECT_LE(static_cast<int>(rep.search.steps.size()), ceil_log2(24) + rep.search.skips());
  // Endpoints first, then one line per probe.
  ASSERT_GE(log.size(), 2u);
  EXPECT_NE(log[0].find("check --good 3.0.0: PASSED"), std::string::npos) << log[0];
  EXPECT_NE(log[1].find("check --bad 3.24.0: DIVERGED"), std::string::npos) << log[1];
  EXPECT_EQ(log.size(), 2 + rep.search.steps.size());
  EXPECT_EQ(fake->made.size(), 2 + rep.search.steps.size()) << "one install per probe";
}

TEST(BisectVersionsRun, UnpublishedFirstBadIsUndecided) {
  auto fake = std::make_shared<FakeReleases>();
  fake->first_broken = "3.2.0";
  fake->unpublished = {"3.1.0", "3.2.0"};
  VersionProbeOptions po;
  po.make = [fake](const std::string& v) { return (*fake)(v); };
  VersionProbe probe(small_case(), po);
  const BisectReport rep = bisect_versions(fake_versions(5), probe);
  EXPECT_EQ(rep.status, BisectReport::Status::Undecided);
  EXPECT_NE(rep.message.find("3.1.0, 3.2.0, 3.3.0"), std::string::npos) << rep.message;
}

TEST(BisectVersionsRun, EndpointsAreChecked) {
  auto fake = std::make_shared<FakeReleases>();
  VersionProbeOptions po;
  po.make = [fake](const std::string& v) { return (*fake)(v); };
  fake->first_broken = "3.0.0";  // good is bad already
  {
    VersionProbe probe(small_case(), po);
    const BisectReport rep = bisect_versions(fake_versions(5), probe);
    EXPECT_EQ(rep.status, BisectReport::Status::BadInput);
    EXPECT_NE(rep.message.find("--good 3.0.0 is bad already"), std::string::npos) << rep.message;
  }
  fake->first_broken = "9.0.0";  // bad is good
  {
    VersionProbe probe(small_case(), po);
    const BisectReport rep = bisect_versions(fake_versions(5), probe);
    EXPECT_EQ(rep.status, BisectReport::Status::BadInput);
    EXPECT_NE(rep.message.find("--bad 3.4.0 is good"), std::string::npos) << rep.message;
  }
  fake->unpublished = {"3.0.0"};
  {
    VersionProbe probe(small_case(), po);
    const BisectReport rep = bisect_versions(fake_versions(5), probe);
    EXPECT_EQ(rep.status, BisectReport::Status::BadInput);
    EXPECT_NE(rep.message.find("--good 3.0.0 cannot be checked"), std::string::npos) << rep.message;
  }
}

TEST(BisectVersionsRun, DiffersComparesWithTheGoodVersionsOutputs) {
  // With --expect differs, a release whose outputs move from the good release's is bad even when both
  // pass against ref64: here "broken" releases move one element by 1 + |v| (DIVERGED too), and the test
  // checks the differs judgement itself on the probe outcomes.
  auto fake = std::make_shared<FakeReleases>();
  fake->first_broken = "3.3.0";
  VersionProbeOptions po;
  po.bad = parse_expect("differs");
  po.make = [fake](const std::string& v) { return (*fake)(v); };
  VersionProbe probe(small_case(), po);
  const BisectReport rep = bisect_versions(fake_versions(8), probe);
  ASSERT_EQ(rep.status, BisectReport::Status::Found) << rep.message;
  EXPECT_EQ(rep.first_bad->version, "3.3.0");
  EXPECT_TRUE(rep.first_bad->differs);
  EXPECT_NE(rep.first_bad->differs_why.find("vs the good version's"), std::string::npos) << rep.first_bad->differs_why;
  EXPECT_FALSE(rep.last_good->differs);
}

// ---- across git commits: `git bisect run parity replay` -------------------------------------------------------

using testing::Proc;
using testing::TempDir;

Proc git(const std::filesystem::path& repo, std::vector<std::string> args, const std::filesystem::path& scratch) {
  std::vector<std::string> argv = {"git", "-C", repo.string(), "-c", "user.name=parity", "-c", "user.email=parity@example.com",
                                   "-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null"};
  argv.insert(argv.end(), args.begin(), args.end());
  return testing::run_process(argv, scratch / "git.out", scratch / "git.err", {}, true);
}

std::string commit(const std::filesystem::path& repo, const std::string& msg, const std::filesystem::path& scratch) {
  EXPECT_EQ(git(repo, {"add", "-A"}, scratch).code, 0);
  const Proc c = git(repo, {"commit", "-q", "--allow-empty", "-m", msg}, scratch);
  EXPECT_EQ(c.code, 0) << c.err;
  std::string sha = git(repo, {"rev-parse", "HEAD"}, scratch).out;
  while (!sha.empty() && std::isspace(static_cast<unsigned char>(sha.back()))) sha.pop_back();
  return sha;
}

// Runs `git bisect start BAD GOOD; git bisect run parity ...` and returns what bisect run printed.
std::string bisect_run(const std::filesystem::path& repo, const std::string& bad, const std::string& good,
                       const std::vector<std::string>& parity_args, const std::filesystem::path& scratch) {
  EXPECT_EQ(git(repo, {"bisect", "start", bad, good}, scratch).code, 0);
  // git runs the command in the work tree: the binary's path must not be relative.
  std::vector<std::string> args = {"bisect", "run", std::filesystem::absolute(testing::parity_bin()).string()};
  args.insert(args.end(), parity_args.begin(), parity_args.end());
  const Proc r = git(repo, args, scratch);
  git(repo, {"bisect", "reset"}, scratch);
  return r.out + r.err;
}

TEST(BisectGit, ReplayExitCodesDriveGitBisectRun) {
  if (!testing::on_path("git")) GTEST_SKIP() << "git is not on PATH";
  TempDir tmp("parity-bisect-git-");
  const auto repo = tmp.path / "repo";
  std::filesystem::create_directories(repo);
  ASSERT_EQ(git(repo, {"init", "-q"}, tmp.path).code, 0);
  // The project's history of one regression case: commit 4 records a known divergence of cpu32 that cpu32
  // does not show (replay: 1), commit 2 uses an op this parity does not know (replay: 125, skipped).
  CaseFile cf = small_case();
  std::vector<std::string> shas;
  for (int i = 0; i < 8; ++i) {
    nlohmann::json j = case_to_json(cf);
    if (i == 2) j["graph"]["nodes"][1]["op"] = "NoSuchLayer";
    if (i >= 4) j["expect"] = {{"cpu32", {{"disposition", "DIVERGED"}, {"reason", "believed wrong since commit 4"}}}};
    testing::write_text(repo / "case.json", j.dump(1));
    testing::write_text(repo / "notes.txt", fmt::format("commit {}\n", i));
    shas.push_back(commit(repo, fmt::format("commit {}", i), tmp.path));
  }
  const std::string out = bisect_run(repo, shas[7], shas[0], {"replay", "case.json", "--executors", "ref64,cpu32"}, tmp.path);
  EXPECT_NE(out.find(shas[4] + " is the first bad commit"), std::string::npos) << out;
}

TEST(BisectGit, FirstCommitPatchingAKernelOfALocalTfjsBuild) {
  if (!testing::on_path("git")) GTEST_SKIP() << "git is not on PATH";
  if (std::string why = testing::why_no_tfjs("tfjs-backend-cpu"); !why.empty()) GTEST_SKIP() << why;
  REQUIRE_WORKER();
  // The repository is a local build of @tensorflow/tfjs-backend-cpu inside a --tfjs-dir tree (the other
  // packages are symlinks): commit 5 breaks tanh; the case is a Dense layer with tanh.
  TempDir tmp("parity-bisect-tfjs-");
  ASSERT_EQ(testing::make_tfjs_tree_without_cpu(tmp.path / "tree"), "");
  const auto repo = tmp.path / "tree/node_modules/@tensorflow/tfjs-backend-cpu";
  ASSERT_EQ(testing::copy_cpu_backend(repo), "");
  ASSERT_EQ(git(repo, {"init", "-q"}, tmp.path).code, 0);
  std::vector<std::string> shas;
  for (int i = 0; i < 8; ++i) {
    if (i == 5) {
      ASSERT_EQ(testing::patch_cpu_kernel(repo / "dist/tf-backend-cpu.node.js", "Tanh", "Math.tanh(xi) * 1.01"), "");
    }
    testing::write_text(repo / "CHANGES.txt", fmt::format("change {}\n", i));
    shas.push_back(commit(repo, fmt::format("change {}", i), tmp.path));
  }
  write_case_file(small_case(), tmp.path / "case.json");
  const std::string out = bisect_run(repo, shas[7], shas[0],
                                     {"replay", (tmp.path / "case.json").string(), "--executors", "tfjs-cpu", "--tfjs-dir",
                                      (tmp.path / "tree").string()},
                                     tmp.path);
  EXPECT_NE(out.find(shas[5] + " is the first bad commit"), std::string::npos) << out;
}

// ---- the command line, with a fake npm ---------------------------------------------------------------------

class BisectCli : public testing::ParityProcessTest {
 protected:
  BisectCli() : ParityProcessTest("parity-bisect-cli-") {}
  // PARITY_NPM for the parity subprocess: a script answering `npm view ... versions --json`.
  void fake_npm(const std::string& body) {
    const auto npm = dir_ / "npm";
    testing::write_text(npm, "#!/bin/sh\n" + body + "\n");
    std::filesystem::permissions(npm, std::filesystem::perms::owner_all);
    setenv("PARITY_NPM", npm.c_str(), 1);
  }
  void TearDown() override {
    unsetenv("PARITY_NPM");
    ParityProcessTest::TearDown();
  }
};

TEST_F(BisectCli, HelpAndBadInput) {
  testing::Proc p = run({"bisect", "--help"});
  EXPECT_EQ(p.code, 0);
  EXPECT_NE(p.out.find("--expect"), std::string::npos);
  EXPECT_NE(p.out.find("125"), std::string::npos);
  write_case_file(small_case(), dir_ / "case.json");
  const std::string cf = (dir_ / "case.json").string();
  p = run({"bisect", cf, "--executor", "cpu32", "--good", "3.0.0", "--bad", "4.22.0"});
  EXPECT_EQ(p.code, 2);
  EXPECT_NE(p.err.find("tfjs-cpu or tfjs-wasm"), std::string::npos) << p.err;
  p = run({"bisect", cf, "--good", "3.0.0;rm", "--bad", "4.22.0"});
  EXPECT_EQ(p.code, 2);
  p = run({"bisect", cf, "--good", "3.0.0", "--bad", "4.22.0", "--expect", "WRONG"});
  EXPECT_EQ(p.code, 2);
  EXPECT_NE(p.err.find("--expect: unknown 'WRONG'"), std::string::npos) << p.err;
  p = run({"bisect", (dir_ / "nope.json").string(), "--good", "3.0.0", "--bad", "4.22.0"});
  EXPECT_EQ(p.code, 2);
  EXPECT_NE(p.err.find("nope.json"), std::string::npos) << p.err;
}

TEST_F(BisectCli, VersionsComeFromNpmAndAnUnreachableRegistryCannotDecide) {
  write_case_file(small_case(), dir_ / "case.json");
  const std::string cf = (dir_ / "case.json").string();
  fake_npm("echo '[\"3.0.0\", \"3.1.0\", \"4.22.0\"]'");
  testing::Proc p = run({"bisect", cf, "--executor", "tfjs-cpu", "--good", "3.0.5", "--bad", "4.22.0"});
  EXPECT_EQ(p.code, 2);
  EXPECT_NE(p.err.find("--good 3.0.5: not a published version"), std::string::npos) << p.err;
  fake_npm("echo 'npm error code ENOTFOUND' >&2; exit 1");
  p = run({"bisect", cf, "--executor", "tfjs-cpu", "--good", "3.0.0", "--bad", "4.22.0"});
  EXPECT_EQ(p.code, 125);
  EXPECT_NE(p.err.find("cannot be reached"), std::string::npos) << p.err;
}

// cases/bisect/*.json record what bisect found; with the bundled TF.js (4.22) their expectations hold.
TEST(BisectCases, DocumentedCasesReplayOnTheBundledTfjs) {
  if (std::string why = testing::why_no_tfjs("tfjs-backend-wasm"); !why.empty()) GTEST_SKIP() << why;
  REQUIRE_WORKER();
  TempDir tmp("parity-bisect-cases-");
  std::vector<std::string> args = {"replay"};
  for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(PARITY_SOURCE_DIR) / "cases/bisect")) {
    if (e.path().extension() != ".json") continue;
    args.push_back(e.path().string());
    const nlohmann::json j = nlohmann::json::parse(testing::slurp(e.path()));
    ASSERT_TRUE(j.contains("bisect")) << e.path() << ": says which release bisect named";
    for (const auto& b : j.at("bisect")) {
      EXPECT_LE(b.at("probes").get<int>(), ceil_log2(b.at("candidates").get<size_t>()) + b.at("skipped").get<int>()) << e.path();
    }
  }
  ASSERT_GE(args.size(), 3u);
  const testing::Proc p = testing::run_parity(args, tmp.path);
  EXPECT_EQ(p.code, 0) << p.out << p.err;
}

// ---- the real registry (skipped offline) --------------------------------------------------------------------

// The real thing, short: the wasm Log1p kernel arrived in 4.3.0 (docs/bisect.md). Installs up to 4 releases
// into the cache on the first run (a few minutes), seconds afterwards.
TEST(BisectNetwork, FindsTheReleaseThatAddedWasmLog1p) {
  if (!std::getenv("PARITY_TEST_NETWORK")) GTEST_SKIP() << "set PARITY_TEST_NETWORK=1 to install TF.js releases from npm";
  REQUIRE_WORKER();
  TempDir tmp("parity-bisect-net-");
  const testing::Proc p = testing::run_parity({"bisect", std::string(PARITY_SOURCE_DIR) + "/cases/bisect/log1p-wasm.json",
                                               "--executor", "tfjs-wasm", "--good", "4.1.0", "--bad", "4.4.0", "--expect", "DIVERGED"},
                                              tmp.path);
  if (p.code == 125) GTEST_SKIP() << "cannot decide (registry unreachable?): " << p.err;
  ASSERT_EQ(p.code, 0) << p.out << p.err;
  EXPECT_NE(p.out.find("first bad version: 4.3.0 (last good: 4.2.0)"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("probes: 2 (0 skipped; at most ceil(log2 3) + skips = 2)"), std::string::npos) << p.out;
}

TEST(BisectNetwork, ListsPublishedTfjsReleases) {
  if (!std::getenv("PARITY_TEST_NETWORK")) GTEST_SKIP() << "set PARITY_TEST_NETWORK=1 to query the npm registry";
  std::vector<std::string> v;
  try {
    v = published_versions("@tensorflow/tfjs-core");
  } catch (const TfjsInstallError& e) {
    GTEST_SKIP() << e.what();
  }
  const auto between = versions_between(v, "3.0.0", "4.22.0", false);
  EXPECT_EQ(between.front(), "3.0.0");
  EXPECT_EQ(between.back(), "4.22.0");
  EXPECT_EQ(between.size(), 45u);  // 3.0.0 .. 3.21.0 and 4.0.0 .. 4.22.0
}

}  // namespace
}  // namespace parity
