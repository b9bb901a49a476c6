// The sending half of a TS2021 transport session: turns plaintext into record
// frames {type 4, length u16 BE, ciphertext+tag}, splitting a write into
// records of at most 4077 plaintext bytes exactly as upstream's Conn.Write
// (control/controlbase/conn.go) does. Nonces are the big-endian counter,
// starting at 0. Sans-IO: the caller writes the produced bytes to the peer.
//
// The span form writes straight into the caller's buffer (ciphertext is
// produced in place after the 3-byte header, no temporary copies, no
// allocation), which is the fast path.
#pragma once

#include <cstdint>
#include <span>

#include "base/bytes.h"
#include "base/result.h"
#include "noise/cipher_state.h"
#include "noise/protocol.h"

namespace latchkey::noise {

class RecordSealer {
 public:
  explicit RecordSealer(const crypto::ChaChaKey& key, std::uint64_t next_nonce = 0);

  // Number of records a write of n plaintext bytes becomes (0 for n == 0:
  // an empty write sends nothing, as upstream).
  static constexpr std::size_t record_count(std::size_t n) { return (n + kMaxPlaintextSize - 1) / kMaxPlaintextSize; }
  // Wire bytes a write of n plaintext bytes becomes.
  static constexpr std::size_t sealed_size(std::size_t n) { return n + record_count(n) * (kHeaderSize + kTagSize); }

  // Writes the frames for `plaintext` to the start of `out` (which must hold
  // sealed_size(plaintext.size()) bytes and must not overlap plaintext);
  // returns the number of bytes written. Fails, writing nothing, if the
  // write needs more records than the key has nonces left.
  Result<std::size_t> seal(ByteView plaintext, std::span<std::uint8_t> out);
  // Appends the frames to `out` (plaintext must not point into out).
  Status seal_append(ByteView plaintext, Bytes& out);

  std::uint64_t next_nonce() const { return cipher_.next_nonce(); }

  // Frees what only an active sealer needs (the AEAD's OpenSSL contexts);
  // sealing afterwards works as before. Call between writes of a
  // long-lived connection.
  void release_idle() noexcept { cipher_.release_idle(); }
  bool holds_contexts() const { return cipher_.holds_contexts(); }

 private:
  CipherState cipher_;
};

}  // namespace latchkey::noise
