#include "client/login_flow.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "tailcfg/codec.h"
#include "tka/sig.h"

namespace latchkey::client {
namespace {

// Go's strings.TrimSpace for ASCII, then "%.200s".
std::string trimmed_prefix(std::string_view text, std::size_t max) {
  auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return std::string(text.substr(0, max));
}

LoginStep error_step(std::string text) {
  LoginStep step;
  step.kind = LoginStep::Kind::Error;
  step.error = std::move(text);
  return step;
}

}  // namespace

Identity logged_out(const Identity& identity) {
  Identity out;
  out.control_url = identity.control_url;
  out.machine_key = identity.machine_key;
  out.backend_log_id = identity.backend_log_id;
  out.disallowed_tka_state_ids = identity.disallowed_tka_state_ids;
  return out;
}

LoginFlow::LoginFlow(LoginIntent intent, LoginConfig config) : intent_(std::move(intent)), config_(std::move(config)) {}

Result<tailcfg::RegisterRequest> LoginFlow::build(const Identity& identity, const key::NodePrivate& pending_node_key,
                                                  std::chrono::system_clock::time_point now) {
  if (phase_ != Phase::First && phase_ != Phase::Retry) {
    return Error{"login flow: no request left to build", ErrorKind::Conflict};
  }
  const bool logout = intent_.kind == LoginIntent::Kind::Logout;
  const bool followup = intent_.kind == LoginIntent::Kind::Followup;
  working_ = identity;
  trying_ = pending_node_key;
  if (working_.machine_key.is_zero()) return Error{"login flow: the identity has no machine key", ErrorKind::Internal};

  const tka::WrappedAuthKey auth = tka::decode_wrapped_auth_key(config_.auth_key);
  log_.insert(log_.end(), auth.log.begin(), auth.log.end());

  regen_ = retry_;
  if (!logout) {
    if (config_.node_key_expiry && *config_.node_key_expiry < now) {
      log_.emplace_back("node key expired: generating a new one");
      regen_ = true;
    }
    if (intent_.interactive) regen_ = true;
  }

  if (logout) {
    trying_ = working_.private_node_key;
  } else if (followup) {
    // The key from the answer that gave the URL, as it is.
  } else if (regen_ || working_.private_node_key.is_zero()) {
    working_.old_private_node_key = working_.private_node_key;
    trying_ = key::NodePrivate::generate();
  } else {
    trying_ = working_.private_node_key;
  }
  key::NodePublic old_node_key;
  if (!working_.old_private_node_key.is_zero()) old_node_key = working_.old_private_node_key.public_key();
  if (working_.network_lock_key.is_zero()) working_.network_lock_key = key::NLPrivate::generate();

  if (trying_.is_zero()) {
    if (logout) return Error{"no node key to log out", ErrorKind::Conflict};
    // Upstream exits the process here; a restart during the AuthURL wait
    // is the way to get here.
    return Error{"no pending node key to follow up the login URL with; start the login over", ErrorKind::Conflict};
  }
  const key::NodePublic node_key = trying_.public_key();

  std::optional<Bytes> signature;
  if (!old_node_key.is_zero() && !old_signature_.empty()) {
    auto resigned = tka::resign_node_key_signature(working_.network_lock_key.raw(), node_key, old_signature_);
    if (resigned) {
      signature = std::move(*resigned);
    } else {
      log_.push_back("failed re-signing node-key signature: " + resigned.message());
    }
  } else if (auth.is_wrapped) {
    crypto::Ed25519Private wrapping{};
    if (auth.private_key.size() != wrapping.size()) {
      return Error{"wrapped auth key: private key is " + std::to_string(auth.private_key.size()) +
                   " bytes, want " + std::to_string(wrapping.size())};
    }
    std::copy(auth.private_key.begin(), auth.private_key.end(), wrapping.begin());
    auto by_credential = tka::sign_by_credential(wrapping, *auth.signature, node_key);
    if (!by_credential) return by_credential.error();
    signature = std::move(*by_credential);
  }

  if (config_.hostinfo.backend_log_id.empty()) return Error{"hostinfo: BackendLogID missing"};

  tailcfg::RegisterRequest req;
  req.version = config_.capability_version;
  req.node_key = node_key;
  req.old_node_key = old_node_key;
  req.nl_key = working_.network_lock_key.public_key();
  req.hostinfo = config_.hostinfo;
  req.followup = followup ? intent_.followup_url : std::string();
  req.ephemeral = intent_.ephemeral;
  req.node_key_signature = std::move(signature);
  req.tailnet = config_.tailnet;
  if (logout) {
    req.expiry = tailcfg::GoTime::from_unix(123);  // far in the past: the server expires the node
  } else if (intent_.kind == LoginIntent::Kind::SetExpiry) {
    req.expiry = intent_.expiry;
  }
  if (!auth.auth_key.empty()) req.auth = tailcfg::RegisterResponseAuth{std::nullopt, auth.auth_key};
  phase_ = Phase::Sent;
  return req;
}

LoginStep LoginFlow::interpret(int http_status, std::string_view retry_after_header, std::string_view body,
                               std::chrono::system_clock::time_point now, const UnitRandom& random) {
  if (phase_ != Phase::Sent) return error_step("login flow: no request is waiting for an answer");
  phase_ = Phase::Finished;
  const bool logout = intent_.kind == LoginIntent::Kind::Logout;
  LoginStep step = [&]() -> LoginStep {
    if (http_status == 429) {
      LoginStep s;
      s.kind = LoginStep::Kind::RateLimited;
      s.retry_after = parse_retry_after(retry_after_header, now, random);
      s.error = "node registration rate limited; will retry after " + std::to_string(s.retry_after.count()) +
                " ms: " + trimmed_prefix(body, 200);
      return s;
    }
    if (http_status != 200) {
      return error_step("register request: http " + std::to_string(http_status) + ": " + trimmed_prefix(body, 200));
    }
    auto resp = tailcfg::decode_json<tailcfg::RegisterResponse>(body, tailcfg::kRequestLimits);
    if (!resp) return error_step("register request: " + resp.message());
    if (!resp->error.empty()) return error_step(resp->error);

    const bool wants_resign = resp->node_key_signature && !resp->node_key_signature->empty();
    if (wants_resign || resp->node_key_expired) {
      if (!wants_resign && regen_) {
        return error_step("weird: regen=true but server says NodeKeyExpired: " + trying_.public_key().to_string());
      }
      // A logout is one request: upstream ignores the request for a new key.
      if (logout) {
        LoginStep s;
        s.kind = LoginStep::Kind::Done;
        return s;
      }
      if (retry_) {
        // Upstream drops this second request for a new key and reports
        // success without committing anything; an error makes the caller
        // back off and log in again instead.
        return error_step("register request: the server asked for a new node key again after the retry");
      }
      if (!wants_resign) log_.push_back("server reports node key " + trying_.public_key().short_string() + " has expired");
      LoginStep s;
      s.kind = LoginStep::Kind::Regen;
      if (wants_resign) s.signature = std::move(*resp->node_key_signature);
      retry_ = true;
      old_signature_ = s.signature;
      phase_ = Phase::Retry;
      return s;
    }

    working_.user_profile = tailcfg::UserProfile{resp->user.id, resp->login.login_name, resp->login.display_name,
                                                 resp->login.profile_pic_url, {}};
    LoginStep s;
    if (resp->auth_url.empty()) {
      working_.private_node_key = trying_;  // the key is committed
      s.kind = LoginStep::Kind::Done;
    } else {
      s.kind = LoginStep::Kind::AuthUrl;
      s.auth_url = resp->auth_url;
      s.pending_node_key = trying_;
    }
    s.identity = working_;
    return s;
  }();
  // Upstream forgets the login after a logout whatever the server answered.
  if (logout) step.identity = logged_out(working_);
  return step;
}

}  // namespace latchkey::client
