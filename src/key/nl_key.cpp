#include "key/nl_key.h"

#include "key/hex_text.h"

namespace latchkey::key {

Result<NLPublic> NLPublic::parse(std::string_view text) {
  // Upstream tries the regular prefix and otherwise the CLI one, so a text
  // with neither reports the CLI prefix as the one expected.
  const std::string_view prefix =
      text.substr(0, kTextPrefix.size()) == kTextPrefix ? kTextPrefix : kCliTextPrefix;
  crypto::Ed25519Public raw;
  if (auto st = parse_prefixed_hex(text, prefix, raw); !st) return st.error();
  return NLPublic(raw);
}

std::string NLPublic::to_string() const { return format_prefixed_hex(kTextPrefix, k_); }
std::string NLPublic::cli_string() const { return format_prefixed_hex(kCliTextPrefix, k_); }

bool NLPublic::verify_zip215(ByteView message, ByteView signature) const {
  return crypto::ed25519_verify_zip215(k_, message, signature);
}

bool NLPublic::verify_go(ByteView message, ByteView signature) const {
  return crypto::ed25519_verify(k_, message, signature);
}

NLPrivate NLPrivate::generate() { return NLPrivate(crypto::ed25519_generate()); }

NLPrivate NLPrivate::from_seed(const crypto::Ed25519Seed& seed) {
  return NLPrivate(crypto::ed25519_from_seed(seed));
}

Result<NLPrivate> NLPrivate::parse(std::string_view text) {
  crypto::Ed25519Private raw;
  if (auto st = parse_prefixed_hex(text, kTextPrefix, raw); !st) return st.error();
  return NLPrivate(raw);
}

bool NLPrivate::is_zero() const { return constant_time_equal(k_, crypto::Ed25519Private{}); }

NLPublic NLPrivate::public_key() const { return NLPublic::from_raw(crypto::ed25519_public(k_)); }

std::string NLPrivate::to_string() const { return format_prefixed_hex(kTextPrefix, k_); }

crypto::Ed25519Signature NLPrivate::sign(ByteView message) const { return crypto::ed25519_sign(k_, message); }

bool operator==(const NLPrivate& a, const NLPrivate& b) { return constant_time_equal(a.k_, b.k_); }

}  // namespace latchkey::key
