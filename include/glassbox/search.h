// Search requests, hits and explanations.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "glassbox/document.h"
#include "glassbox/retriever.h"

namespace glassbox {

// How the top k is found. All algorithms return identical results (a test
// checks this against kExhaustive on randomized indexes); they differ in speed.
enum class TopKAlgorithm { kAuto, kExhaustive, kWand, kMaxScore, kBlockMaxWand };

// Which retrievers run. kAuto: hybrid when the collection has an embedder, else BM25.
enum class SearchMode { kAuto, kBm25, kVector, kHybrid };

// How hybrid search fuses the BM25 and vector rankings (see src/hybrid/fusion.h):
//   kRrf     sum of weight / (rrf_k + rank)
//   kMinMax  sum of weight * min-max normalized raw score
//   kZScore  sum of weight * z-score normalized raw score
// Normalization statistics are taken over the union of both candidate lists,
// and every candidate is scored by both retrievers.
enum class FusionMethod { kRrf, kMinMax, kZScore };

// On whose behalf a search runs. Documents may carry keyword metadata
// "acl_users" and/or "acl_groups" (repeat the field for several values); such a
// document is visible only to a principal named in acl_users or belonging to a
// group in acl_groups. A document with neither field is visible to everyone.
// Enforced inside retrieval (BM25 and vector), so counts never include what
// the principal may not see.
struct Principal {
  std::string user;
  std::vector<std::string> groups;
};

// The collection-wide statistics BM25 scores with: the number of documents,
// the tokens of each text field (for average lengths), and the document
// frequency of index terms. A search uses its own collection's, unless
// SearchOptions::statistics supplies others: how a coordinator makes shards
// score exactly as one collection holding all their documents would —
// phase 1 gathers each shard's Collection::QueryStatistics for the query and
// Merges them, phase 2 passes the sum to every shard's Search. Explanations
// report the statistics that were used.
struct CorpusStatistics {
  uint64_t doc_count = 0;
  std::map<std::string, uint64_t> field_tokens;  // text field -> tokens in all documents
  std::map<std::string, uint64_t> doc_freq;      // index term -> documents holding it
  // Adds another collection's statistics (document sets must be disjoint).
  void Merge(const CorpusStatistics& other) {
    doc_count += other.doc_count;
    for (const auto& [f, n] : other.field_tokens) field_tokens[f] += n;
    for (const auto& [t, n] : other.doc_freq) doc_freq[t] += n;
  }
};

struct SearchOptions {
  size_t k = 10;           // number of hits to return
  size_t offset = 0;       // hits to skip (paging)
  TopKAlgorithm algorithm = TopKAlgorithm::kAuto;
  // Treat the query as plain text (e.g. a question): no operators, every word
  // an optional term. Use for text typed by people who do not know the syntax.
  bool plain = false;
  // Hybrid and vector search.
  SearchMode mode = SearchMode::kAuto;
  // Fusion defaults to the collection's calibrated setting (see CollectionStats
  // and EVALUATION.md); set use_collection_fusion = false to override it.
  bool use_collection_fusion = true;
  FusionMethod fusion = FusionMethod::kMinMax;
  double bm25_weight = 0.5;
  double vector_weight = 0.5;
  // Above 0: the built-in FAQ retriever (stored questions, kind=faq, matched
  // with the question's words counted twice on the title) is fused too, also
  // without an embedder ("weights" option: faq=W). See docs/cli.md (ask --faq).
  double faq_weight = 0;
  double rrf_k = 60;
  size_t candidates = 100;      // hits taken from each retriever before fusion
  size_t ef_search = 0;         // HNSW breadth; 0 = max(candidates, 64)
  // Hybrid: a candidate that matches no query word (BM25 score 0) is dropped
  // when its vector similarity is below this; -1 keeps every candidate; unset:
  // the collection's (CollectionOptions::min_similarity). See EVALUATION.md
  // ("Semantic-only hits") for what a floor costs and removes.
  std::optional<double> min_similarity;
  // When set, only documents this principal may see are considered (see Principal).
  std::optional<Principal> principal;
  // Chunks roll up to their document (metadata doc_id): one hit per document,
  // scored by its best passage, which is shown.
  bool rollup_documents = false;
  bool with_fields = true;      // load stored fields of each hit
  bool with_snippet = true;     // build a highlighted snippet
  bool with_explanation = false;
  bool explain_words = true;    // with_explanation: also the static model's word pairs (costs ~0.1 ms a hit)
  size_t snippet_chars = 240;
  // Snippet highlighting marks; defaults suit terminals and HTML alike.
  std::string highlight_open = "[";
  std::string highlight_close = "]";
  // Time budget of the call (0 = unlimited). Long loops (ranking, phrase
  // matching, explanations, snippets) check it cooperatively; when it runs
  // out the call returns Status::DeadlineExceeded saying what was running.
  std::chrono::milliseconds time_budget{0};
  // Statistics to score with instead of the collection's own (see
  // CorpusStatistics). A term missing from doc_freq counts as df = 0.
  std::shared_ptr<const CorpusStatistics> statistics;
  // With a principal: score with statistics over only the documents it may
  // see (as if the collection held nothing else), so that scores, idf and
  // explanations reveal nothing about hidden documents. Costs one pass over
  // each query term's postings per search (and, once per principal and
  // segment, one over the segment's documents). Ignored with `statistics`.
  bool principal_statistics = false;
  // Retrievers the application adds to hybrid search, each with its weight
  // (see glassbox/retriever.h); fused with BM25 and vectors.
  std::vector<WeightedRetriever> retrievers;
  // Keyword metadata fields to count values of (SearchResponse::facets), over
  // every document that matches the query's words and filters and that the
  // principal may see — all matches, not only the top k; in vector and hybrid
  // mode the same BM25 match set (semantic-only hits are not counted). "*":
  // every keyword field but access control (acl_users, acl_groups) and
  // provenance (doc_id, source, section). Counts are per indexed document
  // (chunk), also with rollup_documents. Costs one pass over all matches,
  // loading each one's stored metadata. In bm25 mode it also makes
  // total_hits exact.
  std::vector<std::string> facets;
  // Pseudo-relevance feedback (RM3): the top `docs` BM25 hits of a first pass
  // give a relevance model (each word's share of a hit's analyzed text,
  // weighted by the hit's share of the BM25 score mass); its top `terms` words
  // (those in under 10 % of documents) join the query as optional terms. The
  // query's own clauses keep 1 - weight of their boost; the model's words
  // share weight * (number of query words). docs = 0: off. See EVALUATION.md.
  struct Feedback {
    size_t docs = 0;
    size_t terms = 10;
    double weight = 0.5;
  };
  Feedback feedback;
};

// One query term's part of a BM25 score:
//   idf = ln(1 + (N - df + 0.5) / (df + 0.5))
//   norm = k1 * (1 - b + b * dl / avgdl)
//   contribution = boost * idf * tf * (k1 + 1) / (tf + norm)
struct TermExplanation {
  std::string term;        // analyzed term
  std::string field;       // "" when matched across all default fields
  double boost = 1.0;
  double tf = 0;           // (field-weighted) term frequency in the document
  uint64_t df = 0;         // documents containing the term (whole snapshot)
  uint64_t doc_count = 0;  // N: documents in the snapshot
  double idf = 0;
  double doc_length = 0;   // (field-weighted) length of the document in tokens
  double avg_doc_length = 0;
  double length_norm = 0;  // k1 * (1 - b + b * dl / avgdl)
  double contribution = 0;
  // Pseudo-relevance feedback (SearchOptions::feedback): the part of boost
  // the relevance model gave this term (boost - feedback came from the
  // query). A term only feedback added has boost == feedback.
  double feedback = 0;
};

struct Explanation {
  bool matched = false;     // false: the document does not match the query
  double score = 0;         // equals the sum of terms[i].contribution
  double k1 = 0, b = 0;
  std::vector<TermExplanation> terms;
  std::string summary;      // one line a person can read
};

// One retriever's part of a fused hybrid score.
struct RetrieverScore {
  std::string retriever;    // "bm25" or "vector"
  uint32_t rank = 0;        // 1-based rank in that retriever's own list; 0 = not in it
  double raw = 0;           // BM25 score, or cosine similarity
  double normalized = 0;    // after the fusion's normalization (RRF: 1 / (k + rank))
  double weight = 0;
  double contribution = 0;  // weight * normalized; contributions sum to the hit's score
  double share = 0;         // contribution / score
};

// A query word and a passage word whose vectors drove the (static model's) similarity.
struct WordSimilarity {
  std::string query_word;
  std::string passage_word;
  double contribution = 0;  // part of the cosine; all pairs sum to the cosine
};

struct Hit {
  std::string id;
  double score = 0;
  std::vector<std::pair<std::string, std::string>> text;        // stored text fields
  std::vector<std::pair<std::string, MetadataValue>> metadata;  // stored metadata
  std::string snippet;            // best passage, matched terms between highlight marks
  std::optional<Explanation> explanation;     // BM25 breakdown (when the hit has BM25 evidence)
  std::vector<RetrieverScore> retrievers;     // hybrid / vector: each retriever's part (with_explanation)
  std::vector<WordSimilarity> similar_words;  // static model: the word pairs behind the cosine (with_explanation)
  std::string passage_id;                     // rollup_documents: the chunk shown for this document
};

// One value of a facet and the number of matching documents that hold it
// (a document counts once however often the field repeats the value).
struct FacetValue {
  std::string value;
  uint64_t count = 0;
};

struct Facet {
  std::string field;
  std::vector<FacetValue> values;  // the 10 most frequent, by count, then by value
};

struct SearchResponse {
  std::string mode;               // "bm25", "vector" or "hybrid": what ran
  std::string fusion;             // hybrid: "rrf", "minmax" or "zscore" with weights, e.g. "minmax bm25=0.9 vector=0.1"
  std::vector<Hit> hits;
  uint64_t total_hits = 0;        // matching documents; exact only if total_exact
  bool total_exact = false;       // pruning algorithms do not count every match
  double took_ms = 0;
  std::vector<Facet> facets;      // SearchOptions::facets, in the order asked for ("*": by field name)
};

// Why is a document not in the top k?
struct WhyNot {
  enum class Reason {
    kInTopK,          // it is there, at `rank`
    kNoSuchDocument,  // the id is unknown (or deleted)
    kMissingTerms,    // it lacks required terms, or all scoring terms
    kExcluded,        // it contains a -excluded term
    kFiltered,        // a metadata filter rejects it
    kPhraseNotFound,  // it has the words but not as the phrase
    kRankedBelow,     // it matches, but k other documents score higher
  };
  Reason reason = Reason::kNoSuchDocument;
  std::vector<std::string> missing_terms;  // query terms absent from the document
  std::string detail;                      // e.g. the filter that rejected it
  uint64_t rank = 0;                       // 1-based rank when it matches
  double score = 0;
  double kth_score = 0;                    // score of the k-th hit
  std::string message;                     // one line a person can read
  // Hybrid and vector searches (Collection::WhyNotInResults): the mode, and
  // the document's place in each retriever — rank 0 means it was not among
  // that retriever's candidates; raw is its score there all the same, and
  // normalized / contribution what fusion gives it as a candidate.
  std::string mode;
  std::vector<RetrieverScore> retrievers;
  // WhyNotInResults: the document's BM25 breakdown under the same request
  // (its query options — plain, statistics — included).
  std::optional<Explanation> bm25;
};

}  // namespace glassbox
