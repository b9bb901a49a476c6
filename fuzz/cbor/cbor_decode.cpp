// Fuzzes the strict CBOR decoder: no input may crash or read out of bounds;
// an accepted item re-encodes canonically to bytes that decode again to the
// same value, re-encode identically, and pass the well-formedness check.
#include <cstdint>
#include <cstdlib>

#include "cbor/value.h"
#include "cbor/wellformed.h"

namespace {
void require(bool cond) {
  if (!cond) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace latchkey;
  const ByteView input(data, size);
  auto value = cbor::decode_value(input);
  // decode_value accepts only well-formed items.
  if (value.ok()) require(cbor::check_wellformed(input).ok());
  if (!value.ok()) return 0;
  const Bytes canonical = cbor::encode_canonical(*value);
  require(cbor::check_wellformed(canonical).ok());
  auto again = cbor::decode_value(canonical);
  require(again.ok());
  require(cbor::encode_canonical(*again) == canonical);
  return 0;
}
