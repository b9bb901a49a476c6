// Hexadecimal text form of bytes: lowercase out, either case in (as Go's
// encoding/hex).
#pragma once

#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"

namespace latchkey {

// The value of one hex digit (either case), or -1.
int hex_digit_value(char c);

std::string hex_encode(ByteView data);
Result<Bytes> hex_decode(std::string_view text);

// Decodes exactly out.size() bytes (text must be 2*out.size() hex digits).
Status hex_decode_into(std::string_view text, std::span<std::uint8_t> out);

}  // namespace latchkey
