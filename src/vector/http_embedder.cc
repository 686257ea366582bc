#include "vector/http_embedder.h"

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

namespace glassbox::vector {

namespace {

using json = nlohmann::json;

const char kDefaultPath[] = "/v1/embeddings";

std::string Truncate(std::string s, size_t n) {
  if (s.size() > n) s = s.substr(0, n) + "...";
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return s;
}

// The error text an endpoint sent: OpenAI style {"error": {"message": ...}},
// {"error": "..."}, {"message": ...}, {"detail": ...}, or the body itself.
std::string ErrorMessage(const std::string& body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object()) {
    auto pick = [](const json& v) -> std::string {
      if (v.is_string()) return v.get<std::string>();
      if (v.is_object() && v.contains("message") && v["message"].is_string()) return v["message"].get<std::string>();
      return "";
    };
    for (const char* k : {"error", "message", "detail"}) {
      if (j.contains(k)) {
        std::string m = pick(j[k]);
        if (!m.empty()) return Truncate(m, 300);
      }
    }
  }
  return body.empty() ? "(empty body)" : Truncate(body, 300);
}

bool CanResolve(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(host.c_str(), nullptr, &hints, &res);
  if (res) freeaddrinfo(res);
  return rc == 0;
}

void SetTimeout(double s, time_t* sec, time_t* usec) {
  s = std::max(0.001, s);
  *sec = static_cast<time_t>(s);
  *usec = static_cast<time_t>((s - static_cast<double>(*sec)) * 1e6);
}

}  // namespace

struct HttpEmbedder::Conn {
  explicit Conn(const std::string& origin) : client(origin) {}
  httplib::Client client;
};

HttpEmbedder::~HttpEmbedder() = default;

Result<HttpEmbedderOptions> HttpEmbedder::ParseSpec(const std::string& spec) {
  HttpEmbedderOptions o;
  const size_t hash = spec.find('#');
  o.url = spec.substr(0, hash);
  if (hash != std::string::npos) o.model = spec.substr(hash + 1);
  if (o.url.rfind("http://", 0) != 0 && o.url.rfind("https://", 0) != 0) {
    return Status::InvalidArgument("embedding endpoint must start with http:// or https://: " + spec);
  }
  return o;
}

Result<std::unique_ptr<HttpEmbedder>> HttpEmbedder::Open(const HttpEmbedderOptions& options) {
  std::unique_ptr<HttpEmbedder> e(new HttpEmbedder());
  e->opt_ = options;
  e->opt_.max_tries = std::max(1, options.max_tries);
  e->opt_.max_batch = std::max(1, options.max_batch);
  const std::string& url = options.url;
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return Status::InvalidArgument("embedding endpoint is not a URL: " + url);
  const std::string scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") {
    return Status::InvalidArgument("embedding endpoint must be http:// or https://: " + url);
  }
#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
  if (scheme == "https") return Status::Unsupported("this build of cpp-httplib has no HTTPS: " + url);
#endif
  const size_t host_begin = scheme_end + 3;
  size_t path_begin = url.find('/', host_begin);
  std::string hostport = url.substr(host_begin, path_begin == std::string::npos ? std::string::npos
                                                                                 : path_begin - host_begin);
  e->path_ = path_begin == std::string::npos ? "" : url.substr(path_begin);
  if (e->path_.empty() || e->path_ == "/") e->path_ = kDefaultPath;
  if (hostport.empty()) return Status::InvalidArgument("embedding endpoint has no host: " + url);
  e->host_ = hostport;
  if (hostport.front() == '[') {  // [::1]:8080
    size_t close = hostport.find(']');
    e->host_ = hostport.substr(1, close == std::string::npos ? std::string::npos : close - 1);
  } else if (size_t colon = hostport.rfind(':'); colon != std::string::npos) {
    e->host_ = hostport.substr(0, colon);
    const std::string port = hostport.substr(colon + 1);
    if (port.empty() || port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) > 65535) {
      return Status::InvalidArgument("embedding endpoint has a bad port: " + url);
    }
  }
  e->origin_ = scheme + "://" + hostport;

  e->api_key_ = options.api_key;
  if (e->api_key_.empty()) {
    if (const char* k = std::getenv("GLASSBOX_EMBEDDING_API_KEY")) e->api_key_ = k;
  }

  e->conn_ = std::make_unique<Conn>(e->origin_);
  if (!e->conn_->client.is_valid()) return Status::InvalidArgument("cannot use embedding endpoint " + url);
  time_t s, us;
  SetTimeout(options.connect_timeout_s, &s, &us);
  e->conn_->client.set_connection_timeout(s, us);
  SetTimeout(options.read_timeout_s, &s, &us);
  e->conn_->client.set_read_timeout(s, us);
  e->conn_->client.set_write_timeout(s, us);
  e->conn_->client.set_keep_alive(true);

  e->info_.kind = "http";
  e->info_.model = options.model.empty() ? e->origin_ + e->path_ : options.model;
  e->info_.dim = std::max(0, options.dim);
  if (e->info_.dim == 0) {
    // Learn the dimension now: one probe text.
    std::vector<float> probe;
    GB_RETURN_IF_ERROR(e->Embed({"dimension probe"}, &probe));
  }
  // The endpoint's weights are invisible from here: the fingerprint names
  // the endpoint, model and dimension only.
  e->info_.fingerprint = "http;url=" + e->origin_ + e->path_ + ";model=" + options.model +
                         ";dim=" + std::to_string(e->info_.dim);
  return e;
}

Status HttpEmbedder::Request(const std::vector<const std::string*>& inputs, std::vector<float>* vectors) {
  const std::string where = origin_ + path_;
  json body;
  body["input"] = json::array();
  for (const std::string* s : inputs) body["input"].push_back(*s);
  if (!opt_.model.empty()) body["model"] = opt_.model;
  const std::string payload = body.dump(-1, ' ', false, json::error_handler_t::replace);
  httplib::Headers headers = {{"Accept", "application/json"}};
  if (!api_key_.empty()) headers.emplace("Authorization", "Bearer " + api_key_);

  std::string last_error;
  int delay_ms = opt_.backoff_ms;
  for (int attempt = 1; attempt <= opt_.max_tries; ++attempt) {
    if (attempt > 1) {
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
      delay_ms *= 2;
    }
    ++requests_sent_;
    httplib::Result res = conn_->client.Post(path_, headers, payload, "application/json");
    if (!res) {
      const httplib::Error err = res.error();
      std::string why;
      switch (err) {
        case httplib::Error::Connection:
          why = CanResolve(host_) ? "connection refused" : "cannot resolve host " + host_;
          break;
        case httplib::Error::ConnectionTimeout:
          why = "no connection within " + Truncate(std::to_string(opt_.connect_timeout_s), 5) + "s";
          break;
        case httplib::Error::Read:
          why = "no response within " + Truncate(std::to_string(opt_.read_timeout_s), 5) +
                "s (read timeout) or the connection was closed";
          break;
        default:
          why = httplib::to_string(err);
      }
      last_error = "cannot reach " + where + ": " + why;
      continue;  // retried
    }
    const int status = res->status;
    if (status >= 500 || status == 429) {
      last_error = "endpoint returned " + std::to_string(status) + ": " + ErrorMessage(res->body);
      continue;  // retried
    }
    if (status != 200) {
      return Status::InvalidArgument("endpoint returned " + std::to_string(status) + ": " + ErrorMessage(res->body));
    }
    json j = json::parse(res->body, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || !j.contains("data") || !j["data"].is_array()) {
      return Status::InvalidArgument("endpoint " + where + " did not answer with {\"data\": [...]}: " +
                                     Truncate(res->body, 200));
    }
    const json& data = j["data"];
    if (data.size() != inputs.size()) {
      return Status::InvalidArgument("endpoint returned " + std::to_string(data.size()) + " vectors for " +
                                     std::to_string(inputs.size()) + " inputs");
    }
    const size_t n = inputs.size();
    std::vector<bool> seen(n, false);
    for (size_t k = 0; k < n; ++k) {
      const json& item = data[k];
      const size_t idx = (item.contains("index") && item["index"].is_number_integer())
                             ? item["index"].get<size_t>() : k;
      if (idx >= n || seen[idx]) {
        return Status::InvalidArgument("endpoint returned a bad or repeated index " + std::to_string(idx) +
                                       " for " + std::to_string(n) + " inputs");
      }
      seen[idx] = true;
      if (!item.contains("embedding") || !item["embedding"].is_array()) {
        return Status::InvalidArgument("endpoint returned an item without an \"embedding\" array");
      }
      const json& emb = item["embedding"];
      if (info_.dim == 0) {
        if (emb.empty()) return Status::InvalidArgument("endpoint returned an empty embedding");
        info_.dim = static_cast<int>(emb.size());
      }
      const size_t dim = static_cast<size_t>(info_.dim);
      if (emb.size() != dim) {
        return Status::InvalidArgument("endpoint returned a " + std::to_string(emb.size()) +
                                       "-dimensional vector, expected " + std::to_string(dim));
      }
      if (vectors->size() < n * dim) vectors->resize(n * dim);
      float* v = vectors->data() + idx * dim;
      double ss = 0;
      for (size_t i = 0; i < dim; ++i) {
        if (!emb[i].is_number()) return Status::InvalidArgument("endpoint returned a non-numeric vector component");
        v[i] = emb[i].get<float>();
        ss += static_cast<double>(v[i]) * v[i];
      }
      if (ss > 0 && std::isfinite(ss)) {
        const float inv = static_cast<float>(1.0 / std::sqrt(ss));
        for (size_t i = 0; i < dim; ++i) v[i] *= inv;
      } else {
        std::fill(v, v + dim, 0.0f);
      }
    }
    return Status::OK();
  }
  const std::string tries = opt_.max_tries == 1 ? "1 try" : std::to_string(opt_.max_tries) + " tries";
  return Status::IOError(last_error + " (after " + tries + ")");
}

Status HttpEmbedder::Embed(const std::vector<std::string>& texts, std::vector<float>* out) {
  out->clear();
  std::vector<const std::string*> batch;
  std::vector<size_t> where;
  std::vector<float> result;  // texts.size() * dim once dim is known
  auto place = [&](const std::vector<float>& vecs) {
    const size_t dim = static_cast<size_t>(info_.dim);
    if (result.size() != texts.size() * dim) result.assign(texts.size() * dim, 0.0f);
    for (size_t k = 0; k < where.size(); ++k) {
      std::copy(vecs.begin() + k * dim, vecs.begin() + (k + 1) * dim, result.begin() + where[k] * dim);
    }
  };
  for (size_t t = 0; t <= texts.size(); ++t) {
    const bool end = t == texts.size();
    if (!end && !texts[t].empty()) {
      batch.push_back(&texts[t]);
      where.push_back(t);
    }
    if (!batch.empty() && (end || static_cast<int>(batch.size()) >= opt_.max_batch)) {
      std::vector<float> vecs;
      GB_RETURN_IF_ERROR(Request(batch, &vecs));
      place(vecs);
      batch.clear();
      where.clear();
    }
  }
  if (result.empty()) result.assign(texts.size() * static_cast<size_t>(info_.dim), 0.0f);
  *out = std::move(result);
  return Status::OK();
}

}  // namespace glassbox::vector
