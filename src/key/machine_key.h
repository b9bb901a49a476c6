// Machine keys (upstream types/key/machine.go): the Curve25519 key pair a
// device uses towards the control server; the public half is the Noise
// static key. Text forms: "privkey:<hex>" and "mkey:<hex>".
#pragma once

#include <compare>
#include <functional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "key/key_hash.h"

namespace latchkey::key {

class MachinePublic {
 public:
  static constexpr std::string_view kTextPrefix = "mkey:";

  MachinePublic() = default;  // the zero key
  static MachinePublic from_raw(const ByteArray<32>& raw) { return MachinePublic(raw); }
  static Result<MachinePublic> parse(std::string_view text);
  // The bare 64-digit hex form (upstream's deprecated untyped form).
  static Result<MachinePublic> parse_untyped(std::string_view hex);

  const ByteArray<32>& raw() const { return k_; }
  bool is_zero() const { return k_ == ByteArray<32>{}; }
  std::string to_string() const;      // "mkey:<hex>"
  std::string untyped_hex() const;    // "<hex>"
  std::string short_string() const;   // "[xxxxx]", "" when zero

  friend bool operator==(const MachinePublic&, const MachinePublic&) = default;
  friend auto operator<=>(const MachinePublic&, const MachinePublic&) = default;

 private:
  explicit MachinePublic(const ByteArray<32>& raw) : k_(raw) {}
  ByteArray<32> k_{};
};

class MachinePrivate {
 public:
  static constexpr std::string_view kTextPrefix = "privkey:";

  MachinePrivate() = default;  // the zero key
  static MachinePrivate generate();  // random, clamped
  static MachinePrivate from_raw(const ByteArray<32>& raw) { return MachinePrivate(raw); }
  static Result<MachinePrivate> parse(std::string_view text);

  const ByteArray<32>& raw() const { return k_; }
  bool is_zero() const;
  // The public key; upstream panics for a zero key, here a zero key yields
  // the zero public key (check is_zero() first).
  MachinePublic public_key() const;
  std::string to_string() const;  // "privkey:<hex>"

  // Constant time.
  friend bool operator==(const MachinePrivate& a, const MachinePrivate& b);

 private:
  explicit MachinePrivate(const ByteArray<32>& raw) : k_(raw) {}
  ByteArray<32> k_{};
};

}  // namespace latchkey::key

template <>
struct std::hash<latchkey::key::MachinePublic> : latchkey::key::KeyHash<latchkey::key::MachinePublic> {};
