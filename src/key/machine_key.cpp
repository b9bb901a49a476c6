#include "key/machine_key.h"

#include "base/hex.h"
#include "crypto/x25519.h"
#include "key/hex_text.h"

namespace latchkey::key {

Result<MachinePublic> MachinePublic::parse(std::string_view text) {
  ByteArray<32> raw;
  if (auto st = parse_prefixed_hex(text, kTextPrefix, raw); !st) return st.error();
  return MachinePublic(raw);
}

Result<MachinePublic> MachinePublic::parse_untyped(std::string_view hex) {
  ByteArray<32> raw;
  if (auto st = parse_prefixed_hex(hex, "", raw); !st) return st.error();
  return MachinePublic(raw);
}

std::string MachinePublic::to_string() const { return format_prefixed_hex(kTextPrefix, k_); }
std::string MachinePublic::untyped_hex() const { return hex_encode(k_); }
std::string MachinePublic::short_string() const { return short_base64_form(k_); }

MachinePrivate MachinePrivate::generate() { return MachinePrivate(crypto::x25519_generate()); }

Result<MachinePrivate> MachinePrivate::parse(std::string_view text) {
  ByteArray<32> raw;
  if (auto st = parse_prefixed_hex(text, kTextPrefix, raw); !st) return st.error();
  return MachinePrivate(raw);
}

bool MachinePrivate::is_zero() const { return constant_time_equal(k_, ByteArray<32>{}); }

MachinePublic MachinePrivate::public_key() const {
  if (is_zero()) return MachinePublic();
  return MachinePublic::from_raw(crypto::x25519_public(k_));
}

std::string MachinePrivate::to_string() const { return format_prefixed_hex(kTextPrefix, k_); }

bool operator==(const MachinePrivate& a, const MachinePrivate& b) { return constant_time_equal(a.k_, b.k_); }

}  // namespace latchkey::key
