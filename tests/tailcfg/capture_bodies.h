// Test helper: the captures of control_requests.json with each body's exact
// bytes as upstream wrote them (the file embeds body_json verbatim, so the
// raw text is cut out of the file rather than re-serialised).
#pragma once

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace latchkey::tailcfg::testing {

struct Capture {
  std::string name;
  std::string path;
  std::string direction;
  std::string body;  // exact bytes of body_json ("" when null)
  bool has_body = false;
  nlohmann::json meta;
};

inline std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot open " + path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// End offset of the JSON value starting at text[pos].
inline std::size_t json_value_end(const std::string& text, std::size_t pos) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = pos; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
        if (depth == 0) return i + 1;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) return i + 1;
    } else if (depth == 0 && (c == ',' || c == '}')) {
      return i;
    }
  }
  throw std::runtime_error("unterminated JSON value");
}

inline std::vector<Capture> load_captures() {
  const std::string text = read_file(std::string(LATCHKEY_TEST_DATA) + "/vectors/control_requests.json");
  const auto doc = nlohmann::json::parse(text);
  std::vector<Capture> out;
  for (const auto& c : doc.at("captures")) {
    Capture cap;
    cap.name = c.at("name").get<std::string>();
    auto text_of = [&](const char* k) {
      return c.contains(k) && c.at(k).is_string() ? c.at(k).get<std::string>() : std::string();
    };
    cap.path = text_of("path");
    cap.direction = text_of("direction");
    cap.meta = c;
    if (c.contains("body_json") && !c.at("body_json").is_null()) {
      const std::string marker = "\"name\":\"" + cap.name + "\"";
      const std::size_t at = text.find(marker);
      const std::string key = "\"body_json\":";
      const std::size_t b = text.find(key, at) + key.size();
      cap.body = text.substr(b, json_value_end(text, b) - b);
      cap.has_body = true;
    }
    out.push_back(std::move(cap));
  }
  return out;
}

}  // namespace latchkey::tailcfg::testing
