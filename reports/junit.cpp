// DIR/junit.xml: one <testcase> per case x executor, for CI dashboards. DIVERGED and ERRORED are failures
// (with the reason), UNSUPPORTED and SKIPPED are skipped, PASSED and MISTRUSTED pass (MISTRUSTED says why in
// system-out).
#include <fmt/format.h>

#include <cmath>

#include "reports/reports.h"

namespace parity {

std::string xml_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // XML 1.0 forbids most control characters even as references.
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') out += '?';
        else out += static_cast<char>(c);
    }
  }
  return out;
}

void junit_testcase(std::string& x, const ResultRow& r, const std::string& dir_label, const std::string& known) {
  const double t = r.time.executor;
  x += fmt::format("    <testcase classname=\"parity.{}\" name=\"{}\" time=\"{:.6f}\"", xml_escape(r.executor),
                   xml_escape(r.case_id), std::isfinite(t) ? t : 0.0);
  const std::string reason = xml_escape(r.reason);
  switch (r.disposition) {
    case Disposition::Passed:
      x += "/>\n";
      return;
    case Disposition::Mistrusted:
      x += fmt::format("><system-out>MISTRUSTED: {}</system-out></testcase>\n", reason);
      return;
    case Disposition::Unsupported:
    case Disposition::Skipped:
      x += fmt::format("><skipped message=\"{}: {}\"/></testcase>\n", disposition_name(r.disposition), reason);
      return;
    case Disposition::Diverged:
    case Disposition::Errored: {
      if (!known.empty()) {  // in the baseline: reported, but not a failure of this run
        x += fmt::format("><skipped message=\"KNOWN {}: {} (baseline: {})\"/></testcase>\n", disposition_name(r.disposition),
                         reason, xml_escape(known));
        return;
      }
      std::string body = reason;
      if (!r.min_case_file.empty()) body += xml_escape("\nrepro: parity replay " + dir_label + "/" + r.min_case_file);
      x += fmt::format("><failure type=\"{}\" message=\"{}\">{}</failure></testcase>\n",
                       disposition_name(r.disposition), reason, body);
      return;
    }
  }
}

std::string render_junit_xml(const RunDigest& d, const std::string& testcases) {
  // Counted from the testcases themselves, so rows a baseline knows (skipped, not failures) count right.
  auto count = [&](const char* tag) {
    uint64_t n = 0;
    for (size_t at = testcases.find(tag); at != std::string::npos; at = testcases.find(tag, at + 1)) ++n;
    return n;
  };
  const uint64_t failures = count("><failure "), skipped = count("><skipped ");
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  x += fmt::format("<testsuites name=\"parity\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\">\n", d.rows,
                   failures, skipped);
  x += fmt::format("  <testsuite name=\"parity.run.seed{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\">\n",
                   d.run.value("seed", 0), d.rows, failures, skipped);
  x += testcases;
  x += "  </testsuite>\n</testsuites>\n";
  return x;
}

}  // namespace parity
