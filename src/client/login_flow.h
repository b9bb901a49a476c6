// One login, logout or expiry change against the control server, sans-IO:
// the port of upstream's Direct.doLogin and doLoginOrRegen
// (control/controlclient/direct.go). build() makes the RegisterRequest the
// caller POSTs to /machine/register, interpret() reads the answer. When the
// server asks for a new node key (NodeKeyExpired, or a NodeKeySignature to
// re-sign under Tailnet Lock) interpret() says Regen and the caller builds
// and sends exactly one more request; there is no third.
//
// Which node key a request carries (upstream's tryingNewKey):
//  - logout: the current key; a follow-up of an AuthURL: the key kept in
//    memory from the answer that gave the URL;
//  - a new key when regenerating (the retry, an interactive login, a passed
//    key expiry) or when there is none yet; OldPrivateNodeKey then takes the
//    current key, and OldNodeKey is sent while it is non-zero;
//  - otherwise the current key again.
// Nothing is committed until the server accepts: Done and AuthUrl carry the
// identity to persist, and AuthUrl the new key to keep in memory only (a
// restart during the wait starts the login over, as upstream).
//
// Like upstream's Linux client, no Timestamp is sent: upstream sets it, then
// clears it with the other signature fields because request signing always
// fails off Windows and macOS (direct.go:814-826, sign_unsupported.go).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "client/backoff.h"
#include "client/identity.h"
#include "key/node_key.h"
#include "tailcfg/go_time.h"
#include "tailcfg/hostinfo.h"
#include "tailcfg/register.h"
#include "tailcfg/types.h"

namespace latchkey::client {

// What the caller asks for (upstream's loginOpt and LoginFlags).
struct LoginIntent {
  enum class Kind { Login, Followup, Logout, SetExpiry };
  Kind kind = Kind::Login;
  bool interactive = false;   // LoginInteractive: always a new node key
  bool ephemeral = false;     // LoginEphemeral
  std::string followup_url;   // Followup: the AuthURL being waited on
  tailcfg::GoTime expiry;     // SetExpiry: the (sooner) expiry wanted
};

// What the client is configured with (the Direct fields doLogin reads).
struct LoginConfig {
  std::string auth_key;        // may be wrapped: "<key>--TL<signature>-<private key>"
  tailcfg::Hostinfo hostinfo;  // must carry BackendLogID
  std::string tailnet;         // RegisterRequest.Tailnet, usually empty
  tailcfg::CapabilityVersion capability_version = tailcfg::kCurrentCapabilityVersion;
  // The self node's KeyExpiry when known; once passed, logins regenerate.
  std::optional<std::chrono::system_clock::time_point> node_key_expiry;
};

struct LoginStep {
  enum class Kind { Done, AuthUrl, Regen, RateLimited, Error };
  Kind kind = Kind::Error;
  std::string auth_url;                     // AuthUrl
  Bytes signature;                          // Regen: the signature to re-sign; empty after NodeKeyExpired
  std::chrono::milliseconds retry_after{};  // RateLimited
  std::string error;                        // Error and RateLimited
  // Done and AuthUrl, and every outcome of a logout: the identity to persist.
  std::optional<Identity> identity;
  key::NodePrivate pending_node_key;        // AuthUrl: keep in memory for the follow-up
};

// What a logout leaves: the machine key, the log ID, the server and the
// TKA deny list; no node or lock key, no node or user.
Identity logged_out(const Identity& identity);

class LoginFlow {
 public:
  LoginFlow(LoginIntent intent, LoginConfig config);

  // The next request: the first, or after Regen the retry. `identity` is the
  // committed identity, `pending_node_key` the key kept from an AuthUrl step
  // (zero when none). Errors: no request left to make, no node key to log
  // out or follow up with, a wrapped auth key that cannot sign, no
  // BackendLogID.
  Result<tailcfg::RegisterRequest> build(const Identity& identity, const key::NodePrivate& pending_node_key,
                                         std::chrono::system_clock::time_point now);

  // The answer to the last built request, in upstream's order: 429, other
  // non-200, undecodable body, Error, NodeKeySignature, NodeKeyExpired, then
  // AuthURL or success. `retry_after_header` is empty when absent.
  LoginStep interpret(int http_status, std::string_view retry_after_header, std::string_view body,
                      std::chrono::system_clock::time_point now, const UnitRandom& random);

  // Diagnostics upstream only logs: a malformed wrapped auth key, a failed
  // re-signing (the request then goes without a signature), a regeneration.
  const std::vector<std::string>& log() const { return log_; }

 private:
  enum class Phase { First, Retry, Sent, Finished };

  LoginIntent intent_;
  LoginConfig config_;
  Phase phase_ = Phase::First;
  bool retry_ = false;               // this attempt is the one retry (upstream opt.Regen)
  Bytes old_signature_;              // from the Regen step, to re-sign
  bool regen_ = false;               // the sent request regenerated its key
  Identity working_;                 // the identity as the sent request assumed it
  key::NodePrivate trying_;          // the node key the sent request carries
  std::vector<std::string> log_;
};

}  // namespace latchkey::client
