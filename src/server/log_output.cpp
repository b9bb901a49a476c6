#include "server/log_output.h"

#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>
#include <spdlog/formatter.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/spdlog.h>

namespace latchkey::server {

namespace {

struct LevelName {
  std::string_view name;
  spdlog::level::level_enum level;
};

constexpr std::array<LevelName, 7> kLevels{{
    {"trace", spdlog::level::trace},
    {"debug", spdlog::level::debug},
    {"info", spdlog::level::info},
    {"warn", spdlog::level::warn},
    {"error", spdlog::level::err},
    {"critical", spdlog::level::critical},
    {"off", spdlog::level::off},
}};

// `text` as a JSON string. Bytes that are not UTF-8 (a client's text quoted
// in a message, say) become U+FFFD, so that every line stays valid JSON.
std::string json_string(std::string_view text) {
  return nlohmann::json(std::string(text)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// {"time":"2025-01-02T03:04:05.123456Z","level":"info","msg":"..."}
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    using namespace std::chrono;
    const auto since = msg.time.time_since_epoch();
    const auto secs = duration_cast<seconds>(since);
    const auto micros = duration_cast<microseconds>(since - secs).count();
    const std::time_t t = static_cast<std::time_t>(secs.count());
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char stamp[48];
    const int n = std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900,
                                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                                static_cast<long long>(micros));
    dest.append(std::string_view("{\"time\":\""));
    dest.append(stamp, stamp + (n > 0 ? n : 0));
    dest.append(std::string_view("\",\"level\":\""));
    dest.append(log_level_name(msg.level));
    dest.append(std::string_view("\",\"msg\":"));
    dest.append(json_string(std::string_view(msg.payload.data(), msg.payload.size())));
    dest.append(std::string_view("}\n"));
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

}  // namespace

Result<spdlog::level::level_enum> parse_log_level(std::string_view text) {
  for (const auto& l : kLevels) {
    if (l.name == text) return l.level;
  }
  return Error{"\"" + std::string(text) +
               "\" is not a log level (want trace, debug, info, warn, error, critical or off)"};
}

std::string_view log_level_name(spdlog::level::level_enum level) {
  for (const auto& l : kLevels) {
    if (l.level == level) return l.name;
  }
  return "unknown";
}

Result<LogFormat> parse_log_format(std::string_view text) {
  if (text == "text") return LogFormat::Text;
  if (text == "json") return LogFormat::Json;
  return Error{"\"" + std::string(text) + "\" is not a log format (want text or json)"};
}

std::string_view log_format_name(LogFormat format) { return format == LogFormat::Json ? "json" : "text"; }

void apply_log_settings(const LogSettings& settings) {
  if (settings.format == LogFormat::Json) {
    spdlog::set_formatter(std::make_unique<JsonFormatter>());
  } else {
    spdlog::set_formatter(std::make_unique<spdlog::pattern_formatter>());
  }
  spdlog::set_level(settings.level);
}

}  // namespace latchkey::server
