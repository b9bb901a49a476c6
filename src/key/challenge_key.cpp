#include "key/challenge_key.h"

#include "crypto/x25519.h"
#include "key/hex_text.h"

namespace latchkey::key {

Result<ChallengePublic> ChallengePublic::parse(std::string_view text) {
  ByteArray<32> raw;
  if (auto st = parse_prefixed_hex(text, kTextPrefix, raw); !st) return st.error();
  return ChallengePublic(raw);
}

std::string ChallengePublic::to_string() const { return format_prefixed_hex(kTextPrefix, k_); }

ChallengePrivate ChallengePrivate::generate() { return ChallengePrivate(crypto::x25519_generate()); }

bool ChallengePrivate::is_zero() const { return constant_time_equal(k_, ByteArray<32>{}); }

ChallengePublic ChallengePrivate::public_key() const {
  if (is_zero()) return ChallengePublic();
  return ChallengePublic::from_raw(crypto::x25519_public(k_));
}

bool operator==(const ChallengePrivate& a, const ChallengePrivate& b) {
  return constant_time_equal(a.k_, b.k_);
}

}  // namespace latchkey::key
