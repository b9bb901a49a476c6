#include "store/sql.h"

namespace latchkey::store::sql {

std::int64_t Row::int64(std::size_t i) const {
  const Cell& c = cells_.at(i);
  if (const auto* v = std::get_if<std::int64_t>(&c)) return *v;
  // A numeric string (SQLite may hand back text for an integer column).
  if (const auto* s = std::get_if<std::string>(&c)) {
    std::int64_t x = 0;
    bool neg = false;
    std::size_t k = 0;
    if (!s->empty() && (*s)[0] == '-') {
      neg = true;
      k = 1;
    }
    for (; k < s->size(); ++k) x = x * 10 + ((*s)[k] - '0');
    return neg ? -x : x;
  }
  return 0;
}

std::string Row::text(std::size_t i) const {
  const Cell& c = cells_.at(i);
  if (const auto* s = std::get_if<std::string>(&c)) return *s;
  if (const auto* v = std::get_if<std::int64_t>(&c)) return std::to_string(*v);
  return {};
}

Bytes Row::blob(std::size_t i) const {
  const Cell& c = cells_.at(i);
  if (const auto* s = std::get_if<std::string>(&c)) return Bytes(s->begin(), s->end());
  return {};
}

}  // namespace latchkey::store::sql
