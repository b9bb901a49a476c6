#include "cbor/types.h"

namespace latchkey::cbor {

std::string_view type_name(MajorType type) {
  switch (type) {
    case MajorType::PositiveInt: return "positive integer";
    case MajorType::NegativeInt: return "negative integer";
    case MajorType::ByteString: return "byte string";
    case MajorType::TextString: return "UTF-8 text string";
    case MajorType::Array: return "array";
    case MajorType::Map: return "map";
    case MajorType::Tag: return "tag";
    case MajorType::Primitives: return "primitives";
  }
  return "unknown";
}

}  // namespace latchkey::cbor
