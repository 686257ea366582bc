#include "server/server.h"

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <set>
#include <sstream>
#include <string_view>
#include <thread>

#include "answer/answer_json.h"
#include "answer/chat.h"
#include "glassbox/answer.h"
#include "glassbox/glassbox.h"
#include "ingest/originals.h"
#include "ingest/page_view.h"
#include "server/http.h"
#include "server/json.h"
#include "server/keys.h"
#include "server/web_assets.h"
#include "table/eval_sql.h"
#include "table/nl2sql.h"

namespace glassbox::server {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;
namespace jo = json_output;

// Thrown inside request handlers; turned into a JSON error response.
struct ApiError {
  int status;
  std::string code;
  std::string message;
};

[[noreturn]] void Throw(int status, std::string code, std::string message) {
  throw ApiError{status, std::move(code), std::move(message)};
}
[[noreturn]] void BadRequest(std::string message) { Throw(400, "invalid_argument", std::move(message)); }

int HttpStatusFor(const Status& s) {
  switch (s.code()) {
    case Status::Code::kOk: return 200;
    case Status::Code::kInvalidArgument:
    case Status::Code::kUnsupported: return 400;
    case Status::Code::kPermissionDenied: return 403;
    case Status::Code::kNotFound: return 404;
    case Status::Code::kAlreadyExists: return 409;
    case Status::Code::kBusy:
    case Status::Code::kDeadlineExceeded: return 503;
    default: return 500;
  }
}

// Replaces each unquoted word with a '/' in it, which is how local paths
// ("/srv/models/e5.gguf", "data/kb") and URLs look in the library's
// messages, by "[path]". Quoted words (ids, names a client sent) stay.
std::string WithoutPaths(const std::string& m) {
  std::string out;
  for (size_t i = 0; i < m.size();) {
    size_t j = std::min(m.find(' ', i), m.size());
    std::string_view w(m.data() + i, j - i);
    if (!w.empty() && w[0] != '\'' && w[0] != '"' && w.find('/') != std::string_view::npos) {
      size_t b = w.find_first_not_of('(');
      size_t e = w.find_last_not_of(":,;.)") + 1;
      if (b == std::string_view::npos || e <= b) b = e = 0;
      out.append(w.substr(0, b)).append("[path]").append(w.substr(e));
    } else {
      out.append(w);
    }
    if (j < m.size()) out.push_back(' ');
    i = j + 1;
  }
  return out;
}

// What a library error may tell a client. Messages can hold local paths (the
// data directory, model files) and, from an HTTP embedder, the endpoint's
// URL and reply: those are left out, and the full message goes to stderr for
// the operator. Server faults (500) say only that something failed.
[[noreturn]] void ThrowStatus(const Status& s) {
  const int http = HttpStatusFor(s);
  std::string message;
  if (http == 500)
    message = "the server failed (" + std::string(s.CodeName()) + "); the details are in its log";
  else if (s.message().find("endpoint") != std::string::npos)
    message = "the collection's embedding endpoint failed; the details are in the server's log";
  else
    message = WithoutPaths(s.message());
  if (message != s.message()) std::fprintf(stderr, "glassbox serve: %s\n", s.ToString().c_str());
  Throw(http, s.CodeName(), std::move(message));
}

const char* CodeForHttpStatus(int status) {
  switch (status) {
    case 400: return "invalid_argument";
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 408: return "timeout";
    case 409: return "already_exists";
    case 413: return "payload_too_large";
    case 414: return "uri_too_long";
    case 421: return "misdirected";
    case 431: return "headers_too_large";
    case 501: return "not_implemented";
    case 503: return "busy";
    default: return status >= 500 ? "internal" : "error";
  }
}

void SendJson(http::Response& res, int status, const json& j) {
  res.status = status;
  // Strings from a client (an id in a URL, say) need not be UTF-8; never let
  // dumping them throw.
  res.set_content(j.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

void SendError(http::Response& res, int status, const std::string& code, const std::string& message) {
  SendJson(res, status, jo::ErrorToJson(code, message));
}

bool ValidCollectionName(const std::string& n) {
  if (n.empty() || n.size() > 64 || !std::isalnum(static_cast<unsigned char>(n[0]))) return false;
  for (char c : n)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') return false;
  return true;
}

// An --allow-embedder entry, "NAME=SPEC" or "SPEC" (name empty). A spec
// always has a ':' before any '=', so a prefix that is a plain name is one.
std::pair<std::string, std::string> SplitAllowedEmbedder(const std::string& entry) {
  size_t eq = entry.find('=');
  if (eq != std::string::npos && ValidCollectionName(entry.substr(0, eq)))
    return {entry.substr(0, eq), entry.substr(eq + 1)};
  return {"", entry};
}

// ---- request body helpers -------------------------------------------------

json ParseJsonBody(const http::Request& req) {
  if (req.body.empty()) BadRequest("the request body must be a JSON object");
  json j;
  try {
    j = json::parse(req.body);
  } catch (const json::parse_error& e) {
    BadRequest("malformed JSON at byte " + std::to_string(e.byte) + ": " + e.what());
  } catch (const json::exception& e) {  // e.g. out_of_range.406 for 1e309
    BadRequest(std::string("the request body is not usable JSON: ") + e.what());
  }
  if (!j.is_object()) BadRequest("the request body must be a JSON object");
  return j;
}

std::string GetString(const json& j, const std::string& key, bool required, const std::string& def = "") {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (required) BadRequest("missing field \"" + key + "\"");
    return def;
  }
  if (!it->is_string()) BadRequest("field \"" + key + "\" must be a string");
  return it->get<std::string>();
}

size_t GetSize(const json& j, const std::string& key, size_t def) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return def;
  if (!it->is_number_integer() || it->get<int64_t>() < 0)
    BadRequest("field \"" + key + "\" must be a non-negative integer");
  return it->get<size_t>();
}

double GetDouble(const json& j, const std::string& key, double def) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return def;
  if (!it->is_number()) BadRequest("field \"" + key + "\" must be a number");
  return it->get<double>();
}

bool GetBool(const json& j, const std::string& key, bool def) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return def;
  if (!it->is_boolean()) BadRequest("field \"" + key + "\" must be true or false");
  return it->get<bool>();
}

// JSON metadata value -> one or more MetadataValues.
void AddMetadata(const std::string& where, const std::string& key, const json& v, Document* d) {
  if (key == kAclUsersField || key == kAclGroupsField) {
    // Access control fails closed: names only, and at least one of them.
    auto name = [&](const json& x, const std::string& w) {
      if (!x.is_string() || x.get<std::string>().empty())
        BadRequest(w + " must be a non-empty string (a user or group name); got " + x.dump());
      d->metadata.emplace_back(key, MetadataValue::Keyword(x.get<std::string>()));
    };
    if (!v.is_array()) return name(v, where);
    if (v.empty())
      BadRequest(where + " is an empty list, which would make the document visible to everyone; omit the field for "
                         "a public document, or name at least one " +
                 std::string(key == kAclUsersField ? "user" : "group"));
    for (size_t i = 0; i < v.size(); ++i) name(v[i], where + "[" + std::to_string(i) + "]");
    return;
  }
  auto one = [&](const json& x, const std::string& w) {
    if (x.is_number()) {
      d->metadata.emplace_back(key, MetadataValue::Number(x.get<double>(), x.dump()));
    } else if (x.is_boolean()) {
      d->metadata.emplace_back(key, MetadataValue::Keyword(x.get<bool>() ? "true" : "false"));
    } else if (x.is_string()) {
      const std::string s = x.get<std::string>();
      MetadataValue date;
      if (s.size() >= 10 && s[4] == '-' && s[7] == '-' && MetadataValue::ParseDate(s, &date))
        d->metadata.emplace_back(key, date);
      else
        d->metadata.emplace_back(key, MetadataValue::Keyword(s));
    } else {
      BadRequest(w + " must be a string, number, boolean or an array of them");
    }
  };
  if (v.is_array()) {
    for (size_t i = 0; i < v.size(); ++i) one(v[i], where + "[" + std::to_string(i) + "]");
  } else {
    one(v, where);
  }
}

Document ParseDocument(const json& j, const std::string& where) {
  if (!j.is_object()) BadRequest(where + " must be an object");
  Document d;
  auto id = j.find("id");
  if (id == j.end() || !id->is_string() || id->get<std::string>().empty())
    BadRequest(where + ".id must be a non-empty string");
  d.id = id->get<std::string>();
  if (d.id.size() > 1024) BadRequest(where + ".id is longer than 1024 bytes");
  for (const auto& [key, value] : j.items()) {
    if (key == "id") continue;
    if (key == "title" || key == "text") {
      if (!value.is_string()) BadRequest(where + "." + key + " must be a string");
      d.text.emplace_back(key == "text" ? "body" : "title", value.get<std::string>());
    } else if (key == "fields") {
      if (!value.is_object()) BadRequest(where + ".fields must be an object of strings");
      for (const auto& [f, t] : value.items()) {
        if (!t.is_string()) BadRequest(where + ".fields." + f + " must be a string");
        d.text.emplace_back(f, t.get<std::string>());
      }
    } else if (key == "metadata") {
      if (!value.is_object()) BadRequest(where + ".metadata must be an object");
      for (const auto& [m, v] : value.items()) AddMetadata(where + ".metadata." + m, m, v, &d);
    } else {
      BadRequest(where + ": unknown field \"" + key + "\" (expected id, title, text, fields, metadata)");
    }
  }
  // Title first, as the readers store it.
  std::stable_sort(d.text.begin(), d.text.end(),
                   [](const auto& a, const auto& b) { return a.first == "title" && b.first != "title"; });
  return d;
}

// Forwards to a collection, removing a directory prefix from document ids and
// provenance metadata, so that an uploaded file "notes.md" written to a
// temporary directory is indexed as "notes.md", as `glassbox ingest` would.
class PrefixStripping : public Collection {
 public:
  PrefixStripping(Collection& c, std::string prefix) : c_(c), prefix_(std::move(prefix)) {}
  std::string Strip(const std::string& s) const {
    return s.compare(0, prefix_.size(), prefix_) == 0 ? s.substr(prefix_.size()) : s;
  }
  Document Stripped(const Document& doc) const {
    Document d = doc;
    d.id = Strip(d.id);
    for (auto& [k, v] : d.metadata)
      if (k == provenance::kDocId || k == provenance::kSource) v.text = Strip(v.text);
    return d;
  }
  Status Add(const Document& doc) override { return c_.Add(Stripped(doc)); }
  Status Delete(const std::string& id) override { return c_.Delete(Strip(id)); }
  Status Apply(const WriteBatch& batch) override {
    WriteBatch b;
    b.writer = batch.writer;
    for (const auto& id : batch.deletes) b.deletes.push_back(Strip(id));
    for (const auto& id : batch.replace_chunks_of) b.replace_chunks_of.push_back(Strip(id));
    for (const auto& doc : batch.adds) b.adds.push_back(Stripped(doc));
    return c_.Apply(b);
  }
  Status Sync() override { return c_.Sync(); }
  Status Commit() override { return c_.Commit(); }
  Status Merge(size_t m) override { return c_.Merge(m); }
  Status Refresh() override { return c_.Refresh(); }
  Result<SearchResponse> Search(const std::string& q, const SearchOptions& o) const override { return c_.Search(q, o); }
  Result<Explanation> Explain(const std::string& q, const std::string& id, const Principal* p) const override {
    return c_.Explain(q, Strip(id), p);
  }
  Result<WhyNot> WhyNotInTopK(const std::string& q, const std::string& id, size_t k,
                              const Principal* p) const override {
    return c_.WhyNotInTopK(q, Strip(id), k, p);
  }
  Result<Document> Get(const std::string& id, const Principal* p) const override { return c_.Get(Strip(id), p); }
  CollectionStats Stats() const override { return c_.Stats(); }
  const std::string& dir() const override { return c_.dir(); }

 private:
  Collection& c_;
  std::string prefix_;
};

// Collection-wide statistics a non-admin key must not see (they count
// documents it may not see): removed from explanations' term entries.
void RedactStatistics(json& j) {
  if (j.is_array()) {
    for (auto& x : j) RedactStatistics(x);
    return;
  }
  if (!j.is_object()) return;
  for (auto& [key, v] : j.items()) {
    if (key == "terms" && v.is_array()) {
      for (auto& t : v)
        if (t.is_object()) {
          t.erase("df");
          t.erase("doc_count");
          t.erase("avg_doc_length");
        }
    } else {
      RedactStatistics(v);
    }
  }
}

// What a non-admin key may see of a collection: its settings, no counts.
json PublicStats(const CollectionStats& s) {
  return {{"analyzer", s.analyzer}, {"k1", s.k1}, {"b", s.b}, {"embedder", s.embedder}, {"fusion", s.fusion}};
}

// ---- metrics ----------------------------------------------------------------

// "2026-12-02T01:16:04.123Z": when a log line was written.
std::string UtcNow() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  tm t{};
  gmtime_r(&ts.tv_sec, &t);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday,
                t.tm_hour, t.tm_min, t.tm_sec, ts.tv_nsec / 1000000);
  return buf;
}

// CPU time of the calling thread: with the wall time it tells computing from waiting (for a lock, a core, the disk).
double ThreadCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

constexpr double kBuckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
constexpr size_t kNumBuckets = sizeof(kBuckets) / sizeof(kBuckets[0]);

struct Histogram {
  uint64_t buckets[kNumBuckets] = {};
  uint64_t count = 0;
  double sum = 0;
};

class Metrics {
 public:
  void Count(const std::string& route, int status) {
    std::lock_guard<std::mutex> l(mu_);
    ++requests_[{route, status}];
  }
  void Observe(const std::string& route, double seconds) {
    std::lock_guard<std::mutex> l(mu_);
    Histogram& h = latency_[route];
    for (size_t i = 0; i < kNumBuckets; ++i)
      if (seconds <= kBuckets[i]) ++h.buckets[i];
    ++h.count;
    h.sum += seconds;
  }
  std::string Render() {
    std::lock_guard<std::mutex> l(mu_);
    std::ostringstream o;
    o << "# HELP glassbox_requests_total HTTP requests by route and status.\n"
      << "# TYPE glassbox_requests_total counter\n";
    for (const auto& [key, n] : requests_)
      o << "glassbox_requests_total{route=\"" << key.first << "\",status=\"" << key.second << "\"} " << n << "\n";
    o << "# HELP glassbox_request_duration_seconds Time to handle a request, by route.\n"
      << "# TYPE glassbox_request_duration_seconds histogram\n";
    for (const auto& [route, h] : latency_) {
      for (size_t i = 0; i < kNumBuckets; ++i)
        o << "glassbox_request_duration_seconds_bucket{route=\"" << route << "\",le=\"" << kBuckets[i] << "\"} "
          << h.buckets[i] << "\n";
      o << "glassbox_request_duration_seconds_bucket{route=\"" << route << "\",le=\"+Inf\"} " << h.count << "\n";
      o << "glassbox_request_duration_seconds_sum{route=\"" << route << "\"} " << h.sum << "\n";
      o << "glassbox_request_duration_seconds_count{route=\"" << route << "\"} " << h.count << "\n";
    }
    return o.str();
  }

 private:
  std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::map<std::string, Histogram> latency_;
};

// The model (a file or an endpoint) is the operator's (serve --llm-gguf / --llm-url), never a request's: a body
// naming it would let any key make the server open any file or call any URL.
void RefuseModelFields(const json& j) {
  for (const char* f : {"llm_url", "llm_gguf", "llm_model", "llm_threads"})
    if (j.contains(f)) BadRequest(std::string("\"") + f + "\" is set by the server's operator, not by a request");
}
void UseOperatorModel(const ServerOptions& opts, AskOptions* o) {
  o->llm_gguf = opts.llm_gguf;
  o->llm_url = opts.llm_url;
  if (!opts.llm_model.empty()) o->llm_model = opts.llm_model;
  o->llm_threads = opts.llm_threads;
}

}  // namespace

// ---- the server ---------------------------------------------------------------

struct Server::Impl {
  explicit Impl(ServerOptions o) : opts(std::move(o)) {}

  ServerOptions opts;
  std::unique_ptr<http::Server> http;
  std::unique_ptr<KeyStore> keys;
  Metrics metrics;

  // An open collection, shared by all requests. `life` is held shared while a
  // request uses `c` and exclusively to close it; `write` serializes writers.
  struct Entry {
    std::unique_ptr<Collection> c;
    std::shared_mutex life;
    std::mutex write;
  };
  std::mutex map_mu;
  std::map<std::string, std::shared_ptr<Entry>> open;

  // Who is calling, and on whose behalf documents are filtered.
  struct Caller {
    std::optional<ApiKey> key;
    std::optional<Principal> principal;
    const Principal* p() const { return principal ? &*principal : nullptr; }
  };

  std::string Dir(const std::string& name) const { return opts.data_dir + "/" + name; }

  // The embedder spec a create-collection request may use: "none", "static",
  // or an entry of opts.allowed_embedders named by its NAME or its SPEC.
  // Anything else is refused before it is opened or contacted, with an
  // answer that does not depend on the value (so it tells nothing about it).
  std::string AllowedEmbedder(const std::string& requested) const {
    if (requested == "none" || requested == "static") return requested;
    std::string names;
    for (const auto& entry : opts.allowed_embedders) {
      auto [entry_name, spec] = SplitAllowedEmbedder(entry);
      if (requested == spec || (!entry_name.empty() && requested == entry_name)) return spec;
      if (!entry_name.empty()) names += ", \"" + entry_name + "\"";
    }
    BadRequest("field \"embedder\" must be \"none\", \"static\"" +
               (names.empty() ? std::string() : " or an embedder this server allows (" + names.substr(2) + ")") +
               "; other models and endpoints must be allowed by the server's operator "
               "(glassbox serve --allow-embedder)");
  }

  // The caller's key (keys must be configured); 401 if missing or invalid.
  ApiKey AuthenticateKey(const http::Request& req) {
    std::string h = req.get_header_value("Authorization");
    const std::string prefix = "Bearer ";
    if (h.compare(0, prefix.size(), prefix) != 0)
      Throw(401, "unauthorized", "this server needs an API key: send the header Authorization: Bearer KEY");
    auto key = keys->Authenticate(h.substr(prefix.size()));
    if (!key) Throw(401, "unauthorized", "the API key is not valid (unknown, malformed or revoked)");
    return *key;
  }

  // Whether the caller may see collection-wide counts (documents, df, ...).
  bool SeesStatistics(const Caller& c) const { return !keys || (c.key && c.key->role == Role::kAdmin); }

  Caller Authorize(const http::Request& req, Role need, const std::string& collection) {
    Caller caller;
    if (!keys) return caller;
    std::optional<ApiKey> key = AuthenticateKey(req);
    if (key->role < need)
      Throw(403, "forbidden", "key '" + key->name + "' has role " + RoleName(key->role) + "; this needs " +
                                  RoleName(need));
    if (!collection.empty() && !key->AllowsCollection(collection))
      Throw(403, "forbidden", "key '" + key->name + "' may not use collection '" + collection + "'");
    caller.principal = Principal{key->user, key->groups};
    caller.key = std::move(key);
    return caller;
  }

  std::shared_ptr<Entry> Find(const std::string& name) {
    if (!ValidCollectionName(name)) BadRequest("invalid collection name '" + name + "'");
    std::lock_guard<std::mutex> l(map_mu);
    auto it = open.find(name);
    if (it != open.end()) return it->second;
    if (!fs::exists(Dir(name) + "/MANIFEST")) Throw(404, "not_found", "no collection named '" + name + "'");
    auto c = Collection::Open(Dir(name), false);
    if (!c.ok()) ThrowStatus(c.status());
    auto e = std::make_shared<Entry>();
    e->c = std::move(c.value());
    open[name] = e;
    return e;
  }

  // Runs fn(collection) with the collection kept open.
  template <typename F>
  void With(const std::string& name, F&& fn) {
    auto e = Find(name);
    std::shared_lock<std::shared_mutex> l(e->life);
    if (!e->c) Throw(404, "not_found", "no collection named '" + name + "'");
    fn(*e->c, *e);
  }

  std::vector<std::string> CollectionNames() {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& de : fs::directory_iterator(opts.data_dir, ec)) {
      std::string n = de.path().filename().string();
      if (ValidCollectionName(n) && fs::exists(de.path() / "MANIFEST")) names.push_back(n);
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  // ---- handlers ---------------------------------------------------------------

  void ListCollections(const http::Request& req, http::Response& res) {
    Caller caller = Authorize(req, Role::kReader, "");
    json out = json::array();
    for (const auto& name : CollectionNames()) {
      if (caller.key && !caller.key->AllowsCollection(name)) continue;
      try {
        With(name, [&](Collection& c, Entry&) {
          json j = SeesStatistics(caller) ? jo::StatsToJson(c.Stats()) : PublicStats(c.Stats());
          j["name"] = name;
          out.push_back(j);
        });
      } catch (const ApiError&) {
        out.push_back({{"name", name}, {"error", "cannot be opened"}});
      }
    }
    SendJson(res, 200, {{"collections", out}});
  }

  void CreateCollection(const http::Request& req, http::Response& res) {
    Caller caller = Authorize(req, Role::kAdmin, "");  // the key before the body is read
    json j = ParseJsonBody(req);
    std::string name = GetString(j, "name", true);
    if (!ValidCollectionName(name))
      BadRequest("field \"name\": a collection name is 1-64 letters, digits, '_', '-' or '.', starting with a letter or digit");
    if (caller.key && !caller.key->AllowsCollection(name))
      Throw(403, "forbidden", "key '" + caller.key->name + "' may not use collection '" + name + "'");
    CollectionOptions o;
    o.analyzer = GetString(j, "analyzer", false, o.analyzer);
    o.embedder = AllowedEmbedder(GetString(j, "embedder", false, o.embedder));
    o.k1 = GetDouble(j, "k1", o.k1);
    o.b = GetDouble(j, "b", o.b);
    o.min_similarity = GetDouble(j, "min_similarity", o.min_similarity);
    for (const auto& [key, v] : j.items())
      if (key != "name" && key != "analyzer" && key != "embedder" && key != "k1" && key != "b" && key != "min_similarity")
        BadRequest("unknown field \"" + key + "\" (expected name, analyzer, embedder, k1, b, min_similarity)");
    std::lock_guard<std::mutex> l(map_mu);
    if (open.count(name) || fs::exists(Dir(name)))
      Throw(409, "already_exists", "a collection named '" + name + "' exists");
    auto c = Collection::Create(Dir(name), o);
    if (!c.ok()) {
      std::error_code ec;
      if (!fs::exists(Dir(name) + "/MANIFEST")) fs::remove_all(Dir(name), ec);
      ThrowStatus(c.status());
    }
    auto e = std::make_shared<Entry>();
    e->c = std::move(c.value());
    CollectionStats st = e->c->Stats();
    open[name] = e;
    SendJson(res, 201, {{"created", name}, {"analyzer", st.analyzer}, {"embedder", st.embedder}});
  }

  void DropCollection(const http::Request& req, http::Response& res, const std::string& name) {
    Authorize(req, Role::kAdmin, name);
    auto e = Find(name);
    std::lock_guard<std::mutex> l(map_mu);
    open.erase(name);
    {
      std::unique_lock<std::shared_mutex> life(e->life);
      std::lock_guard<std::mutex> w(e->write);
      e->c.reset();
    }
    std::error_code ec;
    fs::remove_all(Dir(name), ec);
    if (ec) {
      std::fprintf(stderr, "glassbox serve: cannot remove %s: %s\n", Dir(name).c_str(), ec.message().c_str());
      Throw(500, "io_error", "cannot remove the files of collection '" + name + "'; the details are in the server's log");
    }
    SendJson(res, 200, {{"deleted", name}});
  }

  void AddDocuments(const http::Request& req, http::Response& res, const std::string& name) {
    Caller caller = Authorize(req, Role::kWriter, name);
    if (req.is_multipart_form_data()) return Upload(req, res, name, caller);
    json j = ParseJsonBody(req);
    auto it = j.find("documents");
    if (it == j.end()) BadRequest("missing field \"documents\"");
    if (!it->is_array()) BadRequest("field \"documents\" must be an array");
    std::vector<Document> docs;
    for (size_t i = 0; i < it->size(); ++i) docs.push_back(ParseDocument((*it)[i], "documents[" + std::to_string(i) + "]"));
    With(name, [&](Collection& c, Entry& e) {
      std::lock_guard<std::mutex> w(e.write);
      // One batch: validated whole, and checked against what this key may
      // see, before anything is buffered.
      WriteBatch batch;
      batch.writer = caller.p();
      batch.adds = std::move(docs);
      Status s = c.Apply(batch);
      if (!s.ok()) ThrowStatus(s);
      s = c.Commit();
      if (!s.ok()) ThrowStatus(s);
      json ids = json::array();
      for (const auto& d : batch.adds) ids.push_back(d.id);
      SendJson(res, 200, {{"added", batch.adds.size()}, {"ids", ids}});
    });
  }

  // An upload is one request, so it is all-or-nothing: every file must be
  // read and validated before any of it is written.
  void Upload(const http::Request& req, http::Response& res, const std::string& name, const Caller& caller) {
    auto range = req.files.equal_range("file");
    if (range.first == range.second) BadRequest("multipart upload needs one or more parts named \"file\"");
    std::string tmpl = (fs::temp_directory_path() / "glassbox-upload-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) Throw(500, "io_error", "cannot create a temporary directory");
    const std::string tmp = tmpl;
    struct Cleanup {
      std::string dir;
      ~Cleanup() {
        std::error_code ec;
        fs::remove_all(dir, ec);
      }
    } cleanup{tmp};
    IngestOptions io;
    io.writer = caller.principal;
    io.all_or_nothing = true;
    std::set<std::string> names;
    size_t n = 0;
    for (auto f = range.first; f != range.second; ++f, ++n) {
      std::string fname = fs::path(f->second.filename).filename().string();
      std::replace(fname.begin(), fname.end(), '\\', '_');
      if (fname.empty() || fname == "." || fname == "..") fname = "upload-" + std::to_string(n);
      if (fname.size() > 255)  // NAME_MAX: the file could not be written under this name
        BadRequest("the uploaded file name '" + fname.substr(0, 64) + "...' is longer than 255 bytes; nothing was written");
      if (!names.insert(fname).second)
        BadRequest("two uploaded files are named '" + fname + "'; nothing was written");
      std::ofstream out(tmp + "/" + fname, std::ios::binary);
      out.write(f->second.content.data(), static_cast<std::streamsize>(f->second.content.size()));
      if (!out) Throw(500, "io_error", "cannot write the uploaded file " + fname);
      io.paths.push_back(tmp + "/" + fname);
    }
    With(name, [&](Collection& c, Entry& e) {
      std::lock_guard<std::mutex> w(e.write);
      PrefixStripping proxy(c, tmp + "/");
      IngestReport r;
      if (!io.paths.empty()) {
        auto rep = Ingest(proxy, io);
        if (!rep.ok()) ThrowStatus(rep.status());
        r = std::move(rep.value());
      }
      for (auto& err : r.errors) err.path = proxy.Strip(err.path);
      if (!r.written) {
        json out = jo::IngestReportToJson(r);
        json err = jo::ErrorToJson("invalid_argument", std::to_string(r.files_failed) + " of " +
                                                           std::to_string(r.files_seen) +
                                                           " uploaded files failed; nothing was written");
        for (const auto& [k, v] : err.items()) out[k] = v;
        SendJson(res, 400, out);
        return;
      }
      SendJson(res, 200, jo::IngestReportToJson(r));
    });
  }

  void GetDocument(const http::Request& req, http::Response& res, const std::string& name,
                   const std::string& id) {
    Caller caller = Authorize(req, Role::kReader, name);
    const std::string chunks = req.get_param_value("chunks");
    const bool want_chunks = chunks == "1" || chunks == "true";
    With(name, [&](Collection& c, Entry&) {
      if (!want_chunks) {
        auto d = c.Get(id, caller.p());
        if (!d.ok()) ThrowStatus(d.status());
        SendJson(res, 200, jo::DocumentToJson(*d));
        return;
      }
      std::string quoted;
      for (char ch : id) {
        if (ch == '"' || ch == '\\') quoted.push_back('\\');
        quoted.push_back(ch);
      }
      SearchOptions o;
      o.k = 10000;  // the most the engine returns at once
      o.mode = SearchMode::kBm25;
      o.with_snippet = false;
      o.principal = caller.principal;
      auto r = c.Search(std::string(provenance::kDocId) + ":\"" + quoted + "\"", o);
      if (!r.ok()) ThrowStatus(r.status());
      auto chunk_of = [](const Hit& h) {
        for (const auto& [k, v] : h.metadata)
          if (k == provenance::kChunk) return v.number;
        return 0.0;
      };
      std::vector<const Hit*> hits;
      for (const auto& h : r->hits) hits.push_back(&h);
      std::stable_sort(hits.begin(), hits.end(), [&](const Hit* a, const Hit* b) { return chunk_of(*a) < chunk_of(*b); });
      if (hits.empty()) Throw(404, "not_found", "no chunks of a document with id '" + id + "'");
      json out = json::array();
      for (const Hit* h : hits) {
        Document d{h->id, h->text, h->metadata};
        out.push_back(jo::DocumentToJson(d));
      }
      SendJson(res, 200, {{"id", id}, {"chunks", out}});
    });
  }

  // The page view (docs/server.md): page `page` of the PDF or image a
  // document (or chunk) `id` was read from, as an image, from the
  // collection's copy of the file. A caller who may not see the document
  // gets the same 404 as GET of the document.
  void PageView(const http::Request& req, http::Response& res, const std::string& name) {
    Caller caller = Authorize(req, Role::kReader, name);
    const std::string id = req.get_param_value("id");
    if (id.empty()) BadRequest("the page view needs ?id=<document or chunk id>&page=<number>");
    const std::string page_text = req.get_param_value("page");
    char* end = nullptr;
    const long page = page_text.empty() ? 1 : std::strtol(page_text.c_str(), &end, 10);
    if (!page_text.empty() && (*end != '\0' || page < 1 || page > 1000000))
      BadRequest("page must be a page number from 1, not '" + page_text + "'");
    const std::string dpi_text = req.get_param_value("dpi");
    const long dpi = dpi_text.empty() ? 110 : std::strtol(dpi_text.c_str(), &end, 10);
    if (!dpi_text.empty() && (*end != '\0' || dpi < 36 || dpi > 300)) BadRequest("dpi must be from 36 to 300");
    With(name, [&](Collection& c, Entry&) {
      std::string original;
      if (auto d = c.Get(id, caller.p()); d.ok()) {
        if (const MetadataValue* v = d->Meta(ingest::kOriginalField)) original = v->text;
      } else {
        std::string quoted;
        for (char ch : id) {
          if (ch == '"' || ch == '\\') quoted.push_back('\\');
          quoted.push_back(ch);
        }
        SearchOptions o;
        o.k = 1;
        o.mode = SearchMode::kBm25;
        o.with_snippet = false;
        o.principal = caller.principal;
        auto r = c.Search(std::string(provenance::kDocId) + ":\"" + quoted + "\"", o);
        if (!r.ok()) ThrowStatus(r.status());
        if (r->hits.empty()) Throw(404, "not_found", "no document with id '" + id + "'");
        for (const auto& [k, v] : r->hits[0].metadata)
          if (k == ingest::kOriginalField) original = v.text;
      }
      if (original.empty())
        Throw(404, "not_found", "document '" + id + "' has no page view (only PDFs and images ingested from files have one)");
      auto bytes = ingest::LoadOriginal(c.dir(), original);
      if (!bytes.ok() && bytes.status().code() != Status::Code::kInvalidArgument)
        Throw(410, "gone", "document '" + id + "': " + bytes.status().message() + "; ingest the file again");
      if (!bytes.ok()) ThrowStatus(bytes.status());
      auto img = ingest::RenderPage(*bytes, page, static_cast<int>(dpi));
      if (!img.ok()) ThrowStatus(img.status());
      res.set_header("Cache-Control", "private, max-age=3600");
      res.set_content(std::move(img->bytes), img->content_type);
    });
  }

  void DeleteDocument(const http::Request& req, http::Response& res, const std::string& name,
                      const std::string& id) {
    Caller caller = Authorize(req, Role::kWriter, name);
    With(name, [&](Collection& c, Entry& e) {
      std::lock_guard<std::mutex> w(e.write);
      if (caller.principal) {
        auto d = c.Get(id, caller.p());
        if (!d.ok()) ThrowStatus(d.status());
      }
      Status s = c.Delete(id);
      if (!s.ok()) ThrowStatus(s);
      s = c.Commit();
      if (!s.ok()) ThrowStatus(s);
      // Best effort: the deletion is committed (a retry would get 404); a failure here is logged.
      if (auto removed = RemoveUnreferencedOriginals(c); !removed.ok())
        std::fprintf(stderr, "delete %s: committed; stale copies of originals not removed: %s\n", id.c_str(),
                     removed.status().message().c_str());
      SendJson(res, 200, {{"deleted", id}});
    });
  }

  // The "query" field of a search or explain body, within --max-query.
  std::string QueryField(const json& j) const {
    std::string query = GetString(j, "query", true);
    if (query.size() > opts.max_query_bytes)
      BadRequest("field \"query\" is " + std::to_string(query.size()) + " bytes; the limit is " +
                 std::to_string(opts.max_query_bytes));
    return query;
  }

  // The search options of a request body: every field but `skip` is an
  // option of the one table (glassbox/request.h), then the server's limits,
  // its time budget and the caller's principal apply.
  SearchOptions SearchOptionsFromBody(const json& j, const Caller& caller, const std::set<std::string>& skip) {
    SearchOptions o;
    for (const auto& [key, v] : j.items()) {
      if (skip.count(key) || v.is_null()) continue;
      std::string text;
      if (v.is_string()) {
        text = v.get<std::string>();
      } else if (v.is_boolean()) {
        text = v.get<bool>() ? "true" : "false";
      } else if (v.is_number()) {
        text = v.dump();
      } else if (key == "weights" && v.is_array()) {  // [bm25, vector]
        for (const auto& x : v) {
          if (!x.is_number()) BadRequest("field \"weights\" must be [bm25_weight, vector_weight] or {\"bm25\": W, ...}");
          text += (text.empty() ? "" : ",") + x.dump();
        }
      } else if (key == "weights" && v.is_object()) {  // {"bm25": W, "vector": W}
        for (const auto& [r, x] : v.items()) {
          if (!x.is_number()) BadRequest("field \"weights\": the weight of \"" + r + "\" must be a number");
          text += (text.empty() ? "" : ",") + r + "=" + x.dump();
        }
      } else if (key == "feedback" && v.is_object()) {  // {"docs": 10, "terms": 10, "weight": 0.5}
        for (const auto& [name, x] : v.items()) {
          if (!x.is_number()) BadRequest("field \"feedback\": \"" + name + "\" must be a number");
          text += (text.empty() ? "" : ",") + name + "=" + x.dump();
        }
      } else if (key == "facets" && v.is_array()) {  // ["dept", "supplier"]
        for (const auto& x : v) {
          if (!x.is_string()) BadRequest("field \"facets\" must be a list of field names");
          text += (text.empty() ? "" : ",") + x.get<std::string>();
        }
      } else {
        BadRequest("field \"" + key + "\" must be a string, number or boolean");
      }
      Status st = SetSearchOption(&o, key, text);
      if (!st.ok()) BadRequest(st.message());
    }
    if (o.k > opts.max_k) BadRequest("field \"k\" must be at most " + std::to_string(opts.max_k));
    if (o.k + o.offset > opts.max_k)
      BadRequest("fields \"k\" + \"offset\" must be at most " + std::to_string(opts.max_k));
    if (o.candidates > 10 * opts.max_k)
      BadRequest("field \"candidates\" must be between 1 and " + std::to_string(10 * opts.max_k));
    if (Status st = ValidateSearchOptions(o); !st.ok()) BadRequest(st.message());
    // The server's budget caps the request's own.
    if (opts.query_timeout_ms > 0 &&
        (o.time_budget.count() == 0 || o.time_budget.count() > opts.query_timeout_ms))
      o.time_budget = std::chrono::milliseconds(opts.query_timeout_ms);
    o.principal = caller.principal;
    if (opts.principal_statistics && caller.principal) o.principal_statistics = true;
    return o;
  }

  void Search(const http::Request& req, http::Response& res, const std::string& name) {
    Caller caller = Authorize(req, Role::kReader, name);
    json j = ParseJsonBody(req);
    const std::string query = QueryField(j);
    SearchOptions o = SearchOptionsFromBody(j, caller, {"query"});
    With(name, [&](Collection& c, Entry&) {
      auto r = c.Search(query, o);
      if (!r.ok()) ThrowStatus(r.status());
      if (opts.slow_log_ms > 0) {
        char note[64];
        std::snprintf(note, sizeof note, ", search %.1f ms, query ", r->took_ms);
        res.log_note = note + json(query).dump(-1, ' ', false, json::error_handler_t::replace);
      }
      json out = jo::SearchResponseToJson(*r);
      if (!SeesStatistics(caller) && !o.principal_statistics) RedactStatistics(out);
      SendJson(res, 200, out);
    });
  }

  // POST /v1/collections/{c}/ask: {"question", answer options, search options, "stream"?}.
  void AskQuestion(const http::Request& req, http::Response& res, const std::string& name) {
    Caller caller = Authorize(req, Role::kReader, name);
    json j = ParseJsonBody(req);
    const std::string question = GetString(j, "question", true);
    if (question.size() > opts.max_query_bytes)
      BadRequest("field \"question\" is " + std::to_string(question.size()) + " bytes; the limit is " +
                 std::to_string(opts.max_query_bytes));
    const bool stream = j.contains("stream") && j["stream"].is_boolean() && j["stream"].get<bool>();
    std::set<std::string> skip = {"question", "stream"};
    AskOptions o;
    for (const auto& spec : AskOptionSpecs()) {
      skip.insert(spec.name);
      if (!j.contains(spec.name) || j[spec.name].is_null()) continue;
      const json& v = j[spec.name];
      Status st = SetAskOption(&o, spec.name, v.is_string() ? v.get<std::string>() : v.dump());
      if (!st.ok()) BadRequest(st.message());
    }
    const bool generation = !opts.llm_gguf.empty() || !opts.llm_url.empty();
    if (!generation && (o.mode == AnswerMode::kGenerative || !o.llm_url.empty() || !o.llm_gguf.empty()))
      BadRequest("answer_mode generative is not enabled on this server (use extractive or faq)");
    if (!generation && o.sql_mode != "deterministic")
      BadRequest("sql_mode " + o.sql_mode + " needs a model, and none is enabled on this server (serve --llm-url or --llm-gguf)");
    RefuseModelFields(j);
    if (o.mode == AnswerMode::kGenerative || o.sql_mode != "deterministic") UseOperatorModel(opts, &o);
    o.search = SearchOptionsFromBody(j, caller, skip);
    if (Status st = ValidateAskOptions(o); !st.ok()) BadRequest(st.message());
    const bool redact = !SeesStatistics(caller) && !o.search.principal_statistics;
    // Scores' breakdowns and term weights reveal statistics of documents the key may not see.
    auto redacted = [redact](json out) {
      if (!redact) return out;
      for (auto& p : out["passages"]) p["why"] = "";
      for (auto& t : out["trace"])
        if (t["step"] == "question" || t["step"] == "passage") {
          std::string d = t["detail"].get<std::string>();
          t["detail"] = d.substr(0, d.find(t["step"] == "question" ? "; weighted" : ":"));
        }
      return out;
    };
    if (!stream) {
      With(name, [&](Collection& c, Entry&) {
        auto r = Ask(c, question, o);
        if (!r.ok()) ThrowStatus(r.status());
        SendJson(res, 200, redacted(answer::AnswerToJson(*r)));
      });
      return;
    }
    // Server-Sent Events, each written as its stage completes (chunked): retrieval (the numbered passages),
    // token (generated text, as it comes), answer, citations, done; or error. Errors before the first event
    // are ordinary JSON errors.
    const auto t0 = std::chrono::steady_clock::now();
    bool gone = false, sent_retrieval = false;
    auto event = [&](const std::string& type, const json& data) {
      if (gone) return false;
      if (!res.streamed) {
        res.status = 200;
        res.set_header("Content-Type", "text/event-stream; charset=utf-8");
        res.set_header("Cache-Control", "no-cache");
        res.set_header("X-Accel-Buffering", "no");
      }
      gone = !res.Write("event: " + type + "\ndata: " + data.dump(-1, ' ', false, json::error_handler_t::replace) + "\n\n");
      return !gone;
    };
    o.on_retrieved = [&](const std::vector<AnswerPassage>& passages) {
      Answer a;
      a.passages = passages;
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      event("retrieval", {{"passages", redacted(answer::AnswerToJson(a))["passages"]}, {"retrieve_ms", ms}});
      sent_retrieval = true;
    };
    o.on_token = [&](std::string_view piece) { return event("token", {{"text", piece}}); };  // false: client gone
    With(name, [&](Collection& c, Entry&) {
      auto r = Ask(c, question, o);
      if (!r.ok()) {
        if (!res.streamed) ThrowStatus(r.status());
        try {
          ThrowStatus(r.status());
        } catch (const ApiError& e) {
          event("error", {{"error", {{"code", e.code}, {"message", e.message}, {"status", e.status}}}});
        }
        return;
      }
      json out = redacted(answer::AnswerToJson(*r));
      if (!sent_retrieval) event("retrieval", {{"passages", out["passages"]}, {"retrieve_ms", r->timings.retrieve_ms}});
      json answer = {{"status", out["status"]}, {"answer", out["answer"]}, {"confidence", out["confidence"]},
                     {"verified", out["verified"]}, {"trace", out["trace"]}, {"route", out["route"]}};
      for (const char* k : {"table", "steps", "faq_id"})
        if (out.contains(k)) answer[k] = out[k];
      event("answer", answer);
      event("citations", {{"citations", out["citations"]}, {"verified", out["verified"]}});
      json done = {{"timings_ms", out["timings_ms"]}};
      if (out.contains("generation")) done["generation"] = out["generation"];
      event("done", done);
    });
  }

  // POST /v1/collections/{c}/sql {"question", "today"?, "max_rows"?, "ask_back"?}: the
  // collection's tables answer (src/table/nl2sql.h). Table rows carry no
  // access-control fields, so a key restricted to a principal is refused.
  void Sql(const http::Request& req, http::Response& res, const std::string& name) {
    Caller caller = Authorize(req, Role::kReader, name);
    if (caller.principal) Throw(403, "forbidden", "tables have no per-row access control; this key is restricted to a principal");
    json j = ParseJsonBody(req);
    const std::string question = GetString(j, "question", true);
    table::AnswerOptions o;
    o.today = GetString(j, "today", false);
    if (j.contains("max_rows")) {
      if (!j["max_rows"].is_number_unsigned() || j["max_rows"].get<size_t>() == 0 || j["max_rows"].get<size_t>() > 10000)
        BadRequest("field \"max_rows\" must be between 1 and 10000");
      o.limits.max_rows = j["max_rows"].get<size_t>();
    }
    if (j.contains("ask_back") && !j["ask_back"].is_null()) {
      if (!j["ask_back"].is_boolean()) BadRequest("field \"ask_back\" must be true or false");
      o.allow_ask_back = j["ask_back"].get<bool>();
    }
    // sql_mode llm / llm-fallback: the operator's model (serve --llm-url / --llm-gguf), as for /ask.
    if (j.contains("sql_mode") && !j["sql_mode"].is_null()) {
      AskOptions ask;
      if (!j["sql_mode"].is_string()) BadRequest("field \"sql_mode\" must be a string");
      if (Status st = SetAskOption(&ask, "sql_mode", j["sql_mode"].get<std::string>()); !st.ok()) BadRequest(st.message());
      RefuseModelFields(j);
      if (ask.sql_mode != "deterministic") {
        if (opts.llm_gguf.empty() && opts.llm_url.empty())
          BadRequest("sql_mode " + ask.sql_mode + " needs a model, and none is enabled on this server (serve --llm-url or --llm-gguf)");
        UseOperatorModel(opts, &ask);
        if (j.contains("llm_timeout") && !j["llm_timeout"].is_null())
          if (Status st = SetAskOption(&ask, "llm_timeout", j["llm_timeout"].dump()); !st.ok()) BadRequest(st.message());
      }
      const std::string today = o.today;
      answer::TableOptionsFrom(ask, &o);
      o.today = today;
    }
    With(name, [&](Collection& c, Entry&) {
      auto a = table::AnswerQuestion(c.dir(), question, o);
      if (!a.ok()) ThrowStatus(a.status());
      SendJson(res, 200, table::AnswerToJson(*a));
    });
  }

  void ExplainDoc(const http::Request& req, http::Response& res, const std::string& name) {
    Caller caller = Authorize(req, Role::kReader, name);
    json j = ParseJsonBody(req);
    const std::string query = QueryField(j);
    const std::string id = GetString(j, "id", true);
    // The same options as the search whose ranking is explained (k + offset is the cutoff).
    SearchOptions o = SearchOptionsFromBody(j, caller, {"query", "id"});
    if (o.k == 0) BadRequest("field \"k\" must be between 1 and " + std::to_string(opts.max_k));
    With(name, [&](Collection& c, Entry&) {
      // One call: the ranking the search produced and the BM25 breakdown, both
      // under the request's options and its one time budget.
      auto w = c.WhyNotInResults(query, o, id);
      if (!w.ok()) ThrowStatus(w.status());
      if (w->reason == WhyNot::Reason::kNoSuchDocument) Throw(404, "not_found", w->message);
      const Explanation e = w->bm25.value_or(Explanation());
      json out = jo::ExplainToJson(id, e, *w);
      if (!SeesStatistics(caller) && !o.principal_statistics) RedactStatistics(out);
      SendJson(res, 200, out);
    });
  }

  void Stats(const http::Request& req, http::Response& res, const std::string& name) {
    Caller caller = Authorize(req, Role::kReader, name);
    With(name, [&](Collection& c, Entry&) {
      json j = SeesStatistics(caller) ? jo::StatsToJson(c.Stats()) : PublicStats(c.Stats());
      j["name"] = name;
      SendJson(res, 200, j);
    });
  }

  void MetricsPage(http::Response& res) {
    std::string text = metrics.Render();
    std::ostringstream o;
    o << "# HELP glassbox_collection_documents Live documents per collection.\n"
      << "# TYPE glassbox_collection_documents gauge\n";
    std::ostringstream bytes;
    bytes << "# HELP glassbox_collection_index_bytes Bytes on disk per collection.\n"
          << "# TYPE glassbox_collection_index_bytes gauge\n";
    for (const auto& name : CollectionNames()) {
      try {
        With(name, [&](Collection& c, Entry&) {
          CollectionStats s = c.Stats();
          o << "glassbox_collection_documents{collection=\"" << name << "\"} " << s.documents << "\n";
          bytes << "glassbox_collection_index_bytes{collection=\"" << name << "\"} " << s.index_bytes << "\n";
        });
      } catch (const ApiError&) {
      }
    }
    res.status = 200;
    res.set_content(text + o.str() + bytes.str(), "text/plain; version=0.0.4");
  }

  // ---- routing ----------------------------------------------------------------

  using Fn = std::function<void(const http::Request&, http::Response&)>;
  http::Server::Handler Wrap(std::string route, Fn fn) {
    return [this, route = std::move(route), fn = std::move(fn)](http::Request& req, http::Response& res) {
      auto t0 = std::chrono::steady_clock::now();
      const double cpu0 = opts.slow_log_ms > 0 ? ThreadCpuMs() : 0;
      try {
        fn(req, res);
      } catch (const ApiError& e) {
        SendError(res, e.status, e.code, e.message);
      } catch (const std::exception& e) {
        // The detail may name local paths: the log gets it, the client does not.
        std::fprintf(stderr, "glassbox serve: internal error on %s %s: %s\n", req.method.c_str(), req.path.c_str(),
                     e.what());
        SendError(res, 500, "internal", "internal error (see the server's log)");
      }
      AddCorsHeaders(req, res);
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      metrics.Count(route, res.status);
      metrics.Observe(route, seconds);
      if (opts.slow_log_ms > 0 && seconds * 1000 >= opts.slow_log_ms)
        std::fprintf(stderr, "glassbox serve: %s slow request: %s %s %d %.1f ms (waited %.1f ms for a worker, on a CPU %.1f ms%s)\n",
                     UtcNow().c_str(), req.method.c_str(), req.path.c_str(), res.status, seconds * 1000,
                     req.queued == std::chrono::steady_clock::time_point{}
                         ? 0.0
                         : std::chrono::duration<double, std::milli>(t0 - req.queued).count(),
                     ThreadCpuMs() - cpu0, res.log_note.c_str());
    };
  }

  void Routes() {
    const std::string kName = "([A-Za-z0-9][A-Za-z0-9_.-]*)";
    http::Server& h = *http;
    h.Route("GET", "/health", Wrap("health", [](auto&, auto& res) { SendJson(res, 200, {{"status", "ok"}}); }));
    h.Route("GET", "/metrics", Wrap("metrics", [this](auto& req, auto& res) {
              // Collection names and sizes are not for everyone.
              if (keys) Authorize(req, Role::kAdmin, "");
              MetricsPage(res);
            }));
    h.Route("GET", "/openapi.json", Wrap("openapi", [](auto&, auto& res) {
              res.set_content(OpenApiJson(), "application/json");
            }));
    h.Route("GET", "/v1/collections",
            Wrap("list_collections", [this](auto& req, auto& res) { ListCollections(req, res); }));
    h.Route("POST", "/v1/collections",
            Wrap("create_collection", [this](auto& req, auto& res) { CreateCollection(req, res); }));
    h.Route("DELETE", "/v1/collections/" + kName,
            Wrap("drop_collection", [this](auto& req, auto& res) { DropCollection(req, res, req.matches[1]); }));
    h.Route("POST", "/v1/collections/" + kName + "/documents",
            Wrap("add_documents", [this](auto& req, auto& res) { AddDocuments(req, res, req.matches[1]); }));
    h.Route("GET", "/v1/collections/" + kName + "/documents/(.+)", Wrap("get_document", [this](auto& req, auto& res) {
              GetDocument(req, res, req.matches[1], req.matches[2]);
            }));
    h.Route("GET", "/v1/collections/" + kName + "/page",
            Wrap("page_view", [this](auto& req, auto& res) { PageView(req, res, req.matches[1]); }));
    h.Route("DELETE", "/v1/collections/" + kName + "/documents/(.+)",
            Wrap("delete_document",
                 [this](auto& req, auto& res) { DeleteDocument(req, res, req.matches[1], req.matches[2]); }));
    h.Route("POST", "/v1/collections/" + kName + "/search",
            Wrap("search", [this](auto& req, auto& res) { Search(req, res, req.matches[1]); }));
    h.Route("POST", "/v1/collections/" + kName + "/ask",
            Wrap("ask", [this](auto& req, auto& res) { AskQuestion(req, res, req.matches[1]); }));
    h.Route("POST", "/v1/collections/" + kName + "/explain",
            Wrap("explain", [this](auto& req, auto& res) { ExplainDoc(req, res, req.matches[1]); }));
    h.Route("POST", "/v1/collections/" + kName + "/sql",
            Wrap("sql", [this](auto& req, auto& res) { Sql(req, res, req.matches[1]); }));
    h.Route("GET", "/v1/collections/" + kName + "/stats",
            Wrap("stats", [this](auto& req, auto& res) { Stats(req, res, req.matches[1]); }));

    // The web page (src/server/web, embedded at build time by scripts/embed-web.py).
    // Whole assets only: Range requests are ignored, so a request cannot
    // multiply the bytes it gets back.
    auto asset = [](const std::string& path) -> const WebAsset* {
      for (unsigned long i = 0; i < kWebAssetCount; ++i)
        if (path == kWebAssets[i].path) return &kWebAssets[i];
      return nullptr;
    };
    h.Route("GET", "/", [asset](http::Request&, http::Response& res) {
      const WebAsset* a = asset("index.html");
      res.set_content(a->data, a->size, a->content_type);
    });
    h.Route("GET", "/static/([A-Za-z0-9_.-]+)", [this, asset](http::Request& req, http::Response& res) {
      if (const WebAsset* a = asset(req.matches[1])) res.set_content(a->data, a->size, a->content_type);
      else SendError(res, 404, "not_found", "no static file " + req.matches[1]);
    });

    // Errors the transport produces itself (malformed request, no route,
    // body too large or too slow, too many connections).
    h.OnError([this](int status, const std::string& message, http::Response& res) {
      metrics.Count("other", status);
      SendError(res, status, CodeForHttpStatus(status), message);
    });
    h.OnHead([this](const http::Request& req, http::Response& res) { return CheckHead(req, res); });
  }

  // ---- checks on the request head, before any body is read -------------------

  static bool IsLoopbackName(const std::string& h) {
    return h == "localhost" || h == "::1" || h == "[::1]" || h.rfind("127.", 0) == 0;
  }

  // The host name of a Host header, without the port ("[::1]:8080" -> "[::1]").
  static std::string HostName(const std::string& host) {
    if (!host.empty() && host[0] == '[') {
      size_t e = host.find(']');
      return e == std::string::npos ? host : host.substr(0, e + 1);
    }
    return host.substr(0, host.find(':'));
  }

  bool HostAllowed(const std::string& host_header) const {
    if (host_header.empty()) return true;  // HTTP/1.0 without Host: not a browser
    std::string name = HostName(host_header);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string bound = opts.host;
    if (bound.find(':') != std::string::npos && bound[0] != '[') bound = "[" + bound + "]";
    if (name == bound) return true;
    for (const auto& a : opts.allowed_hosts)
      if (name == a) return true;
    if (IsLoopbackName(opts.host)) return IsLoopbackName(name);
    return opts.allowed_hosts.empty();
  }

  bool OriginAllowed(const std::string& origin, const std::string& host_header) const {
    if (origin == "http://" + host_header || origin == "https://" + host_header) return true;  // same origin
    return std::find(opts.cors_origins.begin(), opts.cors_origins.end(), origin) != opts.cors_origins.end();
  }

  bool IsCorsOrigin(const std::string& origin) const {
    return !origin.empty() &&
           std::find(opts.cors_origins.begin(), opts.cors_origins.end(), origin) != opts.cors_origins.end();
  }

  void AddCorsHeaders(const http::Request& req, http::Response& res) const {
    const std::string origin = req.get_header_value("Origin");
    if (!IsCorsOrigin(origin)) return;
    res.set_header("Access-Control-Allow-Origin", origin);
    res.set_header("Vary", "Origin");
  }

  // Runs on the I/O thread once a request head has arrived: returns true when
  // it answered (the body is then never read).
  bool CheckHead(const http::Request& req, http::Response& res) {
    const std::string host = req.get_header_value("Host");
    if (!HostAllowed(host)) {
      SendError(res, 421, "misdirected",
                "this server does not answer for host '" + HostName(host) +
                    "' (see --allow-host; a guard against DNS rebinding)");
      return true;
    }
    const std::string origin = req.get_header_value("Origin");
    if (req.method == "OPTIONS") {
      if (!IsCorsOrigin(origin)) {
        SendError(res, 403, "forbidden", "cross-origin requests are not allowed from '" + origin + "' (see --cors-origin)");
        return true;
      }
      res.status = 204;
      res.set_header("Access-Control-Allow-Origin", origin);
      res.set_header("Access-Control-Allow-Methods", "GET, POST, DELETE");
      res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type");
      res.set_header("Access-Control-Max-Age", "600");
      res.set_header("Vary", "Origin");
      return true;
    }
    if (!origin.empty() && req.method != "GET" && req.method != "HEAD" && !OriginAllowed(origin, host)) {
      SendError(res, 403, "forbidden",
                "writes from another origin ('" + origin + "') are refused; allow it with --cors-origin");
      return true;
    }
    // Authentication before the body: a request that carries one must come
    // with a valid key (its role is checked by the handler).
    const bool has_body = !req.get_header_value("Transfer-Encoding").empty() ||
                          (!req.get_header_value("Content-Length").empty() && req.get_header_value("Content-Length") != "0");
    if (keys && has_body) {
      try {
        AuthenticateKey(req);
      } catch (const ApiError& e) {
        SendError(res, e.status, e.code, e.message);
        metrics.Count("other", e.status);
        return true;
      }
    }
    return false;
  }
};

Status CheckAllowedEmbedders(const std::vector<std::string>& entries) {
  std::set<std::string> names;
  for (const auto& entry : entries) {
    auto [name, spec] = SplitAllowedEmbedder(entry);
    if (spec.rfind("gguf:", 0) != 0 && spec.rfind("http:", 0) != 0 && spec.rfind("https:", 0) != 0)
      return Status::InvalidArgument("allowed embedder '" + entry +
                                     "': expected [NAME=]gguf:PATH or [NAME=]http://HOST:PORT/PATH#MODEL");
    if (!name.empty() && (name == "none" || name == "static" || !names.insert(name).second))
      return Status::InvalidArgument("allowed embedder '" + entry + "': the name '" + name +
                                     "' is taken (by another entry, or it is none or static)");
  }
  return Status::OK();
}

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Server::~Server() {
  Stop();
  Wait();
}

Status Server::Start() {
  Impl& s = *impl_;
  if (s.opts.data_dir.empty()) return Status::InvalidArgument("the server needs a data directory");
  GB_RETURN_IF_ERROR(CheckAllowedEmbedders(s.opts.allowed_embedders));
  std::error_code ec;
  fs::create_directories(s.opts.data_dir, ec);
  if (!fs::is_directory(s.opts.data_dir)) return Status::IOError("cannot create " + s.opts.data_dir);
  if (!s.opts.keys_file.empty()) {
    s.keys = std::make_unique<KeyStore>(s.opts.keys_file);
    GB_RETURN_IF_ERROR(s.keys->Load());
  }
  http::Limits l;
  l.workers = std::max<size_t>(1, s.opts.threads);
  l.max_body_bytes = s.opts.max_body_bytes;
  l.head_timeout_ms = l.body_timeout_ms = s.opts.read_timeout_s * 1000;
  l.write_timeout_ms = s.opts.write_timeout_s * 1000;
  l.keep_alive_timeout_ms = s.opts.keep_alive_timeout_s * 1000;
  l.keep_alive_max_requests = std::max<size_t>(1, s.opts.keep_alive_max_count);
  l.max_connections = std::max<size_t>(1, s.opts.max_connections);
  l.max_connections_per_client = std::max<size_t>(1, s.opts.max_connections_per_client);
  s.http = std::make_unique<http::Server>(l);
  s.Routes();
  GB_RETURN_IF_ERROR(s.http->Listen(s.opts.host, s.opts.port));
  s.opts.port = s.http->port();
  return Status::OK();
}

int Server::port() const { return impl_->opts.port; }

void Server::Wait() {
  if (impl_->http) impl_->http->Wait();
}

void Server::Stop() {
  if (impl_->http) impl_->http->Stop();
}

}  // namespace glassbox::server
