#include "noise/record_sealer.h"

#include <algorithm>
#include <string>

#include "noise/messages.h"

namespace latchkey::noise {

RecordSealer::RecordSealer(const crypto::ChaChaKey& key, std::uint64_t next_nonce)
    : cipher_(key, NonceEncoding::kBigEndian, next_nonce) {}

Result<std::size_t> RecordSealer::seal(ByteView plaintext, std::span<std::uint8_t> out) {
  const std::size_t total = sealed_size(plaintext.size());
  if (out.size() < total) {
    return Error{"noise: output buffer of " + std::to_string(out.size()) + " bytes cannot hold " +
                 std::to_string(total) + " bytes of records"};
  }
  if (record_count(plaintext.size()) > cipher_.remaining()) return Error{std::string(kCipherExhausted)};
  std::uint8_t* p = out.data();
  while (!plaintext.empty()) {
    const std::size_t n = std::min(plaintext.size(), kMaxPlaintextSize);
    write_frame_header(MessageType::kRecord, static_cast<std::uint16_t>(n + kTagSize), p);
    // Cannot fail: the nonce budget was checked above.
    (void)cipher_.encrypt(ByteView{}, plaintext.first(n), p + kHeaderSize);
    p += kHeaderSize + n + kTagSize;
    plaintext = plaintext.subspan(n);
  }
  return total;
}

Status RecordSealer::seal_append(ByteView plaintext, Bytes& out) {
  const std::size_t old = out.size();
  out.resize(old + sealed_size(plaintext.size()));
  auto written = seal(plaintext, std::span<std::uint8_t>(out).subspan(old));
  if (!written) {
    out.resize(old);
    return written.error();
  }
  return {};
}

}  // namespace latchkey::noise
