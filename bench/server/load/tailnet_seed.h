// TailnetSeed: what the load tools write into a fresh database before
// `latchkey serve` starts on it — one user and a reusable pre-auth key for
// every simulated node to register with (as an admin would with `latchkey
// users create` and `latchkey keys create --reusable`).
#pragma once

#include <filesystem>
#include <string>

#include "base/result.h"

namespace latchkey::load {

// Creates user `name` (<name>@example.com) in the SQLite database at
// `database` and a reusable pre-auth key for it; returns the key's text.
Result<std::string> seed_user_and_key(const std::filesystem::path& database, const std::string& name);

}  // namespace latchkey::load
