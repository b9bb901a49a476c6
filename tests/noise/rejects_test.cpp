// noise.json: server_rejects[], client_rejects[] and transport_rx[] — what
// upstream's server, client and Conn.Read did with crafted input, and the
// same verdicts (and output bytes) from ours.
#include <gtest/gtest.h>

#include "noise/messages.h"
#include "noise_test_support.h"

namespace latchkey::noise {
namespace {

using test::hex;
using test::hex_array;
using test::noise_vectors;
using test::to_bytes;

TEST(NoiseVectors, ServerRejects) {
  const auto& cases = noise_vectors()["server_rejects"];
  ASSERT_EQ(cases.size(), 9u);
  for (const auto& c : cases) {
    SCOPED_TRACE(c["name"].get<std::string>());
    ServerHandshake server(Keypair::from_private(hex_array<32>(c["control_private"])));
    const Bytes input = hex(c["input"]);
    std::string verdict;
    Bytes output;
    auto consumed = server.read_initiation(input);
    if (!consumed) {
      verdict = consumed.message();
      output = to_bytes(server.failure_reply());
    } else if (!server.initiation_complete()) {
      EXPECT_EQ(*consumed, input.size());
      EXPECT_EQ(server.bytes_needed(), kInitiationSize - input.size());
      auto eof = server.end_of_stream();
      ASSERT_FALSE(eof.ok());
      verdict = eof.message();
    } else {
      EXPECT_EQ(*consumed, kInitiationSize);
      auto accept = server.respond(hex_array<32>(c["server_ephemeral_random"]));
      ASSERT_TRUE(accept.ok()) << accept.message();
      verdict = "ok";
      output = to_bytes(accept->response);
    }
    EXPECT_EQ(verdict, c["server_result"].get<std::string>());
    EXPECT_EQ(output, hex(c["server_output"]));
  }
}

TEST(NoiseVectors, ServerRejectsHeaderForm) {
  // The same inputs handed over whole (as from X-Tailscale-Handshake): the
  // truncated ones are now a wrong-size message, which upstream refuses
  // with an error frame.
  for (const auto& c : noise_vectors()["server_rejects"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    ServerHandshake server(Keypair::from_private(hex_array<32>(c["control_private"])));
    const Bytes input = hex(c["input"]);
    auto s = server.read_initiation_message(input);
    const std::string expected = c["server_result"].get<std::string>();
    if (input.size() != kInitiationSize) {
      ASSERT_FALSE(s.ok());
      EXPECT_EQ(s.message(), "refused client handshake: \"wrong handshake initiation size\"");
      EXPECT_EQ(to_bytes(server.failure_reply()), make_error_frame("wrong handshake initiation size"));
    } else if (expected == "ok") {
      ASSERT_TRUE(s.ok()) << s.message();
      auto accept = server.respond(hex_array<32>(c["server_ephemeral_random"]));
      ASSERT_TRUE(accept.ok());
      EXPECT_EQ(to_bytes(accept->response), hex(c["server_output"]));
    } else {
      ASSERT_FALSE(s.ok());
      EXPECT_EQ(s.message(), expected);
      EXPECT_EQ(to_bytes(server.failure_reply()), hex(c["server_output"]));
    }
  }
}

TEST(NoiseVectors, ClientRejects) {
  const auto& cases = noise_vectors()["client_rejects"];
  ASSERT_EQ(cases.size(), 6u);
  for (const auto& c : cases) {
    SCOPED_TRACE(c["name"].get<std::string>());
    auto client = ClientHandshake::start(Keypair::from_private(hex_array<32>(c["machine_private"])),
                                         hex_array<32>(c["control_public"]), c["protocol_version"].get<std::uint16_t>(),
                                         hex_array<32>(c["client_ephemeral_random"]));
    ASSERT_TRUE(client.ok()) << client.message();
    EXPECT_EQ(to_bytes(client->initiation()), hex(c["expected_initiation"]));
    const Bytes input = hex(c["input"]);
    auto used = client->read_response(input);
    const std::string expected = c["client_result"].get<std::string>();
    if (expected == "ok") {
      ASSERT_TRUE(used.ok()) << used.message();
      EXPECT_EQ(*used, input.size());
      ASSERT_TRUE(client->established());
      Conn conn = client->take_conn();
      EXPECT_EQ(to_bytes(conn.handshake_hash()), hex(c["handshake_hash"]));
    } else {
      ASSERT_FALSE(used.ok());
      EXPECT_EQ(used.message(), expected);
      EXPECT_FALSE(client->established());
    }
  }
}

// Same, with the input arriving one byte at a time.
TEST(NoiseVectors, ClientRejectsBytewise) {
  for (const auto& c : noise_vectors()["client_rejects"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    auto client = ClientHandshake::start(Keypair::from_private(hex_array<32>(c["machine_private"])),
                                         hex_array<32>(c["control_public"]), c["protocol_version"].get<std::uint16_t>(),
                                         hex_array<32>(c["client_ephemeral_random"]));
    ASSERT_TRUE(client.ok());
    const Bytes input = hex(c["input"]);
    std::string verdict = "incomplete";
    for (std::size_t i = 0; i < input.size(); ++i) {
      auto used = client->read_response(ByteView(input).subspan(i, 1));
      if (!used) {
        verdict = used.message();
        break;
      }
      EXPECT_EQ(*used, 1u);
      if (client->established()) {
        verdict = "ok";
        EXPECT_EQ(i + 1, input.size());
      }
    }
    EXPECT_EQ(verdict, c["client_result"].get<std::string>());
  }
}

TEST(NoiseVectors, TransportRx) {
  const auto& cases = noise_vectors()["transport_rx"];
  ASSERT_EQ(cases.size(), 12u);
  for (const auto& c : cases) {
    SCOPED_TRACE(c["name"].get<std::string>());
    auto pair = test::handshake(test::HandshakeParams::from(c["transcript_params"]));
    ASSERT_TRUE(pair.client.has_value());
    RecordDecoder& rx = pair.client->receiver();

    // What upstream's successive reads returned: data up to the first error.
    Bytes expected_data;
    std::string first_error;
    for (const auto& r : c["client_reads"]) {
      if (r.contains("error")) {
        first_error = r["error"].get<std::string>();
        break;
      }
      const Bytes d = hex(r["data"]);
      expected_data.insert(expected_data.end(), d.begin(), d.end());
    }
    ASSERT_FALSE(first_error.empty());

    Bytes got;
    std::optional<std::string> error;
    for (const auto& w : c["input_writes"]) {
      auto s = rx.decode_append(hex(w), got);
      if (!s) {
        error = s.message();
        break;
      }
    }
    EXPECT_EQ(got, expected_data);
    if (first_error == "EOF") {
      // Upstream's reads hit the end of the stream. At a frame boundary that
      // is a clean end for us; inside a frame it is an error naming EOF.
      EXPECT_FALSE(error.has_value()) << *error;
      auto eof = rx.end_of_stream();
      if (rx.buffered() == 0) {
        EXPECT_TRUE(eof.ok()) << eof.message();
      } else {
        ASSERT_FALSE(eof.ok());
        EXPECT_NE(eof.message().find("EOF"), std::string::npos) << eof.message();
      }
    } else {
      ASSERT_TRUE(error.has_value());
      EXPECT_EQ(*error, first_error);
      // Upstream keeps failing after that; so do we, naming the first error.
      Bytes more;
      auto again = rx.decode_append(ByteView{}, more);
      ASSERT_FALSE(again.ok());
      EXPECT_NE(again.message().find(first_error), std::string::npos) << again.message();
      EXPECT_TRUE(more.empty());
      EXPECT_FALSE(rx.end_of_stream().ok());
    }
  }
}

// The same frames delivered in one call and at every split point agree with
// the chunked deliveries above (whole-input form of each case).
TEST(NoiseVectors, TransportRxAnyChunking) {
  for (const auto& c : noise_vectors()["transport_rx"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    Bytes all;
    for (const auto& w : c["input_writes"]) {
      const Bytes b = hex(w);
      all.insert(all.end(), b.begin(), b.end());
    }
    const auto key = hex_array<32>(c["transport_key_server_to_client"]);
    Bytes reference;
    RecordDecoder whole(key);
    const Status whole_status = whole.decode_append(all, reference);
    for (std::size_t split = 0; split <= all.size(); split += 7) {
      RecordDecoder rx(key);
      Bytes got;
      Status s = rx.decode_append(ByteView(all).first(split), got);
      if (s) s = rx.decode_append(ByteView(all).subspan(split), got);
      EXPECT_EQ(s.ok(), whole_status.ok()) << "split at " << split;
      EXPECT_EQ(got, reference) << "split at " << split;
    }
  }
}

}  // namespace
}  // namespace latchkey::noise
