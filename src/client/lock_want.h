// LockWant: what the control server says about Tailnet Lock in a map
// session, read from MapResponse.TKAInfo the way upstream builds the
// netmap's TKAEnabled/TKAHead (control/controlclient/map.go, netmap()):
// enabled iff TKAInfo is present and not Disabled, and a non-empty Head
// that does not parse as an AUM hash turns the lock off (upstream logs it;
// we keep the reason so the client can report and count it).
#pragma once

#include <optional>
#include <string>

#include "tailcfg/tka.h"
#include "tka/aum_hash.h"

namespace latchkey::client {

struct LockWant {
  bool enabled = false;
  // The head control holds, when TKAInfo.Head was non-empty and parsed.
  std::optional<tka::AumHash> head;
  // Why TKAInfo.Head was refused; empty when it parsed or was absent.
  std::string head_error;
  friend bool operator==(const LockWant&, const LockWant&) = default;
};

// The wish a TKAInfo expresses; nullptr (no TKAInfo) means "lock off".
LockWant lock_want_from(const tailcfg::TkaInfo* info);

}  // namespace latchkey::client
