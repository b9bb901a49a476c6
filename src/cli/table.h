// Plain-text tables for the admin commands' human output: a header row and
// left-aligned columns separated by two spaces.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace latchkey::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void print(std::ostream& out) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// "a,b" from {"a", "b"}; "-" for none.
std::string comma_list(const std::vector<std::string>& items);

}  // namespace latchkey::cli
