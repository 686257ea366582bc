// Test helper: runs llama.cpp's own llama-server (built by
// scripts/fetch-llama.sh --server next to the library) as a child process on a
// free loopback port, for the tests that check Glassbox's HTTP model clients
// (embeddings, chat completions) against the real thing.
//
// Header-only, for tests (the module's library globs *.cc).
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

namespace glassbox::llama_testing {

// A loopback port nobody listens on (bound, read, released).
inline int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

// The llama-server binary: $GLASSBOX_LLAMA_SERVER, else llama_dir/bin/llama-server.
inline std::string LlamaServerPath(const std::string& llama_dir) {
  const char* env = std::getenv("GLASSBOX_LLAMA_SERVER");
  return env ? env : llama_dir + "/bin/llama-server";
}

class LlamaServerProcess {
 public:
  LlamaServerProcess() = default;
  LlamaServerProcess(const LlamaServerProcess&) = delete;
  LlamaServerProcess& operator=(const LlamaServerProcess&) = delete;
  ~LlamaServerProcess() { Stop(); }

  // Starts `server -m model --host 127.0.0.1 --port P args...` with its output
  // in `log` and waits up to 60 s for /health to answer 200. Returns "" or
  // what went wrong (with the tail of the log when the server exited).
  std::string Start(const std::string& server, const std::string& model, const std::vector<std::string>& args,
                    const std::string& log) {
    port_ = FreeLoopbackPort();
    const std::string port = std::to_string(port_);
    std::vector<std::string> argv = {server, "-m", model, "--host", "127.0.0.1", "--port", port};
    argv.insert(argv.end(), args.begin(), args.end());
    pid_ = fork();
    if (pid_ == 0) {
      int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(fd, 1);
      dup2(fd, 2);
      std::vector<char*> c;
      for (auto& a : argv) c.push_back(a.data());
      c.push_back(nullptr);
      execv(server.c_str(), c.data());
      _exit(127);
    }
    if (pid_ < 0) return "fork failed";
    httplib::Client client("127.0.0.1", port_);
    client.set_connection_timeout(0, 200000);
    const auto t0 = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - t0 < std::chrono::seconds(60)) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        std::ifstream in(log);
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        return "llama-server exited: " + text.substr(text.size() > 3000 ? text.size() - 3000 : 0);
      }
      auto r = client.Get("/health");  // 503 while loading
      if (r && r->status == 200) return "";
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return "llama-server not healthy within 60 s; see " + log;
  }

  void Stop() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status;
      waitpid(pid_, &status, 0);
      pid_ = -1;
    }
  }

  int port() const { return port_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace glassbox::llama_testing
