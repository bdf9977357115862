// The browser-only TF.js 4.22 findings (docs/findings-browser-4.22.md): every case in cases/browser-4.22/
// pins tfjs-webgl, tfjs-webgpu and tfjs-webgl-f16, and `parity replay` of them on those executors exits 0,
// so a TF.js (or Chromium / SwiftShader) that fixes a finding, or breaks differently, makes this fail. The
// cases also pin tfjs-cpu, which shows they are browser-only; that part needs the Node worker.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "harness/catalog/catalog.h"
#include "harness/io/case_file.h"
#include "harness/test/subprocess.h"
#include "harness/test/tfjs_available.h"
#include "oracles/browser/browser_executor.h"
#include "oracles/browser/chromium.h"

namespace {
namespace fs = std::filesystem;
using namespace parity;
using namespace parity::testing;

const fs::path kCases = fs::path(PARITY_SOURCE_DIR) / "cases" / "browser-4.22";
const char* const kBrowsers[] = {"tfjs-webgl", "tfjs-webgpu", "tfjs-webgl-f16"};

std::vector<fs::path> case_files() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(kCases))
    if (e.path().extension() == ".json") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// Why no browser executor can run here, or "".
std::string why_no_browser() {
  if (auto why = resolve_chromium(ChromiumOptions{}).unavailable) return "Chromium unavailable: " + *why;
  if (!fs::exists(fs::path(PARITY_SOURCE_DIR) / "oracles/tfjs/worker/node_modules/@tensorflow/tfjs-backend-webgl"))
    return "TF.js is not installed: run `npm ci` in oracles/tfjs/worker";
  return "";
}

// The browser executors that start here (WebGPU needs an adapter, which a browser may lack).
std::vector<std::string> startable_browsers() {
  std::vector<std::string> out;
  for (const char* name : kBrowsers) {
    BrowserExecutorOptions o;
    o.backend = std::string(name) == "tfjs-webgpu" ? "webgpu" : "webgl";
    o.f16 = std::string(name) == "tfjs-webgl-f16";
    if (!BrowserExecutor(o).version().empty()) out.push_back(name);
  }
  return out;
}

// No browser needed: the files read, pin every browser executor (and tfjs-cpu) with a reason, expect at
// least one browser failure or rejection (else it is no finding), and are documented.
TEST(BrowserFindings, EveryCasePinsTheBrowsersAndIsDocumented) {
  const std::vector<fs::path> files = case_files();
  ASSERT_GE(files.size(), 8u) << "cases/browser-4.22 lost its cases";
  const std::string doc = slurp(fs::path(PARITY_SOURCE_DIR) / "docs" / "findings-browser-4.22.md");
  ASSERT_FALSE(doc.empty()) << "docs/findings-browser-4.22.md is missing";
  for (const fs::path& f : files) {
    SCOPED_TRACE(f.filename().string());
    const CaseFile cf = read_case_file(f, default_catalog());  // throws on a case this build cannot read
    bool some_failure = false;
    for (const char* ex : {"tfjs-cpu", "tfjs-webgl", "tfjs-webgpu", "tfjs-webgl-f16"}) {
      ASSERT_TRUE(cf.expect.contains(ex)) << "no expectation for " << ex;
      EXPECT_FALSE(cf.expect.at(ex).value("reason", std::string()).empty()) << ex << ": a finding needs its reason";
      const std::string d = cf.expect.at(ex).value("disposition", std::string());
      if (std::string(ex) != "tfjs-cpu" && (d == "DIVERGED" || d == "ERRORED" || d == "UNSUPPORTED")) some_failure = true;
    }
    EXPECT_TRUE(some_failure) << "no browser executor is expected to fail";
    EXPECT_NE(doc.find("cases/browser-4.22/" + f.filename().string()), std::string::npos)
        << "not named in docs/findings-browser-4.22.md";
  }
}

// The expectations hold on the browser executors that start here, and on tfjs-cpu when Node TF.js is there.
TEST(BrowserFindings, ReplayHoldsOnTfjs422InChromium) {
  if (const std::string why = why_no_browser(); !why.empty()) GTEST_SKIP() << why;
  const std::vector<std::string> browsers = startable_browsers();
  if (browsers.empty()) GTEST_SKIP() << "no browser backend starts in this Chromium";
  std::string executors = "ref64";
  for (const std::string& b : browsers) executors += "," + b;
  if (why_no_tfjs().empty()) executors += ",tfjs-cpu";
  std::vector<std::string> args = {parity_bin().string(), "replay", "--executors", executors};
  const std::vector<fs::path> files = case_files();
  for (const fs::path& f : files) args.push_back(f.string());
  const TempDir log("parity_test_browser_findings_");
  ASSERT_FALSE(log.path.empty());
  const Proc p = run_process(args, log.path / "log", {});
  EXPECT_EQ(p.code, 0) << p.out;
  EXPECT_EQ(p.out.find("UNEXPECTED"), std::string::npos) << p.out;
  // Every listed executor gave a verdict on every case (none silently missing).
  for (const std::string& b : browsers)
    EXPECT_EQ(std::count_if(files.begin(), files.end(),
                            [&](const fs::path& f) {
                              return p.out.find(f.string() + " " + b + " ") != std::string::npos;
                            }),
              static_cast<long>(files.size()))
        << b << ": " << p.out;
}

}  // namespace
