// The `glassbox` command. See docs/cli.md; `glassbox <command> --help`.
//
// Exit codes: 0 success; 1 I/O error, corruption or other failure; 2 bad
// command line; 3 invalid input (query, document, option value); 4 not found;
// 5 ingest finished but some files failed.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>
#include <nlohmann/json.hpp>

#include "cli/args.h"
#include "cli/common.h"
#include "cli/ask.h"
#include "cli/sql_commands.h"
#include "eval/beir.h"
#include "eval/metrics.h"
#include "glassbox/glassbox.h"
#include "index/file_util.h"
#include "ingest/formats.h"
#include "ingest/reader.h"
#include "server/json.h"
#include "server/keys.h"
#include "server/server.h"
#include "text/analyzer.h"

namespace glassbox::cli {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;
using json_output::ExplanationToJson;
using json_output::MetaToJson;
using json_output::WhyNotToJson;

const char* kMainHelp =
    "glassbox — explainable search over your documents and tables\n"
    "\n"
    "usage: glassbox <command> [options]\n"
    "\n"
    "commands:\n"
    "  init     create an empty collection\n"
    "  ingest   add files and folders (.txt .md .json .jsonl .csv) to a collection\n"
    "  search   run a query; --explain shows why each hit scored as it did\n"
    "  explain  the BM25 breakdown of one document for a query, and why it is not in the top k\n"
    "  get      print a stored document\n"
    "  delete   delete documents by id\n"
    "  stats    collection statistics\n"
    "  merge    merge segments and drop deleted documents\n"
    "  eval     evaluate retrieval quality on a BEIR-format dataset\n"
    "  sql      answer a question over the collection's tables (SQL, rows, why)\n"
    "  tables   list the collection's tables\n"
    "  eval-sql execution accuracy of `sql` on a text-to-SQL dataset\n"
    "  bench    measure indexing speed and query latency\n"
    "  serve    serve collections over HTTP as a JSON API\n"
    "  keys     create, list and revoke API keys for serve\n"
    "  ask      answer a question with verified citations (or FAQ answers: --faq)\n"
    "  ingest-faq    add FAQ entries (question/answer pairs) to a collection\n"
    "  eval-answers  score answers on a SQuAD-style set; eval-faq: FAQ matching\n"
    "\n"
    "Run `glassbox <command> --help` for the options of a command.\n"
    "Exit codes: 0 ok, 1 failure, 2 bad command line, 3 invalid input, 4 not found, 5 some files failed.\n";

bool ParseDouble(const std::string& s, double* out) {
  char* end = nullptr;
  *out = std::strtod(s.c_str(), &end);
  return !s.empty() && end == s.c_str() + s.size() && std::isfinite(*out);
}

bool ParseSize(const std::string& s, size_t* out) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 12) return false;
  *out = std::stoull(s);
  return true;
}

void PrintExplanation(const Explanation& e, const std::string& indent) {
  if (!e.matched) {
    std::printf("%sdoes not match\n", indent.c_str());
    return;
  }
  std::printf("%s%s\n", indent.c_str(), e.summary.c_str());
  std::printf("%s%-24s %7s %8s %8s %8s %9s %9s\n", indent.c_str(), "term", "tf", "df", "idf", "dl", "norm",
              "score");
  for (const auto& t : e.terms) {
    std::string name = t.field.empty() ? t.term : t.field + ":" + t.term;
    if (t.boost != 1) name += "^" + std::to_string(t.boost).substr(0, 4);
    if (t.feedback > 0) name += t.feedback == t.boost ? " (fb)" : " (+fb)";  // pseudo-relevance feedback
    std::printf("%s%-24s %7.2f %8llu %8.4f %8.1f %9.4f %9.4f\n", indent.c_str(), name.c_str(), t.tf,
                static_cast<unsigned long long>(t.df), t.idf, t.doc_length, t.length_norm, t.contribution);
  }
}

void PrintRetrievers(const std::vector<RetrieverScore>& rs, const std::vector<WordSimilarity>& words,
                     const std::string& indent) {
  std::printf("%s%-8s %6s %10s %10s %7s %12s %7s\n", indent.c_str(), "", "rank", "raw", "normalized", "weight",
              "contribution", "share");
  for (const auto& r : rs) {
    std::string rank = r.rank ? std::to_string(r.rank) : "-";
    std::printf("%s%-8s %6s %10.4f %10.4f %7.3f %12.4f %6.1f%%\n", indent.c_str(), r.retriever.c_str(), rank.c_str(),
                r.raw, r.normalized, r.weight, r.contribution, 100 * r.share);
  }
  if (!words.empty()) {
    std::printf("%ssimilar words:", indent.c_str());
    for (const auto& w : words)
      std::printf(" %s~%s (%.3f)", w.query_word.c_str(), w.passage_word.c_str(), w.contribution);
    std::printf("\n");
  }
}

// ---------------------------------------------------------------------------

const char* kInitHelp =
    "usage: glassbox init DIR [options]\n"
    "  --analyzer NAME      auto-qstop-mix (default), auto-stop-mix, auto-stop, auto, english, english-stop, standard,\n"
    "                       chinese-jieba, chinese-icu, chinese-bigram, chinese-multi, chinese-mix\n"
    "  --k1 X  --b X        BM25 parameters (default 1.2, 0.75)\n"
    "  --field-weight F=W   weight of text field F for queries without a field (repeatable)\n"
    "  --embedder SPEC      static (default: built-in English word vectors), none,\n"
    "                       gguf:PATH (a GGUF embedding model), http:URL#MODEL (OpenAI-compatible)\n"
    "  --int8               store vectors as int8 for the graph search\n"
    "  --min-similarity X   hybrid: drop hits with no query word below this vector similarity (default -1: keep)\n"
    "  --calibrate-fusion   hybrid: calibrate the default fusion weights from pseudo-queries (default: the\n"
    "                       fixed prior minmax bm25=0.85 vector=0.15; see EVALUATION.md)\n"
    "  --json               machine-readable output\n";

Status ParseCollectionOptions(const Args& a, CollectionOptions* o) {
  o->analyzer = a.Get("analyzer", o->analyzer);
  if (a.HasValue("k1") && !ParseDouble(a.Get("k1"), &o->k1)) return Status::InvalidArgument("--k1 needs a number");
  if (a.HasValue("b") && !ParseDouble(a.Get("b"), &o->b)) return Status::InvalidArgument("--b needs a number");
  o->embedder = a.Get("embedder", o->embedder);
  o->int8_vectors = a.Has("int8");
  o->calibrate_fusion = a.Has("calibrate-fusion");
  if (a.HasValue("min-similarity") && !ParseDouble(a.Get("min-similarity"), &o->min_similarity))
    return Status::InvalidArgument("--min-similarity needs a number");
  for (const auto& fw : a.GetAll("field-weight")) {
    auto eq = fw.find('=');
    double w;
    if (eq == std::string::npos || !ParseDouble(fw.substr(eq + 1), &w))
      return Status::InvalidArgument("--field-weight needs FIELD=WEIGHT, got '" + fw + "'");
    o->field_weights.emplace_back(fw.substr(0, eq), w);
  }
  return Status::OK();
}

int CmdInit(int argc, char** argv) {
  Args a;
  std::string err;
  if (!a.Parse(argc, argv, 2, {"analyzer", "k1", "b", "field-weight", "embedder", "min-similarity"},
               {"json", "help", "int8", "calibrate-fusion"}, &err))
    return Usage(err, kInitHelp);
  if (a.Has("help")) return std::printf("%s", kInitHelp), kOk;
  if (a.positional().size() != 1) return Usage("init needs exactly one DIR", kInitHelp);
  CollectionOptions o;
  Status s = ParseCollectionOptions(a, &o);
  if (!s.ok()) return Fail(s, a.Has("json"));
  auto c = Collection::Create(a.positional()[0], o);
  if (!c.ok()) return Fail(c.status(), a.Has("json"));
  if (a.Has("json")) std::cout << json{{"created", a.positional()[0]}, {"analyzer", o.analyzer}}.dump() << "\n";
  else std::printf("created collection %s (analyzer %s)\n", a.positional()[0].c_str(), o.analyzer.c_str());
  return kOk;
}

// ---------------------------------------------------------------------------

const char* kIngestHelp =
    "usage: glassbox ingest DIR PATH... [options]\n"
    "Reads files and folders (recursively) into collection DIR, creating it if needed.\n"
    "Formats by extension: .txt .md .markdown .json .jsonl .csv. A bad file is\n"
    "skipped whole with an error naming it; the rest continue.\n"
    "  --include GLOB        only paths matching (relative to each PATH; repeatable; ** allowed)\n"
    "  --exclude GLOB        skip paths matching (repeatable)\n"
    "  --chunk-chars N       target passage length in bytes (default 1200; 0 = no chunking)\n"
    "  --overlap N           bytes repeated from the previous passage (default 150)\n"
    "  --chunk-by UNIT       paragraph (default) or sentence\n"
    "  --id-key K            JSON key of the document id (default _id, then id)\n"
    "  --title-key K         JSON key of the title (default title)\n"
    "  --text-key K          JSON key(s) holding text (repeatable; default text, body, content)\n"
    "  --csv-text COL        CSV column(s) to search as text (repeatable; default: non-numeric columns)\n"
    "  --csv-id COL          CSV column holding the row id\n"
    "  --ocr-languages L     Tesseract languages for images and scanned PDF pages (default eng+chi_sim;\n"
    "                        \"\" = no OCR)\n"
    "  --pdf-password P      password of encrypted PDFs (one for the whole run)\n"
    "  --threads N           threads reading and chunking files ahead of the writer (default 0: one per core)\n"
    "  --analyzer NAME, --k1, --b, --field-weight, --embedder, --int8, --calibrate-fusion   options for a new\n"
    "                       collection (see init)\n"
    "  --quiet               no progress bar\n"
    "  --json                print the report as JSON\n";

int CmdIngest(int argc, char** argv) {
  Args a;
  std::string err;
  if (!a.Parse(argc, argv, 2,
               {"include", "exclude", "chunk-chars", "overlap", "chunk-by", "id-key", "title-key", "text-key",
                "csv-text", "csv-id", "ocr-languages", "pdf-password", "threads", "analyzer", "k1", "b", "field-weight", "embedder",
                "min-similarity"},
               {"json", "help", "quiet", "int8", "calibrate-fusion"}, &err))
    return Usage(err, kIngestHelp);
  if (a.Has("help")) return std::printf("%s", kIngestHelp), kOk;
  if (a.positional().size() < 2) return Usage("ingest needs DIR and at least one PATH", kIngestHelp);
  const bool as_json = a.Has("json");
  const std::string dir = a.positional()[0];
  IngestOptions o;
  o.paths.assign(a.positional().begin() + 1, a.positional().end());
  o.include = a.GetAll("include");
  o.exclude = a.GetAll("exclude");
  if (a.HasValue("chunk-chars") && !ParseSize(a.Get("chunk-chars"), &o.chunking.target_chars))
    return Fail(Status::InvalidArgument("--chunk-chars needs a whole number"), as_json);
  if (a.HasValue("overlap") && !ParseSize(a.Get("overlap"), &o.chunking.overlap_chars))
    return Fail(Status::InvalidArgument("--overlap needs a whole number"), as_json);
  std::string by = a.Get("chunk-by", "paragraph");
  if (by == "sentence") o.chunking.unit = ChunkOptions::Unit::kSentence;
  else if (by != "paragraph") return Fail(Status::InvalidArgument("--chunk-by is paragraph or sentence"), as_json);
  o.reader.id_key = a.Get("id-key", o.reader.id_key);
  o.reader.title_key = a.Get("title-key", o.reader.title_key);
  if (a.HasValue("text-key")) o.reader.text_keys = a.GetAll("text-key");
  o.reader.csv_text_columns = a.GetAll("csv-text");
  o.reader.csv_id_column = a.Get("csv-id");
  o.reader.ocr_languages = a.Get("ocr-languages", o.reader.ocr_languages);
  o.reader.pdf_password = a.Get("pdf-password");
  if (a.HasValue("threads")) {
    double t;
    if (!ParseDouble(a.Get("threads"), &t) || t < 0 || t > 256 || t != static_cast<double>(static_cast<size_t>(t)))
      return Usage("--threads needs a whole number from 0 to 256", kIngestHelp);
    o.threads = static_cast<size_t>(t);
  }

  std::unique_ptr<Collection> c;
  if (fs::exists(dir + "/MANIFEST")) {
    auto r = Collection::Open(dir);
    if (!r.ok()) return Fail(r.status(), as_json);
    c = std::move(r.value());
  } else {
    CollectionOptions co;
    Status s = ParseCollectionOptions(a, &co);
    if (!s.ok()) return Fail(s, as_json);
    auto r = Collection::Create(dir, co);
    if (!r.ok()) return Fail(r.status(), as_json);
    c = std::move(r.value());
  }
  const bool bar = !a.Has("quiet") && !as_json && isatty(STDOUT_FILENO);
  if (bar) {
    o.progress = [](size_t done, size_t total, uint64_t docs) {
      int width = 30, filled = total ? static_cast<int>(width * done / total) : width;
      std::printf("\r[%s%s] %zu/%zu files, %llu documents", std::string(filled, '#').c_str(),
                  std::string(width - filled, ' ').c_str(), done, total, static_cast<unsigned long long>(docs));
      std::fflush(stdout);
    };
  }
  auto report = Ingest(*c, o);
  if (bar) std::printf("\n");
  if (!report.ok()) return Fail(report.status(), as_json);
  const IngestReport& r = *report;
  if (as_json) {
    std::cout << json_output::IngestReportToJson(r).dump() << "\n";
  } else {
    for (const auto& e : r.errors) std::fprintf(stderr, "error: %s: %s\n", e.path.c_str(), e.message.c_str());
    std::printf("ingested %zu of %zu files: %llu documents, %llu chunks in %.2f s", r.files_ok, r.files_seen,
                static_cast<unsigned long long>(r.documents), static_cast<unsigned long long>(r.chunks), r.seconds);
    if (r.files_failed) std::printf("; %zu file(s) failed (see above)", r.files_failed);
    if (r.files_skipped) std::printf("; %zu file(s) skipped (no reader for their type)", r.files_skipped);
    std::printf("\n");
  }
  return r.errors.empty() ? kOk : kPartial;
}

// ---------------------------------------------------------------------------

const char* kSearchHelp =
    "usage: glassbox search DIR QUERY [options]\n"
    "Query syntax: words (any), +required, -excluded, \"a phrase\", field:word,\n"
    "title^2 (field weight), word^3 (term boost), meta:value, meta:[lo TO hi],\n"
    "meta:>=v. See docs/query-syntax.md.\n"
    "  -k, --k N            hits to return (default 10)\n"
    "  --offset N           hits to skip (paging)\n"
    "  --algorithm A        auto (default), exhaustive, wand, maxscore, bmw\n"
    "  --explain            show why each hit is there: BM25 breakdown, each retriever's\n"
    "                       rank, raw and normalized score and share, and word pairs\n"
    "  --mode M             auto (default: hybrid when the collection has vectors), bm25, vector, hybrid\n"
    "  --fusion F           rrf, minmax or zscore (default: the collection's calibrated fusion)\n"
    "  --weights W          retriever weights: bm25=0.8,vector=0.2 or 0.8,0.2 (default: the\n"
    "                       collection's calibrated weights)\n"
    "  --rrf-k N            the k of reciprocal rank fusion (default 60)\n"
    "  --candidates N       hits taken from each retriever before fusion (default 100)\n"
    "  --ef-search N        HNSW search breadth (default max(candidates, 64))\n"
    "  --documents          roll passages up to documents (best passage shown)\n"
    "  --no-explain-words   with --explain: skip the built-in model's word pairs\n"
    "  --snippet-chars N    snippet length in bytes (default 240)\n"
    "  --highlight-open S, --highlight-close S  marks around highlighted words\n"
    "  --plain              treat QUERY as plain text (no operators)\n"
    "  --no-snippet         do not build snippets\n"
    "  --time-budget MS     give up after MS milliseconds (exit 6; default 0 = no limit)\n"
    "  --facets F,F         count the top values of keyword fields over every match (* = all)\n"
    "  --json               machine-readable output\n"
    "The options are those of the HTTP search body and of Python's search() (one table,\n"
    "glassbox/request.h), with '-' for '_'.\n";

bool ParseAlgorithm(const std::string& s, TopKAlgorithm* a) { return ParseTopKAlgorithm(s, a); }

// A search option's flag: its name in the one table (glassbox/request.h) with '-' for '_'.
std::string FlagOf(std::string name) {
  std::replace(name.begin(), name.end(), '_', '-');
  return name;
}

bool IsSwitchOption(const SearchOptionSpec& spec) { return std::string(spec.syntax) == "true|false"; }

// The table's options that take a value, as flags.
std::set<std::string> SearchValueFlags() {
  std::set<std::string> flags;
  for (const auto& spec : SearchOptionSpecs())
    if (!IsSwitchOption(spec)) flags.insert(FlagOf(spec.name));
  return flags;
}

// Sets the options named (all of the table's value options when `names` is empty) from their flags.
Status SetOptionsFromFlags(const Args& a, SearchOptions* o, const std::vector<std::string>& names = {}) {
  for (const auto& spec : SearchOptionSpecs()) {
    if (IsSwitchOption(spec)) continue;
    if (!names.empty() && std::find(names.begin(), names.end(), spec.name) == names.end()) continue;
    const std::string flag = FlagOf(spec.name);
    if (!a.HasValue(flag)) continue;
    Status st = SetSearchOption(o, spec.name, a.Get(flag));
    if (!st.ok()) return Status::InvalidArgument("--" + flag + ": " + st.message());
  }
  return Status::OK();
}

Status ParseHybridOptions(const Args& a, SearchOptions* o) {
  GB_RETURN_IF_ERROR(SetOptionsFromFlags(a, o, {"mode", "fusion", "weights", "rrf_k", "candidates", "min_similarity"}));
  o->rollup_documents = a.Has("documents");
  return Status::OK();
}

int CmdSearch(int argc, char** argv) {
  Args a;
  std::string err;
  if (!a.Parse(argc, argv, 2, SearchValueFlags(),
               {"json", "help", "explain", "plain", "no-snippet", "documents", "no-explain-words"}, &err))
    return Usage(err, kSearchHelp);
  if (a.Has("help")) return std::printf("%s", kSearchHelp), kOk;
  if (a.positional().size() != 2) return Usage("search needs DIR and QUERY (quote the query)", kSearchHelp);
  const bool as_json = a.Has("json");
  SearchOptions o;
  o.with_explanation = a.Has("explain");
  o.plain = a.Has("plain");
  o.with_snippet = !a.Has("no-snippet");
  o.rollup_documents = a.Has("documents");
  o.explain_words = !a.Has("no-explain-words");
  const bool custom_marks = a.HasValue("highlight-open") || a.HasValue("highlight-close");
  if (!as_json && !custom_marks && isatty(STDOUT_FILENO)) {
    o.highlight_open = "\x1b[1;33m";
    o.highlight_close = "\x1b[0m";
  }
  if (Status st = SetOptionsFromFlags(a, &o); !st.ok()) return Fail(st, as_json);
  if (Status st = ValidateSearchOptions(o); !st.ok()) return Fail(st, as_json);
  auto c = OpenForReading(a.positional()[0]);
  if (!c.ok()) return Fail(c.status(), as_json);
  auto r = (*c)->Search(a.positional()[1], o);
  if (!r.ok()) return Fail(r.status(), as_json);
  if (as_json) {
    std::cout << json_output::SearchResponseToJson(*r).dump() << "\n";
    return kOk;
  }
  std::printf("%llu hit(s)%s in %.2f ms (%s%s%s)\n", static_cast<unsigned long long>(r->total_hits),
              r->total_exact ? "" : " (at least)", r->took_ms, r->mode.c_str(), r->fusion.empty() ? "" : ": ",
              r->fusion.c_str());
  size_t rank = o.offset;
  for (const auto& h : r->hits) {
    std::string title;
    for (const auto& [k, v] : h.text)
      if (k == "title") title = v;
    std::string source, page, box, page_size;
    for (const auto& [k, v] : h.metadata) {
      if (k == "source") source = v.text;
      if (k == provenance::kPage) page = v.text.empty() ? std::to_string(static_cast<long long>(v.number)) : v.text;
      if (k == provenance::kBox) box = v.text;
      if (k == provenance::kPageSize) page_size = v.text;
    }
    std::printf("\n%zu. %s  score %.4f%s%s\n", ++rank, h.id.c_str(), h.score, title.empty() ? "" : "  ",
                title.c_str());
    if (!source.empty()) std::printf("   source: %s\n", source.c_str());
    if (!page.empty())
      std::printf("   page: %s%s%s%s%s\n", page.c_str(), box.empty() ? "" : ", box ", box.c_str(),
                  page_size.empty() ? "" : " of ", page_size.c_str());
    if (!h.passage_id.empty()) std::printf("   passage: %s\n", h.passage_id.c_str());
    if (!h.snippet.empty()) std::printf("   %s\n", h.snippet.c_str());
    if (!h.retrievers.empty()) PrintRetrievers(h.retrievers, h.similar_words, "   ");
    if (h.explanation) PrintExplanation(*h.explanation, "   ");
  }
  return kOk;
}

// ---------------------------------------------------------------------------

const char* kExplainHelp =
    "usage: glassbox explain DIR QUERY ID [options]\n"
    "Why document ID is or is not among the hits of this search: the search's own\n"
    "mode, fusion and weights (the same options as `glassbox search`), the document's\n"
    "rank and score in each retriever and the one that missed it, and each query\n"
    "term's BM25 contribution (tf, df, idf, length norm).\n"
    "  -k, --k N   the k of \"top k\" (default 10; with --offset, k + offset)\n"
    "  --plain     treat QUERY as plain text\n"
    "  --mode, --fusion, --weights, --rrf-k, --candidates, --algorithm, ...  as for search\n"
    "  --time-budget MS  give up after MS milliseconds per step (exit 6; default 0 = no limit)\n"
    "  --json      machine-readable output\n";

int CmdExplain(int argc, char** argv) {
  Args a;
  std::string err;
  if (!a.Parse(argc, argv, 2, SearchValueFlags(), {"json", "help", "plain"}, &err)) return Usage(err, kExplainHelp);
  if (a.Has("help")) return std::printf("%s", kExplainHelp), kOk;
  if (a.positional().size() != 3) return Usage("explain needs DIR, QUERY and ID", kExplainHelp);
  const bool as_json = a.Has("json");
  SearchOptions o;
  o.plain = a.Has("plain");
  if (Status st = SetOptionsFromFlags(a, &o); !st.ok()) return Fail(st, as_json);
  if (Status st = ValidateSearchOptions(o); !st.ok()) return Fail(st, as_json);
  if (o.k == 0) return Fail(Status::InvalidArgument("-k must be at least 1"), as_json);
  auto c = OpenForReading(a.positional()[0]);
  if (!c.ok()) return Fail(c.status(), as_json);
  const std::string& query = a.positional()[1];
  const std::string& id = a.positional()[2];
  auto w = (*c)->WhyNotInResults(query, o, id);
  if (!w.ok()) return Fail(w.status(), as_json);
  const Explanation e = w->bm25.value_or(Explanation());  // under the same options (plain included)
  if (as_json) {
    std::cout << json_output::ExplainToJson(id, e, *w).dump() << "\n";
  } else {
    std::printf("%s: %s\n", id.c_str(), w->message.c_str());
    if (!w->retrievers.empty()) PrintRetrievers(w->retrievers, {}, "  ");
    if (e.matched) PrintExplanation(e, "  ");
  }
  return w->reason == WhyNot::Reason::kNoSuchDocument ? kNotFound : kOk;
}

// ---------------------------------------------------------------------------

const char* kGetHelp = "usage: glassbox get DIR ID [--json]\nPrints the stored fields of a document.\n";

int CmdGet(int argc, char** argv) {
  Args a;
  std::string err;
  if (!a.Parse(argc, argv, 2, {}, {"json", "help"}, &err)) return Usage(err, kGetHelp);
  if (a.Has("help")) return std::printf("%s", kGetHelp), kOk;
  if (a.positional().size() != 2) return Usage("get needs DIR and ID", kGetHelp);
  auto c = OpenForReading(a.positional()[0]);
  if (!c.ok()) return Fail(c.status(), a.Has("json"));
  auto d = (*c)->Get(a.positional()[1]);
  if (!d.ok()) return Fail(d.status(), a.Has("json"));
  if (a.Has("json")) {
    std::cout << json_output::DocumentToJson(*d).dump() << "\n";
  } else {
    std::printf("id: %s\n", d->id.c_str());
    for (const auto& [k, v] : d->metadata) std::printf("%s: %s\n", k.c_str(), v.text.c_str());
    for (const auto& [k, v] : d->text) std::printf("\n[%s]\n%s\n", k.c_str(), v.c_str());
  }
  return kOk;
}

const char* kDeleteHelp = "usage: glassbox delete DIR ID... [--json]\nDeletes documents by id (visible at once, durable on exit).\n";

int CmdDelete(int argc, char** argv) {
  Args a;
  std::string err;
  if (!a.Parse(argc, argv, 2, {}, {"json", "help"}, &err)) return Usage(err, kDeleteHelp);
  if (a.Has("help")) return std::printf("%s", kDeleteHelp), kOk;
  if (a.positional().size() < 2) return Usage("delete needs DIR and at least one ID", kDeleteHelp);
  auto c = Collection::Open(a.positional()[0]);
  if (!c.ok()) return Fail(c.status(), a.Has("json"));
  json deleted = json::array(), missing = json::array();
  for (size_t i = 1; i < a.positional().size(); ++i) {
    Status s = (*c)->Delete(a.positional()[i]);
    if (s.ok()) deleted.push_back(a.positional()[i]);
    else if (s.code() == Status::Code::kNotFound) missing.push_back(a.positional()[i]);
    else return Fail(s, a.Has("json"));
  }
  Status s = (*c)->Commit();
  if (!s.ok()) return Fail(s, a.Has("json"));
  if (!deleted.empty()) {  // copies of PDFs and images no document names any more
    // Best effort: the deletion is committed; a failure here is a warning.
    if (auto removed = RemoveUnreferencedOriginals(**c); !removed.ok())
      std::fprintf(stderr, "glassbox delete: deleted, but stale copies of originals were not removed: %s\n",
                   removed.status().message().c_str());
  }
  if (a.Has("json")) std::cout << json{{"deleted", deleted}, {"not_found", missing}}.dump() << "\n";
  else {
    for (const auto& id : deleted) std::printf("deleted %s\n", id.get<std::string>().c_str());
    for (const auto& id : missing) std::fprintf(stderr, "glassbox: no document with id '%s'\n", id.get<std::string>().c_str());
  }
  return missing.empty() ? kOk : kNotFound;
}

const char* kStatsHelp = "usage: glassbox stats DIR [--json]\n";

int CmdStats(int argc, char** argv) {
  Args a;
  std::string err;
  if (!a.Parse(argc, argv, 2, {}, {"json", "help"}, &err)) return Usage(err, kStatsHelp);
  if (a.Has("help")) return std::printf("%s", kStatsHelp), kOk;
  if (a.positional().size() != 1) return Usage("stats needs DIR", kStatsHelp);
  auto c = OpenForReading(a.positional()[0]);
  if (!c.ok()) return Fail(c.status(), a.Has("json"));
  CollectionStats s = (*c)->Stats();
  json j = json_output::StatsToJson(s);
  if (a.Has("json")) {
    std::cout << j.dump() << "\n";
  } else {
    for (auto& [k, v] : j.items()) std::printf("%-15s %s\n", k.c_str(), v.dump().c_str());
  }
  return kOk;
}

const char* kMergeHelp = "usage: glassbox merge DIR [--max-segments N]\nMerges segments (default into one), dropping deleted documents.\n";

int CmdMerge(int argc, char** argv) {
  Args a;
  std::string err;
  if (!a.Parse(argc, argv, 2, {"max-segments"}, {"json", "help"}, &err)) return Usage(err, kMergeHelp);
  if (a.Has("help")) return std::printf("%s", kMergeHelp), kOk;
  if (a.positional().size() != 1) return Usage("merge needs DIR", kMergeHelp);
  size_t max = 1;
  if (a.HasValue("max-segments") && !ParseSize(a.Get("max-segments"), &max))
    return Fail(Status::InvalidArgument("--max-segments needs a whole number"), a.Has("json"));
  auto c = Collection::Open(a.positional()[0]);
  if (!c.ok()) return Fail(c.status(), a.Has("json"));
  Status s = (*c)->Merge(max);
  if (!s.ok()) return Fail(s, a.Has("json"));
  CollectionStats st = (*c)->Stats();
  if (a.Has("json")) std::cout << json{{"segments", st.segments}, {"documents", st.documents}}.dump() << "\n";
  else std::printf("%llu segment(s), %llu documents\n", static_cast<unsigned long long>(st.segments),
                   static_cast<unsigned long long>(st.documents));
  return kOk;
}

// ---------------------------------------------------------------------------

const char* kEvalHelp =
    "usage: glassbox eval --dataset DIR [options]\n"
    "Indexes a BEIR-format dataset (corpus.jsonl, queries.jsonl, qrels/test.tsv),\n"
    "runs every judged query (plain text, top 100) and prints nDCG@10, Recall@100, MRR@10.\n"
    "DIR may be a dataset name under $GLASSBOX_DATA/datasets (default ../shared).\n"
    "  --analyzer NAME --k1 X --b X --field-weight F=W --embedder SPEC --int8\n"
    "  --calibrate-fusion   collection options (see init)\n"
    "  --mode M --fusion F --weights B,V --rrf-k N --candidates N --min-similarity X   search options (see search)\n"
    "  --feedback docs=N,terms=N,weight=X   pseudo-relevance feedback (RM3; see search)\n"
    "  --algorithm A        top-k algorithm (default auto)\n"
    "  --collection DIR     keep the index here (reused if it exists)\n"
    "  --run-out FILE       write the run in TREC format\n"
    "  --run FILE           score an existing TREC run instead of searching\n"
    "  --per-query          include per-query figures (with --json)\n"
    "  --json               machine-readable output\n";

std::string ResolveDataset(const std::string& name) {
  if (fs::is_directory(name)) return name;
  std::string alt = eval::DataRoot() + "/datasets/" + name;
  return fs::is_directory(alt) ? alt : name;
}

int CmdEval(int argc, char** argv) {
  Args a;
  std::string err;
  if (!a.Parse(argc, argv, 2,
               {"dataset", "analyzer", "k1", "b", "field-weight", "algorithm", "collection", "run-out", "run", "embedder",
                "mode", "fusion", "weights", "rrf-k", "candidates", "min-similarity", "feedback"},
               {"json", "help", "per-query", "int8", "calibrate-fusion"}, &err))
    return Usage(err, kEvalHelp);
  if (a.Has("help")) return std::printf("%s", kEvalHelp), kOk;
  if (!a.HasValue("dataset")) return Usage("eval needs --dataset DIR", kEvalHelp);
  const bool as_json = a.Has("json");
  const std::string dataset = ResolveDataset(a.Get("dataset"));
  auto print = [&](const eval::Metrics& m, const std::string& label) {
    if (as_json) {
      json j = json::parse(eval::MetricsToJson(m, a.Has("per-query")));
      j["dataset"] = dataset;
      j["system"] = label;
      std::cout << j.dump() << "\n";
    } else {
      std::printf("%s on %s: nDCG@10 %.4f  Recall@100 %.4f  MRR@10 %.4f  (%zu queries)\n", label.c_str(),
                  dataset.c_str(), m.ndcg10, m.recall100, m.mrr10, m.queries);
    }
  };
  if (a.HasValue("run")) {
    auto m = eval::ScoreRunFile(a.Get("run"), dataset);
    if (!m.ok()) return Fail(m.status(), as_json);
    print(*m, a.Get("run"));
    return kOk;
  }
  auto ds = eval::LoadBeir(dataset, true);
  if (!ds.ok()) return Fail(ds.status(), as_json);
  CollectionOptions co;
  Status st = ParseCollectionOptions(a, &co);
  if (!st.ok()) return Fail(st, as_json);
  TopKAlgorithm algo;
  if (!ParseAlgorithm(a.Get("algorithm", "auto"), &algo))
    return Fail(Status::InvalidArgument("--algorithm is auto, exhaustive, wand, maxscore or bmw"), as_json);
  std::string dir = a.Get("collection");
  bool temporary = dir.empty();
  if (temporary) dir = (fs::temp_directory_path() / ("glassbox-eval-" + std::to_string(::getpid()))).string();
  std::unique_ptr<Collection> c;
  double index_seconds = 0;
  if (!temporary && fs::exists(dir + "/MANIFEST")) {
    auto r = Collection::Open(dir);
    if (!r.ok()) return Fail(r.status(), as_json);
    c = std::move(r.value());
  } else {
    co.write_ahead_log = false;
    auto r = Collection::Create(dir, co);
    if (!r.ok()) return Fail(r.status(), as_json);
    c = std::move(r.value());
    auto t0 = std::chrono::steady_clock::now();
    for (const auto& d : ds->corpus) {
      Document doc;
      doc.id = d.id;
      doc.text = {{"title", d.title}, {"body", d.text}};
      Status s = c->Add(doc);
      if (!s.ok()) return Fail(s, as_json);
    }
    Status s = c->Commit();
    if (!s.ok()) return Fail(s, as_json);
    index_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  eval::Run run;
  SearchOptions so;
  so.k = 100;
  so.plain = true;
  so.with_fields = false;
  so.with_snippet = false;
  so.algorithm = algo;
  if (Status hs = ParseHybridOptions(a, &so); !hs.ok()) return Fail(hs, as_json);
  if (Status fs = SetOptionsFromFlags(a, &so, {"feedback"}); !fs.ok()) return Fail(fs, as_json);
  so.with_explanation = true;  // to count the hits no query word found (retriever parts)
  so.explain_words = false;
  size_t semantic_only_top10 = 0, semantic_only_rest = 0, judged = 0;
  auto t0 = std::chrono::steady_clock::now();
  for (const auto& q : ds->queries) {
    auto r = c->Search(q.text, so);
    if (!r.ok()) return Fail(Status::InvalidArgument("query " + q.id + ": " + r.status().message()), as_json);
    auto& hits = run[q.id];
    for (const auto& h : r->hits) hits.push_back({h.id, h.score});
    if (!ds->qrels.count(q.id)) continue;
    ++judged;
    for (size_t i = 0; i < r->hits.size(); ++i)
      for (const auto& part : r->hits[i].retrievers)
        if (part.retriever == "bm25" && part.raw == 0) ++(i < 10 ? semantic_only_top10 : semantic_only_rest);
  }
  double query_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (a.HasValue("run-out")) {
    Status s = eval::WriteTrecRun(a.Get("run-out"), run, "glassbox");
    if (!s.ok()) return Fail(s, as_json);
  }
  eval::Metrics m = eval::Evaluate(ds->qrels, run);
  CollectionStats stats = c->Stats();
  c.reset();
  if (temporary) fs::remove_all(dir);
  const std::string mode = a.Get("mode", "auto");
  std::string label = "glassbox[" + stats.analyzer + " k1=" + std::to_string(stats.k1).substr(0, 4) +
                      " b=" + std::to_string(stats.b).substr(0, 4) + " embedder=" + stats.embedder + " mode=" + mode;
  if (mode == "hybrid" || (mode == "auto" && stats.embedder != "none")) {
    label += " fusion=";
    label += a.HasValue("fusion") || a.HasValue("weights")
                 ? a.Get("fusion", "minmax") + " " + a.Get("weights", "0.5,0.5")
                 : stats.fusion;
  }
  if (so.feedback.docs > 0)
    label += " feedback=docs=" + std::to_string(so.feedback.docs) + ",terms=" + std::to_string(so.feedback.terms) +
             ",weight=" + std::to_string(so.feedback.weight).substr(0, 4);
  label += "]";
  print(m, label);
  if (!as_json) {
    std::printf("  indexed %zu documents in %.2f s; %zu queries in %.2f s\n", ds->corpus.size(), index_seconds,
                ds->queries.size(), query_seconds);
    if (judged)
      std::printf("  semantic-only hits (no query word) per judged query: %.2f in the top 10, %.2f in the top 100\n",
                  static_cast<double>(semantic_only_top10) / static_cast<double>(judged),
                  static_cast<double>(semantic_only_top10 + semantic_only_rest) / static_cast<double>(judged));
  }
  return kOk;
}

// ---------------------------------------------------------------------------

const char* kBenchHelp =
    "usage: glassbox bench --collection DIR --queries FILE [options]\n"
    "Measures indexing (with --corpus) and top-k query latency per query class.\n"
    "  --corpus FILE.jsonl  build DIR (must not exist) from {\"id\",\"text\"} lines, timed\n"
    "  --queries FILE       JSON lines {\"query\": \"...\", \"tags\": [\"union\", ...]}; class = first tag\n"
    "  --analyzer NAME      analyzer for a new collection (default english)\n"
    "  --embedder SPEC      embedder for a new collection (default none: BM25 only)\n"
    "  --mode M             search mode (default auto)\n"
    "  --k N                hits per query (default 10)\n"
    "  --repeat N           timed runs per query; the median is kept (default 5)\n"
    "  --warmup N           untimed passes over all queries first (default 2)\n"
    "  --algorithm A        top-k algorithm (default auto)\n"
    "  --no-wal             build without the write-ahead log\n"
    "  --json               machine-readable output\n";

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

int CmdBench(int argc, char** argv) {
  Args a;
  std::string err;
  if (!a.Parse(argc, argv, 2, {"collection", "queries", "corpus", "analyzer", "k", "repeat", "warmup", "algorithm", "embedder", "mode"},
               {"json", "help", "no-wal"}, &err))
    return Usage(err, kBenchHelp);
  if (a.Has("help")) return std::printf("%s", kBenchHelp), kOk;
  if (!a.HasValue("collection")) return Usage("bench needs --collection DIR", kBenchHelp);
  const bool as_json = a.Has("json");
  const std::string dir = a.Get("collection");
  size_t k = 10, repeat = 5, warmup = 2;
  if ((a.HasValue("k") && !ParseSize(a.Get("k"), &k)) || (a.HasValue("repeat") && !ParseSize(a.Get("repeat"), &repeat)) ||
      (a.HasValue("warmup") && !ParseSize(a.Get("warmup"), &warmup)) || repeat == 0)
    return Fail(Status::InvalidArgument("--k, --repeat and --warmup need whole numbers (repeat >= 1)"), as_json);
  TopKAlgorithm algo;
  if (!ParseAlgorithm(a.Get("algorithm", "auto"), &algo))
    return Fail(Status::InvalidArgument("--algorithm is auto, exhaustive, wand, maxscore or bmw"), as_json);
  json out = {{"engine", "glassbox"}, {"algorithm", a.Get("algorithm", "auto")}};
  std::unique_ptr<Collection> c;
  if (a.HasValue("corpus")) {
    if (fs::exists(dir)) return Fail(Status::AlreadyExists(dir + " exists; bench --corpus builds a new collection"), as_json);
    CollectionOptions co;
    co.analyzer = a.Get("analyzer", "english");
    co.embedder = a.Get("embedder", "none");
    co.write_ahead_log = !a.Has("no-wal");
    auto r = Collection::Create(dir, co);
    if (!r.ok()) return Fail(r.status(), as_json);
    c = std::move(r.value());
    const std::string corpus = a.Get("corpus");
    std::ifstream in(corpus);
    if (!in) return Fail(Status::NotFound("cannot read " + corpus), as_json);
    // Each line is read as `glassbox ingest` reads a .jsonl file (same
    // reader, same checks: ids are strings or numbers, "_id" or "id", else
    // "<file>:<line>"), one line at a time, without chunking or metadata.
    const std::string name = fs::path(corpus).lexically_normal().generic_string();
    const ReaderOptions reader;
    auto t0 = std::chrono::steady_clock::now();
    std::string line;
    uint64_t n = 0, lineno = 0;
    Document doc;
    while (std::getline(in, line)) {
      ++lineno;
      const std::string where = corpus + ":" + std::to_string(lineno) + ": ";
      auto docs = ingest::ReadBuffer(line, "jsonl", name, reader);
      if (!docs.ok()) {
        std::string why = docs.status().message();
        if (why.rfind("line 1: ", 0) == 0) why = why.substr(8);
        return Fail(Status::InvalidArgument(where + why), as_json);
      }
      for (const auto& sd : *docs) {
        doc.id = sd.id == ingest::PositionalId(name, 1) ? ingest::PositionalId(name, lineno) : sd.id;
        doc.text.clear();
        if (!sd.title.empty()) doc.text.emplace_back("title", sd.title);
        doc.text.emplace_back("body", sd.body);
        Status s = c->Add(doc);
        if (!s.ok())
          return Fail(s.code() == Status::Code::kInvalidArgument ? Status::InvalidArgument(where + s.message()) : s,
                      as_json);
        if (++n % 100000 == 0 && !as_json) std::fprintf(stderr, "\rindexed %llu documents", static_cast<unsigned long long>(n));
      }
    }
    Status s = c->Commit();
    if (!s.ok()) return Fail(s, as_json);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!as_json) std::fprintf(stderr, "\n");
    out["docs"] = n;
    out["index_seconds"] = secs;
    out["docs_per_second"] = n / secs;
    out["wal"] = !a.Has("no-wal");
  } else {
    auto r = OpenForReading(dir);
    if (!r.ok()) return Fail(r.status(), as_json);
    c = std::move(r.value());
    out["docs"] = c->Stats().documents;
  }
  CollectionStats st = c->Stats();
  out["index_bytes"] = st.index_bytes;
  out["segments"] = st.segments;
  if (a.HasValue("queries")) {
    std::ifstream in(a.Get("queries"));
    if (!in) return Fail(Status::NotFound("cannot read " + a.Get("queries")), as_json);
    std::vector<std::pair<std::string, std::string>> queries;  // (class, query)
    std::string line;
    size_t lineno = 0;
    while (std::getline(in, line)) {
      ++lineno;
      if (line.empty()) continue;
      json j = json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.contains("query")) continue;
      auto tags = j.find("tags");
      if (!j["query"].is_string() ||
          (tags != j.end() && (!tags->is_array() || (!tags->empty() && !(*tags)[0].is_string()))))
        return Fail(Status::InvalidArgument(a.Get("queries") + ":" + std::to_string(lineno) +
                                            ": expected {\"query\": \"...\", \"tags\": [\"...\", ...]}"),
                    as_json);
      std::string cls = tags != j.end() && !tags->empty() ? (*tags)[0].get<std::string>() : "all";
      queries.emplace_back(cls, j["query"].get<std::string>());
    }
    SearchOptions so;
    so.k = k;
    so.with_fields = false;
    so.with_snippet = false;
    so.algorithm = algo;
    if (Status hs = ParseHybridOptions(a, &so); !hs.ok()) return Fail(hs, as_json);
    for (size_t w = 0; w < warmup; ++w)
      for (const auto& [cls, q] : queries) (void)c->Search(q, so);
    std::map<std::string, std::vector<double>> per_class;
    std::map<std::string, double> hits_per_class;
    size_t errors = 0;
    for (const auto& [cls, q] : queries) {
      std::vector<double> times;
      size_t hits = 0;
      for (size_t r = 0; r < repeat; ++r) {
        auto t0 = std::chrono::steady_clock::now();
        auto res = c->Search(q, so);
        times.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
        if (!res.ok()) ++errors;
        else hits = res->hits.size();
      }
      per_class[cls].push_back(Median(times));
      per_class["all"].push_back(per_class[cls].back());
      hits_per_class[cls] += static_cast<double>(hits);
      hits_per_class["all"] += static_cast<double>(hits);
    }
    json classes = json::object();
    for (const auto& [cls, v] : per_class) {
      double mean = 0;
      for (double x : v) mean += x;
      classes[cls] = {{"queries", v.size()}, {"mean_us", mean / v.size()}, {"median_us", Median(v)},
                      {"avg_hits", hits_per_class[cls] / static_cast<double>(v.size())}};
    }
    out["classes"] = classes;
    out["query_errors"] = errors / repeat;
  }
  if (as_json) {
    std::cout << out.dump() << "\n";
  } else {
    std::cout << out.dump(2) << "\n";
  }
  return kOk;
}

// ---------------------------------------------------------------------------

const char* kServeHelp =
    "usage: glassbox serve --data DIR [options]\n"
    "Serves the collections under DIR (one subdirectory each) over HTTP/1.1 as a\n"
    "JSON API; see docs/server.md and GET /openapi.json.\n"
    "  --data DIR           root directory of the collections (created if missing)\n"
    "  --host H             address to listen on (default 127.0.0.1, loopback only)\n"
    "  --port N             port (default 8080; 0 = any free port)\n"
    "  --threads N          worker threads running requests (default 16); connections\n"
    "                       being read or written hold none\n"
    "  --keys FILE          require API keys from FILE (see `glassbox keys`)\n"
    "  --allow-embedder [NAME=]SPEC  an embedder that POST /v1/collections may name (by NAME\n"
    "                       or SPEC), besides none and static; SPEC is gguf:PATH or\n"
    "                       http://HOST:PORT/PATH#MODEL. Repeatable. No other model file or\n"
    "                       endpoint can be named in a request.\n"
    "  --max-body BYTES     largest request body (default 33554432 = 32 MiB)\n"
    "  --max-query BYTES    longest query (default 4096)\n"
    "  --max-k N            largest k + offset (default 1000)\n"
    "  --timeout S          the request head, and its body (plus 1 s per 64 KiB), must arrive\n"
    "                       within S seconds, and the response be taken as fast (default 10)\n"
    "  --keep-alive S       idle keep-alive connections are closed after S seconds (default 5)\n"
    "  --keep-alive-max N   requests per keep-alive connection (default 100)\n"
    "  --max-connections N  open connections in all (default 4096); more get 503\n"
    "  --max-connections-per-client N  open connections from one address (default 256)\n"
    "  --allow-host NAME    also answer requests whose Host is NAME (repeatable); on loopback\n"
    "                       only localhost names are answered otherwise (DNS rebinding guard)\n"
    "  --cors-origin ORIGIN let pages from ORIGIN (e.g. https://intranet.example) call the API\n"
    "                       (repeatable); writes from other origins are refused\n"
    "  --principal-statistics  score each key's searches with statistics over only the\n"
    "                       documents it may see (nothing leaks about hidden ones)\n"
    "  --query-timeout MS   time budget of one search or explain in milliseconds; past it the\n"
    "                       request gets 503 deadline_exceeded (default 5000; 0 = no limit)\n"
    "  --slow-ms MS         log requests that take MS milliseconds or more to stderr: UTC time,\n"
    "                       method, path, status, duration, the worker's CPU time, and for\n"
    "                       searches the engine's time and the query (default 0: off)\n"
    "  --llm-gguf PATH      enable \"answer_mode\": \"generative\" on /ask with this GGUF chat model,\n"
    "                       run in process (or --llm-url URL [--llm-model NAME]: an OpenAI-compatible\n"
    "                       /v1/chat/completions endpoint); requests cannot name a model\n"
    "  --llm-threads N      CPU threads of one in-process generation (default 0: all cores)\n"
    "Memory: the server reads each collection's segment and vector files into its own memory\n"
    "when each fits in a quarter of the memory available, else maps them; the environment\n"
    "variable GLASSBOX_FILES=memory|mapped|auto overrides it (docs/architecture.md).\n";

int CmdServe(int argc, char** argv) {
  Args a;
  std::string err;
  if (!a.Parse(argc, argv, 2,
               {"data", "host", "port", "threads", "keys", "max-body", "max-query", "max-k", "timeout", "keep-alive",
                "keep-alive-max", "max-connections", "max-connections-per-client", "allow-host", "cors-origin", "query-timeout",
                "slow-ms", "allow-embedder", "llm-gguf", "llm-url", "llm-model", "llm-threads"},
               {"help", "principal-statistics"}, &err))
    return Usage(err, kServeHelp);
  if (a.Has("help")) return std::printf("%s", kServeHelp), kOk;
  if (!a.HasValue("data")) return Usage("serve needs --data DIR", kServeHelp);
  server::ServerOptions o;
  o.data_dir = a.Get("data");
  o.host = a.Get("host", o.host);
  o.keys_file = a.Get("keys");
  o.principal_statistics = a.Has("principal-statistics");
  o.allowed_embedders = a.GetAll("allow-embedder");
  o.llm_gguf = a.Get("llm-gguf");
  o.llm_url = a.Get("llm-url");
  o.llm_model = a.Get("llm-model");
  if (a.HasValue("llm-threads")) {
    size_t t = 0;
    if (!ParseSize(a.Get("llm-threads"), &t) || t > 1024) return Usage("--llm-threads needs a whole number", kServeHelp);
    o.llm_threads = static_cast<int>(t);
  }
  if (!o.llm_gguf.empty() && !o.llm_url.empty()) return Usage("give --llm-gguf or --llm-url, not both", kServeHelp);
  if (Status s = server::CheckAllowedEmbedders(o.allowed_embedders); !s.ok())
    return Usage("--allow-embedder: " + s.message(), kServeHelp);
  size_t port = o.port, timeout = o.read_timeout_s, keep_alive = o.keep_alive_timeout_s,
         query_timeout = static_cast<size_t>(o.query_timeout_ms), slow_ms = 0;
  if ((a.HasValue("port") && (!ParseSize(a.Get("port"), &port) || port > 65535)) ||
      (a.HasValue("threads") && (!ParseSize(a.Get("threads"), &o.threads) || o.threads == 0)) ||
      (a.HasValue("max-body") && !ParseSize(a.Get("max-body"), &o.max_body_bytes)) ||
      (a.HasValue("max-query") && !ParseSize(a.Get("max-query"), &o.max_query_bytes)) ||
      (a.HasValue("max-k") && !ParseSize(a.Get("max-k"), &o.max_k)) ||
      (a.HasValue("timeout") && (!ParseSize(a.Get("timeout"), &timeout) || timeout == 0)) ||
      (a.HasValue("keep-alive") && !ParseSize(a.Get("keep-alive"), &keep_alive)) ||
      (a.HasValue("keep-alive-max") && !ParseSize(a.Get("keep-alive-max"), &o.keep_alive_max_count)) ||
      (a.HasValue("max-connections") && (!ParseSize(a.Get("max-connections"), &o.max_connections) ||
                                         o.max_connections == 0)) ||
      (a.HasValue("max-connections-per-client") &&
       (!ParseSize(a.Get("max-connections-per-client"), &o.max_connections_per_client) ||
        o.max_connections_per_client == 0)) ||
      (a.HasValue("query-timeout") && (!ParseSize(a.Get("query-timeout"), &query_timeout) || query_timeout > INT32_MAX)) ||
      (a.HasValue("slow-ms") && (!ParseSize(a.Get("slow-ms"), &slow_ms) || slow_ms > INT32_MAX)))
    return Usage("--port, --threads, --max-body, --max-query, --max-k, --timeout, --keep-alive, "
                 "--keep-alive-max, --max-connections, --max-connections-per-client, --query-timeout and --slow-ms "
                 "need whole numbers",
                 kServeHelp);
  for (std::string h : a.GetAll("allow-host")) {
    for (char& ch : h) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    o.allowed_hosts.push_back(h);
  }
  for (const auto& origin : a.GetAll("cors-origin")) {
    if (origin.rfind("http://", 0) != 0 && origin.rfind("https://", 0) != 0)
      return Usage("--cors-origin needs an origin such as https://intranet.example", kServeHelp);
    o.cors_origins.push_back(origin);
  }
  o.query_timeout_ms = static_cast<int>(query_timeout);
  o.slow_log_ms = static_cast<int>(slow_ms);
  o.port = static_cast<int>(port);
  o.read_timeout_s = o.write_timeout_s = static_cast<int>(timeout);
  o.keep_alive_timeout_s = static_cast<int>(keep_alive);
  // A server opens each collection once and searches it many times: it holds the files in memory when they fit
  // (docs/architecture.md, "Where a collection's bytes live"), unless GLASSBOX_FILES says otherwise. Set before
  // any thread starts (setenv is not thread-safe); a bad value stops the server here, not at the first request.
  ::setenv("GLASSBOX_FILES", "auto", /*overwrite=*/0);
  if (auto files = index::ResidencyFromEnvironment(); !files.ok()) return Fail(files.status(), false);
  if (o.keys_file.empty() && o.host != "127.0.0.1" && o.host != "localhost" && o.host != "::1")
    std::fprintf(stderr,
                 "glassbox: warning: serving on %s without --keys: anyone who can reach it may read, "
                 "change and delete every collection\n",
                 o.host.c_str());
  // SIGINT and SIGTERM stop the server cleanly (a thread waits for them).
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  server::Server srv(o);
  Status s = srv.Start();
  if (!s.ok()) return Fail(s, false);
  std::printf("glassbox serving %s on http://%s:%d%s\n", o.data_dir.c_str(), o.host.c_str(), srv.port(),
              o.keys_file.empty() ? "" : " (API keys required)");
  std::fflush(stdout);
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&set, &sig);
    srv.Stop();
  });
  srv.Wait();
  pthread_kill(waiter.native_handle(), SIGTERM);  // wakes the waiter if Wait ended otherwise
  waiter.join();
  return kOk;
}

const char* kKeysHelp =
    "usage: glassbox keys create --keys FILE --name NAME --role admin|writer|reader\n"
    "                            [--collection C ...] [--user U] [--group G ...] [--json]\n"
    "       glassbox keys list --keys FILE [--json]\n"
    "       glassbox keys revoke --keys FILE NAME_OR_ID\n"
    "API keys for `glassbox serve --keys FILE`. create prints the key once; FILE keeps\n"
    "only a salted SHA-256 hash. Roles: reader (search, get, explain, stats), writer\n"
    "(+ add and delete documents), admin (+ create and drop collections). --collection\n"
    "limits a key to those collections; --user and --group name the principal whose\n"
    "acl_users / acl_groups document metadata decides what the key may see.\n";

int CmdKeys(int argc, char** argv) {
  Args a;
  std::string err;
  if (!a.Parse(argc, argv, 2, {"keys", "name", "role", "collection", "user", "group"}, {"json", "help"}, &err))
    return Usage(err, kKeysHelp);
  if (a.Has("help")) return std::printf("%s", kKeysHelp), kOk;
  if (a.positional().empty()) return Usage("keys needs create, list or revoke", kKeysHelp);
  if (!a.HasValue("keys")) return Usage("keys needs --keys FILE", kKeysHelp);
  const bool as_json = a.Has("json");
  const std::string file = a.Get("keys");
  const std::string sub = a.positional()[0];
  if (sub == "create") {
    if (a.positional().size() != 1) return Usage("keys create takes no positional arguments", kKeysHelp);
    server::ApiKey k;
    k.name = a.Get("name");
    if (k.name.empty()) return Usage("keys create needs --name NAME", kKeysHelp);
    if (!server::ParseRole(a.Get("role"), &k.role)) return Usage("--role is admin, writer or reader", kKeysHelp);
    k.collections = a.GetAll("collection");
    k.user = a.Get("user");
    k.groups = a.GetAll("group");
    auto key = server::CreateKey(file, k);
    if (!key.ok()) return Fail(key.status(), as_json);
    if (as_json) std::cout << json{{"name", k.name}, {"role", server::RoleName(k.role)}, {"key", *key}}.dump() << "\n";
    else std::printf("%s\n", key->c_str());
    if (!as_json) std::fprintf(stderr, "glassbox: key '%s' (%s) created; it is shown only now\n", k.name.c_str(),
                                server::RoleName(k.role));
    return kOk;
  }
  if (sub == "list") {
    auto keys = server::LoadKeys(file);
    if (!keys.ok()) return Fail(keys.status(), as_json);
    json out = json::array();
    for (const auto& k : *keys) {
      json j = {{"id", k.id}, {"name", k.name}, {"role", server::RoleName(k.role)}, {"collections", k.collections},
                {"user", k.user}, {"groups", k.groups}, {"revoked", k.revoked}, {"created", k.created}};
      if (as_json) {
        out.push_back(j);
        continue;
      }
      std::string colls, groups;
      for (const auto& c : k.collections) colls += (colls.empty() ? "" : ",") + c;
      for (const auto& g : k.groups) groups += (groups.empty() ? "" : ",") + g;
      std::printf("%-8s %-20s %-6s collections=%s user=%s groups=%s%s\n", k.id.c_str(), k.name.c_str(),
                  server::RoleName(k.role), colls.empty() ? "*" : colls.c_str(), k.user.c_str(), groups.c_str(),
                  k.revoked ? " (revoked)" : "");
    }
    if (as_json) std::cout << json{{"keys", out}}.dump() << "\n";
    return kOk;
  }
  if (sub == "revoke") {
    if (a.positional().size() != 2) return Usage("keys revoke needs NAME_OR_ID", kKeysHelp);
    Status s = server::RevokeKey(file, a.positional()[1]);
    if (!s.ok()) return Fail(s, as_json);
    if (as_json) std::cout << json{{"revoked", a.positional()[1]}}.dump() << "\n";
    else std::printf("revoked %s\n", a.positional()[1].c_str());
    return kOk;
  }
  return Usage("keys needs create, list or revoke", kKeysHelp);
}

int Run(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "%s", kMainHelp);
    return kUsage;
  }
  std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") return std::printf("%s", kMainHelp), kOk;
  if (cmd == "--version") return std::printf("glassbox 0.1.0\n"), kOk;
  if (cmd == "init") return CmdInit(argc, argv);
  if (cmd == "ingest") return CmdIngest(argc, argv);
  if (cmd == "search") return CmdSearch(argc, argv);
  if (cmd == "explain") return CmdExplain(argc, argv);
  if (cmd == "get") return CmdGet(argc, argv);
  if (cmd == "delete") return CmdDelete(argc, argv);
  if (cmd == "stats") return CmdStats(argc, argv);
  if (cmd == "merge") return CmdMerge(argc, argv);
  if (cmd == "eval") return CmdEval(argc, argv);
  if (cmd == "sql") return CmdSql(argc, argv);
  if (cmd == "tables") return CmdTables(argc, argv);
  if (cmd == "eval-sql") return CmdEvalSql(argc, argv);
  if (cmd == "bench") return CmdBench(argc, argv);
  if (cmd == "serve") return CmdServe(argc, argv);
  if (cmd == "keys") return CmdKeys(argc, argv);
  if (cmd == "ask") return CmdAsk(argc, argv);
  if (cmd == "ingest-faq") return CmdIngestFaq(argc, argv);
  if (cmd == "eval-answers") return CmdEvalAnswers(argc, argv);
  if (cmd == "eval-faq") return CmdEvalFaq(argc, argv);
  std::fprintf(stderr, "glassbox: unknown command '%s'\n\n%s", cmd.c_str(), kMainHelp);
  return kUsage;
}

}  // namespace
}  // namespace glassbox::cli

// No command may end in an abort: an exception that escapes (a bug) becomes
// a message and exit code 1.
int main(int argc, char** argv) {
  try {
    return glassbox::cli::Run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "glassbox: internal error: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "glassbox: internal error (unknown exception)\n");
  }
  return glassbox::cli::kFailure;
}
