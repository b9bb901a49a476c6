// Typed decoding with the rules of fxamacker/cbor v2.9.0's Unmarshal into Go
// values, for the Go field types upstream tka uses (uint8 kinds, uint/uint64,
// []byte, [32]byte, string, map[string]string, slices, pointers, structs with
// integer "keyasint" keys). Decoding is the second pass, run only on input
// check_wellformed() accepted; it reproduces upstream's lenient acceptance
// (non-canonical order and argument sizes, unknown keys, text keys naming
// fields, arrays of small integers as byte strings, null as "leave zero",
// simple values as integers) and its rejections (type mismatches, integer
// overflow, invalid UTF-8, duplicate keys), continuing after an error and
// reporting the first one as fxamacker does (a duplicate key overrides it).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "cbor/reader.h"
#include "cbor/types.h"
#include "cbor/wellformed.h"

namespace latchkey::cbor {

// A decoding error, rendered as fxamacker's error text.
class DecodeError {
 public:
  // "cbor: cannot unmarshal <cbor type> into Go value of type <go type>"
  // (or "... into Go struct field <field> ..." once a struct names it),
  // followed by " (<detail>)" when there is a detail.
  static DecodeError type_mismatch(MajorType cbor_type, std::string_view go_type, std::string detail = {});
  // Any other error, with its complete text.
  static DecodeError other(std::string text);

  bool is_type_mismatch() const { return mismatch_; }
  void set_struct_field(std::string field) { field_ = std::move(field); }
  std::string text() const;

 private:
  bool mismatch_ = false;
  std::string cbor_type_;
  std::string go_type_;
  std::string field_;
  std::string detail_;  // detail of a mismatch, or the whole text otherwise
};

using MaybeError = std::optional<DecodeError>;

// Keeps the first error seen.
inline void keep_first(MaybeError& first, MaybeError next) {
  if (!first && next) first = std::move(next);
}

using StringMap = std::map<std::string, std::string>;

// Non-owning reference to a callable (no allocation, unlike std::function).
template <class Sig>
class FunctionRef;
template <class R, class... A>
class FunctionRef<R(A...)> {
 public:
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, FunctionRef>>>
  FunctionRef(F&& f)  // NOLINT: implicit by design
      : obj_(const_cast<void*>(static_cast<const void*>(&f))),
        call_([](void* o, A... a) -> R { return (*static_cast<std::remove_reference_t<F>*>(o))(std::forward<A>(a)...); }) {}
  R operator()(A... a) const { return call_(obj_, std::forward<A>(a)...); }

 private:
  void* obj_;
  R (*call_)(void*, A...);
};

// Go unsigned integer of at most `max` (255 for uint8 kinds, 2^64-1 for
// uint/uint64). `go_type` names it in errors ("tka.AUMKind", "uint").
// null/undefined leave `out` unchanged.
MaybeError decode_uint(Reader& r, std::uint64_t& out, std::uint64_t max, std::string_view go_type);

// Go []byte: null/undefined -> nullopt (nil), byte string -> its bytes, array
// of integers 0..255 -> those bytes (an empty array gives an empty, non-nil
// slice).
MaybeError decode_byte_slice(Reader& r, std::optional<Bytes>& out, std::string_view go_type);

// Go [N]byte: a byte string of any length fills the array (truncated or
// zero-padded), as does an array of integers (extra elements skipped).
// null/undefined leave it unchanged.
MaybeError decode_byte_array(Reader& r, std::span<std::uint8_t> out, std::string_view go_type);

// Go string: a valid UTF-8 text string. null/undefined leave it unchanged.
MaybeError decode_string(Reader& r, std::string& out);

// Go map[string]string: null/undefined -> nullopt, a map -> its entries.
MaybeError decode_string_map(Reader& r, std::optional<StringMap>& out, std::string_view go_type);

// Go slice of T: null/undefined -> nullopt, an array -> elements decoded in
// place into default-constructed T by `decode_elem(Reader&, T&)`.
template <class T, class F>
MaybeError decode_slice(Reader& r, std::optional<std::vector<T>>& out, std::string_view go_type, F&& decode_elem);

// Go pointer to T: null/undefined -> nullopt (nil); otherwise a T (reused if
// already present) decoded by `decode_value(Reader&, T&)`.
template <class T, class F>
MaybeError decode_pointer(Reader& r, std::optional<T>& out, F&& decode_value) {
  if (r.peek_nil()) {
    r.skip();
    out.reset();
    return std::nullopt;
  }
  if (!out) out.emplace();
  return decode_value(r, *out);
}

// Go struct whose fields have integer keys `keys` (tag `"<n>,keyasint"`):
// a map whose integer keys, or text keys spelling the decimal number, select
// fields; `decode_field(index, reader)` decodes the value of field `index`.
// Unknown keys are skipped (but still checked for duplicates). null/undefined
// leave the struct unchanged.
MaybeError decode_struct(Reader& r, std::string_view go_type, std::span<const std::uint64_t> keys,
                         FunctionRef<MaybeError(std::size_t, Reader&)> decode_field);

// Consumes an item that does not fit a target of type `go_type` and returns
// fxamacker's verdict for it (null/undefined are accepted and change
// nothing).
MaybeError reject_item(Reader& r, std::string_view go_type);

// Upstream's Unmarshal with decoder limits `limits`: check_wellformed, then
// `decode` on the item; the first error's text on rejection.
Status unmarshal(ByteView data, FunctionRef<MaybeError(Reader&)> decode, const Limits& limits = kTkaLimits);

template <class T, class F>
MaybeError decode_slice(Reader& r, std::optional<std::vector<T>>& out, std::string_view go_type, F&& decode_elem) {
  if (r.peek_nil()) {
    r.skip();
    out.reset();
    return std::nullopt;
  }
  if (r.peek_type() != MajorType::Array) return reject_item(r, go_type);
  const Head h = r.read_head();
  if (h.value > r.remaining()) return DecodeError::other("unexpected EOF");  // not well-formed
  out.emplace();
  out->resize(static_cast<std::size_t>(h.value));
  MaybeError err;
  for (auto& elem : *out) keep_first(err, decode_elem(r, elem));
  return err;
}

}  // namespace latchkey::cbor
