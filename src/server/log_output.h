// The log output of `latchkey serve`: its level and its format — text
// (spdlog's default, for people) or JSON (one object per line, for log
// collectors: {"time": RFC 3339 UTC, "level", "msg"}). Read from the config
// (log: {level, format}, or the older log_level) and applied to the default
// logger at start and again on SIGHUP.
#pragma once

#include <string_view>

#include <spdlog/common.h>

#include "base/result.h"

namespace latchkey::server {

enum class LogFormat { Text, Json };

struct LogSettings {
  spdlog::level::level_enum level = spdlog::level::info;
  LogFormat format = LogFormat::Text;
  friend bool operator==(const LogSettings&, const LogSettings&) = default;
};

// "trace", "debug", "info", "warn", "error", "critical" or "off"; anything
// else is an error that lists them.
Result<spdlog::level::level_enum> parse_log_level(std::string_view text);
std::string_view log_level_name(spdlog::level::level_enum level);
// "text" or "json".
Result<LogFormat> parse_log_format(std::string_view text);
std::string_view log_format_name(LogFormat format);

// Sets the level and format of every registered logger (thread-safe:
// loggers may be logging meanwhile).
void apply_log_settings(const LogSettings& settings);

}  // namespace latchkey::server
