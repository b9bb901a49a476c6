// `latchkey version` and `latchkey selfcheck`: what this build is, and a
// known-answer run of every primitive it links, so a newcomer can see at a
// glance that the crypto under the control plane computes what the RFCs say.
#include <iostream>
#include <string>
#include <vector>

#include "base/hex.h"
#include "base/version.h"
#include "cli/commands.h"
#include "crypto/blake2s.h"
#include "crypto/chacha20poly1305.h"
#include "crypto/ed25519.h"
#include "crypto/hmac_blake2s.h"
#include "crypto/x25519.h"
#include "key/nl_key.h"
#include "key/node_key.h"

namespace latchkey::cli {
namespace {


template <std::size_t N>
ByteArray<N> fixed(std::string_view h) {
  ByteArray<N> out{};
  (void)hex_decode_into(h, out);
  return out;
}

struct Check {
  std::string name;
  bool passed;
};

std::vector<Check> run_known_answers() {
  std::vector<Check> checks;
  {  // RFC 7748 section 5.2, first vector.
    auto scalar = fixed<32>("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4");
    auto point = fixed<32>("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c");
    auto out = crypto::x25519_shared(scalar, point);
    checks.push_back({"x25519 (RFC 7748)", out.ok() && hex_encode(*out) ==
        "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"});
  }
  {  // RFC 8439 section 2.8.2.
    auto key = fixed<32>("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
    auto nonce = fixed<12>("070000004041424344454647");
    auto ad = hex_decode("50515253c0c1c2c3c4c5c6c7").value();
    std::string_view text = "Ladies and Gentlemen of the class of '99: If I could offer you only one tip "
                            "for the future, sunscreen would be it.";
    Bytes sealed = crypto::chacha20poly1305_seal(key, nonce, ad, as_bytes(text));
    Bytes opened;
    bool ok = hex_encode(ByteView(sealed).last(16)) == "1ae10b594f09e26a7e902ecbd0600691" &&
              crypto::chacha20poly1305_open(key, nonce, ad, sealed, opened) && as_chars(opened) == text;
    checks.push_back({"chacha20-poly1305 (RFC 8439)", ok});
  }
  {  // RFC 7693 appendix B.
    auto digest = crypto::blake2s256(as_bytes("abc"));
    checks.push_back({"blake2s-256 (RFC 7693)", hex_encode(digest) ==
        "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982"});
  }
  {  // HMAC-BLAKE2s must differ from keyed BLAKE2s and be deterministic.
    auto a = crypto::hmac_blake2s(as_bytes("key"), as_bytes("data"));
    auto b = crypto::hmac_blake2s(as_bytes("key"), as_bytes("data"));
    checks.push_back({"hmac-blake2s", a == b && a != crypto::blake2s256_keyed(as_bytes("key"), as_bytes("data"))});
  }
  {  // RFC 8032 section 7.1, TEST 1 (empty message).
    auto priv = crypto::ed25519_from_seed(fixed<32>("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
    auto pub = crypto::ed25519_public(priv);
    auto sig = crypto::ed25519_sign(priv, {});
    bool ok = hex_encode(pub) == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a" &&
              hex_encode(sig) ==
                  "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b" &&
              crypto::ed25519_verify(pub, {}, sig) && crypto::ed25519_verify_zip215(pub, {}, sig);
    sig[0] ^= 1;
    ok = ok && !crypto::ed25519_verify(pub, {}, sig) && !crypto::ed25519_verify_zip215(pub, {}, sig);
    checks.push_back({"ed25519 (RFC 8032)", ok});
  }
  {  // Key text forms, from upstream's key.json vectors (case nl-00).
    const std::string nodekey = "nodekey:0ad24672612fc31dd991a950a6227acbe42b7441789d50eb7843c26527101f41";
    auto node = key::NodePrivate::from_raw(
        fixed<32>("33b844e9e9a2bb07f7d46753833ffb115b5744deedd87e2aecbf8bb1ee4c8544"));
    auto parsed = key::NodePublic::parse(nodekey);
    auto nl = key::NLPrivate::from_seed(crypto::Ed25519Seed{});
    auto nlpub = key::NLPublic::parse("tlpub:3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29");
    bool ok = parsed.ok() && node.public_key() == *parsed && parsed->to_string() == nodekey &&
              parsed->short_string() == "[CtJGc]" && nlpub.ok() && nl.public_key() == *nlpub &&
              nlpub->to_string() == "nlpub:3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29";
    checks.push_back({"key text forms (nodekey, nlpub)", ok});
  }
  return checks;
}

}  // namespace

void add_version_commands(CLI::App& app) {
  app.add_subcommand("version", "print the latchkey version")->callback([] {
    std::cout << "latchkey " << kLatchkeyVersion << "\n";
  });
  app.add_subcommand("selfcheck", "run known-answer tests of the linked cryptography")->callback([] {
    int failed = 0;
    for (const Check& c : run_known_answers()) {
      std::cout << (c.passed ? "ok    " : "FAIL  ") << c.name << "\n";
      failed += c.passed ? 0 : 1;
    }
    if (failed != 0) throw CLI::RuntimeError("selfcheck: " + std::to_string(failed) + " check(s) failed", 1);
    std::cout << "selfcheck: all checks passed\n";
  });
}

}  // namespace latchkey::cli
