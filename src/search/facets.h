// Facet counts of a search (SearchOptions::facets): the values of keyword
// metadata fields over every document the bound query matches.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "glassbox/search.h"
#include "glassbox/status.h"
#include "search/plan.h"

namespace glassbox::search::internal {

// The fields `asked` names, checked against the snapshot's schema: "*"
// expands to every keyword field but access-control and provenance fields
// (sorted by name); a field that is not a keyword field is InvalidArgument
// naming the keyword fields there are.
Result<std::vector<std::string>> FacetFields(const Snapshot& snap, const std::vector<std::string>& asked);

// Counts, for each of `fields`, the documents holding each value among all
// documents `bq` matches (live, visible to its principal, passing its
// filters), and keeps the 10 most frequent values (ties: by value). `matches`
// gets the number of matching documents. Honors bq.deadline.
Result<std::vector<Facet>> CountFacets(const Snapshot& snap, const BoundQuery& bq,
                                       const std::vector<std::string>& fields, uint64_t* matches);

}  // namespace glassbox::search::internal
