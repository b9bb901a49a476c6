// Versioned schema migrations. Each migration has its SQL for each dialect;
// applied versions are recorded in schema_migrations, and the pending ones
// run in one transaction at open (PostgreSQL takes an advisory lock first,
// so two servers starting together do not race). A database newer than the
// code is refused.
#pragma once

#include <string_view>
#include <vector>

#include "store/sql.h"

namespace latchkey::store {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sqlite_sql;
  std::string_view postgres_sql;
};

const std::vector<Migration>& migrations();
int latest_schema_version();

// Brings the database to latest_schema_version(); returns the version.
Result<int> migrate(sql::Connection& c);
Result<int> current_schema_version(sql::Connection& c);

}  // namespace latchkey::store
