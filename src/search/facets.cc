#include "search/facets.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "search/retrievers.h"

namespace glassbox::search::internal {

namespace {

constexpr size_t kTopValues = 10;

// Fields "*" leaves out: who may see a document, and where a chunk came from
// (one value per file: a list of ids, not a way to narrow a search).
bool IsAutomaticField(const std::string& name) {
  return name == kAclUsersField || name == kAclGroupsField || name == provenance::kDocId ||
         name == provenance::kSource || name == provenance::kSection;
}

}  // namespace

Result<std::vector<std::string>> FacetFields(const Snapshot& snap, const std::vector<std::string>& asked) {
  std::set<std::string> keyword;
  for (const auto& [name, type] : snap.metadata_types)
    if (type == MetadataValue::Type::kKeyword) keyword.insert(name);
  std::vector<std::string> out;
  auto add = [&](const std::string& f) {
    if (std::find(out.begin(), out.end(), f) == out.end()) out.push_back(f);
  };
  for (const std::string& f : asked) {
    if (f == "*") {
      for (const auto& k : keyword)
        if (!IsAutomaticField(k)) add(k);
      continue;
    }
    if (!keyword.count(f)) {
      std::string known;
      for (const auto& k : keyword) known += (known.empty() ? "" : ", ") + k;
      auto it = snap.metadata_types.find(f);
      std::string what = it == snap.metadata_types.end() ? "is not a metadata field of the collection"
                                                         : "is a number or date field, not a keyword field";
      return Status::InvalidArgument("option \"facets\": '" + f + "' " + what + " (keyword fields: " +
                                     (known.empty() ? "none" : known) + ")");
    }
    add(f);
  }
  return out;
}

Result<std::vector<Facet>> CountFacets(const Snapshot& snap, const BoundQuery& bq,
                                       const std::vector<std::string>& fields, uint64_t* matches) {
  *matches = 0;
  std::vector<std::unordered_map<std::string, uint64_t>> counts(fields.size());
  std::unordered_map<std::string, size_t> slot;
  for (size_t i = 0; i < fields.size(); ++i) slot.emplace(fields[i], i);
  uint64_t total = 0;
  // Every match: the exhaustive top N of each segment (the acceptor applies
  // liveness, access control, filters and exclusions).
  const std::vector<Ranked> all = Bm25Ranked(snap, bq, std::max<uint64_t>(snap.doc_count, 1),
                                             TopKAlgorithm::kExhaustive, &total);
  if (bq.deadline != nullptr && bq.deadline->expired()) return Status::DeadlineExceeded(bq.deadline->Message());
  std::vector<std::string> seen;  // "slot\0value" of this document, to count a repeated value once
  for (size_t n = 0; n < all.size(); ++n) {
    // A document load costs about as much as scoring a block of postings.
    if (bq.deadline != nullptr && bq.deadline->Expired(64, "counting facets"))
      return Status::DeadlineExceeded(bq.deadline->Message());
    auto doc = snap.segments[all[n].seg].reader->LoadDocument(all[n].doc);
    if (!doc.ok()) return doc.status();
    seen.clear();
    for (const auto& [name, v] : doc->metadata) {
      if (v.type != MetadataValue::Type::kKeyword) continue;
      auto it = slot.find(name);
      if (it == slot.end()) continue;
      std::string key = std::to_string(it->second) + '\0' + v.text;
      if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
      seen.push_back(std::move(key));
      ++counts[it->second][v.text];
    }
  }
  *matches = all.size();
  std::vector<Facet> out;
  for (size_t i = 0; i < fields.size(); ++i) {
    Facet f;
    f.field = fields[i];
    for (auto& [value, count] : counts[i]) f.values.push_back({value, count});
    auto before = [](const FacetValue& a, const FacetValue& b) {
      return a.count != b.count ? a.count > b.count : a.value < b.value;
    };
    const size_t keep = std::min(kTopValues, f.values.size());
    std::partial_sort(f.values.begin(), f.values.begin() + keep, f.values.end(), before);
    f.values.resize(keep);
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace glassbox::search::internal
