// The log level and format of `latchkey serve`: level names, and the JSON
// format — one object per line with time, level and msg, valid JSON
// whatever the message holds.
#include <gtest/gtest.h>

#include <sstream>

#include <nlohmann/json.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "server/log_output.h"

namespace latchkey::server {
namespace {

TEST(LogOutput, LevelAndFormatNames) {
  for (const char* name : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
    auto level = parse_log_level(name);
    ASSERT_TRUE(level.ok()) << name;
    EXPECT_EQ(log_level_name(*level), name);
  }
  auto bad = parse_log_level("debgu");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.message(), "\"debgu\" is not a log level (want trace, debug, info, warn, error, critical or off)");
  EXPECT_FALSE(parse_log_level("").ok());
  EXPECT_FALSE(parse_log_level("INFO").ok());
  EXPECT_EQ(*parse_log_format("json"), LogFormat::Json);
  EXPECT_EQ(*parse_log_format("text"), LogFormat::Text);
  EXPECT_FALSE(parse_log_format("yaml").ok());
}

TEST(LogOutput, JsonIsOneObjectPerLine) {
  std::ostringstream out;
  auto logger = std::make_shared<spdlog::logger>("json-test", std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  spdlog::register_logger(logger);
  apply_log_settings({spdlog::level::debug, LogFormat::Json});
  logger->info("registered \"laptop\"\nsecond line\t\x01 and \xff\xfe bytes");
  logger->debug("a debug line");
  logger->trace("not shown at debug");
  apply_log_settings({spdlog::level::warn, LogFormat::Text});
  logger->info("not shown at warn");
  logger->warn("plain text again");
  spdlog::drop("json-test");
  apply_log_settings({});

  std::istringstream lines(out.str());
  std::string line;
  std::vector<nlohmann::json> records;
  while (std::getline(lines, line) && line.front() == '{') records.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(records.size(), 2u) << out.str();
  EXPECT_EQ(records[0]["level"], "info");
  EXPECT_EQ(records[0]["msg"], "registered \"laptop\"\nsecond line\t\x01 and \xef\xbf\xbd\xef\xbf\xbd bytes");
  const std::string time = records[0]["time"];
  EXPECT_EQ(time.size(), 27u) << time;  // 2025-01-02T03:04:05.123456Z
  EXPECT_EQ(time.back(), 'Z');
  EXPECT_EQ(time[10], 'T');
  EXPECT_EQ(records[1]["level"], "debug");
  EXPECT_EQ(records[1]["msg"], "a debug line");
  EXPECT_EQ(records[0].size(), 3u);
  // Then text: the pattern format, not JSON.
  EXPECT_NE(line.find("[warning] plain text again"), std::string::npos) << line;
  EXPECT_FALSE(std::getline(lines, line));
}

}  // namespace
}  // namespace latchkey::server
