// The server (responder) side of the TS2021 handshake, sans-IO (upstream
// control/controlbase/handshake.go, Server). Steps:
//
//   1. Feed the initiation, in one of two forms:
//        - read_initiation(bytes): the first bytes of a raw stream, in any
//          chunking; returns how many it consumed (at most 101; the rest
//          belongs to the transport phase);
//        - read_initiation_message(bytes): the whole 101-byte message, e.g.
//          the base64-decoded X-Tailscale-Handshake header.
//      Both check the frame (type, length; size for the header form) and
//      then run "-> e, es, s, ss" (two X25519 operations), which
//      authenticates the client's machine key and its protocol version.
//      On a framing error, failure_reply() holds upstream's error frame to
//      send before closing; on a cryptographic error there is nothing to
//      send (as upstream).
//   2. Inspect client_version() and client_machine_key(). To turn the
//      client away, send refuse(reason) (an error frame; the client reports
//      `server error: "<reason>"`) and close.
//   3. respond(): "<- e, ee, se" (three X25519 operations) gives the 51-byte
//      response to send and the established Conn.
//
// The control key's public half comes precomputed (Keypair), so a server
// handshake costs exactly five X25519 operations.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "noise/conn.h"
#include "noise/ik_handshake.h"
#include "noise/keypair.h"
#include "noise/messages.h"

namespace latchkey::noise {

struct ServerAccept {
  ResponseMessage response;  // send this to the client, then use conn
  Conn conn;
};

class ServerHandshake {
 public:
  explicit ServerHandshake(const Keypair& control_key);

  // Stream form (see above). Errors end the handshake.
  Result<std::size_t> read_initiation(ByteView data);
  // Header form: `message` must be exactly the 101-byte initiation.
  Status read_initiation_message(ByteView message);

  // True once a valid initiation has been read (step 2 may begin).
  bool initiation_complete() const { return state_ == State::kInitiationRead; }
  // Bytes of the initiation still missing in the stream form.
  std::size_t bytes_needed() const { return kInitiationSize - have_; }
  // Call when the stream ended before the initiation was complete:
  // "EOF" (nothing arrived) or "unexpected EOF" (part of it did).
  Status end_of_stream() const;
  // After a failed read: the error frame upstream sends back (may be empty).
  ByteView failure_reply() const { return failure_reply_; }

  // Valid once initiation_complete().
  std::uint16_t client_version() const { return version_; }
  // (Before that, the zero key.)
  const crypto::X25519Point& client_machine_key() const;

  // Ends the handshake with an error frame carrying `reason` (sent as is,
  // never formatted from client input by this class; cut to 65535 bytes).
  Bytes refuse(std::string_view reason);

  // Completes the handshake with a fresh ephemeral key, or with the given 32
  // random bytes (clamped into the ephemeral private key; for tests).
  Result<ServerAccept> respond();
  Result<ServerAccept> respond(const ByteArray<32>& ephemeral_random);

 private:
  enum class State { kReading, kInitiationRead, kDone, kFailed };

  Status check_header();
  Status process_initiation();
  Status refused(std::string_view reason);

  Keypair control_key_;
  InitiationMessage init_{};
  std::size_t have_ = 0;
  std::uint16_t version_ = 0;
  State state_ = State::kReading;
  std::optional<IkResponder> responder_;
  Bytes failure_reply_;
};

}  // namespace latchkey::noise
