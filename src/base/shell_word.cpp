#include "base/shell_word.h"

namespace latchkey {

namespace {

bool plain(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' || c == '.' ||
         c == '-' || c == '_' || c == ':' || c == '@' || c == '+' || c == ',' || c == '=' || c == '%';
}

}  // namespace

std::string shell_word(std::string_view text) {
  bool quote = text.empty();
  for (char c : text) quote = quote || !plain(c);
  if (!quote) return std::string(text);
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

}  // namespace latchkey
