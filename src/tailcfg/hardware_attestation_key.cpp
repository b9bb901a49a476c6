#include "tailcfg/hardware_attestation_key.h"

#include "base/hex.h"

namespace latchkey::tailcfg {

Result<HardwareAttestationPublic> HardwareAttestationPublic::parse(std::string_view text) {
  HardwareAttestationPublic k;
  if (text.empty()) return k;
  if (text.substr(0, kTextPrefix.size()) != kTextPrefix) {
    return Error{"key hex string doesn't have expected type prefix " + std::string(kTextPrefix)};
  }
  text.remove_prefix(kTextPrefix.size());
  if (text.size() != 2 * kRawSize) {
    return Error{"key hex has the wrong size, got " + std::to_string(text.size()) + " want " +
                 std::to_string(2 * kRawSize)};
  }
  if (auto st = hex_decode_into(text, k.k_); !st) return Error{"invalid hex character in key"};
  if (k.k_[0] != 0x04) return Error{"hardware attestation key is not an uncompressed P-256 point"};
  return k;
}

std::string HardwareAttestationPublic::to_string() const {
  if (is_zero()) return {};
  return std::string(kTextPrefix) + hex_encode(k_);
}

}  // namespace latchkey::tailcfg
