// JSON (.json: an array of objects, or one object) and JSON Lines (.jsonl:
// one object per line, blank lines allowed).
//
// Mapping of an object to a document:
//  - id: the value of ReaderOptions::id_key, else of "id", else "<name>:<line>"
//    (line of the object's first character); a string or a number.
//  - title: the value of title_key (string or number), else empty.
//  - body: the values of text_keys, in that order, joined by blank lines; a
//    text key may also hold an array of strings.
//  - every other key becomes metadata: number -> Number, string that parses
//    as a date -> Date, other string -> Keyword, true/false -> Keyword
//    "true"/"false", null -> nothing.
//  Parse errors read "line L: JSON parse error at byte B: ..." with B the
//  1-based byte position within line L.
//  - nested objects are flattened with dotted keys ({"author": {"name": "x"}}
//    -> "author.name"), up to kMaxFlattenDepth levels; deeper parts are dropped.
//  - arrays of scalars give one metadata entry per element under the same key
//    (so "tags": ["hr", "leave"] can be filtered on either tag); arrays that
//    hold objects or arrays are dropped.
#include <cmath>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "glassbox/document.h"
#include "ingest/formats.h"
#include "ingest/text_util.h"

namespace glassbox::ingest {
namespace {

using Json = nlohmann::ordered_json;

constexpr int kMaxFlattenDepth = 4;

std::string LinePrefix(size_t line) { return "line " + std::to_string(line) + ": "; }

// "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error ..."
// -> "syntax error ...": the position is reported by the caller, in file terms.
std::string ParseErrorText(const std::string& what) {
  size_t col = what.find("column ");
  if (col != std::string::npos) {
    size_t colon = what.find(": ", col);
    if (colon != std::string::npos) return what.substr(colon + 2);
  }
  size_t bracket = what.find("] ");
  return bracket == std::string::npos ? what : what.substr(bracket + 2);
}

MetadataValue NumberValue(const Json& v) {
  double d = v.get<double>();
  std::string spelling = v.dump();
  if (!std::isfinite(d)) return MetadataValue::Keyword(d > 0 ? "inf" : "-inf");
  return MetadataValue::Number(d, spelling);
}

void AddMetadata(const std::string& key, const Json& v, int depth, std::vector<std::pair<std::string, MetadataValue>>* out,
                 bool in_array) {
  switch (v.type()) {
    case Json::value_t::null:
    case Json::value_t::discarded:
    case Json::value_t::binary:
      return;
    case Json::value_t::boolean:
      out->emplace_back(key, MetadataValue::Keyword(v.get<bool>() ? "true" : "false"));
      return;
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      out->emplace_back(key, NumberValue(v));
      return;
    case Json::value_t::string: {
      const auto& s = v.get_ref<const std::string&>();
      if (!s.empty()) out->emplace_back(key, TypedString(s));
      return;
    }
    case Json::value_t::object:
      if (in_array || depth >= kMaxFlattenDepth) return;
      for (const auto& [k, child] : v.items()) AddMetadata(key + "." + k, child, depth + 1, out, false);
      return;
    case Json::value_t::array:
      if (in_array) return;
      for (const auto& child : v) AddMetadata(key, child, depth, out, true);
      return;
  }
}

// The text of a scalar id or title; false if the value is not a string or number.
bool ScalarText(const Json& v, std::string* out) {
  if (v.is_string()) {
    *out = v.get<std::string>();
    return true;
  }
  if (v.is_number()) {
    *out = v.dump();
    return true;
  }
  return false;
}

Status ObjectToDocument(const Json& obj, const std::string& name, size_t line, const ReaderOptions& options,
                        SourceDocument* doc) {
  if (!obj.is_object())
    return Status::InvalidArgument(LinePrefix(line) + "expected a JSON object, found " + obj.type_name());
  doc->source = name;
  std::string id_key;
  if (!options.id_key.empty() && obj.contains(options.id_key))
    id_key = options.id_key;
  else if (obj.contains("id"))
    id_key = "id";
  if (!id_key.empty()) {
    if (!ScalarText(obj.at(id_key), &doc->id))
      return Status::InvalidArgument(LinePrefix(line) + "id \"" + id_key + "\" must be a string or a number");
    if (doc->id.empty()) return Status::InvalidArgument(LinePrefix(line) + "empty id \"" + id_key + "\"");
  } else {
    doc->id = PositionalId(name, line);
  }
  if (auto it = obj.find(options.title_key); it != obj.end()) ScalarText(*it, &doc->title);
  for (const auto& key : options.text_keys) {
    auto it = obj.find(key);
    if (it == obj.end()) continue;
    auto append = [&](const Json& v) {
      std::string text;
      if (!ScalarText(v, &text) || TrimAscii(text).empty()) return;
      if (!doc->body.empty()) doc->body += "\n\n";
      doc->body += text;
    };
    if (it->is_array()) {
      for (const auto& v : *it) append(v);
    } else {
      append(*it);
    }
  }
  for (const auto& [key, value] : obj.items()) {
    if (key == id_key || key == options.title_key) continue;
    bool is_text = false;
    for (const auto& t : options.text_keys) is_text = is_text || t == key;
    if (is_text) continue;
    if (key == kAclUsersField || key == kAclGroupsField) {
      // Access control fails closed: names only (never dates or numbers), at least one.
      std::vector<const Json*> names;
      if (value.is_array())
        for (const auto& v : value) names.push_back(&v);
      else
        names.push_back(&value);
      if (names.empty())
        return Status::InvalidArgument(LinePrefix(line) + "\"" + key +
                                       "\" is an empty list, which would make the document public; omit it or name "
                                       "at least one");
      for (const Json* v : names) {
        if (!v->is_string() || v->get<std::string>().empty())
          return Status::InvalidArgument(LinePrefix(line) + "\"" + key + "\" must hold non-empty strings, found " +
                                         v->dump());
        doc->metadata.emplace_back(key, MetadataValue::Keyword(v->get<std::string>()));
      }
      continue;
    }
    AddMetadata(key, value, 0, &doc->metadata, false);
  }
  return Status::OK();
}

// Offsets of the elements of a top-level JSON array (the text is valid JSON).
std::vector<size_t> ArrayElementOffsets(std::string_view data) {
  std::vector<size_t> starts;
  int depth = 0;
  bool in_string = false, expect = false;
  for (size_t i = 0; i < data.size(); ++i) {
    char c = data[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (IsAsciiSpace(c)) continue;
    bool opens = c == '[' || c == '{';
    if (c == ']' || c == '}') {
      if (--depth == 0) break;  // the end of the top-level array
      continue;
    }
    if (c == ',') {
      expect = depth == 1;
      continue;
    }
    if (depth == 1 && expect) {
      starts.push_back(i);
      expect = false;
    }
    if (c == '"') in_string = true;
    if (opens && ++depth == 1) expect = true;
  }
  return starts;
}

// Parses JSON text. nlohmann reports most problems as parse_error but a
// number too large for a double as out_of_range, without a position; parsing
// through the SAX interface gets both with the byte position where parsing stopped.
class PositionedParser : public nlohmann::detail::json_sax_dom_parser<Json> {
 public:
  explicit PositionedParser(Json& root) : json_sax_dom_parser(root, /*allow_exceptions=*/false) {}
  template <class Exception>
  bool parse_error(size_t position, const std::string& /*last_token*/, const Exception& ex) {
    error_position = position;
    error = ParseErrorText(ex.what());
    return false;
  }
  size_t error_position = 0;
  std::string error;
};

// Parses `text`; on failure sets *position (1-based, in bytes) and *message.
bool ParseJson(std::string_view text, Json* out, size_t* position, std::string* message) {
  // nlohmann's lexer takes a NUL byte for the end of the input and would
  // silently ignore what follows; NUL is never valid in JSON text.
  if (size_t nul = text.find('\0'); nul != std::string_view::npos) {
    *position = nul + 1;
    *message = "NUL character";
    return false;
  }
  PositionedParser parser(*out);
  if (Json::sax_parse(text.begin(), text.end(), &parser) && parser.error.empty()) return true;
  *position = parser.error_position > 0 ? parser.error_position : 1;
  *message = parser.error.empty() ? "invalid JSON" : parser.error;
  return false;
}

Status CheckDuplicate(std::unordered_map<std::string, size_t>* seen, const std::string& id, size_t line) {
  auto [it, inserted] = seen->emplace(id, line);
  if (!inserted)
    return Status::InvalidArgument(LinePrefix(line) + "duplicate id '" + id + "' (first on line " +
                                   std::to_string(it->second) + ")");
  return Status::OK();
}

}  // namespace

Result<std::vector<SourceDocument>> ReadJson(std::string_view data, const std::string& name, const ReaderOptions& options) {
  Json root;
  size_t position;
  std::string message;
  if (!ParseJson(data, &root, &position, &message)) {
    LineCol lc = LineColOf(data, position - 1);
    return Status::InvalidArgument(LinePrefix(lc.line) + "JSON parse error at byte " + std::to_string(lc.column) +
                                   ": " + message);
  }
  std::vector<SourceDocument> docs;
  std::unordered_map<std::string, size_t> seen;
  if (root.is_object()) {
    SourceDocument doc;
    size_t line = LineColOf(data, data.find('{')).line;
    GB_RETURN_IF_ERROR(ObjectToDocument(root, name, line, options, &doc));
    docs.push_back(std::move(doc));
    return docs;
  }
  if (!root.is_array())
    return Status::InvalidArgument(LinePrefix(1) + "expected an array of objects or an object, found " +
                                   root.type_name());
  std::vector<size_t> offsets = ArrayElementOffsets(data);
  if (offsets.size() != root.size())  // cannot happen for valid JSON; do not trust it blindly
    return Status::InvalidArgument(LinePrefix(1) + "could not locate the array elements");
  // Line numbers of the offsets, computed in one pass.
  std::vector<size_t> lines(offsets.size());
  size_t line = 1, pos = 0;
  for (size_t k = 0; k < offsets.size(); ++k) {
    for (; pos < offsets[k]; ++pos)
      if (data[pos] == '\n') ++line;
    lines[k] = line;
  }
  docs.reserve(root.size());
  for (size_t k = 0; k < root.size(); ++k) {
    SourceDocument doc;
    GB_RETURN_IF_ERROR(ObjectToDocument(root[k], name, lines[k], options, &doc));
    GB_RETURN_IF_ERROR(CheckDuplicate(&seen, doc.id, lines[k]));
    docs.push_back(std::move(doc));
  }
  return docs;
}

Result<std::vector<SourceDocument>> ReadJsonLines(std::string_view data, const std::string& name,
                                                  const ReaderOptions& options) {
  std::vector<SourceDocument> docs;
  std::unordered_map<std::string, size_t> seen;
  size_t line_no = 0;
  for (size_t pos = 0; pos < data.size();) {
    size_t nl = data.find('\n', pos);
    if (nl == std::string_view::npos) nl = data.size();
    std::string_view line = data.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (TrimAscii(line).empty()) continue;
    Json obj;
    size_t position;
    std::string message;
    if (!ParseJson(line, &obj, &position, &message))
      return Status::InvalidArgument(LinePrefix(line_no) + "JSON parse error at byte " + std::to_string(position) +
                                     ": " + message);
    SourceDocument doc;
    GB_RETURN_IF_ERROR(ObjectToDocument(obj, name, line_no, options, &doc));
    GB_RETURN_IF_ERROR(CheckDuplicate(&seen, doc.id, line_no));
    docs.push_back(std::move(doc));
  }
  return docs;
}

Reader JsonReader() {
  Reader r;
  r.name = "json";
  r.media_types = {"application/json"};
  r.extensions = {".json"};
  r.read = [](const ReadInput& in, ReadOutput* out) {
    return YieldDocuments(ReadJson(in.data, in.name, in.options), out);
  };
  return r;
}

Reader JsonLinesReader() {
  Reader r;
  r.name = "jsonl";
  r.media_types = {"application/x-ndjson", "application/jsonl"};
  r.extensions = {".jsonl", ".ndjson"};
  r.read = [](const ReadInput& in, ReadOutput* out) {
    return YieldDocuments(ReadJsonLines(in.data, in.name, in.options), out);
  };
  return r;
}

}  // namespace glassbox::ingest
