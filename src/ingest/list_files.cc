// Finding the files to ingest.
//
//  - A path that names a file is listed as is (named), whatever the patterns
//    and its type (the caller asked for it): reading it says whether a
//    reader takes it, and an unsupported type then fails the file.
//  - A folder is walked recursively. Hidden files and folders (name starting
//    with '.') are skipped; symbolic links to files are followed, links to
//    folders are not (no cycles). Patterns are matched against the path
//    relative to the folder (see GlobMatchRelative); an exclude pattern that
//    matches a folder skips all of it.
//  - A walked file (that the patterns let through) is listed if a registered
//    reader takes its extension, or if it has no extension (its content will
//    tell; see ReaderRegistry::Detect); others are skipped and counted.
//  - The result is sorted and free of duplicates (a file both named and
//    walked counts as named).
#include <algorithm>
#include <filesystem>
#include <system_error>

#include "ingest/glob.h"
#include "ingest/reader.h"

namespace glassbox::ingest {
namespace {

namespace fs = std::filesystem;

struct Walk {
  const std::vector<std::string>& include;
  const std::vector<std::string>& exclude;
  std::vector<ListedFile>* files;
  std::vector<IngestError>* errors;
  std::vector<std::string> skipped;

  bool Excluded(const std::string& rel) const {
    for (const auto& p : exclude)
      if (GlobMatchRelative(p, rel)) return true;
    return false;
  }
  bool Included(const std::string& rel) const {
    if (include.empty()) return true;
    for (const auto& p : include)
      if (GlobMatchRelative(p, rel)) return true;
    return false;
  }

  void Error(const fs::path& p, std::string message) {
    if (errors != nullptr) errors->push_back({p.string(), std::move(message)});
  }

  void Dir(const fs::path& dir, const std::string& rel_dir) {
    std::error_code ec;
    fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
    if (ec) {
      Error(dir, "cannot list folder: " + ec.message());
      return;
    }
    std::vector<fs::directory_entry> entries;
    for (; it != fs::directory_iterator(); it.increment(ec)) {
      if (ec) {
        Error(dir, "cannot list folder: " + ec.message());
        return;
      }
      entries.push_back(*it);
    }
    std::sort(entries.begin(), entries.end(),
              [](const auto& a, const auto& b) { return a.path().filename() < b.path().filename(); });
    for (const auto& e : entries) {
      std::string name = e.path().filename().string();
      if (name.empty() || name[0] == '.') continue;
      std::string rel = rel_dir.empty() ? name : rel_dir + "/" + name;
      if (Excluded(rel)) continue;
      std::error_code sec;
      if (e.is_directory(sec) && !e.is_symlink(sec)) {
        Dir(e.path(), rel);
      } else if (e.is_regular_file(sec)) {
        if (!Included(rel)) continue;
        if (!ReaderRegistry::Default().Listable(name)) {
          skipped.push_back(e.path().string());
          continue;
        }
        files->push_back({e.path().string(), false});
      }
    }
  }
};

}  // namespace

std::vector<ListedFile> ListFiles(const std::vector<std::string>& paths, const std::vector<std::string>& include,
                                  const std::vector<std::string>& exclude, std::vector<IngestError>* errors,
                                  size_t* skipped) {
  std::vector<ListedFile> files;
  Walk walk{include, exclude, &files, errors, {}};
  for (const auto& p : paths) {
    std::error_code ec;
    fs::file_status st = fs::status(p, ec);
    if (ec || !fs::exists(st)) {
      walk.Error(p, "no such file or folder");
    } else if (fs::is_directory(st)) {
      walk.Dir(p, "");
    } else {
      files.push_back({p, true});
    }
  }
  // By path; of equal paths the named one first, which unique() keeps.
  std::sort(files.begin(), files.end(),
            [](const ListedFile& a, const ListedFile& b) { return a.path != b.path ? a.path < b.path : a.named > b.named; });
  files.erase(std::unique(files.begin(), files.end(),
                          [](const ListedFile& a, const ListedFile& b) { return a.path == b.path; }),
              files.end());
  if (skipped != nullptr) {
    // A skipped file that was also named is read (and counted) as named.
    *skipped = 0;
    for (const auto& s : walk.skipped)
      if (!std::binary_search(files.begin(), files.end(), ListedFile{s, true},
                              [](const ListedFile& a, const ListedFile& b) { return a.path < b.path; }))
        ++*skipped;
  }
  return files;
}

}  // namespace glassbox::ingest
