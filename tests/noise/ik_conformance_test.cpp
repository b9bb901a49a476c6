// Noise IK conformance: the bare handshake core (no TS2021 header, the Noise
// spec's little-endian transport nonce, the vectors' own prologue and
// payloads) against the published Noise_IK_25519_ChaChaPoly_BLAKE2s vectors
// of cacophony and snow (tests/data/noise_ik_vectors.json).
#include <gtest/gtest.h>

#include "crypto/x25519.h"
#include "noise/cipher_state.h"
#include "noise/ik_handshake.h"
#include "noise_test_support.h"

namespace latchkey::noise {
namespace {

using test::hex;
using test::hex_array;
using test::to_bytes;

TEST(NoiseIkConformance, PublishedVectors) {
  const auto& vectors = test::load_json("noise_ik_vectors.json")["vectors"];
  ASSERT_EQ(vectors.size(), 2u);
  for (const auto& v : vectors) {
    SCOPED_TRACE(v["source"].get<std::string>());
    ASSERT_EQ(v["protocol_name"].get<std::string>(), "Noise_IK_25519_ChaChaPoly_BLAKE2s");
    const Bytes prologue = hex(v["init_prologue"]);
    ASSERT_EQ(prologue, hex(v["resp_prologue"]));
    const auto init_static = Keypair::from_private(hex_array<32>(v["init_static"]));
    const auto resp_static = Keypair::from_private(hex_array<32>(v["resp_static"]));
    const auto remote_static = hex_array<32>(v["init_remote_static"]);
    ASSERT_EQ(remote_static, resp_static.public_key);

    IkInitiator initiator(kProtocolName, prologue, init_static, remote_static, NonceEncoding::kLittleEndian);
    IkResponder responder(kProtocolName, prologue, resp_static, NonceEncoding::kLittleEndian);
    const auto& messages = v["messages"];
    ASSERT_GE(messages.size(), 2u);

    // Message 1: -> e, es, s, ss
    const Bytes p0 = hex(messages[0]["payload"]);
    Bytes m0(ik_message1_size(p0.size()));
    ASSERT_TRUE(initiator.write_message1(hex_array<32>(v["init_ephemeral"]), p0, m0.data()).ok());
    EXPECT_EQ(m0, hex(messages[0]["ciphertext"]));
    Bytes r0(p0.size());
    ASSERT_TRUE(responder.read_message1(m0, r0.data()).ok());
    EXPECT_EQ(r0, p0);
    EXPECT_EQ(responder.initiator_static(), init_static.public_key);

    // Message 2: <- e, ee, se
    const Bytes p1 = hex(messages[1]["payload"]);
    Bytes m1(ik_message2_size(p1.size()));
    ASSERT_TRUE(responder.write_message2(hex_array<32>(v["resp_ephemeral"]), p1, m1.data()).ok());
    EXPECT_EQ(m1, hex(messages[1]["ciphertext"]));
    Bytes r1(p1.size());
    ASSERT_TRUE(initiator.read_message2(m1, r1.data()).ok());
    EXPECT_EQ(r1, p1);

    const IkResult ri = initiator.result();
    const IkResult rr = responder.result();
    EXPECT_EQ(ri.handshake_hash, rr.handshake_hash);
    if (v.contains("handshake_hash")) {
      EXPECT_EQ(to_bytes(ri.handshake_hash), hex(v["handshake_hash"]));
    }
    EXPECT_EQ(ri.initiator_to_responder, rr.initiator_to_responder);
    EXPECT_EQ(ri.responder_to_initiator, rr.responder_to_initiator);

    // Transport messages alternate initiator -> responder, responder ->
    // initiator, with the spec's little-endian counter.
    CipherState i_send(ri.initiator_to_responder, NonceEncoding::kLittleEndian);
    CipherState i_recv(ri.responder_to_initiator, NonceEncoding::kLittleEndian);
    CipherState r_send(rr.responder_to_initiator, NonceEncoding::kLittleEndian);
    CipherState r_recv(rr.initiator_to_responder, NonceEncoding::kLittleEndian);
    for (std::size_t i = 2; i < messages.size(); ++i) {
      SCOPED_TRACE("message " + std::to_string(i));
      const bool from_initiator = i % 2 == 0;
      CipherState& send = from_initiator ? i_send : r_send;
      CipherState& recv = from_initiator ? r_recv : i_recv;
      const Bytes payload = hex(messages[i]["payload"]);
      Bytes ct(payload.size() + kTagSize);
      ASSERT_TRUE(send.encrypt(ByteView{}, payload, ct.data()).ok());
      EXPECT_EQ(ct, hex(messages[i]["ciphertext"]));
      Bytes pt(payload.size());
      ASSERT_TRUE(recv.decrypt(ByteView{}, ct, pt.data()).ok());
      EXPECT_EQ(pt, payload);
    }
  }
}

// Where TS2021 differs from the spec: with more than one transport message,
// the nonce layout matters, and the vectors pin the little-endian one.
TEST(NoiseIkConformance, BigEndianNoncesDoNotMatchSpecVectors) {
  const auto& v = test::load_json("noise_ik_vectors.json")["vectors"][0];
  const auto& messages = v["messages"];
  ASSERT_GE(messages.size(), 5u);
  IkInitiator initiator(kProtocolName, hex(v["init_prologue"]),
                        Keypair::from_private(hex_array<32>(v["init_static"])), hex_array<32>(v["init_remote_static"]),
                        NonceEncoding::kLittleEndian);
  Bytes m0(ik_message1_size(hex(messages[0]["payload"]).size()));
  ASSERT_TRUE(initiator.write_message1(hex_array<32>(v["init_ephemeral"]), hex(messages[0]["payload"]), m0.data()).ok());
  Bytes r1(hex(messages[1]["payload"]).size());
  ASSERT_TRUE(initiator.read_message2(hex(messages[1]["ciphertext"]), r1.data()).ok());
  // Initiator's second transport message (message 4) uses counter 1.
  CipherState be(initiator.result().initiator_to_responder, NonceEncoding::kBigEndian);
  const Bytes p2 = hex(messages[2]["payload"]);
  Bytes ct(p2.size() + kTagSize);
  ASSERT_TRUE(be.encrypt(ByteView{}, p2, ct.data()).ok());
  EXPECT_EQ(ct, hex(messages[2]["ciphertext"]));  // counter 0: layouts agree
  const Bytes p4 = hex(messages[4]["payload"]);
  Bytes ct4(p4.size() + kTagSize);
  ASSERT_TRUE(be.encrypt(ByteView{}, p4, ct4.data()).ok());
  EXPECT_NE(ct4, hex(messages[4]["ciphertext"]));  // counter 1: they differ
}

}  // namespace
}  // namespace latchkey::noise
