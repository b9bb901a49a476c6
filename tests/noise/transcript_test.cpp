// noise.json: constants and transcripts[] (complete upstream handshakes and
// the frames of both directions), reproduced byte for byte.
#include <gtest/gtest.h>

#include "crypto/x25519.h"
#include "noise/ik_handshake.h"
#include "noise/messages.h"
#include "noise/protocol.h"
#include "noise/symmetric_state.h"
#include "noise_test_support.h"

namespace latchkey::noise {
namespace {

using test::hex;
using test::hex_array;
using test::noise_vectors;
using test::to_bytes;

TEST(NoiseConstants, MatchVectors) {
  const auto& c = noise_vectors()["constants"];
  EXPECT_EQ(c["protocol_name"].get<std::string>(), kProtocolName);
  EXPECT_EQ(c["prologue_prefix"].get<std::string>(), kProloguePrefix);
  EXPECT_EQ(c["msg_type_initiation"].get<int>(), static_cast<int>(MessageType::kInitiation));
  EXPECT_EQ(c["msg_type_response"].get<int>(), static_cast<int>(MessageType::kResponse));
  EXPECT_EQ(c["msg_type_error"].get<int>(), static_cast<int>(MessageType::kError));
  EXPECT_EQ(c["msg_type_record"].get<int>(), static_cast<int>(MessageType::kRecord));
  EXPECT_EQ(c["initiation_len"].get<std::size_t>(), kInitiationSize);
  EXPECT_EQ(c["initiation_header_len"].get<std::size_t>(), kInitiationHeaderSize);
  EXPECT_EQ(c["initiation_payload_len"].get<std::size_t>(), kInitiationPayloadSize);
  EXPECT_EQ(c["response_len"].get<std::size_t>(), kResponseSize);
  EXPECT_EQ(c["header_len"].get<std::size_t>(), kHeaderSize);
  EXPECT_EQ(c["response_payload_len"].get<std::size_t>(), kResponsePayloadSize);
  EXPECT_EQ(c["max_frame_size"].get<std::size_t>(), kMaxFrameSize);
  EXPECT_EQ(c["max_ciphertext_size"].get<std::size_t>(), kMaxCiphertextSize);
  EXPECT_EQ(c["max_plaintext_size"].get<std::size_t>(), kMaxPlaintextSize);
  EXPECT_EQ(c["current_capability_version"].get<int>(), kCurrentCapabilityVersion);

  const SymmetricState initial(kProtocolName);
  EXPECT_EQ(to_bytes(initial.h()), hex(c["h0"]));
  EXPECT_EQ(to_bytes(initial.ck()), hex(c["ck0"]));
  EXPECT_FALSE(initial.has_key());

  for (const auto& p : c["prologues"]) {
    const std::string prologue = prologue_for_version(p["version"].get<std::uint16_t>());
    EXPECT_EQ(prologue, p["prologue"].get<std::string>());
    EXPECT_EQ(to_bytes(as_bytes(prologue)), hex(p["prologue_hex"]));
  }
}

TEST(NoiseConstants, TransportNonceIsBigEndianCounter) {
  const crypto::ChaChaNonce be = encode_nonce(0x0102030405060708, NonceEncoding::kBigEndian);
  const crypto::ChaChaNonce le = encode_nonce(0x0102030405060708, NonceEncoding::kLittleEndian);
  EXPECT_EQ(to_bytes(be), (Bytes{0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(to_bytes(le), (Bytes{0, 0, 0, 0, 8, 7, 6, 5, 4, 3, 2, 1}));
}

// The intermediate steps, replayed with SymmetricState directly.
void check_intermediate_steps(const nlohmann::json& t) {
  const auto control = Keypair::from_private(hex_array<32>(t["control_private"]));
  const auto machine = Keypair::from_private(hex_array<32>(t["machine_private"]));
  const auto ce = hex_array<32>(t["client_ephemeral_private"]);
  const auto se = hex_array<32>(t["server_ephemeral_private"]);
  const auto ce_pub = crypto::x25519_public(ce);
  const auto se_pub = crypto::x25519_public(se);

  SymmetricState sym(kProtocolName);
  Bytes scratch(64);
  for (const auto& step : t["intermediate_steps"]) {
    const std::string name = step["step"].get<std::string>();
    SCOPED_TRACE(name);
    auto dh = [&](const crypto::X25519Scalar& priv, const crypto::X25519Point& pub) {
      auto shared = crypto::x25519_shared(priv, pub);
      EXPECT_TRUE(shared.ok());
      EXPECT_EQ(to_bytes(*shared), hex(step["dh"]));
      sym.mix_key(*shared);
      ASSERT_TRUE(sym.key().has_value());
      EXPECT_EQ(to_bytes(*sym.key()), hex(step.contains("k") ? step["k"] : step["k_unused"]));
    };
    if (name == "initialize") {
    } else if (name == "mix_hash(prologue)") {
      EXPECT_EQ(hex(step["data"]), to_bytes(as_bytes(prologue_for_version(t["protocol_version"].get<std::uint16_t>()))));
      sym.mix_hash(hex(step["data"]));
    } else if (name == "mix_hash(control_static_pub)") {
      EXPECT_EQ(hex(step["data"]), to_bytes(control.public_key));
      sym.mix_hash(control.public_key);
    } else if (name == "mix_hash(client_ephemeral_pub)") {
      EXPECT_EQ(hex(step["data"]), to_bytes(ce_pub));
      sym.mix_hash(ce_pub);
    } else if (name == "mix_hash(server_ephemeral_pub)") {
      EXPECT_EQ(hex(step["data"]), to_bytes(se_pub));
      sym.mix_hash(se_pub);
    } else if (name == "mix_dh(es)") {
      dh(ce, control.public_key);
    } else if (name == "mix_dh(ss)") {
      dh(machine.private_key, control.public_key);
    } else if (name == "mix_dh(ee)") {
      dh(se, ce_pub);
    } else if (name == "mix_dh(se)") {
      dh(machine.private_key, se_pub);
    } else if (name == "encrypt_and_hash(machine_pub)") {
      ASSERT_TRUE(sym.encrypt_and_hash(machine.public_key, scratch.data()).ok());
      EXPECT_EQ(Bytes(scratch.begin(), scratch.begin() + 48), hex(step["ciphertext"]));
    } else if (name == "encrypt_and_hash(empty)") {
      ASSERT_TRUE(sym.encrypt_and_hash(ByteView{}, scratch.data()).ok());
      EXPECT_EQ(Bytes(scratch.begin(), scratch.begin() + 16), hex(step["ciphertext"]));
    } else if (name == "split") {
      auto [k1, k2] = sym.split();
      EXPECT_EQ(to_bytes(k1), hex(step["k1_client_to_server"]));
      EXPECT_EQ(to_bytes(k2), hex(step["k2_server_to_client"]));
    } else {
      ADD_FAILURE() << "unknown step " << name;
    }
    EXPECT_EQ(to_bytes(sym.h()), hex(step["h"]));
    EXPECT_EQ(to_bytes(sym.ck()), hex(step["ck"]));
  }
}

// Every frame of one direction: sealing the plaintexts reproduces the frames,
// and the receiving side recovers the plaintexts.
void check_direction(Conn& sender, Conn& receiver, const nlohmann::json& messages) {
  for (const auto& m : messages) {
    const Bytes plaintext = hex(m["plaintext"]);
    Bytes expected_wire;
    for (const auto& f : m["frames"]) {
      const Bytes frame = hex(f);
      EXPECT_LE(frame.size(), kMaxFrameSize);
      expected_wire.insert(expected_wire.end(), frame.begin(), frame.end());
    }
    Bytes wire;
    ASSERT_TRUE(sender.encrypt(plaintext, wire).ok());
    EXPECT_EQ(wire, expected_wire) << "plaintext of " << plaintext.size() << " bytes";
    Bytes received;
    ASSERT_TRUE(receiver.decrypt(expected_wire, received).ok());
    EXPECT_EQ(received, plaintext);
  }
}

TEST(NoiseTranscripts, ReproduceUpstreamHandshakesAndFrames) {
  const auto& transcripts = noise_vectors()["transcripts"];
  ASSERT_EQ(transcripts.size(), 22u);
  int with_steps = 0;
  for (const auto& t : transcripts) {
    SCOPED_TRACE(t["name"].get<std::string>());
    const auto p = test::HandshakeParams::from(t);
    EXPECT_EQ(to_bytes(p.control.public_key), hex(t["control_public"]));
    EXPECT_EQ(to_bytes(p.machine.public_key), hex(t["machine_public"]));
    EXPECT_EQ(to_bytes(as_bytes(prologue_for_version(p.version))), hex(t["prologue"]));

    // Ephemeral keys: the random bytes, clamped, and their public halves.
    crypto::X25519Scalar ce = p.client_random, se = p.server_random;
    crypto::x25519_clamp(ce);
    crypto::x25519_clamp(se);
    EXPECT_EQ(to_bytes(ce), hex(t["client_ephemeral_private"]));
    EXPECT_EQ(to_bytes(se), hex(t["server_ephemeral_private"]));
    EXPECT_EQ(to_bytes(crypto::x25519_public(ce)), hex(t["client_ephemeral_public"]));
    EXPECT_EQ(to_bytes(crypto::x25519_public(se)), hex(t["server_ephemeral_public"]));

    // The TS2021 handshake, both roles.
    auto pair = test::handshake(p);
    ASSERT_TRUE(pair.client && pair.server);
    EXPECT_EQ(pair.initiation, hex(t["initiation"]));
    EXPECT_EQ(pair.response, hex(t["response"]));
    EXPECT_EQ(to_bytes(pair.client->handshake_hash()), hex(t["handshake_hash"]));
    EXPECT_EQ(to_bytes(pair.server->handshake_hash()), hex(t["handshake_hash"]));
    EXPECT_EQ(pair.client->protocol_version(), p.version);
    EXPECT_EQ(pair.server->protocol_version(), p.version);
    EXPECT_EQ(pair.server->peer(), p.machine.public_key);
    EXPECT_EQ(pair.client->peer(), p.control.public_key);

    // The transport keys, from the bare IK core run with the same inputs.
    const std::string prologue = prologue_for_version(p.version);
    IkInitiator ik(kProtocolName, as_bytes(prologue), p.machine, p.control.public_key);
    Bytes msg1(ik_message1_size(0));
    ASSERT_TRUE(ik.write_message1(ce, ByteView{}, msg1.data()).ok());
    ASSERT_TRUE(ik.read_message2(ByteView(pair.response).subspan(kHeaderSize), nullptr).ok());
    EXPECT_EQ(to_bytes(ik.result().initiator_to_responder), hex(t["transport_key_client_to_server"]));
    EXPECT_EQ(to_bytes(ik.result().responder_to_initiator), hex(t["transport_key_server_to_client"]));

    check_direction(*pair.client, *pair.server, t["client_to_server"]);
    check_direction(*pair.server, *pair.client, t["server_to_client"]);

    if (t.contains("intermediate_steps")) {
      ++with_steps;
      check_intermediate_steps(t);
    }
  }
  EXPECT_GE(with_steps, 1);
}

// Reading the initiation in the header form gives the same result as the
// stream form, for every transcript.
TEST(NoiseTranscripts, HeaderFormMatchesStreamForm) {
  for (const auto& t : noise_vectors()["transcripts"]) {
    SCOPED_TRACE(t["name"].get<std::string>());
    const auto p = test::HandshakeParams::from(t);
    ServerHandshake server(p.control);
    ASSERT_TRUE(server.read_initiation_message(hex(t["initiation"])).ok());
    EXPECT_TRUE(server.initiation_complete());
    EXPECT_EQ(server.client_version(), p.version);
    EXPECT_EQ(server.client_machine_key(), p.machine.public_key);
    auto accept = server.respond(p.server_random);
    ASSERT_TRUE(accept.ok());
    EXPECT_EQ(to_bytes(accept->response), hex(t["response"]));
  }
}

}  // namespace
}  // namespace latchkey::noise
