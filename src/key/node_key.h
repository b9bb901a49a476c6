// Node keys (upstream types/key/node.go): the Curve25519 key pair that names
// a node in the netmap (and is its WireGuard key). Text forms
// "privkey:<hex>" and "nodekey:<hex>"; binary form "np" + 32 bytes (the form
// inside a Tailnet Lock NodeKeySignature's Pubkey); short form "[xxxxx]".
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "key/key_hash.h"

namespace latchkey::key {

class NodePublic {
 public:
  static constexpr std::string_view kTextPrefix = "nodekey:";
  static constexpr std::string_view kBinaryPrefix = "np";
  static constexpr std::size_t kRawSize = 32;
  static constexpr std::size_t kBinarySize = 2 + kRawSize;

  NodePublic() = default;  // the zero key
  static NodePublic from_raw(const ByteArray<32>& raw) { return NodePublic(raw); }
  static Result<NodePublic> parse(std::string_view text);
  // The bare 64-digit hex form (upstream's deprecated untyped form).
  static Result<NodePublic> parse_untyped(std::string_view hex);
  // "np" + 32 bytes (upstream's UnmarshalBinary).
  static Result<NodePublic> from_binary(ByteView data);

  const ByteArray<32>& raw() const { return k_; }
  bool is_zero() const { return k_ == ByteArray<32>{}; }
  std::string to_string() const;             // "nodekey:<hex>"
  std::string untyped_hex() const;           // "<hex>"
  std::string short_string() const;          // "[xxxxx]", "" when zero
  ByteArray<kBinarySize> to_binary() const;  // "np" + raw (MarshalBinary)
  // A roughly uniform byte for sharding tables by node key (upstream Shard).
  std::uint8_t shard() const;

  friend bool operator==(const NodePublic&, const NodePublic&) = default;
  friend auto operator<=>(const NodePublic&, const NodePublic&) = default;

 private:
  explicit NodePublic(const ByteArray<32>& raw) : k_(raw) {}
  ByteArray<32> k_{};
};

class NodePrivate {
 public:
  static constexpr std::string_view kTextPrefix = "privkey:";

  NodePrivate() = default;  // the zero key
  static NodePrivate generate();  // random, clamped
  static NodePrivate from_raw(const ByteArray<32>& raw) { return NodePrivate(raw); }
  static Result<NodePrivate> parse(std::string_view text);
  static Result<NodePrivate> parse_untyped(std::string_view hex);

  const ByteArray<32>& raw() const { return k_; }
  bool is_zero() const;
  // The public key; upstream panics for a zero key, here a zero key yields
  // the zero public key (check is_zero() first).
  NodePublic public_key() const;
  std::string to_string() const;    // "privkey:<hex>"
  std::string untyped_hex() const;  // "<hex>"

  // Constant time.
  friend bool operator==(const NodePrivate& a, const NodePrivate& b);

 private:
  explicit NodePrivate(const ByteArray<32>& raw) : k_(raw) {}
  ByteArray<32> k_{};
};

}  // namespace latchkey::key

template <>
struct std::hash<latchkey::key::NodePublic> : latchkey::key::KeyHash<latchkey::key::NodePublic> {};
