#include "noise/server_handshake.h"

#include <algorithm>
#include <string>

#include "crypto/random.h"

namespace latchkey::noise {

ServerHandshake::ServerHandshake(const Keypair& control_key) : control_key_(control_key) {}

Status ServerHandshake::refused(std::string_view reason) {
  failure_reply_ = make_error_frame(reason);
  state_ = State::kFailed;
  return Error{"refused client handshake: " + quote_text(as_bytes(reason))};
}

Status ServerHandshake::check_header() {
  const InitiationHeader header = InitiationHeader::parse(init_.data());
  // Upstream's refusal texts; deliberately fixed strings, so nothing the
  // client sent is echoed back.
  if (header.type != static_cast<std::uint8_t>(MessageType::kInitiation)) {
    return refused("unexpected handshake message type");
  }
  if (header.length != kInitiationPayloadSize) return refused("wrong handshake initiation length");
  version_ = header.version;
  return {};
}

Status ServerHandshake::process_initiation() {
  // The prologue commits to the version the cleartext header claims; a
  // changed version makes the machine key fail to decrypt.
  const std::string prologue = prologue_for_version(version_);
  responder_.emplace(kProtocolName, as_bytes(prologue), control_key_);
  Status s = responder_->read_message1(ByteView(init_).subspan(kInitiationHeaderSize), nullptr);
  state_ = s ? State::kInitiationRead : State::kFailed;
  return s;
}

Result<std::size_t> ServerHandshake::read_initiation(ByteView data) {
  if (state_ != State::kReading) return Error{"noise: handshake initiation already processed"};
  std::size_t consumed = 0;
  while (have_ < kInitiationSize && consumed < data.size()) {
    const std::size_t goal = have_ < kInitiationHeaderSize ? kInitiationHeaderSize : kInitiationSize;
    const std::size_t take = std::min(goal - have_, data.size() - consumed);
    std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(consumed), take, init_.begin() + have_);
    have_ += take;
    consumed += take;
    if (have_ == kInitiationHeaderSize) {
      if (auto s = check_header(); !s) return s.error();
    }
  }
  if (have_ == kInitiationSize) {
    if (auto s = process_initiation(); !s) return s.error();
  }
  return consumed;
}

Status ServerHandshake::read_initiation_message(ByteView message) {
  if (state_ != State::kReading || have_ != 0) return Error{"noise: handshake initiation already processed"};
  if (message.size() != kInitiationSize) return refused("wrong handshake initiation size");
  std::copy(message.begin(), message.end(), init_.begin());
  have_ = kInitiationSize;
  if (auto s = check_header(); !s) return s;
  return process_initiation();
}

const crypto::X25519Point& ServerHandshake::client_machine_key() const {
  static const crypto::X25519Point kZero{};
  return state_ == State::kInitiationRead || state_ == State::kDone ? responder_->initiator_static() : kZero;
}

Status ServerHandshake::end_of_stream() const {
  if (state_ != State::kReading) return {};
  return Error{have_ == 0 ? "EOF" : "unexpected EOF"};
}

Bytes ServerHandshake::refuse(std::string_view reason) {
  (void)refused(reason);
  return failure_reply_;
}

Result<ServerAccept> ServerHandshake::respond() {
  ByteArray<32> random;
  crypto::random_bytes(random);
  return respond(random);
}

Result<ServerAccept> ServerHandshake::respond(const ByteArray<32>& ephemeral_random) {
  if (state_ != State::kInitiationRead) return Error{"noise: respond() needs a valid initiation first"};
  crypto::X25519Scalar ephemeral = ephemeral_random;
  crypto::x25519_clamp(ephemeral);
  ResponseMessage response;
  write_frame_header(MessageType::kResponse, static_cast<std::uint16_t>(kResponsePayloadSize), response.data());
  if (auto s = responder_->write_message2(ephemeral, ByteView{}, response.data() + kHeaderSize); !s) {
    state_ = State::kFailed;
    return s.error();
  }
  state_ = State::kDone;
  const IkResult keys = responder_->result();
  return ServerAccept{response, Conn(version_, responder_->initiator_static(), keys.handshake_hash,
                                     keys.responder_to_initiator, keys.initiator_to_responder)};
}

}  // namespace latchkey::noise
