// Verification of an AUM before it is accepted into an authority's chain
// (upstream tka/tka.go aumVerify and checkParent): well-formed, chained to
// the state's last AUM, signed only by keys the state trusts, and not
// removing the state's last key.
#pragma once

#include "base/result.h"
#include "tka/aum.h"
#include "tka/state.h"

namespace latchkey::tka {

// Upstream checkParent: `aum` must have a parent equal to the state's
// LastAUMHash. Errors: "aum has no parent", "cannot check update parent hash
// against a state with no previous AUM", "aum with parent &<state hex>
// cannot be applied to a state with parent <aum parent hex>" (upstream's
// wording, arguments as upstream prints them).
Status check_parent(const Aum& aum, const State& state);

// Upstream aumVerify: static validation ("invalid: ..."), the parent check
// unless `is_genesis`, at least one signature ("unsigned AUM"), every
// signature by a trusted key ("bad keyID on signature N: key not found")
// and valid under ZIP-215 ("signature N: invalid signature"), and a
// remove-key AUM must not remove the only key ("cannot remove the last key
// in the state").
Status aum_verify(const Aum& aum, const State& state, bool is_genesis);

}  // namespace latchkey::tka
