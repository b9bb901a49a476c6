// The Prometheus text exposition format (version 0.0.4), written by hand:
// a metric family's HELP and TYPE lines, and samples with none, one or two
// labels. Label values are our own names and paths, so they are written as
// they are (no escaping). Shared by the server's /metrics and the client's.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace latchkey::prometheus {

inline void family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

template <class N>
inline void sample(std::string& out, std::string_view name, std::string_view label, std::string_view value, N n) {
  out += name;
  if (!label.empty()) {
    out += '{';
    out += label;
    out += "=\"";
    out += value;
    out += "\"}";
  }
  out += ' ';
  out += std::to_string(n);
  out += '\n';
}

// A sample with two labels.
inline void sample2(std::string& out, std::string_view name, std::string_view label1, std::string_view value1,
             std::string_view label2, std::string_view value2, std::uint64_t n) {
  out += name;
  out += '{';
  out += label1;
  out += "=\"";
  out += value1;
  out += "\",";
  out += label2;
  out += "=\"";
  out += value2;
  out += "\"} ";
  out += std::to_string(n);
  out += '\n';
}

}  // namespace latchkey::prometheus
