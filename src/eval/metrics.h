// Retrieval metrics as BEIR / pytrec_eval compute them, and TREC run files.
//
//   nDCG@10    gain = relevance grade, discount 1/log2(rank+1); the ideal ranking
//              is the judged documents sorted by grade (trec_eval ndcg_cut.10).
//   Recall@100 judged-relevant (grade > 0) documents in the top 100 / all of them.
//   MRR@10     1/rank of the first relevant document in the top 10, else 0.
//
// Differences from pytrec_eval, on purpose:
//   - Ties in a run keep the order given (pytrec_eval re-sorts by score, then
//     by document id descending).
//   - Every query that has qrels counts; a query missing from the run scores 0
//     (pytrec_eval, hence BEIR, silently averages over the queries in the run).
//   - A document listed twice for one query counts once, at its first rank.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "eval/beir.h"
#include "glassbox/status.h"

namespace glassbox::eval {

struct ScoredDoc {
  std::string id;
  double score = 0;
};

// query id -> ranked hits, best first.
using Run = std::map<std::string, std::vector<ScoredDoc>>;

struct QueryMetrics {
  std::string query_id;
  double ndcg10 = 0;
  double recall100 = 0;
  double mrr10 = 0;
  size_t retrieved = 0;   // hits the run has for the query
  size_t relevant = 0;    // judged documents with grade > 0
};

struct Metrics {
  size_t queries = 0;               // queries with qrels (the denominator)
  size_t queries_missing = 0;       // of those, absent from the run (scored 0)
  size_t run_queries_unjudged = 0;  // queries in the run without qrels (ignored)
  double ndcg10 = 0;
  double recall100 = 0;
  double mrr10 = 0;
  std::vector<QueryMetrics> per_query;  // in query-id order
};

// One query's metrics. `hits` is the ranked list, best first.
QueryMetrics EvaluateQuery(const std::string& query_id, const std::map<std::string, int>& judged,
                           const std::vector<ScoredDoc>& hits);

// Per-query and mean metrics over every query in qrels.
Metrics Evaluate(const Qrels& qrels, const Run& run);

// nDCG@k, Recall@k, MRR@k for any cut-off (the fixed fields above use 10/100/10).
double NdcgAt(const std::map<std::string, int>& judged, const std::vector<ScoredDoc>& hits, size_t k);
double RecallAt(const std::map<std::string, int>& judged, const std::vector<ScoredDoc>& hits, size_t k);
double MrrAt(const std::map<std::string, int>& judged, const std::vector<ScoredDoc>& hits, size_t k);

// TREC run files: "qid Q0 docid rank score tag", whitespace separated.
// Reading orders each query's hits by the rank column (stable: file order for
// equal ranks). Errors name file:line.
Result<Run> ReadTrecRun(const std::string& path);
// Writes hits in the order given; ranks are 1-based.
Status WriteTrecRun(const std::string& path, const Run& run, const std::string& tag);

// Reads a run file and scores it against <dataset_dir>/qrels/test.tsv.
Result<Metrics> ScoreRunFile(const std::string& run_path, const std::string& dataset_dir);

// {"queries":..,"ndcg@10":..,"recall@100":..,"mrr@10":..[,"per_query":[...]]}
std::string MetricsToJson(const Metrics& m, bool per_query = false);

}  // namespace glassbox::eval
