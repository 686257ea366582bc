// Loading retrieval test collections in BEIR format.
//
// A BEIR folder holds corpus.jsonl (one {"_id","title","text"} object a line),
// queries.jsonl ({"_id","text"}) and qrels/test.tsv ("query-id corpus-id score",
// a header line first, tab separated). Only queries that have qrels are
// evaluated. Errors name the file and line ("queries.jsonl:17: ...").
#pragma once

#include <map>
#include <string>
#include <vector>

#include "glassbox/status.h"

namespace glassbox::eval {

struct BeirDoc {
  std::string id;
  std::string title;
  std::string text;
};

struct BeirQuery {
  std::string id;
  std::string text;
};

// query id -> document id -> graded relevance (as written in the qrels; may be 0).
using Qrels = std::map<std::string, std::map<std::string, int>>;

struct BeirDataset {
  std::string dir;
  std::vector<BeirDoc> corpus;      // empty when loaded without the corpus
  std::vector<BeirQuery> queries;   // only queries that have qrels, in file order
  Qrels qrels;
  size_t queries_without_qrels = 0; // queries in queries.jsonl skipped for lack of qrels
};

Result<std::vector<BeirDoc>> LoadBeirCorpus(const std::string& path);
Result<std::vector<BeirQuery>> LoadBeirQueries(const std::string& path);
// Reads a qrels TSV. The first line is a header when its third column is not a number.
Result<Qrels> LoadQrels(const std::string& path);

// Loads <dir>/corpus.jsonl (if with_corpus), <dir>/queries.jsonl and
// <dir>/qrels/<split>.tsv; keeps only queries with qrels.
Result<BeirDataset> LoadBeir(const std::string& dir, bool with_corpus = true,
                             const std::string& split = "test");

// The shared test material: $GLASSBOX_DATA if set, else "../shared".
std::string DataRoot();

}  // namespace glassbox::eval
