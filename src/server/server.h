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
#include <vector>

#include "glassbox/status.h"

namespace glassbox::server {

struct ServerOptions {
  std::string data_dir;               // one subdirectory per collection
  std::string host = "127.0.0.1";     // loopback by default; see "Binding and origins" in docs/server.md
  int port = 8080;                    // 0: any free port (see Server::port())
  // Worker threads that run requests. Connections do not hold workers while
  // they are read or written (see src/server/http.h), so this bounds only the
  // requests executed at once.
  size_t threads = 16;
  std::string keys_file;              // empty: no authentication
  // Embedders a create-collection request may name besides "none" and
  // "static" (always allowed). Each entry is "SPEC" or "NAME=SPEC" (NAME:
  // letters, digits, '_', '-', '.'); a request names NAME or the SPEC itself.
  // Model files and endpoints come only from here, never from a request, so
  // a client cannot make the server open a file or call a URL of its choice.
  std::vector<std::string> allowed_embedders;
  size_t max_body_bytes = 32u << 20;  // larger requests get 413, before the body is read
  size_t max_query_bytes = 4096;
  size_t max_k = 1000;                // k + offset
  int read_timeout_s = 10;            // the request head, and the body (plus 1 s per 64 KiB), must arrive in this time
  int write_timeout_s = 10;           // a client must take the response in this time (plus 1 s per 64 KiB)
  int keep_alive_timeout_s = 5;       // idle keep-alive connections are closed after this
  size_t keep_alive_max_count = 100;  // requests per connection
  size_t max_connections = 4096;      // open connections in all; more are answered 503 and closed
  size_t max_connections_per_client = 256;  // open connections from one client address
  // Host header names accepted besides the bound address (and, on loopback,
  // localhost / 127.0.0.1 / [::1]). On a non-loopback bind with this list
  // empty any Host is accepted. Guards against DNS rebinding.
  std::vector<std::string> allowed_hosts;
  // Origins (e.g. "https://intranet.example.com") allowed to call the API
  // from a browser: they get CORS headers, and their writes are accepted.
  // Writes from any other Origin are refused (403).
  std::vector<std::string> cors_origins;
  // Time budget of one search or explain in milliseconds (0 = unlimited); a
  // query that runs past it gets 503 with code "deadline_exceeded".
  int query_timeout_ms = 5000;
  // Requests that take at least this many milliseconds are logged to stderr
  // (method, path, status, time; for searches also the engine's own time and
  // the query). 0: off.
  int slow_log_ms = 0;
  // Score every keyed request with BM25 statistics over only the documents
  // its key may see (SearchOptions::principal_statistics): scores and
  // explanations then reveal nothing about hidden documents, and non-admin
  // keys see their own df and N in explanations.
  bool principal_statistics = false;
  // Generated answers (POST .../ask with "answer_mode": "generative"): a GGUF
  // chat model run in process, or an OpenAI-compatible chat endpoint (and the
  // model name it expects). Only the operator sets these; empty: refused.
  std::string llm_gguf, llm_url, llm_model;
  int llm_threads = 0;  // llm_gguf: CPU threads of one generation (0: all cores)
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

// Checks ServerOptions::allowed_embedders (Start() does too): each entry is
// [NAME=]gguf:PATH or [NAME=]http(s):URL#MODEL, names unique and not
// "none" or "static". Nothing is opened or contacted.
Status CheckAllowedEmbedders(const std::vector<std::string>& entries);

// The OpenAPI 3 description served at GET /openapi.json.
const char* OpenApiJson();

}  // namespace glassbox::server
