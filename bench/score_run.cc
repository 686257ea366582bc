// score_run: scores a TREC run file against a BEIR dataset's qrels.
//
//   score_run RUN_FILE DATASET_DIR [--per-query]
//
// Prints one JSON object: {"queries":..,"ndcg@10":..,"recall@100":..,"mrr@10":..}.
#include <cstring>
#include <iostream>

#include "eval/metrics.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: score_run RUN_FILE DATASET_DIR [--per-query]\n";
    return 2;
  }
  bool per_query = argc > 3 && std::strcmp(argv[3], "--per-query") == 0;
  auto m = glassbox::eval::ScoreRunFile(argv[1], argv[2]);
  if (!m.ok()) {
    std::cerr << "score_run: " << m.status().ToString() << "\n";
    return 1;
  }
  std::cout << glassbox::eval::MetricsToJson(m.value(), per_query) << "\n";
  return 0;
}
