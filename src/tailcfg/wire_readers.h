// Internal to tailcfg: the read_value overload of every wire struct, so
// that one type's decoder can decode another's (each is defined next to
// the type's write_value in its own .cpp file).
#pragma once

#include "tailcfg/derp_map.h"
#include "tailcfg/dns_config.h"
#include "tailcfg/early_noise.h"
#include "tailcfg/filter.h"
#include "tailcfg/hostinfo.h"
#include "tailcfg/json_reader.h"
#include "tailcfg/map_request.h"
#include "tailcfg/map_response.h"
#include "tailcfg/node.h"
#include "tailcfg/register.h"
#include "tailcfg/server_key.h"
#include "tailcfg/set_dns.h"
#include "tailcfg/tka.h"
#include "tailcfg/user.h"

namespace latchkey::tailcfg {

#define LATCHKEY_DECLARE_READER(T) Status read_value(const JsonValue& v, T& out, DecodeContext& c);
LATCHKEY_DECLARE_READER(User)
LATCHKEY_DECLARE_READER(Login)
LATCHKEY_DECLARE_READER(UserProfile)
LATCHKEY_DECLARE_READER(Service)
LATCHKEY_DECLARE_READER(NetInfo)
LATCHKEY_DECLARE_READER(Location)
LATCHKEY_DECLARE_READER(TpmInfo)
LATCHKEY_DECLARE_READER(Hostinfo)
LATCHKEY_DECLARE_READER(DnsResolver)
LATCHKEY_DECLARE_READER(DnsRecord)
LATCHKEY_DECLARE_READER(DnsConfig)
LATCHKEY_DECLARE_READER(DerpNode)
LATCHKEY_DECLARE_READER(DerpRegion)
LATCHKEY_DECLARE_READER(DerpHomeParams)
LATCHKEY_DECLARE_READER(DerpMap)
LATCHKEY_DECLARE_READER(PortRange)
LATCHKEY_DECLARE_READER(NetPortRange)
LATCHKEY_DECLARE_READER(CapGrant)
LATCHKEY_DECLARE_READER(FilterRule)
LATCHKEY_DECLARE_READER(Node)
LATCHKEY_DECLARE_READER(Oauth2Token)
LATCHKEY_DECLARE_READER(RegisterResponseAuth)
LATCHKEY_DECLARE_READER(RegisterRequest)
LATCHKEY_DECLARE_READER(RegisterResponse)
LATCHKEY_DECLARE_READER(MapRequest)
LATCHKEY_DECLARE_READER(PeerChange)
LATCHKEY_DECLARE_READER(PingRequest)
LATCHKEY_DECLARE_READER(DisplayMessageAction)
LATCHKEY_DECLARE_READER(DisplayMessage)
LATCHKEY_DECLARE_READER(ClientVersion)
LATCHKEY_DECLARE_READER(ControlIpCandidate)
LATCHKEY_DECLARE_READER(ControlDialPlan)
LATCHKEY_DECLARE_READER(Debug)
LATCHKEY_DECLARE_READER(MapResponse)
LATCHKEY_DECLARE_READER(TkaInfo)
LATCHKEY_DECLARE_READER(TkaInitBeginRequest)
LATCHKEY_DECLARE_READER(TkaSignInfo)
LATCHKEY_DECLARE_READER(TkaInitBeginResponse)
LATCHKEY_DECLARE_READER(TkaInitFinishRequest)
LATCHKEY_DECLARE_READER(TkaInitFinishResponse)
LATCHKEY_DECLARE_READER(TkaBootstrapRequest)
LATCHKEY_DECLARE_READER(TkaBootstrapResponse)
LATCHKEY_DECLARE_READER(TkaSyncOfferRequest)
LATCHKEY_DECLARE_READER(TkaSyncOfferResponse)
LATCHKEY_DECLARE_READER(TkaSyncSendRequest)
LATCHKEY_DECLARE_READER(TkaSyncSendResponse)
LATCHKEY_DECLARE_READER(TkaDisableRequest)
LATCHKEY_DECLARE_READER(TkaDisableResponse)
LATCHKEY_DECLARE_READER(TkaSubmitSignatureRequest)
LATCHKEY_DECLARE_READER(TkaSubmitSignatureResponse)
LATCHKEY_DECLARE_READER(TkaSignaturesUsingKeyRequest)
LATCHKEY_DECLARE_READER(TkaSignaturesUsingKeyResponse)
LATCHKEY_DECLARE_READER(EarlyNoise)
LATCHKEY_DECLARE_READER(OverTlsPublicKeyResponse)
LATCHKEY_DECLARE_READER(SetDnsRequest)
LATCHKEY_DECLARE_READER(SetDnsResponse)
#undef LATCHKEY_DECLARE_READER

}  // namespace latchkey::tailcfg
