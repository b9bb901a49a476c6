// Base64 (RFC 4648) in the four forms Go's encoding/base64 offers: standard or
// URL alphabet, with or without '=' padding. Decoding is strict about the
// alphabet and padding of the chosen form.
#pragma once

#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"

namespace latchkey {

enum class Base64Form { Std, StdRaw, Url, UrlRaw };

std::string base64_encode(ByteView data, Base64Form form = Base64Form::Std);
Result<Bytes> base64_decode(std::string_view text, Base64Form form = Base64Form::Std);

}  // namespace latchkey
