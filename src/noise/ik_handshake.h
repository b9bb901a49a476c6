// The Noise IK handshake pattern (Noise spec section 7.5) over
// 25519/ChaChaPoly/BLAKE2s, independent of TS2021 framing:
//
//   IK:
//     <- s
//     ...
//     -> e, es, s, ss     (message 1, initiator -> responder)
//     <- e, ee, se        (message 2, responder -> initiator)
//
// Messages here are bare Noise messages (no TS2021 header); the prologue and
// the nonce layout are parameters, so the same code reproduces both
// upstream's TS2021 handshake (control/controlbase/handshake.go) and the
// published Noise test vectors (arbitrary prologue, little-endian nonces).
//
// Cost: each side performs exactly five X25519 operations: one fixed-base
// multiplication for its ephemeral public key and four Diffie-Hellman
// operations (es, ss, ee, se). Static public keys come precomputed in a
// Keypair.
#pragma once

#include <string_view>
#include <utility>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/x25519.h"
#include "noise/keypair.h"
#include "noise/protocol.h"
#include "noise/symmetric_state.h"

namespace latchkey::noise {

// Message sizes for a given payload size.
constexpr std::size_t ik_message1_size(std::size_t payload) { return kKeySize + kKeySize + kTagSize + payload + kTagSize; }
constexpr std::size_t ik_message2_size(std::size_t payload) { return kKeySize + payload + kTagSize; }

// What a finished handshake yields: the transport keys and the final h.
struct IkResult {
  crypto::ChaChaKey initiator_to_responder{};
  crypto::ChaChaKey responder_to_initiator{};
  crypto::Blake2sDigest handshake_hash{};
};

class IkInitiator {
 public:
  // `responder_static` is the responder's public key, known in advance.
  IkInitiator(std::string_view protocol_name, ByteView prologue, const Keypair& static_key,
              const crypto::X25519Point& responder_static, NonceEncoding handshake_nonces = NonceEncoding::kBigEndian);

  // Writes message 1 (ik_message1_size(payload.size()) bytes) to out, using
  // ephemeral_private as e (clamped by X25519 either way).
  Status write_message1(const crypto::X25519Scalar& ephemeral_private, ByteView payload, std::uint8_t* out);
  // Reads message 2; writes message.size() - 48 payload bytes to payload_out.
  Status read_message2(ByteView message, std::uint8_t* payload_out);

  IkResult result() const;
  const SymmetricState& symmetric() const { return sym_; }
  const crypto::X25519Point& ephemeral_public() const { return e_public_; }

 private:
  SymmetricState sym_;
  Keypair s_;
  crypto::X25519Point rs_;
  crypto::X25519Scalar e_private_{};
  crypto::X25519Point e_public_{};
};

class IkResponder {
 public:
  IkResponder(std::string_view protocol_name, ByteView prologue, const Keypair& static_key,
              NonceEncoding handshake_nonces = NonceEncoding::kBigEndian);

  // Reads message 1; writes message.size() - 96 payload bytes to
  // payload_out. Afterwards initiator_static() is the authenticated peer key.
  Status read_message1(ByteView message, std::uint8_t* payload_out);
  // Writes message 2 (ik_message2_size(payload.size()) bytes) to out.
  Status write_message2(const crypto::X25519Scalar& ephemeral_private, ByteView payload, std::uint8_t* out);

  const crypto::X25519Point& initiator_static() const { return rs_; }
  IkResult result() const;
  const SymmetricState& symmetric() const { return sym_; }

 private:
  SymmetricState sym_;
  Keypair s_;
  crypto::X25519Point re_{};
  crypto::X25519Point rs_{};
};

}  // namespace latchkey::noise
