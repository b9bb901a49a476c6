// The text forms every key type shares, as upstream's types/key/util.go:
// "<prefix><lowercase hex>" out, and a strict parser in (prefix compared
// case-sensitively, hex digits in either case, exact length). Error texts are
// upstream's and never echo the input, which may be a private key.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"

namespace latchkey::key {

std::string format_prefixed_hex(std::string_view prefix, ByteView key);

// Fills out from "<prefix><2*out.size() hex digits>". An empty prefix parses
// the untyped (bare hex) form.
Status parse_prefixed_hex(std::string_view text, std::string_view prefix, std::span<std::uint8_t> out);

// Tailscale's conventional debug form of a 32-byte public key: the first five
// standard-base64 characters in square brackets ("[CtJGc]"); "" for the zero key.
std::string short_base64_form(const ByteArray<32>& key);

}  // namespace latchkey::key
