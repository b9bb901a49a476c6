// latchkey's version, as `latchkey version` prints it, the client reports it
// (Hostinfo.IPNVersion) and the C API returns it. Equal to the VERSION of
// project() in CMakeLists.txt (a test checks).
#pragma once

#include <string_view>

namespace latchkey {

inline constexpr std::string_view kLatchkeyVersion = "0.1.0";

}  // namespace latchkey
