// Percent-decoding of URL parts (RFC 3986 section 2.1) as Go's net/url
// does it: PathUnescape for a path segment, QueryUnescape (which also reads
// '+' as a space) for a query key or value. A '%' not followed by two hex
// digits is an error, never passed through.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace latchkey {

enum class UrlPart { PathSegment, Query };

Result<std::string> url_unescape(std::string_view text, UrlPart part);

}  // namespace latchkey
