// Fuzzes AUM decoding with upstream's decoder rules: no input may crash; an
// accepted AUM re-encodes canonically, the re-encoding decodes again to the
// same AUM and re-encodes identically, and hashing and validation run.
#include <cstdint>
#include <cstdlib>

#include "tka/aum.h"

namespace {
void require(bool cond) {
  if (!cond) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace latchkey;
  auto aum = tka::Aum::unserialize(ByteView(data, size));
  if (!aum.ok()) return 0;
  const Bytes encoded = aum->serialize();
  auto again = tka::Aum::unserialize(encoded);
  require(again.ok());
  require(again->serialize() == encoded);
  require(again->hash() == aum->hash());
  require(again->sig_hash() == aum->sig_hash());
  (void)aum->static_validate();
  (void)aum->parent();
  if (aum->state) (void)aum->state->apply_verified_aum(*aum);
  return 0;
}
