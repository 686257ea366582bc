// Helpers of the document readers: zip containers, OOXML core properties,
// charsets (ICU), whitespace, row text (see doc_formats.h).
#include <zip.h>

#include <pugixml.hpp>
#include <unicode/ucnv.h>

#include "ingest/doc_formats.h"
#include "ingest/text_util.h"

namespace glassbox::ingest {

ZipArchive::~ZipArchive() {
  if (zip_ != nullptr) zip_discard(zip_);
}

Result<std::unique_ptr<ZipArchive>> ZipArchive::Open(std::string_view data) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* src = zip_source_buffer_create(data.data(), data.size(), 0, &error);
  if (src == nullptr) {
    zip_error_fini(&error);
    return Status::InvalidArgument("not a zip container");
  }
  zip_t* z = zip_open_from_source(src, ZIP_RDONLY, &error);
  if (z == nullptr) {
    std::string why = zip_error_strerror(&error);
    zip_source_free(src);
    zip_error_fini(&error);
    return Status::InvalidArgument("not a readable zip container (" + why + ")");
  }
  zip_error_fini(&error);
  std::unique_ptr<ZipArchive> archive(new ZipArchive());
  archive->zip_ = z;
  zip_int64_t n = zip_get_num_entries(z, 0);
  if (n < 0 || static_cast<uint64_t>(n) > kMaxZipEntries)
    return Status::InvalidArgument("zip container has " + std::to_string(n) + " entries (limit " +
                                   std::to_string(kMaxZipEntries) + ")");
  return archive;
}

bool ZipArchive::Has(const std::string& entry) const { return zip_name_locate(zip_, entry.c_str(), 0) >= 0; }

Result<std::string> ZipArchive::Read(const std::string& entry) const {
  zip_int64_t index = zip_name_locate(zip_, entry.c_str(), 0);
  if (index < 0) return Status::NotFound("part " + entry + ": missing");
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat_index(zip_, static_cast<zip_uint64_t>(index), 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
    return Status::InvalidArgument("part " + entry + ": unreadable zip entry");
  if (st.size > kMaxZipEntryBytes)
    return Status::InvalidArgument("part " + entry + ": expands to " + std::to_string(st.size) + " bytes (limit " +
                                   std::to_string(kMaxZipEntryBytes) + ")");
  if ((st.valid & ZIP_STAT_COMP_SIZE) && st.size > (1u << 20) && st.size / std::max<uint64_t>(st.comp_size, 1) > kMaxZipRatio)
    return Status::InvalidArgument("part " + entry + ": compression ratio over " + std::to_string(kMaxZipRatio) +
                                   " (zip bomb?)");
  zip_file_t* f = zip_fopen_index(zip_, static_cast<zip_uint64_t>(index), 0);
  if (f == nullptr) return Status::InvalidArgument("part " + entry + ": cannot open (" + zip_strerror(zip_) + ")");
  std::string out(st.size, '\0');
  zip_uint64_t got = 0;
  while (got < st.size) {
    zip_int64_t r = zip_fread(f, out.data() + got, st.size - got);
    if (r <= 0) break;
    got += static_cast<zip_uint64_t>(r);
  }
  // Declared sizes can lie: a read past them is refused too.
  char extra;
  bool longer = got == st.size && zip_fread(f, &extra, 1) > 0;
  zip_fclose(f);
  if (got != st.size || longer) return Status::InvalidArgument("part " + entry + ": corrupt zip entry");
  return out;
}

std::string ResolvePartPath(const std::string& base_dir, const std::string& target) {
  std::string path = target;
  if (!path.empty() && path[0] == '/') {
    path.erase(0, 1);
  } else {
    path = base_dir + path;
  }
  // Resolve "." and ".." lexically (never above the root).
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    std::string seg = path.substr(i, j - i);
    if (seg == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!seg.empty() && seg != ".") {
      parts.push_back(seg);
    }
    i = j + 1;
  }
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "/") + p;
  return out;
}

namespace {
// "2024-03-01T10:00:00Z" and "2024-03-01" are kept; other spellings dropped.
std::string IsoDate(std::string s) {
  s = std::string(TrimAscii(s));
  MetadataValue v;
  if (s.size() > 19 && s[19] == '.') s = s.substr(0, 19) + "Z";  // fractional seconds
  return MetadataValue::ParseDate(s, &v) ? s : "";
}
}  // namespace

CoreProperties ReadCoreProperties(const ZipArchive& zip) {
  CoreProperties core;
  auto xml = zip.Read("docProps/core.xml");
  if (!xml.ok()) return core;
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.value().data(), xml.value().size())) return core;
  for (pugi::xml_node n : doc.document_element().children()) {
    std::string name = n.name();
    std::string local = name.substr(name.find(':') == std::string::npos ? 0 : name.find(':') + 1);
    std::string text = CollapseSpace(n.text().get());
    if (local == "title") core.title = text;
    if (local == "creator") core.author = text;
    if (local == "created") core.created = IsoDate(text);
    if (local == "modified") core.modified = IsoDate(text);
  }
  return core;
}

void AddCoreMetadata(const CoreProperties& core, SourceDocument* doc) {
  if (!core.author.empty()) doc->metadata.emplace_back("author", MetadataValue::Keyword(core.author));
  MetadataValue v;
  if (!core.created.empty() && MetadataValue::ParseDate(core.created, &v)) doc->metadata.emplace_back("created", v);
  if (!core.modified.empty() && MetadataValue::ParseDate(core.modified, &v)) doc->metadata.emplace_back("modified", v);
}

Result<std::string> ToUtf8(std::string_view bytes, const std::string& charset) {
  UErrorCode status = U_ZERO_ERROR;
  UConverter* conv = ucnv_open(charset.c_str(), &status);
  if (U_FAILURE(status) || conv == nullptr) return Status::InvalidArgument("unknown charset '" + charset + "'");
  std::string out;
  out.resize(bytes.size() * 4 + 16);
  status = U_ZERO_ERROR;
  int32_t n = ucnv_toAlgorithmic(UCNV_UTF8, conv, out.data(), static_cast<int32_t>(out.size()), bytes.data(),
                                 static_cast<int32_t>(bytes.size()), &status);
  ucnv_close(conv);
  if (U_FAILURE(status)) return Status::InvalidArgument("cannot convert from charset '" + charset + "'");
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string CollapseSpace(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool space = false;
  for (char c : s) {
    if (IsAsciiSpace(c)) {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

std::vector<std::string> UniqueColumnNames(const std::vector<std::string>& header) {
  std::vector<std::string> out;
  for (size_t c = 0; c < header.size(); ++c) {
    std::string name = CollapseSpace(header[c]);
    if (name.empty()) name = "column" + std::to_string(c + 1);
    std::string unique = name;
    for (int k = 2; std::find(out.begin(), out.end(), unique) != out.end(); ++k)
      unique = name + " (" + std::to_string(k) + ")";
    out.push_back(unique);
  }
  return out;
}

void AppendRowLines(const std::vector<std::string>& columns, const std::vector<std::string>& cells, std::string* body) {
  for (size_t c = 0; c < columns.size() && c < cells.size(); ++c) {
    std::string_view v = TrimAscii(cells[c]);
    if (v.empty()) continue;
    if (!body->empty() && body->back() != '\n') body->push_back('\n');
    *body += columns[c];
    *body += ": ";
    *body += v;
  }
}

std::vector<WordBox> AlignWords(std::string_view text, const std::vector<PlacedWord>& words) {
  std::vector<WordBox> out;
  out.reserve(words.size());
  size_t cursor = 0;
  for (const auto& w : words) {
    if (w.text.empty()) continue;
    size_t at = text.find(w.text, cursor);
    if (at == std::string_view::npos || at - cursor > 256) continue;
    out.push_back({at, at + w.text.size(), w.x0, w.y0, w.x1, w.y1});
    cursor = at + w.text.size();
  }
  return out;
}

void OpenHeadingSection(int level, const std::string& heading, std::vector<std::pair<int, std::string>>* stack,
                        SourceDocument* doc) {
  if (!doc->sections.empty() && doc->sections.back().end == std::string::npos)
    doc->sections.back().end = doc->body.size();
  while (!stack->empty() && stack->back().first >= level) stack->pop_back();
  stack->emplace_back(level, heading);
  std::string path;
  for (const auto& [l, h] : *stack) path += (path.empty() ? "" : " > ") + h;
  doc->sections.push_back({path, doc->body.size(), std::string::npos});
}

}  // namespace glassbox::ingest
