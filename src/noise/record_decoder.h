// The receiving half of a TS2021 transport session: fed the bytes that
// arrive from the peer in chunks of any size, it yields the plaintext of
// every record frame as soon as the whole frame is there (upstream
// control/controlbase/conn.go, Conn.Read). A partial frame is kept in a
// buffer of at most one frame (4096 bytes), allocated on first need.
//
// Rejected, each with its own error: a frame longer than 4096 bytes (checked
// from the header, before the body arrives), a frame type other than record
// (an error frame's text is shown quoted), a tag that does not verify (wrong
// key, reordered, replayed, truncated or tampered frames), and an exhausted
// nonce counter. The first error is final: every later call fails too, and
// the connection must be closed.
//
// Whole frames are decrypted straight from the input into the output span
// (no copy, no allocation); only a frame split across calls is copied.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "base/bytes.h"
#include "base/result.h"
#include "noise/cipher_state.h"
#include "noise/messages.h"
#include "noise/protocol.h"

namespace latchkey::noise {

struct DecodeResult {
  // Plaintext bytes written to the output. They are authentic even when
  // `status` is an error (they came from frames before the bad one).
  std::size_t plaintext_size = 0;
  Status status;
};

class RecordDecoder {
 public:
  explicit RecordDecoder(const crypto::ChaChaKey& key, std::uint64_t next_nonce = 0);

  // Output space that is always enough for decode(data) with
  // data.size() == input_size.
  std::size_t max_plaintext(std::size_t input_size) const { return buffered_ + input_size; }

  // Consumes all of `data`; writes the plaintext of the frames it completes
  // to `out`, which must hold max_plaintext(data.size()) bytes and must not
  // overlap data (a smaller `out` is refused without consuming anything and
  // without failing the stream).
  DecodeResult decode(ByteView data, std::span<std::uint8_t> out);
  // Appends the plaintext to `plaintext` (also what came before an error).
  Status decode_append(ByteView data, Bytes& plaintext);

  // Call when the peer closed the stream: ok at a frame boundary, an error
  // if a frame was cut short (or the decoder had already failed).
  Status end_of_stream() const;

  std::size_t buffered() const { return buffered_; }
  bool failed() const { return error_.has_value(); }
  std::uint64_t next_nonce() const { return cipher_.next_nonce(); }

  // Frees what only an active decoder needs (the AEAD's OpenSSL contexts,
  // and the partial-frame buffer when no partial frame is held); decoding
  // afterwards works as before. Call while the connection waits for input.
  void release_idle() noexcept;
  bool holds_memory() const { return cipher_.holds_contexts() || partial_ != nullptr; }

 private:
  // Checks a frame header; ok means the frame may be read in full.
  Status check_header(const FrameHeader& header);
  // Opens one whole frame (header included) into out.
  Status open_frame(const std::uint8_t* frame, const FrameHeader& header, std::uint8_t* out);
  Status fail(std::string message);

  CipherState cipher_;
  std::unique_ptr<ByteArray<kMaxFrameSize>> partial_;
  std::size_t buffered_ = 0;
  std::optional<std::string> error_;
};

}  // namespace latchkey::noise
