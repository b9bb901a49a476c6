#include "tailnet_seed.h"

#include <cctype>
#include <chrono>

#include "store/store.h"

namespace latchkey::load {

Result<std::string> seed_user_and_key(const std::filesystem::path& database, const std::string& name) {
  store::StoreConfig sc;
  sc.sqlite_path = database.string();
  auto db = store::Store::open(sc);
  if (!db) return Error{"opening " + sc.sqlite_path + ": " + db.message(), db.kind()};
  const auto now = std::chrono::system_clock::now();
  std::string display = name;
  if (!display.empty()) display[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(display[0])));
  auto user = (*db)->create_user({name, display + " Test", name + "@example.com", ""}, now);
  if (!user) return Error{"creating the user: " + user.message()};
  store::NewPreAuthKey k;
  k.user_id = user->id;
  k.reusable = true;
  auto key = (*db)->create_pre_auth_key(k, now);
  if (!key) return Error{"creating the pre-auth key: " + key.message()};
  return key->text;
}

}  // namespace latchkey::load
