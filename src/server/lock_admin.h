// The server admin's view and control of Tailnet Lock, as the admin API's
// JSON answers (GET /v1/lock, GET /v1/lock/log, POST /v1/lock/disable; see
// server/admin_api.h): the mode, the head, the trusted keys and every
// node's verdict, computed as upstream's client does (tka
// NodeKeyAuthorized against the current state for the node's current key);
// the active chain newest first; and disabling with the support
// disablement secret. Kept apart from admin_api.cpp, which only routes.
//
// Slow work (one signature check per node, Argon2i) happens here: callers
// run these on the blocking executor, and nothing here holds Tailnet's
// netmap mutex (node lists are read from the store).
#pragma once

#include <cstddef>
#include <string>

#include "base/result.h"
#include "server/tailnet_lock.h"
#include "store/store.h"

namespace latchkey::server {

// GET /v1/lock -> mode; while enabled head, trusted_keys,
// disablement_secrets, support_disablement and nodes with their verdicts.
Result<std::string> lock_status_json(store::Store& store, const TailnetLock& lock);

// GET /v1/lock/log: at most `limit` AUMs of the active chain, newest first,
// each described and as "raw" (the serialized AUM, standard base64).
Result<std::string> lock_log_json(const TailnetLock& lock, std::size_t limit);

// POST /v1/lock/disable {"support": true}: Conflict when the lock is not
// enabled or no support disablement secret is held.
Result<std::string> lock_disable_support(TailnetLock& lock);

}  // namespace latchkey::server
