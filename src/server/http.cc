#include "server/http.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace glassbox::server::http {

bool CaseInsensitiveLess::operator()(const std::string& a, const std::string& b) const {
  return ::strcasecmp(a.c_str(), b.c_str()) < 0;
}

std::string Request::get_header_value(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

std::string Request::get_param_value(const std::string& name) const {
  auto it = params.find(name);
  return it == params.end() ? std::string() : it->second;
}

namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// The value of parameter `key` in a header like `form-data; name="file"; filename="a.txt"`.
std::string HeaderParam(const std::string& header, const std::string& key) {
  size_t i = header.find(';');
  while (i != std::string::npos) {
    size_t start = header.find_first_not_of(" \t", i + 1);
    if (start == std::string::npos) break;
    size_t eq = header.find('=', start);
    if (eq == std::string::npos) break;
    std::string k = Lower(Trim(header.substr(start, eq - start)));
    std::string v;
    size_t next;
    if (eq + 1 < header.size() && header[eq + 1] == '"') {
      size_t j = eq + 2;
      for (; j < header.size() && header[j] != '"'; ++j) {
        if (header[j] == '\\' && j + 1 < header.size()) ++j;
        v.push_back(header[j]);
      }
      next = header.find(';', j);
    } else {
      next = header.find(';', eq);
      v = Trim(header.substr(eq + 1, next == std::string::npos ? std::string::npos : next - eq - 1));
    }
    if (k == key) return v;
    i = next;
  }
  return {};
}

}  // namespace

bool Request::is_multipart_form_data() const {
  return Lower(get_header_value("Content-Type")).rfind("multipart/form-data", 0) == 0;
}

void Response::set_content(std::string content, const std::string& content_type) {
  body = std::move(content);
  headers.erase("Content-Type");
  headers.emplace("Content-Type", content_type);
}

void Response::set_content(const char* data, size_t size, const std::string& content_type) {
  set_content(std::string(data, size), content_type);
}

void Response::set_header(const std::string& name, const std::string& value) {
  headers.erase(name);
  headers.emplace(name, value);
}

std::string Decode(const std::string& s, bool plus_is_space) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else if (plus_is_space && s[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

const char* Reason(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 421: return "Misdirected Request";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return status < 400 ? "OK" : status < 500 ? "Bad Request" : "Error";
  }
}

namespace {

using Clock = std::chrono::steady_clock;
int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count();
}

bool IsTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

// Parses the request line and headers (without the final empty line).
// Returns an empty string or the reason it is malformed.
std::string ParseHead(const std::string& head, Request* req) {
  size_t eol = head.find("\r\n");
  std::string line = head.substr(0, eol);
  size_t s1 = line.find(' '), s2 = s1 == std::string::npos ? s1 : line.find(' ', s1 + 1);
  if (s1 == std::string::npos || s2 == std::string::npos || line.find(' ', s2 + 1) != std::string::npos)
    return "malformed request line";
  req->method = line.substr(0, s1);
  req->target = line.substr(s1 + 1, s2 - s1 - 1);
  req->version = line.substr(s2 + 1);
  if (req->method.empty()) return "malformed request line";
  for (char c : req->method)
    if (!IsTokenChar(c)) return "malformed method";
  if (req->version != "HTTP/1.1" && req->version != "HTTP/1.0") return "unsupported HTTP version";
  if (req->target.empty() || req->target[0] != '/') return "the request target must be an absolute path";
  for (char c : req->target)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return "control characters in the request target";
  size_t q = req->target.find('?');
  req->path = Decode(req->target.substr(0, q), false);
  if (req->path.find('\0') != std::string::npos) return "NUL in the request path";
  if (q != std::string::npos) {
    std::string qs = req->target.substr(q + 1);
    size_t i = 0;
    while (i <= qs.size()) {
      size_t amp = qs.find('&', i);
      std::string kv = qs.substr(i, amp == std::string::npos ? std::string::npos : amp - i);
      if (!kv.empty()) {
        size_t eq = kv.find('=');
        req->params.emplace(Decode(kv.substr(0, eq), true),
                            eq == std::string::npos ? std::string() : Decode(kv.substr(eq + 1), true));
      }
      if (amp == std::string::npos) break;
      i = amp + 1;
    }
  }
  size_t pos = eol == std::string::npos ? head.size() : eol + 2;
  size_t count = 0;
  while (pos < head.size()) {
    size_t e = head.find("\r\n", pos);
    if (e == std::string::npos) e = head.size();
    std::string h = head.substr(pos, e - pos);
    pos = e + 2;
    if (h.empty()) continue;
    if (++count > 100) return "more than 100 header fields";
    if (h[0] == ' ' || h[0] == '\t') return "folded header lines are not accepted";
    size_t colon = h.find(':');
    if (colon == 0 || colon == std::string::npos) return "malformed header line";
    std::string name = h.substr(0, colon);
    for (char c : name)
      if (!IsTokenChar(c)) return "malformed header name";
    std::string value = Trim(h.substr(colon + 1));
    for (char c : value)
      if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) return "control characters in a header";
    req->headers.emplace(std::move(name), std::move(value));
  }
  return {};
}

// Splits a multipart/form-data body into parts. Returns false if malformed.
bool ParseMultipart(Request* req, std::string* error) {
  std::string boundary = HeaderParam(req->get_header_value("Content-Type"), "boundary");
  if (boundary.empty() || boundary.size() > 200) {
    *error = "multipart/form-data without a boundary parameter";
    return false;
  }
  const std::string delim = "--" + boundary;
  const std::string& b = req->body;
  size_t pos = b.find(delim);
  if (pos == std::string::npos) {
    *error = "malformed multipart body: no boundary line";
    return false;
  }
  pos += delim.size();
  for (;;) {
    if (b.compare(pos, 2, "--") == 0) return true;  // closing delimiter
    if (b.compare(pos, 2, "\r\n") != 0) break;
    pos += 2;
    size_t head_end = b.find("\r\n\r\n", pos);
    if (head_end == std::string::npos) break;
    FormFile f;
    std::string disposition;
    size_t hp = pos;
    while (hp < head_end) {
      size_t e = b.find("\r\n", hp);
      if (e == std::string::npos || e > head_end) e = head_end;
      std::string line = b.substr(hp, e - hp);
      hp = e + 2;
      size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = Lower(Trim(line.substr(0, colon)));
      std::string value = Trim(line.substr(colon + 1));
      if (name == "content-disposition") disposition = value;
      else if (name == "content-type") f.content_type = value;
    }
    if (Lower(disposition).rfind("form-data", 0) != 0) {
      *error = "malformed multipart body: a part without Content-Disposition: form-data";
      return false;
    }
    f.name = HeaderParam(disposition, "name");
    f.filename = HeaderParam(disposition, "filename");
    size_t content = head_end + 4;
    size_t end = b.find("\r\n" + delim, content);
    if (end == std::string::npos) break;
    f.content = b.substr(content, end - content);
    std::string field = f.name;
    req->files.emplace(std::move(field), std::move(f));
    pos = end + 2 + delim.size();
  }
  *error = "malformed multipart body (truncated, or a part not followed by the boundary)";
  return false;
}

struct RouteEntry {
  std::string method;
  std::regex pattern;
  Server::Handler handler;
};

struct Job {
  uint64_t conn = 0;
  int fd = -1;        // the connection's socket: detached from epoll, so only this job touches it
  size_t served = 0;  // requests answered on this connection before this one
  Request req;
};

struct Done {
  uint64_t conn = 0;
  std::string bytes;
  size_t written = 0;  // bytes the worker already sent
  bool close = false;
  bool failed = false;  // the send failed: the peer is gone
};

}  // namespace

struct Server::Impl {
  explicit Impl(Limits l) : limits(std::move(l)) {}

  Limits limits;
  std::vector<RouteEntry> routes;
  HeadHook on_head;
  ErrorFormatter on_error;
  int listen_fd = -1, epoll_fd = -1, wake_fd = -1;
  int bound_port = 0;
  std::thread io;
  std::vector<std::thread> workers;
  std::atomic<bool> stopping{false};

  std::mutex mu;  // jobs, done, stop for workers
  std::condition_variable cv;
  std::deque<Job> jobs;
  std::deque<Done> done;
  bool workers_stop = false;

  enum class State { kIdle, kHead, kBody, kBusy, kWriting, kLinger };
  struct Conn {
    int fd = -1;
    uint64_t id = 0;
    std::string addr;
    State state = State::kIdle;
    std::string in;
    std::string out;
    size_t out_off = 0;
    bool close_after_write = false;
    int64_t deadline = 0;
    size_t served = 0;
    // The request being read.
    Request req;
    bool chunked = false;
    size_t content_length = 0;
    int64_t body_started = 0;
    size_t body_received = 0;
    // Chunked decoding: bytes of the current chunk still to come (then CRLF),
    // or 0 when a size line is expected.
    size_t chunk_left = 0;
    bool chunk_crlf = false;
    bool chunk_trailers = false;
    uint32_t events = 0;
    bool detached = false;  // removed from epoll while a worker has it
  };
  std::unordered_map<uint64_t, std::unique_ptr<Conn>> conns;  // by id
  std::unordered_map<int, uint64_t> by_fd;
  std::unordered_map<std::string, size_t> per_client;
  uint64_t next_id = 1;

  // ---- responses --------------------------------------------------------------

  std::string Serialize(const Request* req, Response& res, bool close) {
    std::string out = "HTTP/1.1 " + std::to_string(res.status) + " " + Reason(res.status) + "\r\n";
    res.headers.erase("Content-Length");
    res.headers.erase("Connection");
    res.headers.erase("Transfer-Encoding");
    for (const auto& [k, v] : res.headers) out += k + ": " + v + "\r\n";
    out += "Content-Length: " + std::to_string(res.body.size()) + "\r\n";
    out += close ? "Connection: close\r\n" : "Connection: keep-alive\r\n";
    out += "\r\n";
    if (!(req && req->method == "HEAD")) out += res.body;
    return out;
  }

  Response ErrorResponse(int status, const std::string& message) {
    Response r;
    r.status = status;
    if (on_error) on_error(status, message, r);
    else r.set_content(message + "\n", "text/plain");
    return r;
  }

  // ---- connections (I/O thread only) -------------------------------------------

  void SetInterest(Conn& c, uint32_t events) {
    if (c.events == events && !c.detached) return;
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = c.id;
    ::epoll_ctl(epoll_fd, c.detached ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, c.fd, &ev);
    c.events = events;
    c.detached = false;
  }

  void Close(Conn& c) {
    if (!c.detached) ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c.fd, nullptr);
    ::close(c.fd);
    by_fd.erase(c.fd);
    auto pc = per_client.find(c.addr);
    if (pc != per_client.end() && --pc->second == 0) per_client.erase(pc);
    conns.erase(c.id);  // destroys c
  }

  // Queues bytes to write (the first `written` already sent); the connection
  // continues (keep-alive) or closes after them.
  void Send(Conn& c, std::string bytes, bool close, size_t written = 0) {
    if (c.detached) SetInterest(c, 0);  // back into epoll (from a worker)
    c.out = std::move(bytes);
    c.out_off = written;
    c.close_after_write = close;
    c.state = State::kWriting;
    c.deadline = NowMs() + limits.write_timeout_ms +
                 static_cast<int64_t>(1000.0 * static_cast<double>(c.out.size()) / std::max<size_t>(1, limits.min_body_rate));
    Write(c);
  }

  void SendError(Conn& c, int status, const std::string& message) {
    Response r = ErrorResponse(status, message);
    Send(c, Serialize(nullptr, r, true), true);
  }

  // Returns false if the connection was closed.
  bool Write(Conn& c) {
    while (c.out_off < c.out.size()) {
      ssize_t n = ::send(c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off, MSG_NOSIGNAL);
      if (n > 0) {
        c.out_off += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        SetInterest(c, EPOLLOUT);
        return true;
      }
      if (n < 0 && errno == EINTR) continue;
      Close(c);
      return false;
    }
    c.out.clear();
    c.out_off = 0;
    if (c.close_after_write) {
      // Lingering close: stop sending, discard what the client still sends for
      // a moment, so that an early answer is not lost to a reset.
      ::shutdown(c.fd, SHUT_WR);
      c.state = State::kLinger;
      c.deadline = NowMs() + 2000;
      c.in.clear();
      SetInterest(c, EPOLLIN);
      return true;
    }
    ++c.served;
    c.state = State::kIdle;
    c.req = Request{};
    c.deadline = NowMs() + limits.keep_alive_timeout_ms;
    SetInterest(c, EPOLLIN);
    return Process(c);  // a pipelined request may already be buffered
  }

  void Accept() {
    for (;;) {
      sockaddr_storage sa{};
      socklen_t len = sizeof sa;
      int fd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&sa), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        return;  // EAGAIN, or out of descriptors (retried on the next event)
      }
      char host[NI_MAXHOST] = "";
      ::getnameinfo(reinterpret_cast<sockaddr*>(&sa), len, host, sizeof host, nullptr, 0, NI_NUMERICHOST);
      std::string addr = host;
      if (conns.size() >= limits.max_connections || per_client[addr] >= limits.max_connections_per_client) {
        if (per_client[addr] == 0) per_client.erase(addr);
        Response r = ErrorResponse(503, conns.size() >= limits.max_connections
                                            ? "the server has too many open connections; try again later"
                                            : "too many open connections from " + addr + "; close some and retry");
        std::string bytes = Serialize(nullptr, r, true);
        (void)!::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        ::close(fd);
        continue;
      }
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      auto c = std::make_unique<Conn>();
      c->fd = fd;
      c->id = next_id++;
      c->addr = addr;
      c->deadline = NowMs() + limits.head_timeout_ms;
      c->events = EPOLLIN;
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = c->id;
      ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev);
      ++per_client[addr];
      by_fd[fd] = c->id;
      conns.emplace(c->id, std::move(c));
    }
  }

  void Readable(Conn& c) {
    char buf[65536];
    for (;;) {
      ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
      if (n > 0) {
        if (c.state == State::kLinger) continue;  // discarded
        c.in.append(buf, static_cast<size_t>(n));
        // Do not buffer far past what the current stage may hold; the rest
        // stays in the socket (level-triggered: we are woken again).
        const bool head = c.state == State::kIdle || c.state == State::kHead;
        if (c.in.size() > (head ? limits.max_header_bytes : limits.max_body_bytes + 65536)) break;
        continue;
      }
      if (n == 0) {
        Close(c);
        return;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      Close(c);
      return;
    }
    if (c.state != State::kLinger) Process(c);
  }

  // Advances the request state machine over buffered input. Returns false if
  // the connection was closed.
  bool Process(Conn& c) {
    if (c.state == State::kIdle || c.state == State::kHead) {
      // Tolerate empty lines between requests.
      size_t skip = 0;
      while (skip + 1 < c.in.size() && c.in[skip] == '\r' && c.in[skip + 1] == '\n') skip += 2;
      if (skip) c.in.erase(0, skip);
      if (c.in.empty()) return true;
      if (c.state == State::kIdle) {
        c.state = State::kHead;
        c.deadline = NowMs() + limits.head_timeout_ms;
      }
      size_t end = c.in.find("\r\n\r\n");
      if (end == std::string::npos) {
        if (c.in.size() > limits.max_header_bytes) {
          SendError(c, 431, "the request line and headers are larger than " +
                                std::to_string(limits.max_header_bytes) + " bytes");
          return false;
        }
        return true;
      }
      if (end + 4 > limits.max_header_bytes) {
        SendError(c, 431, "the request line and headers are larger than " + std::to_string(limits.max_header_bytes) +
                              " bytes");
        return false;
      }
      c.req = Request{};
      c.req.remote_addr = c.addr;
      std::string why = ParseHead(c.in.substr(0, end), &c.req);
      c.in.erase(0, end + 4);
      if (!why.empty()) {
        SendError(c, 400, "malformed HTTP request: " + why);
        return false;
      }
      // Body framing.
      std::string te = Lower(c.req.get_header_value("Transfer-Encoding"));
      std::string cl = c.req.get_header_value("Content-Length");
      c.chunked = false;
      c.content_length = 0;
      if (!te.empty()) {
        if (te != "chunked") {
          SendError(c, 501, "Transfer-Encoding '" + te + "' is not supported (only chunked)");
          return false;
        }
        if (!cl.empty()) {
          SendError(c, 400, "a request may not have both Content-Length and Transfer-Encoding");
          return false;
        }
        c.chunked = true;
      } else if (!cl.empty()) {
        if (cl.size() > 18 || cl.find_first_not_of("0123456789") != std::string::npos ||
            c.req.headers.count("Content-Length") > 1) {
          SendError(c, 400, "malformed Content-Length");
          return false;
        }
        c.content_length = std::stoull(cl);
        if (c.content_length > limits.max_body_bytes) {
          SendError(c, 413, "the request body is " + cl + " bytes; the server's limit is " +
                                std::to_string(limits.max_body_bytes));
          return false;
        }
      }
      if (on_head) {
        Response r;
        bool answered = false;
        try {
          answered = on_head(c.req, r);
        } catch (...) {
          r = ErrorResponse(500, "internal error while checking the request");
          answered = true;
        }
        if (answered) {
          Send(c, Serialize(&c.req, r, true), true);
          return false;
        }
      }
      const bool has_body = c.chunked || c.content_length > 0;
      if (has_body && Lower(c.req.get_header_value("Expect")) == "100-continue") {
        static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        (void)!::send(c.fd, kContinue.data(), kContinue.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      }
      c.state = State::kBody;
      c.body_started = NowMs();
      c.body_received = 0;
      c.chunk_left = 0;
      c.chunk_crlf = false;
      c.chunk_trailers = false;
    }
    if (c.state != State::kBody) return true;
    // Body.
    if (!c.chunked) {
      size_t need = c.content_length - c.req.body.size();
      size_t take = std::min(need, c.in.size());
      c.req.body.append(c.in, 0, take);
      c.in.erase(0, take);
      c.body_received = c.req.body.size();
      if (c.req.body.size() < c.content_length) {
        c.deadline = BodyDeadline(c);
        return true;
      }
    } else {
      bool complete = false;
      for (;;) {
        if (c.chunk_trailers) {
          // Trailer fields end with an empty line; we ignore them.
          size_t e = c.in.find("\r\n");
          if (e == std::string::npos) {
            if (c.in.size() > 8192) {
              SendError(c, 400, "malformed chunked body: trailers too long");
              return false;
            }
            break;
          }
          c.in.erase(0, e + 2);
          if (e == 0) {
            complete = true;
            break;
          }
          continue;
        }
        if (c.chunk_left > 0) {
          size_t take = std::min(c.chunk_left, c.in.size());
          c.req.body.append(c.in, 0, take);
          c.in.erase(0, take);
          c.chunk_left -= take;
          if (c.chunk_left > 0) break;
          c.chunk_crlf = true;
        }
        if (c.chunk_crlf) {
          if (c.in.size() < 2) break;
          if (c.in.compare(0, 2, "\r\n") != 0) {
            SendError(c, 400, "malformed chunked body: a chunk is not followed by CRLF");
            return false;
          }
          c.in.erase(0, 2);
          c.chunk_crlf = false;
        }
        size_t e = c.in.find("\r\n");
        if (e == std::string::npos) {
          if (c.in.size() > 1024) {
            SendError(c, 400, "malformed chunked body: chunk size line too long");
            return false;
          }
          break;
        }
        std::string size_line = c.in.substr(0, e);
        size_line = size_line.substr(0, size_line.find(';'));
        size_line = Trim(size_line);
        if (size_line.empty() || size_line.size() > 15 ||
            size_line.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
          SendError(c, 400, "malformed chunked body: bad chunk size");
          return false;
        }
        size_t size = std::stoull(size_line, nullptr, 16);
        c.in.erase(0, e + 2);
        if (size == 0) {
          c.chunk_trailers = true;
          continue;
        }
        if (c.req.body.size() + size > limits.max_body_bytes) {
          SendError(c, 413, "the chunked request body exceeds the server's limit of " +
                                std::to_string(limits.max_body_bytes) + " bytes");
          return false;
        }
        c.chunk_left = size;
      }
      c.body_received = c.req.body.size();
      if (!complete) {
        c.deadline = BodyDeadline(c);
        return true;
      }
    }
    // A whole request: hand it to a worker. The socket leaves epoll until the
    // worker is done, so the worker may write the answer itself (one thread
    // hand-off less per request) and nothing else touches the descriptor.
    c.state = State::kBusy;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c.fd, nullptr);
    c.events = 0;
    c.detached = true;
    Job job;
    job.conn = c.id;
    job.fd = c.fd;
    job.served = c.served;
    job.req = std::move(c.req);
    job.req.queued = Clock::now();
    c.req = Request{};
    bool full = false;
    {
      std::lock_guard<std::mutex> l(mu);
      if (jobs.size() >= limits.max_queued_requests) full = true;
      else jobs.push_back(std::move(job));
    }
    if (full) {
      SendError(c, 503, "the server is busy (too many queued requests); try again later");
      return false;
    }
    cv.notify_one();
    return true;
  }

  int64_t BodyDeadline(const Conn& c) const {
    return c.body_started + limits.body_timeout_ms +
           static_cast<int64_t>(1000.0 * static_cast<double>(c.body_received) / std::max<size_t>(1, limits.min_body_rate));
  }

  void CheckDeadlines() {
    const int64_t now = NowMs();
    std::vector<uint64_t> expired;
    for (const auto& [id, c] : conns)
      if (c->state != State::kBusy && now > c->deadline) expired.push_back(id);
    for (uint64_t id : expired) {
      auto it = conns.find(id);
      if (it == conns.end()) continue;
      Conn& c = *it->second;
      switch (c.state) {
        case State::kHead:
          SendError(c, 408, "the request head did not arrive within " + std::to_string(limits.head_timeout_ms) + " ms");
          break;
        case State::kBody:
          SendError(c, 408, "the request body did not arrive in time (" + std::to_string(c.body_received) +
                                " bytes after " + std::to_string(now - c.body_started) + " ms)");
          break;
        default:
          Close(c);
      }
    }
  }

  void DrainDone() {
    std::deque<Done> ready;
    {
      std::lock_guard<std::mutex> l(mu);
      ready.swap(done);
    }
    for (auto& d : ready) {
      auto it = conns.find(d.conn);
      if (it == conns.end()) continue;
      if (d.failed) {
        Close(*it->second);  // the client went away
        continue;
      }
      Send(*it->second, std::move(d.bytes), d.close, d.written);
    }
  }

  void Loop() {
    epoll_event events[256];
    int64_t last_scan = NowMs();
    while (!stopping.load()) {
      int n = ::epoll_wait(epoll_fd, events, 256, 100);
      for (int i = 0; i < n; ++i) {
        const uint64_t key = events[i].data.u64;
        if (key == 0) {
          Accept();
          continue;
        }
        if (key == UINT64_MAX) {
          uint64_t v;
          (void)!::read(wake_fd, &v, sizeof v);
          DrainDone();
          continue;
        }
        auto it = conns.find(key);
        if (it == conns.end()) continue;
        Conn& c = *it->second;
        const uint32_t ev = events[i].events;
        if (c.state == State::kWriting && (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
          Write(c);
        } else if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
          if (c.state != State::kBusy) {  // (a busy connection is out of epoll: no events)
            Readable(c);
          }
        }
      }
      const int64_t now = NowMs();
      if (now - last_scan >= 100) {
        last_scan = now;
        CheckDeadlines();
      }
    }
    // Shut down: close every connection a worker does not hold (those are
    // closed once the workers have stopped; see Server::Wait).
    CloseConnections(false);
  }

  void CloseConnections(bool busy_too) {
    std::vector<uint64_t> ids;
    for (const auto& [id, c] : conns)
      if (busy_too || c->state != State::kBusy) ids.push_back(id);
    for (uint64_t id : ids) Close(*conns[id]);
  }

  void Work() {
    for (;;) {
      Job job;
      {
        std::unique_lock<std::mutex> l(mu);
        cv.wait(l, [&] { return workers_stop || !jobs.empty(); });
        if (jobs.empty()) return;
        job = std::move(jobs.front());
        jobs.pop_front();
      }
      const std::string connection = Lower(job.req.get_header_value("Connection"));
      bool keep = job.req.version == "HTTP/1.1" ? connection != "close" : connection == "keep-alive";
      if (job.served + 1 >= limits.keep_alive_max_requests) keep = false;
      // A streamed body: chunked on HTTP/1.1, else ended by closing.
      const bool chunked = job.req.version == "HTTP/1.1";
      bool stream_failed = false;
      Response res;
      res.writer = [&](Response& r, std::string_view data) {
        if (stream_failed) return false;
        std::string out;
        if (!r.streamed) {
          r.streamed = true;
          if (!chunked || stopping.load()) keep = false;
          out = StreamHead(r, keep, chunked);
        }
        if (!data.empty()) {
          if (chunked) {
            char size[24];
            std::snprintf(size, sizeof size, "%zx\r\n", data.size());
            out += size;
            out.append(data);
            out += "\r\n";
          } else {
            out.append(data);
          }
        }
        if (!SendAll(job.fd, out)) stream_failed = true;
        return !stream_failed;
      };
      const bool ok = Handle(job.req, res);
      if (stopping.load()) keep = false;
      Done d;
      d.conn = job.conn;
      if (res.streamed) {
        // The head and chunks are out; the last chunk (or nothing) is left.
        d.close = !keep || !ok || stream_failed;
        d.failed = stream_failed;
        if (chunked && ok && !stream_failed) d.bytes = "0\r\n\r\n";
      } else {
        d.close = !keep;
        d.bytes = Serialize(&job.req, res, !keep);
      }
      // Write what the socket takes now; the I/O thread sends the rest.
      while (d.written < d.bytes.size()) {
        ssize_t n = ::send(job.fd, d.bytes.data() + d.written, d.bytes.size() - d.written, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
          d.written += static_cast<size_t>(n);
        } else if (n < 0 && errno == EINTR) {
          continue;
        } else {
          if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) d.failed = true;
          break;
        }
      }
      {
        std::lock_guard<std::mutex> l(mu);
        done.push_back(std::move(d));
      }
      uint64_t one = 1;
      (void)!::write(wake_fd, &one, sizeof one);
    }
  }

  // Runs the route into `res`. False when a handler failed after it began
  // streaming (the response cannot be replaced; the connection closes).
  bool Handle(Request& req, Response& res) {
    auto fail = [&](int status, const std::string& message) {
      if (res.streamed) return false;
      res = ErrorResponse(status, message);
      return true;
    };
    try {
      if (req.is_multipart_form_data()) {
        std::string error;
        if (!ParseMultipart(&req, &error)) return fail(400, error);
      }
      const std::string method = req.method == "HEAD" ? "GET" : req.method;
      bool path_matched = false;
      for (const auto& r : routes) {
        std::smatch m;
        if (!std::regex_match(req.path, m, r.pattern)) continue;
        path_matched = true;
        if (r.method != method) continue;
        req.matches.clear();
        for (const auto& g : m) req.matches.push_back(g.str());
        r.handler(req, res);
        return true;
      }
      if (path_matched) return fail(405, "method " + req.method + " is not allowed on " + req.path);
      return fail(404, "no endpoint " + req.method + " " + req.path);
    } catch (const std::exception& e) {
      return fail(500, std::string("internal error: ") + e.what());
    } catch (...) {
      return fail(500, "internal error");
    }
  }

  // The head of a streamed response.
  std::string StreamHead(Response& res, bool keep, bool chunked) {
    std::string out = "HTTP/1.1 " + std::to_string(res.status) + " " + Reason(res.status) + "\r\n";
    res.headers.erase("Content-Length");
    res.headers.erase("Connection");
    res.headers.erase("Transfer-Encoding");
    for (const auto& [k, v] : res.headers) out += k + ": " + v + "\r\n";
    if (chunked) out += "Transfer-Encoding: chunked\r\n";
    out += keep ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
    return out;
  }

  // Writes on a worker's socket (non-blocking; waits for room with poll),
  // within the write timeout plus 1 s per min_body_rate bytes. False when the
  // peer is gone or too slow.
  bool SendAll(int fd, std::string_view data) {
    const int64_t deadline = NowMs() + limits.write_timeout_ms +
                             static_cast<int64_t>(1000.0 * static_cast<double>(data.size()) /
                                                  std::max<size_t>(1, limits.min_body_rate));
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        off += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        const int64_t left = deadline - NowMs();
        if (left <= 0) return false;
        pollfd p{fd, POLLOUT, 0};
        const int rc = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 1000)));
        if (rc < 0 && errno != EINTR) return false;
        if (rc > 0 && (p.revents & (POLLERR | POLLHUP | POLLNVAL))) return false;
        continue;
      }
      return false;
    }
    return true;
  }
};

Server::Server(Limits limits) : impl_(std::make_unique<Impl>(std::move(limits))) {}

Server::~Server() {
  Stop();
  Wait();
  Impl& s = *impl_;
  if (s.listen_fd >= 0) ::close(s.listen_fd);
  if (s.epoll_fd >= 0) ::close(s.epoll_fd);
  if (s.wake_fd >= 0) ::close(s.wake_fd);
}

void Server::Route(const std::string& method, const std::string& pattern, Handler h) {
  impl_->routes.push_back({method, std::regex(pattern), std::move(h)});
}

void Server::OnHead(HeadHook hook) { impl_->on_head = std::move(hook); }
void Server::OnError(ErrorFormatter f) { impl_->on_error = std::move(f); }

Status Server::Listen(const std::string& host, int port) {
  Impl& s = *impl_;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  const std::string port_s = std::to_string(port);
  int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), port_s.c_str(), &hints, &res);
  if (rc != 0) return Status::InvalidArgument("cannot resolve host '" + host + "': " + ::gai_strerror(rc));
  std::string last_error = "no address";
  for (addrinfo* a = res; a; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, 1024) == 0) {
      s.listen_fd = fd;
      break;
    }
    last_error = std::strerror(errno);
    ::close(fd);
  }
  ::freeaddrinfo(res);
  if (s.listen_fd < 0)
    return Status::IOError("cannot listen on " + host + ":" + port_s + " (" + last_error + ")");
  sockaddr_storage sa{};
  socklen_t len = sizeof sa;
  ::getsockname(s.listen_fd, reinterpret_cast<sockaddr*>(&sa), &len);
  s.bound_port = sa.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&sa)->sin6_port)
                                          : ntohs(reinterpret_cast<sockaddr_in*>(&sa)->sin_port);
  s.epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  s.wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (s.epoll_fd < 0 || s.wake_fd < 0) return Status::IOError("cannot create the event loop");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = 0;
  ::epoll_ctl(s.epoll_fd, EPOLL_CTL_ADD, s.listen_fd, &ev);
  ev.data.u64 = UINT64_MAX;
  ::epoll_ctl(s.epoll_fd, EPOLL_CTL_ADD, s.wake_fd, &ev);
  for (size_t i = 0; i < std::max<size_t>(1, s.limits.workers); ++i) s.workers.emplace_back([&s] { s.Work(); });
  s.io = std::thread([&s] { s.Loop(); });
  return Status::OK();
}

int Server::port() const { return impl_->bound_port; }

void Server::Wait() {
  Impl& s = *impl_;
  if (s.io.joinable()) s.io.join();
  {
    std::lock_guard<std::mutex> l(s.mu);
    s.workers_stop = true;
  }
  s.cv.notify_all();
  for (auto& w : s.workers)
    if (w.joinable()) w.join();
  s.CloseConnections(true);
}

void Server::Stop() {
  Impl& s = *impl_;
  s.stopping.store(true);
  if (s.wake_fd >= 0) {
    uint64_t one = 1;
    (void)!::write(s.wake_fd, &one, sizeof one);
  }
}

}  // namespace glassbox::server::http
