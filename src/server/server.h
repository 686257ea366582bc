// `glassbox serve`: an HTTP/1.1 JSON API over a directory of collections.
// See docs/server.md for the endpoints, errors, limits and access control.
//
//   glassbox::server::ServerOptions o;
//   o.data_dir = "data";
//   glassbox::server::Server s(o);
//   if (s.Start().ok()) s.Wait();     // or Stop() from another thread
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "glassbox/status.h"

namespace glassbox::server {

struct ServerOptions {
  std::string data_dir;               // one subdirectory per collection
  std::string host = "127.0.0.1";
  int port = 8080;                    // 0: any free port (see Server::port())
  // Worker pool. cpp-httplib keeps a keep-alive connection on one worker
  // until it closes or idles out (keep_alive_timeout_s), so this bounds the
  // number of concurrently served connections: size it above the expected
  // number of clients.
  size_t threads = 128;
  std::string keys_file;              // empty: no authentication
  size_t max_body_bytes = 32u << 20;  // larger requests get 413
  size_t max_query_bytes = 4096;
  size_t max_k = 1000;                // k + offset
  int read_timeout_s = 10;            // a client that sends nothing this long is dropped
  int write_timeout_s = 10;
  int keep_alive_timeout_s = 5;       // idle keep-alive connections are closed after this
  size_t keep_alive_max_count = 100;  // requests per connection
  // Time budget of one search or explain in milliseconds (0 = unlimited); a
  // query that runs past it gets 503 with code "deadline_exceeded".
  int query_timeout_ms = 5000;
};

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();
  // Binds and starts serving on a background thread.
  Status Start();
  // The bound port (useful with port 0).
  int port() const;
  // Blocks until Stop() is called.
  void Wait();
  void Stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// The OpenAPI 3 description served at GET /openapi.json.
const char* OpenApiJson();

}  // namespace glassbox::server
