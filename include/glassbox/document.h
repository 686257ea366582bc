// Documents as Glassbox stores them.
//
// A document has an external string id (unique within a collection), ordered
// text fields that are analyzed and searched (e.g. "title", "body"), and typed
// metadata fields that are stored and filterable but not analyzed (keyword,
// number, date). All fields are stored and returned with hits.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace glassbox {

struct MetadataValue {
  enum class Type : uint8_t { kKeyword = 0, kNumber = 1, kDate = 2 };
  Type type = Type::kKeyword;
  std::string text;     // keyword value, or the original spelling of a number/date
  double number = 0.0;  // kNumber: the value; kDate: seconds since 1970-01-01 UTC

  static MetadataValue Keyword(std::string v) { return {Type::kKeyword, std::move(v), 0.0}; }
  static MetadataValue Number(double v, std::string spelling = {});
  // Parses "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SS[Z]"; returns false if malformed.
  static bool ParseDate(const std::string& s, MetadataValue* out);
  // The inverse: seconds since 1970-01-01 UTC as "YYYY-MM-DD", or
  // "YYYY-MM-DDTHH:MM:SS" when not at midnight (proleptic Gregorian).
  static std::string FormatDate(double seconds);
};

struct Document {
  std::string id;
  std::vector<std::pair<std::string, std::string>> text;             // field name -> text
  std::vector<std::pair<std::string, MetadataValue>> metadata;       // field name -> value

  // Convenience lookups; return nullptr when absent.
  const std::string* Text(const std::string& field) const;
  const MetadataValue* Meta(const std::string& field) const;
};

// Access-control fields (see Principal in search.h): keyword values naming
// users and groups. A number, a date or an empty name there is rejected, not
// ignored, because an ignored value would leave the document visible to all.
inline constexpr const char* kAclUsersField = "acl_users";
inline constexpr const char* kAclGroupsField = "acl_groups";

// Chunks produced by ingestion are documents with these metadata fields,
// so that a hit points to its passage and to the document it came from.
namespace provenance {
inline constexpr const char* kDocId = "doc_id";    // keyword: id of the whole source document
inline constexpr const char* kSource = "source";   // keyword: file path the document was read from
inline constexpr const char* kChunk = "chunk";     // number: 0-based index of the chunk in its document
inline constexpr const char* kStart = "start";     // number: byte offset of the chunk in the document body
inline constexpr const char* kEnd = "end";         // number: byte offset one past the chunk's end
inline constexpr const char* kSection = "section"; // keyword: heading path ("Leave > Sick leave")
inline constexpr const char* kPage = "page";       // number: the chunk's page (paged formats: PDF, slides, images)
// Where the chunk's text lies on its page (PDF, OCR): keyword "x0,y0,x1,y1",
// the union of its words' boxes, and keyword "WxH", the page size; in PDF
// points (1/72 inch) or image pixels, origin at the top left, y downwards.
inline constexpr const char* kBox = "bbox";
inline constexpr const char* kPageSize = "page_size";
}  // namespace provenance

}  // namespace glassbox
