// CBOR basics shared by the encoder and the decoders: major types, the item
// head (initial byte + argument) and the names fxamacker/cbor uses for major
// types in its error texts (upstream tka decodes with fxamacker/cbor v2.9.0,
// so our error texts reuse its wording).
#pragma once

#include <cstdint>
#include <string_view>

namespace latchkey::cbor {

enum class MajorType : std::uint8_t {
  PositiveInt = 0,
  NegativeInt = 1,
  ByteString = 2,
  TextString = 3,
  Array = 4,
  Map = 5,
  Tag = 6,
  Primitives = 7,  // simple values, floats, break
};

// fxamacker/cbor's name of a major type ("positive integer", "byte string",
// "UTF-8 text string", "primitives", ...).
std::string_view type_name(MajorType type);

// Additional-information values with a fixed meaning.
inline constexpr std::uint8_t kAiOneByte = 24;
inline constexpr std::uint8_t kAiTwoBytes = 25;
inline constexpr std::uint8_t kAiFourBytes = 26;
inline constexpr std::uint8_t kAiEightBytes = 27;
inline constexpr std::uint8_t kAiIndefinite = 31;
inline constexpr std::uint8_t kSimpleFalse = 20;
inline constexpr std::uint8_t kSimpleTrue = 21;
inline constexpr std::uint8_t kSimpleNull = 22;
inline constexpr std::uint8_t kSimpleUndefined = 23;

// One decoded item head. For strings, arrays and maps `value` is the length;
// for integers the argument; for primitives (major type 7) the simple value
// or the raw float bits (ai 25/26/27).
struct Head {
  MajorType type = MajorType::PositiveInt;
  std::uint8_t ai = 0;
  std::uint64_t value = 0;
};

inline MajorType major_of(std::uint8_t initial) { return static_cast<MajorType>(initial >> 5); }

}  // namespace latchkey::cbor
