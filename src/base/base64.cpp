#include "base/base64.h"

#include <array>

#include "base/symbol_decoding.h"

namespace latchkey {
namespace {

constexpr std::string_view kStdAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrlAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

bool is_url(Base64Form f) { return f == Base64Form::Url || f == Base64Form::UrlRaw; }
bool is_padded(Base64Form f) { return f == Base64Form::Std || f == Base64Form::Url; }

std::array<int, 256> reverse_table(std::string_view alphabet) {
  std::array<int, 256> t{};
  t.fill(-1);
  for (std::size_t i = 0; i < alphabet.size(); ++i) {
    t[static_cast<unsigned char>(alphabet[i])] = static_cast<int>(i);
  }
  return t;
}

}  // namespace

std::string base64_encode(ByteView data, Base64Form form) {
  const std::string_view alpha = is_url(form) ? kUrlAlphabet : kStdAlphabet;
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    std::uint32_t v = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) | data[i + 2];
    out += alpha[(v >> 18) & 63];
    out += alpha[(v >> 12) & 63];
    out += alpha[(v >> 6) & 63];
    out += alpha[v & 63];
  }
  const std::size_t rest = data.size() - i;
  if (rest > 0) {
    std::uint32_t v = std::uint32_t{data[i]} << 16;
    if (rest == 2) v |= std::uint32_t{data[i + 1]} << 8;
    out += alpha[(v >> 18) & 63];
    out += alpha[(v >> 12) & 63];
    if (rest == 2) out += alpha[(v >> 6) & 63];
    if (is_padded(form)) out.append(rest == 1 ? 2 : 1, '=');
  }
  return out;
}

Result<Bytes> base64_decode(std::string_view text, Base64Form form) {
  static const auto kStd = reverse_table(kStdAlphabet);
  static const auto kUrl = reverse_table(kUrlAlphabet);
  const auto& table = is_url(form) ? kUrl : kStd;

  std::size_t len = text.size();
  if (is_padded(form)) {
    if (len % 4 != 0) return Error{"base64: length " + std::to_string(len) + " is not a multiple of 4"};
    std::size_t pad = 0;
    while (pad < 2 && len > 0 && text[len - 1] == '=') {
      --len;
      ++pad;
    }
  }
  if (len % 4 == 1) return Error{"base64: truncated input"};

  return decode_symbols<6>(text.substr(0, len), "base64",
                           [&table](char c) { return table[static_cast<unsigned char>(c)]; });
}

}  // namespace latchkey
