// Pre-auth key text and what the store keeps of it. A key reads
// "tskey-auth-<prefix>-<secret>": the prefix (12 hex digits, random) is
// stored in clear and finds the row; the secret (64 hex digits, 256 random
// bits) is stored only as a keyed BLAKE2s-256 hash and compared in constant
// time. A fast hash suffices because the secret is uniformly random, not a
// password. The form keeps clear of "--" so Tailnet Lock's wrapped auth
// keys ("<key>--TL<sig>-<priv>") can carry it.
#pragma once

#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"

namespace latchkey::store {

inline constexpr std::string_view kAuthKeyPrefix = "tskey-auth-";

struct AuthKeyParts {
  std::string prefix;  // 12 lowercase hex digits
  std::string secret;  // 64 lowercase hex digits
};

AuthKeyParts generate_auth_key();
std::string format_auth_key(const AuthKeyParts& k);
// Strict: the exact form format_auth_key writes. NotFound for anything else
// (to a client, a malformed key is just an unknown key).
Result<AuthKeyParts> parse_auth_key(std::string_view text);
Bytes hash_auth_key_secret(std::string_view secret);

}  // namespace latchkey::store
