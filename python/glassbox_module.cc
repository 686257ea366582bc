// Python bindings for Glassbox (pybind11). See python/README.md for the API.
//
// Results are plain Python objects (dicts, lists, str, int, float). Engine
// errors (Status) become glassbox.Error subclasses carrying the message. The
// GIL is released around every engine call that can take time (search,
// explain, why_not, get, add, delete, commit, merge, ingest, open, create);
// results are converted to Python objects after it is re-acquired.
//
// Principals (user=/groups=) are passed to the engine when it supports them
// (SearchOptions::principal and the Principal* overloads of Get, Explain and
// WhyNotInTopK); against an engine without them, passing one raises
// glassbox.Unsupported. The detection is done at compile time below, so this
// file builds against either version of the public headers.

#include <dlfcn.h>
#include <sys/stat.h>

#include <cmath>
#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "answer/chat.h"
#include "answer/answer_json.h"
#include "answer/reader.h"
#include "hybrid/fusion.h"
#include "search/scorers.h"
#include "glassbox/answer.h"
#include "glassbox/glassbox.h"
#include "table/eval_sql.h"
#include "table/nl2sql.h"

namespace py = pybind11;
using namespace pybind11::literals;

namespace {

using glassbox::Status;

// ---------------------------------------------------------------- errors

struct ErrorClasses {
  PyObject* base = nullptr;
  PyObject* invalid_argument = nullptr;
  PyObject* not_found = nullptr;
  PyObject* already_exists = nullptr;
  PyObject* corruption = nullptr;
  PyObject* io_error = nullptr;
  PyObject* busy = nullptr;
  PyObject* unsupported = nullptr;
  PyObject* deadline_exceeded = nullptr;
};
ErrorClasses g_errors;

PyObject* ClassFor(Status::Code code) {
  switch (code) {
    case Status::Code::kInvalidArgument: return g_errors.invalid_argument;
    case Status::Code::kNotFound: return g_errors.not_found;
    case Status::Code::kAlreadyExists: return g_errors.already_exists;
    case Status::Code::kCorruption: return g_errors.corruption;
    case Status::Code::kIOError: return g_errors.io_error;
    case Status::Code::kBusy: return g_errors.busy;
    case Status::Code::kUnsupported: return g_errors.unsupported;
    default: return g_errors.base;
  }
}

// Raises the Python exception for a failed Status (needs the GIL).
[[noreturn]] void Raise(const Status& s) {
  // By name: the code exists only in newer headers (this file builds against either).
  PyObject* c = std::string(s.CodeName()) == "deadline_exceeded" ? g_errors.deadline_exceeded : ClassFor(s.code());
  py::object cls = py::reinterpret_borrow<py::object>(c);
  py::object exc = cls(s.message());
  exc.attr("code") = py::str(s.CodeName());
  PyErr_SetObject(cls.ptr(), exc.ptr());
  throw py::error_already_set();
}

[[noreturn]] void RaiseInvalid(const std::string& msg) { Raise(Status::InvalidArgument(msg)); }

void Check(const Status& s) {
  if (!s.ok()) Raise(s);
}

template <typename T>
T Take(glassbox::Result<T>&& r) {
  if (!r.ok()) Raise(r.status());
  return std::move(r).value();
}

PyObject* MakeError(py::module_& m, const char* name, const char* doc, PyObject* extra_base) {
  py::tuple bases = extra_base != nullptr
                        ? py::make_tuple(py::reinterpret_borrow<py::object>(g_errors.base),
                                         py::reinterpret_borrow<py::object>(extra_base))
                        : py::make_tuple(py::reinterpret_borrow<py::object>(g_errors.base));
  std::string qualified = std::string("glassbox.") + name;
  PyObject* cls = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases.ptr(), nullptr);
  if (cls == nullptr) throw py::error_already_set();
  m.attr(name) = py::reinterpret_borrow<py::object>(cls);  // the module keeps a reference
  return cls;
}

// ---------------------------------------------------------------- principals
//
// Compile-time detection of the engine's principal support, so that this file
// builds against headers with and without it.

template <typename SO>
concept HasPrincipalOption = requires(SO o) { o.principal.reset(); };

bool WantsPrincipal(const std::optional<std::string>& user, const std::optional<std::vector<std::string>>& groups) {
  return user.has_value() || groups.has_value();
}

template <typename SO>
void SetPrincipal(SO& options, const std::optional<std::string>& user,
                  const std::optional<std::vector<std::string>>& groups) {
  if (!WantsPrincipal(user, groups)) return;
  if constexpr (HasPrincipalOption<SO>) {
    typename std::remove_cvref_t<decltype(options.principal)>::value_type p;
    p.user = user.value_or("");
    p.groups = groups.value_or(std::vector<std::string>{});
    options.principal = std::move(p);
  } else {
    Raise(Status::Unsupported("this build of the engine does not support user/groups (principals)"));
  }
}

template <typename SO>
auto PrincipalPtr(const SO& options) {
  if constexpr (HasPrincipalOption<SO>) {
    return options.principal ? &*options.principal : nullptr;
  } else {
    return nullptr;
  }
}

// The engine calls, with or without a principal.
template <typename C, typename SO>
auto CallGet(const C& c, const std::string& id, const SO& so) {
  if constexpr (requires { c.Get(id, PrincipalPtr(so)); }) {
    return c.Get(id, PrincipalPtr(so));
  } else {
    return c.Get(id);
  }
}

template <typename C, typename SO>
auto CallExplain(const C& c, const std::string& q, const std::string& id, const SO& so) {
  if constexpr (requires { c.Explain(q, id, PrincipalPtr(so)); }) {
    return c.Explain(q, id, PrincipalPtr(so));
  } else {
    return c.Explain(q, id);
  }
}

// ---------------------------------------------------------------- conversions to Python

py::object MetaToPy(const glassbox::MetadataValue& v) {
  using T = glassbox::MetadataValue::Type;
  switch (v.type) {
    case T::kNumber: {
      bool integral = std::isfinite(v.number) && std::floor(v.number) == v.number &&
                      std::fabs(v.number) < 9.0e15 && v.text.find_first_of(".eE") == std::string::npos;
      if (integral) return py::int_(static_cast<long long>(v.number));
      return py::float_(v.number);
    }
    case T::kDate:
    case T::kKeyword:
    default:
      return py::str(v.text);
  }
}

// name -> value; a name that occurs more than once maps to a list of its values.
template <typename V, typename F>
py::dict PairsToDict(const std::vector<std::pair<std::string, V>>& pairs, F convert) {
  py::dict d;
  for (const auto& [name, value] : pairs) {
    py::str key(name);
    py::object v = convert(value);
    if (!d.contains(key)) {
      d[key] = v;
      continue;
    }
    py::object cur = d[key];
    // Converted values are never lists, so a list here is one built below.
    if (py::isinstance<py::list>(cur)) {
      cur.cast<py::list>().append(v);
    } else {
      py::list l;
      l.append(cur);
      l.append(v);
      d[key] = l;
    }
  }
  return d;
}

py::dict TextFields(const std::vector<std::pair<std::string, std::string>>& text) {
  return PairsToDict(text, [](const std::string& s) { return py::object(py::str(s)); });
}

py::dict MetaFields(const std::vector<std::pair<std::string, glassbox::MetadataValue>>& meta) {
  return PairsToDict(meta, [](const glassbox::MetadataValue& v) { return MetaToPy(v); });
}

py::dict ExplanationToPy(const glassbox::Explanation& e) {
  py::list terms;
  for (const auto& t : e.terms) {
    terms.append(py::dict("term"_a = t.term, "field"_a = t.field, "boost"_a = t.boost, "tf"_a = t.tf,
                          "df"_a = t.df, "doc_count"_a = t.doc_count, "idf"_a = t.idf,
                          "doc_length"_a = t.doc_length, "avg_doc_length"_a = t.avg_doc_length,
                          "length_norm"_a = t.length_norm, "contribution"_a = t.contribution,
                          "feedback"_a = t.feedback));
  }
  return py::dict("matched"_a = e.matched, "score"_a = e.score, "k1"_a = e.k1, "b"_a = e.b, "terms"_a = terms,
                  "summary"_a = e.summary);
}

py::list RetrieversToPy(const std::vector<glassbox::RetrieverScore>& rs) {
  py::list retrievers;
  for (const auto& r : rs) {
    retrievers.append(py::dict("retriever"_a = r.retriever, "rank"_a = r.rank, "raw"_a = r.raw,
                               "normalized"_a = r.normalized, "weight"_a = r.weight,
                               "contribution"_a = r.contribution, "share"_a = r.share));
  }
  return retrievers;
}

py::dict HitToPy(const glassbox::Hit& h) {
  py::list retrievers = RetrieversToPy(h.retrievers);
  py::list words;
  for (const auto& w : h.similar_words) {
    words.append(py::dict("query_word"_a = w.query_word, "passage_word"_a = w.passage_word,
                          "contribution"_a = w.contribution));
  }
  py::object explanation = py::none();
  if (h.explanation) explanation = ExplanationToPy(*h.explanation);
  py::object passage = py::none();
  if (!h.passage_id.empty()) passage = py::str(h.passage_id);
  return py::dict("id"_a = h.id, "score"_a = h.score, "fields"_a = TextFields(h.text),
                  "metadata"_a = MetaFields(h.metadata), "snippet"_a = h.snippet, "explanation"_a = explanation,
                  "retrievers"_a = retrievers, "similar_words"_a = words, "passage_id"_a = passage);
}

const char* ReasonName(glassbox::WhyNot::Reason r) {
  using R = glassbox::WhyNot::Reason;
  switch (r) {
    case R::kInTopK: return "in_top_k";
    case R::kNoSuchDocument: return "no_such_document";
    case R::kMissingTerms: return "missing_terms";
    case R::kExcluded: return "excluded";
    case R::kFiltered: return "filtered";
    case R::kPhraseNotFound: return "phrase_not_found";
    case R::kRankedBelow: return "ranked_below";
  }
  return "unknown";
}

py::dict DocumentToPy(const glassbox::Document& d) {
  return py::dict("id"_a = d.id, "fields"_a = TextFields(d.text), "metadata"_a = MetaFields(d.metadata));
}

py::dict StatsToPy(const glassbox::CollectionStats& s) {
  return py::dict("documents"_a = s.documents, "deleted"_a = s.deleted, "buffered"_a = s.buffered,
                  "segments"_a = s.segments, "index_bytes"_a = s.index_bytes, "terms"_a = s.terms,
                  "avg_doc_length"_a = s.avg_doc_length, "analyzer"_a = s.analyzer, "k1"_a = s.k1, "b"_a = s.b,
                  "generation"_a = s.generation, "embedder"_a = s.embedder, "vectors"_a = s.vectors,
                  "fusion"_a = s.fusion, "min_similarity"_a = s.min_similarity);
}

// ---------------------------------------------------------------- conversions from Python

glassbox::MetadataValue ScalarToMeta(const std::string& field, const py::handle& v) {
  if (py::isinstance<py::bool_>(v)) {
    RaiseInvalid("metadata '" + field + "': booleans are not supported; use a string or a number");
  }
  if (py::isinstance<py::int_>(v) || py::isinstance<py::float_>(v)) {
    double x = v.cast<double>();
    if (py::isinstance<py::int_>(v)) return glassbox::MetadataValue::Number(x, py::str(v).cast<std::string>());
    return glassbox::MetadataValue::Number(x);
  }
  if (py::isinstance<py::str>(v)) {
    std::string s = v.cast<std::string>();
    glassbox::MetadataValue date;
    if (glassbox::MetadataValue::ParseDate(s, &date)) return date;
    return glassbox::MetadataValue::Keyword(std::move(s));
  }
  // datetime.date / datetime.datetime: their isoformat() is a date the engine parses.
  if (py::hasattr(v, "isoformat") && py::hasattr(v, "year")) {
    std::string s = v.attr("isoformat")().cast<std::string>();
    glassbox::MetadataValue date;
    if (glassbox::MetadataValue::ParseDate(s, &date)) return date;
    RaiseInvalid("metadata '" + field + "': cannot read the date " + s);
  }
  RaiseInvalid("metadata '" + field + "': values are int, float, str (YYYY-MM-DD for dates), a date, or a list of those; got " +
               py::str(py::type::handle_of(v).attr("__name__")).cast<std::string>());
}

void AppendMeta(std::vector<std::pair<std::string, glassbox::MetadataValue>>* out, const py::dict& metadata) {
  for (auto [k, v] : metadata) {
    if (!py::isinstance<py::str>(k)) RaiseInvalid("metadata names must be strings");
    std::string name = k.cast<std::string>();
    if (py::isinstance<py::list>(v) || py::isinstance<py::tuple>(v)) {
      for (py::handle item : v) out->emplace_back(name, ScalarToMeta(name, item));
    } else {
      out->emplace_back(name, ScalarToMeta(name, v));
    }
  }
}

// One search option by name, as the CLI and the server set it (glassbox/request.h).
void SetOption(glassbox::SearchOptions& o, const char* name, const std::string& value) {
  glassbox::Status s = glassbox::SetSearchOption(&o, name, value);
  if (!s.ok()) RaiseInvalid(s.message());
}

std::vector<std::string> PathList(const py::object& paths) {
  std::vector<std::string> out;
  auto one = [&](const py::handle& p) {
    py::object fs = py::module_::import("os").attr("fspath")(p);
    out.push_back(fs.cast<std::string>());
  };
  if (py::isinstance<py::str>(paths) || py::hasattr(paths, "__fspath__")) {
    one(paths);
  } else {
    for (py::handle p : paths) one(p);
  }
  return out;
}

std::vector<std::string> StrList(const py::object& o, const char* what) {
  std::vector<std::string> out;
  if (o.is_none()) return out;
  if (py::isinstance<py::str>(o)) {
    out.push_back(o.cast<std::string>());
    return out;
  }
  for (py::handle h : o) {
    if (!py::isinstance<py::str>(h)) RaiseInvalid(std::string(what) + " must be strings");
    out.push_back(h.cast<std::string>());
  }
  return out;
}

// ---------------------------------------------------------------- corpus statistics (sharding)
//
// A shard's statistics for a query (Collection.query_statistics) and the
// global ones a coordinator injects into search/why_not (statistics=), as a
// plain dict {"doc_count": int, "field_tokens": {field: int}, "doc_freq": {term: int}}
// that pickles and sums easily (see python/glassbox/dask.py).

py::dict CorpusStatisticsToPy(const glassbox::CorpusStatistics& st) {
  py::dict fields, df;
  for (const auto& [f, n] : st.field_tokens) fields[py::str(f)] = n;
  for (const auto& [t, n] : st.doc_freq) df[py::str(t)] = n;
  return py::dict("doc_count"_a = st.doc_count, "field_tokens"_a = fields, "doc_freq"_a = df);
}

std::shared_ptr<const glassbox::CorpusStatistics> CorpusStatisticsFromPy(const std::optional<py::dict>& d) {
  if (!d) return nullptr;
  auto st = std::make_shared<glassbox::CorpusStatistics>();
  auto count = [](const py::handle& v, const std::string& what) -> uint64_t {
    if (!py::isinstance<py::int_>(v) || py::isinstance<py::bool_>(v) || v.cast<long long>() < 0)
      RaiseInvalid("statistics: " + what + " must be a non-negative int");
    return v.cast<uint64_t>();
  };
  auto table = [&](const char* key, std::map<std::string, uint64_t>* out) {
    if (!d->contains(key)) return;
    py::object t = (*d)[key];
    if (!py::isinstance<py::dict>(t)) RaiseInvalid(std::string("statistics: ") + key + " must be a dict");
    for (auto [k, v] : t.cast<py::dict>()) {
      if (!py::isinstance<py::str>(k)) RaiseInvalid(std::string("statistics: the keys of ") + key + " must be str");
      std::string name = k.cast<std::string>();
      (*out)[name] = count(v, std::string(key) + "['" + name + "']");
    }
  };
  for (auto [k, v] : *d) {
    std::string key = py::str(k).cast<std::string>();
    if (key != "doc_count" && key != "field_tokens" && key != "doc_freq")
      RaiseInvalid("statistics: unknown key '" + key + "' (expected doc_count, field_tokens, doc_freq)");
  }
  if (!d->contains("doc_count")) RaiseInvalid("statistics: doc_count is missing");
  st->doc_count = count((*d)["doc_count"], "doc_count");
  table("field_tokens", &st->field_tokens);
  table("doc_freq", &st->doc_freq);
  return st;
}

// ---------------------------------------------------------------- reading files without a collection
//
// glassbox.read_files: the ingestion readers and chunker run as Ingest() does,
// but the chunks are returned instead of written, so that a coordinator can
// parse files on one machine and route each chunk to the shard that owns its id.

// A Collection that only records what Ingest() writes.
class CapturingCollection final : public glassbox::Collection {
 public:
  std::vector<glassbox::Document> docs;
  glassbox::Status Add(const glassbox::Document& d) override {
    docs.push_back(d);
    return glassbox::Status::OK();
  }
  glassbox::Status Delete(const std::string&) override { return glassbox::Status::OK(); }
  glassbox::Status Apply(const glassbox::WriteBatch& b) override {
    docs.insert(docs.end(), b.adds.begin(), b.adds.end());
    return glassbox::Status::OK();
  }
  glassbox::Status Sync() override { return glassbox::Status::OK(); }
  glassbox::Status Commit() override { return glassbox::Status::OK(); }
  glassbox::Status Merge(size_t) override { return glassbox::Status::OK(); }
  glassbox::Status Refresh() override { return glassbox::Status::OK(); }
  glassbox::Result<glassbox::SearchResponse> Search(const std::string&, const glassbox::SearchOptions&) const override {
    return glassbox::Status::Unsupported("read_files: no search");
  }
  glassbox::Result<glassbox::Explanation> Explain(const std::string&, const std::string&,
                                                  const glassbox::Principal*) const override {
    return glassbox::Status::Unsupported("read_files: no explain");
  }
  glassbox::Result<glassbox::WhyNot> WhyNotInTopK(const std::string&, const std::string&, size_t,
                                                  const glassbox::Principal*) const override {
    return glassbox::Status::Unsupported("read_files: no why-not");
  }
  glassbox::Result<glassbox::Document> Get(const std::string& id, const glassbox::Principal*) const override {
    return glassbox::Status::NotFound("no document with id '" + id + "'");
  }
  glassbox::CollectionStats Stats() const override { return {}; }
  const std::string& dir() const override { return dir_; }

 private:
  std::string dir_;
};

// ---------------------------------------------------------------- the Collection wrapper

class PyCollection {
 public:
  explicit PyCollection(std::unique_ptr<glassbox::Collection> c) : c_(std::move(c)) {}

  static std::unique_ptr<PyCollection> Create(const py::object& path, const std::string& analyzer,
                                              const std::string& embedder, double k1, double b,
                                              std::optional<py::dict> field_weights, double min_similarity) {
    glassbox::CollectionOptions o;
    o.analyzer = analyzer;
    o.embedder = embedder;
    o.k1 = k1;
    o.b = b;
    o.min_similarity = min_similarity;
    if (field_weights) {
      for (auto [k, v] : *field_weights) o.field_weights.emplace_back(k.cast<std::string>(), v.cast<double>());
    }
    std::string dir = PathList(path).at(0);
    glassbox::Result<std::unique_ptr<glassbox::Collection>> r = glassbox::Status::OK();
    {
      py::gil_scoped_release nogil;
      r = glassbox::Collection::Create(dir, o);
    }
    return std::make_unique<PyCollection>(Take(std::move(r)));
  }

  static std::unique_ptr<PyCollection> Open(const py::object& path, bool read_only) {
    std::string dir = PathList(path).at(0);
    glassbox::Result<std::unique_ptr<glassbox::Collection>> r = glassbox::Status::OK();
    {
      py::gil_scoped_release nogil;
      r = glassbox::Collection::Open(dir, read_only);
    }
    return std::make_unique<PyCollection>(Take(std::move(r)));
  }

  static glassbox::Document DocumentFromPy(const std::string& id, std::optional<std::string> text,
                                           std::optional<std::string> title, std::optional<py::dict> fields,
                                           std::optional<py::dict> metadata) {
    glassbox::Document d;
    d.id = id;
    if (title) d.text.emplace_back("title", *title);
    if (text) d.text.emplace_back("body", *text);
    if (fields) {
      for (auto [k, v] : *fields) {
        if (!py::isinstance<py::str>(k) || !py::isinstance<py::str>(v))
          RaiseInvalid("fields maps field names to text (str -> str)");
        d.text.emplace_back(k.cast<std::string>(), v.cast<std::string>());
      }
    }
    if (metadata) AppendMeta(&d.metadata, *metadata);
    return d;
  }

  void Add(const std::string& id, std::optional<std::string> text, std::optional<std::string> title,
           std::optional<py::dict> fields, std::optional<py::dict> metadata) {
    glassbox::Document d = DocumentFromPy(id, std::move(text), std::move(title), std::move(fields), std::move(metadata));
    auto c = Get();
    Status s;
    {
      py::gil_scoped_release nogil;
      std::lock_guard<std::mutex> lock(*write_mu_);
      s = c->Add(d);
    }
    Check(s);
  }

  // One WriteBatch: documents (dicts as a sharded coordinator sends them: id,
  // text, title, fields, metadata) added, and the earlier chunks of the source
  // documents in replace_chunks_of that the batch does not write again deleted
  // (WriteBatch::replace_chunks_of), atomically for a reader of this collection.
  size_t Apply(const py::list& documents, const std::vector<std::string>& replace_chunks_of) {
    glassbox::WriteBatch b;
    b.replace_chunks_of = replace_chunks_of;
    for (const auto& item : documents) {
      if (!py::isinstance<py::dict>(item)) RaiseInvalid("apply: documents are dicts with an 'id'");
      py::dict d = item.cast<py::dict>();
      if (!d.contains("id") || !py::isinstance<py::str>(d["id"])) RaiseInvalid("apply: a document lacks a str 'id'");
      auto opt = [&](const char* key) -> py::object { return d.contains(key) ? py::object(d[key]) : py::none(); };
      py::object text = opt("text"), title = opt("title"), fields = opt("fields"), metadata = opt("metadata");
      b.adds.push_back(DocumentFromPy(d["id"].cast<std::string>(),
                                      text.is_none() ? std::nullopt : std::optional<std::string>(text.cast<std::string>()),
                                      title.is_none() ? std::nullopt : std::optional<std::string>(title.cast<std::string>()),
                                      fields.is_none() ? std::nullopt : std::optional<py::dict>(fields.cast<py::dict>()),
                                      metadata.is_none() ? std::nullopt : std::optional<py::dict>(metadata.cast<py::dict>())));
    }
    Write([&](glassbox::Collection& c) { return c.Apply(b); });
    return b.adds.size();
  }

  void Delete(const std::string& id) { Write([&](glassbox::Collection& c) { return c.Delete(id); }); }
  void Commit() { Write([](glassbox::Collection& c) { return c.Commit(); }); }
  void Sync() { Write([](glassbox::Collection& c) { return c.Sync(); }); }
  void Merge(size_t max_segments) { Write([&](glassbox::Collection& c) { return c.Merge(max_segments); }); }
  void Refresh() { Write([](glassbox::Collection& c) { return c.Refresh(); }); }

  py::dict GetDoc(const std::string& id, std::optional<std::string> user,
                  std::optional<std::vector<std::string>> groups) {
    glassbox::SearchOptions so;
    SetPrincipal(so, user, groups);
    auto c = Get();
    glassbox::Result<glassbox::Document> r = glassbox::Status::OK();
    {
      py::gil_scoped_release nogil;
      r = CallGet(*c, id, so);
    }
    return DocumentToPy(Take(std::move(r)));
  }

  py::dict Stats() {
    auto c = Get();
    glassbox::CollectionStats s;
    {
      py::gil_scoped_release nogil;
      s = c->Stats();
    }
    return StatsToPy(s);
  }

  py::dict Search(const std::string& query, size_t k, size_t offset, const std::string& mode,
                  std::optional<std::string> fusion, std::optional<std::pair<double, double>> weights, double rrf_k,
                  size_t candidates, bool explain, bool plain, bool documents, std::optional<std::string> user,
                  std::optional<std::vector<std::string>> groups, std::optional<std::string> algorithm,
                  bool snippet, size_t snippet_chars, std::string highlight_open, std::string highlight_close,
                  bool explain_words, size_t ef_search, size_t time_budget, bool principal_statistics,
                  std::optional<py::dict> statistics, std::optional<std::vector<std::string>> facets,
                  std::optional<double> min_similarity, std::optional<std::string> feedback) {
    glassbox::SearchOptions o;
    if (facets) o.facets = *facets;
    if (feedback) SetOption(o, "feedback", *feedback);
    o.min_similarity = min_similarity;
    o.statistics = CorpusStatisticsFromPy(statistics);
    o.principal_statistics = principal_statistics;
    o.ef_search = ef_search;
    o.time_budget = std::chrono::milliseconds(time_budget);
    o.k = k;
    o.offset = offset;
    SetOption(o, "mode", mode);
    if (fusion) SetOption(o, "fusion", *fusion);
    if (weights) {
      o.use_collection_fusion = false;
      o.bm25_weight = weights->first;
      o.vector_weight = weights->second;
    }
    o.rrf_k = rrf_k;
    o.candidates = candidates;
    o.with_explanation = explain;
    o.explain_words = explain_words;
    o.plain = plain;
    o.rollup_documents = documents;
    o.with_snippet = snippet;
    o.snippet_chars = snippet_chars;
    o.highlight_open = std::move(highlight_open);
    o.highlight_close = std::move(highlight_close);
    if (algorithm) SetOption(o, "algorithm", *algorithm);
    SetPrincipal(o, user, groups);
    if (glassbox::Status v = glassbox::ValidateSearchOptions(o); !v.ok()) RaiseInvalid(v.message());
    auto c = Get();
    glassbox::Result<glassbox::SearchResponse> r = glassbox::Status::OK();
    {
      py::gil_scoped_release nogil;
      r = c->Search(query, o);
    }
    glassbox::SearchResponse resp = Take(std::move(r));
    py::list hits;
    for (const auto& h : resp.hits) hits.append(HitToPy(h));
    py::dict out("hits"_a = hits, "total_hits"_a = resp.total_hits, "total_exact"_a = resp.total_exact,
                 "mode"_a = resp.mode, "fusion"_a = resp.fusion, "took_ms"_a = resp.took_ms);
    if (facets) {  // {field: [{"value", "count"}, ...]}, as the HTTP API
      py::dict fs;
      for (const auto& f : resp.facets) {
        py::list values;
        for (const auto& v : f.values) values.append(py::dict("value"_a = v.value, "count"_a = v.count));
        fs[py::str(f.field)] = values;
      }
      out["facets"] = fs;
    }
    return out;
  }

  // ask(question, **options): the answer options (glassbox/answer.h) and the search options by name,
  // as the CLI and the HTTP API take them; user= and groups= name the principal.
  py::object Ask(const std::string& question, const py::kwargs& kwargs) {
    glassbox::AskOptions o;
    py::function on_token;
    std::optional<py::error_already_set> callback_error;
    std::optional<std::string> user;
    std::optional<std::vector<std::string>> groups;
    for (const auto& [k, v] : kwargs) {
      const std::string name = py::str(k);
      if (name == "user") {
        if (!v.is_none()) user = v.cast<std::string>();
        continue;
      }
      if (name == "groups") {
        if (!v.is_none()) groups = v.cast<std::vector<std::string>>();
        continue;
      }
      if (name == "on_token") {  // on_token(piece): each piece of generated text; returning False stops
        if (v.is_none()) continue;
        if (!PyCallable_Check(v.ptr())) RaiseInvalid("on_token must be callable");
        on_token = py::reinterpret_borrow<py::function>(v);
        continue;
      }
      std::string text;
      if (py::isinstance<py::bool_>(v)) text = v.cast<bool>() ? "true" : "false";
      else if (py::isinstance<py::tuple>(v) || py::isinstance<py::list>(v)) {
        for (const auto& x : v) text += (text.empty() ? "" : ",") + py::str(x).cast<std::string>();
      } else text = py::str(v);
      glassbox::Status st = glassbox::SetAskOption(&o, name, text);
      if (!st.ok()) RaiseInvalid(st.message());
    }
    SetPrincipal(o.search, user, groups);
    if (on_token) {
      o.on_token = [&](std::string_view piece) {
        py::gil_scoped_acquire gil;
        try {
          py::object keep = on_token(py::str(piece.data(), piece.size()));
          return !(py::isinstance<py::bool_>(keep) && !keep.cast<bool>());
        } catch (py::error_already_set& e) {
          callback_error.emplace(std::move(e));  // stops generation; raised below
          return false;
        }
      };
    }
    auto c = Get();
    glassbox::Result<glassbox::Answer> r = glassbox::Status::OK();
    {
      py::gil_scoped_release nogil;
      r = glassbox::Ask(*c, question, o);
    }
    if (callback_error) throw std::move(*callback_error);
    glassbox::Answer a = Take(std::move(r));
    return py::module_::import("json").attr("loads")(glassbox::answer::AnswerToJson(a).dump());
  }

  // This collection's statistics for the terms of a query (phase 1 of a sharded search).
  py::dict QueryStatistics(const std::string& query, bool plain, std::optional<std::string> user,
                           std::optional<std::vector<std::string>> groups) {
    glassbox::SearchOptions o;
    o.plain = plain;
    SetPrincipal(o, user, groups);
    auto c = Get();
    glassbox::Result<glassbox::CorpusStatistics> r = glassbox::Status::OK();
    {
      py::gil_scoped_release nogil;
      r = c->QueryStatistics(query, o);
    }
    return CorpusStatisticsToPy(Take(std::move(r)));
  }

  py::dict Explain(const std::string& query, const std::string& id, std::optional<std::string> user,
                   std::optional<std::vector<std::string>> groups) {
    glassbox::SearchOptions so;
    SetPrincipal(so, user, groups);
    auto c = Get();
    glassbox::Result<glassbox::Explanation> r = glassbox::Status::OK();
    {
      py::gil_scoped_release nogil;
      r = CallExplain(*c, query, id, so);
    }
    return ExplanationToPy(Take(std::move(r)));
  }

  // Why a document is or is not among the hits of this search (the same options as search()).
  py::dict WhyNot(const std::string& query, const std::string& id, size_t k, std::optional<std::string> user,
                  std::optional<std::vector<std::string>> groups, size_t offset, const std::string& mode,
                  std::optional<std::string> fusion, std::optional<std::pair<double, double>> weights, double rrf_k,
                  size_t candidates, bool plain, std::optional<std::string> algorithm, size_t time_budget,
                  std::optional<py::dict> statistics, size_t ef_search, std::optional<double> min_similarity,
                  std::optional<std::string> feedback) {
    glassbox::SearchOptions so;
    so.ef_search = ef_search;
    if (feedback) SetOption(so, "feedback", *feedback);
    so.min_similarity = min_similarity;
    so.statistics = CorpusStatisticsFromPy(statistics);
    so.k = k;
    so.offset = offset;
    SetOption(so, "mode", mode);
    if (fusion) SetOption(so, "fusion", *fusion);
    if (weights) {
      so.use_collection_fusion = false;
      so.bm25_weight = weights->first;
      so.vector_weight = weights->second;
    }
    so.rrf_k = rrf_k;
    so.candidates = candidates;
    so.plain = plain;
    if (algorithm) SetOption(so, "algorithm", *algorithm);
    so.time_budget = std::chrono::milliseconds(time_budget);
    SetPrincipal(so, user, groups);
    if (glassbox::Status v = glassbox::ValidateSearchOptions(so); !v.ok()) RaiseInvalid(v.message());
    auto c = Get();
    glassbox::Result<glassbox::WhyNot> r = glassbox::Status::OK();
    {
      py::gil_scoped_release nogil;
      r = c->WhyNotInResults(query, so, id);
    }
    glassbox::WhyNot w = Take(std::move(r));
    return py::dict("reason"_a = ReasonName(w.reason), "missing_terms"_a = w.missing_terms, "detail"_a = w.detail,
                    "rank"_a = w.rank, "score"_a = w.score, "kth_score"_a = w.kth_score, "message"_a = w.message,
                    "mode"_a = w.mode, "retrievers"_a = RetrieversToPy(w.retrievers),
                    "explanation"_a = w.bm25 ? py::object(ExplanationToPy(*w.bm25)) : py::object(py::none()));
  }

  py::dict Ingest(const py::object& paths, const py::object& include, const py::object& exclude, size_t chunk_chars,
                  size_t overlap, const std::string& unit, std::optional<std::string> id_key,
                  std::optional<std::string> title_key, const py::object& text_keys, const py::object& csv_text_columns,
                  std::optional<std::string> csv_id_column, std::optional<py::function> progress) {
    glassbox::IngestOptions o;
    o.paths = PathList(paths);
    o.include = StrList(include, "include patterns");
    o.exclude = StrList(exclude, "exclude patterns");
    o.chunking.target_chars = chunk_chars;
    o.chunking.overlap_chars = overlap;
    if (unit == "paragraph") o.chunking.unit = glassbox::ChunkOptions::Unit::kParagraph;
    else if (unit == "sentence") o.chunking.unit = glassbox::ChunkOptions::Unit::kSentence;
    else RaiseInvalid("unit is \"paragraph\" or \"sentence\", not \"" + unit + "\"");
    if (id_key) o.reader.id_key = *id_key;
    if (title_key) o.reader.title_key = *title_key;
    if (!text_keys.is_none()) o.reader.text_keys = StrList(text_keys, "text_keys");
    if (!csv_text_columns.is_none()) o.reader.csv_text_columns = StrList(csv_text_columns, "csv_text_columns");
    if (csv_id_column) o.reader.csv_id_column = *csv_id_column;
    // A Python exception raised by the progress callback stops nothing in the
    // engine; it is kept and re-raised when ingest returns.
    std::optional<py::error_already_set> callback_error;
    if (progress) {
      // Captured by pointer: the engine may copy the std::function without the GIL.
      const py::function* cb = &*progress;
      o.progress = [cb, &callback_error](size_t done, size_t total, uint64_t docs) {
        py::gil_scoped_acquire gil;
        if (callback_error) return;
        try {
          (*cb)(done, total, docs);
        } catch (py::error_already_set& e) {
          callback_error.emplace(std::move(e));
        }
      };
    }
    CapturingCollection capture;
    glassbox::Collection* target = capture_ ? &capture : nullptr;
    std::shared_ptr<glassbox::Collection> c;
    if (target == nullptr) c = Get();
    glassbox::Result<glassbox::IngestReport> r = glassbox::Status::OK();
    {
      py::gil_scoped_release nogil;
      std::lock_guard<std::mutex> lock(*write_mu_);
      r = glassbox::Ingest(target != nullptr ? *target : *c, o);
    }
    if (callback_error) throw std::move(*callback_error);
    glassbox::IngestReport rep = Take(std::move(r));
    py::list errors;
    for (const auto& e : rep.errors) errors.append(py::dict("path"_a = e.path, "message"_a = e.message));
    py::dict out("files_seen"_a = rep.files_seen, "files_ok"_a = rep.files_ok,
                    "files_failed"_a = rep.files_failed, "files_skipped"_a = rep.files_skipped, "documents"_a = rep.documents, "chunks"_a = rep.chunks,
                    "errors"_a = errors, "seconds"_a = rep.seconds);
    if (capture_) out["chunks_read"] = ChunkList(capture.docs);
    return out;
  }

  // glassbox.read_files: Ingest() into a CapturingCollection.
  static py::dict ReadFiles(const py::object& paths, const py::object& include, const py::object& exclude,
                            size_t chunk_chars, size_t overlap, const std::string& unit,
                            std::optional<std::string> id_key, std::optional<std::string> title_key,
                            const py::object& text_keys, const py::object& csv_text_columns,
                            std::optional<std::string> csv_id_column) {
    PyCollection reader(nullptr);
    reader.capture_ = true;
    return reader.Ingest(paths, include, exclude, chunk_chars, overlap, unit, id_key, title_key, text_keys,
                         csv_text_columns, csv_id_column, std::nullopt);
  }

  // Releases the collection (its lock and files) once calls still running on
  // other threads have returned; later calls raise glassbox.Error.
  void Close() {
    std::shared_ptr<glassbox::Collection> c = std::move(c_);
    c_.reset();
    py::gil_scoped_release nogil;
    c.reset();
  }

  bool closed() const { return c_ == nullptr; }

  std::string Dir() { return Get()->dir(); }

  // The collection's tables answer a question (docs/tables.md): the dict of `glassbox sql --json`.
  // sql_mode "llm" / "llm-fallback": a chat model (llm_url or llm_gguf) given a schema-retrieved prompt.
  py::object Sql(const std::string& question, const std::optional<std::string>& today, size_t max_rows,
                 bool ask_back, const std::string& sql_mode, const std::string& llm_url, const std::string& llm_gguf,
                 const std::string& llm_model, int llm_timeout, int llm_max_tokens, int llm_threads) {
    glassbox::table::AnswerOptions o;
    o.limits.max_rows = max_rows;
    {
      glassbox::AskOptions ask;
      for (auto [name, value] : {std::pair<const char*, std::string>{"sql_mode", sql_mode}, {"llm_url", llm_url},
                                 {"llm_gguf", llm_gguf}, {"llm_model", llm_model},
                                 {"llm_timeout", std::to_string(llm_timeout)},
                                 {"llm_max_tokens", std::to_string(llm_max_tokens)},
                                 {"llm_threads", std::to_string(llm_threads)}}) {
        glassbox::Status st = glassbox::SetAskOption(&ask, name, value);
        if (!st.ok()) RaiseInvalid(st.message());
      }
      glassbox::Status st = glassbox::ValidateAskOptions(ask);
      if (!st.ok()) RaiseInvalid(st.message());
      glassbox::answer::TableOptionsFrom(ask, &o);
    }
    if (today) o.today = *today;
    o.allow_ask_back = ask_back;
    std::string dir = Get()->dir();
    glassbox::Result<glassbox::table::TableAnswer> a = glassbox::Status::OK();
    {
      py::gil_scoped_release release;
      a = glassbox::table::AnswerQuestion(dir, question, o);
    }
    if (!a.ok()) Raise(a.status());
    return py::module_::import("json").attr("loads")(glassbox::table::AnswerToJson(*a).dump());
  }

  std::string Repr() const {
    if (!c_) return "<glassbox.Collection (closed)>";
    return "<glassbox.Collection '" + c_->dir() + "'>";
  }

 private:
  std::shared_ptr<glassbox::Collection> Get() const {
    if (!c_) {
      PyErr_SetString(g_errors.base, "the collection is closed");
      throw py::error_already_set();
    }
    return c_;
  }

  template <typename F>
  void Write(F f) {
    auto c = Get();
    Status s;
    {
      py::gil_scoped_release nogil;
      std::lock_guard<std::mutex> lock(*write_mu_);
      s = f(*c);
    }
    Check(s);
  }

  static py::object ChunkList(const std::vector<glassbox::Document>& docs) {
    py::list out;
    for (const auto& d : docs) out.append(DocumentToPy(d));
    return out;
  }

  bool capture_ = false;  // read_files: Ingest() records the chunks instead of writing them
  std::shared_ptr<glassbox::Collection> c_;
  // Add/Delete/Commit/Merge/Ingest from several Python threads are serialized
  // (the engine allows one writer thread at a time).
  std::shared_ptr<std::mutex> write_mu_ = std::make_shared<std::mutex>();
};

// When GLASSBOX_MODEL_DIR is unset, points it at the build's models folder
// (<dir of this module>/../models) if that holds models, so that the static
// embedder is found without configuration in a build tree.
void DefaultModelDir() {
  const char* env = std::getenv("GLASSBOX_MODEL_DIR");
  if (env != nullptr && *env != '\0') return;
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&DefaultModelDir), &info) == 0 || info.dli_fname == nullptr) return;
  std::string so = info.dli_fname;
  size_t slash = so.rfind('/');
  if (slash == std::string::npos) return;
  // The module sits in BUILD/python/glassbox/ (the package); older layouts had it in BUILD/python/.
  for (const char* up : {"/../../models", "/../models"}) {
    std::string models = so.substr(0, slash) + up;
    struct stat st;
    if (::stat(models.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      ::setenv("GLASSBOX_MODEL_DIR", models.c_str(), 0);
      return;
    }
  }
}

// fuse(method, weights, raw, rank, rrf_k): the engine's fusion (hybrid/fusion.h)
// over rows given by the caller — how a coordinator fuses the global candidate
// lists of several shards once, with one node's arithmetic.
py::list Fuse(const std::string& method, const std::vector<double>& weights,
              const std::vector<std::vector<double>>& raw, const std::vector<std::vector<uint32_t>>& rank,
              double rrf_k) {
  glassbox::hybrid::FusionMethod m;
  if (!glassbox::hybrid::ParseFusion(method, &m)) RaiseInvalid("fuse: unknown fusion '" + method + "' (rrf, minmax, zscore)");
  if (raw.size() != rank.size()) RaiseInvalid("fuse: raw and rank must have one row per candidate");
  for (size_t c = 0; c < raw.size(); ++c)
    if (raw[c].size() != weights.size() || rank[c].size() != weights.size())
      RaiseInvalid("fuse: row " + std::to_string(c) + " must have one value per retriever (" +
                   std::to_string(weights.size()) + ")");
  glassbox::hybrid::FusionInput in;
  in.retrievers = weights.size();
  in.weights = weights;
  in.raw = raw;
  in.rank = rank;
  in.rrf_k = rrf_k;
  py::list out;
  for (const auto& row : glassbox::hybrid::Fuse(m, in)) {
    py::list parts;
    for (const auto& p : row.parts)
      parts.append(py::dict("rank"_a = p.rank, "raw"_a = p.raw, "normalized"_a = p.normalized,
                            "contribution"_a = p.contribution, "share"_a = p.share));
    out.append(py::dict("candidate"_a = row.candidate, "score"_a = row.score, "parts"_a = parts));
  }
  return out;
}

// read_answer(question, passages, statistics=, analyzer=, principal=, **options):
// the extractive reader on passages the caller retrieved (glassbox::ReadAnswer),
// weighing terms by BM25's idf under `statistics` as Ask does.
py::object ReadAnswerPy(const std::string& question, const py::list& passages, std::optional<py::dict> statistics,
                        const std::string& analyzer, bool principal, const py::kwargs& kwargs) {
  glassbox::AskOptions o;
  for (const auto& [k, v] : kwargs) {
    std::string text;
    if (py::isinstance<py::bool_>(v)) text = v.cast<bool>() ? "true" : "false";
    else text = py::str(v);
    glassbox::Status st = glassbox::SetAskOption(&o, py::str(k).cast<std::string>(), text);
    if (!st.ok()) RaiseInvalid(st.message());
  }
  glassbox::ReaderInput in;
  in.question = question;
  in.analyzer = analyzer;
  for (const auto& item : passages) {
    if (!py::isinstance<py::dict>(item)) RaiseInvalid("read_answer: passages are dicts (id, text, ...)");
    py::dict d = py::reinterpret_borrow<py::dict>(item);
    glassbox::AnswerPassage p;
    p.n = static_cast<int>(in.passages.size()) + 1;
    auto str = [&](const char* key) { return d.contains(key) && !d[key].is_none() ? d[key].cast<std::string>() : std::string(); };
    p.id = str("id");
    p.doc_id = str("doc_id");
    if (p.doc_id.empty()) p.doc_id = p.id;
    p.title = str("title");
    p.text = str("text");
    p.why = str("why");
    if (d.contains("score")) p.score = d["score"].cast<double>();
    if (d.contains("page") && !d["page"].is_none()) p.page = d["page"].cast<int>();
    in.passages.push_back(std::move(p));
  }
  if (auto st = CorpusStatisticsFromPy(statistics)) glassbox::answer::SetStatistics(&in, *st, principal);  // as Ask
  glassbox::Result<glassbox::Answer> r = glassbox::Status::OK();
  {
    py::gil_scoped_release nogil;
    r = glassbox::ReadAnswer(in, o);
  }
  glassbox::Answer a = Take(std::move(r));
  return py::module_::import("json").attr("loads")(glassbox::answer::AnswerToJson(a).dump());
}

}  // namespace

PYBIND11_MODULE(glassbox, m) {
  m.doc() = "Glassbox: an embedded, explainable hybrid search engine (see python/README.md)";
  m.attr("__version__") = "0.1.0";
  DefaultModelDir();

  g_errors.base = PyErr_NewExceptionWithDoc("glassbox.Error", "A Glassbox engine error; str(e) is its message.",
                                            PyExc_Exception, nullptr);
  if (g_errors.base == nullptr) throw py::error_already_set();
  m.attr("Error") = py::reinterpret_borrow<py::object>(g_errors.base);
  g_errors.invalid_argument =
      MakeError(m, "InvalidArgument", "A bad query, option, argument or input file.", PyExc_ValueError);
  g_errors.not_found = MakeError(m, "NotFound", "The collection, document or file does not exist.", PyExc_LookupError);
  g_errors.already_exists = MakeError(m, "AlreadyExists", "A collection already exists there.", PyExc_FileExistsError);
  g_errors.corruption = MakeError(m, "Corruption", "A file on disk does not match its checksum or format.", nullptr);
  g_errors.io_error = MakeError(m, "IOError", "The operating system refused a read or a write.", PyExc_OSError);
  g_errors.busy = MakeError(m, "Busy", "Another writer holds the collection lock.", nullptr);
  g_errors.unsupported = MakeError(m, "Unsupported", "A feature that is not available.", PyExc_NotImplementedError);
  g_errors.deadline_exceeded =
      MakeError(m, "DeadlineExceeded", "The call ran past its time budget.", PyExc_TimeoutError);

  py::class_<PyCollection>(m, "Collection",
                           "A searchable set of documents stored in one directory. Create with "
                           "Collection.create(path) or Collection.open(path).")
      .def_static("create", &PyCollection::Create, "path"_a, "analyzer"_a = "auto-qstop-mix", "embedder"_a = "static",
                  "k1"_a = 1.2, "b"_a = 0.75, "field_weights"_a = py::none(), "min_similarity"_a = -1.0,
                  "Creates a new collection directory (AlreadyExists if one is there).")
      .def_static("open", &PyCollection::Open, "path"_a, "read_only"_a = false,
                  "Opens an existing collection (Busy if another process writes to it).")
      .def("add", &PyCollection::Add, "id"_a, "text"_a = py::none(), "title"_a = py::none(),
           "fields"_a = py::none(), "metadata"_a = py::none(),
           "Adds (or replaces) a document; visible to search after commit().")
      .def("apply", &PyCollection::Apply, "documents"_a, py::kw_only(), "replace_chunks_of"_a = std::vector<std::string>(),
           "Adds documents (dicts: id, text, title, fields, metadata) in one batch and deletes the earlier chunks "
           "of the source documents named in replace_chunks_of that the batch does not write again; returns the "
           "number added.")
      .def("delete", &PyCollection::Delete, "id"_a)
      .def("sync", &PyCollection::Sync)
      .def("commit", &PyCollection::Commit)
      .def("merge", &PyCollection::Merge, "max_segments"_a = 1)
      .def("refresh", &PyCollection::Refresh)
      .def("get", &PyCollection::GetDoc, "id"_a, py::kw_only(), "user"_a = py::none(), "groups"_a = py::none())
      .def("stats", &PyCollection::Stats)
      .def("search", &PyCollection::Search, "query"_a, "k"_a = 10, "offset"_a = 0, py::kw_only(),
           "mode"_a = "auto", "fusion"_a = py::none(), "weights"_a = py::none(), "rrf_k"_a = 60.0,
           "candidates"_a = 100, "explain"_a = false, "plain"_a = false, "documents"_a = false,
           "user"_a = py::none(), "groups"_a = py::none(), "algorithm"_a = py::none(), "snippet"_a = true,
           "snippet_chars"_a = 240, "highlight_open"_a = "[", "highlight_close"_a = "]", "explain_words"_a = true,
           "ef_search"_a = 0, "time_budget"_a = 0, "principal_statistics"_a = false,
           "statistics"_a = py::none(), "facets"_a = py::none(), "min_similarity"_a = py::none(),
           "feedback"_a = py::none(),
           "Searches; returns a dict with hits, total_hits, total_exact, mode, fusion, took_ms (and facets when "
           "facets=[field, ...] asks for them). The options are "
           "those of the CLI and the HTTP API (one table, glassbox/request.h); weights=(bm25, vector).")
      .def("ask", &PyCollection::Ask, "question"_a,
           "Answers a question with verified citations; returns a dict (status answered|not_found|handoff, "
           "answer, citations, confidence, passages, trace, timings_ms; generation for a generated answer). Options: "
           "max_passages, answer_mode (extractive|faq|generative), unsupported (flag|drop), not_found_threshold, "
           "handoff_threshold, llm_gguf (a GGUF chat model run in process) or llm_url (an OpenAI-compatible "
           "endpoint), llm_max_tokens, llm_timeout, llm_threads, every search option, user= and groups=; on_token=callable(piece) "
           "sees the generated text as it comes (return False to stop).")
      .def("query_statistics", &PyCollection::QueryStatistics, "query"_a, py::kw_only(), "plain"_a = false,
           "user"_a = py::none(), "groups"_a = py::none(),
           "This collection's statistics for the query's terms: {doc_count, field_tokens, doc_freq}; sum the "
           "shards' and pass the sum as statistics= to search/why_not to score as one collection.")
      .def("explain", &PyCollection::Explain, "query"_a, "id"_a, py::kw_only(), "user"_a = py::none(),
           "groups"_a = py::none())
      .def("why_not", &PyCollection::WhyNot, "query"_a, "id"_a, "k"_a = 10, py::kw_only(), "user"_a = py::none(),
           "groups"_a = py::none(), "offset"_a = 0, "mode"_a = "auto", "fusion"_a = py::none(),
           "weights"_a = py::none(), "rrf_k"_a = 60.0, "candidates"_a = 100, "plain"_a = false,
           "algorithm"_a = py::none(), "time_budget"_a = 0, "statistics"_a = py::none(), "ef_search"_a = 0,
           "min_similarity"_a = py::none(), "feedback"_a = py::none(),
           "Why a document is or is not among the hits of this search (the same options as search()).")
      .def("ingest", &PyCollection::Ingest, "paths"_a, "include"_a = py::none(), "exclude"_a = py::none(),
           "chunk_chars"_a = 1200, "overlap"_a = 150, py::kw_only(), "unit"_a = "paragraph", "id_key"_a = py::none(),
           "title_key"_a = py::none(), "text_keys"_a = py::none(), "csv_text_columns"_a = py::none(),
           "csv_id_column"_a = py::none(), "progress"_a = py::none(),
           "Reads files and folders into the collection, then commits; returns a report dict.")
      .def_static("_read_files", &PyCollection::ReadFiles, "paths"_a, "include"_a = py::none(),
                  "exclude"_a = py::none(), "chunk_chars"_a = 1200, "overlap"_a = 150, py::kw_only(),
                  "unit"_a = "paragraph", "id_key"_a = py::none(), "title_key"_a = py::none(),
                  "text_keys"_a = py::none(), "csv_text_columns"_a = py::none(), "csv_id_column"_a = py::none())
      .def("sql", &PyCollection::Sql, "question"_a, py::kw_only(), "today"_a = py::none(), "max_rows"_a = 1000,
           "ask_back"_a = true, "sql_mode"_a = "deterministic", "llm_url"_a = "", "llm_gguf"_a = "",
           "llm_model"_a = "default", "llm_timeout"_a = 30000, "llm_max_tokens"_a = 256, "llm_threads"_a = 0,
           "Answers a question over the collection's tables (CSV files ingested into it): a dict with status "
           "(answered, ask_back, unanswerable; ask_back=False always answers from the best table), answer, sql, "
           "columns, rows, explanation, alternatives, evidence, "
           "path (deterministic or llm) and, for sql_mode llm / llm-fallback, llm (prompt_tables, sql, verdict, "
           "timings).")
      .def("close", &PyCollection::Close)
      .def_property_readonly("closed", &PyCollection::closed)
      .def_property_readonly("path", &PyCollection::Dir)
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](PyCollection& self, py::args) { self.Close(); })
      .def("__repr__", &PyCollection::Repr);
  m.attr("read_files") = m.attr("Collection").attr("_read_files");
  m.def("fuse", &Fuse, "method"_a, "weights"_a, "raw"_a, "rank"_a, "rrf_k"_a = 60.0,
        "Fuses candidate rows as hybrid search does (raw[c][r], rank[c][r]: retriever r's score and 1-based rank "
        "of candidate c, 0 = not in its list); returns rows best first: {candidate, score, parts}.");
  m.def("read_answer", &ReadAnswerPy, "question"_a, "passages"_a, py::kw_only(), "statistics"_a = py::none(),
        "analyzer"_a = "auto-stop", "principal"_a = false,
        "The extractive reader on given passages (dicts: id, doc_id, title, text, score, page, why), terms "
        "weighed by BM25's idf under statistics= (as ask()); returns ask()'s dict.");
}
