// HttpEmbedder: an OpenAI-compatible embeddings endpoint (OpenAI, llama.cpp's
// llama-server, Ollama's /v1, vLLM, text-embeddings-inference, ...).
//
//   POST <url>  {"model": "<model>", "input": ["text", ...]}
//   200         {"data": [{"embedding": [0.1, ...], "index": 0}, ...]}
//
// HTTP and HTTPS (cpp-httplib from Debian, built with OpenSSL).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "glassbox/status.h"
#include "vector/embedder.h"

namespace glassbox::vector {

struct HttpEmbedderOptions {
  std::string url;    // http(s)://host[:port]/path, e.g. http://127.0.0.1:8080/v1/embeddings
  std::string model;  // sent as "model" (llama-server ignores it; OpenAI needs it)
  int dim = 0;        // 0: learned from the endpoint (Open embeds one probe text)
  double connect_timeout_s = 5;
  double read_timeout_s = 60;  // per request
  int max_tries = 3;           // connection errors and 5xx/429 are retried
  int backoff_ms = 250;        // before the 2nd try; doubles after each
  int max_batch = 64;          // texts per request
  // Sent as "Authorization: Bearer <key>". Empty: the environment variable
  // GLASSBOX_EMBEDDING_API_KEY, if set.
  std::string api_key;
};

class HttpEmbedder : public Embedder {
 public:
  // "http://host:port/v1/embeddings#model-name" -> url + model. The path
  // defaults to /v1/embeddings when the URL has none.
  static Result<HttpEmbedderOptions> ParseSpec(const std::string& spec);

  // Checks the URL; when options.dim is 0, embeds one probe text to learn the
  // dimension (so an unreachable endpoint fails here, not at first use).
  static Result<std::unique_ptr<HttpEmbedder>> Open(const HttpEmbedderOptions& options);

  ~HttpEmbedder() override;
  const EmbedderInfo& info() const override { return info_; }

  // Texts go in requests of max_batch. Vectors are L2-normalized here
  // whatever the endpoint does. An empty text gets the zero vector without
  // being sent (OpenAI rejects empty inputs).
  Status Embed(const std::vector<std::string>& texts, std::vector<float>* out) override;

  // Requests sent so far (tries included); for tests.
  int requests_sent() const { return requests_sent_; }

 private:
  struct Conn;
  HttpEmbedder() = default;
  // One request with retries; fills vectors (n * dim) and learns dim_.
  Status Request(const std::vector<const std::string*>& inputs, std::vector<float>* vectors);

  HttpEmbedderOptions opt_;
  std::string origin_;  // scheme://host:port
  std::string path_;
  std::string host_;
  std::string api_key_;
  std::unique_ptr<Conn> conn_;
  EmbedderInfo info_;
  int requests_sent_ = 0;
};

}  // namespace glassbox::vector
