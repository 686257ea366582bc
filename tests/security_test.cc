// Attacks on `glassbox serve`, each reproducing a defect found by an attack
// run (issue 7) against a real server on loopback: access control and
// integrity of writes, side channels about hidden documents, and
// availability (bodies before authentication, range amplification, slow
// clients, DNS rebinding and cross-origin writes).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "server_fixture.h"

namespace glassbox::server {
namespace {

using Clock = std::chrono::steady_clock;
double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// A raw TCP connection to the server, for requests httplib will not send.
class Raw {
 public:
  explicit Raw(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~Raw() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return ok_; }
  bool Send(const std::string& s) { return ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(s.size()); }
  // Reads until the peer closes or `seconds` pass; returns what arrived.
  std::string ReadAll(double seconds, bool* closed = nullptr) {
    std::string out;
    auto start = Clock::now();
    if (closed) *closed = false;
    while (Since(start) < seconds) {
      pollfd p{fd_, POLLIN, 0};
      int ms = static_cast<int>((seconds - Since(start)) * 1000) + 1;
      if (::poll(&p, 1, ms) <= 0) break;
      char buf[65536];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        if (closed) *closed = true;
        break;
      }
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }
  // Reads one response head and its Content-Length body.
  std::string ReadResponse(double seconds) {
    std::string out;
    auto start = Clock::now();
    while (Since(start) < seconds) {
      size_t he = out.find("\r\n\r\n");
      if (he != std::string::npos) {
        size_t cl = 0;
        size_t p = out.find("Content-Length: ");
        if (p != std::string::npos && p < he) cl = std::stoul(out.substr(p + 16));
        if (out.size() >= he + 4 + cl) return out;
      }
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      char buf[65536];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  bool ok_ = false;
};

int StatusOf(const std::string& response) {
  if (response.compare(0, 9, "HTTP/1.1 ") != 0) return 0;
  return std::stoi(response.substr(9, 3));
}

class SecurityTest : public ServerTest {
 protected:
  // Admin, alice (may see her document), bob (an eng writer who may not).
  void Keys() {
    admin_ = NewKey("admin", Role::kAdmin);
    alice_ = NewKey("alice", Role::kWriter, {}, "alice", {});
    bob_ = NewKey("bob", Role::kWriter, {}, "bob", {"eng"});
  }
  httplib::Result Upload(const std::string& coll, const httplib::MultipartFormDataItems& items,
                         const std::string& key) {
    return client_->Post(("/v1/collections/" + coll + "/documents").c_str(), Auth(key), items);
  }
  std::string admin_, alice_, bob_;
};

// 1. Every write path goes through one replace check.
TEST_F(SecurityTest, UploadCannotReplaceOrDeleteHiddenDocuments) {
  Keys();
  Start(true);
  CreateCollection("kb", "none", admin_);
  AddAclDocuments("kb", admin_);
  // Hidden chunks of an ingested document, X#0 and X#1, owned by alice (with
  // the provenance ingestion gives chunks: doc_id names their document).
  json chunks = {
      {"documents",
       {{{"id", "X#0"}, {"text", "first secret part"}, {"metadata", {{"acl_users", {"alice"}}, {"doc_id", "X"}}}},
        {{"id", "X#1"}, {"text", "second secret part"}, {"metadata", {{"acl_users", {"alice"}}, {"doc_id", "X"}}}}}}};
  ASSERT_EQ(Post("/v1/collections/kb/documents", chunks, admin_).status, 200);

  // JSON: 403 (as before).
  EXPECT_EQ(Post("/v1/collections/kb/documents",
                 {{"documents", {{{"id", "alice-secret"}, {"text", "overwritten"}}}}}, bob_)
                .status,
            403);
  // Multipart with a JSONL file holding the hidden id: 403 too, nothing changed.
  auto r = Upload("kb", {{"file", "{\"id\":\"alice-secret\",\"text\":\"overwritten by bob\"}\n", "x.jsonl", ""}}, bob_);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403) << r->body;  // the upload is all-or-nothing: nothing written
  EXPECT_NE(r->body.find("may not replace"), std::string::npos) << r->body;
  // A file whose document id is X: its stale-chunk clean-up may not delete X#0/X#1.
  r = Upload("kb", {{"file", "{\"id\":\"X\",\"text\":\"short\"}\n", "y.jsonl", ""}}, bob_);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403) << r->body;
  EXPECT_NE(r->body.find("may not delete"), std::string::npos) << r->body;

  auto d = Do("GET", "/v1/collections/kb/documents/alice-secret", "", alice_);
  ASSERT_EQ(d.status, 200);
  EXPECT_EQ(d.body["fields"]["body"], "The quarterly salary review for alice mentions the budget.");
  EXPECT_EQ(d.body["metadata"]["acl_users"], "alice");
  EXPECT_EQ(Do("GET", "/v1/collections/kb/documents/X%230", "", alice_).status, 200);
  EXPECT_EQ(Do("GET", "/v1/collections/kb/documents/X%231", "", alice_).status, 200);
  EXPECT_EQ(Do("GET", "/v1/collections/kb/documents/X", "", admin_).status, 404);
  // Alice may replace her own.
  r = Upload("kb", {{"file", "{\"id\":\"alice-secret\",\"text\":\"new\",\"acl_users\":\"alice\"}\n", "z.jsonl", ""}},
             alice_);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
}

// 2. Access-control values that are not names fail closed.
TEST_F(SecurityTest, NonTextAclValuesAreRejected) {
  Keys();
  Start(true);
  CreateCollection("kb", "none", admin_);
  for (const json& acl : {json{{"acl_groups", {1001}}}, json{{"acl_users", json::array()}},
                          json{{"acl_groups", json::array()}}, json{{"acl_users", true}},
                          json{{"acl_users", {""}}}, json{{"acl_users", {{{"a", 1}}}}}}) {
    auto r = Post("/v1/collections/kb/documents",
                  {{"documents", {{{"id", "d"}, {"text", "restricted budget"}, {"metadata", acl}}}}}, admin_);
    EXPECT_EQ(r.status, 400) << acl.dump() << ": " << r.text;
  }
  // A date-like name is a name, not a date: the document stays restricted.
  auto r = Post("/v1/collections/kb/documents",
                {{"documents", {{{"id", "d"}, {"text", "restricted budget"}, {"metadata", {{"acl_users", "2024-01-01"}}}}}}},
                admin_);
  ASSERT_EQ(r.status, 200) << r.text;
  auto s = Post("/v1/collections/kb/search", {{"query", "budget"}}, bob_);
  ASSERT_EQ(s.status, 200);
  EXPECT_EQ(s.body["hits"].size(), 0u) << s.text;
  EXPECT_EQ(Do("GET", "/v1/collections/kb/documents/d", "", bob_).status, 404);
  // The same rule holds for files: a number in acl_groups fails the file.
  auto u = Upload("kb", {{"file", "{\"id\":\"f\",\"text\":\"budget\",\"acl_groups\":1001}\n", "f.jsonl", ""}}, admin_);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->status, 400) << u->body;
  EXPECT_EQ(Post("/v1/collections/kb/search", {{"query", "budget"}}, bob_).body["hits"].size(), 0u);
}

// 3. A rejected request leaves nothing buffered for a later commit.
TEST_F(SecurityTest, RejectedBatchIsNeverCommittedLater) {
  Start();
  CreateCollection("kb");
  ASSERT_EQ(Post("/v1/collections/kb/documents",
                 {{"documents", {{{"id", "seed"}, {"text", "seed"}, {"metadata", {{"priority", 1}}}}}}})
                .status,
            200);
  auto r = Post("/v1/collections/kb/documents",
                {{"documents", {{{"id", "first"}, {"text", "first of a bad batch"}},
                                {{"id", "second"}, {"text", "x"}, {"metadata", {{"priority", "high"}}}}}}});
  EXPECT_EQ(r.status, 400) << r.text;
  // Conflicting types inside one batch are caught as a whole, too.
  r = Post("/v1/collections/kb/documents",
           {{"documents", {{{"id", "third"}, {"text", "t"}, {"metadata", {{"color", 1}}}},
                           {{"id", "fourth"}, {"text", "f"}, {"metadata", {{"color", "red"}}}}}}});
  EXPECT_EQ(r.status, 400) << r.text;
  ASSERT_EQ(Post("/v1/collections/kb/documents", {{"documents", {{{"id", "later"}, {"text", "unrelated"}}}}}).status,
            200);
  for (const char* id : {"first", "second", "third", "fourth"})
    EXPECT_EQ(Do("GET", std::string("/v1/collections/kb/documents/") + id).status, 404) << id;
  EXPECT_EQ(Do("GET", "/v1/collections/kb/stats").body["documents"], 2);
}

// 5. Side channels: counts over hidden documents and their field names.
TEST_F(SecurityTest, NonAdminKeysSeeNoGlobalCounts) {
  Keys();
  std::string reader = NewKey("carol", Role::kReader, {}, "carol", {});
  Start(true);
  CreateCollection("kb", "none", admin_);
  AddAclDocuments("kb", admin_);
  // A probe term only the hidden documents hold, plus one public document with it.
  ASSERT_EQ(Post("/v1/collections/kb/documents",
                 {{"documents", {{{"id", "h1"}, {"text", "zebra"}, {"metadata", {{"acl_users", "alice"}, {"secretfield", "x"}}}},
                                 {{"id", "h2"}, {"text", "zebra"}, {"metadata", {{"acl_users", "alice"}}}},
                                 {{"id", "p"}, {"text", "zebra crossing"}}}}},
                 admin_)
                .status,
            200);
  auto s = Post("/v1/collections/kb/search", {{"query", "zebra"}, {"explain", true}}, reader);
  ASSERT_EQ(s.status, 200) << s.text;
  ASSERT_EQ(s.body["hits"].size(), 1u);
  const json& term = s.body["hits"][0]["explanation"]["terms"][0];
  EXPECT_FALSE(term.contains("df")) << term.dump();
  EXPECT_FALSE(term.contains("doc_count")) << term.dump();
  EXPECT_FALSE(term.contains("avg_doc_length")) << term.dump();
  EXPECT_TRUE(term.contains("contribution"));
  auto e = Post("/v1/collections/kb/explain", {{"query", "zebra"}, {"id", "p"}}, reader);
  ASSERT_EQ(e.status, 200) << e.text;
  EXPECT_EQ(e.text.find("\"df\""), std::string::npos) << e.text;
  // The admin still sees them.
  s = Post("/v1/collections/kb/search", {{"query", "zebra"}, {"explain", true}}, admin_);
  EXPECT_EQ(s.body["hits"][0]["explanation"]["terms"][0]["df"], 3);

  auto st = Do("GET", "/v1/collections/kb/stats", "", reader);
  ASSERT_EQ(st.status, 200);
  EXPECT_FALSE(st.body.contains("documents")) << st.text;
  EXPECT_TRUE(st.body.contains("analyzer"));
  auto list = Do("GET", "/v1/collections", "", reader);
  ASSERT_EQ(list.status, 200);
  EXPECT_FALSE(list.body["collections"][0].contains("documents")) << list.text;
  EXPECT_TRUE(Do("GET", "/v1/collections/kb/stats", "", admin_).body.contains("documents"));

  // Query errors do not list field names (secretfield is only on a hidden document).
  auto bad = Post("/v1/collections/kb/search", {{"query", "nosuchfield:x"}}, reader);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.text.find("secretfield"), std::string::npos) << bad.text;
  // Metrics: not without a key, and not for a reader.
  EXPECT_EQ(Do("GET", "/metrics").status, 401);
  EXPECT_EQ(Do("GET", "/metrics", "", reader).status, 403);
  auto m = Do("GET", "/metrics", "", admin_);
  EXPECT_EQ(m.status, 200);
  EXPECT_NE(m.text.find("glassbox_collection_documents{collection=\"kb\"}"), std::string::npos);
}

// 5b. With --principal-statistics the statistics are the key's own: exact, and
// blind to hidden documents, so explanations may show them.
TEST_F(SecurityTest, PrincipalStatisticsShowOnlyWhatTheKeySees) {
  Keys();
  std::string reader = NewKey("carol", Role::kReader, {}, "carol", {});
  ServerOptions o = Options(true);
  o.principal_statistics = true;
  Start(o);
  CreateCollection("kb", "none", admin_);
  ASSERT_EQ(Post("/v1/collections/kb/documents",
                 {{"documents", {{{"id", "h1"}, {"text", "zebra"}, {"metadata", {{"acl_users", "alice"}}}},
                                 {{"id", "h2"}, {"text", "zebra"}, {"metadata", {{"acl_users", "alice"}}}},
                                 {{"id", "p"}, {"text", "zebra crossing"}},
                                 {{"id", "q"}, {"text", "pedestrian crossing"}}}}},
                 admin_)
                .status,
            200);
  auto s = Post("/v1/collections/kb/search", {{"query", "zebra"}, {"explain", true}}, reader);
  ASSERT_EQ(s.status, 200) << s.text;
  ASSERT_EQ(s.body["hits"].size(), 1u);
  const json& term = s.body["hits"][0]["explanation"]["terms"][0];
  EXPECT_EQ(term["df"], 1) << term.dump();         // not 3: the hidden documents do not count
  EXPECT_EQ(term["doc_count"], 2) << term.dump();  // p and q
  auto e = Post("/v1/collections/kb/explain", {{"query", "zebra"}, {"id", "p"}}, reader);
  ASSERT_EQ(e.status, 200) << e.text;
  EXPECT_EQ(e.body["explanation"]["terms"][0]["df"], 1) << e.text;
  EXPECT_DOUBLE_EQ(e.body["why"]["score"].get<double>(), s.body["hits"][0]["score"].get<double>());
}

// 6. Limits and authentication apply before the body is read.
TEST_F(SecurityTest, BodiesAreNotReadBeforeAuthenticationAndLimits) {
  Keys();
  Start(true);
  CreateCollection("kb", "none", admin_);
  {
    // A chunked POST without a key: answered 401 at once, no body sent at all.
    Raw c(server_->port());
    ASSERT_TRUE(c.ok());
    auto t = Clock::now();
    ASSERT_TRUE(c.Send("POST /v1/collections/kb/documents HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       "Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"));
    std::string resp = c.ReadResponse(3);
    EXPECT_EQ(StatusOf(resp), 401) << resp;
    EXPECT_LT(Since(t), 2.0);
  }
  {
    // A declared body above the limit: 413 before any of it is sent.
    Raw c(server_->port());
    ASSERT_TRUE(c.Send("POST /v1/collections/kb/search HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                       admin_ + "\r\nContent-Length: 67108864\r\n\r\n"));
    std::string resp = c.ReadResponse(3);
    EXPECT_EQ(StatusOf(resp), 413) << resp;
  }
  {
    // A chunked body is counted as it arrives and cut off at the limit (1 MiB here).
    Raw c(server_->port());
    ASSERT_TRUE(c.Send("POST /v1/collections/kb/search HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                       admin_ + "\r\nTransfer-Encoding: chunked\r\n\r\n"));
    std::string chunk(256 << 10, 'a');
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
    bool refused = false;
    for (int i = 0; i < 64 && !refused; ++i)
      refused = !c.Send(size + chunk + "\r\n");
    std::string resp = c.ReadResponse(3);
    EXPECT_EQ(StatusOf(resp), 413) << resp.substr(0, 200);
  }
  // A well-formed chunked request still works.
  {
    Raw c(server_->port());
    std::string body = "{\"query\":\"budget\"}";
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", body.size());
    ASSERT_TRUE(c.Send("POST /v1/collections/kb/search HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                       admin_ + "\r\nTransfer-Encoding: chunked\r\n\r\n" + size + body + "\r\n0\r\n\r\n"));
    std::string resp = c.ReadResponse(3);
    EXPECT_EQ(StatusOf(resp), 200) << resp;
  }
}

// 7. Static assets ignore Range: a request cannot multiply the bytes it gets.
TEST_F(SecurityTest, NoRangeAmplification) {
  Start();
  auto whole = client_->Get("/static/app.js");
  ASSERT_TRUE(whole);
  ASSERT_EQ(whole->status, 200);
  std::string ranges = "bytes=0-";
  for (int i = 0; i < 2600; ++i) ranges += ",0-";
  Raw c(server_->port());
  ASSERT_TRUE(c.Send("GET /static/app.js HTTP/1.1\r\nHost: 127.0.0.1\r\nRange: " + ranges + "\r\nConnection: close\r\n\r\n"));
  std::string resp = c.ReadAll(5);
  EXPECT_EQ(StatusOf(resp), 200);
  EXPECT_LT(resp.size(), whole->body.size() + 1024);
}

// 8. Slow clients hold no worker: /health stays answered while many
// connections trickle one header line a second, and they are cut off at the
// head deadline.
TEST_F(SecurityTest, SlowClientsDoNotBlockOthers) {
  ServerOptions o = Options();
  o.threads = 2;
  o.read_timeout_s = 3;
  Start(o);
  constexpr int kSlow = 64;
  std::vector<std::unique_ptr<Raw>> slow;
  for (int i = 0; i < kSlow; ++i) {
    slow.push_back(std::make_unique<Raw>(server_->port()));
    ASSERT_TRUE(slow.back()->Send("GET /health HTTP/1.1\r\n"));
  }
  std::atomic<bool> stop{false};
  std::thread trickle([&] {
    for (int line = 0; !stop && line < 20; ++line) {
      for (auto& s : slow) s->Send("X-Slow-" + std::to_string(line) + ": 1\r\n");
      for (int i = 0; i < 10 && !stop; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  // /health answered promptly, again and again, while they trickle.
  double worst = 0;
  httplib::Client h("127.0.0.1", server_->port());
  h.set_read_timeout(10, 0);
  for (int i = 0; i < 20; ++i) {
    auto t = Clock::now();
    auto r = h.Get("/health");
    worst = std::max(worst, Since(t));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_LT(worst, 0.5) << "slowest /health while " << kSlow << " clients trickled";
  std::printf("slow-client test: %d trickling connections, 2 workers: slowest /health %.1f ms\n", kSlow, worst * 1000);
  // Past the 3 s head deadline they get 408 and are closed.
  auto t = Clock::now();
  for (auto& s : slow) {
    bool closed = false;
    std::string resp = s->ReadAll(8, &closed);
    EXPECT_EQ(StatusOf(resp), 408) << resp;
    EXPECT_TRUE(closed);
  }
  EXPECT_LT(Since(t), 8.0);
  stop = true;
  trickle.join();
}

TEST_F(SecurityTest, ConnectionsPerClientAreCapped) {
  ServerOptions o = Options();
  o.max_connections_per_client = 8;
  Start(o);
  std::vector<std::unique_ptr<Raw>> held;
  for (int i = 0; i < 8; ++i) held.push_back(std::make_unique<Raw>(server_->port()));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  Raw extra(server_->port());
  std::string resp = extra.ReadAll(2);
  EXPECT_EQ(StatusOf(resp), 503) << resp;
  held.clear();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto r = client_->Get("/health");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

// 10. DNS rebinding and cross-origin writes on a server without keys.
TEST_F(SecurityTest, HostAndOriginAreChecked) {
  Start();
  auto ask = [&](const std::string& head) {
    Raw c(server_->port());
    c.Send(head);
    return StatusOf(c.ReadResponse(3));
  };
  const std::string body = "{\"name\":\"evil\"}";
  const std::string len = std::to_string(body.size());
  // A rebound name: refused.
  EXPECT_EQ(ask("GET /v1/collections HTTP/1.1\r\nHost: attacker.example:8080\r\n\r\n"), 421);
  EXPECT_EQ(ask("GET /v1/collections HTTP/1.1\r\nHost: localhost:8080\r\n\r\n"), 200);
  EXPECT_EQ(ask("GET /v1/collections HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"), 200);
  // A text/plain POST from another origin: refused, nothing created.
  EXPECT_EQ(ask("POST /v1/collections HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://attacker.example\r\n"
                "Content-Type: text/plain\r\nContent-Length: " + len + "\r\n\r\n" + body),
            403);
  EXPECT_EQ(Do("GET", "/v1/collections/evil/stats").status, 404);
  // Same origin (the page itself): accepted.
  const std::string self = "http://127.0.0.1:" + std::to_string(server_->port());
  EXPECT_EQ(ask("POST /v1/collections HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(server_->port()) +
                "\r\nOrigin: " + self + "\r\nContent-Type: application/json\r\nContent-Length: " + len + "\r\n\r\n" + body),
            201);
  // No CORS unless configured.
  EXPECT_EQ(ask("OPTIONS /v1/collections HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://attacker.example\r\n\r\n"), 403);
}

TEST_F(SecurityTest, ConfiguredCorsOrigin) {
  ServerOptions o = Options();
  o.cors_origins = {"https://intranet.example"};
  Start(o);
  Raw c(server_->port());
  c.Send("OPTIONS /v1/collections HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: https://intranet.example\r\n\r\n");
  std::string resp = c.ReadResponse(3);
  EXPECT_EQ(StatusOf(resp), 204) << resp;
  EXPECT_NE(resp.find("Access-Control-Allow-Origin: https://intranet.example"), std::string::npos) << resp;
  httplib::Headers h = {{"Origin", "https://intranet.example"}};
  auto r = client_->Post("/v1/collections", h, "{\"name\":\"kb\",\"embedder\":\"none\"}", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201) << r->body;
  EXPECT_EQ(r->get_header_value("Access-Control-Allow-Origin"), "https://intranet.example");
}

TEST_F(SecurityTest, MalformedRequestsGetClearErrors) {
  Start();
  auto ask = [&](const std::string& raw) {
    Raw c(server_->port());
    c.Send(raw);
    return c.ReadResponse(3);
  };
  EXPECT_EQ(StatusOf(ask("NOT A REQUEST\r\n\r\n")), 400);
  EXPECT_EQ(StatusOf(ask("GET /health HTTP/2.0\r\nHost: 127.0.0.1\r\n\r\n")), 400);
  EXPECT_EQ(StatusOf(ask("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n")), 400);
  EXPECT_EQ(StatusOf(ask("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX: " + std::string(20000, 'a') + "\r\n\r\n")), 431);
  EXPECT_EQ(StatusOf(ask("POST /v1/collections HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: gzip\r\n\r\n")), 501);
  EXPECT_EQ(StatusOf(ask("DELETE /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")), 405);
  std::string r = ask("GET /nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  EXPECT_EQ(StatusOf(r), 404);
  EXPECT_NE(r.find("\"code\":\"not_found\""), std::string::npos) << r;
  // Pipelined requests on one connection are answered in order.
  Raw pipe(server_->port());
  pipe.Send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  r = pipe.ReadAll(3);
  size_t first = r.find("HTTP/1.1 200"), second = r.find("HTTP/1.1 200", first + 1);
  EXPECT_NE(first, std::string::npos);
  EXPECT_NE(second, std::string::npos) << r;
}

}  // namespace
}  // namespace glassbox::server
