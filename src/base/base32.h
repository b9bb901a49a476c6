// Base32 (RFC 4648), standard alphabet, upper case, no padding: the text form
// of AUM hashes (upstream tka.AUMHash.String / UnmarshalText).
#pragma once

#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"

namespace latchkey {

std::string base32_encode(ByteView data);
Result<Bytes> base32_decode(std::string_view text);

}  // namespace latchkey
