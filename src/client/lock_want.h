// LockWantInput: what the current full netmap says about Tailnet Lock, the
// part of upstream's NetworkMap (TKAEnabled, TKAHead) that the lock's
// acquisition (LockSync) reads. The map session fills it from the session's
// last TKAInfo. Kept apart from the map session's own LockWant so that the
// two can be reconciled once both exist on one branch.
#pragma once

#include <optional>
#include <string>

#include "tka/aum_hash.h"

namespace latchkey::client {

struct LockWantInput {
  // TKAInfo present and not Disabled.
  bool enabled = false;
  // Control's head (TKAInfo.Head); nullopt when absent or unparsable, which
  // upstream holds as the zero hash.
  std::optional<tka::AumHash> head;
  // Why TKAInfo.Head did not parse; empty when it did or was absent. As
  // upstream (map.go), an unparsable head means "not enabled".
  std::string head_parse_error;
};

}  // namespace latchkey::client
