#include "engine/calibration.h"

#include <algorithm>

#include "search/searcher.h"

namespace glassbox::engine {

namespace {

// A sentence from the middle of the text with every third word dropped; "" if too short.
std::string PseudoQuery(const std::string& body) {
  std::vector<std::string> sentences;
  std::string cur;
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    cur += c;
    bool end = c == '.' || c == '!' || c == '?' || c == '\n';
    // Chinese full stop, question and exclamation marks (3-byte UTF-8).
    if (!end && i + 2 < body.size() && static_cast<unsigned char>(c) == 0xE3 && body.compare(i, 3, "。") == 0) {
      cur += body.substr(i + 1, 2);
      i += 2;
      end = true;
    }
    if (end) {
      sentences.push_back(cur);
      cur.clear();
    }
  }
  if (!cur.empty()) sentences.push_back(cur);
  auto words = [](const std::string& s) {
    std::vector<std::string> w;
    std::string t;
    for (char c : s) {
      if (c == ' ' || c == '\t' || c == '\n') {
        if (!t.empty()) w.push_back(t);
        t.clear();
      } else {
        t += c;
      }
    }
    if (!t.empty()) w.push_back(t);
    return w;
  };
  // Prefer the middle sentence with at least 6 words.
  std::vector<std::string> best;
  for (size_t k = 0; k < sentences.size(); ++k) {
    size_t i = (sentences.size() / 2 + k) % sentences.size();
    auto w = words(sentences[i]);
    if (w.size() >= 6) {
      best = w;
      break;
    }
    if (w.size() > best.size()) best = w;
  }
  if (best.size() < 3) return body.size() >= 4 ? body.substr(0, std::min<size_t>(body.size(), 200)) : "";
  std::string q;
  for (size_t i = 0; i < best.size(); ++i)
    if (i % 3 != 2) q += (q.empty() ? "" : " ") + best[i];
  return q;
}

}  // namespace

Result<Calibration> CalibrateFusion(const std::shared_ptr<const search::Snapshot>& snap) {
  Calibration cal;
  static const double kGrid[] = {0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0};
  constexpr size_t kW = sizeof kGrid / sizeof kGrid[0];
  double mrr[kW] = {};
  uint64_t total = 0;
  for (const auto& sv : snap->segments) total += sv.reader->num_docs();
  if (total == 0 || !snap->embedder) return cal;
  const uint64_t stride = std::max<uint64_t>(1, total / kCalibrationQueries);
  search::Searcher searcher(snap);
  SearchOptions o;
  o.mode = SearchMode::kHybrid;
  o.plain = true;
  o.use_collection_fusion = false;
  o.fusion = FusionMethod::kMinMax;
  o.bm25_weight = 0.5;
  o.vector_weight = 0.5;
  o.k = 200;
  o.candidates = 100;
  o.with_fields = false;
  o.with_snippet = false;
  o.with_explanation = true;
  o.explain_words = false;
  uint64_t g = 0;
  for (const auto& sv : snap->segments) {
    for (index::DocId d = 0; d < sv.reader->num_docs(); ++d, ++g) {
      if (g % stride != 0 || !sv.IsLive(d) || cal.queries >= kCalibrationQueries) continue;
      auto doc = sv.reader->LoadDocument(d);
      if (!doc.ok()) return doc.status();
      const std::string* body = doc->Text("body");
      if (body == nullptr && !doc->text.empty()) body = &doc->text.back().second;
      if (body == nullptr) continue;
      std::string q = PseudoQuery(*body);
      if (q.empty()) continue;
      auto r = searcher.Search(q, o);
      if (!r.ok()) continue;  // e.g. nothing to embed
      ++cal.queries;
      // A query the model cannot embed (no word it knows) gives cosine 0 everywhere.
      bool embedded = false;
      for (const auto& h : r->hits)
        for (const auto& p : h.retrievers)
          if (p.retriever == "vector" && p.raw != 0) embedded = true;
      if (!embedded) ++cal.unembeddable;
      for (size_t w = 0; w < kW; ++w) {
        // Rank of the source document under weight w.
        double target = -1;
        std::vector<double> fused;
        for (const auto& h : r->hits) {
          double b = 0, v = 0;
          for (const auto& p : h.retrievers) (p.retriever == "bm25" ? b : v) = p.normalized;
          double f = (1 - kGrid[w]) * b + kGrid[w] * v;
          fused.push_back(f);
          if (h.id == doc->id) target = f;
        }
        if (target < 0) continue;
        size_t rank = 1;
        for (double f : fused) rank += f > target;
        if (rank <= 10) mrr[w] += 1.0 / static_cast<double>(rank);
      }
    }
  }
  if (cal.queries == 0) return cal;
  size_t best = 0;
  for (size_t w = 1; w < kW; ++w)
    if (mrr[w] > mrr[best]) best = w;
  // A model that cannot read most of the collection (e.g. the English static
  // model on Chinese text) gets no weight at all.
  if (cal.unembeddable * 2 > cal.queries) best = 0;
  cal.vector_weight = kGrid[best];
  cal.bm25_weight = 1 - kGrid[best];
  cal.mrr_bm25 = mrr[0] / static_cast<double>(cal.queries);
  cal.mrr_vector = mrr[kW - 1] / static_cast<double>(cal.queries);
  cal.mrr_fused = mrr[best] / static_cast<double>(cal.queries);
  return cal;
}

}  // namespace glassbox::engine
