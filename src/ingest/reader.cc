// Reading through the registry: detection, input validation, file reading.
//
// Decisions that apply to every text format (Reader::text):
//  - The input must be valid UTF-8 (the index stores UTF-8 only); a leading
//    byte-order mark is dropped. Anything else is rejected with the position
//    of the first bad byte.
//  - An empty file, or one holding only whitespace, is not an error: it
//    yields zero documents (an empty export is a normal state of a data
//    folder, and skipping it loses nothing).
// Binary readers get the bytes as they are. Whatever a reader yields is
// checked: text must be valid UTF-8 and ranges must lie inside the body, so a
// reader bug becomes an error on one file, not a corrupt index.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "ingest/formats.h"
#include "ingest/reader.h"
#include "ingest/text_util.h"

namespace glassbox::ingest {
namespace {

bool IsUtf8(std::string_view s) { return FindInvalidUtf8(s) == std::string_view::npos; }

// What is wrong with a reader's output, or "".
std::string CheckOutput(const ReadOutput& out) {
  for (const auto& d : out.documents) {
    std::string where = "document '" + d.id + "': ";
    if (d.id.empty()) return "a document without an id";
    if (!IsUtf8(d.id) || !IsUtf8(d.title) || !IsUtf8(d.body)) return where + "text that is not UTF-8";
    for (const auto& [k, v] : d.metadata)
      if (!IsUtf8(k) || !IsUtf8(v.text)) return where + "metadata that is not UTF-8";
    size_t prev = 0;
    for (const auto& s : d.sections) {
      if (s.begin > s.end || s.end > d.body.size() || s.begin < prev || !IsUtf8(s.heading_path))
        return where + "a section outside the body or out of order";
      prev = s.end;
    }
    prev = 0;
    for (const auto& p : d.pages) {
      if (p.begin > p.end || p.end > d.body.size() || p.begin < prev) return where + "a page outside the body or out of order";
      size_t word_prev = p.begin;
      for (const auto& w : p.words) {
        if (w.begin < word_prev || w.begin > w.end || w.end > p.end)
          return where + "page " + std::to_string(p.number) + ": a word box outside the page or out of order";
        word_prev = w.end;
      }
      prev = p.end;
    }
  }
  for (const auto& t : out.tables) {
    for (const auto& r : t.rows)
      if (r.cells.size() != t.columns.size())
        return "table '" + t.name + "' row " + std::to_string(r.row) + ": cells do not match the columns";
  }
  return "";
}

}  // namespace

Result<std::vector<SourceDocument>> ReadBuffer(std::string_view data, const std::string& type,
                                               const std::string& name, const ReaderOptions& options,
                                               std::vector<Table>* tables) {
  ReaderRegistry& registry = ReaderRegistry::Default();
  std::string media_type = type.empty() ? registry.Detect(name, data.substr(0, ReaderRegistry::kSniffBytes)) : type;
  const Reader* reader = registry.Find(media_type);
  if (reader == nullptr) return Status::Unsupported(ReaderRegistry::UnsupportedMessage(media_type));
  if (std::find(reader->media_types.begin(), reader->media_types.end(), media_type) == reader->media_types.end())
    media_type = reader->media_types.front();  // `type` was the reader's name
  ReadOutput out;
  if (reader->text) {
    if (data.substr(0, 3) == "\xEF\xBB\xBF") data.remove_prefix(3);
    size_t bad = FindInvalidUtf8(data);
    if (bad != std::string_view::npos) {
      LineCol lc = LineColOf(data, bad);
      return Status::InvalidArgument("line " + std::to_string(lc.line) + ": invalid UTF-8 at byte " +
                                     std::to_string(bad) + " (column " + std::to_string(lc.column) +
                                     "); only UTF-8 text can be indexed");
    }
    if (TrimAscii(data).empty()) return std::vector<SourceDocument>{};
  }
  GB_RETURN_IF_ERROR(reader->read(ReadInput{data, name, media_type, options}, &out));
  if (std::string problem = CheckOutput(out); !problem.empty())
    return Status::InvalidArgument("reader '" + reader->name + "' yielded " + problem);
  if (tables != nullptr)
    for (auto& t : out.tables) tables->push_back(std::move(t));
  return std::move(out.documents);
}

Result<std::vector<SourceDocument>> ReadFile(const std::string& path, const ReaderOptions& options,
                                             std::vector<Table>* tables) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return Status::NotFound(path + ": no such file");
    return Status::IOError(path + ": cannot open: " + std::strerror(errno));
  }
  // The head decides the type; the rest is read only if a reader takes it.
  std::string data(ReaderRegistry::kSniffBytes, '\0');
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  if (in.bad()) return Status::IOError(path + ": read failed");
  data.resize(static_cast<size_t>(in.gcount()));
  ReaderRegistry& registry = ReaderRegistry::Default();
  std::string media_type = registry.Detect(path, data);
  if (registry.Find(media_type) == nullptr)
    return Status::Unsupported(path + ": " + ReaderRegistry::UnsupportedMessage(media_type));
  if (data.size() == ReaderRegistry::kSniffBytes) {
    char buf[1 << 16];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) data.append(buf, static_cast<size_t>(in.gcount()));
    if (in.bad()) return Status::IOError(path + ": read failed");
  }
  // Ids and sources use the path as given, normalized lexically so that
  // "./kb/a.md" and "kb/a.md" name the same document.
  std::string name = std::filesystem::path(path).lexically_normal().generic_string();
  std::vector<Table> file_tables;
  auto docs = ReadBuffer(data, media_type, name, options, &file_tables);
  if (!docs.ok()) {
    std::string message = path + ": " + docs.status().message();
    return docs.status().code() == Status::Code::kUnsupported ? Status::Unsupported(message)
                                                              : Status::InvalidArgument(message);
  }
  for (auto& d : docs.value()) d.source = path;
  if (tables != nullptr)
    for (auto& t : file_tables) {
      t.source = path;
      tables->push_back(std::move(t));
    }
  return docs;
}

}  // namespace glassbox::ingest
