#include "noise/record_decoder.h"

#include <algorithm>

namespace latchkey::noise {

RecordDecoder::RecordDecoder(const crypto::ChaChaKey& key, std::uint64_t next_nonce)
    : cipher_(key, NonceEncoding::kBigEndian, next_nonce) {}

Status RecordDecoder::fail(std::string message) {
  error_ = message;
  return Error{std::move(message)};
}

Status RecordDecoder::check_header(const FrameHeader& header) {
  if (header.frame_size() > kMaxFrameSize) {
    return fail("requested read of " + std::to_string(header.frame_size()) +
                " bytes exceeds max allowed Noise frame size");
  }
  const auto type = static_cast<MessageType>(header.type);
  if (type != MessageType::kRecord && type != MessageType::kError) {
    return fail("received message with unexpected type " + std::to_string(header.type) + ", want " +
                std::to_string(static_cast<int>(MessageType::kRecord)));
  }
  return {};
}

Status RecordDecoder::open_frame(const std::uint8_t* frame, const FrameHeader& header, std::uint8_t* out) {
  const ByteView body(frame + kHeaderSize, header.length);
  if (static_cast<MessageType>(header.type) == MessageType::kError) {
    return fail("peer sent an error frame: " + quote_text(body));
  }
  if (auto s = cipher_.decrypt(ByteView{}, body, out); !s) return fail(s.message());
  return {};
}

DecodeResult RecordDecoder::decode(ByteView data, std::span<std::uint8_t> out) {
  DecodeResult result;
  if (error_) {
    result.status = Error{"noise: receiving stopped after an earlier error: " + *error_};
    return result;
  }
  if (out.size() < max_plaintext(data.size())) {
    result.status = Error{"noise: decode output of " + std::to_string(out.size()) + " bytes is smaller than the " +
                          std::to_string(max_plaintext(data.size())) + " bytes required"};
    return result;
  }
  std::uint8_t* o = out.data();
  auto finish = [&](Status status) {
    result.plaintext_size = static_cast<std::size_t>(o - out.data());
    result.status = std::move(status);
    return result;
  };

  // First complete a frame left over from earlier calls.
  if (buffered_ > 0) {
    std::uint8_t* buf = partial_->data();
    if (buffered_ < kHeaderSize) {
      const std::size_t take = std::min(kHeaderSize - buffered_, data.size());
      std::copy_n(data.begin(), take, buf + buffered_);
      buffered_ += take;
      data = data.subspan(take);
      if (buffered_ < kHeaderSize) return finish({});
      if (auto s = check_header(FrameHeader::parse(buf)); !s) return finish(std::move(s));
    }
    const FrameHeader header = FrameHeader::parse(buf);
    const std::size_t take = std::min(header.frame_size() - buffered_, data.size());
    std::copy_n(data.begin(), take, buf + buffered_);
    buffered_ += take;
    data = data.subspan(take);
    if (buffered_ < header.frame_size()) return finish({});
    buffered_ = 0;
    if (auto s = open_frame(buf, header, o); !s) return finish(std::move(s));
    o += header.length - kTagSize;
  }

  // Then every whole frame in the input, decrypted in place into out.
  while (data.size() >= kHeaderSize) {
    const FrameHeader header = FrameHeader::parse(data.data());
    if (auto s = check_header(header); !s) return finish(std::move(s));
    if (data.size() < header.frame_size()) break;
    if (auto s = open_frame(data.data(), header, o); !s) return finish(std::move(s));
    o += header.length - kTagSize;
    data = data.subspan(header.frame_size());
  }

  // Keep the start of the next frame (its header, if complete, is checked).
  if (!data.empty()) {
    if (!partial_) partial_ = std::make_unique<ByteArray<kMaxFrameSize>>();
    std::copy(data.begin(), data.end(), partial_->begin());
    buffered_ = data.size();
  }
  return finish({});
}

Status RecordDecoder::decode_append(ByteView data, Bytes& plaintext) {
  const std::size_t old = plaintext.size();
  plaintext.resize(old + max_plaintext(data.size()));
  DecodeResult r = decode(data, std::span<std::uint8_t>(plaintext).subspan(old));
  plaintext.resize(old + r.plaintext_size);
  return r.status;
}

Status RecordDecoder::end_of_stream() const {
  if (error_) return Error{"noise: receiving stopped after an earlier error: " + *error_};
  if (buffered_ > 0) {
    return Error{"unexpected EOF: the stream ended " + std::to_string(buffered_) + " bytes into a frame"};
  }
  return {};
}

void RecordDecoder::release_idle() noexcept {
  if (buffered_ == 0) partial_.reset();
  cipher_.release_idle();
}

}  // namespace latchkey::noise
