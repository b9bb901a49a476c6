// `latchkey debug aum`: its report for every decode case of aum_codec.json.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "cli/debug_aum.h"

namespace latchkey::cli {
namespace {

TEST(DebugAum, ReportsUpstreamVerdictsAndCanonicalForms) {
  std::ifstream in(std::string(LATCHKEY_TEST_DATA) + "/vectors/aum_codec.json");
  const auto vectors = nlohmann::json::parse(in);
  for (const auto& c : vectors.at("decode")) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    const DebugAumReport report = debug_aum_report(c.at("input").get<std::string>());
    const auto out = nlohmann::json::parse(report.json);
    if (!c.at("accepted").get<bool>()) {
      EXPECT_EQ(report.exit_code, 1);
      EXPECT_EQ(out, nlohmann::json({{"error", c.at("error")}}));
      continue;
    }
    EXPECT_EQ(report.exit_code, 0);
    EXPECT_EQ(out.at("kind"), c.at("aum").at("message_kind"));
    EXPECT_EQ(out.at("hash"), c.at("hash"));
    EXPECT_EQ(out.at("sig_hash"), c.at("sighash"));
    EXPECT_EQ(out.at("reencoded"), c.at("reserialized"));
    EXPECT_EQ(out.at("static_validate"), c.at("static_validate"));
    EXPECT_EQ(out.at("hash_base32").get<std::string>().size(), 52u);
  }
}

TEST(DebugAum, PrintsTheExactFieldLayout) {
  const DebugAumReport r = debug_aum_report("a2010302f6\n");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.json,
            "{\"kind\": 3, \"hash\": \"b611538e3f4d1170d8099f68f90808592e1fb98868ca4291ee7b674136ecc694\", "
            "\"hash_base32\": \"WYIVHDR7JUIXBWAJT5UPSCAILEXB7OMINDFEFEPOPNTUCNXMY2KA\", "
            "\"sig_hash\": \"b611538e3f4d1170d8099f68f90808592e1fb98868ca4291ee7b674136ecc694\", "
            "\"reencoded\": \"a2010302f6\", \"static_validate\": \"ok\"}");
  const DebugAumReport bad = debug_aum_report("zz");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_EQ(bad.json.rfind("{\"error\": \"invalid hex", 0), 0u);
}

}  // namespace
}  // namespace latchkey::cli
