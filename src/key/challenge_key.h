// Challenge keys (upstream types/key/chal.go): an ephemeral per-connection
// Curve25519 key pair whose public half the server sends in the Noise early
// payload (tailcfg.EarlyNoise.NodeKeyChallenge) so a client can prove it
// holds its node key. Text form "chalpub:<hex>"; the private half is never
// serialised (upstream's MarshalText refuses, so it has no to_string here).
#pragma once

#include <compare>
#include <functional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "key/key_hash.h"

namespace latchkey::key {

class ChallengePublic {
 public:
  static constexpr std::string_view kTextPrefix = "chalpub:";

  ChallengePublic() = default;  // the zero key
  static ChallengePublic from_raw(const ByteArray<32>& raw) { return ChallengePublic(raw); }
  static Result<ChallengePublic> parse(std::string_view text);

  const ByteArray<32>& raw() const { return k_; }
  bool is_zero() const { return k_ == ByteArray<32>{}; }
  std::string to_string() const;  // "chalpub:<hex>"

  friend bool operator==(const ChallengePublic&, const ChallengePublic&) = default;
  friend auto operator<=>(const ChallengePublic&, const ChallengePublic&) = default;

 private:
  explicit ChallengePublic(const ByteArray<32>& raw) : k_(raw) {}
  ByteArray<32> k_{};
};

class ChallengePrivate {
 public:
  ChallengePrivate() = default;  // the zero key
  static ChallengePrivate generate();  // random, clamped (as a node key)
  static ChallengePrivate from_raw(const ByteArray<32>& raw) { return ChallengePrivate(raw); }

  const ByteArray<32>& raw() const { return k_; }
  bool is_zero() const;
  // The public key; a zero key yields the zero public key (upstream panics).
  ChallengePublic public_key() const;

  // Constant time.
  friend bool operator==(const ChallengePrivate& a, const ChallengePrivate& b);

 private:
  explicit ChallengePrivate(const ByteArray<32>& raw) : k_(raw) {}
  ByteArray<32> k_{};
};

}  // namespace latchkey::key

template <>
struct std::hash<latchkey::key::ChallengePublic> : latchkey::key::KeyHash<latchkey::key::ChallengePublic> {};
