#pragma once
// Small option-parsing pieces shared by the commands (eval, run, replay, coverage).
#include <cctype>
#include <sstream>
#include <string>
#include <vector>

#include "harness/core/error.h"

namespace parity::cli {

// "a,b,,c" -> {"a", "b", "c"}: the items of a comma-separated list, empty items dropped.
inline std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

// A CLI11 check for unsigned options: CLI11 2.1 reads "-1" into a uint64 by wrapping around, and a seed
// written negative is a mistake.
inline std::string check_non_negative(const std::string& v) {
  return v.find('-') == std::string::npos ? std::string() : "must be a non-negative integer";
}

// A duration in seconds from "90", "90s", "30m", "2h", "1h30m" or "1.5h"; throws ParityError naming `flag`.
inline double parse_duration(const std::string& s, const std::string& flag) {
  double total = 0;
  size_t i = 0;
  bool any = false;
  while (i < s.size()) {
    size_t used = 0;
    double v = 0;
    try {
      v = std::stod(s.substr(i), &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || !(v >= 0) || s[i] == '+' || s[i] == '-') fail("{}: '{}' is not a duration (e.g. 90, 90s, 30m, 2h)", flag, s);
    i += used;
    double unit = 1;
    if (i < s.size()) {
      const char u = static_cast<char>(std::tolower(static_cast<unsigned char>(s[i])));
      if (u == 's') unit = 1;
      else if (u == 'm') unit = 60;
      else if (u == 'h') unit = 3600;
      else fail("{}: '{}' is not a duration (units: s, m, h)", flag, s);
      ++i;
    } else if (any) {
      fail("{}: '{}' is not a duration (a unit is missing after the last number)", flag, s);
    }
    total += v * unit;
    any = true;
  }
  if (!any || !(total > 0) || total > 1e9) fail("{}: '{}' must be a positive duration", flag, s);
  return total;
}

}  // namespace parity::cli
