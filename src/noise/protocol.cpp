#include "noise/protocol.h"

namespace latchkey::noise {

std::string prologue_for_version(std::uint16_t version) {
  std::string out(kProloguePrefix);
  out += std::to_string(version);
  return out;
}

}  // namespace latchkey::noise
