// Fuzzes the tailcfg JSON decoders a server (RegisterRequest, MapRequest,
// SetDNSRequest, the TKA requests) and a client (MapResponse,
// RegisterResponse) feed with untrusted bytes. No input may crash; an
// accepted input must re-encode to JSON that decodes again and encodes to
// the same bytes (decode∘encode is stable after one round).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tailcfg/codec.h"

namespace {

using namespace latchkey::tailcfg;

void require(bool cond) {
  if (!cond) std::abort();
}

template <class T>
void check(std::string_view input) {
  auto first = decode_json<T>(input);
  if (!first) return;
  const std::string once = encode_json(*first);
  auto second = decode_json<T>(once, DecodeLimits{64u << 20, 1000});
  require(second.ok());
  require(encode_json(*second) == once);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte picks the type so one corpus covers every decoder.
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 14) {
    case 0:
      check<RegisterRequest>(input);
      break;
    case 1:
      check<MapRequest>(input);
      break;
    case 2:
      check<MapResponse>(input);
      break;
    case 3:
      check<RegisterResponse>(input);
      break;
    case 4:
      check<SetDnsRequest>(input);
      break;
    case 5:
      check<TkaInitFinishRequest>(input);
      break;
    case 6:
      check<TkaSyncSendRequest>(input);
      break;
    case 8:
      check<TkaInitBeginRequest>(input);
      break;
    case 9:
      check<TkaBootstrapRequest>(input);
      break;
    case 10:
      check<TkaSyncOfferRequest>(input);
      break;
    case 11:
      check<TkaDisableRequest>(input);
      break;
    case 12:
      check<TkaSubmitSignatureRequest>(input);
      break;
    case 13:
      check<TkaSignaturesUsingKeyRequest>(input);
      break;
    default:
      check<Node>(input);
      break;
  }
  return 0;
}
