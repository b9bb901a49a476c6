// TS2021 control protocol constants: the Noise instance, the prologue that
// binds the protocol version, message types and wire sizes. Mirrors the
// constants of upstream control/controlbase/{handshake,conn,messages}.go.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace latchkey::noise {

// The Noise protocol name; BLAKE2s of it is the initial h and ck.
inline constexpr std::string_view kProtocolName = "Noise_IK_25519_ChaChaPoly_BLAKE2s";

// The prologue is this prefix followed by the decimal protocol version, so
// both sides prove they agree on the version the cleartext header claims.
inline constexpr std::string_view kProloguePrefix = "Tailscale Control Protocol v";

// The protocol version a client sends is its capability version
// (tailcfg.CurrentCapabilityVersion upstream). This is the version
// latchkey's client offers.
inline constexpr std::uint16_t kCurrentCapabilityVersion = 145;

// Frame types (first byte of every frame after the initiation's version).
enum class MessageType : std::uint8_t {
  kInitiation = 1,  // client -> server handshake message
  kResponse = 2,    // server -> client handshake message
  kError = 3,       // unauthenticated error text (a hint only)
  kRecord = 4,      // encrypted transport data
};

// Every frame but the initiation starts with {type u8, length u16 BE}.
inline constexpr std::size_t kHeaderSize = 3;
// The initiation starts with {version u16 BE, type u8, length u16 BE}.
inline constexpr std::size_t kInitiationHeaderSize = 5;

inline constexpr std::size_t kKeySize = 32;  // X25519 public key
inline constexpr std::size_t kTagSize = 16;  // Poly1305 tag

// Initiation payload: ephemeral public, encrypted machine public, tag.
inline constexpr std::size_t kInitiationPayloadSize = kKeySize + (kKeySize + kTagSize) + kTagSize;  // 96
inline constexpr std::size_t kInitiationSize = kInitiationHeaderSize + kInitiationPayloadSize;        // 101
// Response payload: ephemeral public, tag of the empty payload.
inline constexpr std::size_t kResponsePayloadSize = kKeySize + kTagSize;        // 48
inline constexpr std::size_t kResponseSize = kHeaderSize + kResponsePayloadSize;  // 51

// Largest transport frame on the wire, header included, and what it carries.
inline constexpr std::size_t kMaxFrameSize = 4096;
inline constexpr std::size_t kMaxCiphertextSize = kMaxFrameSize - kHeaderSize;     // 4093
inline constexpr std::size_t kMaxPlaintextSize = kMaxCiphertextSize - kTagSize;   // 4077

// An error frame's text is at most what its u16 length can say.
inline constexpr std::size_t kMaxErrorTextSize = 0xffff;

// "Tailscale Control Protocol v<version>".
std::string prologue_for_version(std::uint16_t version);

}  // namespace latchkey::noise
