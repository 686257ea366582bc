// Xapian peer driver.
//
//   xapian_bench beir  --dataset DIR --lang en|zh --run OUT [--k 100]
//   xapian_bench speed --corpus FILE.jsonl --queries FILE --index DIR --json OUT
//                      [--k 10] [--warmup 2] [--reps 5] [--reuse-index] [--no-fetch]
//
// Analysis: TermGenerator with the English Snowball stemmer, STEM_SOME (both
// the unstemmed and Z-prefixed stemmed terms are indexed, with positions);
// Chinese adds FLAG_CJK_NGRAM (unigrams + bigrams of CJK characters). Ranking:
// BM25Weight with its defaults (k1=1, k2=0, k3=1, b=0.5, min_normlen=0.5).
// BEIR queries are parsed with default OR and no operator flags, so stray
// punctuation is text (Chinese: the n-grams of a CJK run are OR-ed, see
// AndToOr); bench queries use FLAG_PHRASE|FLAG_LOVEHATE.
#include <xapian.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "eval/beir.h"
#include "eval/metrics.h"
#include "peers/peer_common.h"

namespace {

using namespace gbbench;
namespace ev = glassbox::eval;

Xapian::TermGenerator MakeTermGenerator(bool chinese) {
  Xapian::TermGenerator tg;
  tg.set_stemmer(Xapian::Stem("english"));
  tg.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
  if (chinese) tg.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
  return tg;
}

Xapian::QueryParser MakeQueryParser(const Xapian::Database& db) {
  Xapian::QueryParser qp;
  qp.set_stemmer(Xapian::Stem("english"));
  qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
  qp.set_default_op(Xapian::Query::OP_OR);
  qp.set_database(db);
  return qp;
}

// QueryParser with FLAG_CJK_NGRAM ANDs the n-grams of each CJK run, so a
// question matches only passages containing every character of it. For
// bag-of-words retrieval, turn those ANDs into ORs (BEIR queries are parsed
// without operator flags, so every AND comes from an n-gram group).
Xapian::Query AndToOr(const Xapian::Query& q) {
  size_t n = q.get_num_subqueries();
  if (n == 0) return q;
  std::vector<Xapian::Query> subs;
  for (size_t i = 0; i < n; ++i) subs.push_back(AndToOr(q.get_subquery(i)));
  Xapian::Query::op op = q.get_type();
  if (op == Xapian::Query::OP_AND) op = Xapian::Query::OP_OR;
  if (op != Xapian::Query::OP_OR) return q;
  return Xapian::Query(op, subs.begin(), subs.end());
}

int Beir(const Args& a) {
  std::string dir = a.Get("dataset");
  bool zh = a.Get("lang", "en") == "zh";
  size_t k = a.GetInt("k", 100);
  auto ds = ev::LoadBeir(dir);
  if (!ds.ok()) Die(ds.status().ToString());
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  Xapian::WritableDatabase db = Xapian::InMemory::open();  // small collections: no disk needed
#pragma GCC diagnostic pop
  Xapian::TermGenerator tg = MakeTermGenerator(zh);
  for (const auto& d : ds->corpus) {
    Xapian::Document doc;
    tg.set_document(doc);
    tg.index_text(d.title + " " + d.text);
    doc.set_data(d.id);
    db.add_document(doc);
  }
  db.commit();
  Xapian::QueryParser qp = MakeQueryParser(db);
  unsigned flags = zh ? Xapian::QueryParser::FLAG_CJK_NGRAM : 0;
  Xapian::Enquire enq(db);
  enq.set_weighting_scheme(Xapian::BM25Weight());
  ev::Run run;
  for (const auto& q : ds->queries) {
    auto& hits = run[q.id];
    Xapian::Query query;
    try {
      try {
        query = qp.parse_query(q.text, flags);
      } catch (const Xapian::QueryParserError&) {
        // Rare (1 cmrc2018 question): parse each space/punctuation-separated piece alone, OR them.
        std::vector<Xapian::Query> parts;
        std::string piece;
        auto flush = [&]() {
          if (!piece.empty()) parts.push_back(qp.parse_query(piece, flags));
          piece.clear();
        };
        for (const auto& cp : CodePoints(q.text)) {
          bool word = cp.size() == 1 ? std::isalnum(static_cast<unsigned char>(cp[0])) != 0 : IsCjkCodePoint(cp);
          if (word) piece += cp;
          else flush();
        }
        flush();
        query = Xapian::Query(Xapian::Query::OP_OR, parts.begin(), parts.end());
      }
      if (zh) query = AndToOr(query);
    } catch (const Xapian::Error& e) {
      std::cerr << "query " << q.id << ": " << e.get_msg() << "\n";
      continue;
    }
    enq.set_query(query);
    Xapian::MSet ms = enq.get_mset(0, k);
    for (auto it = ms.begin(); it != ms.end(); ++it) hits.push_back({it.get_document().get_data(), it.get_weight()});
  }
  auto st = ev::WriteTrecRun(a.Get("run"), run, "xapian");
  if (!st.ok()) Die(st.ToString());
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
    // Xapian flushes every 10,000 documents by default (XAPIAN_FLUSH_THRESHOLD).
    // A larger buffer (100,000, like Lucene's 256 MB) made indexing ~5x slower
    // at 1M documents here, so the default stays unless --flush N is given.
    if (a.Has("flush")) setenv("XAPIAN_FLUSH_THRESHOLD", a.Get("flush").c_str(), 1);
    double t0 = NowSeconds();
    {
      Xapian::WritableDatabase db(index, Xapian::DB_CREATE_OR_OVERWRITE);
      Xapian::TermGenerator tg = MakeTermGenerator(false);
      ForEachCorpusDoc(corpus, [&](const std::string& id, const std::string& text) {
        Xapian::Document doc;
        tg.set_document(doc);
        tg.index_text(text);
        doc.set_data(id + "\t" + text);
        db.add_document(doc);
        ++docs;
      });
      db.commit();
      db.close();
    }
    index_seconds = NowSeconds() - t0;
  }
  Xapian::Database db(index);
  docs = db.get_doccount();
  auto queries = LoadBenchQueries(a.Get("queries"));
  Xapian::QueryParser qp = MakeQueryParser(db);
  Xapian::Enquire enq(db);
  enq.set_weighting_scheme(Xapian::BM25Weight());
  unsigned flags = Xapian::QueryParser::FLAG_PHRASE | Xapian::QueryParser::FLAG_LOVEHATE;
  const bool no_fetch = a.Has("no-fetch");  // top-k docids and weights only
  auto rep = MeasureLatency(queries, a.GetInt("warmup", 2), a.GetInt("reps", 5), [&](const BenchQuery& q) -> size_t {
    enq.set_query(qp.parse_query(q.text, flags));
    Xapian::MSet ms = enq.get_mset(0, k);
    if (no_fetch) return ms.size();
    size_t n = 0;
    for (auto it = ms.begin(); it != ms.end(); ++it) {
      std::string data = it.get_document().get_data();
      std::string id = data.substr(0, data.find('\t'));
      n += !id.empty();
    }
    return n;
  });
  std::FILE* f = std::fopen(out.c_str(), "w");
  if (!f) Die(out + ": cannot create");
  std::fprintf(f,
               "{\"engine\":\"xapian\",\"version\":%s,\"docs\":%llu,\"index_seconds\":%.3f,\"docs_per_second\":%.1f,"
               "\"index_bytes\":%llu,\"fetch_ids\":%s,\"settings\":%s,\"classes\":%s}\n",
               JsonEscape(Xapian::version_string()).c_str(), (unsigned long long)docs, index_seconds,
               index_seconds > 0 ? docs / index_seconds : -1.0, (unsigned long long)DirBytes(index), no_fetch ? "false" : "true",
               JsonEscape("glass backend, English stemmer STEM_SOME with positions, id+text stored as document "
                          "data, default XAPIAN_FLUSH_THRESHOLD (10000 unless set), one commit, not compacted; BM25Weight defaults; QueryParser "
                          "FLAG_PHRASE|FLAG_LOVEHATE, default OR")
                   .c_str(),
               rep.json.c_str());
  std::fclose(f);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args a = ParseArgs(argc, argv);
  try {
    if (a.mode == "beir") return Beir(a);
    if (a.mode == "speed") return Speed(a);
  } catch (const Xapian::Error& e) {
    Die(e.get_description());
  }
  std::cerr << "usage: xapian_bench beir|speed ...\n";
  return 2;
}
