// HMAC-BLAKE2s and the Noise HKDF (hmac_blake2s.h): HMAC cross-checked
// against OpenSSL's EVP_MAC HMAC with digest BLAKE2S-256; the HKDF (and the
// Noise hash and cipher steps around it) against the intermediate handshake
// values upstream's controlbase produced (tests/data/vectors/noise.json).
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <string>

#include "crypto/blake2s.h"
#include "crypto/chacha20poly1305.h"
#include "crypto/hmac_blake2s.h"
#include "crypto/random.h"
#include "crypto/x25519.h"
#include "crypto/test_support.h"

namespace latchkey::crypto {
namespace {

using testing::read_json;
using testing::unhex;
using testing::unhex_array;

Blake2sDigest openssl_hmac_blake2s(ByteView key, ByteView data) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  char digest_name[] = "BLAKE2S-256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                               OSSL_PARAM_construct_end()};
  Blake2sDigest out{};
  std::size_t len = 0;
  // A null key pointer means "no key given"; an empty key needs a non-null one.
  static const unsigned char kNoBytes[1] = {0};
  const unsigned char* key_ptr = key.empty() ? kNoBytes : key.data();
  const bool ok = EVP_MAC_init(ctx, key_ptr, key.size(), params) == 1 &&
                  EVP_MAC_update(ctx, data.data(), data.size()) == 1 &&
                  EVP_MAC_final(ctx, out.data(), &len, out.size()) == 1 && len == out.size();
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
  EXPECT_TRUE(ok) << "OpenSSL HMAC(BLAKE2S-256) failed";
  return out;
}

TEST(HmacBlake2s, MatchesOpenSslHmac) {
  for (std::size_t key_len : {0u, 1u, 16u, 32u, 63u, 64u, 65u, 100u, 200u}) {
    for (std::size_t data_len : {0u, 1u, 33u, 64u, 65u, 1000u}) {
      Bytes key(key_len), data(data_len);
      random_bytes(key);
      random_bytes(data);
      EXPECT_EQ(hmac_blake2s(key, data), openssl_hmac_blake2s(key, data)) << key_len << " " << data_len;
    }
  }
  // HMAC is not keyed BLAKE2s.
  EXPECT_NE(hmac_blake2s(as_bytes("key"), as_bytes("data")), blake2s256_keyed(as_bytes("key"), as_bytes("data")));
}

TEST(NoiseHkdf, ThreeOutputsExtendTwo) {
  Blake2sDigest ck;
  random_bytes(ck);
  const Bytes ikm = unhex("0102030405");
  const auto [a, b] = noise_hkdf2(ck, ikm);
  const std::array<Blake2sDigest, 3> three = noise_hkdf3(ck, ikm);
  EXPECT_EQ(three[0], a);
  EXPECT_EQ(three[1], b);
  // Noise section 4.3: output3 = HMAC(temp_key, output2 || 0x03).
  const Blake2sDigest temp_key = hmac_blake2s(ck, ikm);
  Bytes in3(b.begin(), b.end());
  in3.push_back(3);
  EXPECT_EQ(three[2], hmac_blake2s(temp_key, in3));
}

// Walks the intermediate steps of upstream's handshakes: initialize (h = ck
// = BLAKE2s(protocol name)), MixHash, MixKey with the X25519 results
// (HKDF2), EncryptAndHash (ChaCha20-Poly1305, nonce 0, AD = h) and Split.
TEST(NoiseHkdf, ReproducesUpstreamHandshakeSteps) {
  const nlohmann::json j = read_json("vectors/noise.json");
  const std::string protocol = j.at("constants").at("protocol_name").get<std::string>();
  int transcripts = 0, hkdf_steps = 0;
  for (const auto& t : j.at("transcripts")) {
    if (!t.contains("intermediate_steps")) continue;
    ++transcripts;
    const auto key = [&](const char* name) { return unhex_array<32>(t.at(name).get<std::string>()); };
    const X25519Scalar client_e = key("client_ephemeral_private"), machine = key("machine_private");
    const X25519Point control_pub = key("control_public"), server_e_pub = key("server_ephemeral_public");
    Blake2sDigest h{}, ck{};
    ChaChaKey k{};
    for (const auto& step : t.at("intermediate_steps")) {
      const std::string name = step.at("step").get<std::string>();
      const Blake2sDigest prev_h = h;
      if (name == "initialize") {
        h = ck = blake2s256(as_bytes(protocol));
      } else if (name.rfind("mix_hash", 0) == 0) {
        h = Blake2s().update(h).update(unhex(step.at("data").get<std::string>())).final();
      } else if (name.rfind("mix_dh", 0) == 0) {
        const std::string which = name.substr(7, 2);
        const X25519Scalar& priv = which[0] == 'e' ? client_e : machine;
        const X25519Point& pub = which[1] == 's' ? control_pub : server_e_pub;
        const Result<X25519Point> dh = x25519_shared(priv, pub);
        ASSERT_TRUE(dh.ok());
        EXPECT_EQ(hex_encode(*dh), step.at("dh").get<std::string>()) << name;
        const auto [next_ck, next_k] = noise_hkdf2(ck, *dh);
        ck = next_ck;
        k = next_k;
        EXPECT_EQ(hex_encode(k), step.value("k", step.value("k_unused", ""))) << name;
        ++hkdf_steps;
      } else if (name.rfind("encrypt_and_hash", 0) == 0) {
        const Bytes plaintext = name == "encrypt_and_hash(machine_pub)" ? unhex(t.at("machine_public").get<std::string>()) : Bytes{};
        const Bytes ct = chacha20poly1305_seal(k, ChaChaNonce{}, prev_h, plaintext);
        EXPECT_EQ(hex_encode(ct), step.at("ciphertext").get<std::string>()) << name;
        h = Blake2s().update(h).update(ct).final();
      } else if (name == "split") {
        const auto [k1, k2] = noise_hkdf2(ck, {});
        EXPECT_EQ(hex_encode(k1), step.at("k1_client_to_server").get<std::string>());
        EXPECT_EQ(hex_encode(k2), step.at("k2_server_to_client").get<std::string>());
        EXPECT_EQ(hex_encode(k1), t.at("transport_key_client_to_server").get<std::string>());
        EXPECT_EQ(hex_encode(k2), t.at("transport_key_server_to_client").get<std::string>());
        ++hkdf_steps;
      } else {
        FAIL() << "unknown step " << name;
      }
      EXPECT_EQ(hex_encode(h), step.at("h").get<std::string>()) << name;
      EXPECT_EQ(hex_encode(ck), step.at("ck").get<std::string>()) << name;
    }
    EXPECT_EQ(hex_encode(h), t.at("handshake_hash").get<std::string>());
  }
  EXPECT_GE(transcripts, 1);
  EXPECT_GE(hkdf_steps, 5 * transcripts);
}

}  // namespace
}  // namespace latchkey::crypto
