// Encoding and decoding of the tailcfg wire types, the entry points the
// server and client use:
//
//   std::string body = tailcfg::encode_json(response);       // as Go's json.Marshal
//   auto req = tailcfg::decode_json<tailcfg::MapRequest>(body);  // as json.Unmarshal
//
// Encoding is byte-identical to Go's encoding/json for the same values
// (json_writer.h). Decoding follows Go's rules (json_reader.h) on a
// rapidjson DOM, within DecodeLimits; malformed JSON, wrong types and
// unparsable keys/addresses/times are errors that name the field.
//
// Known differences from Go, all on input no upstream encoder produces:
// lone UTF-16 surrogate escapes (\ud800) are rejected (Go substitutes
// U+FFFD); RawJson values (CapMap arguments, SSHPolicy) are re-serialised
// from the parsed value, so non-canonical number or escape spellings inside
// them are normalised; nesting deeper than max_depth is rejected (Go allows
// 10000 levels); a null element in a list of pointers (Peers, ...) is
// rejected.
//
// JSON library choice: rapidjson for parsing (SSE2 string scanning, pooled
// allocation; several times faster than nlohmann::json on a 5,000-peer
// netmap) and a hand-written writer for output (exact Go escaping and
// number forms, appended straight into one buffer). Figures are in
// docs/performance.md, section "tailcfg".
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/result.h"
#include "tailcfg/derp_map.h"
#include "tailcfg/dns_config.h"
#include "tailcfg/early_noise.h"
#include "tailcfg/filter.h"
#include "tailcfg/hostinfo.h"
#include "tailcfg/json_writer.h"
#include "tailcfg/map_request.h"
#include "tailcfg/map_response.h"
#include "tailcfg/node.h"
#include "tailcfg/register.h"
#include "tailcfg/server_key.h"
#include "tailcfg/set_dns.h"
#include "tailcfg/tka.h"
#include "tailcfg/user.h"

namespace latchkey::tailcfg {

struct DecodeLimits {
  std::size_t max_bytes = 32u << 20;  // whole document
  int max_depth = 100;                // nested arrays/objects
};

// A limit suitable for requests a server accepts from clients.
inline constexpr DecodeLimits kRequestLimits{1u << 20, 100};

// Appends the Go encoding of v to out.
template <class T>
void encode_json_to(std::string& out, const T& v) {
  JsonWriter w(out);
  write_value(w, v);
}

template <class T>
std::string encode_json(const T& v) {
  std::string out;
  encode_json_to(out, v);
  return out;
}

// Go's name of the wire type T ("MapRequest"), used in error texts.
template <class T>
std::string_view go_type_name();

// Decodes text into a T (instantiated for every wire struct in codec.cpp).
template <class T>
Result<T> decode_json(std::string_view text, const DecodeLimits& limits = {});

}  // namespace latchkey::tailcfg
