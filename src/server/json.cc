#include "server/json.h"

namespace glassbox::json_output {

json MetaToJson(const std::vector<std::pair<std::string, MetadataValue>>& md) {
  json j = json::object();
  for (const auto& [k, v] : md) {
    json value = v.type == MetadataValue::Type::kNumber ? json(v.number) : json(v.text);
    auto it = j.find(k);
    if (it == j.end()) {
      j[k] = std::move(value);
    } else {
      if (!it->is_array()) *it = json::array({*it});
      it->push_back(std::move(value));
    }
  }
  return j;
}

json ExplanationToJson(const Explanation& e) {
  json terms = json::array();
  for (const auto& t : e.terms)
    terms.push_back({{"term", t.term}, {"field", t.field}, {"boost", t.boost}, {"tf", t.tf}, {"df", t.df},
                     {"doc_count", t.doc_count}, {"idf", t.idf}, {"doc_length", t.doc_length},
                     {"avg_doc_length", t.avg_doc_length}, {"length_norm", t.length_norm},
                     {"contribution", t.contribution}, {"feedback", t.feedback}});
  return {{"matched", e.matched}, {"score", e.score}, {"k1", e.k1}, {"b", e.b}, {"terms", terms},
          {"summary", e.summary}};
}

const char* ReasonName(WhyNot::Reason r) {
  switch (r) {
    case WhyNot::Reason::kInTopK: return "in_top_k";
    case WhyNot::Reason::kNoSuchDocument: return "no_such_document";
    case WhyNot::Reason::kMissingTerms: return "missing_terms";
    case WhyNot::Reason::kExcluded: return "excluded";
    case WhyNot::Reason::kFiltered: return "filtered";
    case WhyNot::Reason::kPhraseNotFound: return "phrase_not_found";
    case WhyNot::Reason::kRankedBelow: return "ranked_below";
  }
  return "?";
}

json RetrieversToJson(const std::vector<RetrieverScore>& rs);

json WhyNotToJson(const WhyNot& w) {
  json j = {{"reason", ReasonName(w.reason)}, {"missing_terms", w.missing_terms}, {"detail", w.detail},
            {"rank", w.rank},  {"score", w.score}, {"kth_score", w.kth_score}, {"message", w.message}};
  if (!w.mode.empty()) j["mode"] = w.mode;
  if (!w.retrievers.empty()) j["retrievers"] = RetrieversToJson(w.retrievers);
  return j;
}

json RetrieversToJson(const std::vector<RetrieverScore>& rs) {
  json out = json::array();
  for (const auto& r : rs)
    out.push_back({{"retriever", r.retriever}, {"rank", r.rank}, {"raw", r.raw}, {"normalized", r.normalized},
                   {"weight", r.weight}, {"contribution", r.contribution}, {"share", r.share}});
  return out;
}

json WordsToJson(const std::vector<WordSimilarity>& ws) {
  json out = json::array();
  for (const auto& w : ws)
    out.push_back({{"query_word", w.query_word}, {"passage_word", w.passage_word}, {"contribution", w.contribution}});
  return out;
}

json HitToJson(const Hit& h) {
  json fields = json::object();
  for (const auto& [k, v] : h.text) fields[k] = v;
  json jh = {{"id", h.id}, {"score", h.score}, {"snippet", h.snippet}, {"fields", fields},
             {"metadata", MetaToJson(h.metadata)}};
  if (h.explanation) jh["explanation"] = ExplanationToJson(*h.explanation);
  if (!h.retrievers.empty()) jh["retrievers"] = RetrieversToJson(h.retrievers);
  if (!h.similar_words.empty()) jh["similar_words"] = WordsToJson(h.similar_words);
  if (!h.passage_id.empty()) jh["passage_id"] = h.passage_id;
  return jh;
}

json SearchResponseToJson(const SearchResponse& r) {
  json hits = json::array();
  for (const auto& h : r.hits) hits.push_back(HitToJson(h));
  json out = {{"mode", r.mode}, {"fusion", r.fusion}, {"total_hits", r.total_hits},
              {"total_exact", r.total_exact}, {"took_ms", r.took_ms}, {"hits", hits}};
  if (!r.facets.empty()) {  // {"field": [{"value", "count"}, ...]}, most frequent first
    json facets = json::object();
    for (const auto& f : r.facets) {
      json values = json::array();
      for (const auto& v : f.values) values.push_back({{"value", v.value}, {"count", v.count}});
      facets[f.field] = values;
    }
    out["facets"] = facets;
  }
  return out;
}

json DocumentToJson(const Document& d) {
  json fields = json::object();
  for (const auto& [k, v] : d.text) fields[k] = v;
  return {{"id", d.id}, {"fields", fields}, {"metadata", MetaToJson(d.metadata)}};
}

json StatsToJson(const CollectionStats& s) {
  return {{"documents", s.documents}, {"deleted", s.deleted},       {"buffered", s.buffered},
          {"segments", s.segments},   {"index_bytes", s.index_bytes}, {"terms", s.terms},
          {"avg_doc_length", s.avg_doc_length}, {"analyzer", s.analyzer}, {"k1", s.k1}, {"b", s.b},
          {"generation", s.generation}, {"embedder", s.embedder}, {"vectors", s.vectors}, {"fusion", s.fusion}, {"min_similarity", s.min_similarity}};
}

json IngestReportToJson(const IngestReport& r) {
  json errors = json::array();
  for (const auto& e : r.errors) errors.push_back({{"path", e.path}, {"message", e.message}});
  return {{"files_seen", r.files_seen}, {"files_ok", r.files_ok}, {"files_failed", r.files_failed},
          {"files_skipped", r.files_skipped}, {"documents", r.documents}, {"chunks", r.chunks}, {"seconds", r.seconds}, {"errors", errors}};
}

json ExplainToJson(const std::string& id, const Explanation& e, const WhyNot& w) {
  return {{"id", id}, {"explanation", ExplanationToJson(e)}, {"why", WhyNotToJson(w)}};
}

json ErrorToJson(const std::string& code, const std::string& message) {
  return {{"error", {{"code", code}, {"message", message}}}};
}

}  // namespace glassbox::json_output
