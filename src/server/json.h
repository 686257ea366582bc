// JSON shapes shared by the command line (`--json`) and the HTTP server, so
// that a hit, an explanation or an ingest report looks the same in both.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "glassbox/glassbox.h"

namespace glassbox::json_output {

using nlohmann::json;

// Numbers as numbers; keywords and dates as their text. A field repeated
// (e.g. acl_users) becomes an array of its values.
json MetaToJson(const std::vector<std::pair<std::string, MetadataValue>>& md);
json ExplanationToJson(const Explanation& e);
const char* ReasonName(WhyNot::Reason r);
json WhyNotToJson(const WhyNot& w);
json RetrieversToJson(const std::vector<RetrieverScore>& rs);
json WordsToJson(const std::vector<WordSimilarity>& ws);
json HitToJson(const Hit& h);
// {"mode","fusion","total_hits","total_exact","took_ms","hits"}
json SearchResponseToJson(const SearchResponse& r);
// {"id","fields","metadata"}
json DocumentToJson(const Document& d);
json StatsToJson(const CollectionStats& s);
json IngestReportToJson(const IngestReport& r);
// {"id","explanation","why"}
json ExplainToJson(const std::string& id, const Explanation& e, const WhyNot& w);
// {"error":{"code","message"}}
json ErrorToJson(const std::string& code, const std::string& message);

}  // namespace glassbox::json_output
