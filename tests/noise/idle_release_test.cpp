// RecordSealer / RecordDecoder release_idle(): an idle connection gives back
// the AEAD's OpenSSL contexts (and the decoder its partial-frame buffer);
// records sealed and opened across releases are still upstream's frames
// (vectors/noise.json transcripts, whose 4096-byte messages take the OpenSSL
// path for their 4077-byte record).
#include <gtest/gtest.h>

#include "noise/record_decoder.h"
#include "noise/record_sealer.h"
#include "noise_test_support.h"

namespace latchkey::noise {
namespace {

using test::hex;
using test::hex_array;
using test::noise_vectors;

struct Message {
  Bytes plaintext;
  Bytes wire;  // upstream's frames, concatenated
};

std::vector<Message> messages_of(const nlohmann::json& list) {
  std::vector<Message> out;
  for (const auto& m : list) {
    Message msg{hex(m["plaintext"]), {}};
    for (const auto& f : m["frames"]) {
      const Bytes frame = hex(f);
      msg.wire.insert(msg.wire.end(), frame.begin(), frame.end());
    }
    out.push_back(std::move(msg));
  }
  return out;
}

// Returns whether a message took the OpenSSL path.
bool check_sealing_across_releases(const crypto::ChaChaKey& key, const std::vector<Message>& messages) {
  RecordSealer tx(key);
  bool used_openssl = false;
  for (const auto& m : messages) {
    Bytes wire(RecordSealer::sealed_size(m.plaintext.size()));
    auto n = tx.seal(m.plaintext, wire);
    EXPECT_TRUE(n.ok()) << n.message();
    if (!n.ok()) return used_openssl;
    wire.resize(*n);
    EXPECT_EQ(wire, m.wire) << m.plaintext.size() << "-byte message";
    used_openssl = used_openssl || tx.holds_contexts();
    tx.release_idle();
    EXPECT_FALSE(tx.holds_contexts());
  }
  return used_openssl;
}

void check_decoding_across_releases(const crypto::ChaChaKey& key, const std::vector<Message>& messages) {
  RecordDecoder rx(key);
  for (const auto& m : messages) {
    // Each message arrives in two pieces, split inside its first frame; the
    // decoder is released between them (it must keep the partial frame) and
    // after the message (then it holds nothing).
    const std::size_t cut = std::min<std::size_t>(m.wire.size() - 1, 7);
    Bytes plain;
    ASSERT_TRUE(rx.decode_append(ByteView(m.wire).first(cut), plain).ok());
    EXPECT_GT(rx.buffered(), 0u);
    rx.release_idle();
    EXPECT_TRUE(rx.holds_memory());  // the partial frame stays
    ASSERT_TRUE(rx.decode_append(ByteView(m.wire).subspan(cut), plain).ok());
    EXPECT_EQ(plain, m.plaintext);
    rx.release_idle();
    EXPECT_FALSE(rx.holds_memory());
  }
  EXPECT_TRUE(rx.end_of_stream().ok());
}

TEST(NoiseIdleRelease, UpstreamFramesAcrossReleases) {
  const auto& transcripts = noise_vectors()["transcripts"];
  ASSERT_FALSE(transcripts.empty());
  int openssl_transcripts = 0;
  for (const auto& t : transcripts) {
    SCOPED_TRACE(t["name"].get<std::string>());
    const auto c2s = hex_array<32>(t["transport_key_client_to_server"]);
    const auto s2c = hex_array<32>(t["transport_key_server_to_client"]);
    const auto up = messages_of(t["client_to_server"]);
    const auto down = messages_of(t["server_to_client"]);
    const bool big_up = check_sealing_across_releases(c2s, up);
    const bool big_down = check_sealing_across_releases(s2c, down);
    if (big_up || big_down) ++openssl_transcripts;
    check_decoding_across_releases(c2s, up);
    check_decoding_across_releases(s2c, down);
  }
  EXPECT_GE(openssl_transcripts, 1);  // the OpenSSL path was exercised
}

TEST(NoiseIdleRelease, TamperedRecordStillRejectedAfterRelease) {
  const auto& t = noise_vectors()["transcripts"][0];
  const auto key = hex_array<32>(t["transport_key_server_to_client"]);
  auto messages = messages_of(t["server_to_client"]);
  RecordDecoder rx(key);
  Bytes plain;
  ASSERT_TRUE(rx.decode_append(messages[0].wire, plain).ok());
  rx.release_idle();
  Bytes bad = messages[1].wire;
  bad[100] ^= 0x20;  // inside the first, 4077-byte record (OpenSSL path)
  plain.clear();
  auto st = rx.decode_append(bad, plain);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find(kAuthenticationFailed), std::string::npos) << st.message();
  EXPECT_TRUE(plain.empty());
}

}  // namespace
}  // namespace latchkey::noise
