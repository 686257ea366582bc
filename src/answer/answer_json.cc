#include "answer/answer_json.h"

namespace glassbox::answer {

using nlohmann::json;

json CitationToJson(const Citation& c) {
  json j = {{"n", c.n},         {"id", c.id},   {"doc_id", c.doc_id},   {"field", c.field},
            {"start", c.start}, {"end", c.end}, {"quote", c.quote},     {"verified", c.verified}};
  if (c.page) j["page"] = *c.page;
  return j;
}

json AnswerToJson(const Answer& a, bool with_passage_text) {
  json cites = json::array(), passages = json::array(), trace = json::array();
  for (const auto& c : a.citations) cites.push_back(CitationToJson(c));
  for (const auto& p : a.passages) {
    json j = {{"n", p.n}, {"id", p.id}, {"doc_id", p.doc_id}, {"score", p.score}, {"title", p.title}, {"why", p.why}};
    if (p.page) j["page"] = *p.page;
    if (with_passage_text) j["text"] = p.text;
    passages.push_back(std::move(j));
  }
  for (const auto& t : a.trace) trace.push_back({{"step", t.step}, {"detail", t.detail}});
  json j = {{"status", AnswerStatusName(a.status)},
            {"answer", a.text},
            {"confidence", a.confidence},
            {"verified", a.verified},
            {"citations", cites},
            {"passages", passages},
            {"trace", trace},
            {"timings_ms", {{"retrieve", a.timings.retrieve_ms}, {"read", a.timings.read_ms}, {"verify", a.timings.verify_ms}}}};
  const AnswerTimings& t = a.timings;
  if (t.generate_ms > 0) {  // a generated answer: its stages and speed
    j["timings_ms"].update({{"load", t.load_ms}, {"prompt", t.prompt_ms}, {"first_token", t.first_token_ms},
                            {"generate", t.generate_ms}});
    j["generation"] = {{"prompt_tokens", t.prompt_tokens}, {"tokens", t.generated_tokens},
                       {"tokens_per_s", t.tokens_per_s}};
  }
  if (!a.faq_id.empty()) j["faq_id"] = a.faq_id;
  j["route"] = a.route;
  j["route_reason"] = a.route_reason;
  if (a.table) {
    const TableResult& t = *a.table;
    j["table"] = {{"table", t.table},           {"sql", t.sql},
                  {"columns", t.columns},       {"rows", t.rows},
                  {"explanation", t.explanation}, {"alternatives", t.alternatives}, {"path", t.path}};
    if (!t.evidence_sql.empty())
      j["table"]["evidence"] = {{"sql", t.evidence_sql}, {"columns", t.evidence_columns}, {"rows", t.evidence_rows}};
  }
  if (!a.steps.empty()) {
    json steps = json::array();
    for (const auto& s : a.steps) steps.push_back(AnswerToJson(s, with_passage_text));
    j["steps"] = std::move(steps);
  }
  return j;
}

}  // namespace glassbox::answer
