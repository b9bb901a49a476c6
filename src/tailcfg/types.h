// Scalar wire types shared by the tailcfg structs (upstream tailcfg.go and
// types/opt): numeric IDs, the capability version, opt.Bool, and RawJson
// (tailcfg.RawMessage: JSON text carried through verbatim).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"

namespace latchkey::tailcfg {

using CapabilityVersion = std::int64_t;
using NodeId = std::int64_t;      // tailcfg.NodeID
using UserId = std::int64_t;      // tailcfg.UserID
using LoginId = std::int64_t;     // tailcfg.LoginID
using DerpRegionId = std::int64_t;  // tailcfg.DERPRegionID
using StableNodeId = std::string;   // tailcfg.StableNodeID

// The capability version of the upstream code the vectors come from, and the
// oldest version Headscale still serves.
inline constexpr CapabilityVersion kCurrentCapabilityVersion = 145;
inline constexpr CapabilityVersion kMinimumCapabilityVersion = 113;

// opt.Bool: a string type upstream. Empty ("", omitted by omitzero/omitempty,
// encodes as null), true, false, and Unset (what decoding a JSON null
// produces: encodes as null but is not the zero value).
enum class OptBool : std::uint8_t { Empty, True, False, Unset };

inline OptBool opt_bool(bool v) { return v ? OptBool::True : OptBool::False; }

// tailcfg.RawMessage: JSON text kept as received. Empty text encodes as
// null; anything else is re-emitted compacted (as Go compacts the output of
// MarshalJSON). Decoding stores the value's exact source text.
struct RawJson {
  std::string text;
  friend bool operator==(const RawJson&, const RawJson&) = default;
};

// Go slices whose nil and empty forms encode differently (a field without
// omitempty: null vs []; or with omitzero: omitted vs []).
template <class T>
using NilableVector = std::optional<std::vector<T>>;

// NodeCapMap / PeerCapMap: capability name to its JSON arguments. A nil list
// encodes as null, an empty one as [].
using CapMap = std::map<std::string, NilableVector<RawJson>>;

enum class EndpointType : std::int64_t {
  Unknown = 0,
  Local = 1,
  Stun = 2,
  Portmapped = 3,
  Stun4LocalPort = 4,
  ExplicitConf = 5,
};

}  // namespace latchkey::tailcfg
