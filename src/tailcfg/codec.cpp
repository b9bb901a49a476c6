#include "tailcfg/codec.h"

#include "tailcfg/json_reader.h"
#include "tailcfg/wire_readers.h"

namespace latchkey::tailcfg {

template <class T>
Result<T> decode_json(std::string_view text, const DecodeLimits& limits) {
  return decode_document<T>(text, limits.max_bytes, limits.max_depth, go_type_name<T>());
}

#define LATCHKEY_DECODER(T, go_name)               \
  template <>                                      \
  std::string_view go_type_name<T>() {             \
    return go_name;                                \
  }                                                \
  template Result<T> decode_json<T>(std::string_view, const DecodeLimits&);

LATCHKEY_DECODER(User, "User")
LATCHKEY_DECODER(Login, "Login")
LATCHKEY_DECODER(UserProfile, "UserProfile")
LATCHKEY_DECODER(Hostinfo, "Hostinfo")
LATCHKEY_DECODER(NetInfo, "NetInfo")
LATCHKEY_DECODER(DnsConfig, "DNSConfig")
LATCHKEY_DECODER(DerpMap, "DERPMap")
LATCHKEY_DECODER(FilterRule, "FilterRule")
LATCHKEY_DECODER(Node, "Node")
LATCHKEY_DECODER(RegisterRequest, "RegisterRequest")
LATCHKEY_DECODER(RegisterResponse, "RegisterResponse")
LATCHKEY_DECODER(MapRequest, "MapRequest")
LATCHKEY_DECODER(MapResponse, "MapResponse")
LATCHKEY_DECODER(PeerChange, "PeerChange")
LATCHKEY_DECODER(TkaInfo, "TKAInfo")
LATCHKEY_DECODER(TkaInitBeginRequest, "TKAInitBeginRequest")
LATCHKEY_DECODER(TkaSignInfo, "TKASignInfo")
LATCHKEY_DECODER(TkaInitBeginResponse, "TKAInitBeginResponse")
LATCHKEY_DECODER(TkaInitFinishRequest, "TKAInitFinishRequest")
LATCHKEY_DECODER(TkaInitFinishResponse, "TKAInitFinishResponse")
LATCHKEY_DECODER(TkaBootstrapRequest, "TKABootstrapRequest")
LATCHKEY_DECODER(TkaBootstrapResponse, "TKABootstrapResponse")
LATCHKEY_DECODER(TkaSyncOfferRequest, "TKASyncOfferRequest")
LATCHKEY_DECODER(TkaSyncOfferResponse, "TKASyncOfferResponse")
LATCHKEY_DECODER(TkaSyncSendRequest, "TKASyncSendRequest")
LATCHKEY_DECODER(TkaSyncSendResponse, "TKASyncSendResponse")
LATCHKEY_DECODER(TkaDisableRequest, "TKADisableRequest")
LATCHKEY_DECODER(TkaDisableResponse, "TKADisableResponse")
LATCHKEY_DECODER(TkaSubmitSignatureRequest, "TKASubmitSignatureRequest")
LATCHKEY_DECODER(TkaSubmitSignatureResponse, "TKASubmitSignatureResponse")
LATCHKEY_DECODER(TkaSignaturesUsingKeyRequest, "TKASignaturesUsingKeyRequest")
LATCHKEY_DECODER(TkaSignaturesUsingKeyResponse, "TKASignaturesUsingKeyResponse")
LATCHKEY_DECODER(EarlyNoise, "EarlyNoise")
LATCHKEY_DECODER(OverTlsPublicKeyResponse, "OverTLSPublicKeyResponse")
LATCHKEY_DECODER(SetDnsRequest, "SetDNSRequest")
LATCHKEY_DECODER(SetDnsResponse, "SetDNSResponse")

}  // namespace latchkey::tailcfg
