// A control server's URL as both ends name it (`server_url` in the serve
// config, `--login-server` of the client): http:// or https://, a host and
// an optional port, nothing else — clients reach /key and /ts2021 at the
// root, so a path, query, fragment, user part or space is refused. A
// trailing / is allowed and dropped. One parser, so the URL a server
// advertises is exactly one its clients accept.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "transport/dialer.h"

namespace latchkey::transport {

struct ControlUrl {
  DialTarget target;  // host without brackets; port 80/443 when absent
  std::string url;    // scheme://host[:port] without the trailing slash
};

// The error names what is wrong and what is wanted, without the setting's
// name (the caller prefixes it).
Result<ControlUrl> parse_control_url(std::string_view text);

}  // namespace latchkey::transport
