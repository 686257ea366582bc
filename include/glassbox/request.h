// A search as one value, and the one table of its option names.
//
// The CLI (`--name VALUE`, with '-' for '_'), the HTTP API (`"name": value`
// in the search body) and Python (`name=value`) accept exactly the options
// of SearchOptionSpecs(), parsed by SetSearchOption and checked as a whole by
// ValidateSearchOptions, so a name, a value or an error message means the same
// thing everywhere.
//
//   glassbox::SearchRequest r{"annual leave", {}};
//   SetSearchOption(&r.options, "mode", "hybrid");
//   SetSearchOption(&r.options, "weights", "bm25=0.8,vector=0.2");
//   auto resp = collection->Search(r.query, r.options);   // validates again
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "glassbox/search.h"
#include "glassbox/status.h"

namespace glassbox {

struct SearchRequest {
  std::string query;
  SearchOptions options;
};

struct SearchOptionSpec {
  const char* name;    // as in JSON and Python; the CLI flag is the same with '-' for '_'
  const char* syntax;  // what the value looks like
  const char* help;
};

// Every option a search takes by name, in documentation order.
const std::vector<SearchOptionSpec>& SearchOptionSpecs();

// Sets one option from its text form: numbers as decimal text, booleans as
// true/false (or 1/0), names as below. InvalidArgument names the option and
// says what it accepts; an unknown name lists the known ones.
Status SetSearchOption(SearchOptions* options, std::string_view name, std::string_view value);

// Checks the options together (ranges, finite numbers, weights); Search
// calls it too. The message names the offending option.
Status ValidateSearchOptions(const SearchOptions& options);

// Names, one table each (parse returns false for an unknown name).
const char* SearchModeName(SearchMode m);          // auto bm25 vector hybrid
bool ParseSearchMode(std::string_view s, SearchMode* m);
const char* FusionMethodName(FusionMethod f);      // rrf minmax zscore
bool ParseFusionMethod(std::string_view s, FusionMethod* f);
const char* TopKAlgorithmName(TopKAlgorithm a);    // auto exhaustive wand maxscore bmw (also block-max-wand)
bool ParseTopKAlgorithm(std::string_view s, TopKAlgorithm* a);

}  // namespace glassbox
