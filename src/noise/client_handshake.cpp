#include "noise/client_handshake.h"

#include <algorithm>
#include <cassert>
#include <string>

#include "crypto/random.h"

namespace latchkey::noise {

ClientHandshake::ClientHandshake(const Keypair& machine_key, const crypto::X25519Point& control_public,
                                 std::uint16_t version)
    : initiator_(kProtocolName, as_bytes(prologue_for_version(version)), machine_key, control_public),
      control_public_(control_public),
      version_(version) {}

Result<ClientHandshake> ClientHandshake::start(const Keypair& machine_key, const crypto::X25519Point& control_public,
                                               std::uint16_t protocol_version) {
  ByteArray<32> random;
  crypto::random_bytes(random);
  return start(machine_key, control_public, protocol_version, random);
}

Result<ClientHandshake> ClientHandshake::start(const Keypair& machine_key, const crypto::X25519Point& control_public,
                                               std::uint16_t protocol_version, const ByteArray<32>& ephemeral_random) {
  ClientHandshake hs(machine_key, control_public, protocol_version);
  crypto::X25519Scalar ephemeral = ephemeral_random;
  crypto::x25519_clamp(ephemeral);
  std::uint8_t* p = hs.initiation_.data();
  store_u16_be(protocol_version, p);
  p[2] = static_cast<std::uint8_t>(MessageType::kInitiation);
  store_u16_be(static_cast<std::uint16_t>(kInitiationPayloadSize), p + 3);
  if (auto s = hs.initiator_.write_message1(ephemeral, ByteView{}, p + kInitiationHeaderSize); !s) return s.error();
  return hs;
}

Result<std::size_t> ClientHandshake::read_response(ByteView data) {
  if (state_ == State::kFailed) return Error{"noise: handshake already failed"};
  if (state_ != State::kReading) return Error{"noise: handshake already complete"};
  auto fail = [this](std::string message) -> Result<std::size_t> {
    state_ = State::kFailed;
    return Error{std::move(message)};
  };

  std::size_t consumed = 0;
  auto take_into = [&](std::uint8_t* dst, std::size_t want) {
    const std::size_t n = std::min(want, data.size() - consumed);
    std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(consumed), n, dst);
    consumed += n;
    return n;
  };

  if (have_ < kHeaderSize) {
    have_ += take_into(response_.data() + have_, kHeaderSize - have_);
    if (have_ < kHeaderSize) return consumed;
    const FrameHeader header = FrameHeader::parse(response_.data());
    if (header.type == static_cast<std::uint8_t>(MessageType::kResponse)) {
      if (header.length != kResponsePayloadSize) {
        return fail("wrong length " + std::to_string(header.length) + " received for handshake response");
      }
    } else if (header.type != static_cast<std::uint8_t>(MessageType::kError)) {
      return fail("unexpected response message type " + std::to_string(header.type));
    }
  }

  const FrameHeader header = FrameHeader::parse(response_.data());
  if (header.type == static_cast<std::uint8_t>(MessageType::kError)) {
    const std::size_t old = error_text_.size();
    error_text_.resize(header.length);
    const std::size_t n = take_into(error_text_.data() + old, header.length - old);
    error_text_.resize(old + n);
    if (error_text_.size() < header.length) return consumed;
    return fail("server error: " + quote_text(error_text_));
  }

  have_ += take_into(response_.data() + have_, kResponseSize - have_);
  if (have_ < kResponseSize) return consumed;
  if (auto s = finish_response(); !s) return fail(s.message());
  return consumed;
}

Status ClientHandshake::finish_response() {
  if (auto s = initiator_.read_message2(ByteView(response_).subspan(kHeaderSize), nullptr); !s) return s;
  const IkResult keys = initiator_.result();
  conn_.emplace(version_, control_public_, keys.handshake_hash, keys.initiator_to_responder,
                keys.responder_to_initiator);
  state_ = State::kEstablished;
  return {};
}

Status ClientHandshake::end_of_stream() const {
  if (state_ != State::kReading) return {};
  return Error{have_ == 0 ? "EOF" : "unexpected EOF"};
}

Conn ClientHandshake::take_conn() {
  assert(state_ == State::kEstablished && conn_.has_value());
  Conn conn = std::move(*conn_);
  conn_.reset();
  state_ = State::kTaken;
  return conn;
}

}  // namespace latchkey::noise
