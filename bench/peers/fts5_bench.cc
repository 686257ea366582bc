// SQLite FTS5 peer driver.
//
//   fts5_bench beir  --dataset DIR --lang en|zh --run OUT [--k 100]
//   fts5_bench speed --corpus FILE.jsonl --queries FILE --index FILE.db --json OUT
//                    [--k 10] [--warmup 2] [--reps 5] [--reuse-index] [--no-fetch]
//
// Table: fts5(id UNINDEXED, body) with tokenize='porter unicode61' (English)
// or 'trigram' (Chinese); ranking ORDER BY bm25(t) (FTS5's built-in BM25,
// k1=1.2, b=0.75). Free-text queries become an OR of quoted tokens (for
// trigram: an OR of every 3-character window of each run of word characters),
// since MATCH rejects bare punctuation.
#include <sqlite3.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "eval/beir.h"
#include "eval/metrics.h"
#include "peers/peer_common.h"

namespace {

using namespace gbbench;
namespace ev = glassbox::eval;

void Check(sqlite3* db, int rc, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
    Die(std::string(what) + ": " + sqlite3_errmsg(db));
}

void Exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) Die(sql + ": " + (err ? err : "?"));
}

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// English: "tok1" OR "tok2" ...
std::string EnglishMatch(const std::string& text) {
  std::string m;
  for (const auto& w : Words(text)) {
    if (!m.empty()) m += " OR ";
    m += Quote(w);
  }
  return m;
}

bool IsWordCodePoint(const std::string& cp) {
  if (cp.size() == 1) {
    unsigned char c = cp[0];
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }
  return IsCjkCodePoint(cp) || cp.size() == 2;  // CJK ideographs/kana/hangul, Latin-1/Greek/Cyrillic letters
}

// Chinese (trigram tokenizer): every 3-code-point window of each word run, OR-ed.
std::string TrigramMatch(const std::string& text) {
  std::string m;
  std::vector<std::string> run;
  auto flush = [&]() {
    for (size_t i = 0; i + 3 <= run.size(); ++i) {
      if (!m.empty()) m += " OR ";
      m += Quote(run[i] + run[i + 1] + run[i + 2]);
    }
    run.clear();
  };
  for (const auto& cp : CodePoints(text)) {
    if (IsWordCodePoint(cp)) run.push_back(cp);
    else flush();
  }
  flush();
  return m;
}

// Bench query syntax -> FTS5: a b -> "a" OR "b"; +a +b -> "a" AND "b"; "a b" -> "a b";
// +a -b -> "a" NOT "b"; +a b -> "a" AND ("a" OR "b") (b only adds to the score).
std::string BenchMatch(const std::string& q) {
  std::vector<std::string> must, should, mustnot;
  for (const auto& c : ParseBenchQuery(q)) {
    std::string phrase;
    for (const auto& w : c.words) phrase += (phrase.empty() ? "" : " ") + w;
    std::string quoted = Quote(phrase);
    (c.occur == '+' ? must : c.occur == '-' ? mustnot : should).push_back(quoted);
  }
  auto join = [](const std::vector<std::string>& v, const char* op) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : op) + x;
    return s;
  };
  std::string m;
  if (!must.empty()) {
    m = join(must, " AND ");
    if (!should.empty()) {
      std::vector<std::string> all = must;
      all.insert(all.end(), should.begin(), should.end());
      m += " AND (" + join(all, " OR ") + ")";
    }
  } else {
    m = join(should, " OR ");
  }
  if (m.empty()) return m;
  if (!mustnot.empty()) m = "(" + m + ") NOT " + join(mustnot, " NOT ");
  return m;
}

sqlite3* Open(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) Die(path + ": cannot open");
  return db;
}

void CreateAndLoad(sqlite3* db, const std::string& tokenize,
                   const std::function<void(const std::function<void(const std::string&, const std::string&)>&)>& docs,
                   uint64_t* count) {
  Exec(db, "CREATE VIRTUAL TABLE t USING fts5(id UNINDEXED, body, tokenize='" + tokenize + "')");
  Exec(db, "BEGIN");
  sqlite3_stmt* ins = nullptr;
  Check(db, sqlite3_prepare_v2(db, "INSERT INTO t(id, body) VALUES (?, ?)", -1, &ins, nullptr), "prepare insert");
  docs([&](const std::string& id, const std::string& text) {
    sqlite3_bind_text(ins, 1, id.data(), id.size(), SQLITE_STATIC);
    sqlite3_bind_text(ins, 2, text.data(), text.size(), SQLITE_STATIC);
    Check(db, sqlite3_step(ins), "insert");
    sqlite3_reset(ins);
    ++*count;
  });
  sqlite3_finalize(ins);
  Exec(db, "COMMIT");
}

// Runs MATCH m, top k by bm25; fn(id, score) per hit. Returns hits, or 0 on a query error.
size_t Search(sqlite3* db, sqlite3_stmt* st, const std::string& m,
              const std::function<void(const char*, double)>& fn) {
  if (m.empty()) return 0;
  sqlite3_reset(st);
  sqlite3_bind_text(st, 1, m.data(), m.size(), SQLITE_TRANSIENT);
  size_t n = 0;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    fn(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), -sqlite3_column_double(st, 1));
    ++n;
  }
  if (rc != SQLITE_DONE) {
    std::cerr << "query [" << m << "]: " << sqlite3_errmsg(db) << "\n";
    return 0;
  }
  return n;
}

sqlite3_stmt* PrepareSearch(sqlite3* db, size_t k, bool rowid_only = false) {
  sqlite3_stmt* st = nullptr;
  std::string sql = std::string("SELECT ") + (rowid_only ? "rowid" : "id") + ", bm25(t) FROM t WHERE t MATCH ? ORDER BY bm25(t) LIMIT " + std::to_string(k);
  Check(db, sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), "prepare search");
  return st;
}

int Beir(const Args& a) {
  bool zh = a.Get("lang", "en") == "zh";
  size_t k = a.GetInt("k", 100);
  auto ds = ev::LoadBeir(a.Get("dataset"));
  if (!ds.ok()) Die(ds.status().ToString());
  sqlite3* db = Open(":memory:");
  uint64_t n = 0;
  CreateAndLoad(db, zh ? "trigram" : "porter unicode61", [&](const auto& add) {
    for (const auto& d : ds->corpus) add(d.id, d.title + " " + d.text);
  }, &n);
  sqlite3_stmt* st = PrepareSearch(db, k);
  ev::Run run;
  for (const auto& q : ds->queries) {
    auto& hits = run[q.id];
    std::string m = zh ? TrigramMatch(q.text) : EnglishMatch(q.text);
    Search(db, st, m, [&](const char* id, double score) { hits.push_back({id, score}); });
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  auto s = ev::WriteTrecRun(a.Get("run"), run, zh ? "fts5-trigram" : "fts5-porter");
  if (!s.ok()) Die(s.ToString());
  return 0;
}

int Speed(const Args& a) {
  std::string corpus = a.Get("corpus"), index = a.Get("index"), out = a.Get("json");
  if (corpus.empty() || index.empty() || out.empty()) Die("speed needs --corpus --index --json");
  size_t k = a.GetInt("k", 10);
  uint64_t docs = 0;
  double index_seconds = -1;
  if (!a.Has("reuse-index")) {
    std::filesystem::remove_all(index);
    std::filesystem::remove(index + "-journal");
    double t0 = NowSeconds();
    sqlite3* db = Open(index);
    Exec(db, "PRAGMA cache_size=-262144");  // 256 MiB page cache
    CreateAndLoad(db, "porter unicode61", [&](const auto& add) { ForEachCorpusDoc(corpus, add); }, &docs);
    sqlite3_close(db);
    index_seconds = NowSeconds() - t0;
  }
  sqlite3* db = Open(index);
  Exec(db, "PRAGMA cache_size=-262144");
  {
    sqlite3_stmt* c = nullptr;
    sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &c, nullptr);
    if (sqlite3_step(c) == SQLITE_ROW) docs = sqlite3_column_int64(c, 0);
    sqlite3_finalize(c);
  }
  auto queries = LoadBenchQueries(a.Get("queries"));
  std::vector<std::string> match(queries.size());
  const bool no_fetch = a.Has("no-fetch");  // select rowid instead of the stored id
  sqlite3_stmt* st = PrepareSearch(db, k, no_fetch);
  auto rep = MeasureLatency(queries, a.GetInt("warmup", 2), a.GetInt("reps", 5), [&](const BenchQuery& q) -> size_t {
    return Search(db, st, BenchMatch(q.text), [](const char*, double) {});
  });
  sqlite3_finalize(st);
  sqlite3_close(db);
  std::FILE* f = std::fopen(out.c_str(), "w");
  if (!f) Die(out + ": cannot create");
  std::fprintf(f,
               "{\"engine\":\"fts5\",\"version\":%s,\"docs\":%llu,\"index_seconds\":%.3f,\"docs_per_second\":%.1f,"
               "\"index_bytes\":%llu,\"fetch_ids\":%s,\"settings\":%s,\"classes\":%s}\n",
               JsonEscape(sqlite3_libversion()).c_str(), (unsigned long long)docs, index_seconds,
               index_seconds > 0 ? docs / index_seconds : -1.0, (unsigned long long)DirBytes(index), no_fetch ? "false" : "true",
               JsonEscape("fts5(id UNINDEXED, body) tokenize='porter unicode61' (text stored in the table), one "
                          "transaction, cache_size 256 MiB, no 'optimize'; ORDER BY bm25(t) LIMIT k; "
                          "a b -> OR, +a +b -> AND, \"a b\" -> phrase, -b -> NOT")
                   .c_str(),
               rep.json.c_str());
  std::fclose(f);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args a = ParseArgs(argc, argv);
  if (a.mode == "beir") return Beir(a);
  if (a.mode == "speed") return Speed(a);
  if (a.mode == "translate") {  // debugging: print the MATCH expression of a bench query
    std::cout << BenchMatch(a.Get("q")) << "\n" << TrigramMatch(a.Get("q")) << "\n";
    return 0;
  }
  std::cerr << "usage: fts5_bench beir|speed ...\n";
  return 2;
}
