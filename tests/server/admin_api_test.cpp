// The admin API's request decoder (sans-IO): routes, methods, strict
// bodies with clear errors, bounds; and the answers AdminApi gives on a
// real Tailnet (status codes, error texts, metrics).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "server/admin_api.h"
#include "server/server_fixture.h"

namespace latchkey::server {
namespace {

using Op = AdminCall::Op;

Result<AdminCall> decode(std::string method, std::string target, std::string body = "") {
  return decode_admin_request({std::move(method), std::move(target), std::move(body)});
}

TEST(AdminApiDecode, Routes) {
  EXPECT_EQ(decode("GET", "/v1/users")->op, Op::ListUsers);
  auto cu = decode("POST", "/v1/users", R"({"name":"alice","email":"a@example.com"})");
  ASSERT_TRUE(cu.ok()) << cu.message();
  EXPECT_EQ(cu->op, Op::CreateUser);
  EXPECT_EQ(cu->name, "alice");
  EXPECT_EQ(cu->email, "a@example.com");
  auto du = decode("DELETE", "/v1/users/al%20ice");
  ASSERT_TRUE(du.ok());
  EXPECT_EQ(du->op, Op::DeleteUser);
  EXPECT_EQ(du->user, "al ice");
  auto lk = decode("GET", "/v1/keys?user=bob");
  ASSERT_TRUE(lk.ok());
  EXPECT_EQ(lk->op, Op::ListKeys);
  EXPECT_EQ(lk->user, "bob");
  auto ck = decode("POST", "/v1/keys",
                   R"({"user":"1","reusable":true,"expiration_seconds":60,"tags":["tag:a","tag:b-c"]})");
  ASSERT_TRUE(ck.ok()) << ck.message();
  EXPECT_EQ(ck->op, Op::CreateKey);
  EXPECT_TRUE(ck->reusable);
  EXPECT_FALSE(ck->ephemeral);
  EXPECT_EQ(ck->expiration_seconds, 60);
  EXPECT_EQ(ck->tags, (std::vector<std::string>{"tag:a", "tag:b-c"}));
  EXPECT_EQ(decode("POST", "/v1/keys", R"({"user":"u"})")->expiration_seconds, 3600);
  auto ek = decode("POST", "/v1/keys/7/expire");
  ASSERT_TRUE(ek.ok());
  EXPECT_EQ(ek->op, Op::ExpireKey);
  EXPECT_EQ(ek->id, 7);
  EXPECT_EQ(decode("GET", "/v1/nodes")->op, Op::ListNodes);
  auto rn = decode("POST", "/v1/nodes/register", R"({"id":"abc","user":"alice"})");
  ASSERT_TRUE(rn.ok());
  EXPECT_EQ(rn->registration, "abc");
  EXPECT_EQ(decode("DELETE", "/v1/nodes/12")->id, 12);
  EXPECT_EQ(decode("POST", "/v1/nodes/12/expire")->op, Op::ExpireNode);
  auto re = decode("POST", "/v1/nodes/12/rename", R"({"name":"web-1"})");
  ASSERT_TRUE(re.ok());
  EXPECT_EQ(re->op, Op::RenameNode);
  EXPECT_EQ(re->name, "web-1");
}

TEST(AdminApiDecode, RefusalsSayWhatWasWrong) {
  struct Case {
    const char* method;
    const char* target;
    const char* body;
    ErrorKind kind;
    const char* text;
  };
  const Case cases[] = {
      {"GET", "/v2/users", "", ErrorKind::NotFound, "no admin API route /v2/users"},
      {"GET", "/v1/users/x/y", "", ErrorKind::NotFound, "no admin API route"},
      {"GET", "/", "", ErrorKind::NotFound, "no admin API route /"},
      {"PUT", "/v1/users", "", ErrorKind::Conflict, "method PUT is not allowed on /v1/users"},
      {"GET", "/v1/nodes/3", "", ErrorKind::Conflict, "not allowed"},
      {"POST", "/v1/users", "{\"name\":", ErrorKind::Invalid, "request body is not valid JSON"},
      {"POST", "/v1/users", "[1]", ErrorKind::Invalid, "want a JSON object"},
      {"POST", "/v1/users", "{}", ErrorKind::Invalid, "missing field \"name\""},
      {"POST", "/v1/users", R"({"name":5})", ErrorKind::Invalid, "field \"name\" must be a string"},
      {"POST", "/v1/users", R"({"name":"a","x":1})", ErrorKind::Invalid, "unknown field \"x\""},
      {"POST", "/v1/users", R"({"name":""})", ErrorKind::Invalid, "user name must not be empty"},
      {"POST", "/v1/keys", R"({"user":"u","expiration_seconds":0})", ErrorKind::Invalid, "must be positive"},
      {"POST", "/v1/keys", R"({"user":"u","expiration_seconds":1.5})", ErrorKind::Invalid, "must be an integer"},
      {"POST", "/v1/keys", R"({"user":"u","reusable":"yes"})", ErrorKind::Invalid, "must be true or false"},
      {"POST", "/v1/keys", R"({"user":"u","tags":["web"]})", ErrorKind::Invalid, "invalid tag \"web\""},
      {"POST", "/v1/keys", R"({"user":"u","tags":"tag:a"})", ErrorKind::Invalid, "list of strings"},
      {"POST", "/v1/keys/0/expire", "", ErrorKind::Invalid, "invalid key id \"0\""},
      {"POST", "/v1/nodes/x/expire", "", ErrorKind::Invalid, "invalid node id \"x\""},
      {"POST", "/v1/nodes/1/rename", R"({"name":"-a"})", ErrorKind::Invalid, "invalid node name"},
      {"GET", "/v1/users", "{}", ErrorKind::Invalid, "takes no request body"},
      {"GET", "/v1/users?user=a", "", ErrorKind::Invalid, "query parameters are only accepted"},
      {"GET", "/v1/keys?limit=3", "", ErrorKind::Invalid, "unsupported query"},
      {"GET", "/v1/keys?user=%zz", "", ErrorKind::Invalid, "bad percent-encoding"},
      {"DELETE", "/v1/users/a%2", "", ErrorKind::Invalid, "bad percent-encoding"},
  };
  for (const auto& c : cases) {
    auto r = decode(c.method, c.target, c.body);
    ASSERT_FALSE(r.ok()) << c.method << " " << c.target << " " << c.body;
    EXPECT_EQ(r.kind(), c.kind) << c.target << ": " << r.message();
    EXPECT_NE(r.message().find(c.text), std::string::npos) << c.target << " " << c.body << ": " << r.message();
  }
  // Bounds: nesting and size.
  auto deep = decode("POST", "/v1/users", std::string(10000, '[') + std::string(10000, ']'));
  ASSERT_FALSE(deep.ok());
  EXPECT_NE(deep.message().find("nested too deeply"), std::string::npos);
  auto big = decode("POST", "/v1/users", std::string(kAdminBodyLimit + 1, ' '));
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.message().find("larger than 64 KiB"), std::string::npos);
}

TEST(AdminApiDecode, PathSegmentsRoundTrip) {
  EXPECT_EQ(admin_path_segment("alice"), "alice");
  EXPECT_EQ(admin_path_segment("a b/c?d%"), "a%20b%2Fc%3Fd%25");
  auto d = decode("DELETE", "/v1/users/" + admin_path_segment("a b/c?d%"));
  ASSERT_TRUE(d.ok()) << d.message();
  EXPECT_EQ(d->user, "a b/c?d%");
}

TEST(AdminApi, AnswersOnALiveTailnet) {
  boost::asio::io_context io;
  testing::ServerFixture f(io);
  AdminApi api(f.server->tailnet());
  const auto now = std::chrono::system_clock::now();
  auto created = api.handle({"POST", "/v1/users", R"({"name":"bob","display_name":"Bob"})"}, now);
  EXPECT_EQ(created.status, 200u);
  const auto u = nlohmann::json::parse(created.body);
  EXPECT_EQ(u["name"], "bob");
  EXPECT_EQ(u["display_name"], "Bob");
  auto dup = api.handle({"POST", "/v1/users", R"({"name":"bob"})"}, now);
  EXPECT_EQ(dup.status, 409u);
  EXPECT_NE(nlohmann::json::parse(dup.body)["error"].get<std::string>().find("already exists"), std::string::npos);
  EXPECT_EQ(api.handle({"DELETE", "/v1/nodes/99", ""}, now).status, 404u);
  EXPECT_EQ(api.handle({"GET", "/v1/nope", ""}, now).status, 404u);
  EXPECT_EQ(api.handle({"POST", "/v1/users", "{"}, now).status, 400u);
  EXPECT_EQ(api.handle({"PATCH", "/v1/users", ""}, now).status, 405u);
  EXPECT_EQ(f.server->metrics().errors("admin_conflict"), 1u);
  EXPECT_EQ(f.server->metrics().errors("admin_not_found"), 1u);
  EXPECT_EQ(f.server->metrics().errors("admin_unknown_route"), 1u);
  EXPECT_EQ(f.server->metrics().errors("admin_bad_request"), 1u);
  EXPECT_EQ(f.server->metrics().errors("admin_method_not_allowed"), 1u);
  auto users = nlohmann::json::parse(api.handle({"GET", "/v1/users", ""}, now).body);
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(api.handle({"DELETE", "/v1/users/bob", ""}, now).status, 200u);
  auto key = nlohmann::json::parse(api.handle({"POST", "/v1/keys", R"({"user":"alice"})"}, now).body);
  EXPECT_EQ(key["user"], "alice");
  EXPECT_TRUE(key["key"].is_string());
  EXPECT_EQ(key["valid"], true);
  EXPECT_EQ(key["expired"], false);
}

}  // namespace
}  // namespace latchkey::server
