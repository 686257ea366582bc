// The fixture shared by server_test and security_test: a real `glassbox
// serve` on an ephemeral loopback port, spoken to with httplib::Client.
#pragma once

#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "server/keys.h"
#include "server/server.h"

namespace glassbox::server {

using nlohmann::json;
namespace fs = std::filesystem;

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("glassbox-server-test-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override {
    client_.reset();
    server_.reset();
    fs::remove_all(root_);
  }
  ServerOptions Options(bool with_keys = false) {
    ServerOptions o;
    o.data_dir = (root_ / "data").string();
    o.port = 0;
    o.threads = 4;
    o.max_body_bytes = 1 << 20;
    if (with_keys) o.keys_file = keys_file();
    return o;
  }
  void Start(bool with_keys = false) { Start(Options(with_keys)); }
  void Start(const ServerOptions& o) {
    server_ = std::make_unique<Server>(o);
    ASSERT_TRUE(server_->Start().ok());
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_keep_alive(true);
  }
  std::string keys_file() const { return (root_ / "keys.jsonl").string(); }
  std::string NewKey(const std::string& name, Role role, std::vector<std::string> collections = {},
                     std::string user = "", std::vector<std::string> groups = {}) {
    ApiKey k;
    k.name = name;
    k.role = role;
    k.collections = std::move(collections);
    k.user = std::move(user);
    k.groups = std::move(groups);
    auto r = CreateKey(keys_file(), k);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : "";
  }
  httplib::Headers Auth(const std::string& key) const {
    if (key.empty()) return {};
    return {{"Authorization", "Bearer " + key}};
  }
  struct Reply {
    int status = 0;
    json body;
    std::string text;
  };
  Reply Do(const std::string& method, const std::string& path, const std::string& body = "",
           const std::string& key = "") {
    auto h = Auth(key);
    httplib::Result r = method == "GET"    ? client_->Get(path.c_str(), h)
                        : method == "POST" ? client_->Post(path.c_str(), h, body, "application/json")
                                           : client_->Delete(path.c_str(), h);
    Reply out;
    if (!r) {
      ADD_FAILURE() << method << " " << path << ": no response (" << httplib::to_string(r.error()) << ")";
      return out;
    }
    out.status = r->status;
    out.text = r->body;
    out.body = json::parse(r->body, nullptr, false);
    return out;
  }
  Reply Post(const std::string& path, const json& body, const std::string& key = "") {
    return Do("POST", path, body.dump(), key);
  }
  void CreateCollection(const std::string& name, const std::string& embedder = "none", const std::string& key = "") {
    auto r = Post("/v1/collections", {{"name", name}, {"embedder", embedder}}, key);
    ASSERT_EQ(r.status, 201) << r.text;
  }
  // alice's private document, an engineering document, and a public one.
  void AddAclDocuments(const std::string& coll, const std::string& key = "") {
    json docs = {{"documents",
                  {{{"id", "alice-secret"},
                    {"title", "Salary review"},
                    {"text", "The quarterly salary review for alice mentions the budget."},
                    {"metadata", {{"acl_users", {"alice"}}, {"doc_id", "secret"}, {"chunk", 0}}}},
                   {{"id", "eng-plan"},
                    {"title", "Engineering plan"},
                    {"text", "The engineering budget plan for the quarter."},
                    {"metadata", {{"acl_groups", {"eng"}}, {"doc_id", "plan"}, {"chunk", 0}}}},
                   {{"id", "public-note"},
                    {"title", "Holiday"},
                    {"text", "The office closes for the holiday; no budget news."},
                    {"metadata", {{"published", "2024-05-01"}, {"priority", 3}, {"tag", "news"}}}}}}};
    auto r = Post("/v1/collections/" + coll + "/documents", docs, key);
    ASSERT_EQ(r.status, 200) << r.text;
    EXPECT_EQ(r.body["added"], 3);
  }
  std::vector<std::string> Ids(const json& hits) {
    std::vector<std::string> ids;
    for (const auto& h : hits) ids.push_back(h["id"].get<std::string>());
    std::sort(ids.begin(), ids.end());
    return ids;
  }

  fs::path root_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<httplib::Client> client_;
};


}  // namespace glassbox::server
