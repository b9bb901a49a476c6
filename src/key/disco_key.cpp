#include "key/disco_key.h"

#include "base/hex.h"
#include "crypto/x25519.h"
#include "key/hex_text.h"

namespace latchkey::key {

Result<DiscoPublic> DiscoPublic::parse(std::string_view text) {
  ByteArray<32> raw;
  if (auto st = parse_prefixed_hex(text, kTextPrefix, raw); !st) return st.error();
  return DiscoPublic(raw);
}

std::string DiscoPublic::to_string() const { return format_prefixed_hex(kTextPrefix, k_); }

std::string DiscoPublic::short_string() const {
  if (is_zero()) return "";
  return "d:" + hex_encode(ByteView(k_).first(8));
}

DiscoPrivate DiscoPrivate::generate() { return DiscoPrivate(crypto::x25519_generate()); }

bool DiscoPrivate::is_zero() const { return constant_time_equal(k_, ByteArray<32>{}); }

DiscoPublic DiscoPrivate::public_key() const {
  if (is_zero()) return DiscoPublic();
  return DiscoPublic::from_raw(crypto::x25519_public(k_));
}

bool operator==(const DiscoPrivate& a, const DiscoPrivate& b) { return constant_time_equal(a.k_, b.k_); }

}  // namespace latchkey::key
