// Format dispatch, input validation and file reading.
//
// Decisions that apply to every format:
//  - The input must be valid UTF-8 (the index stores UTF-8 only); a leading
//    byte-order mark is dropped. Anything else is rejected with the position
//    of the first bad byte.
//  - An empty file, or one holding only whitespace, is not an error: it
//    yields zero documents (an empty export is a normal state of a data
//    folder, and skipping it loses nothing).
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ingest/formats.h"
#include "ingest/reader.h"
#include "ingest/text_util.h"

namespace glassbox::ingest {

std::string FormatOf(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  for (char& c : ext)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  if (ext == ".txt" || ext == ".text") return "txt";
  if (ext == ".md" || ext == ".markdown") return "md";
  if (ext == ".json") return "json";
  if (ext == ".jsonl" || ext == ".ndjson") return "jsonl";
  if (ext == ".csv") return "csv";
  return "";
}

std::string PositionalId(const std::string& name, size_t line) {
  return name + ":" + std::to_string(line);
}

Result<std::vector<SourceDocument>> ReadBuffer(std::string_view data, const std::string& format,
                                               const std::string& name, const ReaderOptions& options) {
  if (data.substr(0, 3) == "\xEF\xBB\xBF") data.remove_prefix(3);
  size_t bad = FindInvalidUtf8(data);
  if (bad != std::string_view::npos) {
    LineCol lc = LineColOf(data, bad);
    return Status::InvalidArgument("line " + std::to_string(lc.line) + ": invalid UTF-8 at byte " +
                                   std::to_string(bad) + " (column " + std::to_string(lc.column) +
                                   "); only UTF-8 text can be indexed");
  }
  if (TrimAscii(data).empty()) {
    if (format == "txt" || format == "md" || format == "json" || format == "jsonl" || format == "csv")
      return std::vector<SourceDocument>{};
  }
  if (format == "txt") return ReadText(data, name);
  if (format == "md") return ReadMarkdown(data, name);
  if (format == "json") return ReadJson(data, name, options);
  if (format == "jsonl") return ReadJsonLines(data, name, options);
  if (format == "csv") return ReadCsv(data, name, options);
  return Status::InvalidArgument("unsupported format '" + format + "'");
}

Result<std::vector<SourceDocument>> ReadFile(const std::string& path, const ReaderOptions& options) {
  std::string format = FormatOf(path);
  if (format.empty()) return Status::InvalidArgument(path + ": unsupported format");
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return Status::NotFound(path + ": no such file");
    return Status::IOError(path + ": cannot open: " + std::strerror(errno));
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return Status::IOError(path + ": read failed");
  std::string data = std::move(buf).str();
  // Ids and sources use the path as given, normalized lexically so that
  // "./kb/a.md" and "kb/a.md" name the same document.
  std::string name = std::filesystem::path(path).lexically_normal().generic_string();
  auto docs = ReadBuffer(data, format, name, options);
  if (!docs.ok()) return Status::InvalidArgument(path + ": " + docs.status().message());
  for (auto& d : docs.value()) d.source = path;
  return docs;
}

}  // namespace glassbox::ingest
