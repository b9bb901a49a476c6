// `latchkey debug aum`: the report it prints for one hex-encoded AUM (see
// debug_aum.cpp), separate from the command so tests can check it.
#pragma once

#include <string>
#include <string_view>

namespace latchkey::cli {

struct DebugAumReport {
  int exit_code;     // 0 when upstream's decoder accepts the AUM, else 1
  std::string json;  // the one-line JSON object printed on stdout
};

DebugAumReport debug_aum_report(std::string_view hex_text);

}  // namespace latchkey::cli
