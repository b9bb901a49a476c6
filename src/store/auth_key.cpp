#include "store/auth_key.h"

#include "base/hex.h"
#include "crypto/blake2s.h"
#include "crypto/random.h"

namespace latchkey::store {
namespace {

constexpr std::string_view kHashKey = "latchkey pre-auth key secret v1";

bool lower_hex(std::string_view s, std::size_t len) {
  if (s.size() != len) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

AuthKeyParts generate_auth_key() {
  ByteArray<6> prefix{};
  ByteArray<32> secret{};
  crypto::random_bytes(prefix);
  crypto::random_bytes(secret);
  return {hex_encode(prefix), hex_encode(secret)};
}

std::string format_auth_key(const AuthKeyParts& k) {
  return std::string(kAuthKeyPrefix) + k.prefix + "-" + k.secret;
}

Result<AuthKeyParts> parse_auth_key(std::string_view text) {
  const Error bad{"invalid auth key", ErrorKind::NotFound};
  if (text.substr(0, kAuthKeyPrefix.size()) != kAuthKeyPrefix) return bad;
  text.remove_prefix(kAuthKeyPrefix.size());
  if (text.size() != 12 + 1 + 64 || text[12] != '-') return bad;
  AuthKeyParts k{std::string(text.substr(0, 12)), std::string(text.substr(13))};
  if (!lower_hex(k.prefix, 12) || !lower_hex(k.secret, 64)) return bad;
  return k;
}

Bytes hash_auth_key_secret(std::string_view secret) {
  const auto d = crypto::blake2s256_keyed(as_bytes(kHashKey), as_bytes(secret));
  return Bytes(d.begin(), d.end());
}

}  // namespace latchkey::store
