// `parity check`'s outputs: the exit code, the one-line verdict, JSON and Markdown (check.h).
#include <fmt/format.h>

#include <set>

#include "harness/check/check.h"

namespace parity {

using nlohmann::json;

namespace {

const char* state_name(LayerSupport::State s) {
  switch (s) {
    case LayerSupport::State::Yes: return "yes";
    case LayerSupport::State::No: return "no";
    case LayerSupport::State::Unknown: return "unknown";
  }
  return "?";
}

std::string layer_label(const CheckedLayer& l) {
  if (l.op.empty() || l.op == l.class_name) return fmt::format("{} ({})", l.name, l.class_name);
  return fmt::format("{} ({} {})", l.name, l.class_name, l.op);
}

// The layers some executor rejects, with the executors: "tf.clip (TFOpLambda tf.clip_by_value) on tfjs-cpu".
std::vector<std::string> unsupported_items(const CheckReport& r) {
  std::vector<std::string> out;
  for (const CheckedLayer& l : r.layers) {
    std::string on;
    for (const CheckedExecutor& e : r.executors) {
      auto it = l.support.find(e.name);
      if (it != l.support.end() && it->second.state == LayerSupport::State::No) on += (on.empty() ? "" : ", ") + e.name;
    }
    if (!on.empty()) out.push_back(fmt::format("{} on {}", layer_label(l), on));
  }
  // An executor that rejected the model without naming one of its layers (a feature, e.g.
  // "NotImplementedError") still counts, with what it named.
  for (const CheckedExecutor& e : r.executors) {
    if (e.disposition != Disposition::Unsupported) continue;
    bool named = false;
    for (const CheckedLayer& l : r.layers) {
      auto it = l.support.find(e.name);
      named = named || (it != l.support.end() && it->second.state == LayerSupport::State::No);
    }
    if (!named) out.push_back(fmt::format("{} on {}", e.reason.substr(0, e.reason.find(": ")), e.name));
  }
  return out;
}

bool failing(Disposition d) {
  return d == Disposition::Unsupported || d == Disposition::Errored || d == Disposition::Diverged;
}

}  // namespace

int CheckReport::exit_code() const {
  if (!unrepresentable.empty() || !converts) return 1;
  for (const CheckedExecutor& e : executors)
    if (failing(e.disposition)) return 1;
  return 0;
}

std::string CheckReport::verdict() const {
  std::string s = fmt::format("converts: {}", converts ? "yes" : "no");
  const std::vector<std::string> un = unsupported_items(*this);
  s += fmt::format("; unsupported: {}", un.empty() ? "none" : fmt::format("{}", fmt::join(un, "; ")));
  // Per output, the executor under test furthest from the reference (in ulps of float32). ref64 is the
  // reference itself (its "error" is only the float32 rounding of the comparison), so it counts only alone.
  std::vector<std::string> div;
  size_t n_out = 0;
  bool others = false;
  for (const CheckedExecutor& e : executors) {
    n_out = std::max(n_out, e.outputs.size());
    others = others || (e.name != "ref64" && !e.outputs.empty());
  }
  for (size_t i = 0; i < n_out; ++i) {
    const CheckedExecutor* worst = nullptr;
    for (const CheckedExecutor& e : executors)
      if (i < e.outputs.size() && !(others && e.name == "ref64") &&
          (!worst || e.outputs[i].max_ulp_err > worst->outputs[i].max_ulp_err))
        worst = &e;
    if (!worst) continue;
    const CheckedOutput& o = worst->outputs[i];
    div.push_back(fmt::format("{} {:.3g} ({:.3g} ulp, {})", o.name, o.max_abs_err, o.max_ulp_err, worst->name));
  }
  s += fmt::format("; max divergence per output: {}", div.empty() ? "n/a (nothing ran)" : fmt::format("{}", fmt::join(div, ", ")));
  std::vector<std::string> first;
  for (const CheckedExecutor& e : executors)
    if (!e.first_divergent_layer.empty()) first.push_back(fmt::format("{} ({})", e.first_divergent_layer, e.name));
  s += fmt::format("; first divergent layer: {}", first.empty() ? "none" : fmt::format("{}", fmt::join(first, ", ")));
  std::vector<std::string> other;
  for (const CheckedExecutor& e : executors)
    if (e.disposition == Disposition::Errored || e.disposition == Disposition::Skipped)
      other.push_back(fmt::format("{} {}", e.name, disposition_name(e.disposition)));
  if (!other.empty()) s += fmt::format("; {}", fmt::join(other, ", "));
  return s;
}

json check_report_to_json(const CheckReport& r) {
  json layers = json::array();
  for (const CheckedLayer& l : r.layers) {
    json sup = json::object();
    for (const auto& [ex, s] : l.support) {
      json e = {{"supported", s.state == LayerSupport::State::Unknown ? json() : json(s.state == LayerSupport::State::Yes)}};
      if (!s.reason.empty()) e["reason"] = s.reason;
      sup[ex] = e;
    }
    layers.push_back({{"name", l.name}, {"class_name", l.class_name}, {"op", l.op}, {"support", sup}});
  }
  json unrep = json::array();
  for (const UnrepresentableLayer& u : r.unrepresentable)
    unrep.push_back({{"layer", u.layer}, {"class_name", u.class_name}, {"reason", u.reason}});
  json execs = json::array();
  for (const CheckedExecutor& e : r.executors) {
    json outs = json::array();
    for (const CheckedOutput& o : e.outputs)
      outs.push_back({{"name", o.name}, {"max_abs_err", o.max_abs_err}, {"max_rel_err", o.max_rel_err},
                      {"max_ulp_err", o.max_ulp_err}, {"failing_elements", o.failing}});
    execs.push_back({{"name", e.name}, {"version", e.version}, {"disposition", disposition_name(e.disposition)},
                     {"reason", e.reason}, {"samples", e.samples_run}, {"outputs", outs},
                     {"first_divergent_layer", e.first_divergent_layer.empty() ? json() : json(e.first_divergent_layer)}});
  }
  json j = {{"model", r.model},
            {"format", r.format},
            {"converts", r.converts},
            {"convert_error", r.convert_error.empty() ? json() : json(r.convert_error)},
            {"tfoplambda_shim", r.tfoplambda_shim},
            {"quantize", quantization_name(r.quantize)},
            {"inputs", r.inputs},
            {"unrepresentable", unrep},
            {"layers", layers},
            {"executors", execs},
            {"verdict", r.verdict()},
            {"exit_code", r.exit_code()}};
  if (r.format == "keras-h5") j["keras"] = {{"keras_version", r.h5.keras_version}, {"backend", r.h5.backend}};
  return j;
}

std::string check_report_to_markdown(const CheckReport& r) {
  auto cell = [](std::string s) {  // one table cell: no pipes or newlines
    for (char& ch : s)
      if (ch == '|' || ch == '\n') ch = ' ';
    return s;
  };
  std::string md = fmt::format("# parity check: `{}`\n\n", r.model);
  md += fmt::format("**Verdict:** {}\n\n", r.verdict());
  md += fmt::format("- format: {}{}\n", r.format.empty() ? "?" : r.format,
                    r.h5.keras_version.empty() ? "" : fmt::format(" (Keras {})", r.h5.keras_version));
  md += fmt::format("- converts to TF.js: {}{}\n", r.converts ? "yes" : "no",
                    r.convert_error.empty() ? "" : " (" + cell(r.convert_error) + ")");
  md += fmt::format("- weight quantization: {}; TFOpLambda shim: {}\n", quantization_name(r.quantize),
                    r.tfoplambda_shim ? "yes" : "no");
  md += fmt::format("- inputs: {}\n- exit code: {}\n\n", r.inputs, r.exit_code());

  md += "## Executors\n\n| executor | result | reason | version |\n|---|---|---|---|\n";
  for (const CheckedExecutor& e : r.executors)
    md += fmt::format("| {} | {} | {} | {} |\n", e.name, disposition_name(e.disposition), cell(e.reason), cell(e.version));

  md += "\n## Outputs\n\n| executor | output | max abs error | max rel error | max ulp | elements over budget |\n"
        "|---|---|---|---|---|---|\n";
  for (const CheckedExecutor& e : r.executors)
    for (const CheckedOutput& o : e.outputs)
      md += fmt::format("| {} | {} | {:.3g} | {:.3g} | {:.3g} | {} |\n", e.name, o.name, o.max_abs_err, o.max_rel_err,
                        o.max_ulp_err, o.failing);

  md += "\n## Layers\n\n| layer | class | op |";
  for (const CheckedExecutor& e : r.executors) md += " " + e.name + " |";
  md += "\n|---|---|---|";
  for (size_t i = 0; i < r.executors.size(); ++i) md += "---|";
  md += "\n";
  std::vector<std::string> notes;
  for (const CheckedLayer& l : r.layers) {
    md += fmt::format("| {} | {} | {} |", cell(l.name), cell(l.class_name), cell(l.op));
    for (const CheckedExecutor& e : r.executors) {
      auto it = l.support.find(e.name);
      const LayerSupport s = it == l.support.end() ? LayerSupport{} : it->second;
      md += fmt::format(" {} |", state_name(s.state));
      if (s.state == LayerSupport::State::No) notes.push_back(fmt::format("- `{}` on {}: {}", l.name, e.name, s.reason));
    }
    md += "\n";
  }
  if (!notes.empty()) md += "\n### Why not\n\n" + fmt::format("{}", fmt::join(notes, "\n")) + "\n";
  return md;
}

}  // namespace parity
