// The public half of a node's hardware attestation key (upstream
// types/key/hardware_attestation.go HardwareAttestationPublic): an
// uncompressed P-256 point, text form "hwattestpub:<130 hex digits>", the
// zero key written as "" and "" read as the zero key. The server only relays
// it; parsing checks the prefix, length and the 0x04 point-format byte but
// not that the point is on the curve (upstream also checks that).
#pragma once

#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"

namespace latchkey::tailcfg {

class HardwareAttestationPublic {
 public:
  static constexpr std::string_view kTextPrefix = "hwattestpub:";
  static constexpr std::size_t kRawSize = 65;

  HardwareAttestationPublic() = default;
  static Result<HardwareAttestationPublic> parse(std::string_view text);

  const ByteArray<kRawSize>& raw() const { return k_; }
  bool is_zero() const { return k_ == ByteArray<kRawSize>{}; }
  std::string to_string() const;  // "" for the zero key

  friend bool operator==(const HardwareAttestationPublic&, const HardwareAttestationPublic&) = default;

 private:
  ByteArray<kRawSize> k_{};
};

}  // namespace latchkey::tailcfg
