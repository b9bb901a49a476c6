// The C API (include/liblatchkey.h) over the C++ Client: options parsed
// strictly from JSON, strings handed out malloc'ed for lk_free, no C++
// exception crossing the boundary.
#include "liblatchkey.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "base/version.h"
#include "client/client.h"

namespace {

using latchkey::client::Client;
using latchkey::client::ClientOptions;

char* dup(const std::string& s) {
  char* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (p) std::memcpy(p, s.c_str(), s.size() + 1);
  return p;
}

int fail(char** error, const std::string& text) {
  if (error) *error = dup(text);
  return LK_E_INVALID;
}

}  // namespace

struct lk_client {
  std::unique_ptr<Client> client;
  std::mutex mu;
  bool started = false;
  bool stopped = false;
  std::atomic<std::thread::id> callback_thread{};  // the client's thread, once a callback ran
};

extern "C" {

int lk_client_new(const char* options_json, lk_client** out, char** error) try {
  if (error) *error = nullptr;
  if (!options_json || !out) return fail(error, "lk_client_new: options_json and out are required");
  *out = nullptr;
  nlohmann::json j = nlohmann::json::parse(options_json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail(error, "options: not a JSON object");
  ClientOptions o;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const auto& v = it.value();
    const auto want_string = [&](std::string& dst) {
      if (!v.is_string()) return false;
      dst = v.get<std::string>();
      return true;
    };
    bool ok = true;
    if (k == "login_server") {
      ok = want_string(o.login_server);
    } else if (k == "auth_key") {
      ok = want_string(o.auth_key);
    } else if (k == "hostname") {
      ok = want_string(o.hostname);
    } else if (k == "state_dir") {
      std::string dir;
      ok = want_string(dir);
      o.state_dir = dir;
    } else if (k == "tka_enforce") {
      ok = v.is_boolean();
      if (ok) o.lock_mode = v.get<bool>() ? latchkey::client::LockMode::Enforce : latchkey::client::LockMode::VerifyAndLog;
    } else if (k == "ephemeral") {
      ok = v.is_boolean();
      if (ok) o.ephemeral = v.get<bool>();
    } else if (k == "tls_ca_file") {
      ok = want_string(o.tls_ca_file);
    } else if (k == "websocket") {
      ok = v.is_boolean();
      if (ok) o.websocket = v.get<bool>();
    } else if (k == "capability_version") {
      ok = v.is_number_unsigned() && v.get<std::uint64_t>() >= 1 &&
           v.get<std::uint64_t>() <= latchkey::tailcfg::kCurrentCapabilityVersion;
      if (ok) o.capability_version = static_cast<latchkey::tailcfg::CapabilityVersion>(v.get<std::uint64_t>());
    } else {
      return fail(error, "options: unknown option \"" + k + "\"");
    }
    if (!ok) return fail(error, "options: \"" + k + "\" has the wrong type or value");
  }
  if (o.login_server.empty()) return fail(error, "options: \"login_server\" is required");
  if (o.state_dir.empty()) return fail(error, "options: \"state_dir\" is required");
  auto c = Client::create(std::move(o));
  if (!c) {
    if (error) *error = dup(c.message());
    return c.kind() == latchkey::ErrorKind::Invalid ? LK_E_INVALID : LK_E_IO;
  }
  auto h = std::make_unique<lk_client>();
  h->client = std::move(*c);
  *out = h.release();
  return LK_OK;
} catch (...) {  // no C++ exception may cross into C
  return fail(error, "lk_client_new: internal error");
}

int lk_client_start(lk_client* c) {
  if (!c) return LK_E_INVALID;
  std::lock_guard<std::mutex> g(c->mu);
  if (c->started || c->stopped) return LK_E_STATE;
  c->started = true;
  c->client->start();
  return LK_OK;
}

int lk_client_stop(lk_client* c) {
  if (!c) return LK_E_INVALID;
  if (std::this_thread::get_id() == c->callback_thread) return LK_E_BUSY;
  std::lock_guard<std::mutex> g(c->mu);
  if (c->stopped) return LK_OK;
  c->stopped = true;
  c->client->stop();
  return LK_OK;
}

int lk_client_logout(lk_client* c, char** error) try {
  if (!c) return LK_E_INVALID;
  if (std::this_thread::get_id() == c->callback_thread) return LK_E_BUSY;
  const auto st = c->client->logout();
  if (st) return LK_OK;
  if (error) *error = dup(st.message());
  if (st.kind() == latchkey::ErrorKind::Conflict) return LK_E_STATE;
  return st.kind() == latchkey::ErrorKind::Unavailable ? LK_E_UNAVAILABLE : LK_E_IO;
} catch (...) {  // no C++ exception may cross into C
  return fail(error, "lk_client_logout: internal error");
}

char* lk_client_status_json(lk_client* c) {
  if (!c) return nullptr;
  try {
    return dup(latchkey::client::status_to_json(c->client->status()));
  } catch (...) {  // no C++ exception may cross into C
    return nullptr;
  }
}

unsigned long long lk_client_subscribe(lk_client* c, lk_event_fn fn, void* user) {
  if (!c || !fn) return 0;
  try {
    return c->client->subscribe([c, fn, user](const latchkey::client::ClientEvent& e) {
      c->callback_thread = std::this_thread::get_id();
      const std::string text = latchkey::client::event_to_json(e);
      fn(user, text.c_str());
    });
  } catch (...) {
    return 0;
  }
}

void lk_client_unsubscribe(lk_client* c, unsigned long long id) {
  if (c) c->client->unsubscribe(id);
}

void lk_client_free(lk_client* c) {
  if (!c) return;
  // From a callback the client cannot stop (its thread would join itself):
  // refused, the handle stays valid.
  if (lk_client_stop(c) == LK_E_BUSY) return;
  delete c;
}

void lk_free(void* p) { std::free(p); }

const char* lk_version(void) { return latchkey::kLatchkeyVersion.data(); }

}  // extern "C"
