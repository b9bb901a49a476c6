// Test access to an Authority's internals, for tests that corrupt an
// authority on purpose as upstream's tests do by assigning its fields.
#pragma once

#include "tka/authority.h"

namespace latchkey::tka {

struct AuthorityTestPeer {
  static void set_head_hash(Authority& a, const AumHash& h) { a.state_.last_aum_hash = h; }
};

}  // namespace latchkey::tka
