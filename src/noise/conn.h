// An established TS2021 Noise session, sans-IO (upstream
// control/controlbase/conn.go, Conn, minus the socket): what the handshake
// agreed on (protocol version, the peer's static key, the handshake hash)
// and the two directions, a RecordSealer for what we send and a
// RecordDecoder for what we receive. The halves are independent objects, so
// a reader and a writer may each own one (move them out with take_*()).
//
// Typical use by a transport:
//   Bytes wire;                      conn.encrypt(plaintext, wire) -> write wire
//   read chunk from socket ->        conn.decrypt(chunk, plaintext) -> consume plaintext
// or, allocation-free, conn.sender().seal(plaintext, span) and
// conn.receiver().decode(chunk, span) into buffers the transport owns.
#pragma once

#include <cstdint>
#include <utility>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/blake2s.h"
#include "crypto/x25519.h"
#include "noise/record_decoder.h"
#include "noise/record_sealer.h"

namespace latchkey::noise {

class Conn {
 public:
  Conn(std::uint16_t protocol_version, const crypto::X25519Point& peer, const crypto::Blake2sDigest& handshake_hash,
       const crypto::ChaChaKey& send_key, const crypto::ChaChaKey& receive_key);

  // The version from the initiation (the client's capability version).
  std::uint16_t protocol_version() const { return version_; }
  // The peer's static public key: on the server, the client's machine key;
  // on the client, the server's control key.
  const crypto::X25519Point& peer() const { return peer_; }
  // The final Noise h; both sides have the same value, unique per session,
  // usable to bind other messages to this connection.
  const crypto::Blake2sDigest& handshake_hash() const { return handshake_hash_; }

  RecordSealer& sender() { return tx_; }
  RecordDecoder& receiver() { return rx_; }
  // Move a half out (e.g. to a writer and a reader task); the Conn's own
  // accessors for that half must not be used afterwards.
  RecordSealer take_sender() { return std::move(tx_); }
  RecordDecoder take_receiver() { return std::move(rx_); }

  // Appends the record frames for `plaintext` to `wire`.
  Status encrypt(ByteView plaintext, Bytes& wire) { return tx_.seal_append(plaintext, wire); }
  // Feeds received bytes; appends the plaintext of completed frames.
  Status decrypt(ByteView wire, Bytes& plaintext) { return rx_.decode_append(wire, plaintext); }

 private:
  std::uint16_t version_;
  crypto::X25519Point peer_;
  crypto::Blake2sDigest handshake_hash_;
  RecordSealer tx_;
  RecordDecoder rx_;
};

}  // namespace latchkey::noise
