// gen_bench: time to first token and tokens/s of in-process GGUF generation
// (answer::GenerateGguf, what `glassbox ask --llm-gguf` runs) next to
// llama.cpp's own llama-server on the same model, prompt and token budget
// (streamed /v1/chat/completions, timed at the client). See BENCHMARKS.md.
//
//   gen_bench [--model PATH] [--runs N] [--max-tokens N] [--threads N] [--server PATH|none]
//   gen_bench --write-model PATH   (only writes the tiny test model)
//
// Without --model it writes the tiny generated test model (src/answer/gguf_chat_testing.h).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "answer/generate.h"
#include "answer/gguf_chat_testing.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using glassbox::AnswerPassage;

namespace {

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double Ms(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); }

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

}  // namespace

int main(int argc, char** argv) {
  std::string model, server;
  int runs = 10, max_tokens = 64, threads = 1;
#ifdef GLASSBOX_LLAMA_DIR
  server = std::string(GLASSBOX_LLAMA_DIR) + "/bin/llama-server";
#endif
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--model") model = v;
    else if (a == "--runs") runs = std::max(1, std::atoi(v.c_str()));
    else if (a == "--max-tokens") max_tokens = std::max(1, std::atoi(v.c_str()));
    else if (a == "--threads") threads = std::max(1, std::atoi(v.c_str()));
    else if (a == "--server") server = v == "none" ? "" : v;
    else if (a == "--write-model") {  // writes the tiny test model to v and exits (for trying `glassbox ask`)
      std::string e = glassbox::answer::testing::WriteTinyChatGguf(v);
      if (!e.empty()) return std::fprintf(stderr, "%s\n", e.c_str()), 1;
      return 0;
    }
    else return std::fprintf(stderr, "unknown option %s\n", a.c_str()), 2;
  }
  const fs::path dir = fs::temp_directory_path() / ("gb_gen_bench_" + std::to_string(getpid()));
  fs::create_directories(dir);
  if (model.empty()) {
    model = (dir / "tiny-chat.gguf").string();
    if (std::string e = glassbox::answer::testing::WriteTinyChatGguf(model); !e.empty())
      return std::fprintf(stderr, "%s\n", e.c_str()), 1;
  }
  glassbox::ReaderInput in;
  in.question = "How much does bagged cement cost per tonne, and how long does delivery take?";
  in.passages = {
      {1, "c#0", "contract", 1, "", "Bagged cement costs 468 CNY per tonne from 1 January 2026. Bulk is 430 CNY.", 7, ""},
      {2, "d#0", "delivery", 1, "", "Deliveries take 48 hours from the Anhui depot; express delivery is 24 hours.", {}, ""},
      {3, "p#0", "policy", 1, "", "Prices are reviewed every quarter by the purchasing department.", {}, ""}};
  glassbox::AskOptions o;
  o.mode = glassbox::AnswerMode::kGenerative;
  o.llm_gguf = model;
  o.llm_max_tokens = static_cast<size_t>(max_tokens);
  o.llm_threads = threads;
  o.llm_timeout_ms = 600000;

  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  std::printf("model %s, %d runs, %d tokens, %d thread(s)\n", model.c_str(), runs, max_tokens, threads);
  // Glassbox, in process. The first call loads the model (reported apart).
  std::vector<double> ttft, tps, total, prompt;
  size_t prompt_tokens = 0, tokens = 0;
  for (int r = 0; r <= runs; ++r) {
    const auto t0 = Clock::now();
    auto a = glassbox::answer::GenerateGguf(in, o);
    const double ms = Ms(t0, Clock::now());
    if (!a.ok()) return std::fprintf(stderr, "glassbox: %s\n", a.status().ToString().c_str()), 1;
    if (r == 0) {
      std::printf("glassbox   load %.1f ms (first call only)\n", a->timings.load_ms);
      continue;
    }
    ttft.push_back(a->timings.first_token_ms);
    tps.push_back(a->timings.tokens_per_s);
    total.push_back(ms);
    prompt.push_back(a->timings.prompt_ms);
    prompt_tokens = a->timings.prompt_tokens;
    tokens = a->timings.generated_tokens;
  }
  std::printf("glassbox   prompt %zu tokens, %zu generated: TTFT p50 %.2f ms (prompt eval %.2f ms), %.1f tokens/s, "
              "whole call incl. verification %.2f ms\n",
              prompt_tokens, tokens, Median(ttft), Median(prompt), Median(tps), Median(total));

  if (server.empty() || !fs::exists(server)) {
    std::printf("llama-server: not available (%s)\n", server.empty() ? "--server none" : server.c_str());
    fs::remove_all(dir);
    return 0;
  }
  const int port = FreePort();
  const std::string log = (dir / "server.log").string();
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    const std::string p = std::to_string(port), t = std::to_string(threads);
    execl(server.c_str(), server.c_str(), "-m", model.c_str(), "--host", "127.0.0.1", "--port", p.c_str(), "-t",
          t.c_str(), "-tb", t.c_str(), "-c", "4096", "-np", "1", "--no-warmup", static_cast<char*>(nullptr));
    _exit(127);
  }
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(600, 0);
  bool up = false;
  for (int i = 0; i < 600 && !up; ++i) {
    auto r = c.Get("/health");
    up = r && r->status == 200;
    if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!up) {
    kill(pid, SIGTERM);
    waitpid(pid, nullptr, 0);
    return std::fprintf(stderr, "llama-server did not start; see %s\n", log.c_str()), 1;
  }
  nlohmann::json messages = nlohmann::json::parse(glassbox::answer::BuildPrompt(in.question, in.passages));
  std::vector<double> s_ttft, s_tps, s_total;
  nlohmann::json server_timings;
  for (int r = 0; r <= runs; ++r) {
    nlohmann::json body = {{"messages", messages}, {"max_tokens", max_tokens}, {"temperature", 0},
                           {"stream", true}, {"cache_prompt", false}};
    const auto t0 = Clock::now();
    Clock::time_point first{}, last{};
    size_t chunks = 0;
    std::string buf;
    httplib::Request req;
    req.method = "POST";
    req.path = "/v1/chat/completions";
    req.set_header("Content-Type", "application/json");
    req.body = body.dump();
    req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
                        buf.append(data, n);
                        size_t e;
                        while ((e = buf.find("\n\n")) != std::string::npos) {
                          std::string ev = buf.substr(0, e);
                          buf.erase(0, e + 2);
                          if (ev.rfind("data: ", 0) != 0 || ev == "data: [DONE]") continue;
                          auto j = nlohmann::json::parse(ev.substr(6), nullptr, false);
                          if (!j.is_discarded() && j.contains("timings")) server_timings = j["timings"];
                          if (j.is_discarded() || !j.contains("choices") || j["choices"].empty()) continue;
                          const auto& d = j["choices"][0]["delta"];
                          if (d.contains("content") && d["content"].is_string() && !d["content"].get<std::string>().empty()) {
                            if (chunks++ == 0) first = Clock::now();
                            last = Clock::now();
                          }
                        }
                        return true;
                      };
    auto res = c.send(req);
    const auto t1 = Clock::now();
    if (!res || res->status != 200) {
      kill(pid, SIGTERM);
      waitpid(pid, nullptr, 0);
      return std::fprintf(stderr, "llama-server request failed\n"), 1;
    }
    if (r == 0 || chunks == 0) continue;  // warm-up
    s_ttft.push_back(Ms(t0, first));
    s_tps.push_back(chunks > 1 ? (chunks - 1) / (Ms(first, last) / 1000.0) : 0);
    s_total.push_back(Ms(t0, t1));
  }
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
  std::printf("llama-server (streamed over HTTP, client-timed): TTFT p50 %.2f ms, %.1f tokens/s, whole request %.2f ms\n",
              Median(s_ttft), Median(s_tps), Median(s_total));
  std::printf("llama-server's own timings of the last request: %s\n", server_timings.dump().c_str());
  fs::remove_all(dir);
  return 0;
}
