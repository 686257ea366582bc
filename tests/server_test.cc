// The HTTP server end to end: a real server on an ephemeral port, spoken to
// with httplib::Client. Covers every endpoint, JSON errors and limits, API
// keys and roles, and document-level access control through every endpoint.
#include <httplib.h>
#include <arpa/inet.h>
#include <poll.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <nlohmann/json.hpp>
#include <string>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "gtest/gtest.h"
#include "server/crypto.h"
#include "server/keys.h"
#include "server/server.h"
#include "server_fixture.h"
#ifdef GLASSBOX_HAVE_LLAMA
#include "answer/gguf_chat_testing.h"
#endif

#include <leptonica/allheaders.h>

namespace glassbox::server {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// The OpenSSL wrapper that hashes API keys.
TEST(Crypto, Sha256KnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256Hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  EXPECT_EQ(Sha256Hex(std::string("a\0b", 3)), "59b271ae1bbcb1d31d41929817f4b16fb439eb4f31520b5ad1d5ce98920a7138");
}

TEST(Crypto, RandomHexAndConstantTimeEquals) {
  auto a = RandomHex(24), b = RandomHex(24);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->size(), 48u);
  EXPECT_EQ(a->find_first_not_of("0123456789abcdef"), std::string::npos) << *a;
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", ""));
}

// Key files written before the switch to OpenSSL (salt + key, SHA-256, hex) keep working.
TEST(Crypto, ExistingKeyFilesStillAuthenticate) {
  const fs::path file = fs::temp_directory_path() / ("glassbox-old-keys-" + std::to_string(::getpid()) + ".jsonl");
  std::ofstream(file) << R"({"id":"0123abcd","name":"old","role":"reader","collections":[],"user":"","groups":[],)"
                      << R"("salt":"00112233445566778899aabbccddeeff",)"
                      << R"("hash":"2a7ef716f494641f61993121ef6b0013c80af87aeba2c112864c5909f2e1360f",)"
                      << R"("revoked":false,"created":"2025-01-01T00:00:00Z"})" << "\n";
  KeyStore store(file.string());
  ASSERT_TRUE(store.Load().ok());
  auto k = store.Authenticate("gbk_0123abcd_0123456789abcdef0123456789abcdef0123456789abcdef");
  ASSERT_TRUE(k.has_value());
  EXPECT_EQ(k->name, "old");
  EXPECT_FALSE(store.Authenticate("gbk_0123abcd_0123456789abcdef0123456789abcdef0123456789abcdee").has_value());
  fs::remove(file);
}

// A TCP listener that must not be contacted: a connection completes against
// its backlog without accept(), so a waiting connection shows as readable.
class Tripwire {
 public:
  Tripwire() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(fd_, 16), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~Tripwire() { ::close(fd_); }
  int port() const { return port_; }
  bool Contacted() const {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, 100) > 0;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST_F(ServerTest, HealthMetricsOpenApi) {
  Start();
  auto h = Do("GET", "/health");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.body["status"], "ok");
  auto o = Do("GET", "/openapi.json");
  ASSERT_EQ(o.status, 200);
  ASSERT_FALSE(o.body.is_discarded()) << "openapi.json is not valid JSON";
  EXPECT_EQ(o.body["openapi"], "3.0.3");
  EXPECT_TRUE(o.body["paths"].contains("/v1/collections/{name}/search"));
  CreateCollection("kb");
  AddAclDocuments("kb");
  Post("/v1/collections/kb/search", {{"query", "budget"}});
  Do("GET", "/v1/nothing-here");
  auto m = Do("GET", "/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_NE(m.text.find("glassbox_requests_total{route=\"search\",status=\"200\"} 1"), std::string::npos) << m.text;
  EXPECT_NE(m.text.find("glassbox_request_duration_seconds_bucket{route=\"search\",le=\"+Inf\"} 1"), std::string::npos);
  EXPECT_NE(m.text.find("glassbox_requests_total{route=\"other\",status=\"404\"} 1"), std::string::npos);
  EXPECT_NE(m.text.find("glassbox_collection_documents{collection=\"kb\"} 3"), std::string::npos);
  EXPECT_NE(m.text.find("glassbox_collection_index_bytes{collection=\"kb\"}"), std::string::npos);
}

TEST_F(ServerTest, CollectionsAndDocuments) {
  Start();
  CreateCollection("kb");
  auto dup = Post("/v1/collections", {{"name", "kb"}, {"embedder", "none"}});
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(dup.body["error"]["code"], "already_exists");
  auto list = Do("GET", "/v1/collections");
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.body["collections"].size(), 1u);
  EXPECT_EQ(list.body["collections"][0]["name"], "kb");
  EXPECT_EQ(list.body["collections"][0]["embedder"], "none");
  AddAclDocuments("kb");

  auto s = Post("/v1/collections/kb/search", {{"query", "holiday"}, {"k", 5}, {"explain", true}});
  ASSERT_EQ(s.status, 200) << s.text;
  EXPECT_EQ(s.body["mode"], "bm25");
  EXPECT_EQ(s.body["total_hits"], 1);
  ASSERT_EQ(s.body["hits"].size(), 1u);
  const json& hit = s.body["hits"][0];
  EXPECT_EQ(hit["id"], "public-note");
  EXPECT_EQ(hit["fields"]["title"], "Holiday");
  EXPECT_EQ(hit["metadata"]["priority"], 3);
  EXPECT_EQ(hit["metadata"]["published"], "2024-05-01");
  EXPECT_TRUE(hit["explanation"]["matched"]);
  EXPECT_FALSE(hit["snippet"].get<std::string>().empty());

  // Metadata types: the date filters as a date, the number as a number.
  auto f = Post("/v1/collections/kb/search", {{"query", "budget published:>=2024-01-01 priority:[1 TO 5]"}});
  ASSERT_EQ(f.status, 200) << f.text;
  EXPECT_EQ(Ids(f.body["hits"]), std::vector<std::string>{"public-note"});

  auto g = Do("GET", "/v1/collections/kb/documents/public-note");
  ASSERT_EQ(g.status, 200);
  EXPECT_EQ(g.body["id"], "public-note");
  EXPECT_EQ(g.body["fields"]["body"], "The office closes for the holiday; no budget news.");

  auto e = Post("/v1/collections/kb/explain", {{"query", "holiday budget"}, {"id", "public-note"}, {"k", 10}});
  ASSERT_EQ(e.status, 200) << e.text;
  EXPECT_EQ(e.body["id"], "public-note");
  EXPECT_TRUE(e.body["explanation"]["matched"]);
  EXPECT_EQ(e.body["why"]["reason"], "in_top_k");

  auto st = Do("GET", "/v1/collections/kb/stats");
  ASSERT_EQ(st.status, 200);
  EXPECT_EQ(st.body["documents"], 3);

  auto d = Do("DELETE", "/v1/collections/kb/documents/public-note");
  EXPECT_EQ(d.status, 200) << d.text;
  EXPECT_EQ(Do("GET", "/v1/collections/kb/documents/public-note").status, 404);
  EXPECT_EQ(Do("DELETE", "/v1/collections/kb/documents/public-note").status, 404);

  auto drop = Do("DELETE", "/v1/collections/kb");
  EXPECT_EQ(drop.status, 200) << drop.text;
  EXPECT_EQ(Do("GET", "/v1/collections/kb/stats").status, 404);
  EXPECT_FALSE(fs::exists(root_ / "data" / "kb"));
  // The name can be used again.
  CreateCollection("kb");
}

TEST_F(ServerTest, UploadAndChunks) {
  Start();
  CreateCollection("kb");
  std::string md = "# Leave\n\n";
  for (int i = 0; i < 6; ++i)
    md += "Paragraph " + std::to_string(i) + " about annual leave and the carry over of unused days. " +
          std::string(200, 'x') + "\n\n";
  httplib::MultipartFormDataItems items = {
      {"file", md, "policy.md", "text/markdown"},
      {"file", "{\"id\": 1, \"text\": broken", "bad.json", "application/json"},
  };
  // One request is all-or-nothing: a bad file fails the upload, and nothing is written.
  auto r = client_->Post("/v1/collections/kb/documents", items);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 400) << r->body;
  json rep = json::parse(r->body);
  EXPECT_EQ(rep["files_seen"], 2);
  EXPECT_EQ(rep["files_failed"], 1);
  EXPECT_EQ(rep["chunks"], 0);
  EXPECT_EQ(rep["error"]["code"], "invalid_argument");
  ASSERT_EQ(rep["errors"].size(), 1u);
  EXPECT_EQ(rep["errors"][0]["path"], "bad.json");
  EXPECT_EQ(Do("GET", "/v1/collections/kb/documents/policy.md%230").status, 404);
  EXPECT_EQ(Post("/v1/collections/kb/search", {{"query", "annual leave"}}).body["hits"].size(), 0u);
  // Two files with one name: refused before anything is read.
  items = {{"file", md, "policy.md", "text/markdown"}, {"file", "other", "policy.md", "text/markdown"}};
  r = client_->Post("/v1/collections/kb/documents", items);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400) << r->body;
  EXPECT_EQ(Do("GET", "/v1/collections/kb/documents/policy.md%230").status, 404);

  items = {{"file", md, "policy.md", "text/markdown"}};
  r = client_->Post("/v1/collections/kb/documents", items);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  rep = json::parse(r->body);
  EXPECT_EQ(rep["files_ok"], 1);
  EXPECT_EQ(rep["files_failed"], 0);
  EXPECT_GT(rep["chunks"].get<int>(), 1);
  for (const char* key : {"documents", "seconds"}) EXPECT_TRUE(rep.contains(key));

  auto c = Do("GET", "/v1/collections/kb/documents/policy.md?chunks=1");
  ASSERT_EQ(c.status, 200) << c.text;
  ASSERT_EQ(c.body["chunks"].size(), rep["chunks"].get<size_t>());
  for (size_t i = 0; i < c.body["chunks"].size(); ++i) {
    EXPECT_EQ(c.body["chunks"][i]["metadata"]["chunk"], static_cast<double>(i));
    EXPECT_EQ(c.body["chunks"][i]["id"], "policy.md#" + std::to_string(i));
    EXPECT_EQ(c.body["chunks"][i]["metadata"]["source"], "policy.md");
  }
  auto one = Do("GET", "/v1/collections/kb/documents/policy.md%230");
  EXPECT_EQ(one.status, 200) << one.text;
  EXPECT_EQ(Do("GET", "/v1/collections/kb/documents/nothing.md?chunks=1").status, 404);
  // Rolled up to documents.
  auto s = Post("/v1/collections/kb/search", {{"query", "annual leave"}, {"documents", true}});
  ASSERT_EQ(s.status, 200) << s.text;
  ASSERT_EQ(s.body["hits"].size(), 1u);
  EXPECT_TRUE(s.body["hits"][0].contains("passage_id"));
}

TEST_F(ServerTest, ErrorsAndLimits) {
  Start();
  CreateCollection("kb");
  auto bad = Do("POST", "/v1/collections/kb/search", "{\"query\": \"x\",, }");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body["error"]["code"], "invalid_argument");
  EXPECT_NE(bad.body["error"]["message"].get<std::string>().find("byte 15"), std::string::npos) << bad.text;

  auto missing = Post("/v1/collections/kb/search", {{"k", 3}});
  EXPECT_EQ(missing.status, 400);
  EXPECT_NE(missing.body["error"]["message"].get<std::string>().find("\"query\""), std::string::npos);

  auto wrong_type = Post("/v1/collections/kb/search", {{"query", "x"}, {"k", "ten"}});
  EXPECT_EQ(wrong_type.status, 400);
  EXPECT_NE(wrong_type.body["error"]["message"].get<std::string>().find("\"k\""), std::string::npos);

  auto big_k = Post("/v1/collections/kb/search", {{"query", "x"}, {"k", 5000}});
  EXPECT_EQ(big_k.status, 400);
  EXPECT_NE(big_k.body["error"]["message"].get<std::string>().find("\"k\""), std::string::npos);

  auto long_query = Post("/v1/collections/kb/search", {{"query", std::string(5000, 'a')}});
  EXPECT_EQ(long_query.status, 400);
  EXPECT_NE(long_query.body["error"]["message"].get<std::string>().find("\"query\""), std::string::npos);

  auto bad_query = Post("/v1/collections/kb/search", {{"query", "\"unterminated"}});
  EXPECT_EQ(bad_query.status, 400);
  EXPECT_EQ(bad_query.body["error"]["code"], "invalid_argument");

  auto unknown = Post("/v1/collections/nope/search", {{"query", "x"}});
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body["error"]["code"], "not_found");
  EXPECT_NE(unknown.body["error"]["message"].get<std::string>().find("nope"), std::string::npos);

  auto bad_doc = Post("/v1/collections/kb/documents", {{"documents", {{{"id", "a"}, {"metadata", {{"x", {{"y", 1}}}}}}}}});
  EXPECT_EQ(bad_doc.status, 400);
  EXPECT_NE(bad_doc.body["error"]["message"].get<std::string>().find("documents[0].metadata.x"), std::string::npos)
      << bad_doc.text;
  auto no_id = Post("/v1/collections/kb/documents", {{"documents", {{{"text", "x"}}}}});
  EXPECT_EQ(no_id.status, 400);
  EXPECT_NE(no_id.body["error"]["message"].get<std::string>().find("documents[0].id"), std::string::npos);

  auto bad_name = Post("/v1/collections", {{"name", "../etc"}});
  EXPECT_EQ(bad_name.status, 400);
  auto bad_analyzer = Post("/v1/collections", {{"name", "x"}, {"analyzer", "klingon"}, {"embedder", "none"}});
  EXPECT_EQ(bad_analyzer.status, 400) << bad_analyzer.text;

  // Over the 1 MiB body limit of this test server.
  json huge = {{"documents", {{{"id", "big"}, {"text", std::string(2 << 20, 'a')}}}}};
  auto too_big = Post("/v1/collections/kb/documents", huge);
  EXPECT_EQ(too_big.status, 413);
  EXPECT_EQ(too_big.body["error"]["code"], "payload_too_large") << too_big.text;

  auto no_route = Do("GET", "/v2/whatever");
  EXPECT_EQ(no_route.status, 404);
  EXPECT_EQ(no_route.body["error"]["code"], "not_found");
}

// Several requests, one after another, over one TCP connection.
TEST_F(ServerTest, KeepAliveReusesOneConnection) {
  Start();
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(server_->port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const std::string request = "GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n";
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(::write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
    std::string got;
    char buf[4096];
    // Read one whole response: headers, then Content-Length bytes.
    while (true) {
      size_t end = got.find("\r\n\r\n");
      if (end != std::string::npos) {
        size_t cl = got.find("Content-Length: ");
        ASSERT_NE(cl, std::string::npos) << got;
        size_t len = std::stoul(got.substr(cl + 16));
        if (got.size() >= end + 4 + len) break;
      }
      ssize_t n = ::read(fd, buf, sizeof buf);
      ASSERT_GT(n, 0) << "the server closed the connection after " << i << " request(s)";
      got.append(buf, static_cast<size_t>(n));
    }
    EXPECT_EQ(got.rfind("HTTP/1.1 200", 0), 0u) << got;
    EXPECT_EQ(got.find("Connection: close"), std::string::npos) << got;
  }
  ::close(fd);
}

TEST_F(ServerTest, SlowClientsCannotHoldTheWorkers) {
  // Two workers, both taken by clients that send half a request and stall.
  ServerOptions o;
  o.data_dir = (root_ / "data").string();
  o.port = 0;
  o.threads = 2;
  o.read_timeout_s = 1;
  o.keep_alive_timeout_s = 1;
  server_ = std::make_unique<Server>(o);
  ASSERT_TRUE(server_->Start().ok());
  auto stalled = [&] {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(server_->port()));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    const std::string partial = "POST /v1/collections HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{";
    EXPECT_EQ(::write(fd, partial.data(), partial.size()), static_cast<ssize_t>(partial.size()));
    return fd;
  };
  int a = stalled(), b = stalled();
  // A well-behaved client still gets an answer once the stalled ones time out.
  auto start = std::chrono::steady_clock::now();
  httplib::Client c("127.0.0.1", server_->port());
  c.set_read_timeout(10, 0);
  auto r = c.Get("/health");
  double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(r) << "no answer while two stalled clients held the workers";
  EXPECT_EQ(r->status, 200);
  EXPECT_LT(waited, 8.0);
  // And the server closed the stalled connections (EOF, perhaps after an error
  // answer), rather than keeping them until the client gives up.
  for (int fd : {a, b}) {
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[512];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) {
    }
    EXPECT_EQ(n, 0) << "the stalled connection is still open (read timed out)";
    ::close(fd);
  }
}

TEST_F(ServerTest, ApiKeysAndRoles) {
  const std::string admin = NewKey("admin", Role::kAdmin);
  const std::string writer = NewKey("writer", Role::kWriter);
  const std::string reader = NewKey("reader", Role::kReader);
  const std::string only_a = NewKey("only-a", Role::kWriter, {"a"});
  // The file holds no key in the clear.
  std::ifstream in(keys_file());
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text.find(admin.substr(13)), std::string::npos);
  EXPECT_EQ(text.find(reader.substr(13)), std::string::npos);
  Start(true);

  auto none = Do("GET", "/v1/collections");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.body["error"]["code"], "unauthorized");
  EXPECT_EQ(Do("GET", "/v1/collections", "", "gbk_00000000_" + std::string(48, '0')).status, 401);
  EXPECT_EQ(Do("GET", "/health").status, 200);  // open

  EXPECT_EQ(Post("/v1/collections", {{"name", "a"}, {"embedder", "none"}}, writer).status, 403);
  CreateCollection("a", "none", admin);
  CreateCollection("b", "none", admin);
  json doc = {{"documents", {{{"id", "d1"}, {"text", "hello world"}}}}};
  auto r = Post("/v1/collections/a/documents", doc, reader);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body["error"]["code"], "forbidden");
  EXPECT_EQ(Do("DELETE", "/v1/collections/a/documents/d1", "", reader).status, 403);
  EXPECT_EQ(Post("/v1/collections/a/documents", doc, writer).status, 200);
  EXPECT_EQ(Post("/v1/collections/b/documents", doc, writer).status, 200);
  EXPECT_EQ(Post("/v1/collections/a/search", {{"query", "hello"}}, reader).status, 200);

  // A key limited to collection a.
  EXPECT_EQ(Post("/v1/collections/a/search", {{"query", "hello"}}, only_a).status, 200);
  EXPECT_EQ(Post("/v1/collections/b/search", {{"query", "hello"}}, only_a).status, 403);
  EXPECT_EQ(Do("GET", "/v1/collections/b/documents/d1", "", only_a).status, 403);
  EXPECT_EQ(Do("GET", "/v1/collections/b/stats", "", only_a).status, 403);
  EXPECT_EQ(Post("/v1/collections/b/documents", doc, only_a).status, 403);
  auto list = Do("GET", "/v1/collections", "", only_a);
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.body["collections"].size(), 1u);
  EXPECT_EQ(list.body["collections"][0]["name"], "a");

  EXPECT_EQ(Do("DELETE", "/v1/collections/b", "", writer).status, 403);
  EXPECT_EQ(Do("DELETE", "/v1/collections/b", "", admin).status, 200);

  // Revoking takes effect on the running server.
  ASSERT_TRUE(RevokeKey(keys_file(), "reader").ok());
  EXPECT_EQ(Post("/v1/collections/a/search", {{"query", "hello"}}, reader).status, 401);
}

// A reader acting as bob must not learn anything about alice's document (or
// the eng group's) through any endpoint; carol in eng sees the eng plan.
TEST_F(ServerTest, AclThroughEveryEndpoint) {
  const std::string admin = NewKey("admin", Role::kAdmin, {}, "root");
  const std::string bob = NewKey("bob", Role::kWriter, {}, "bob", {"sales"});
  const std::string carol = NewKey("carol", Role::kReader, {}, "carol", {"eng"});
  const std::string alice = NewKey("alice", Role::kReader, {}, "alice");
  Start(true);
  CreateCollection("kb", "none", admin);
  AddAclDocuments("kb", admin);

  for (const char* mode : {"auto", "bm25"}) {
    auto s = Post("/v1/collections/kb/search", {{"query", "budget salary review alice"}, {"mode", mode}, {"k", 10}}, bob);
    ASSERT_EQ(s.status, 200) << s.text;
    EXPECT_EQ(Ids(s.body["hits"]), std::vector<std::string>{"public-note"}) << mode;
    EXPECT_EQ(s.body["total_hits"], 1) << mode;
  }
  auto s_alice = Post("/v1/collections/kb/search", {{"query", "budget"}}, alice);
  EXPECT_EQ(Ids(s_alice.body["hits"]), (std::vector<std::string>{"alice-secret", "public-note"}));
  EXPECT_EQ(s_alice.body["total_hits"], 2);
  auto s_carol = Post("/v1/collections/kb/search", {{"query", "budget"}}, carol);
  EXPECT_EQ(Ids(s_carol.body["hits"]), (std::vector<std::string>{"eng-plan", "public-note"}));
  // A filter that names only alice's document finds nothing for bob.
  auto filt = Post("/v1/collections/kb/search", {{"query", "budget doc_id:secret"}}, bob);
  ASSERT_EQ(filt.status, 200) << filt.text;
  EXPECT_EQ(filt.body["total_hits"], 0);

  // get, explain, chunks
  auto g = Do("GET", "/v1/collections/kb/documents/alice-secret", "", bob);
  EXPECT_EQ(g.status, 404);
  EXPECT_EQ(g.text.find("Salary"), std::string::npos);
  EXPECT_EQ(Do("GET", "/v1/collections/kb/documents/alice-secret", "", alice).status, 200);
  auto e = Post("/v1/collections/kb/explain", {{"query", "salary"}, {"id", "alice-secret"}}, bob);
  EXPECT_EQ(e.status, 404) << e.text;
  EXPECT_EQ(e.text.find("Salary"), std::string::npos);
  auto e_alice = Post("/v1/collections/kb/explain", {{"query", "salary"}, {"id", "alice-secret"}}, alice);
  EXPECT_EQ(e_alice.status, 200) << e_alice.text;
  // explain of a public document: ranks count only what bob may see.
  auto e_pub = Post("/v1/collections/kb/explain", {{"query", "budget"}, {"id", "public-note"}, {"k", 1}}, bob);
  ASSERT_EQ(e_pub.status, 200) << e_pub.text;
  EXPECT_EQ(e_pub.body["why"]["reason"], "in_top_k");
  EXPECT_EQ(Do("GET", "/v1/collections/kb/documents/secret?chunks=1", "", bob).status, 404);
  auto ch = Do("GET", "/v1/collections/kb/documents/secret?chunks=1", "", alice);
  ASSERT_EQ(ch.status, 200) << ch.text;
  EXPECT_EQ(ch.body["chunks"].size(), 1u);
  EXPECT_EQ(Do("GET", "/v1/collections/kb/documents/plan?chunks=1", "", carol).status, 200);

  // bob (a writer) can neither delete nor overwrite alice's document.
  EXPECT_EQ(Do("DELETE", "/v1/collections/kb/documents/alice-secret", "", bob).status, 404);
  auto over = Post("/v1/collections/kb/documents", {{"documents", {{{"id", "alice-secret"}, {"text", "pwned"}}}}}, bob);
  EXPECT_EQ(over.status, 403);
  EXPECT_EQ(Do("GET", "/v1/collections/kb/documents/alice-secret", "", alice).body["fields"]["title"], "Salary review");
}

// Vector and hybrid search with the default static embedder honour the ACL too.
TEST_F(ServerTest, AclHybridAndVector) {
  const std::string admin = NewKey("admin", Role::kAdmin, {}, "root");
  const std::string bob = NewKey("bob", Role::kReader, {}, "bob");
  Start(true);
  auto c = Post("/v1/collections", {{"name", "kb"}}, admin);  // default embedder: static
  if (c.status != 201) GTEST_SKIP() << "static embedder unavailable (GLASSBOX_MODEL_DIR?): " << c.text;
  AddAclDocuments("kb", admin);
  for (const char* mode : {"vector", "hybrid", "auto"}) {
    auto s = Post("/v1/collections/kb/search",
                  {{"query", "salary review budget"}, {"mode", mode}, {"k", 10}, {"explain", true}}, bob);
    ASSERT_EQ(s.status, 200) << s.text;
    EXPECT_EQ(Ids(s.body["hits"]), std::vector<std::string>{"public-note"}) << mode;
    EXPECT_EQ(s.body["total_hits"], 1) << mode;
    EXPECT_EQ(s.text.find("Salary"), std::string::npos) << mode;
  }
  auto h = Post("/v1/collections/kb/search",
                {{"query", "holiday budget"}, {"mode", "hybrid"}, {"fusion", "rrf"}, {"weights", {0.7, 0.3}}, {"explain", true}},
                admin);
  ASSERT_EQ(h.status, 200) << h.text;
  EXPECT_EQ(h.body["mode"], "hybrid");
  ASSERT_FALSE(h.body["hits"].empty());
  EXPECT_TRUE(h.body["hits"][0].contains("retrievers"));
}

TEST_F(ServerTest, QueriesPastTheTimeBudgetGet503) {
  ServerOptions o;
  o.data_dir = (root_ / "data").string();
  o.port = 0;
  o.threads = 2;
  o.query_timeout_ms = 1;
  server_ = std::make_unique<Server>(o);
  ASSERT_TRUE(server_->Start().ok());
  client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
  client_->set_read_timeout(120, 0);  // adding the 1M-word document takes >5 s (httplib's default) on a loaded machine
  CreateCollection("kb");
  // Matching a 1,300-word phrase against 1,000,000 positions takes well over 1 ms.
  std::string body, phrase;
  for (int i = 0; i < 1000000; ++i) body += "ab ";
  for (int i = 0; i < 1300; ++i) phrase += "ab ";
  auto add = Post("/v1/collections/kb/documents", {{"documents", {{{"id", "big"}, {"text", body}}}}});
  ASSERT_EQ(add.status, 200) << add.text;
  const std::string q = "\"" + phrase + "\"";
  auto start = std::chrono::steady_clock::now();
  for (const auto& [endpoint, request] : {std::pair<std::string, json>{"search", {{"query", q}}},
                                          std::pair<std::string, json>{"explain", {{"query", q}, {"id", "big"}}}}) {
    auto r = Post("/v1/collections/kb/" + endpoint, request);
    EXPECT_EQ(r.status, 503) << endpoint << ": " << r.text;
    EXPECT_EQ(r.body["error"]["code"], "deadline_exceeded") << r.text;
    EXPECT_NE(r.body["error"]["message"].get<std::string>().find("time budget of 1 ms"), std::string::npos) << r.text;
  }
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 5.0);
}

// An admin could make the server call any URL (sending its embedding API key
// and echoing the reply) or probe which files exist. Only "none", "static"
// and what the operator allowed may be named; anything else is refused
// before anything is contacted or opened.
TEST_F(ServerTest, EmbedderMustBeOnTheServersAllowList) {
  Tripwire trap;
  const std::string port = std::to_string(trap.port());
  const std::string model = (root_ / "no-model.gguf").string();
  ServerOptions o = Options();
  o.allowed_embedders = {"mine=gguf:" + model};
  Start(o);
  std::string first_gguf;
  for (const std::string& spec : std::vector<std::string>
       {"http://127.0.0.1:" + port + "/v1/embeddings#m", "http:http://127.0.0.1:" + port + "/x#m",
        "https://127.0.0.1:" + port + "/x#m", "gguf:/etc/passwd", "gguf:/nonexistent", "gguf:" + model + "x",
        "yours", ""}) {
    auto r = Post("/v1/collections", {{"name", "c"}, {"embedder", spec}});
    EXPECT_EQ(r.status, 400) << spec << ": " << r.text;
    EXPECT_EQ(r.body["error"]["code"], "invalid_argument") << r.text;
    for (const char* leak : {"127.0.0.1", "passwd", "nonexistent", "no-model"})
      EXPECT_EQ(r.text.find(leak), std::string::npos) << spec << " leaks " << leak << ": " << r.text;
    if (spec.rfind("gguf:/", 0) == 0) {
      if (first_gguf.empty()) first_gguf = r.text;
      EXPECT_EQ(r.text, first_gguf) << "the answer must not depend on whether " << spec << " exists";
    }
    EXPECT_FALSE(fs::exists(root_ / "data" / "c"));
  }
  EXPECT_FALSE(trap.Contacted()) << "the server connected to an address named in a request";
  // Allowed by name or by spec: the server tries it, and the failure names neither the path nor the directory.
  for (const std::string& spec : std::vector<std::string>{"mine", "gguf:" + model}) {
    auto r = Post("/v1/collections", {{"name", "c"}, {"embedder", spec}});
    EXPECT_GE(r.status, 400) << r.text;
    EXPECT_EQ(r.text.find("no-model"), std::string::npos) << r.text;
    EXPECT_EQ(r.text.find(root_.string()), std::string::npos) << r.text;
    EXPECT_TRUE(r.body.contains("error")) << r.text;
  }
  CreateCollection("plain", "none");
}

// An allowed HTTP endpoint that fails: its reply is not passed on to the client.
TEST_F(ServerTest, EmbedderErrorsDoNotEchoTheEndpointsReply) {
  httplib::Server fake;
  std::atomic<int> calls{0};
  fake.Post("/v1/embeddings", [&](const httplib::Request&, httplib::Response& res) {
    ++calls;
    res.status = 400;
    res.set_content("{\"error\": {\"message\": \"SECRET-REPLY-BODY\"}}", "application/json");
  });
  const int port = fake.bind_to_any_port("127.0.0.1");
  std::thread t([&] { fake.listen_after_bind(); });
  for (int i = 0; i < 5000 && !fake.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ServerOptions o = Options();
  o.allowed_embedders = {"remote=http://127.0.0.1:" + std::to_string(port) + "/v1/embeddings#m"};
  Start(o);
  auto r = Post("/v1/collections", {{"name", "c"}, {"embedder", "remote"}});
  EXPECT_GE(r.status, 400) << r.text;
  EXPECT_GE(calls.load(), 1);
  EXPECT_EQ(r.text.find("SECRET-REPLY-BODY"), std::string::npos) << r.text;
  EXPECT_EQ(r.text.find("127.0.0.1"), std::string::npos) << r.text;
  fake.stop();
  t.join();
}

// Bodies that are not valid UTF-8 or hold numbers out of range, and ids that
// are not valid UTF-8 in URLs, are client errors with a JSON answer, not 500s.
TEST_F(ServerTest, MalformedInputIsAClientError) {
  Start();
  CreateCollection("kb");
  auto utf8 = Do("POST", "/v1/collections/kb/search", "{\"query\": \"caf\xe9\"}");
  EXPECT_EQ(utf8.status, 400) << utf8.text;
  EXPECT_TRUE(utf8.body.is_object()) << utf8.text;
  auto big = Do("POST", "/v1/collections/kb/search", "{\"query\": \"x\", \"rrf_k\": 1e309}");
  EXPECT_EQ(big.status, 400) << big.text;
  EXPECT_EQ(big.body["error"]["code"], "invalid_argument") << big.text;
  auto doc = Do("GET", "/v1/collections/kb/documents/caf%E9");
  EXPECT_EQ(doc.status, 404) << doc.text;
  EXPECT_TRUE(doc.body.is_object()) << doc.text;

  auto ctl = Post("/v1/collections/kb/documents", {{"documents", {{{"id", "a\nb"}, {"text", "x"}}}}});
  EXPECT_EQ(ctl.status, 400) << ctl.text;
  EXPECT_NE(ctl.text.find("control character"), std::string::npos) << ctl.text;

  for (json bad : {json{{"rrf_k", 0}}, json{{"rrf_k", -5}}, json{{"weights", {0, 0}}}}) {
    bad["query"] = "x";
    bad["mode"] = "bm25";
    auto r = Post("/v1/collections/kb/search", bad);
    EXPECT_EQ(r.status, 400) << bad.dump() << ": " << r.text;
  }
  auto k1 = Post("/v1/collections", {{"name", "k"}, {"embedder", "none"}, {"k1", 1e308}});
  EXPECT_EQ(k1.status, 400) << k1.text;
  EXPECT_NE(k1.text.find("k1"), std::string::npos) << k1.text;
  auto b = Post("/v1/collections", {{"name", "k2"}, {"embedder", "none"}, {"b", 2}});
  EXPECT_EQ(b.status, 400) << b.text;
}

// An unsupported format is a failed file, named in the report (and, as an
// upload is all or nothing, nothing is written); a file name too long to
// write is a 400 naming the file, not a 500.
TEST_F(ServerTest, UploadReportsUnusableFiles) {
  Start();
  CreateCollection("kb");
  httplib::MultipartFormDataItems items = {
      {"file", "fine text", "ok.txt", "text/plain"},
      {"file", "GIF89a", "image.gif", "image/gif"},
  };
  auto r = client_->Post("/v1/collections/kb/documents", items);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400) << r->body;
  json rep = json::parse(r->body);
  EXPECT_EQ(rep["files_seen"], 2) << rep.dump();
  EXPECT_EQ(rep["files_failed"], 1) << rep.dump();
  ASSERT_EQ(rep["errors"].size(), 1u) << rep.dump();
  EXPECT_EQ(rep["errors"][0]["path"], "image.gif");
  EXPECT_NE(rep["errors"][0]["message"].get<std::string>().find("not supported"), std::string::npos) << rep.dump();
  EXPECT_EQ(r->body.find("glassbox-upload"), std::string::npos) << r->body;

  const std::string long_name = std::string(300, 'n') + ".txt";
  items = {{"file", "fine text", "ok.txt", "text/plain"}, {"file", "words", long_name, "text/plain"}};
  r = client_->Post("/v1/collections/kb/documents", items);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400) << r->body;
  EXPECT_NE(r->body.find("nnnnnnnnnnnn"), std::string::npos) << r->body;
  EXPECT_NE(r->body.find("255 bytes"), std::string::npos) << r->body;
  EXPECT_EQ(Do("GET", "/v1/collections/kb/stats").body["documents"], 0);
}

// The key is checked before the body is read, and a key limited to some
// collections cannot create others.
TEST_F(ServerTest, CreateCollectionChecksTheKeyFirst) {
  const std::string admin_a = NewKey("admin-a", Role::kAdmin, {"a"});
  const std::string reader = NewKey("reader", Role::kReader);
  Start(true);
  EXPECT_EQ(Do("POST", "/v1/collections", "{not json").status, 401);
  EXPECT_EQ(Do("POST", "/v1/collections", "{not json", reader).status, 403);
  EXPECT_EQ(Do("POST", "/v1/collections", "{not json", admin_a).status, 400);
  EXPECT_EQ(Post("/v1/collections", {{"name", "b"}, {"embedder", "none"}}, admin_a).status, 403);
  CreateCollection("a", "none", admin_a);
}

// Deleting or breaking the keys file of a running server leaves no key valid.
TEST_F(ServerTest, KeysFailClosed) {
  const std::string admin = NewKey("admin", Role::kAdmin);
  Start(true);
  ASSERT_EQ(Do("GET", "/v1/collections", "", admin).status, 200);
  std::ifstream in(keys_file());
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  fs::remove(keys_file());
  EXPECT_EQ(Do("GET", "/v1/collections", "", admin).status, 401);
  std::ofstream(keys_file()) << text;
  EXPECT_EQ(Do("GET", "/v1/collections", "", admin).status, 200);
  std::ofstream(keys_file()) << text << "{ this is not json\n";
  EXPECT_EQ(Do("GET", "/v1/collections", "", admin).status, 401);
  std::ofstream(keys_file()) << text;
  EXPECT_EQ(Do("GET", "/v1/collections", "", admin).status, 200);
}

// POST /v1/collections/{c}/sql: an uploaded CSV file's table answers; a
// collection without tables is a 404; a question is required.
TEST_F(ServerTest, SqlOverUploadedTable) {
  Start();
  CreateCollection("kb");
  auto none = Post("/v1/collections/kb/sql", {{"question", "how much cement"}});
  EXPECT_EQ(none.status, 404) << none.text;
  httplib::MultipartFormDataItems items = {
      {"file", "date,material,quantity,unit,amount\n2025-03-01,cement,10,tonne,4400\n2026-02-01,cement,5,tonne,2300\n"
               "2026-03-01,sand,50,tonne,4000\n", "purchases.csv", "text/csv"}};
  auto up = client_->Post("/v1/collections/kb/documents", items);
  ASSERT_TRUE(up);
  ASSERT_EQ(up->status, 200) << up->body;
  auto a = Post("/v1/collections/kb/sql", {{"question", "How much cement did we buy in 2026?"}, {"today", "2026-10-20"}});
  ASSERT_EQ(a.status, 200) << a.text;
  EXPECT_EQ(a.body["status"], "answered") << a.text;
  ASSERT_EQ(a.body["rows"].size(), 1u) << a.text;
  EXPECT_EQ(a.body["rows"][0][0], 5) << a.text;
  EXPECT_NE(a.body["sql"].get<std::string>().find("'cement'"), std::string::npos);
  EXPECT_FALSE(a.body["explanation"].empty());
  // The row stays searchable as a document too.
  EXPECT_GE(Post("/v1/collections/kb/search", {{"query", "cement"}}).body["hits"].size(), 1u);
  EXPECT_EQ(Post("/v1/collections/kb/sql", {{"today", "2026-10-20"}}).status, 400);
  EXPECT_EQ(Post("/v1/collections/kb/sql", {{"question", "x"}, {"today", "yesterday"}}).status, 400);
  EXPECT_EQ(Post("/v1/collections/kb/sql", {{"question", "x"}, {"ask_back", "no"}}).status, 400);
  // The LLM path needs the operator's model; a body never names one.
  EXPECT_EQ(a.body["path"], "deterministic") << a.text;
  auto llm = Post("/v1/collections/kb/sql", {{"question", "How much cement?"}, {"sql_mode", "llm"}});
  EXPECT_EQ(llm.status, 400) << llm.text;
  EXPECT_NE(llm.text.find("needs a model"), std::string::npos) << llm.text;
  EXPECT_EQ(Post("/v1/collections/kb/sql", {{"question", "How much cement?"}, {"sql_mode", "guess"}}).status, 400);
  auto named = Post("/v1/collections/kb/sql", {{"question", "How much cement?"}, {"sql_mode", "llm"},
                                               {"llm_url", "http://127.0.0.1:1/v1/chat/completions"}});
  EXPECT_EQ(named.status, 400) << named.text;
  EXPECT_EQ(Post("/v1/collections/kb/ask", {{"question", "How much cement?"}, {"sql_mode", "llm"}}).status, 400);
  // A second table that also holds cement: asked back, unless "ask_back": false.
  httplib::MultipartFormDataItems orders = {
      {"file", "date,material,quantity,supplier\n2026-01-01,cement,5,X\n", "orders.csv", "text/csv"}};
  auto up2 = client_->Post("/v1/collections/kb/documents", orders);
  ASSERT_TRUE(up2);
  ASSERT_EQ(up2->status, 200) << up2->body;
  auto back = Post("/v1/collections/kb/sql", {{"question", "how much cement quantity"}, {"today", "2026-10-20"}});
  EXPECT_EQ(back.body["status"], "ask_back") << back.text;
  auto best = Post("/v1/collections/kb/sql",
                   {{"question", "how much cement quantity"}, {"today", "2026-10-20"}, {"ask_back", false}});
  EXPECT_EQ(best.body["status"], "answered") << best.text;
}

}  // namespace
}  // namespace glassbox::server

// POST /v1/collections/{c}/ask: an answer with citations, the same access control
// as search, Server-Sent Events with "stream": true, and errors for bad bodies.
namespace glassbox::server {
namespace {

TEST_F(ServerTest, AskAnswersWithCitationsAndStreams) {
  Start(true);
  const std::string admin = NewKey("admin", Role::kAdmin);
  const std::string alice = NewKey("alice", Role::kReader, {}, "alice");
  const std::string bob = NewKey("bob", Role::kReader, {}, "bob");
  CreateCollection("kb", "none", admin);
  AddAclDocuments("kb", admin);
  auto docs = Post("/v1/collections/kb/documents",
                   {{"documents", {{{"id", "price"}, {"title", "Cement contract"},
                                    {"text", "Bagged cement costs 468 CNY per tonne from 1 January 2026."},
                                    {"metadata", {{"page", 4}}}}}}}, admin);
  ASSERT_EQ(docs.status, 200) << docs.text;
  auto a = Post("/v1/collections/kb/ask", {{"question", "How much does bagged cement cost per tonne?"}, {"mode", "bm25"}}, bob);
  ASSERT_EQ(a.status, 200) << a.text;
  EXPECT_EQ(a.body["status"], "answered") << a.text;
  ASSERT_EQ(a.body["citations"].size(), 1u);
  EXPECT_EQ(a.body["citations"][0]["id"], "price");
  EXPECT_EQ(a.body["citations"][0]["page"], 4);
  EXPECT_NE(a.body["citations"][0]["quote"].get<std::string>().find("468"), std::string::npos);
  EXPECT_TRUE(a.body["citations"][0]["verified"].get<bool>());
  EXPECT_TRUE(a.body["timings_ms"].contains("verify"));
  // Access control: bob never reads alice's salary review; alice does.
  auto b = Post("/v1/collections/kb/ask", {{"question", "What does the quarterly salary review mention?"}}, bob);
  ASSERT_EQ(b.status, 200) << b.text;
  for (const auto& p : b.body["passages"]) EXPECT_NE(p["id"], "alice-secret");
  for (const auto& c : b.body["citations"]) EXPECT_NE(c["id"], "alice-secret");
  auto c = Post("/v1/collections/kb/ask", {{"question", "What does the quarterly salary review mention?"}}, alice);
  ASSERT_EQ(c.status, 200) << c.text;
  ASSERT_FALSE(c.body["passages"].empty());
  EXPECT_EQ(c.body["passages"][0]["id"], "alice-secret");
  // Streaming: the four events in order.
  auto s = Post("/v1/collections/kb/ask", {{"question", "How much does bagged cement cost per tonne?"}, {"stream", true}}, bob);
  ASSERT_EQ(s.status, 200);
  size_t r = s.text.find("event: retrieval"), an = s.text.find("event: answer"), ci = s.text.find("event: citations"),
         d = s.text.find("event: done");
  ASSERT_NE(r, std::string::npos) << s.text;
  EXPECT_LT(r, an);
  EXPECT_LT(an, ci);
  EXPECT_LT(ci, d);
  EXPECT_NE(s.text.find("468"), std::string::npos);
  // Bad bodies.
  EXPECT_EQ(Post("/v1/collections/kb/ask", {{"mode", "bm25"}}, bob).status, 400);
  EXPECT_EQ(Post("/v1/collections/kb/ask", {{"question", "x"}, {"unsupported", "maybe"}}, bob).status, 400);
  EXPECT_EQ(Post("/v1/collections/kb/ask", {{"question", "   "}}, bob).status, 400);
  EXPECT_EQ(Post("/v1/collections/kb/ask", {{"question", "x"}}).status, 401);
  auto gen = Post("/v1/collections/kb/ask", {{"question", "x"}, {"answer_mode", "generative"}, {"llm_url", "http://10.0.0.1/"}}, bob);
  EXPECT_EQ(gen.status, 400);
  EXPECT_NE(gen.text.find("not enabled"), std::string::npos) << gen.text;
  auto api = Do("GET", "/openapi.json");
  EXPECT_TRUE(api.body["paths"].contains("/v1/collections/{name}/ask"));
}

}  // namespace
}  // namespace glassbox::server

// "stream": true writes each event as its stage completes. The generator is a
// stand-in chat endpoint (set by the operator, ServerOptions::llm_url) that
// does not answer until the test's client has read the `retrieval` event: if
// the server sent the events only at the end, the endpoint would wait in vain.
namespace glassbox::server {
namespace {

TEST_F(ServerTest, AskStreamSendsEventsAsStagesComplete) {
  std::mutex mu;
  std::condition_variable cv;
  bool client_saw_retrieval = false, endpoint_released = false;
  httplib::Server llm;
  llm.Post("/v1/chat/completions", [&](const httplib::Request&, httplib::Response& r) {
    std::unique_lock<std::mutex> l(mu);
    endpoint_released = cv.wait_for(l, std::chrono::seconds(10), [&] { return client_saw_retrieval; });
    nlohmann::json j = {{"choices", {{{"message", {{"role", "assistant"},
                                                  {"content", "Bagged cement costs 468 CNY per tonne [1]."}}}}}}};
    r.set_content(j.dump(), "application/json");
  });
  const int llm_port = llm.bind_to_any_port("127.0.0.1");
  std::thread llm_thread([&] { llm.listen_after_bind(); });
  ServerOptions o = Options();
  o.llm_url = "http://127.0.0.1:" + std::to_string(llm_port) + "/v1/chat/completions";
  Start(o);
  CreateCollection("kb", "none");
  auto docs = Post("/v1/collections/kb/documents",
                   {{"documents", {{{"id", "price"}, {"text", "Bagged cement costs 468 CNY per tonne from 1 January 2026."}}}}});
  ASSERT_EQ(docs.status, 200) << docs.text;

  httplib::Client c("127.0.0.1", server_->port());
  c.set_read_timeout(20, 0);
  std::string text;
  std::vector<std::string> events;
  httplib::Request req;
  req.method = "POST";
  req.path = "/v1/collections/kb/ask";
  req.set_header("Content-Type", "application/json");
  req.body = json({{"question", "How much does bagged cement cost per tonne?"}, {"answer_mode", "generative"},
                   {"stream", true}}).dump();
  req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
    text.append(data, n);
    size_t e;
    while ((e = text.find("\n\n")) != std::string::npos) {
      std::string ev = text.substr(0, e);
      text.erase(0, e + 2);
      if (ev.rfind("event: ", 0) == 0) events.push_back(ev.substr(7, ev.find('\n') - 7));
      if (events.empty()) continue;
      if (events.back() == "retrieval") {
        std::lock_guard<std::mutex> l(mu);
        client_saw_retrieval = true;
        cv.notify_all();
      }
      if (events.back() == "citations") EXPECT_NE(ev.find("\"verified\":true"), std::string::npos) << ev;
    }
    return true;
  };
  auto r = c.send(req);
  llm.stop();
  llm_thread.join();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Transfer-Encoding"), "chunked");
  EXPECT_TRUE(endpoint_released) << "the retrieval event did not reach the client before the generator finished";
  EXPECT_EQ(events, (std::vector<std::string>{"retrieval", "token", "answer", "citations", "done"}));
  // The connection is still usable (keep-alive after the last chunk).
  EXPECT_EQ(c.Get("/health")->status, 200);

  // A generator failure after the first event is an `error` event.
  text.clear();
  events.clear();
  auto e = c.send(req);  // the endpoint is stopped now
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, 200);
  EXPECT_EQ(events, (std::vector<std::string>{"retrieval", "error"}));
  // The model is the operator's: a body cannot name one.
  auto named = Post("/v1/collections/kb/ask", {{"question", "x"}, {"answer_mode", "generative"}, {"llm_url", "http://10.0.0.1/"}});
  EXPECT_EQ(named.status, 400);
  EXPECT_NE(named.text.find("operator"), std::string::npos) << named.text;
  EXPECT_EQ(Post("/v1/collections/kb/ask", {{"question", "x"}, {"llm_gguf", "/etc/passwd"}}).status, 400);
}

}  // namespace
}  // namespace glassbox::server

#ifdef GLASSBOX_HAVE_LLAMA
// The in-process generator streams its tokens as `token` events (tiny
// generated model: garbage text, never verified).
namespace glassbox::server {
namespace {

TEST_F(ServerTest, AskStreamsTokensOfAnInProcessGgufModel) {
  const std::string model = (root_ / "tiny-chat.gguf").string();
  ASSERT_EQ(answer::testing::WriteTinyChatGguf(model), "");
  ServerOptions o = Options();
  o.llm_gguf = model;
  o.llm_threads = 1;
  Start(o);
  CreateCollection("kb", "none");
  ASSERT_EQ(Post("/v1/collections/kb/documents",
                 {{"documents", {{{"id", "price"}, {"text", "Bagged cement costs 468 CNY per tonne."}}}}}).status, 200);
  auto s = Post("/v1/collections/kb/ask", {{"question", "How much does bagged cement cost?"}, {"answer_mode", "generative"},
                                           {"llm_max_tokens", 12}, {"stream", true}});
  ASSERT_EQ(s.status, 200) << s.text;
  size_t tokens = 0, pos = 0;
  while ((pos = s.text.find("event: token\n", pos)) != std::string::npos) ++tokens, ++pos;
  EXPECT_EQ(tokens, 12u) << s.text;
  EXPECT_LT(s.text.find("event: retrieval"), s.text.find("event: token"));
  EXPECT_LT(s.text.rfind("event: token"), s.text.find("event: answer"));
  EXPECT_NE(s.text.find("\"tokens\":12"), std::string::npos) << s.text;   // done: generation
  EXPECT_EQ(s.text.find("\"verified\":true"), std::string::npos) << s.text;  // garbage is never verified
  auto j = Post("/v1/collections/kb/ask", {{"question", "How much does bagged cement cost?"}, {"answer_mode", "generative"},
                                           {"llm_max_tokens", 5}});
  ASSERT_EQ(j.status, 200) << j.text;
  EXPECT_EQ(j.body["generation"]["tokens"], 5);
  EXPECT_FALSE(j.body["verified"].get<bool>());
  EXPECT_TRUE(j.body["timings_ms"].contains("first_token"));
}

}  // namespace
}  // namespace glassbox::server
#endif
namespace glassbox::server {

// The page view (GET /v1/collections/{name}/page): a PDF page rendered from
// the collection's copy of the file, the same 404 as GET of the document for
// a caller who may not see it, clear 4xx for bad page numbers, 410 when the
// copy is gone.
TEST_F(ServerTest, PageViewRendersPdfPagesWithTheDocumentsAcl) {
  const std::string fixtures = (root_ / "fixtures").string();
  const std::string cmd =
      std::string("/usr/bin/python3 ") + GLASSBOX_SOURCE_DIR + "/tests/fixtures/make_documents.py " + fixtures;
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::ifstream in(fixtures + "/pages3.pdf", std::ios::binary);
  const std::string pdf((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(pdf.size(), 100u);

  const std::string admin = NewKey("admin", Role::kAdmin, {}, "root");
  const std::string bob = NewKey("bob", Role::kReader, {}, "bob");
  const std::string alice = NewKey("alice", Role::kReader, {}, "alice");
  Start(true);
  CreateCollection("docs", "none", admin);
  httplib::MultipartFormDataItems items = {{"file", pdf, "pages3.pdf", "application/pdf"}};
  auto up = client_->Post("/v1/collections/docs/documents", Auth(admin), items);
  ASSERT_TRUE(up);
  ASSERT_EQ(up->status, 200) << up->body;

  // The hit carries its page, its box, the page size and the copy's hash.
  auto s = Post("/v1/collections/docs/search", {{"query", "narwhal"}, {"mode", "bm25"}}, bob);
  ASSERT_EQ(s.status, 200) << s.text;
  ASSERT_EQ(s.body["hits"].size(), 1u) << s.text;
  const json md = s.body["hits"][0]["metadata"];
  EXPECT_EQ(md["page"], 2);
  EXPECT_EQ(md["page_size"], "595.3x841.9");
  EXPECT_TRUE(md["bbox"].is_string()) << md.dump();
  ASSERT_TRUE(md["original"].is_string()) << md.dump();
  const std::string hash = md["original"];
  const std::string hit_id = s.body["hits"][0]["id"];

  auto get = [&](const std::string& query, const std::string& key) {
    auto r = client_->Get(("/v1/collections/docs/page?" + query).c_str(), Auth(key));
    EXPECT_TRUE(r);
    return r ? *r : httplib::Response();
  };
  // By chunk id and by document id; a PNG of an A4 page at 110 dpi.
  for (const std::string& id : {hit_id, std::string("pages3.pdf")}) {
    auto r = get("id=" + httplib::detail::encode_query_param(id) + "&page=2", bob);
    ASSERT_EQ(r.status, 200) << id << ": " << r.body;
    EXPECT_EQ(r.get_header_value("Content-Type"), "image/png");
    ASSERT_GT(r.body.size(), 24u);
    EXPECT_EQ(r.body.substr(0, 4), "\x89PNG");
    auto be32 = [&](size_t at) {
      const auto* p = reinterpret_cast<const unsigned char*>(r.body.data() + at);
      return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
    };
    EXPECT_NEAR(be32(16), 595.28 / 72 * 110, 2);  // IHDR width, height
    EXPECT_NEAR(be32(20), 841.89 / 72 * 110, 2);
    // The ink where reportlab drew page 2's sentence: from x = 300 points, baseline 400 points from the bottom.
    Pix* pix = pixReadMem(reinterpret_cast<const l_uint8*>(r.body.data()), r.body.size());
    ASSERT_NE(pix, nullptr);
    Pix* grey = pixConvertTo8(pix, 0);
    int left = INT32_MAX, right = -1, bottom = -1;
    for (int y = 0; y < pixGetHeight(grey); ++y)
      for (int x = 0; x < pixGetWidth(grey); ++x) {
        l_uint32 v = 255;
        pixGetPixel(grey, x, y, &v);
        if (v >= 128) continue;
        left = std::min(left, x), right = std::max(right, x), bottom = std::max(bottom, y);
      }
    pixDestroy(&grey);
    pixDestroy(&pix);
    EXPECT_NEAR(left, 300.0 / 72 * 110, 4);
    EXPECT_NEAR(bottom, (841.89 - 400) / 72 * 110, 6);  // the baseline (and a descender's pixels)
    EXPECT_GT(right - left, 150.0 / 72 * 110);           // the sentence is over 150 points wide
  }
  // Bad page numbers: clear client errors.
  auto far = get("id=pages3.pdf&page=4", bob);
  EXPECT_EQ(far.status, 400);
  EXPECT_NE(far.body.find("page 4 out of range: the document has 3 pages"), std::string::npos) << far.body;
  for (const char* bad : {"0", "-1", "two", "2x"}) {
    auto r = get(std::string("id=pages3.pdf&page=") + bad, bob);
    EXPECT_EQ(r.status, 400) << bad << ": " << r.body;
    EXPECT_NE(r.body.find("page must be a page number"), std::string::npos) << r.body;
  }
  EXPECT_EQ(get("page=1", bob).status, 400);
  EXPECT_EQ(get("id=nothing.pdf&page=1", bob).status, 404);

  // A document only alice may see, naming the same copy: bob gets GET's 404, never bytes.
  auto add = Post("/v1/collections/docs/documents",
                  {{"documents",
                    {{{"id", "alice-scan"},
                      {"text", "private scan"},
                      {"metadata", {{"acl_users", {"alice"}}, {"original", hash}, {"page", 1}}}},
                     {{"id", "plain"}, {"text", "no file behind this one"}}}}},
                  admin);
  ASSERT_EQ(add.status, 200) << add.text;
  auto hidden = get("id=alice-scan&page=1", bob);
  EXPECT_EQ(hidden.status, 404);
  EXPECT_EQ(hidden.body.find("PNG"), std::string::npos);
  EXPECT_EQ(hidden.status, Do("GET", "/v1/collections/docs/documents/alice-scan", "", bob).status);
  EXPECT_EQ(get("id=alice-scan&page=1", alice).status, 200);
  // A document without a file behind it has no page view.
  EXPECT_EQ(get("id=plain&page=1", bob).status, 404);

  // The collection's copy removed: 410, saying what to do.
  fs::remove(root_ / "data" / "docs" / "originals" / hash);
  auto gone = get("id=pages3.pdf&page=1", bob);
  EXPECT_EQ(gone.status, 410) << gone.body;
  EXPECT_NE(gone.body.find("ingest the file again"), std::string::npos) << gone.body;
}

}  // namespace glassbox::server
