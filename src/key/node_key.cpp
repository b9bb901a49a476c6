#include "key/node_key.h"

#include <algorithm>

#include "base/hex.h"
#include "crypto/x25519.h"
#include "key/hex_text.h"

namespace latchkey::key {

Result<NodePublic> NodePublic::parse(std::string_view text) {
  ByteArray<32> raw;
  if (auto st = parse_prefixed_hex(text, kTextPrefix, raw); !st) return st.error();
  return NodePublic(raw);
}

Result<NodePublic> NodePublic::parse_untyped(std::string_view hex) {
  ByteArray<32> raw;
  if (auto st = parse_prefixed_hex(hex, "", raw); !st) return st.error();
  return NodePublic(raw);
}

Result<NodePublic> NodePublic::from_binary(ByteView data) {
  // Upstream checks the prefix first, then the total length.
  if (as_chars(data).substr(0, kBinaryPrefix.size()) != kBinaryPrefix) {
    return Error{"missing/incorrect type prefix " + std::string(kBinaryPrefix)};
  }
  if (data.size() != kBinarySize) {
    return Error{"incorrect len for NodePublic (" + std::to_string(data.size()) + " != " +
                 std::to_string(kBinarySize) + ")"};
  }
  ByteArray<32> raw;
  std::copy(data.begin() + static_cast<std::ptrdiff_t>(kBinaryPrefix.size()), data.end(), raw.begin());
  return NodePublic(raw);
}

std::string NodePublic::to_string() const { return format_prefixed_hex(kTextPrefix, k_); }
std::string NodePublic::untyped_hex() const { return hex_encode(k_); }
std::string NodePublic::short_string() const { return short_base64_form(k_); }

ByteArray<NodePublic::kBinarySize> NodePublic::to_binary() const {
  ByteArray<kBinarySize> out;
  std::copy(kBinaryPrefix.begin(), kBinaryPrefix.end(), out.begin());
  std::copy(k_.begin(), k_.end(), out.begin() + static_cast<std::ptrdiff_t>(kBinaryPrefix.size()));
  return out;
}

std::uint8_t NodePublic::shard() const {
  // Byte arithmetic wraps modulo 256, as upstream's uint8 sums do.
  const auto s = static_cast<std::uint8_t>(k_[31] + k_[30] + k_[20]);
  return static_cast<std::uint8_t>(s ^ static_cast<std::uint8_t>(k_[2] + k_[12]));
}

NodePrivate NodePrivate::generate() { return NodePrivate(crypto::x25519_generate()); }

Result<NodePrivate> NodePrivate::parse(std::string_view text) {
  ByteArray<32> raw;
  if (auto st = parse_prefixed_hex(text, kTextPrefix, raw); !st) return st.error();
  return NodePrivate(raw);
}

Result<NodePrivate> NodePrivate::parse_untyped(std::string_view hex) {
  ByteArray<32> raw;
  if (auto st = parse_prefixed_hex(hex, "", raw); !st) return st.error();
  return NodePrivate(raw);
}

bool NodePrivate::is_zero() const { return constant_time_equal(k_, ByteArray<32>{}); }

NodePublic NodePrivate::public_key() const {
  if (is_zero()) return NodePublic();
  return NodePublic::from_raw(crypto::x25519_public(k_));
}

std::string NodePrivate::to_string() const { return format_prefixed_hex(kTextPrefix, k_); }
std::string NodePrivate::untyped_hex() const { return hex_encode(k_); }

bool operator==(const NodePrivate& a, const NodePrivate& b) { return constant_time_equal(a.k_, b.k_); }

}  // namespace latchkey::key
