// Reads files through the ingestion readers (no indexing) and reports what
// came out: documents, pages, characters and seconds per file, as JSON lines.
// Used by bench/readers/run.sh.
//
// usage: read_docs [--ocr-languages L] FILE...
#include <chrono>
#include <cstdio>
#include <string>

#include "ingest/reader.h"

int main(int argc, char** argv) {
  glassbox::ReaderOptions options;
  int rc = 0;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--ocr-languages" && i + 1 < argc) {
      options.ocr_languages = argv[++i];
      continue;
    }
    auto start = std::chrono::steady_clock::now();
    auto docs = glassbox::ingest::ReadFile(arg, options);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!docs.ok()) {
      std::fprintf(stderr, "error: %s\n", docs.status().message().c_str());
      rc = 1;
      continue;
    }
    size_t pages = 0, chars = 0;
    for (const auto& d : docs.value()) {
      pages += d.pages.size();
      chars += d.body.size();
    }
    std::printf("{\"file\": \"%s\", \"documents\": %zu, \"pages\": %zu, \"bytes\": %zu, \"seconds\": %.4f}\n", arg.c_str(),
                docs.value().size(), pages, chars, seconds);
  }
  return rc;
}
