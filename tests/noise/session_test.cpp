// In-memory client <-> server sessions: handshakes with fresh keys, records
// both ways, every chunking of the byte stream, and rejection of corrupted,
// truncated, oversized, mistyped and error frames, tampered handshakes,
// refusals and nonce exhaustion.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "crypto/random.h"
#include "noise/messages.h"
#include "noise_test_support.h"

namespace latchkey::noise {
namespace {

using test::to_bytes;

struct Session {
  Keypair control = Keypair::generate();
  Keypair machine = Keypair::generate();
  std::optional<Conn> client;
  std::optional<Conn> server;
};

Session connect(std::uint16_t version = kCurrentCapabilityVersion) {
  Session s;
  auto client = ClientHandshake::start(s.machine, s.control.public_key, version);
  EXPECT_TRUE(client.ok());
  ServerHandshake server(s.control);
  auto consumed = server.read_initiation(client->initiation());
  EXPECT_TRUE(consumed.ok() && server.initiation_complete());
  auto accept = server.respond();
  EXPECT_TRUE(accept.ok());
  auto used = client->read_response(accept->response);
  EXPECT_TRUE(used.ok() && client->established());
  s.client.emplace(client->take_conn());
  s.server.emplace(std::move(accept->conn));
  return s;
}

Bytes pattern(std::size_t n, std::uint8_t seed) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(seed + i * 13);
  return b;
}

crypto::ChaChaKey test_key(std::uint8_t seed) {
  crypto::ChaChaKey k;
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(seed * 31 + i);
  return k;
}

TEST(NoiseSession, HandshakeAgreesOnEverything) {
  Session s = connect();
  EXPECT_EQ(s.client->handshake_hash(), s.server->handshake_hash());
  EXPECT_EQ(s.client->protocol_version(), kCurrentCapabilityVersion);
  EXPECT_EQ(s.server->protocol_version(), kCurrentCapabilityVersion);
  EXPECT_EQ(s.client->peer(), s.control.public_key);
  EXPECT_EQ(s.server->peer(), s.machine.public_key);
}

TEST(NoiseSession, FreshEphemeralsEveryTime) {
  const Keypair control = Keypair::generate();
  const Keypair machine = Keypair::generate();
  std::set<Bytes> initiations, responses, hashes;
  for (int i = 0; i < 8; ++i) {
    auto client = ClientHandshake::start(machine, control.public_key, 1);
    ASSERT_TRUE(client.ok());
    ServerHandshake server(control);
    ASSERT_TRUE(server.read_initiation(client->initiation()).ok());
    auto accept = server.respond();
    ASSERT_TRUE(accept.ok());
    initiations.insert(to_bytes(client->initiation()));
    responses.insert(to_bytes(accept->response));
    hashes.insert(to_bytes(accept->conn.handshake_hash()));
  }
  EXPECT_EQ(initiations.size(), 8u);
  EXPECT_EQ(responses.size(), 8u);
  EXPECT_EQ(hashes.size(), 8u);
}

TEST(NoiseSession, ManyRecordsBothWays) {
  Session s = connect();
  std::mt19937 rng(7);
  std::uniform_int_distribution<std::size_t> size(0, 3 * kMaxPlaintextSize + 5);
  for (int i = 0; i < 200; ++i) {
    const bool from_client = i % 3 != 0;
    Conn& tx = from_client ? *s.client : *s.server;
    Conn& rx = from_client ? *s.server : *s.client;
    const Bytes msg = pattern(size(rng), static_cast<std::uint8_t>(i));
    Bytes wire;
    ASSERT_TRUE(tx.encrypt(msg, wire).ok());
    EXPECT_EQ(wire.size(), RecordSealer::sealed_size(msg.size()));
    Bytes got;
    ASSERT_TRUE(rx.decrypt(wire, got).ok());
    ASSERT_EQ(got, msg) << "message " << i;
  }
  EXPECT_EQ(s.client->sender().next_nonce(), s.server->receiver().next_nonce());
  EXPECT_EQ(s.server->sender().next_nonce(), s.client->receiver().next_nonce());
}

TEST(NoiseSession, WritesSplitLikeUpstream) {
  RecordSealer tx(test_key(1));
  struct Case {
    std::size_t plaintext;
    std::vector<std::size_t> frames;
  };
  const Case cases[] = {
      {0, {}},
      {1, {20}},
      {kMaxPlaintextSize, {4096}},
      {kMaxPlaintextSize + 1, {4096, 20}},
      {15 * 1024, {4096, 4096, 4096, 15 * 1024 - 3 * kMaxPlaintextSize + 19}},
  };
  std::uint64_t nonce = 0;
  for (const auto& c : cases) {
    Bytes wire;
    ASSERT_TRUE(tx.seal_append(pattern(c.plaintext, 1), wire).ok());
    std::size_t off = 0;
    for (std::size_t f : c.frames) {
      ASSERT_LE(off + kHeaderSize, wire.size());
      const FrameHeader h = FrameHeader::parse(wire.data() + off);
      EXPECT_EQ(h.type, 4);
      EXPECT_EQ(h.frame_size(), f);
      off += h.frame_size();
    }
    EXPECT_EQ(off, wire.size());
    nonce += c.frames.size();
    EXPECT_EQ(tx.next_nonce(), nonce);
  }
}

TEST(NoiseSession, SpanFormsMatchAppendForms) {
  RecordSealer a(test_key(2)), b(test_key(2));
  const Bytes msg = pattern(10000, 3);
  Bytes appended;
  ASSERT_TRUE(a.seal_append(msg, appended).ok());
  Bytes spanned(RecordSealer::sealed_size(msg.size()));
  auto n = b.seal(msg, spanned);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, spanned.size());
  EXPECT_EQ(spanned, appended);
  // Too small an output buffer is refused without consuming a nonce.
  Bytes small(spanned.size() - 1);
  EXPECT_FALSE(b.seal(msg, small).ok());
  EXPECT_EQ(b.next_nonce(), 3u);

  RecordDecoder rx(test_key(2));
  Bytes out(rx.max_plaintext(spanned.size()));
  DecodeResult r = rx.decode(spanned, out);
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(Bytes(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(r.plaintext_size)), msg);
  Bytes tiny(1);
  EXPECT_FALSE(rx.decode(spanned, tiny).status.ok());
  EXPECT_FALSE(rx.failed());  // a caller mistake, not a stream error
}

// A stream of several frames split into two pieces at every byte offset,
// and fed one byte at a time.
TEST(NoiseSession, EveryChunking) {
  RecordSealer tx(test_key(3));
  Bytes wire, plain;
  for (std::size_t n : {std::size_t{1}, std::size_t{0}, std::size_t{100}, kMaxPlaintextSize + 10, std::size_t{16}}) {
    const Bytes m = pattern(n, static_cast<std::uint8_t>(n));
    plain.insert(plain.end(), m.begin(), m.end());
    ASSERT_TRUE(tx.seal_append(m, wire).ok());
  }
  for (std::size_t split = 0; split <= wire.size(); ++split) {
    RecordDecoder rx(test_key(3));
    Bytes got;
    ASSERT_TRUE(rx.decode_append(ByteView(wire).first(split), got).ok()) << split;
    ASSERT_TRUE(rx.decode_append(ByteView(wire).subspan(split), got).ok()) << split;
    ASSERT_EQ(got, plain) << split;
    ASSERT_EQ(rx.buffered(), 0u);
    ASSERT_TRUE(rx.end_of_stream().ok());
  }
  RecordDecoder rx(test_key(3));
  Bytes got;
  for (std::uint8_t byte : wire) {
    ASSERT_TRUE(rx.decode_append(ByteView(&byte, 1), got).ok());
    ASSERT_LE(rx.buffered(), kMaxFrameSize);
  }
  EXPECT_EQ(got, plain);
}

TEST(NoiseSession, EmptyRecordFrameIsAccepted) {
  // A record with no plaintext (only the tag) is legal and yields nothing.
  RecordSealer tx(test_key(4));
  Bytes frame(kHeaderSize + kTagSize);
  write_frame_header(MessageType::kRecord, static_cast<std::uint16_t>(kTagSize), frame.data());
  CipherState c(test_key(4), NonceEncoding::kBigEndian);
  ASSERT_TRUE(c.encrypt(ByteView{}, ByteView{}, frame.data() + kHeaderSize).ok());
  RecordDecoder rx(test_key(4));
  Bytes got;
  ASSERT_TRUE(rx.decode_append(frame, got).ok());
  EXPECT_TRUE(got.empty());
  EXPECT_EQ(rx.next_nonce(), 1u);
}

TEST(NoiseSession, EveryCorruptedByteIsRejected) {
  RecordSealer tx(test_key(5));
  Bytes wire;
  const Bytes a = pattern(14, 1), b = pattern(300, 2);
  ASSERT_TRUE(tx.seal_append(a, wire).ok());
  ASSERT_TRUE(tx.seal_append(b, wire).ok());
  Bytes all = a;
  all.insert(all.end(), b.begin(), b.end());
  for (std::size_t i = 0; i < wire.size(); ++i) {
    Bytes bad = wire;
    bad[i] ^= 0x01;
    RecordDecoder rx(test_key(5));
    Bytes got;
    Status s = rx.decode_append(bad, got);
    if (s) s = rx.end_of_stream();  // a grown length field leaves a frame incomplete
    EXPECT_FALSE(s.ok()) << "flipped byte " << i;
    EXPECT_NE(got, all);
  }
}

TEST(NoiseSession, TruncatedStreamIsAnErrorAtEof) {
  RecordSealer tx(test_key(6));
  Bytes wire;
  ASSERT_TRUE(tx.seal_append(pattern(50, 1), wire).ok());
  for (std::size_t cut = 1; cut < wire.size(); ++cut) {
    RecordDecoder rx(test_key(6));
    Bytes got;
    ASSERT_TRUE(rx.decode_append(ByteView(wire).first(cut), got).ok());
    EXPECT_TRUE(got.empty());
    auto eof = rx.end_of_stream();
    ASSERT_FALSE(eof.ok());
    EXPECT_NE(eof.message().find("EOF"), std::string::npos);
  }
}

TEST(NoiseSession, OversizedFrameRejectedFromItsHeader) {
  for (std::uint16_t length : {std::uint16_t{4094}, std::uint16_t{0xffff}}) {
    RecordDecoder rx(test_key(7));
    Bytes header(kHeaderSize);
    write_frame_header(MessageType::kRecord, length, header.data());
    Bytes got;
    auto s = rx.decode_append(header, got);  // no body needed to refuse it
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.message(), "requested read of " + std::to_string(length + 3) +
                               " bytes exceeds max allowed Noise frame size");
    EXPECT_TRUE(rx.failed());
  }
  // Exactly 4096 bytes is fine.
  RecordSealer tx(test_key(7));
  Bytes wire;
  ASSERT_TRUE(tx.seal_append(pattern(kMaxPlaintextSize, 1), wire).ok());
  ASSERT_EQ(wire.size(), kMaxFrameSize);
  RecordDecoder rx(test_key(7));
  Bytes got;
  EXPECT_TRUE(rx.decode_append(wire, got).ok());
  EXPECT_EQ(got.size(), kMaxPlaintextSize);
}

TEST(NoiseSession, WrongFrameTypesRejected) {
  for (int t : {0, 1, 2, 5, 255}) {
    const auto type = static_cast<std::uint8_t>(t);
    RecordDecoder rx(test_key(8));
    Bytes frame{type, 0x00, 0x10};
    Bytes got;
    auto s = rx.decode_append(frame, got);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.message(), "received message with unexpected type " + std::to_string(type) + ", want 4");
  }
}

TEST(NoiseSession, ErrorFrameSurfacesPeerText) {
  RecordSealer tx(test_key(9));
  Bytes wire;
  ASSERT_TRUE(tx.seal_append(pattern(10, 1), wire).ok());
  const Bytes err = make_error_frame("going away\n\x01");
  wire.insert(wire.end(), err.begin(), err.end());
  RecordDecoder rx(test_key(9));
  Bytes got;
  auto s = rx.decode_append(wire, got);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "peer sent an error frame: \"going away\\n\\x01\"");
  EXPECT_EQ(got, pattern(10, 1));  // the record before it still counts
  EXPECT_FALSE(rx.decode_append(ByteView{}, got).ok());
}

TEST(NoiseSession, ReplayedAndReorderedRecordsRejected) {
  RecordSealer tx(test_key(10));
  Bytes f0, f1;
  ASSERT_TRUE(tx.seal_append(pattern(5, 0), f0).ok());
  ASSERT_TRUE(tx.seal_append(pattern(5, 1), f1).ok());
  {
    RecordDecoder rx(test_key(10));
    Bytes got;
    ASSERT_TRUE(rx.decode_append(f0, got).ok());
    auto s = rx.decode_append(f0, got);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.message(), kAuthenticationFailed);
  }
  {
    RecordDecoder rx(test_key(10));
    Bytes got;
    EXPECT_FALSE(rx.decode_append(f1, got).ok());
  }
  {
    RecordDecoder rx(test_key(11));  // wrong key
    Bytes got;
    EXPECT_FALSE(rx.decode_append(f0, got).ok());
  }
}

TEST(NoiseSession, NonceExhaustion) {
  RecordSealer tx(test_key(12), kExhaustedNonce - 2);
  Bytes wire;
  // Two nonces left: a three-record write is refused whole.
  auto s = tx.seal_append(pattern(2 * kMaxPlaintextSize + 1, 0), wire);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), kCipherExhausted);
  EXPECT_TRUE(wire.empty());
  ASSERT_TRUE(tx.seal_append(pattern(kMaxPlaintextSize + 1, 0), wire).ok());
  EXPECT_EQ(tx.next_nonce(), kExhaustedNonce);
  EXPECT_FALSE(tx.seal_append(pattern(1, 0), wire).ok());
  EXPECT_TRUE(tx.seal_append(ByteView{}, wire).ok());  // an empty write needs no nonce

  RecordDecoder rx(test_key(12), kExhaustedNonce - 2);
  Bytes got;
  ASSERT_TRUE(rx.decode_append(wire, got).ok());
  EXPECT_EQ(got, pattern(kMaxPlaintextSize + 1, 0));
  EXPECT_EQ(rx.next_nonce(), kExhaustedNonce);
  // One more frame (sealed at the last valid counter by a peer that did not
  // stop) finds no nonce left.
  RecordSealer last(test_key(12), kExhaustedNonce - 1);
  Bytes extra;
  ASSERT_TRUE(last.seal_append(pattern(3, 0), extra).ok());
  auto r = rx.decode_append(extra, got);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.message(), kCipherExhausted);
}

TEST(NoiseSession, ResponseFollowedByRecordsInOneRead) {
  const Keypair control = Keypair::generate();
  const Keypair machine = Keypair::generate();
  auto client = ClientHandshake::start(machine, control.public_key, 7);
  ASSERT_TRUE(client.ok());
  ServerHandshake server(control);
  // The client's first bytes and a following record in one stream read.
  ASSERT_TRUE(server.read_initiation(client->initiation()).ok());
  auto accept = server.respond();
  ASSERT_TRUE(accept.ok());
  Bytes stream = to_bytes(accept->response);
  ASSERT_TRUE(accept->conn.encrypt(as_bytes("early payload"), stream).ok());
  auto used = client->read_response(stream);
  ASSERT_TRUE(used.ok());
  EXPECT_EQ(*used, kResponseSize);
  Conn conn = client->take_conn();
  Bytes got;
  ASSERT_TRUE(conn.decrypt(ByteView(stream).subspan(*used), got).ok());
  EXPECT_EQ(std::string(as_chars(got)), "early payload");
}

TEST(NoiseSession, InitiationByteByByteLeavesTrailingBytes) {
  const Keypair control = Keypair::generate();
  const Keypair machine = Keypair::generate();
  auto client = ClientHandshake::start(machine, control.public_key, 3);
  ASSERT_TRUE(client.ok());
  ServerHandshake server(control);
  EXPECT_EQ(server.end_of_stream().message(), "EOF");
  const Bytes init = to_bytes(client->initiation());
  for (std::size_t i = 0; i + 1 < init.size(); ++i) {
    auto n = server.read_initiation(ByteView(init).subspan(i, 1));
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, 1u);
    EXPECT_FALSE(server.initiation_complete());
  }
  EXPECT_EQ(server.end_of_stream().message(), "unexpected EOF");
  const Bytes tail{init.back(), 0xaa, 0xbb};
  auto n = server.read_initiation(tail);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1u);  // the rest is not the handshake's
  EXPECT_TRUE(server.initiation_complete());
  EXPECT_EQ(server.client_version(), 3);
  EXPECT_EQ(server.client_machine_key(), machine.public_key);
}

TEST(NoiseSession, WrongHeaderRefusedBeforePayloadArrives) {
  ServerHandshake server(Keypair::generate());
  const Bytes header{0x00, 0x91, 0x01, 0x00, 0x61};  // length 97
  auto n = server.read_initiation(header);
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.message(), "refused client handshake: \"wrong handshake initiation length\"");
  EXPECT_EQ(to_bytes(server.failure_reply()), make_error_frame("wrong handshake initiation length"));
  EXPECT_FALSE(server.respond().ok());
}

TEST(NoiseSession, TamperedInitiationAlwaysFails) {
  const Keypair control = Keypair::generate();
  const Keypair machine = Keypair::generate();
  auto client = ClientHandshake::start(machine, control.public_key, kCurrentCapabilityVersion);
  ASSERT_TRUE(client.ok());
  for (std::size_t i = 0; i < kInitiationSize; ++i) {
    Bytes init = to_bytes(client->initiation());
    init[i] = static_cast<std::uint8_t>(init[i] + 1);
    ServerHandshake server(control);
    auto n = server.read_initiation(init);
    if (n.ok() && server.initiation_complete()) {
      ADD_FAILURE() << "tampered byte " << i << " accepted";
    } else if (n.ok()) {
      EXPECT_FALSE(server.end_of_stream().ok());  // length grew: still waiting
    }
  }
}

TEST(NoiseSession, TamperedResponseAlwaysFails) {
  const Keypair control = Keypair::generate();
  const Keypair machine = Keypair::generate();
  for (std::size_t i = 0; i < kResponseSize; ++i) {
    auto client = ClientHandshake::start(machine, control.public_key, kCurrentCapabilityVersion);
    ASSERT_TRUE(client.ok());
    ServerHandshake server(control);
    ASSERT_TRUE(server.read_initiation(client->initiation()).ok());
    auto accept = server.respond();
    ASSERT_TRUE(accept.ok());
    Bytes response = to_bytes(accept->response);
    response[i] = static_cast<std::uint8_t>(response[i] + 1);
    auto used = client->read_response(response);
    EXPECT_FALSE(used.ok() && client->established()) << "tampered byte " << i << " accepted";
  }
}

TEST(NoiseSession, RefusalReachesClientAsServerError) {
  const Keypair control = Keypair::generate();
  auto client = ClientHandshake::start(Keypair::generate(), control.public_key, 12);
  ASSERT_TRUE(client.ok());
  ServerHandshake server(control);
  ASSERT_TRUE(server.read_initiation(client->initiation()).ok());
  ASSERT_EQ(server.client_version(), 12);
  const Bytes frame = server.refuse("client version 12 is too old");
  EXPECT_FALSE(server.respond().ok());
  // Delivered in two pieces to exercise buffering of the text.
  auto n = client->read_response(ByteView(frame).first(10));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(client->end_of_stream().message(), "unexpected EOF");
  auto r = client->read_response(ByteView(frame).subspan(10));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.message(), "server error: \"client version 12 is too old\"");
}

TEST(NoiseSession, ErrorFrameTextIsBounded) {
  const std::string huge(70000, 'x');
  const Bytes frame = make_error_frame(huge);
  ASSERT_EQ(frame.size(), kHeaderSize + kMaxErrorTextSize);
  EXPECT_EQ(load_u16_be(frame.data() + 1), 0xffff);
}

TEST(NoiseSession, LowOrderPointsRejected) {
  const crypto::X25519Point zero{};
  // A client asked to talk to a control key of small order.
  auto client = ClientHandshake::start(Keypair::generate(), zero, 1);
  ASSERT_FALSE(client.ok());
  EXPECT_NE(client.message().find("computing es"), std::string::npos) << client.message();
  // A server receiving a small-order ephemeral key.
  ServerHandshake server(Keypair::generate());
  Bytes init(kInitiationSize);
  init[1] = 1;
  init[2] = 1;
  init[4] = 96;
  auto n = server.read_initiation(init);
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.message().find("computing es"), std::string::npos) << n.message();
  EXPECT_TRUE(server.failure_reply().empty());
}

TEST(NoiseSession, HandshakeObjectsAreSingleUse) {
  const Keypair control = Keypair::generate();
  auto client = ClientHandshake::start(Keypair::generate(), control.public_key, 1);
  ASSERT_TRUE(client.ok());
  ServerHandshake server(control);
  EXPECT_EQ(server.client_machine_key(), crypto::X25519Point{});  // nothing read yet
  ASSERT_TRUE(server.read_initiation(client->initiation()).ok());
  EXPECT_FALSE(server.read_initiation(client->initiation()).ok());
  EXPECT_FALSE(server.read_initiation_message(client->initiation()).ok());
  auto accept = server.respond();
  ASSERT_TRUE(accept.ok());
  EXPECT_FALSE(server.respond().ok());
  ASSERT_TRUE(client->read_response(accept->response).ok());
  EXPECT_FALSE(client->read_response(accept->response).ok());
  Conn conn = client->take_conn();
  EXPECT_FALSE(client->established());
  EXPECT_EQ(client->read_response(accept->response).message(), "noise: handshake already complete");
  EXPECT_EQ(conn.handshake_hash(), accept->conn.handshake_hash());
}

}  // namespace
}  // namespace latchkey::noise
