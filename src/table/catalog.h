// The schema catalog and its retriever: tables, columns, descriptions, units,
// sample values and the distinct values of low-cardinality text columns
// (≤ kMaxDictionary), in memory, built from an SQLite database — the
// collection's tables.sqlite (with its _gb_* catalog) or any SQLite file
// (its declared schema and foreign keys). Link() matches the words of a
// question against them (analyzed with src/text, English stemming and
// Chinese segmentation, plus a small EN/ZH glossary of business words) and
// explains each match.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "glassbox/status.h"
#include "table/guard.h"
#include "text/analyzer.h"

namespace glassbox::table {

inline constexpr size_t kMaxDictionary = 1000;

struct CatalogColumn {
  std::string name, header;
  std::string type;  // "integer", "real", "date", "text"
  std::string unit, currency, unit_column, description;
  std::vector<std::string> synonyms;
  std::vector<std::string> values;   // distinct values when ≤ kMaxDictionary (text columns)
  std::vector<std::string> samples;  // up to 3 values
  size_t distinct = 0;
  bool numeric() const { return type == "integer" || type == "real"; }
};

struct CatalogTable {
  std::string name, source, sheet, description;
  std::vector<std::string> synonyms;
  int64_t rows = 0;
  bool provenance = false;  // has _source, _sheet, _row (a table of the collection's table store)
  std::vector<CatalogColumn> columns;
  int Find(const std::string& column) const;
};

struct ForeignKey {
  int from_table, from_column, to_table, to_column;
  bool declared;  // false: inferred from equal names and overlapping values
};

// One match of question words to the catalog.
struct Link {
  enum class Kind { kTable, kColumn, kValue } kind;
  int table = -1, column = -1;
  std::string value;        // kValue: the stored value
  size_t begin = 0, end = 0;  // question term span [begin, end)
  double score = 0;
  std::string words;        // the question words
  std::string via;          // "name", "synonym", "description", "value", "unit", "glossary"
};

class Catalog {
 public:
  // Loads the catalog (with the value dictionaries).
  static Result<std::unique_ptr<Catalog>> Load(const ReadOnlyDatabase& db);

  const std::vector<CatalogTable>& tables() const { return tables_; }
  const std::vector<ForeignKey>& keys() const { return keys_; }

  // The question's terms (analyzed, glossary applied) and their links, best first.
  struct Terms {
    std::vector<std::string> terms;       // analyzed question terms
    std::vector<std::string> words;       // the question text of each term
  };
  Terms Analyze(const std::string& question) const;
  std::vector<Link> LinkTerms(const Terms& q) const;

  std::string Describe(const Link& l) const;  // "'cement' = purchases.material value 'cement'"

  // Schema retrieval alone (no SQL): the k best tables (per question position the best link into the table,
  // summed) and the k best columns (the column's best name/synonym/description/value link plus its table's
  // score), each with why. Used by the catalog-at-scale benchmark (bench/sql_catalog).
  struct Candidate {
    int table = -1, column = -1;
    double score = 0;
    std::string why;
  };
  struct Retrieval {
    std::vector<Candidate> tables, columns;
  };
  Retrieval Retrieve(const std::string& question, size_t k) const;

 private:
  struct Entry {
    std::vector<std::string> terms;
    Link::Kind kind;
    int table, column;
    std::string value, via;
    double weight;
  };
  void AddEntry(const std::string& text, Link::Kind kind, int table, int column,
                const std::string& value, const std::string& via, double weight, bool each_term);
  std::vector<std::string> TermsOf(const std::string& text) const;

  std::shared_ptr<const text::Analyzer> analyzer_;
  std::vector<CatalogTable> tables_;
  std::vector<ForeignKey> keys_;
  std::map<std::string, std::vector<Entry>> index_;  // first term -> entries
};

}  // namespace glassbox::table
