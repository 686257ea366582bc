#include "vector/http_embedder.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "vector/llama_server_testing.h"
#ifdef GLASSBOX_HAVE_LLAMA
#include "vector/gguf_embedder.h"
#include "vector/gguf_embedder_testing.h"
#endif

namespace glassbox::vector {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

int FreePort() { return llama_testing::FreeLoopbackPort(); }

// A small OpenAI-style endpoint written with cpp-httplib, for the error
// paths a real server will not produce on demand.
class FakeEndpoint {
 public:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;
  explicit FakeEndpoint(Handler h) {
    svr_.Post("/v1/embeddings", [this, h](const httplib::Request& req, httplib::Response& res) {
      ++hits;
      last_auth = req.get_header_value("Authorization");
      last_body = req.body;
      h(req, res);
    });
    port = svr_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { svr_.listen_after_bind(); });
  }
  ~FakeEndpoint() {
    svr_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port) + "/v1/embeddings"; }
  int port = 0;
  std::atomic<int> hits{0};
  std::string last_auth, last_body;

 private:
  httplib::Server svr_;
  std::thread thread_;
};

// Answers each input i with the vector (i+1, 2, 0, ...) of size dim, in
// reverse order (the index field must be honoured).
void EchoVectors(const httplib::Request& req, httplib::Response& res, int dim = 4) {
  json in = json::parse(req.body);
  json data = json::array();
  const int n = static_cast<int>(in["input"].size());
  for (int i = n - 1; i >= 0; --i) {
    std::vector<float> v(dim, 0.0f);
    v[0] = static_cast<float>(i + 1);
    v[1] = 2.0f;
    data.push_back({{"object", "embedding"}, {"index", i}, {"embedding", v}});
  }
  res.set_content(json{{"object", "list"}, {"data", data}}.dump(), "application/json");
}

HttpEmbedderOptions Opts(const std::string& url) {
  HttpEmbedderOptions o;
  o.url = url;
  o.model = "test-model";
  o.connect_timeout_s = 1;
  o.read_timeout_s = 5;
  o.backoff_ms = 20;
  return o;
}

TEST(HttpEmbedder, ParseSpec) {
  auto o = HttpEmbedder::ParseSpec("http://localhost:8080/v1/embeddings#nomic-embed-text");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o.value().url, "http://localhost:8080/v1/embeddings");
  EXPECT_EQ(o.value().model, "nomic-embed-text");
  EXPECT_FALSE(HttpEmbedder::ParseSpec("localhost:8080").ok());
  HttpEmbedderOptions bad;
  bad.url = "http://host:99999/v1/embeddings";
  bad.dim = 4;
  EXPECT_FALSE(HttpEmbedder::Open(bad).ok());
}

TEST(HttpEmbedder, LearnsDimNormalizesAndOrdersByIndex) {
  FakeEndpoint ep([](const httplib::Request& q, httplib::Response& r) { EchoVectors(q, r); });
  setenv("GLASSBOX_EMBEDDING_API_KEY", "sk-test-123", 1);
  auto e = HttpEmbedder::Open(Opts(ep.url()));
  unsetenv("GLASSBOX_EMBEDDING_API_KEY");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e.value()->info().kind, "http");
  EXPECT_EQ(e.value()->info().model, "test-model");
  EXPECT_EQ(e.value()->info().dim, 4);  // from the probe
  EXPECT_EQ(ep.last_auth, "Bearer sk-test-123");
  std::vector<float> v;
  ASSERT_TRUE(e.value()->Embed({"a", "", "b"}, &v).ok());
  ASSERT_EQ(v.size(), 12u);
  json sent = json::parse(ep.last_body);
  EXPECT_EQ(sent["model"], "test-model");
  EXPECT_EQ(sent["input"], json({"a", "b"}));  // the empty text is not sent
  // "a" -> (1,2,0,0)/sqrt5, "" -> 0, "b" -> (2,2,0,0)/sqrt8
  EXPECT_NEAR(v[0], 1 / std::sqrt(5.0), 1e-6);
  EXPECT_NEAR(v[1], 2 / std::sqrt(5.0), 1e-6);
  for (int i = 4; i < 8; ++i) EXPECT_EQ(v[i], 0.0f);
  EXPECT_NEAR(v[8], 2 / std::sqrt(8.0), 1e-6);
  EXPECT_NE(e.value()->info().fingerprint.find("model=test-model"), std::string::npos);
}

TEST(HttpEmbedder, SplitsIntoRequestsOfMaxBatch) {
  FakeEndpoint ep([](const httplib::Request& q, httplib::Response& r) { EchoVectors(q, r, 3); });
  auto o = Opts(ep.url());
  o.dim = 3;
  o.max_batch = 2;
  auto e = HttpEmbedder::Open(o);
  ASSERT_TRUE(e.ok());
  std::vector<float> v;
  ASSERT_TRUE(e.value()->Embed({"a", "b", "c", "d", "e"}, &v).ok());
  EXPECT_EQ(ep.hits.load(), 3);
  ASSERT_EQ(v.size(), 15u);
  // Fifth text is the first of its request: (1,2,0)/sqrt5.
  EXPECT_NEAR(v[12], 1 / std::sqrt(5.0), 1e-6);
}

TEST(HttpEmbedder, ClientErrorIsNotRetried) {
  FakeEndpoint ep([](const httplib::Request&, httplib::Response& r) {
    r.status = 400;
    r.set_content(R"({"error":{"message":"input is too long","type":"invalid_request_error"}})", "application/json");
  });
  auto o = Opts(ep.url());
  o.dim = 4;
  auto e = HttpEmbedder::Open(o);
  ASSERT_TRUE(e.ok());
  std::vector<float> v;
  Status s = e.value()->Embed({"x"}, &v);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "endpoint returned 400: input is too long");
  EXPECT_EQ(ep.hits.load(), 1);
}

TEST(HttpEmbedder, WrongNumberOfVectors) {
  FakeEndpoint ep([](const httplib::Request&, httplib::Response& r) {
    r.set_content(R"({"data":[{"embedding":[1,0],"index":0}]})", "application/json");
  });
  auto o = Opts(ep.url());
  o.dim = 2;
  auto e = HttpEmbedder::Open(o);
  ASSERT_TRUE(e.ok());
  std::vector<float> v;
  Status s = e.value()->Embed({"x", "y", "z"}, &v);
  EXPECT_EQ(s.message(), "endpoint returned 1 vectors for 3 inputs");
}

TEST(HttpEmbedder, ServerErrorsAreRetriedWithBackoff) {
  std::atomic<int> calls{0};
  FakeEndpoint ep([&](const httplib::Request& q, httplib::Response& r) {
    if (++calls < 3) {
      r.status = 503;
      r.set_content(R"({"error":{"message":"loading model"}})", "application/json");
      return;
    }
    EchoVectors(q, r);
  });
  auto o = Opts(ep.url());
  o.dim = 4;
  auto e = HttpEmbedder::Open(o);
  ASSERT_TRUE(e.ok());
  std::vector<float> v;
  ASSERT_TRUE(e.value()->Embed({"x"}, &v).ok());
  EXPECT_EQ(calls.load(), 3);
  // A fourth failure in a row is reported with the last error.
  calls = -10;
  Status s = e.value()->Embed({"x"}, &v);
  EXPECT_EQ(s.message(), "endpoint returned 503: loading model (after 3 tries)");
}

TEST(HttpEmbedder, ConnectionRefusedIsClearAndQuick) {
  const int port = FreePort();
  auto o = Opts("http://127.0.0.1:" + std::to_string(port) + "/v1/embeddings");
  o.dim = 0;  // Open probes, so Open itself fails
  auto t0 = Clock::now();
  auto e = HttpEmbedder::Open(o);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().message(), "cannot reach http://127.0.0.1:" + std::to_string(port) +
                                      "/v1/embeddings: connection refused (after 3 tries)");
  EXPECT_LT(Seconds(t0), 2.0);
}

TEST(HttpEmbedder, ReadTimeout) {
  FakeEndpoint ep([](const httplib::Request& q, httplib::Response& r) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    EchoVectors(q, r);
  });
  auto o = Opts(ep.url());
  o.dim = 4;
  o.read_timeout_s = 0.3;
  o.max_tries = 1;
  auto e = HttpEmbedder::Open(o);
  ASSERT_TRUE(e.ok());
  std::vector<float> v;
  auto t0 = Clock::now();
  Status s = e.value()->Embed({"x"}, &v);
  ASSERT_FALSE(s.ok());
  EXPECT_LT(Seconds(t0), 1.2);
  EXPECT_NE(s.message().find("read timeout"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("(after 1 try)"), std::string::npos) << s.message();
}

#ifdef GLASSBOX_HAVE_LLAMA

// llama.cpp's own llama-server (same release as the library, built by
// scripts/fetch-llama.sh --server) serving the tiny generated model.
class LlamaServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string server = llama_testing::LlamaServerPath(GLASSBOX_LLAMA_DIR);
    if (!fs::exists(server)) {
      GTEST_SKIP() << "no " << server << " (build it: scripts/fetch-llama.sh BUILD_DIR --server)";
    }
    dir_ = fs::temp_directory_path() / ("gb_http_test_" + std::to_string(getpid()));
    fs::create_directories(dir_);
    model_ = (dir_ / "tiny-bert.gguf").string();
    ASSERT_EQ(testing::WriteTinyBertGguf(model_), "");
    // Same settings as GgufEmbedder: one thread, no flash attention, the
    // model's context (128) for one sequence at a time.
    const std::string err = process_.Start(server, model_,
                                           {"--embeddings", "-t", "1", "-tb", "1", "-fa", "off", "-c", "128", "-b",
                                            "128", "-ub", "128", "-np", "1", "--no-warmup"},
                                           (dir_ / "server.log").string());
    ASSERT_EQ(err, "");
    port_ = process_.port();
  }
  void StopServer() { process_.Stop(); }
  void TearDown() override {
    StopServer();
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }
  std::string model_;
  fs::path dir_;
  int port_ = 0;
  llama_testing::LlamaServerProcess process_;
};

TEST_F(LlamaServerTest, VectorsMatchGgufEmbedderAndStoppedServerFailsClearly) {
  HttpEmbedderOptions o;
  o.url = "http://127.0.0.1:" + std::to_string(port_) + "/v1/embeddings";
  o.model = "tiny-bert";
  o.connect_timeout_s = 1;
  o.read_timeout_s = 30;
  o.backoff_ms = 100;
  auto http = HttpEmbedder::Open(o);
  ASSERT_TRUE(http.ok()) << http.status().ToString();
  auto local = GgufEmbedder::Open(model_, 1);
  ASSERT_TRUE(local.ok()) << local.status().ToString();
  ASSERT_EQ(http.value()->info().dim, local.value()->info().dim);
  const int dim = local.value()->info().dim;

  std::vector<std::string> texts = {"the cat sat on the mat", "a fast hybrid search engine",
                                    "fish swim in the river", "zebra", "Glassbox explains why a document matched."};
  std::vector<float> a, b;
  ASSERT_TRUE(http.value()->Embed(texts, &a).ok());
  ASSERT_TRUE(local.value()->Embed(texts, &b).ok());
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    double dot = 0;
    for (int k = 0; k < dim; ++k) {
      EXPECT_NEAR(a[i * dim + k], b[i * dim + k], 1e-3) << "text " << i << " component " << k;
      dot += a[i * dim + k] * b[i * dim + k];
    }
    EXPECT_GT(dot, 0.9999) << "text " << i;
  }

  StopServer();
  auto t0 = Clock::now();
  std::vector<float> v;
  Status s = http.value()->Embed({"after the server stopped"}, &v);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "cannot reach " + o.url + ": connection refused (after 3 tries)");
  // 3 tries, 0.1 s + 0.2 s of backoff, each try bounded by the 1 s connect timeout.
  EXPECT_LT(Seconds(t0), 3 * o.connect_timeout_s + 0.3 + 1.0);
}

#endif  // GLASSBOX_HAVE_LLAMA

}  // namespace
}  // namespace glassbox::vector
