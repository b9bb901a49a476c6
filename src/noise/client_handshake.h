// The client (initiator) side of the TS2021 handshake, sans-IO (upstream
// control/controlbase/handshake.go, ClientDeferred and
// continueClientHandshake). Steps:
//
//   1. start(machine key, server's control public key, protocol version)
//      runs "-> e, es, s, ss" and yields the 101-byte initiation() to send:
//      raw on a stream, or base64 (standard, padded) in the
//      X-Tailscale-Handshake header of the HTTP upgrade.
//   2. Feed what the server sends back to read_response(), in any chunking;
//      it consumes at most the response frame and returns how many bytes it
//      took (anything after them is transport data: pass it to the Conn).
//      A response runs "<- e, ee, se"; an error frame fails with
//      `server error: "<text>"`.
//   3. Once established(), take_conn() gives the session.
#pragma once

#include <cstdint>
#include <optional>

#include "base/bytes.h"
#include "base/result.h"
#include "noise/conn.h"
#include "noise/ik_handshake.h"
#include "noise/keypair.h"
#include "noise/messages.h"

namespace latchkey::noise {

class ClientHandshake {
 public:
  // With a fresh ephemeral key.
  static Result<ClientHandshake> start(const Keypair& machine_key, const crypto::X25519Point& control_public,
                                       std::uint16_t protocol_version);
  // With the given 32 random bytes as the ephemeral key (clamped; for tests).
  static Result<ClientHandshake> start(const Keypair& machine_key, const crypto::X25519Point& control_public,
                                       std::uint16_t protocol_version, const ByteArray<32>& ephemeral_random);

  const InitiationMessage& initiation() const { return initiation_; }
  std::uint16_t protocol_version() const { return version_; }

  // Consumes the start of `data`; returns the number of bytes used. Errors
  // end the handshake.
  Result<std::size_t> read_response(ByteView data);
  bool established() const { return state_ == State::kEstablished; }
  // Call when the stream ended before the response was complete.
  Status end_of_stream() const;

  // The session; only once established(), and only once.
  Conn take_conn();

 private:
  ClientHandshake(const Keypair& machine_key, const crypto::X25519Point& control_public, std::uint16_t version);
  Status finish_response();

  IkInitiator initiator_;
  crypto::X25519Point control_public_;
  std::uint16_t version_;
  InitiationMessage initiation_{};
  // The response frame as it arrives; an error frame's text goes to
  // error_text_ (bounded by its u16 length).
  ByteArray<kResponseSize> response_{};
  std::size_t have_ = 0;
  Bytes error_text_;
  enum class State { kReading, kEstablished, kFailed, kTaken };
  State state_ = State::kReading;
  std::optional<Conn> conn_;
};

}  // namespace latchkey::noise
