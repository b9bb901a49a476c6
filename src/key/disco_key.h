// Disco keys (upstream types/key/disco.go): the Curve25519 key pair a node
// uses for peer-to-peer path discovery; control only relays the public half.
// Text form "discokey:<hex>" (the private half has none upstream); short
// form "d:<hex of the first 8 bytes>".
#pragma once

#include <compare>
#include <functional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "key/key_hash.h"

namespace latchkey::key {

class DiscoPublic {
 public:
  static constexpr std::string_view kTextPrefix = "discokey:";

  DiscoPublic() = default;  // the zero key
  static DiscoPublic from_raw(const ByteArray<32>& raw) { return DiscoPublic(raw); }
  static Result<DiscoPublic> parse(std::string_view text);

  const ByteArray<32>& raw() const { return k_; }
  bool is_zero() const { return k_ == ByteArray<32>{}; }
  std::string to_string() const;     // "discokey:<hex>"
  std::string short_string() const;  // "d:<16 hex digits>", "" when zero

  friend bool operator==(const DiscoPublic&, const DiscoPublic&) = default;
  friend auto operator<=>(const DiscoPublic&, const DiscoPublic&) = default;

 private:
  explicit DiscoPublic(const ByteArray<32>& raw) : k_(raw) {}
  ByteArray<32> k_{};
};

class DiscoPrivate {
 public:
  DiscoPrivate() = default;  // the zero key
  static DiscoPrivate generate();  // random, clamped
  static DiscoPrivate from_raw(const ByteArray<32>& raw) { return DiscoPrivate(raw); }

  const ByteArray<32>& raw() const { return k_; }
  bool is_zero() const;
  // The public key; a zero key yields the zero public key (upstream panics).
  DiscoPublic public_key() const;

  // Constant time.
  friend bool operator==(const DiscoPrivate& a, const DiscoPrivate& b);

 private:
  explicit DiscoPrivate(const ByteArray<32>& raw) : k_(raw) {}
  ByteArray<32> k_{};
};

}  // namespace latchkey::key

template <>
struct std::hash<latchkey::key::DiscoPublic> : latchkey::key::KeyHash<latchkey::key::DiscoPublic> {};
