// Byte containers shared by every layer: fixed-size keys and hashes are
// std::array, variable data is std::vector, and views are std::span.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace latchkey {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;
template <std::size_t N>
using ByteArray = std::array<std::uint8_t, N>;

inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

inline std::string_view as_chars(ByteView b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// Constant-time comparison of two equal-length byte strings.
bool constant_time_equal(ByteView a, ByteView b);

}  // namespace latchkey
