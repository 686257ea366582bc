// The HTTP/1.1 transport under `glassbox serve`.
//
// One I/O thread owns every socket (epoll, non-blocking) and a pool of
// workers runs handlers. A connection holds no worker while it is being read
// or written: a request reaches a worker only once its head and whole body
// have arrived, and the response goes back to the I/O thread to be written.
// So clients that send or read slowly cost a file descriptor and a buffer,
// never a worker, and each of them is bounded:
//
//   - the request head must arrive completely within `head_timeout_ms` of
//     its first byte (and an idle keep-alive connection is closed after
//     `keep_alive_timeout_ms`), whatever the pace of the bytes;
//   - the body must arrive within `body_timeout_ms` plus one second per
//     `min_body_rate` bytes it declares;
//   - the response must be taken within `write_timeout_ms` plus one second
//     per `min_body_rate` bytes;
//   - at most `max_connections` sockets in all and `max_connections_per_client`
//     per client address; more are refused with 503 and closed.
//
// Before any byte of a body is read, `on_head` sees the parsed head and may
// answer instead (authentication, permission, origin checks); a declared
// body above `max_body_bytes` is answered 413, and a chunked body is counted
// as it is decoded and cut off at the same limit. After such an early answer
// the connection is closed, so an unread body cannot be taken for the next
// request. Range requests are not supported (the whole entity is sent).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "glassbox/status.h"

namespace glassbox::server::http {

// Header names compare case-insensitively.
struct CaseInsensitiveLess {
  bool operator()(const std::string& a, const std::string& b) const;
};
using Headers = std::multimap<std::string, std::string, CaseInsensitiveLess>;

// One part of a multipart/form-data body.
struct FormFile {
  std::string name;      // the form field
  std::string filename;  // as sent by the client (may be empty)
  std::string content_type;
  std::string content;
};

struct Request {
  std::string method;                  // "GET", "POST", ...
  std::string target;                  // as sent: path and query
  std::string path;                    // percent-decoded path
  std::string version;                 // "HTTP/1.1"
  Headers headers;
  std::multimap<std::string, std::string> params;  // decoded query parameters
  std::string body;
  std::vector<std::string> matches;    // the route's regex groups ([0] = whole path)
  std::multimap<std::string, FormFile> files;  // multipart/form-data parts by field name
  std::string remote_addr;
  // When the request had fully arrived and was queued for a worker (the
  // handler's start minus this is its wait for a worker).
  std::chrono::steady_clock::time_point queued{};

  bool has_header(const std::string& name) const { return headers.count(name) > 0; }
  std::string get_header_value(const std::string& name) const;
  std::string get_param_value(const std::string& name) const;
  bool is_multipart_form_data() const;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  void set_content(std::string content, const std::string& content_type);
  void set_content(const char* data, size_t size, const std::string& content_type);
  void set_header(const std::string& name, const std::string& value);

  // A body written progressively from inside the handler (chunked transfer
  // encoding; close-delimited for HTTP/1.0): set status and headers, then
  // each Write() sends its bytes at once, the first one with the head. False
  // when the client is gone or did not take the bytes within the write
  // timeout (plus 1 s per min_body_rate bytes): stop writing then. The body
  // ends when the handler returns; `body` is not sent. An exception after the
  // first Write() closes the connection without the last chunk.
  bool Write(std::string_view data) { return writer && writer(*this, data); }
  bool streamed = false;                                     // set by the first Write()
  std::string log_note;  // the handler's words for the slow-request log (not sent)
  std::function<bool(Response&, std::string_view)> writer;  // the transport's
};

struct Limits {
  size_t workers = 16;
  size_t max_header_bytes = 16 << 10;    // request line + headers
  size_t max_body_bytes = 32u << 20;
  int head_timeout_ms = 10000;
  int body_timeout_ms = 10000;
  int write_timeout_ms = 10000;
  int keep_alive_timeout_ms = 5000;
  size_t keep_alive_max_requests = 100;
  size_t min_body_rate = 64 << 10;       // bytes per second granted on top of the timeouts
  size_t max_connections = 4096;
  size_t max_connections_per_client = 256;
  size_t max_queued_requests = 4096;     // complete requests waiting for a worker; more get 503
};

class Server {
 public:
  using Handler = std::function<void(Request&, Response&)>;
  // Sees the head (no body yet, no route matches). Returning true means it
  // answered in `res`: the body is not read and the connection closes.
  using HeadHook = std::function<bool(const Request&, Response&)>;
  // Formats the transport's own errors (malformed request, 404, 408, 413, 503).
  using ErrorFormatter = std::function<void(int status, const std::string& message, Response&)>;

  explicit Server(Limits limits);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Routes are tried in the order they were added; the regex must match the whole path.
  void Route(const std::string& method, const std::string& pattern, Handler h);
  void OnHead(HeadHook hook);
  void OnError(ErrorFormatter f);

  // Binds (port 0: any free port) and starts the I/O thread and workers.
  Status Listen(const std::string& host, int port);
  int port() const;
  // Blocks until Stop().
  void Wait();
  // Stops accepting, lets running handlers finish, closes every connection.
  void Stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Percent-decoding ("+" as space when `plus_is_space`).
std::string Decode(const std::string& s, bool plus_is_space);
// The reason phrase of a status code.
const char* Reason(int status);

}  // namespace glassbox::server::http
